"""One computation behind every figure about a trainee.

`build_status` reads a trainee's records with a fixed number of queries and returns
plain data: the trainee page, the timeline, `st_status` and (later) the overview all
take their numbers from here, so they cannot disagree.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from django.db.models import Prefetch
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.domain import policy_for
from portfolio import timecalc
from portfolio.models import Course, Goal, OtherActivity, ServicePeriod, SupervisionMeeting, Trainee
from portfolio.queries import trainee_goals
from portfolio.reviews import next_visit_for
from portfolio.service import counted_leave, leave_intervals, service_intervals, supervision_windows

DATE_FIELDS = (
    "st_start",
    "today",
    "minimum_reached_on",
    "iup_due",
    "mid_st_target",
    "mid_st_order_by",
    "next_visit_due",
)


@dataclass
class GoalEvidence:
    code: str
    title: str
    curriculum: str
    service: list[str] = field(default_factory=list)
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
    mid_st_target: date | None
    mid_st_order_by: date | None
    next_visit_due: date
    visit_overdue: bool
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
        for key in DATE_FIELDS:
            data[key] = data[key].isoformat() if data[key] else None
        return data


def build_status(trainee: Trainee, today: date | None = None) -> TraineeStatus:
    from portfolio.iup import iup_due

    today = today or timezone.localdate()
    regulation = trainee.regulation
    service, leave = service_intervals(trainee), leave_intervals(trainee)
    counted = counted_leave(trainee)
    done = timecalc.fte_months(service, leave, counted, until=today + timedelta(days=1))
    planned = timecalc.fte_months(service, leave, counted)
    required = trainee.required_fte_months

    policy = policy_for(trainee.unit.region)
    meetings = list(trainee.supervision_meetings.values_list("date", "minutes"))
    windows = [
        SupervisionWindow(weeks, figure.hours, figure.expected_hours, figure.meets_norm)
        for weeks, figure in supervision_windows(
            meetings, service, leave, float(policy.supervision_hours_per_week), today
        )
    ]

    # Mitt-i-ST is aimed at the day half of the minimum time is reached, and must be
    # ordered the region's lead time before (when the region requires it).
    mid_target = mid_order = None
    if policy.mid_st_required:
        mid_target = timecalc.date_minimum_reached(service, leave, counted, required / 2)
        mid_order = timecalc.add_months(mid_target, -policy.mid_st_lead_time_months) if mid_target else None
    visit_due = next_visit_for(trainee, policy.annual_visit_interval_months)

    plans = list(trainee.plans.order_by("version").prefetch_related("goals"))
    latest = plans[-1] if plans else None
    due = iup_due(trainee, plans, policy, today, next_visit=visit_due)

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
        mid_st_target=mid_target,
        mid_st_order_by=mid_order,
        next_visit_due=visit_due,
        visit_overdue=visit_due < today,
        supervision=windows,
        goals=_goal_evidence(trainee, plans),
    )


def _goal_evidence(trainee, plans):
    evidence = {goal.pk: GoalEvidence(goal.code, goal.title, goal.curriculum.kind) for goal in trainee_goals(trainee)}
    goal_filter = Prefetch("goals", queryset=Goal.objects.only("pk"))
    periods = ServicePeriod.objects.filter(trainee=trainee).select_related("unit").prefetch_related(goal_filter)
    for period in periods.order_by("start"):
        for goal in period.goals.all():
            if goal.pk in evidence:
                evidence[goal.pk].service.append(period.place)
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


@dataclass(frozen=True)
class DueItem:
    day: date | None
    text: str
    overdue: bool


def due_next(status: TraineeStatus) -> list[DueItem]:
    """What is due or overdue for the trainee, soonest first, from the status figures."""
    items = []
    if status.iup_due:
        text = _("First IUP approved") if status.iup_due_kind == "first" else _("IUP revised and approved")
        items.append(DueItem(status.iup_due, text, status.iup_overdue))
    items.append(DueItem(status.next_visit_due, _("Årsbesök"), status.visit_overdue))
    if status.mid_st_order_by and status.mid_st_target and status.mid_st_target >= status.today:
        overdue = status.mid_st_order_by < status.today
        items.append(DueItem(status.mid_st_order_by, _("Order Mitt-i-ST"), overdue))
    window = status.supervision_last_8_weeks
    if window.meets_norm is False:
        text = _("Handledning below the norm: %(hours)s of %(expected)s hours in the last 8 weeks") % {
            "hours": floatformat(window.hours, 1),
            "expected": floatformat(window.expected_hours, 1),
        }
        items.append(DueItem(None, text, True))
    return sorted(items, key=lambda item: (item.day is not None, item.day or status.today))
