"""Intyg: the form data and the workflow (draft, name signers, sign, paper, correct)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from accounts.enums import Role
from accounts.models import AuditEvent
from portfolio.enums import CertificateForm, OtherActivityKind, RegulationCode, ServiceKind, SignerRole
from portfolio.intyg import forms, workflow
from portfolio.models import Certificate, CertificateSignature, FrozenRecordError, Goal
from tests.factories import MembershipFactory, UserFactory
from tests.factories import regulation as regulation_row
from tests.portfolio.factories_activities import CourseFactory, OtherActivityFactory
from tests.portfolio.factories_service import ServicePeriodFactory

pytestmark = pytest.mark.django_db


def goals_of(trainee, count=2):
    goals = list(Goal.objects.filter(curriculum__regulation=trainee.regulation).order_by("pk")[:count])
    assert len(goals) == count, "the regulation's curricula are loaded by migration"
    return goals


@pytest.fixture
def period(trainee):
    period = ServicePeriodFactory(
        trainee=trainee, workplace="Medicinkliniken, Umeå", supervisor=trainee.main_supervisor, notes="Akutmottagning"
    )
    period.goals.set(goals_of(trainee))
    return period


def draft(trainee, form=CertificateForm.S15_CLINICAL, **records):
    return workflow.draft_for(trainee, by=trainee.user, form=form, **records)


def sign_all(cert):
    for row in cert.signatures.all():
        workflow.sign(cert, by=row.signer, role=row.role, city="Umeå")
    cert.refresh_from_db()
    return cert


# --- Form data


def test_the_json_covers_every_form_and_each_regulation():
    assert set(forms.all_forms()) == set(CertificateForm.values)
    assert set(forms.forms_for_regulation(RegulationCode.SOSFS_2015_8)) == {f"sosfs2015_b{n}" for n in range(2, 8)}
    assert set(forms.forms_for_regulation(RegulationCode.HSLF_FS_2021_8)) == {
        f"hslf2021_b{n}" for n in (2, 3, 4, 6, 7, 8, 9, 10, 11, 12)
    }


def test_every_form_has_heading_footer_signers_and_ordered_fields():
    for code, spec in forms.all_forms().items():
        assert spec["heading"][0] == "INTYG", code
        assert spec["footer"].endswith(f"Bilaga {spec['bilaga']}"), code
        roles = forms.all_roles(code)
        assert roles and set(roles) <= set(SignerRole.values), code
        signer_sections = [s["signer"] for s in spec["sections"] if s.get("signer")]
        for section_roles in signer_sections:
            assert set(section_roles.split("|")) <= set(roles), code
        keys = [field["key"] for section in spec["sections"] for field in section["fields"]]
        assert len(keys) == len(set(keys)), code
        assert keys[:2] in (["last_name", "first_name"], ["specialty", "last_name"]), code


def test_signer_roles_and_activity_types_are_the_agreed_ones():
    assert forms.signer_groups("sosfs2015_b2") == [["unit_head", "appointed"], ["main_supervisor"]]
    assert forms.signer_groups("sosfs2015_b5") == [["course_leader", "supervisor"]]
    assert forms.signer_groups("hslf2021_b7") == [["main_supervisor"], ["second_specialist"]]
    # As printed: bilaga 2 is signed by the handledare; bilaga 4 by the huvudansvarig handledare and an extern bedömare.
    assert forms.signer_groups("hslf2021_b2") == [["supervisor"]]
    assert forms.signer_groups("hslf2021_b4") == [["main_supervisor"], ["external"]]
    assert forms.form_spec("hslf2021_b12")["activity_type"] == "medicinsk_vetenskap"
    assert forms.form_spec("sosfs2015_b7")["activity_type"] == "skriftligt_arbete"
    assert forms.form_spec("hslf2021_b7")["activity_type"] is None


def test_the_printed_labels_are_the_forms_own():
    spec = forms.form_spec("hslf2021_b9")
    assert spec["heading"] == [
        "INTYG",
        "om genomförd utbildningsaktivitet och uppfyllda kompetenskrav",
        "Klinisk tjänstgöring under handledning",
    ]
    fields = {field["key"]: field for section in spec["sections"] for field in section["fields"]}
    assert fields["goals"]["label"] == "Delmål som intyget avser (t.ex. STa1, STb1, STc1)"
    assert fields["goals"]["pdf_field"] == "Delmål som intyget avser tex STa1 STb1 STc1"
    assert fields["supervisor_signature"]["pdf_field"] is None


def test_the_right_form_is_chosen_for_each_record(trainee):
    s15, h21 = RegulationCode.SOSFS_2015_8, RegulationCode.HSLF_FS_2021_8
    auskultation = ServicePeriodFactory.build(kind=ServiceKind.AUSKULTATION)
    main = ServicePeriodFactory.build(kind=ServiceKind.MAIN)
    assert forms.form_for_service_period(s15, auskultation) == "sosfs2015_b3"
    assert forms.form_for_service_period(h21, main) == "hslf2021_b9"
    assert forms.form_for_course(h21, None) == "hslf2021_b10"
    quality = OtherActivityFactory.build(kind=OtherActivityKind.QUALITY_WORK)
    written = OtherActivityFactory.build(kind=OtherActivityKind.WRITTEN_WORK)
    teaching = OtherActivityFactory.build(kind=OtherActivityKind.TEACHING)
    assert forms.form_for_activity(s15, quality) == "sosfs2015_b6"
    assert forms.form_for_activity(h21, quality) == "hslf2021_b11"
    assert forms.form_for_activity(s15, written) == "sosfs2015_b7"
    assert forms.form_for_activity(s15, teaching) is None


# --- Drafts


def test_a_draft_from_a_tjanstgoring_is_prefilled(trainee, period):
    cert = draft(trainee, service_period=period)

    assert cert.status == "draft"
    assert cert.place == "Medicinkliniken, Umeå"
    assert (cert.period_start, cert.period_end) == (period.start, period.end)
    assert cert.description == "Akutmottagning"
    assert set(cert.goals.all()) == set(period.goals.all())
    row = cert.signatures.get()
    assert (row.role, row.signer, row.name) == ("supervisor", trainee.main_supervisor, "Erik Holmström")
    assert row.supervisor_training_year == 2018
    assert AuditEvent.objects.filter(action="certificate.drafted", target_id=cert.pk).exists()


def test_a_draft_from_a_course_names_the_provider_as_kursledare(trainee):
    course = CourseFactory(trainee=trainee, title="Palliativ vård", provider="Kursgården i Åre")
    course.goals.set(goals_of(trainee, 1))

    cert = draft(trainee, CertificateForm.S15_COURSE, course=course)

    assert (cert.subject, cert.place) == ("Palliativ vård", "Kursgården i Åre")
    assert list(cert.goals.all()) == list(course.goals.all())
    row = cert.signatures.get()
    assert (row.role, row.signer, row.name) == ("course_leader", None, "Kursgården i Åre")


def test_a_draft_from_an_activity_names_the_huvudhandledare(trainee):
    activity = OtherActivityFactory(trainee=trainee, title="Läkemedelsgenomgångar", description="Audit av 40 journaler")

    cert = draft(trainee, CertificateForm.S15_QUALITY, activity=activity)

    assert (cert.subject, cert.description) == ("Läkemedelsgenomgångar", "Audit av 40 journaler")
    assert cert.signatures.get().signer == trainee.main_supervisor


def test_a_summary_draft_names_the_unit_head_and_huvudhandledare(trainee, unit_head):
    cert = draft(trainee, CertificateForm.S15_SUMMARY)

    rows = {row.role: row.signer for row in cert.signatures.all()}
    assert rows == {"unit_head": unit_head, "main_supervisor": trainee.main_supervisor}


def test_a_2021_summary_names_huvudhandledare_and_second_specialist(trainee):
    trainee.regulation = regulation_row(RegulationCode.HSLF_FS_2021_8)
    trainee.save()

    cert = draft(trainee, CertificateForm.H21_ST_COMPETENCE)

    rows = {row.role: row.signer for row in cert.signatures.all()}
    assert rows == {"main_supervisor": trainee.main_supervisor, "second_specialist": trainee.second_specialist}


def test_a_form_of_another_regulation_is_refused(trainee, period):
    with pytest.raises(ValidationError) as error:
        draft(trainee, CertificateForm.H21_CLINICAL, service_period=period)
    assert error.value.code == "wrong_regulation"
    assert not Certificate.objects.exists()


def test_another_trainees_record_is_refused(trainee, other_trainee):
    foreign = ServicePeriodFactory(trainee=other_trainee)
    with pytest.raises(ValidationError):
        draft(trainee, service_period=foreign)
    assert not Certificate.objects.exists()


def test_only_the_trainee_writes_a_draft(trainee, period):
    with pytest.raises(PermissionDenied):
        workflow.draft_for(trainee, by=trainee.main_supervisor, form=CertificateForm.S15_CLINICAL)
    assert not Certificate.objects.exists()


def test_update_draft_changes_content_and_goals(trainee, period):
    cert = draft(trainee, service_period=period)
    goal = goals_of(trainee, 3)[2]

    workflow.update_draft(cert, by=trainee.user, description="Ny beskrivning", goals=[goal])

    cert.refresh_from_db()
    assert cert.description == "Ny beskrivning"
    assert list(cert.goals.all()) == [goal]


def test_name_signer_replaces_the_alternative_of_the_same_group(trainee, unit_head):
    cert = draft(trainee, CertificateForm.S15_SUMMARY)
    appointed = UserFactory(name="Łukasz Ősz")

    workflow.name_signer(cert, by=trainee.user, role="appointed", signer=appointed, name="", workplace="Medicin")

    roles = set(cert.signatures.values_list("role", flat=True))
    assert roles == {"appointed", "main_supervisor"}
    assert cert.signatures.get(role="appointed").name == "Łukasz Ősz"


# --- Signing


def test_only_the_named_signer_signs(trainee, period, study_director, second_specialist):
    cert = draft(trainee, service_period=period)
    for other in (trainee.user, study_director, second_specialist):
        with pytest.raises(PermissionDenied):
            workflow.sign(cert, by=other, role="supervisor", city="Umeå")
    assert not cert.signatures.filter(signed_at__isnull=False).exists()

    workflow.sign(cert, by=trainee.main_supervisor, role="supervisor", city="Umeå")

    cert.refresh_from_db()
    assert cert.is_signed
    row = cert.signatures.get()
    assert row.city == "Umeå" and row.signed_at is not None


def test_the_trainee_can_neither_be_named_nor_sign_as_signer(trainee, period):
    cert = draft(trainee, service_period=period)

    with pytest.raises(ValidationError) as named:
        workflow.name_signer(cert, by=trainee.user, role="supervisor", name="", signer=trainee.user)
    # A row written directly (an import, the admin) still cannot be signed by the trainee.
    CertificateSignature.objects.filter(certificate=cert).update(signer=trainee.user)
    with pytest.raises(PermissionDenied):
        workflow.sign(cert, by=trainee.user, role="supervisor", city="Umeå")

    assert named.value.code == "own_intyg"
    assert not cert.signatures.filter(signed_at__isnull=False).exists()


def test_signing_without_a_city_is_refused(trainee, period):
    cert = draft(trainee, service_period=period)
    with pytest.raises(ValidationError):
        workflow.sign(cert, by=trainee.main_supervisor, role="supervisor", city="  ")
    assert cert.signatures.get().signed_at is None


def test_the_intyg_is_signed_only_when_every_group_has_signed(trainee, unit_head):
    cert = draft(trainee, CertificateForm.S15_SUMMARY)

    workflow.sign(cert, by=unit_head, role="unit_head", city="Umeå")
    cert.refresh_from_db()
    assert not cert.is_signed

    workflow.sign(cert, by=trainee.main_supervisor, role="main_supervisor", city="Umeå")
    cert.refresh_from_db()
    assert cert.is_signed


def test_a_partly_signed_draft_cannot_be_changed(trainee, unit_head):
    cert = draft(trainee, CertificateForm.S15_SUMMARY)
    workflow.sign(cert, by=unit_head, role="unit_head", city="Umeå")
    with pytest.raises(ValidationError):
        workflow.update_draft(cert, by=trainee.user, description="Ändrad")
    assert Certificate.objects.get(pk=cert.pk).description == ""


def test_a_signed_intyg_refuses_save_delete_and_goal_changes(trainee, period):
    cert = sign_all(draft(trainee, service_period=period))

    cert.description = "Ändrad"
    with pytest.raises(FrozenRecordError):
        cert.save()
    with pytest.raises(FrozenRecordError):
        cert.delete()
    with pytest.raises(FrozenRecordError), transaction.atomic():
        cert.goals.clear()
    with pytest.raises(FrozenRecordError):
        cert.signatures.get().delete()
    with pytest.raises(ValidationError):
        workflow.update_draft(cert, by=trainee.user, description="Ändrad")
    assert Certificate.objects.get(pk=cert.pk).goals.count() == 2


def test_the_records_of_a_signed_intyg_cannot_be_deleted(trainee, period):
    course = CourseFactory(trainee=trainee)
    sign_all(draft(trainee, service_period=period))
    workflow.mark_signed_on_paper(
        draft(trainee, CertificateForm.S15_COURSE, course=course), by=trainee.user, signed_on=date(2024, 4, 1)
    )
    with pytest.raises((ProtectedError, RestrictedError)), transaction.atomic():
        period.delete()
    with pytest.raises((ProtectedError, RestrictedError)), transaction.atomic():
        course.delete()


# --- Paper and correction


def test_signed_on_paper_by_the_studierektor(trainee, period, study_director):
    cert = draft(trainee, service_period=period)

    workflow.mark_signed_on_paper(cert, by=study_director, signed_on=date(2024, 7, 2))

    cert.refresh_from_db()
    assert cert.is_signed and cert.signed_on_paper
    assert timezone.localtime(cert.signatures.get().signed_at).date() == date(2024, 7, 2)


def test_paper_signing_is_refused_for_a_supervisor_and_for_a_future_date(trainee, period):
    cert = draft(trainee, service_period=period)
    with pytest.raises(PermissionDenied):
        workflow.mark_signed_on_paper(cert, by=trainee.main_supervisor, signed_on=date(2024, 7, 2))
    with pytest.raises(ValidationError):
        workflow.mark_signed_on_paper(cert, by=trainee.user, signed_on=timezone.localdate() + timedelta(days=1))
    cert.refresh_from_db()
    assert not cert.is_signed and not cert.signed_on_paper


def test_correct_makes_one_superseding_draft(trainee, period):
    cert = sign_all(draft(trainee, service_period=period))

    new = workflow.correct(cert, by=trainee.user)

    assert new.supersedes == cert and new.status == "draft"
    assert (new.place, new.description) == (cert.place, cert.description)
    assert set(new.goals.all()) == set(cert.goals.all())
    assert new.signatures.get().signed_at is None
    with pytest.raises(ValidationError) as error:
        workflow.correct(cert, by=trainee.user)
    assert error.value.code == "already_corrected"
    assert Certificate.objects.count() == 2


def test_a_draft_cannot_be_corrected(trainee, period):
    cert = draft(trainee, service_period=period)
    with pytest.raises(ValidationError):
        workflow.correct(cert, by=trainee.user)


def test_certificates_to_sign_lists_the_users_open_rows(trainee, period, other_trainee):
    cert = draft(trainee, service_period=period)
    signer = trainee.main_supervisor

    assert [row.certificate for row in workflow.certificates_to_sign(signer)] == [cert]
    sign_all(cert)
    assert list(workflow.certificates_to_sign(signer)) == []


def test_unit_head_is_found_by_membership(trainee, unit):
    head = UserFactory(name="Åsa Öhman")
    MembershipFactory(user=head, unit=unit, role=Role.UNIT_HEAD)
    cert = draft(trainee, CertificateForm.S15_SUMMARY)
    assert CertificateSignature.objects.get(certificate=cert, role="unit_head").signer == head


def test_the_readiness_engine_and_the_form_data_agree_on_signers_and_activities():
    # Two tables of the same facts: the engine's (pure, no files) and the forms' data.
    from portfolio.readiness.engine import FORM_ACTIVITY, REQUIRED_SIGNERS

    for code in forms.all_forms():
        assert [set(group) for group in forms.signer_groups(code)] == [set(g) for g in REQUIRED_SIGNERS[code]], code
        assert forms.form_spec(code)["activity_type"] == FORM_ACTIVITY.get(code), code
