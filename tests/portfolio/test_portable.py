"""The portable portfolio record: export, import, the two commands and the download."""

import base64
import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from accounts.models import AuditEvent, Unit, User
from assessments.enums import AssessmentKind, AssessorRole, MidTermStatus, ScaleKind, SignedStatus, StatementKind
from assessments.models import (
    ActionPlanFollowUp,
    Assessment,
    AssessmentReflection,
    AssessmentTemplate,
    MidTermEvaluation,
    PanelReview,
    SpecialistPanel,
    SupervisorStatement,
)
from portfolio.enums import (
    BTMode,
    CertificateForm,
    CurriculumKind,
    FinalReviewVerdict,
    LeaveKind,
    OtherActivityKind,
    PlanStatus,
    RegulationCode,
    ServiceKind,
    SignerRole,
    SupervisionKind,
)
from portfolio.models import (
    AnnualReport,
    AnnualVisit,
    Application,
    Certificate,
    CertificateSignature,
    Course,
    FinalReview,
    FrozenRecordError,
    Goal,
    Leave,
    OtherActivity,
    ServicePeriod,
    SupervisionMeeting,
    Trainee,
    TrainingPlan,
)
from portfolio.portable import FORMAT, PortfolioImportError, dumps, export_trainee, import_trainee
from tests.assessments.factories import (
    ActionPlanFactory,
    AssessmentFactory,
    PanelReviewFactory,
    SpecialistPanelFactory,
    SupervisorStatementFactory,
)
from tests.factories import MembershipFactory, RegionFactory, TraineeFactory, UnitFactory, UserFactory, regulation

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
RECORD_MODELS = [
    User,
    Trainee,
    ServicePeriod,
    Leave,
    SupervisionMeeting,
    Course,
    OtherActivity,
    TrainingPlan,
    AnnualReport,
    AnnualVisit,
    AuditEvent,
]


def counts():
    """Rows per model; of the audit trail the workflow steps (the record changes follow the rows)."""
    return {
        model.__name__: (model.objects.workflow() if model is AuditEvent else model.objects).count()
        for model in RECORD_MODELS
    }


def stored_files(folder="kursintyg"):
    """Every file under `folder` in the default storage (InMemoryStorage in tests)."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return set()
    found = {f"{folder}/{name}" for name in files}
    for sub in folders:
        found |= stored_files(f"{folder}/{sub}")
    return found


def all_keys(value):
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in all_keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in all_keys(item)}
    return set()


def remove_trainee(trainee, *, with_user=True):
    """Delete a trainee, every record of the portfolio and (by default) the trainee's account.

    Approved IUP versions refuse Model.delete() (FrozenRecordError: signed is final), so the
    versions go with QuerySet.delete(), which runs the deletion collector and never calls the
    model's delete(). Newest first, one at a time: `based_on` is PROTECT, and the collector
    refuses to delete a version that a revision still points to, even in the same queryset.
    The other records cascade from the trainee.
    """
    user = trainee.user
    # PROTECT links into the portfolio: a Mitt-i-ST's IUP version, a statement's BT placement.
    MidTermEvaluation.objects.filter(trainee=trainee).delete()
    SupervisorStatement.objects.filter(trainee=trainee).delete()
    for pk in trainee.plans.order_by("-version").values_list("pk", flat=True):
        TrainingPlan.objects.filter(pk=pk).delete()
    trainee.delete()
    if with_user:
        user.delete()


def aware(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def add_records(trainee, count=1):
    """`count` of every kind of record, with delmål, a certificate and a note on each."""
    goals = list(trainee.curriculum.goals.order_by("position")[:4])
    first_year = 2020 + trainee.annual_reports.count()
    for index in range(count):
        start = trainee.st_start + timedelta(days=40 * index)
        ServicePeriod.objects.create(
            trainee=trainee,
            kind=ServiceKind.MAIN,
            unit=trainee.unit,
            specialty=trainee.specialty,
            start=start,
            end=start + timedelta(days=30),
            percent=80,
            supervisor=trainee.main_supervisor,
        )
        Leave.objects.create(
            trainee=trainee, kind=LeaveKind.VACATION, start=start, end=start + timedelta(days=6), notes="Sommar"
        )
        meeting = SupervisionMeeting.objects.create(
            trainee=trainee,
            date=start + timedelta(days=3),
            kind=SupervisionKind.TALK,
            supervisor=trainee.main_supervisor,
            topics="Konsultationsteknik",
            notes=f"Personlig anteckning {index}",
            created_by=trainee.user,
        )
        meeting.goals.set(goals[:2])
        course = Course.objects.create(
            trainee=trainee,
            title=f"Kurs {index}",
            provider="Region Norrmark",
            start=start,
            end=start + timedelta(days=2),
            created_by=trainee.user,
        )
        course.goals.set(goals[1:3])
        course.certificate.save("intyg.pdf", ContentFile(PDF), save=True)
        activity = OtherActivity.objects.create(
            trainee=trainee, kind=OtherActivityKind.TEACHING, title=f"Undervisning {index}", start=start
        )
        activity.goals.set(goals[3:])
        AnnualReport.objects.create(trainee=trainee, year=first_year + index, done="Mycket", submitted_at=aware(start))
        AnnualVisit.objects.create(
            trainee=trainee, date=start + timedelta(days=5), notes="Bra", recorded_by=trainee.study_director
        )
    # `count` approved IUP versions, each a revision of the one before, then one submitted revision
    # (one version in progress at a time).
    previous = trainee.plans.order_by("-version").first()
    for index in range(count + 1):
        approved = index < count
        submitted = trainee.st_start + timedelta(days=20 * (index + 1))
        plan = TrainingPlan.create_with_goals(
            goals,
            trainee=trainee,
            version=previous.version + 1 if previous else 1,
            based_on=previous,
            status=PlanStatus.APPROVED if approved else PlanStatus.SUBMITTED,
            planned_service="Hälsocentralen",
            self_study_hours_per_week=Decimal("3.5"),
            created_by=trainee.user,
            submitted_at=aware(submitted),
            decided_at=aware(submitted + timedelta(days=5)) if approved else None,
            decided_by=trainee.study_director if approved else None,
            decision_comment="Godkänd." if approved else "",
        )
        previous = plan


@pytest.fixture
def portfolio(trainee):
    add_records(trainee)
    return trainee


@pytest.fixture
def exported(portfolio):
    """The persona's portfolio as a file, with the trainee and the account removed from the database."""
    data = export_trainee(portfolio)
    remove_trainee(portfolio)
    return data


# --------------------------------------------------------------------------- the round trip


def test_demo_portfolio_survives_export_import_export(settings):
    settings.DEBUG = True
    call_command("seed_demo", quiet=True)
    trainee = Trainee.objects.get(user__username="st-andersson")
    # The richest demo trainee: two approved IUP versions and a returned one, handledning
    # with delmål, mandatory courses. Add what the demo lacks: a certificate and notes.
    assert set(trainee.plans.values_list("status", flat=True)) >= {PlanStatus.APPROVED, PlanStatus.RETURNED}
    course = trainee.courses.exclude(mandatory_course=None).first()
    course.certificate.save("intyg.pdf", ContentFile(PDF), save=True)
    meeting = trainee.supervision_meetings.exclude(goals=None).first()
    SupervisionMeeting.objects.filter(pk=meeting.pk).update(notes="Svår konsultation; vi övar vidare.")

    before = export_trainee(trainee)
    records_before = counts()
    remove_trainee(trainee)
    imported = import_trainee(json.loads(dumps(before)))
    after = export_trainee(imported)

    # Reviews of a specialistkollegium are exported for the record, never imported.
    assert before["panel_reviews"] and before["assessments"] and before["supervisor_statements"]
    assert before["certificates"]  # the demo's signed intyg, with their signatures and links
    assert imported.not_imported == {"panel_reviews": len(before["panel_reviews"])}
    assert after == {**before, "panel_reviews": []}
    assert dumps(after) == dumps({**before, "panel_reviews": []})
    # One new audit event (the import); everything else as before the removal.
    assert counts() == {**records_before, "AuditEvent": records_before["AuditEvent"] + 1}
    assert imported.user.username == "st-andersson"
    assert not imported.user.is_active  # the account was removed too; it comes back inactive
    approved = imported.plans.filter(status=PlanStatus.APPROVED).first()
    with pytest.raises(FrozenRecordError):
        approved.save()
    restored = imported.courses.exclude(certificate="").get()
    assert restored.certificate.read() == PDF
    event = AuditEvent.objects.filter(action="portfolio.imported").get()
    assert event.target_id == imported.pk
    assert event.data["source_version"] == 2


def test_export_has_no_database_ids_and_is_ordered(trainee):
    add_records(trainee, count=3)

    data = export_trainee(trainee)

    assert data["format"] == FORMAT and data["version"] == 2
    assert data["withheld"] == []
    text = dumps(data)
    assert all(key in {"hsa_id"} or not key.endswith(("id", "pk")) for key in all_keys(data))
    assert f"kursintyg/{trainee.pk}/" not in text
    dates = [row["start"] for row in data["service_periods"]]
    assert dates == sorted(dates)
    assert [row["version"] for row in data["training_plans"]] == [1, 2, 3, 4]
    assert [row["based_on"] for row in data["training_plans"]] == [None, 1, 2, 3]
    assert data["training_plans"][0]["self_study_hours_per_week"] == "3.5"
    assert data["training_plans"][0]["decided_by"] == "studierektor@example.se"
    assert data["training_plans"][0]["decided_at"].endswith("+00:00")
    meeting = data["supervision_meetings"][0]
    assert meeting["supervisor"] == "handledare@example.se"
    assert all(goal["curriculum"] == CurriculumKind.ST for goal in meeting["goals"])
    certificate = data["courses"][0]["certificate"]
    assert certificate["media_type"] == "application/pdf"
    assert certificate["size"] == len(PDF)
    assert {"email": "handledare@example.se", "name": "Erik Holmström"} in data["people"]
    assert data["trainee"]["main_supervisor"] == "handledare@example.se"
    assert all(person["email"] != "st@example.se" for person in data["people"])


def test_import_restores_every_record_with_its_timestamps(exported):
    trainee = import_trainee(exported)

    assert export_trainee(trainee) == exported
    plan = trainee.plans.get(version=1)
    assert plan.status == PlanStatus.APPROVED
    # auto_now_add / auto_now did not overwrite the stored timestamps on insert.
    assert plan.created_at == datetime.fromisoformat(exported["training_plans"][0]["created_at"])
    assert trainee.annual_visits.get().created_at == datetime.fromisoformat(exported["annual_visits"][0]["created_at"])
    assert trainee.supervision_meetings.get().notes == "Personlig anteckning 0"


# --------------------------------------------------------------------------- refusals


def test_import_refuses_another_format(exported):
    before = counts()
    with pytest.raises(PortfolioImportError, match="something-else"):
        import_trainee({**exported, "format": "something-else"})
    with pytest.raises(PortfolioImportError, match="3"):
        import_trainee({**exported, "version": 3})
    with pytest.raises(PortfolioImportError):
        import_trainee([exported])
    assert counts() == before


def test_import_refuses_an_unknown_field(exported):
    exported["leaves"][0]["colour"] = "blå"

    with pytest.raises(PortfolioImportError, match=r"leaves\[0\].*colour"):
        import_trainee(exported)


def test_import_refuses_a_nul_character_anywhere_before_the_database_sees_it(exported):
    """PostgreSQL cannot store NUL in text or JSON: the file is refused with its place, on any database."""
    exported["leaves"][0]["notes"] = "Föräldraledig\x00"
    before = counts()

    with pytest.raises(PortfolioImportError, match=r"leaves\[0\]\.notes.*NUL"):
        import_trainee(exported)
    assert counts() == before


def test_import_refuses_an_existing_trainee(portfolio):
    data = export_trainee(portfolio)
    before = counts()

    with pytest.raises(PortfolioImportError) as error:
        import_trainee(data)

    assert "st" in str(error.value).replace(".", " ").split()
    assert counts() == before


def test_import_names_the_missing_region(exported):
    exported["trainee"]["region"] = "sydmark"
    before = counts()

    with pytest.raises(PortfolioImportError, match="sydmark"):
        import_trainee(exported)

    assert counts() == before
    assert not User.objects.filter(email="st@example.se").exists()


def test_import_names_the_missing_unit(exported):
    exported["trainee"]["unit"] = "Tallbackens vårdcentral"
    exported["service_periods"][0]["unit"]["name"] = "Medicinkliniken, Okända sjukhuset"
    before = counts()

    with pytest.raises(PortfolioImportError) as error:
        import_trainee(exported)

    assert "Tallbackens vårdcentral" in str(error.value)
    assert "Medicinkliniken, Okända sjukhuset" in str(error.value)
    assert counts() == before
    assert Unit.objects.filter(name="Tallbackens vårdcentral").count() == 0


def test_import_refuses_a_tampered_certificate(exported):
    certificate = exported["courses"][0]["certificate"]
    tampered = PDF.replace(b"Catalog", b"Katalog")
    certificate["base64"] = base64.b64encode(tampered).decode()
    before, files = counts(), stored_files()

    with pytest.raises(PortfolioImportError, match=r"courses\[0\]\.certificate"):
        import_trainee(exported)

    assert counts() == before
    assert stored_files() == files


def test_import_refuses_an_unknown_goal(exported):
    exported["supervision_meetings"][0]["goals"].append({"curriculum": "st", "code": "c99"})

    with pytest.raises(PortfolioImportError, match="c99"):
        import_trainee(exported)


def test_a_failure_late_in_the_import_leaves_nothing_behind(exported):
    # Two versions in progress at once break a database constraint, after the account,
    # the trainee, the courses and their certificate files have been written.
    exported["training_plans"][0]["status"] = PlanStatus.DRAFT  # v2 is submitted
    before, files = counts(), stored_files()

    with pytest.raises(PortfolioImportError):
        import_trainee(exported)

    assert counts() == before
    assert stored_files() == files
    assert not User.objects.filter(username="st").exists()


# --------------------------------------------------------------------------- people


def test_missing_people_are_created_inactive_without_password(exported):
    UserFactory(username="ny.handledare", email="annan@example.se")
    data = json.loads(dumps(exported).replace('"handledare@example.se"', '"Ny.Handledare@Annan.se"'))
    # An e-mail in another case is the same person.
    data = json.loads(dumps(data).replace('"studierektor@example.se"', '"StudieRektor@Example.se"'))
    people_before = User.objects.count()

    trainee = import_trainee(data)

    created = User.objects.get(email="ny.handledare@annan.se")
    assert created.username == "ny.handledare-2"
    assert created.name == "Erik Holmström"
    assert not created.is_active
    assert not created.has_usable_password()
    assert trainee.main_supervisor == created
    assert trainee.study_director == User.objects.get(username="studierektor")
    assert trainee.user.username == "st" and not trainee.user.is_active
    assert User.objects.count() == people_before + 2  # the trainee's account and the new handledare
    event = AuditEvent.objects.get(action="portfolio.imported")
    assert sorted(event.data["created_people"]) == ["ny.handledare@annan.se", "st@example.se"]


def test_import_uses_the_existing_account_of_the_trainee(portfolio):
    data = export_trainee(portfolio)
    remove_trainee(portfolio, with_user=False)

    trainee = import_trainee(data, by=portfolio.study_director)

    assert trainee.user.username == "st" and trainee.user.is_active
    event = AuditEvent.objects.get(action="portfolio.imported")
    assert event.actor == portfolio.study_director
    assert event.data["created_people"] == []


# --------------------------------------------------------------------------- commands


def test_commands_export_to_a_file_and_import_from_it(portfolio, tmp_path):
    path = tmp_path / "portfolj.json"
    call_command("export_portfolio", "st", output=str(path), stderr=StringIO())
    text = path.read_text(encoding="utf-8")
    assert "Sara Öberg" in text  # UTF-8, not \u escapes
    before = json.loads(text)
    remove_trainee(portfolio)

    out = StringIO()
    call_command("import_portfolio", str(path), stdout=out)

    assert "Sara Öberg" in out.getvalue()
    assert export_trainee(Trainee.objects.get(user__username="st")) == before


def test_export_command_writes_sorted_json_to_stdout(portfolio):
    out = StringIO()

    call_command("export_portfolio", "st", stdout=out)

    text = out.getvalue()
    assert json.loads(text)["format"] == FORMAT
    assert text == dumps(export_trainee(portfolio))


def test_export_command_refuses_an_unknown_user(trainee):
    with pytest.raises(CommandError, match="nobody"):
        call_command("export_portfolio", "nobody", stdout=StringIO())


def test_import_command_refuses_bad_files(exported, tmp_path):
    missing = tmp_path / "finns-inte.json"
    with pytest.raises(CommandError, match=r"finns-inte\.json"):
        call_command("import_portfolio", str(missing))
    broken = tmp_path / "trasig.json"
    broken.write_text("{inte json", encoding="utf-8")
    with pytest.raises(CommandError, match=r"trasig\.json"):
        call_command("import_portfolio", str(broken))
    other = tmp_path / "annan.json"
    other.write_text(json.dumps({**exported, "format": "st-ark/backup"}), encoding="utf-8")
    with pytest.raises(CommandError, match="st-ark/backup"):
        call_command("import_portfolio", str(other))


# --------------------------------------------------------------------------- the download


def export_url(trainee):
    return reverse("portfolio-export", args=[trainee.pk])


def test_trainee_downloads_the_whole_portfolio(client, portfolio):
    client.force_login(portfolio.user)

    response = client.get(export_url(portfolio))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="portfolj-st-{today}.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content.decode("utf-8"))
    assert data["format"] == FORMAT
    assert data["withheld"] == []
    assert data["supervision_meetings"][0]["notes"] == "Personlig anteckning 0"
    event = AuditEvent.objects.get(action="portfolio.exported")
    assert event.actor == portfolio.user and event.target_id == portfolio.pk


def test_study_director_downloads_without_the_supervision_notes(client, portfolio, unit):
    unit_director = UserFactory(username="studierektor-enheten")
    MembershipFactory(user=unit_director, unit=unit, role=Role.STUDY_DIRECTOR)
    for director in [portfolio.study_director, unit_director]:
        client.force_login(director)

        response = client.get(export_url(portfolio))

        assert response.status_code == 200
        data = json.loads(response.content)
        assert data["format"] == FORMAT
        # Notes of a handledning are for the ST-läkare and the handledare only.
        assert data["withheld"] == ["supervision_meetings.notes"]
        assert data["supervision_meetings"][0]["notes"] is None
        assert "Personlig anteckning" not in response.content.decode()


def test_a_copy_without_notes_can_still_be_imported(client, portfolio):
    client.force_login(portfolio.study_director)
    data = json.loads(client.get(export_url(portfolio)).content)
    remove_trainee(portfolio)

    trainee = import_trainee(data)

    assert trainee.supervision_meetings.get().notes == ""
    assert AuditEvent.objects.get(action="portfolio.imported").data["withheld"] == ["supervision_meetings.notes"]


@pytest.mark.parametrize("persona", ["supervisor", "second_specialist", "unit_head"])
def test_others_who_see_the_trainee_may_not_download(client, portfolio, unit_head, persona):
    user = {
        "supervisor": portfolio.main_supervisor,
        "second_specialist": portfolio.second_specialist,
        "unit_head": unit_head,
    }[persona]
    client.force_login(user)

    assert client.get(export_url(portfolio)).status_code == 403


@pytest.mark.parametrize("persona", ["outsider", "other_study_director", "other_trainee"])
def test_download_is_404_for_outsiders(client, portfolio, outsider, other_study_director, other_trainee, persona):
    user = {"outsider": outsider, "other_study_director": other_study_director, "other_trainee": other_trainee.user}[
        persona
    ]
    client.force_login(user)

    response = client.get(export_url(portfolio))

    assert response.status_code == 404
    assert "Sara Öberg" not in response.content.decode()


def test_download_sends_anonymous_to_login(client, portfolio):
    response = client.get(export_url(portfolio))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_download_is_get_only(client, portfolio):
    client.force_login(portfolio.user)

    assert client.post(export_url(portfolio)).status_code == 405


# --------------------------------------------------------------------------- queries

# trainee with its people, tjänstgöringar (+ delmål), ledighet, handledning (+ delmål), kurser (+ delmål),
# activities (+ delmål), IUP versions (+ delmål), årsrapporter, årsbesök, kompetensvärderingar (+ delmål),
# handledarutlåtanden, Mitt-i-ST, åtgärdsplaner (+ follow-ups), specialistkollegium reviews
# + intyg (+ delmål, + signatures), end-of-ST reviews, applications (+ their intyg)
EXPORT_QUERIES = 27


@pytest.mark.parametrize("count", [1, 3])
def test_export_query_count_does_not_grow(django_assert_num_queries, trainee, count):
    add_records(trainee, count)
    add_assessment_records(trainee, count)
    add_certificate_records(trainee, count)

    with django_assert_num_queries(EXPORT_QUERIES):
        data = export_trainee(trainee)

    assert len(data["supervision_meetings"]) == len(data["courses"]) == count
    assert len(data["training_plans"]) == count + 1
    assert len(data["assessments"]) == len(data["supervisor_statements"]) == count + 1  # + a draft each
    assert len(data["action_plans"][0]["follow_ups"]) == count
    assert len(data["panel_reviews"]) == 1
    assert len(data["certificates"]) == count + 2  # + a draft and a correction
    signed = [row for row in data["certificates"] if row["status"] == SignedStatus.SIGNED]
    assert len(signed) == count + 1
    assert all(len(row["signatures"]) == 2 and row["goals"] for row in signed)
    assert len(data["applications"][0]["certificates"]) == count  # in force: all but the corrected one


def test_bt_delmal_keep_their_curriculum_and_codes_sort_naturally(unit, supervisor, study_director):
    trainee = TraineeFactory(
        user=UserFactory(username="bt-lakare", name="Bo Tärnström"),
        unit=unit,
        regulation=regulation(RegulationCode.HSLF_FS_2021_8),
        bt_mode=BTMode.INTEGRATED,
        main_supervisor=supervisor,
        study_director=study_director,
    )
    bt_goal = Goal.objects.get(
        curriculum__regulation=trainee.regulation, curriculum__kind=CurriculumKind.BT, code="BT1"
    )
    st_goals = list(trainee.curriculum.goals.filter(code__in=["STc10", "STc2"]))
    meeting = SupervisionMeeting.objects.create(trainee=trainee, date=date(2025, 1, 7), supervisor=supervisor)
    meeting.goals.set([bt_goal, *st_goals])

    data = export_trainee(trainee)
    remove_trainee(trainee)
    imported = import_trainee(data)

    assert data["supervision_meetings"][0]["goals"] == [
        {"curriculum": "bt", "code": "BT1"},
        {"curriculum": "st", "code": "STc2"},
        {"curriculum": "st", "code": "STc10"},
    ]
    assert set(imported.supervision_meetings.get().goals.all()) == {bt_goal, *st_goals}


def test_import_applies_the_models_own_rules(exported):
    exported["leaves"][0]["percent"] = 0
    before = counts()

    with pytest.raises(PortfolioImportError, match=r"leaves\[0\]: percent"):
        import_trainee(exported)

    assert counts() == before


# --------------------------------------------------------------------------- the assessments app (version 2)


def add_assessment_records(trainee, count=1):
    """`count` signed kompetensvärderingar and handledarutlåtanden, a draft of each, Mitt-i-ST with
    its report, an åtgärdsplan with `count` follow-ups and a held specialistkollegium (and one not held)."""
    goals = list(trainee.curriculum.goals.order_by("position")[:3])
    period = trainee.service_periods.order_by("start").first()
    for index in range(count):
        day = date(2025, 3, 10) + timedelta(days=index)
        assessment = AssessmentFactory(
            trainee=trainee, date=day, situation=f"Mottagningsbesök {index}", goals=goals[:2], created_by=trainee.user
        )
        AssessmentReflection.objects.create(assessment=assessment, text=f"Jag lärde mig {index}.")
        SupervisorStatementFactory(
            trainee=trainee,
            kind=StatementKind.BT_PLACEMENT if index == 0 and period else StatementKind.ANNUAL,
            service_period=period if index == 0 else None,
            period_start=date(2024 + index, 9, 1),
            period_end=date(2025 + index, 8, 31),
            progress={"a": "Går framåt", "c": "Bra"},
            at_risk=index == 1,
            risk_note="Få medsittningar." if index == 1 else "",
        )
    AssessmentFactory(
        trainee=trainee,
        kind=AssessmentKind.DOPS,
        assessor=None,
        assessor_name="Extern Bedömare",
        assessor_email="extern@example.se",
        assessor_role=AssessorRole.DOCTOR,
        status=SignedStatus.DRAFT,
        signed_at=None,
        goals=goals[2:],
    )
    SupervisorStatementFactory(trainee=trainee, status=SignedStatus.DRAFT, signed_at=None, strengths="Utkast")
    mid_term = MidTermEvaluation.objects.create(
        trainee=trainee,
        status=MidTermStatus.PLAN_AGREED,
        visit_date=date(2025, 4, 1),
        evaluator_name="Birgitta Sandell",
        report_summary="Väl i fas.",
        video_consultations=3,
        plan_version=trainee.plans.order_by("version").first(),
    )
    mid_term.report_file.save("rapport.pdf", ContentFile(REPORT_PDF), save=True)
    plan = ActionPlanFactory(trainee=trainee, created_by=trainee.study_director)
    for index in range(count):
        ActionPlanFollowUp.objects.create(
            plan=plan, date=date(2025, 6, 1 + index), note=f"Uppföljning {index}", recorded_by=trainee.main_supervisor
        )
    held = SpecialistPanelFactory(unit=trainee.unit, date=date(2025, 5, 20))
    PanelReviewFactory(
        panel=held,
        trainee=trainee,
        self_assessment="Jag har utvecklats.",
        area_views={"communication": "Tydlig."},
        focus_clinical="Multisjuka äldre",
    )
    # Marked held afterwards: a held panel refuses new reviews.
    SpecialistPanel.objects.filter(pk=held.pk).update(held_at=aware(date(2025, 5, 20)))
    PanelReviewFactory(panel=SpecialistPanelFactory(unit=trainee.unit, date=date(2026, 5, 20)), trainee=trainee)


REPORT_PDF = PDF.replace(b"Catalog", b"Catalog /Lang (sv)")
NEW_SECTIONS = [
    "assessments",
    "supervisor_statements",
    "mid_term",
    "action_plans",
    "certificates",
    "final_reviews",
    "applications",
    "panel_reviews",
]


@pytest.fixture
def assessed(portfolio):
    add_assessment_records(portfolio, count=2)
    return portfolio


def moved(data, region_code, unit_name):
    """The file of a trainee who moved: another person (account) in another region; every ref follows."""
    text = dumps(data).replace('"st@example.se"', '"ny-st@example.se"')
    moved = json.loads(text)
    moved["trainee"].update(username="ny-st", hsa_id="", region=region_code, unit=unit_name)
    return moved


def test_round_trip_into_another_region_keeps_the_assessments(assessed):
    other = UnitFactory(name="Tallbackens vårdcentral", region=RegionFactory(code="sydmark"))
    AssessmentTemplate.objects.create(
        region=other.region, kind=AssessmentKind.MINI_CEX, name="Sydmarks mini-CEX", scale=ScaleKind.NUMERIC_1_5
    )
    data = moved(export_trainee(assessed), "sydmark", other.name)

    imported = import_trainee(json.loads(dumps(data)))
    again = export_trainee(imported)

    assert imported.unit == other and imported.user.email == "ny-st@example.se"
    for section in NEW_SECTIONS[:-1]:
        assert again[section] == data[section], section
    # The national template of the same name is kept, not the region's own.
    assert set(imported.assessments.values_list("template__name", flat=True)) == {"Mini-CEX", "DOPS"}
    assert again["panel_reviews"] == [] and len(data["panel_reviews"]) == 1
    assert data["assessments"][0]["created_by"] == "ny-st@example.se"
    assert imported.assessments.get(status=SignedStatus.DRAFT).assessor is None


def test_signed_records_stay_signed_and_frozen_after_import(assessed):
    data = export_trainee(assessed)
    remove_trainee(assessed)

    trainee = import_trainee(data)

    signed = trainee.assessments.filter(status=SignedStatus.SIGNED).order_by("date")
    assert signed.count() == 2
    first = signed.first()
    assert first.signed_at == datetime.fromisoformat(data["assessments"][0]["signed_at"])
    assert first.reflection.text == "Jag lärde mig 0."
    assert [goal.code for goal in first.goals.order_by("position")] == [
        g["code"] for g in data["assessments"][0]["goals"]
    ]
    with pytest.raises(FrozenRecordError):
        first.save()
    with pytest.raises(FrozenRecordError), transaction.atomic():
        first.goals.clear()
    statement = trainee.supervisor_statements.filter(status=SignedStatus.SIGNED, kind=StatementKind.BT_PLACEMENT).get()
    assert statement.service_period == trainee.service_periods.get()
    assert statement.progress == {"a": "Går framåt", "c": "Bra"}
    with pytest.raises(FrozenRecordError):
        statement.save()
    draft = trainee.supervisor_statements.get(status=SignedStatus.DRAFT)
    draft.strengths = "Ändrat"
    draft.save()  # a draft stays editable


def test_mid_term_report_and_action_plan_follow_ups_are_kept(assessed):
    data = export_trainee(assessed)
    remove_trainee(assessed)

    trainee = import_trainee(data)

    mid_term = MidTermEvaluation.objects.get(trainee=trainee)
    assert mid_term.report_file.read() == REPORT_PDF
    assert mid_term.plan_version == trainee.plans.get(version=1)
    assert mid_term.status == MidTermStatus.PLAN_AGREED and mid_term.video_consultations == 3
    assert data["mid_term"]["report_file"]["sha256"]
    plan = trainee.action_plans.get()
    assert [(f.note, f.recorded_by) for f in plan.follow_ups.order_by("date")] == [
        ("Uppföljning 0", trainee.main_supervisor),
        ("Uppföljning 1", trainee.main_supervisor),
    ]
    assert plan.created_by == trainee.study_director
    assert plan.created_at == datetime.fromisoformat(data["action_plans"][0]["created_at"])


def test_panel_reviews_are_exported_but_not_imported_and_said_so(assessed, tmp_path):
    data = export_trainee(assessed)
    # Held panels only, with the panel's view.
    assert data["panel_reviews"] == [
        {
            "panel": {"date": "2025-05-20", "unit": {"region": "norrmark", "name": "Björkdalens hälsocentral"}},
            "self_assessment": "Jag har utvecklats.",
            "self_assessment_at": None,
            "area_views": {"communication": "Tydlig."},
            "focus_clinical": "Multisjuka äldre",
            "focus_non_clinical": "",
        }
    ]
    path = tmp_path / "portfolj.json"
    path.write_text(dumps(data), encoding="utf-8")
    remove_trainee(assessed)
    reviews_before = PanelReview.objects.count()
    out = StringIO()

    call_command("import_portfolio", str(path), stdout=out)

    assert PanelReview.objects.count() == reviews_before
    assert "1" in out.getvalue() and "specialistkollegi" in out.getvalue()
    event = AuditEvent.objects.get(action="portfolio.imported")
    assert event.data["not_imported"] == {"panel_reviews": 1}


def test_a_version_1_file_still_imports(exported):
    version_1 = {key: value for key, value in exported.items() if key not in NEW_SECTIONS}
    version_1["version"] = 1

    trainee = import_trainee(version_1)

    again = export_trainee(trainee)
    assert {key: again[key] for key in version_1 if key != "version"} == {
        key: value for key, value in version_1.items() if key != "version"
    }
    assert again["assessments"] == [] and again["mid_term"] is None
    assert AuditEvent.objects.get(action="portfolio.imported").data["source_version"] == 1


def test_a_version_1_file_with_a_version_2_section_is_refused(exported):
    exported["version"] = 1

    with pytest.raises(PortfolioImportError, match=r"\$: .*action_plans, applications, assessments, certificates"):
        import_trainee(exported)


@pytest.mark.parametrize(
    ("section", "field", "value", "place"),
    [
        ("assessments", "kind", "oral_exam", r"assessments\[0\].*kind"),
        ("assessments", "status", "approved", r"assessments\[0\].*status"),
        ("assessments", "assessor_role", "nurse", r"assessments\[0\].*assessor_role"),
        ("assessments", "date", "2025-13-01", r"assessments\[0\].*date"),
        ("supervisor_statements", "on_track", "maybe", r"supervisor_statements\[0\].*on_track"),
        ("supervisor_statements", "period_end", "31/8 2025", r"supervisor_statements\[0\].*period_end"),
    ],
)
def test_bad_values_in_the_new_sections_are_refused_with_the_place(assessed, section, field, value, place):
    data = export_trainee(assessed)
    remove_trainee(assessed)
    data[section][0][field] = value
    before = counts()

    with pytest.raises(PortfolioImportError, match=place):
        import_trainee(data)

    assert counts() == before
    assert not Assessment.objects.exists()


def test_unknown_goal_and_bad_mid_term_status_are_refused(assessed):
    data = export_trainee(assessed)
    remove_trainee(assessed)
    data["assessments"][0]["goals"].append({"curriculum": "st", "code": "c99"})

    with pytest.raises(PortfolioImportError, match=r"assessments\[0\]\.goals\[2\].*c99"):
        import_trainee(data)

    data["assessments"][0]["goals"].pop()
    data["mid_term"]["status"] = "cancelled"
    with pytest.raises(PortfolioImportError, match=r"mid_term.*status"):
        import_trainee(data)
    data["mid_term"]["status"] = "planned"
    data["action_plans"][0]["follow_ups"][0]["date"] = "igår"
    with pytest.raises(PortfolioImportError, match=r"action_plans\[0\]\.follow_ups\[0\].*date"):
        import_trainee(data)
    assert not Assessment.objects.exists()


def test_a_reader_copy_leaves_out_other_peoples_drafts(assessed):
    data = export_trainee(assessed, reader=assessed.study_director)

    assert data["withheld"] == ["assessments.drafts", "supervision_meetings.notes", "supervisor_statements.drafts"]
    assert all(row["status"] == SignedStatus.SIGNED for row in data["assessments"])
    assert all(row["status"] == SignedStatus.SIGNED for row in data["supervisor_statements"])
    mine = export_trainee(assessed, reader=assessed.main_supervisor)
    assert any(row["status"] == SignedStatus.DRAFT for row in mine["supervisor_statements"])


# --------------------------------------------------------------------------- intyg (version 2)


def signed_certificate(trainee, goals, *, signed_on, **fields):
    """An intyg signed in the application by the huvudhandledare and a verksamhetschef without an account."""
    cert = Certificate.objects.create(trainee=trainee, created_by=trainee.user, **fields)
    cert.goals.set(goals)
    CertificateSignature.objects.create(
        certificate=cert,
        role=SignerRole.SUPERVISOR,
        signer=trainee.main_supervisor,
        name=trainee.main_supervisor.name,
        specialty="Allmänmedicin",
        workplace="Björkdalens hälsocentral",
        city="Björkdalen",
        supervisor_training_year=2019,
        signed_at=aware(signed_on),
    )
    CertificateSignature.objects.create(
        certificate=cert,
        role=SignerRole.UNIT_HEAD,
        name="Vera Verksamhetschef",
        city="Björkdalen",
        signed_at=aware(signed_on, 11),
    )
    cert.mark_signed()
    return cert


def add_certificate_records(trainee, count=1):
    """`count` signed intyg (each with two signatures and delmål; the first for a tjänstgöring, the
    second for a course), a draft for an activity, a correction of the last signed one, an end-of-ST
    review and an application with the signed intyg that are in force."""
    goals = list(trainee.curriculum.goals.order_by("position")[:3])
    periods = list(trainee.service_periods.order_by("start"))
    signed = []
    for index in range(count):
        period = periods[index % len(periods)]
        links = {"service_period": period} if index != 1 else {"course": trainee.courses.order_by("start").first()}
        signed.append(
            signed_certificate(
                trainee,
                goals[: index % 3 + 1],
                signed_on=period.end + timedelta(days=2),
                form=CertificateForm.S15_CLINICAL if index != 1 else CertificateForm.S15_COURSE,
                place="Björkdalens hälsocentral",
                period_start=period.start,
                period_end=period.end,
                subject=f"Tjänstgöring {index}",
                description="Självständigt arbete på mottagningen.",
                extra={"bilaga_nr": str(index + 1)},
                **links,
            )
        )
    draft = Certificate.objects.create(
        trainee=trainee,
        form=CertificateForm.S15_QUALITY,
        subject="Förbättrad uppföljning av diabetes",
        activity=trainee.other_activities.order_by("start").first(),
        created_by=trainee.user,
    )
    draft.goals.set(goals[2:])
    CertificateSignature.objects.create(
        certificate=draft, role=SignerRole.MAIN_SUPERVISOR, signer=trainee.main_supervisor, name="Erik Holmström"
    )
    correction = signed_certificate(
        trainee,
        goals[:1],
        signed_on=date(2026, 1, 15),
        form=signed[-1].form,
        place="Björkdalens hälsocentral, rättat",
        period_start=signed[-1].period_start,
        period_end=signed[-1].period_end,
        subject=signed[-1].subject,
        supersedes=signed[-1],
        signed_on_paper=True,
    )
    FinalReview.objects.create(
        trainee=trainee,
        date=date(2026, 2, 1),
        verdict=FinalReviewVerdict.READY,
        remarks="Klar att ansöka.",
        reviewer=trainee.study_director,
    )
    application = Application.objects.create(
        trainee=trainee,
        kind="specialist",
        finalised_at=aware(date(2026, 2, 3)),
        finalised_by=trainee.user,
        pages=12,
        sha256="ab" * 32,
    )
    application.certificates.set([*signed[:-1], correction])


@pytest.fixture
def certified(trainee):
    """Sorted by period, the file's intyg are: 0 the draft (no period), 1 for a tjänstgöring,
    2 for a course, 3 for a tjänstgöring and 4 its correction."""
    add_records(trainee, count=3)
    add_certificate_records(trainee, count=3)
    return trainee


INTYG_SECTIONS = ["certificates", "final_reviews", "applications"]


def test_round_trip_into_another_region_keeps_the_intyg(certified):
    other = UnitFactory(name="Tallbackens vårdcentral", region=RegionFactory(code="sydmark"))
    before = export_trainee(certified)
    data = moved(before, "sydmark", other.name)

    imported = import_trainee(json.loads(dumps(data)))
    again = export_trainee(imported)

    assert imported.unit == other
    for section in INTYG_SECTIONS:
        assert again[section] == data[section], section
    assert Certificate.objects.filter(trainee=imported).count() == len(data["certificates"]) == 5
    # Person references follow the people listing: the trainee's new address, the handledare's own.
    assert {row["created_by"] for row in again["certificates"]} == {"ny-st@example.se"}
    assert again["applications"][0]["finalised_by"] == "ny-st@example.se"
    assert again["final_reviews"][0]["reviewer"] == "studierektor@example.se"
    signers = {signature["signer"] for row in again["certificates"] for signature in row["signatures"]}
    assert signers == {"handledare@example.se", None}


def test_export_names_the_linked_records_and_corrections_without_ids(certified):
    data = export_trainee(certified)

    rows = data["certificates"]
    draft = next(row for row in rows if row["status"] == SignedStatus.DRAFT)
    assert draft["activity"] == {"kind": "teaching", "title": "Undervisning 0", "start": _iso(certified.st_start)}
    assert draft["signatures"][0]["signed_at"] is None
    with_course = next(row for row in rows if row["course"] is not None)
    assert with_course["course"]["title"] == "Kurs 0"
    period = data["service_periods"][0]
    assert rows[0] == draft
    assert rows[1]["service_period"] == {"kind": period["kind"], "start": period["start"], "end": period["end"]}
    [correction] = [row for row in rows if row["supersedes"] is not None]
    corrected = rows[correction["supersedes"]]
    assert corrected["subject"] == correction["subject"] and corrected["place"] == "Björkdalens hälsocentral"
    assert [signature["role"] for signature in rows[1]["signatures"]] == ["supervisor", "unit_head"]
    assert rows.index(correction) in data["applications"][0]["certificates"]
    assert correction["supersedes"] not in data["applications"][0]["certificates"]
    assert data["withheld"] == []


def _iso(day):
    return day.isoformat()


def test_signed_intyg_stay_signed_and_frozen_after_import(certified):
    data = export_trainee(certified)
    remove_trainee(certified)

    trainee = import_trainee(data)

    signed = trainee.certificates.filter(status=SignedStatus.SIGNED)
    assert signed.count() == 4
    first = signed.exclude(service_period=None).order_by("period_start").first()
    assert first.signed_at == datetime.fromisoformat(data["certificates"][1]["signed_at"])
    assert first.created_at == datetime.fromisoformat(data["certificates"][1]["created_at"])
    assert first.extra == {"bilaga_nr": "1"}
    with pytest.raises(FrozenRecordError):
        first.save()
    with pytest.raises(FrozenRecordError):
        first.delete()
    with pytest.raises(FrozenRecordError), transaction.atomic():
        first.goals.clear()
    signature = first.signatures.get(role=SignerRole.SUPERVISOR)
    assert signature.signer == trainee.main_supervisor and signature.supervisor_training_year == 2019
    assert signature.signed_at == datetime.fromisoformat(data["certificates"][1]["signatures"][0]["signed_at"])
    signature.city = "Annanstans"
    with pytest.raises(FrozenRecordError):
        signature.save()
    draft = trainee.certificates.get(status=SignedStatus.DRAFT)
    draft.subject = "Ändrat"
    draft.save()  # the trainee's own draft stays editable


def test_corrections_links_reviews_and_applications_are_kept(certified):
    data = export_trainee(certified)
    remove_trainee(certified)

    trainee = import_trainee(data)

    correction = trainee.certificates.exclude(supersedes=None).get()
    assert correction.signed_on_paper and correction.place == "Björkdalens hälsocentral, rättat"
    assert correction.supersedes.subject == correction.subject and correction.supersedes.is_signed
    assert correction.supersedes.superseded_by == correction
    periods = {cert.service_period for cert in trainee.certificates.exclude(service_period=None)}
    assert periods <= set(trainee.service_periods.all()) and len(periods) == 2
    assert trainee.certificates.exclude(course=None).get().course == trainee.courses.get(title="Kurs 0")
    draft = trainee.certificates.get(status=SignedStatus.DRAFT)
    assert draft.activity == trainee.other_activities.get(title="Undervisning 0")
    assert [goal.code for goal in draft.goals.all()] == [goal["code"] for goal in data["certificates"][0]["goals"]]
    review = trainee.final_reviews.get()
    assert (review.verdict, review.remarks, review.reviewer) == ("ready", "Klar att ansöka.", trainee.study_director)
    assert review.created_at == datetime.fromisoformat(data["final_reviews"][0]["created_at"])
    application = trainee.applications.get()
    assert (application.pages, application.sha256, application.finalised_by) == (12, "ab" * 32, trainee.user)
    assert set(application.certificates.all()) == set(trainee.certificates.filter(status=SignedStatus.SIGNED)) - {
        correction.supersedes
    }


@pytest.mark.parametrize(
    ("mutate", "place"),
    [
        (lambda d: d["certificates"][1].update(form="bilaga_99"), r"certificates\[1\]: form"),
        (lambda d: d["certificates"][1].update(status="approved"), r"certificates\[1\]: status"),
        (lambda d: d["certificates"][1].update(period_end="2000-01-01"), r"certificates\[1\]: period_end"),
        (lambda d: d["certificates"][1].update(period_end="2025-02-30"), r"certificates\[1\]: period_end"),
        (
            lambda d: d["certificates"][1]["signatures"][0].update(role="chef"),
            r"certificates\[1\]\.signatures\[0\]: role",
        ),
        (
            lambda d: d["certificates"][1]["signatures"][1].update(signed_at="igår"),
            r"certificates\[1\]\.signatures\[1\]: signed_at",
        ),
        (
            lambda d: d["certificates"][1]["goals"].append({"curriculum": "st", "code": "c99"}),
            r"certificates\[1\]\.goals\[\d\].*c99",
        ),
        (
            lambda d: d["certificates"][1]["service_period"].update(start="2001-01-01"),
            r"certificates\[1\]\.service_period: ",
        ),
        (lambda d: d["certificates"][2]["course"].update(title="Okänd kurs"), r"certificates\[2\]\.course: "),
        (
            lambda d: d["certificates"][0]["activity"].update(title="Okänd"),
            r"certificates\[0\]\.activity: ",
        ),
        (lambda d: d["certificates"][1].update(supersedes=1), r"certificates\[1\]: supersedes"),
        (lambda d: d["certificates"][1].update(supersedes=17), r"certificates\[1\]: supersedes"),
        (
            lambda d: d["certificates"][1]["signatures"][0].update(signer="okand@example.se"),
            r"certificates\[1\]\.signatures\[0\]: okand@example.se",
        ),
        (lambda d: d["final_reviews"][0].update(verdict="maybe"), r"final_reviews\[0\]: verdict"),
        (lambda d: d["final_reviews"][0].update(date="1/2 2026"), r"final_reviews\[0\]: date"),
        (lambda d: d["applications"][0].update(kind="at"), r"applications\[0\]: kind"),
        (lambda d: d["applications"][0].update(certificates=[0, 9]), r"applications\[0\]\.certificates"),
        (lambda d: d["applications"][0].update(finalised_at="2026-02-03"), r"applications\[0\]: finalised_at"),
    ],
)
def test_bad_values_in_the_intyg_are_refused_with_the_place(certified, mutate, place):
    data = export_trainee(certified)
    remove_trainee(certified)
    mutate(data)
    before = counts()

    with pytest.raises(PortfolioImportError, match=place):
        import_trainee(data)

    assert counts() == before
    assert not Certificate.objects.exists() and not Application.objects.exists()


def test_corrections_in_a_circle_are_refused(certified):
    data = export_trainee(certified)
    remove_trainee(certified)
    [correction] = [row for row in data["certificates"] if row["supersedes"] is not None]
    data["certificates"][correction["supersedes"]]["supersedes"] = data["certificates"].index(correction)

    with pytest.raises(PortfolioImportError, match=r"certificates\[\d\]: supersedes"):
        import_trainee(data)


def test_every_copy_has_the_draft_intyg(certified):
    """A draft intyg is the trainee's own working copy, not private to an assessor: nothing is withheld."""
    for reader in (certified.study_director, certified.user, None):
        data = export_trainee(certified, reader=reader)

        assert [row["status"] for row in data["certificates"]].count(SignedStatus.DRAFT) == 1
        assert not [entry for entry in data["withheld"] if entry.startswith("certificates")]
