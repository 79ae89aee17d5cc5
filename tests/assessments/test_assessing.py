"""The domain of kompetensvärderingar written in the app: templates, drafts, signing,
the frozen signed record, reflections and the read side."""

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import AuditEvent
from assessments import assessing, scales
from assessments.enums import AssessmentKind, AssessorRole, ScaleKind, SignedStatus
from assessments.forms.assessments import AssessmentForm
from assessments.models import Assessment, AssessmentReflection, AssessmentTemplate
from portfolio import queries
from portfolio.models import FrozenRecordError
from tests.assessments.factories import AssessmentFactory, default_template
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db

REGIONAL_DOMAINS = [{"code": "mote", "label": "Mötet med patienten"}, {"code": "plan", "label": "Planering"}]


@pytest.fixture
def regional_template(trainee):
    return AssessmentTemplate.objects.create(
        region=trainee.unit.region,
        kind=AssessmentKind.MINI_CEX,
        name="Mini-CEX, Region Norrmark",
        scale=ScaleKind.INDEPENDENCE,
        domains=REGIONAL_DOMAINS,
    )


@pytest.fixture
def goals(trainee):
    return list(queries.trainee_goals(trainee)[:2])


@pytest.fixture
def draft(trainee):
    return AssessmentFactory(trainee=trainee, status=SignedStatus.DRAFT, signed_at=None, situation="Utkastet")


@pytest.fixture
def signed(trainee, goals):
    return AssessmentFactory(trainee=trainee, goals=goals[:1], situation="Den signerade")


def content_data(assessment, ratings=None, **overrides):
    data = {
        "date": "2025-03-10",
        "situation": "Mottagningsbesök, yrsel",
        "went_well": "Lugn och tydlig anamnes.",
        "to_develop": "Sammanfatta planen för patienten.",
        "assessor_role": assessment.assessor_role,
    }
    for domain in assessment.domains:
        data[f"rating_{domain['code']}"] = str((ratings or {}).get(domain["code"], ""))
    data.update(overrides)
    return data


def events(assessment, action):
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Assessment), target_id=assessment.pk, action=action
    )


def drafted(trainee, by, kind=AssessmentKind.MINI_CEX, ratings=None, **overrides):
    assessment = assessing.new_assessment(trainee, kind, by=by)
    form = AssessmentForm(content_data(assessment, ratings, **overrides), instance=assessment)
    assert form.is_valid(), form.errors
    return assessing.save_draft(form, by=by)


# --- templates


def test_template_for_falls_back_to_the_national_template(trainee):
    template = assessing.template_for(trainee.unit.region, AssessmentKind.MINI_CEX)

    assert template == default_template(AssessmentKind.MINI_CEX)
    assert template.region is None


def test_template_for_prefers_the_regions_own_template(trainee, regional_template):
    assert assessing.template_for(trainee.unit.region, AssessmentKind.MINI_CEX) == regional_template
    # The region has no DOPS of its own: the national one.
    assert assessing.template_for(trainee.unit.region, AssessmentKind.DOPS).region is None


def test_another_regions_template_is_not_used(trainee, regional_template):
    other_region = RegionFactory()

    assert assessing.template_for(other_region, AssessmentKind.MINI_CEX).region is None
    assert assessing.template_for(None, AssessmentKind.MINI_CEX).region is None


def test_templates_for_has_every_kind(trainee, regional_template):
    templates = assessing.templates_for(trainee.unit.region)

    assert set(templates) == set(AssessmentKind.values)
    assert templates[AssessmentKind.MINI_CEX] == regional_template


# --- new assessments and drafts


def test_new_assessment_copies_the_template_and_names_the_supervisor(trainee, supervisor, regional_template):
    assessment = assessing.new_assessment(trainee, AssessmentKind.MINI_CEX, by=supervisor)

    assert assessment.pk is None
    assert assessment.template == regional_template
    assert (assessment.scale, assessment.domains) == (ScaleKind.INDEPENDENCE, REGIONAL_DOMAINS)
    assert assessment.assessor == supervisor
    assert (assessment.assessor_name, assessment.assessor_email) == (supervisor.name, supervisor.email)
    assert assessment.assessor_role == AssessorRole.SUPERVISOR
    assert assessment.created_by == supervisor
    assert assessment.status == SignedStatus.DRAFT


def test_new_assessment_by_another_specialist_is_in_the_specialist_role(trainee, second_specialist):
    assessment = assessing.new_assessment(trainee, AssessmentKind.DOPS, by=second_specialist)

    assert assessment.assessor_role == AssessorRole.SPECIALIST
    assert assessment.template == default_template(AssessmentKind.DOPS)


def test_new_assessment_refuses_an_unknown_kind(trainee, supervisor):
    with pytest.raises(ValueError, match="Not a kind"):
        assessing.new_assessment(trainee, "osce", by=supervisor)


def test_a_later_change_to_the_template_does_not_touch_a_saved_assessment(trainee, supervisor, regional_template):
    assessment = drafted(trainee, supervisor)
    regional_template.domains = [{"code": "ny", "label": "Ny domän"}]
    regional_template.save()

    assessment.refresh_from_db()
    assert assessment.domains == REGIONAL_DOMAINS


def test_save_draft_stores_a_rating_per_domain_with_none_for_not_assessed(trainee, supervisor, goals):
    template = default_template(AssessmentKind.MINI_CEX)
    codes = [domain["code"] for domain in template.domains]

    assessment = drafted(trainee, supervisor, ratings={codes[0]: 7, codes[1]: 4}, goals=[g.pk for g in goals])

    assessment.refresh_from_db()
    assert assessment.status == SignedStatus.DRAFT
    assert assessment.signed_at is None
    assert assessment.ratings == {codes[0]: 7, codes[1]: 4, **dict.fromkeys(codes[2:])}
    assert set(assessment.goals.all()) == set(goals)
    assert assessment.situation == "Mottagningsbesök, yrsel"
    event = events(assessment, "assessment.created").get()
    assert event.actor == supervisor
    assert event.data["goals"] == sorted(g.pk for g in goals)


def test_a_free_text_assessment_has_no_ratings(trainee, supervisor):
    assessment = drafted(trainee, supervisor, kind=AssessmentKind.SIT_IN)

    assessment.refresh_from_db()
    assert assessment.ratings == {}
    assert assessing.rating_rows(assessment) == []


def test_a_draft_changes_fine_and_the_change_is_recorded(trainee, supervisor, goals):
    assessment = drafted(trainee, supervisor)
    assessment = Assessment.objects.get(pk=assessment.pk)
    form = AssessmentForm(content_data(assessment, situation="Hembesök", goals=[goals[1].pk]), instance=assessment)
    assert form.is_valid(), form.errors

    assessing.save_draft(form, by=supervisor)

    assessment.refresh_from_db()
    assert assessment.situation == "Hembesök"
    assert list(assessment.goals.all()) == [goals[1]]
    assert "situation" in events(assessment, "assessment.changed").get().data["fields"]
    # The model itself lets a draft change too.
    assessment.went_well = "Ändrat"
    assessment.save()
    assessment.goals.add(goals[0])
    assert assessment.goals.count() == 2


def test_save_draft_refuses_someone_who_may_not_assess(trainee, unit_head):
    assessment = assessing.new_assessment(trainee, AssessmentKind.MINI_CEX, by=trainee.user)
    form = AssessmentForm(content_data(assessment), instance=assessment)
    assert form.is_valid(), form.errors

    with pytest.raises(PermissionDenied):
        assessing.save_draft(form, by=trainee.user)
    with pytest.raises(PermissionDenied):
        assessing.save_draft(form, by=unit_head)
    assert not Assessment.objects.filter(trainee=trainee).exists()


def test_save_draft_refuses_another_assessors_draft(trainee, draft, second_specialist):
    form = AssessmentForm(content_data(draft, situation="Kapat"), instance=draft)
    assert form.is_valid(), form.errors

    with pytest.raises(PermissionDenied):
        assessing.save_draft(form, by=second_specialist)

    draft.refresh_from_db()
    assert draft.situation == "Utkastet"


def test_save_draft_refuses_a_signed_assessment(trainee, supervisor, signed):
    form = AssessmentForm(content_data(signed, situation="Ändrad i efterhand"), instance=signed)
    assert form.is_valid(), form.errors

    with pytest.raises(ValidationError) as error:
        assessing.save_draft(form, by=supervisor)

    assert error.value.code == "already_signed"
    signed.refresh_from_db()
    assert signed.situation == "Den signerade"
    assert signed.status == SignedStatus.SIGNED


# --- signing


def test_the_assessor_signs_a_draft(trainee, supervisor):
    assessment = drafted(trainee, supervisor)

    assessing.sign_assessment(assessment, by=supervisor)

    assert assessment.is_signed
    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.status == SignedStatus.SIGNED
    assert stored.signed_at is not None
    assert stored.signed_at == assessment.signed_at
    assert events(assessment, "assessment.signed").get().actor == supervisor


@pytest.mark.parametrize("persona", ["second_specialist", "study_director", "unit_head", "outsider"])
def test_only_the_assessor_signs(request, trainee, draft, persona):
    with pytest.raises(PermissionDenied):
        assessing.sign_assessment(draft, by=request.getfixturevalue(persona))

    draft.refresh_from_db()
    assert draft.status == SignedStatus.DRAFT
    assert not events(draft, "assessment.signed").exists()


def test_the_trainee_cannot_sign(trainee, draft):
    with pytest.raises(PermissionDenied):
        assessing.sign_assessment(draft, by=trainee.user)


def test_an_assessment_from_a_link_has_no_assessor_to_sign_it_here(trainee, supervisor):
    linked = AssessmentFactory(trainee=trainee, assessor=None, status=SignedStatus.DRAFT, signed_at=None)

    with pytest.raises(PermissionDenied):
        assessing.sign_assessment(linked, by=supervisor)


def test_a_signed_assessment_cannot_be_signed_again(trainee, supervisor, signed):
    first_signed_at = signed.signed_at

    with pytest.raises(ValidationError) as error:
        assessing.sign_assessment(signed, by=supervisor)

    assert error.value.code == "already_signed"
    signed.refresh_from_db()
    assert signed.signed_at == first_signed_at


# --- the signed record is frozen


def test_a_signed_assessment_refuses_save(signed):
    signed.went_well = "Skrivet i efterhand"

    with pytest.raises(FrozenRecordError):
        signed.save()

    assert Assessment.objects.get(pk=signed.pk).went_well == "Strukturerad anamnes."


def test_a_signed_assessment_refuses_delete(signed):
    with pytest.raises(FrozenRecordError):
        signed.delete()

    assert Assessment.objects.filter(pk=signed.pk).exists()


def test_a_signed_assessment_refuses_new_delmal(signed, goals):
    # Each attempt in its own savepoint: the refusal breaks the transaction it happens in.
    with pytest.raises(FrozenRecordError), transaction.atomic():
        signed.goals.add(goals[1])
    with pytest.raises(FrozenRecordError), transaction.atomic():
        signed.goals.clear()

    assert list(signed.goals.all()) == goals[:1]


def test_the_reflection_on_a_signed_assessment_is_still_writable(signed):
    reflection = AssessmentReflection.objects.create(assessment=signed, text="Första tanken")
    reflection.text = "Omskriven"
    reflection.save()

    assert AssessmentReflection.objects.get(assessment=signed).text == "Omskriven"


# --- deleting a draft


def test_the_assessor_deletes_a_draft_and_the_event_stays(trainee, supervisor, draft):
    pk = draft.pk

    assessing.delete_draft(draft, by=supervisor)

    assert not Assessment.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(action="assessment.deleted", target_id=pk)
    assert event.actor == supervisor
    assert event.data["kind"] == AssessmentKind.MINI_CEX


def test_nobody_else_deletes_a_draft(trainee, second_specialist, draft):
    with pytest.raises(PermissionDenied):
        assessing.delete_draft(draft, by=second_specialist)
    with pytest.raises(PermissionDenied):
        assessing.delete_draft(draft, by=trainee.user)

    assert Assessment.objects.filter(pk=draft.pk).exists()
    assert not AuditEvent.objects.filter(action="assessment.deleted").exists()


def test_a_signed_assessment_is_not_deleted_as_a_draft(supervisor, signed):
    with pytest.raises(ValidationError):
        assessing.delete_draft(signed, by=supervisor)

    assert Assessment.objects.filter(pk=signed.pk).exists()


# --- reflections


def test_the_trainee_writes_and_revises_a_reflection(trainee, signed):
    assessing.save_reflection(signed, "  Jag lärde mig att sammanfatta.  ", by=trainee.user)
    assessing.save_reflection(signed, "Jag sammanfattar nu alltid.", by=trainee.user)

    assert AssessmentReflection.objects.get(assessment=signed).text == "Jag sammanfattar nu alltid."
    assert events(signed, "assessment.reflection_written").count() == 1
    assert events(signed, "assessment.reflection_changed").count() == 1
    signed.refresh_from_db()
    assert signed.status == SignedStatus.SIGNED


@pytest.mark.parametrize("persona", ["supervisor", "study_director", "outsider"])
def test_only_the_trainee_reflects(request, signed, persona):
    with pytest.raises(PermissionDenied):
        assessing.save_reflection(signed, "Inte min reflektion", by=request.getfixturevalue(persona))

    assert not AssessmentReflection.objects.filter(assessment=signed).exists()


def test_no_reflection_on_a_draft_or_without_text(trainee, draft, signed):
    with pytest.raises(ValidationError) as not_signed:
        assessing.save_reflection(draft, "För tidigt", by=trainee.user)
    with pytest.raises(ValidationError) as empty:
        assessing.save_reflection(signed, "   ", by=trainee.user)

    assert (not_signed.value.code, empty.value.code) == ("not_signed", "empty")
    assert not AssessmentReflection.objects.exists()


# --- reading


def test_visible_assessments_are_the_signed_ones_and_my_own_drafts(
    trainee, supervisor, second_specialist, draft, signed
):
    others_draft = AssessmentFactory(
        trainee=trainee, assessor=second_specialist, status=SignedStatus.DRAFT, signed_at=None
    )

    assert set(assessing.visible_assessments(trainee, supervisor)) == {draft, signed}
    assert set(assessing.visible_assessments(trainee, second_specialist)) == {others_draft, signed}
    assert list(assessing.visible_assessments(trainee, trainee.user)) == [signed]


def test_visible_assessments_are_newest_first(trainee, supervisor):
    older = AssessmentFactory(trainee=trainee, date=date(2024, 5, 1))
    newer = AssessmentFactory(trainee=trainee, date=date(2025, 1, 2))

    assert list(assessing.visible_assessments(trainee, supervisor)) == [newer, older]


def test_signed_counts_by_kind_counts_signed_ones_in_one_query(trainee, django_assert_num_queries, draft):
    AssessmentFactory(trainee=trainee)
    AssessmentFactory(trainee=trainee)
    AssessmentFactory(trainee=trainee, kind=AssessmentKind.SIT_IN)

    with django_assert_num_queries(1):
        counts = assessing.signed_counts_by_kind(trainee)

    assert counts == {
        AssessmentKind.MINI_CEX: 2,
        AssessmentKind.DOPS: 0,
        AssessmentKind.CBD: 0,
        AssessmentKind.SIT_IN: 1,
        AssessmentKind.VIDEO: 0,
        AssessmentKind.MSF: 0,
    }


def test_rating_rows_use_the_scale_labels(trainee):
    assessment = AssessmentFactory(trainee=trainee, ratings={"anamnes": 9})

    rows = assessing.rating_rows(assessment)

    assert rows[0] == ("Anamnes", 9, scales.label(assessment.scale, 9))
    assert rows[1][1:] == (None, scales.label(assessment.scale, None))
    assert rows[0][2] != rows[1][2]
    assert len(rows) == len(assessment.domains)
