import json
from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from portfolio.enums import LeaveKind, PlanStatus, ServiceKind, SupervisionKind
from portfolio.models import Course, Leave, ServicePeriod, SupervisionMeeting, TrainingPlan
from portfolio.snapshot import build_status
from tests.assessments.factories import ActionPlanFactory, AssessmentFactory, SupervisorStatementFactory

pytestmark = pytest.mark.django_db
TODAY = date(2025, 3, 5)  # a Wednesday


@pytest.fixture
def timeline(trainee):
    """2023-09-01 → 2024-08-31 at 100 %, then 50 % to 2029; one month of föräldraledighet."""
    ServicePeriod.objects.create(
        trainee=trainee, kind=ServiceKind.MAIN, unit=trainee.unit, start=date(2023, 9, 1), end=date(2024, 8, 31)
    )
    ServicePeriod.objects.create(
        trainee=trainee,
        kind=ServiceKind.SIDE,
        workplace="Medicinkliniken",
        start=date(2024, 9, 1),
        end=date(2029, 12, 31),
        percent=50,
    )
    Leave.objects.create(trainee=trainee, kind=LeaveKind.PARENTAL, start=date(2024, 1, 1), end=date(2024, 1, 31))
    Leave.objects.create(trainee=trainee, kind=LeaveKind.VACATION, start=date(2024, 7, 1), end=date(2024, 7, 28))
    return trainee


def test_time_figures(timeline):
    status = build_status(timeline, TODAY)

    # 12 months at 100 % minus January (parental leave) = 11; Sep 2024 – 5 Mar 2025 at 50 %.
    assert status.fte_months == pytest.approx(11 + 0.5 * (6 + 5 / 31))
    assert status.fte_by_kind["main"] == pytest.approx(11)
    assert status.required_fte_months == 60
    # The plan ends 2029-12-31 at 50 %: 11 + 64 × 0.5 = 43 < 60, so not reached.
    assert status.fte_months_planned == pytest.approx(11 + 0.5 * 64)
    assert status.minimum_reached_on is None


def test_supervision_windows_use_the_region_norm(timeline):
    for monday in [date(2025, 2, 10), date(2025, 2, 17), date(2025, 3, 3)]:
        SupervisionMeeting.objects.create(trainee=timeline, date=monday, minutes=60, kind=SupervisionKind.TALK)

    status = build_status(timeline, TODAY)

    eight = status.supervision_last_8_weeks
    assert (eight.weeks, eight.hours, eight.expected_hours, eight.meets_norm) == (8, 3.0, 8.0, False)
    assert status.supervision[1].weeks == 26


def test_iup_status_and_due(timeline):
    status = build_status(timeline, TODAY)
    assert (status.iup_status, status.iup_due, status.iup_overdue) == (None, date(2024, 3, 1), True)

    TrainingPlan.objects.create(
        trainee=timeline,
        version=1,
        status=PlanStatus.APPROVED,
        decided_at=datetime(2025, 2, 10, 9, tzinfo=UTC),
    )
    status = build_status(timeline, TODAY)
    assert (status.iup_status, status.iup_version, status.iup_due, status.iup_overdue) == (
        "approved",
        1,
        date(2025, 5, 31),
        False,
    )


def test_goal_evidence_lists_courses_and_handledning(timeline):
    c3 = timeline.curriculum.goals.get(code="c3")
    course = Course.objects.create(
        trainee=timeline, title="Konsultationskurs", start=date(2024, 3, 1), end=date(2024, 3, 2)
    )
    course.goals.set([c3])
    meeting = SupervisionMeeting.objects.create(trainee=timeline, date=date(2024, 3, 5), minutes=60)
    meeting.goals.set([c3])

    goals = {goal.code: goal for goal in build_status(timeline, TODAY).goals}

    assert len(goals) == 25
    assert goals["c3"].courses == ["Konsultationskurs"]
    assert goals["c3"].supervision_meetings == 1
    assert goals["c3"].fulfilled is False  # only signed evidence fulfils a delmål
    assert goals["c4"].courses == []


def test_status_query_count_does_not_grow(timeline):
    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            build_status(timeline, TODAY)
        return len(context)

    build_status(timeline, TODAY)  # the region's policy is created on first use
    for day in range(1, 21):
        if day == 2:
            before = count_queries()  # one of each record: the prefetches run
        SupervisionMeeting.objects.create(trainee=timeline, date=date(2024, 10, day), minutes=30)
        Course.objects.create(trainee=timeline, title=f"Kurs {day}", start=date(2024, 10, day), end=date(2024, 10, day))
        AssessmentFactory(trainee=timeline, date=date(2024, 10, day), goals=list(timeline.curriculum.goals.all()[:2]))
        SupervisorStatementFactory(trainee=timeline, period_start=date(2023, 9, 1), period_end=date(2024, 8, day))
        ActionPlanFactory(trainee=timeline)
    # 9 for the portfolio (tjänstgöringar with their delmål, ledigheter, handledning,
    # årsbesök, IUP versions, delmål, kurser, other activities, delmål of handledning; the
    # IUP's delmål when there is a version), 6 for the assessments app (Mitt-i-ST,
    # kompetensvärderingar, their delmål, handledarutlåtanden, specialistkollegium, åtgärdsplan).
    assert count_queries() == before == 15


def test_st_status_json_fields(timeline):
    out = StringIO()
    call_command("st_status", timeline.user.username, "--json", "--today", "2025-03-05", stdout=out)

    data = json.loads(out.getvalue())

    assert data["regulation"] == "SOSFS_2015_8"
    assert data["fte_months"] == round(11 + 0.5 * (6 + 5 / 31), 2)
    assert data["required_fte_months"] == 60
    assert data["iup_status"] is None
    assert data["iup_due"] == "2024-03-01"
    assert data["supervision_hours_last_8_weeks"] == 0
    assert [goal["code"] for goal in data["goals"]][:3] == ["a1", "a2", "a3"]
    assert set(data["goals"][0]) >= {"code", "courses", "activities", "supervision_meetings", "fulfilled"}


def test_st_status_text_and_unknown_user(timeline):
    out = StringIO()
    call_command("st_status", timeline.user.username, "--today", "2025-03-05", stdout=out)
    assert "of 60 full-time months" in out.getvalue()

    with pytest.raises(CommandError, match="nobody"):
        call_command("st_status", "nobody")
