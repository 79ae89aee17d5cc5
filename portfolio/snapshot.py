"""One computation behind every figure about a trainee.

`build_status` reads a trainee's records with a fixed number of queries and returns
plain data: the trainee page, the timeline, `st_status` and (later) the overview all
take their numbers from here, so they cannot disagree.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from django.db.models import Prefetch
from django.utils import timezone

from accounts.domain import policy_for
from portfolio import timecalc
from portfolio.models import Course, Goal, OtherActivity, SupervisionMeeting, Trainee
from portfolio.queries import trainee_goals
from portfolio.service import leave_intervals, service_intervals

SUPERVISION_WINDOWS = (8, 26)


@dataclass
class GoalEvidence:
    code: str
    title: str
    curriculum: str
    courses: list[str] = field(default_factory=list)
    activities: list[str] = field(default_factory=list)
    supervision_meetings: int = 0
    in_current_iup: bool = False
    # Signed evidence (intyg, signed assessments) arrives with the certificate and
    # assessment features; until then nothing counts as fulfilled.
    fulfilled: bool = False


@dataclass
class SupervisionWindow:
    weeks: int
    hours: float
    expected_hours: float
    meets_norm: bool | None


@dataclass
class TraineeStatus:
    username: str
    name: str
    regulation: str
    bt_mode: str
    st_start: date
    today: date
    fte_months: float
    fte_months_planned: float
    required_fte_months: int
    fte_by_kind: dict[str, float]
    fte_by_year: dict[int, float]
    minimum_reached_on: date | None
    iup_status: str | None
    iup_version: int | None
    iup_due: date | None
    iup_due_kind: str | None
    iup_overdue: bool
    supervision: list[SupervisionWindow]
    goals: list[GoalEvidence]

    @property
    def supervision_last_8_weeks(self):
        return self.supervision[0]

    def as_json(self) -> dict:
        data = asdict(self)
        data["supervision_hours_last_8_weeks"] = round(self.supervision_last_8_weeks.hours, 2)
        data["fte_months"] = round(self.fte_months, 2)
        data["fte_months_planned"] = round(self.fte_months_planned, 2)
        data["fte_by_kind"] = {kind: round(value, 2) for kind, value in self.fte_by_kind.items()}
        data["fte_by_year"] = {str(year): round(value, 2) for year, value in self.fte_by_year.items()}
        for window in data["supervision"]:
            window["hours"] = round(window["hours"], 2)
            window["expected_hours"] = round(window["expected_hours"], 2)
        for key in ("st_start", "today", "minimum_reached_on", "iup_due"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def build_status(trainee: Trainee, today: date | None = None) -> TraineeStatus:
    from portfolio.iup import iup_due

    today = today or timezone.localdate()
    regulation = trainee.regulation
    service, leave = service_intervals(trainee), leave_intervals(trainee)
    counted = regulation.counted_leave_kinds
    done = timecalc.fte_months(service, leave, counted, until=today + timedelta(days=1))
    planned = timecalc.fte_months(service, leave, counted)
    required = trainee.required_fte_months

    policy = policy_for(trainee.unit.region)
    meetings = list(trainee.supervision_meetings.values_list("date", "minutes"))
    windows = []
    for weeks in SUPERVISION_WINDOWS:
        figure = timecalc.supervision_last_weeks(
            meetings, service, leave, policy.supervision_hours_per_week, today, weeks
        )
        windows.append(SupervisionWindow(weeks, figure.hours, figure.expected_hours, figure.meets_norm))

    plans = list(trainee.plans.order_by("version").prefetch_related("goals"))
    latest = plans[-1] if plans else None
    due = iup_due(trainee, plans, policy, today)

    return TraineeStatus(
        username=trainee.user.username,
        name=trainee.user.name,
        regulation=regulation.code,
        bt_mode=trainee.bt_mode,
        st_start=trainee.st_start,
        today=today,
        fte_months=done.total,
        fte_months_planned=planned.total,
        required_fte_months=required,
        fte_by_kind=done.by_kind,
        fte_by_year=done.by_year,
        minimum_reached_on=timecalc.date_minimum_reached(service, leave, counted, required),
        iup_status=latest.status if latest else None,
        iup_version=latest.version if latest else None,
        iup_due=due.due if due else None,
        iup_due_kind=due.kind if due else None,
        iup_overdue=bool(due and due.overdue),
        supervision=windows,
        goals=_goal_evidence(trainee, plans),
    )


def _goal_evidence(trainee, plans):
    evidence = {goal.pk: GoalEvidence(goal.code, goal.title, goal.curriculum.kind) for goal in trainee_goals(trainee)}
    goal_filter = Prefetch("goals", queryset=Goal.objects.only("pk"))
    for course in Course.objects.filter(trainee=trainee).prefetch_related(goal_filter).order_by("start"):
        for goal in course.goals.all():
            if goal.pk in evidence:
                evidence[goal.pk].courses.append(course.title)
    for activity in OtherActivity.objects.filter(trainee=trainee).prefetch_related(goal_filter).order_by("start"):
        for goal in activity.goals.all():
            if goal.pk in evidence:
                evidence[goal.pk].activities.append(activity.title)
    through = SupervisionMeeting.goals.through
    for goal_id in through.objects.filter(supervisionmeeting__trainee=trainee).values_list("goal_id", flat=True):
        if goal_id in evidence:
            evidence[goal_id].supervision_meetings += 1
    current = next((plan for plan in reversed(plans) if plan.status == "approved"), None)
    if current is not None:
        for goal in current.goals.all():
            if goal.pk in evidence:
                evidence[goal.pk].in_current_iup = True
    return list(evidence.values())
