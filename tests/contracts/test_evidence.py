import re
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import AuditEvent, Unit
from assessments.enums import AssessmentKind, SignedStatus
from contracts import demo_spur, evidence
from contracts.enums import CriterionRule, SpurArea, TrainingRegulation
from contracts.models import CriteriaSet, Criterion, UnitProfile
from portfolio.enums import OtherActivityKind
from portfolio.readiness import store
from tests.assessments.factories import (
    ActionPlanFactory,
    AssessmentFactory,
    SpecialistPanelFactory,
    SupervisorStatementFactory,
)
from tests.contracts.factories_spur import S15, ImprovementItemFactory, InspectionFactory, UnitStaffFactory, grade_all
from tests.factories import TraineeFactory, UserFactory
from tests.portfolio.factories_activities import CourseFactory, OtherActivityFactory, persona_user

pytestmark = pytest.mark.django_db

# Distinctive names, so that finding one in the text can only mean it leaked.
NAMES = ["Zacharias Quist", "Wilhelmina Frostensson", "Ottilia Brännvall", "Sixten Ahlgrim"]
CONCERN = "Oroande brist på progression i konsultationerna"
VIEWERS = ["study_director", "unit_head", "region_admin", "national_admin"]
NOT_VIEWERS = ["outsider", "supervisor", "other_study_director", "other_region_admin", "other_supervisor"]


def pdf_text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def make_trainees(unit, count, supervisor=None):
    trainees = []
    for index in range(count):
        trainees.append(
            TraineeFactory(
                unit=unit,
                user=UserFactory(name=NAMES[index]),
                main_supervisor=supervisor,
                st_start=date(2022, 1, 10) + timedelta(days=100 * index),
            )
        )
    return trainees


def fill_portfolio(trainee, unit):
    AssessmentFactory(trainee=trainee, kind=AssessmentKind.SIT_IN, date=date(2025, 2, 1))
    AssessmentFactory(trainee=trainee, kind=AssessmentKind.SIT_IN, date=date(2025, 3, 1))
    AssessmentFactory(trainee=trainee, kind=AssessmentKind.DOPS, date=date(2025, 3, 2))
    AssessmentFactory(trainee=trainee, kind=AssessmentKind.CBD, status=SignedStatus.DRAFT, signed_at=None)
    CourseFactory(trainee=trainee, title=f"Konsultationskurs för {trainee.pk}")
    OtherActivityFactory(trainee=trainee, kind=OtherActivityKind.QUALITY_WORK, title="Förbättringsarbete om hosta")
    OtherActivityFactory(trainee=trainee, kind=OtherActivityKind.TEACHING, title="Undervisade läkarstudenter")
    OtherActivityFactory(trainee=trainee, kind=OtherActivityKind.OTHER, title="Ett studiebesök i Umeå")
    ActionPlanFactory(trainee=trainee, concern=CONCERN)
    ActionPlanFactory(trainee=trainee, closed_on=date(2025, 1, 1), outcome="Avslutad.")
    SupervisorStatementFactory(trainee=trainee, author=trainee.main_supervisor or UserFactory())


def add_criterion(unit):
    criteria_set = CriteriaSet.objects.create(region=unit.region, specialty=unit.specialty, name="Kriterier")
    Criterion.objects.create(
        criteria_set=criteria_set,
        position=1,
        code="huvudhandledare",
        text="Varje ST-läkare har en huvudhandledare på enheten.",
        rule=CriterionRule.PERSONAL_SUPERVISOR,
    )


@pytest.fixture
def full_unit(unit, supervisor, study_director):
    """The unit with a profile, staff, two ST-läkare with a full portfolio, a specialistkollegium,
    a criteria set, and an earlier inspection with its handlingsplan."""
    UnitProfile.objects.create(unit=unit, listed_patients=8421, child_health=True, elderly_care=True)
    UnitStaffFactory(
        unit=unit,
        user=supervisor,
        name="Erik Holmström",
        specialty=unit.specialty,
        is_supervisor=True,
        supervisor_training_year=2017,
        supervisor_training_regulation=TrainingRegulation.BOTH,
        supervision_hours_per_week=Decimal("2.5"),
        supervisor_meetings_last_year=4,
    )
    trainees = make_trainees(unit, 2, supervisor=supervisor)
    for trainee in trainees:
        fill_portfolio(trainee, unit)
    SpecialistPanelFactory(unit=unit, date=date(2025, 5, 20))
    add_criterion(unit)
    TraineeFactory(unit=unit, user=UserFactory(name=NAMES[3]), main_supervisor=None, st_start=date(2024, 9, 1))
    inspection = InspectionFactory(unit=unit, date=date(2021, 9, 14), regulations=[S15])
    grade_all(inspection, {"H": "D"})
    ImprovementItemFactory(
        inspection=inspection,
        status="done",
        done_on=date(2022, 3, 1),
        outcome="Medsittningarna dokumenteras nu i portföljen.",
    )
    today = timezone.localdate()
    for trainee in unit.trainees.all():
        store.refresh(trainee, today)
    return unit


# --- content


def test_the_pack_covers_every_area_and_the_data(full_unit):
    text = pdf_text(evidence.evidence_pdf(full_unit, timezone.localdate()))

    for label in SpurArea.labels:
        assert label[:22] in text
    assert "8421" in text  # A: listed patients
    assert "Varje ST-läkare har en huvudhandledare på enheten." in text  # A: criteria
    assert "Erik Holmström" in text and "2017" in text  # B: staff and handledarutbildning
    assert "2022-01-10" in text  # D: start of ST
    assert "2025-05-20" in text  # E: specialistkollegium
    assert "DOPS: 1 · medsittning: 2" in text  # E: signed kompetensvärderingar per kind
    assert "Förbättringsarbete om hosta" in text  # G
    assert "Undervisade läkarstudenter" in text  # H
    assert "Ett studiebesök i Umeå" not in text  # kind OTHER belongs to no area
    assert "Medsittningarna dokumenteras nu i portföljen." in text  # the previous handlingsplan
    assert CONCERN not in text  # åtgärdsplaner: only how many


def test_the_evidence_counts_per_trainee(full_unit):
    rows = evidence.trainee_evidence(full_unit)

    first = rows[0]
    assert [row.label for row in rows] == ["ST-läkare 1", "ST-läkare 2", "ST-läkare 3"]
    assert first.trainee.user.name == NAMES[0]
    assert dict(first.assessments) == {"medsittning": 2, "DOPS": 1}
    assert first.assessments_total == 3  # the draft does not count
    assert first.open_action_plans == 1
    assert [course.title for course in first.courses] == [f"Konsultationskurs för {first.trainee.pk}"]
    assert [a.title for a in first.quality] == ["Förbättringsarbete om hosta"]
    assert [a.title for a in first.leadership] == ["Undervisade läkarstudenter"]
    assert first.snapshot is not None and first.snapshot.latest_statement_on == timezone.localdate()
    assert rows[2].trainee.user.name == NAMES[3] and rows[2].assessments_total == 0


def test_trainees_are_pseudonymised_by_default(full_unit):
    text = pdf_text(evidence.evidence_pdf(full_unit, timezone.localdate()))

    for name in NAMES[:2] + NAMES[3:]:
        assert name not in text
        assert name.split()[1] not in text
    assert "ST-läkare 1" in text and "ST-läkare 3" in text


def test_names_appear_when_asked_for(full_unit):
    text = pdf_text(evidence.evidence_pdf(full_unit, timezone.localdate(), names=True))

    for name in (NAMES[0], NAMES[1], NAMES[3]):
        assert name in text
    assert "ST-läkare 1" not in text


def test_the_pseudonyms_are_stable(full_unit):
    first = [(row.label, row.trainee.pk) for row in evidence.trainee_evidence(full_unit)]
    second = [(row.label, row.trainee.pk) for row in evidence.trainee_evidence(full_unit)]

    assert first == second


def test_criteria_evidence_carries_the_pseudonym_not_the_name(full_unit):
    rows = evidence.evidence_context(full_unit, timezone.localdate())["criteria"]

    assert len(rows) == 1
    assert rows[0].outcome == "not_met"
    assert "ST-läkare 3" in rows[0].evidence and NAMES[3] not in rows[0].evidence


def test_a_unit_without_anything_still_gets_a_pack(other_unit):
    text = pdf_text(evidence.evidence_pdf(other_unit, timezone.localdate()))

    for label in SpurArea.labels:
        assert label[:22] in text


@pytest.mark.parametrize("count", [1, 4])
def test_the_pack_query_count_does_not_grow(django_assert_num_queries, unit, supervisor, count):
    for trainee in make_trainees(unit, count, supervisor=supervisor):
        fill_portfolio(trainee, unit)
        store.refresh(trainee, timezone.localdate())
    inspection = InspectionFactory(unit=unit, regulations=[S15])
    grade_all(inspection)
    ImprovementItemFactory(inspection=inspection)
    add_criterion(unit)
    unit = Unit.objects.select_related("region", "specialty").get(pk=unit.pk)

    # inspection, its grades and plan, profile, staff, trainees, assessments, åtgärdsplaner,
    # courses, activities, specialistkollegier; criteria: the set, its criteria, and the
    # seven queries of contracts.criteria.unit_facts
    with django_assert_num_queries(20):
        context = evidence.evidence_context(unit, timezone.localdate())
    assert len(context["trainees"]) == count


# --- the view


def events(unit):
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Unit), target_id=unit.pk, action="spur.evidence_downloaded"
    )


@pytest.mark.parametrize("persona", VIEWERS)
def test_the_pack_is_downloaded_by_the_units_leaders(client, request, persona, full_unit):
    client.force_login(persona_user(request, persona))

    response = client.get(reverse("spur-evidence", args=[full_unit.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "ST-läkare 1" in text and NAMES[0] not in text
    assert events(full_unit).get().data == {"names": False}


def test_names_1_names_the_trainees(client, study_director, full_unit):
    client.force_login(study_director)

    response = client.get(reverse("spur-evidence", args=[full_unit.pk]) + "?names=1")

    assert NAMES[0] in pdf_text(response.content)
    assert events(full_unit).get().data == {"names": True}


@pytest.mark.parametrize("persona", NOT_VIEWERS)
def test_the_pack_is_404_for_others(client, request, persona, full_unit):
    client.force_login(persona_user(request, persona))

    assert client.get(reverse("spur-evidence", args=[full_unit.pk])).status_code == 404
    assert not events(full_unit).exists()


def test_the_pack_renders_for_every_demo_unit():
    call_command("seed_demo", quiet=True)
    today = timezone.localdate()
    demo_spur.seed(today)
    units = Unit.objects.filter(region__code="norrmark").select_related("region", "specialty")

    assert units.count() >= 6
    for unit in units:
        text = pdf_text(evidence.evidence_pdf(unit, today))
        for label in SpurArea.labels:
            assert label[:22] in text, (unit.name, label)
        for trainee in unit.trainees.select_related("user"):
            assert trainee.user.name not in text, unit.name
    bjorkdalen = pdf_text(evidence.evidence_pdf(units.get(name="Björkdalens hälsocentral"), today))
    assert "D → C" in bjorkdalen
