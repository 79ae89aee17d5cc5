"""The assessments app's figures in the one status computation (portfolio.snapshot) and in st_status."""

import json
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from assessments.enums import AssessmentKind, AssessorRole, MidTermStatus, OnTrack, SignedStatus
from assessments.models import Assessment, SpecialistPanel
from portfolio.enums import LeaveKind, ServiceKind
from portfolio.models import Leave, ServicePeriod
from portfolio.snapshot import build_status, due_next
from tests.assessments.factories import (
    ActionPlanFactory,
    AssessmentFactory,
    MidTermEvaluationFactory,
    PanelReviewFactory,
    SpecialistPanelFactory,
    SupervisorStatementFactory,
)

pytestmark = pytest.mark.django_db
TODAY = date(2025, 5, 20)
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def timeline(trainee):
    """Full time from 2023-09-01; half time from 2025-01-01; March 2025 on parental leave."""
    ServicePeriod.objects.create(
        trainee=trainee, kind=ServiceKind.MAIN, unit=trainee.unit, start=date(2023, 9, 1), end=date(2024, 12, 31)
    )
    ServicePeriod.objects.create(
        trainee=trainee,
        kind=ServiceKind.MAIN,
        unit=trainee.unit,
        start=date(2025, 1, 1),
        end=date(2035, 12, 31),
        percent=50,
    )
    Leave.objects.create(trainee=trainee, kind=LeaveKind.PARENTAL, start=date(2025, 3, 1), end=date(2025, 3, 31))
    return trainee


def sit_in(trainee, day, role=AssessorRole.SUPERVISOR, **fields):
    return AssessmentFactory(trainee=trainee, kind=AssessmentKind.SIT_IN, date=day, assessor_role=role, **fields)


def test_assessments_per_half_year_are_pro_rated_and_count_only_signed(timeline):
    for day in (date(2024, 7, 3), date(2024, 8, 14), date(2024, 10, 2)):
        AssessmentFactory(trainee=timeline, date=day)
    AssessmentFactory(trainee=timeline, date=date(2024, 11, 5), status=SignedStatus.DRAFT, signed_at=None)
    AssessmentFactory(trainee=timeline, date=date(2025, 2, 10))

    periods = {p.label: p for p in build_status(timeline, TODAY).assessments_by_half_year}

    assert list(periods) == ["2023 H2", "2024 H1", "2024 H2", "2025 H1"]
    # 2023 H2: September–December at full time is 4 months: 4 × 4 / 6 = 2.7 → 3 required.
    assert (periods["2023 H2"].count, periods["2023 H2"].required, periods["2023 H2"].meets_norm) == (0, 3, False)
    # The draft does not count: three signed against four.
    assert (periods["2024 H2"].count, periods["2024 H2"].required, periods["2024 H2"].meets_norm) == (3, 4, False)
    # Half time with a month of leave: 2.5 months of presence → 4 × 2.5 / 6 = 1.7 → 2; still running.
    current = periods["2025 H1"]
    assert (current.count, current.expected, current.required) == (1, 1.7, 2)
    assert current.in_progress and current.meets_norm is None


def test_sit_ins_per_quarter_count_only_those_by_a_handledare(timeline):
    sit_in(timeline, date(2025, 4, 2))
    sit_in(timeline, date(2025, 4, 9), role=AssessorRole.SPECIALIST)
    AssessmentFactory(trainee=timeline, kind=AssessmentKind.MINI_CEX, date=date(2025, 4, 16))

    quarter = build_status(timeline, TODAY).sit_ins_by_quarter[-1]

    assert quarter.label == "2025 K2"
    # Half time for the whole quarter: 2 × 1.5 / 3 = 1 required; one sit-in by the handledare.
    assert (quarter.count, quarter.required, quarter.meets_norm) == (1, 1, True)


def test_goal_evidence_counts_signed_assessments(timeline):
    goals = list(timeline.curriculum.goals.filter(code__in=["c1", "c2"]).order_by("code"))
    AssessmentFactory(trainee=timeline, goals=goals)
    AssessmentFactory(trainee=timeline, goals=goals[:1])
    AssessmentFactory(trainee=timeline, goals=goals, status=SignedStatus.DRAFT, signed_at=None)

    evidence = {goal.code: goal for goal in build_status(timeline, TODAY).goals}

    assert (evidence["c1"].assessments, evidence["c2"].assessments, evidence["c3"].assessments) == (2, 1, 0)


def test_follow_up_figures(timeline, unit, other_trainee):
    SupervisorStatementFactory(
        trainee=timeline,
        period_start=date(2023, 9, 1),
        period_end=date(2024, 8, 1),
        signed_at=datetime(2024, 8, 5, 12, tzinfo=STOCKHOLM),
        on_track=OnTrack.PARTLY,
        at_risk=True,
        risk_note="Få kompetensvärderingar",
    )
    SupervisorStatementFactory(
        trainee=timeline,
        period_start=date(2024, 8, 2),
        period_end=date(2025, 5, 1),
        status=SignedStatus.DRAFT,
        signed_at=None,
    )
    held = SpecialistPanelFactory(unit=unit, date=date(2024, 11, 12))
    PanelReviewFactory(panel=held, trainee=timeline)
    SpecialistPanel.objects.filter(pk=held.pk).update(held_at=datetime(2024, 11, 12, 17, tzinfo=STOCKHOLM))
    upcoming = SpecialistPanelFactory(unit=unit, date=date(2025, 6, 1))
    PanelReviewFactory(panel=upcoming, trainee=timeline)
    MidTermEvaluationFactory(trainee=timeline, status=MidTermStatus.ORDERED, ordered_on=date(2025, 1, 10))
    ActionPlanFactory(trainee=timeline, follow_up_on=date(2025, 5, 1))
    ActionPlanFactory(trainee=timeline, closed_on=date(2025, 2, 1), outcome="Klart", follow_up_on=date(2025, 1, 1))
    ActionPlanFactory(trainee=other_trainee, follow_up_on=date(2025, 4, 1))

    status = build_status(timeline, TODAY)

    assert status.latest_statement.signed_on == date(2024, 8, 5)
    assert status.latest_statement.at_risk is True
    assert status.specialist_panel_date == date(2024, 11, 12)  # the upcoming one is not held yet
    assert status.mid_st_status == MidTermStatus.ORDERED
    assert status.open_action_plan is True
    assert status.action_plan_follow_up == date(2025, 5, 1)
    # The yearly statement is due by the next årsbesök; the draft does not count.
    assert status.statement_due == status.next_visit_due
    texts = {item.text: item for item in due_next(status)}
    assert texts["Uppföljning av åtgärdsplanen"].overdue is True
    assert "Beställ Mitt-i-ST" not in texts  # already ordered


def test_mid_st_order_is_due_while_not_ordered(timeline):
    status = build_status(timeline, TODAY)

    assert status.mid_st_status is None
    assert status.mid_st_target is not None
    assert status.mid_st_window_start <= status.mid_st_target <= status.mid_st_latest
    assert any(item.text == "Beställ Mitt-i-ST" for item in due_next(status))


def test_st_status_json_has_the_follow_up_fields(timeline):
    AssessmentFactory(trainee=timeline, date=date(2025, 2, 10))
    sit_in(timeline, date(2025, 4, 2))
    MidTermEvaluationFactory(trainee=timeline, status=MidTermStatus.PLANNED, desired_date=date(2026, 3, 1))
    ActionPlanFactory(trainee=timeline, follow_up_on=date(2025, 6, 1))
    out = StringIO()

    call_command("st_status", timeline.user.username, "--json", "--today", TODAY.isoformat(), stdout=out)
    data = json.loads(out.getvalue())

    assert data["assessments_by_half_year"][-1] == {
        "start": "2025-01-01",
        "end": "2025-06-30",
        "label": "2025 H1",
        "count": 2,
        "fte": 2.5,
        "expected": 1.7,
        "required": 2,
        "in_progress": True,
        "meets_norm": True,
    }
    assert data["sit_ins_by_quarter"][-1]["label"] == "2025 K2"
    assert data["latest_statement"] is None
    assert data["specialist_panel_date"] is None
    assert data["mid_st_status"] == "planned"
    assert data["mid_st_target"] == "2026-03-01"  # the agreed date wins over the computed one
    assert data["open_action_plan"] is True
    assert data["action_plan_follow_up"] == "2025-06-01"
    assert Assessment.objects.filter(trainee=timeline).count() == 2


def test_st_status_text_has_the_follow_up_lines(timeline):
    ActionPlanFactory(trainee=timeline, follow_up_on=date(2025, 6, 1))
    out = StringIO()

    call_command("st_status", timeline.user.username, "--today", TODAY.isoformat(), stdout=out)

    text = out.getvalue()
    assert "Kompetensvärderingar this half-year (2025 H1): 0 of 2 (in progress)" in text
    assert "Åtgärdsplan: open, follow-up 2025-06-01" in text
    assert "Mitt-i-ST: not started" in text
