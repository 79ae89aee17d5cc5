"""One computation behind every figure about a trainee.

`build_status` reads a trainee's records with a fixed number of queries and returns
plain data: the trainee page, the timeline, `st_status` and (later) the overview all
take their numbers from here, so they cannot disagree.

As a read-side module it also reads the assessments app (kompetensvärderingar,
handledarutlåtanden, specialistkollegium, Mitt-i-ST, åtgärdsplaner); the rules it
applies to them are the pure functions of that app.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from django.db.models import Prefetch
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.domain import policy_for
from assessments.enums import AssessmentKind, AssessorRole, MidTermStatus, SignedStatus, StatementKind
from assessments.frequency import PeriodFigure, half_year_figures, quarter_figures
from assessments.midterm import mid_term_dates
from assessments.models import ActionPlan, Assessment, MidTermEvaluation, PanelReview, SupervisorStatement
from assessments.statements import statement_due
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
    "mid_st_window_start",
    "mid_st_latest",
    "mid_st_visit_date",
    "next_visit_due",
    "statement_due",
    "specialist_panel_date",
    "action_plan_follow_up",
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
    assessments: int = 0  # signed kompetensvärderingar linked to the delmål
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
class StatementSummary:
    period_end: date
    signed_on: date
    on_track: str
    at_risk: bool


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
    mid_st_required: bool
    mid_st_status: str | None
    mid_st_target: date | None
    mid_st_order_by: date | None
    mid_st_window_start: date | None
    mid_st_latest: date | None
    mid_st_visit_date: date | None
    next_visit_due: date
    visit_overdue: bool
    supervision: list[SupervisionWindow]
    goals: list[GoalEvidence]
    assessments_by_half_year: list[PeriodFigure]
    sit_ins_by_quarter: list[PeriodFigure]
    latest_statement: StatementSummary | None
    statement_due: date
    statement_done: bool
    statement_overdue: bool
    specialist_panel_date: date | None
    open_action_plan: bool
    action_plan_follow_up: date | None

    @property
    def mid_st_status_label(self):
        return MidTermStatus(self.mid_st_status).label if self.mid_st_status else None

    @property
    def current_half_year(self):
        return self.assessments_by_half_year[-1] if self.assessments_by_half_year else None

    @property
    def current_quarter(self):
        return self.sit_ins_by_quarter[-1] if self.sit_ins_by_quarter else None

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
        for name in ("assessments_by_half_year", "sit_ins_by_quarter"):
            for period in data[name]:
                period["start"], period["end"] = period["start"].isoformat(), period["end"].isoformat()
                period["fte"] = round(period["fte"], 2)
        if data["latest_statement"]:
            for key in ("period_end", "signed_on"):
                data["latest_statement"][key] = data["latest_statement"][key].isoformat()
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

    # Mitt-i-ST: halfway through the minimum time, inside SFAM's window, ordered the
    # region's lead time before (assessments.midterm has the rule).
    mid = MidTermEvaluation.objects.filter(trainee=trainee).first()
    mid_dates = mid_term_dates(
        service, leave, counted, required, policy.mid_st_lead_time_months, mid.desired_date if mid else None
    )
    visit_due = next_visit_for(trainee, policy.annual_visit_interval_months)
    assessments = _assessment_figures(trainee, service, leave, policy, today)
    statements = list(
        SupervisorStatement.objects.filter(trainee=trainee, kind=StatementKind.ANNUAL, status=SignedStatus.SIGNED)
        .order_by("-signed_at")
        .values_list("period_end", "signed_at", "on_track", "at_risk")
    )
    signed_days = [timezone.localdate(signed_at) for _end, signed_at, _track, _risk in statements]
    due_statement = statement_due(signed_days, visit_due, policy.annual_visit_interval_months, today)
    latest_statement = StatementSummary(statements[0][0], signed_days[0], *statements[0][2:]) if statements else None
    panel_date = (
        PanelReview.objects.filter(trainee=trainee, panel__held_at__isnull=False)
        .order_by("-panel__date")
        .values_list("panel__date", flat=True)
        .first()
    )
    open_plan = ActionPlan.objects.open().filter(trainee=trainee).order_by("follow_up_on").first()

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
        mid_st_required=policy.mid_st_required,
        mid_st_status=mid.status if mid else None,
        mid_st_target=mid_dates.target,
        mid_st_order_by=mid_dates.order_by,
        mid_st_window_start=mid_dates.window_start,
        mid_st_latest=mid_dates.latest,
        mid_st_visit_date=mid.visit_date if mid else None,
        next_visit_due=visit_due,
        visit_overdue=visit_due < today,
        supervision=windows,
        goals=_goal_evidence(trainee, plans),
        assessments_by_half_year=assessments[0],
        sit_ins_by_quarter=assessments[1],
        latest_statement=latest_statement,
        statement_due=due_statement.due,
        statement_done=due_statement.done,
        statement_overdue=due_statement.overdue,
        specialist_panel_date=panel_date,
        open_action_plan=open_plan is not None,
        action_plan_follow_up=open_plan.follow_up_on if open_plan else None,
    )


@dataclass
class AssessmentFigures:
    policy_per_half_year: int
    policy_sit_ins_per_quarter: int
    half_years: list[PeriodFigure]
    quarters: list[PeriodFigure]


def assessment_figures(trainee: Trainee, today: date | None = None) -> AssessmentFigures:
    """The frequency figures alone, for the kompetensvärderingar page (five queries)."""
    today = today or timezone.localdate()
    policy = policy_for(trainee.unit.region)
    half_years, quarters = _assessment_figures(
        trainee, service_intervals(trainee), leave_intervals(trainee), policy, today
    )
    return AssessmentFigures(policy.assessments_per_half_year, policy.sit_ins_per_quarter, half_years, quarters)


def _assessment_figures(trainee, service, leave, policy, today):
    """Signed kompetensvärderingar per half-year, and medsittningar by a handledare per
    quarter, against the region's norms pro-rated for part-time and leave."""
    signed = list(
        Assessment.objects.filter(trainee=trainee, status=SignedStatus.SIGNED).values_list(
            "date", "kind", "assessor_role"
        )
    )
    sit_ins = [day for day, kind, role in signed if kind == AssessmentKind.SIT_IN and role == AssessorRole.SUPERVISOR]
    first = trainee.st_start
    return (
        half_year_figures(
            [day for day, _kind, _role in signed], service, leave, policy.assessments_per_half_year, first, today
        ),
        quarter_figures(sit_ins, service, leave, policy.sit_ins_per_quarter, first, today),
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
    signed = Assessment.goals.through.objects.filter(
        assessment__trainee=trainee, assessment__status=SignedStatus.SIGNED
    ).values_list("goal_id", flat=True)
    for goal_id in signed:
        if goal_id in evidence:
            evidence[goal_id].assessments += 1
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
    mid_st_wanted = status.mid_st_required or status.mid_st_status is not None
    not_ordered = status.mid_st_status in (None, MidTermStatus.PLANNED)
    if mid_st_wanted and not_ordered and status.mid_st_order_by and status.mid_st_target >= status.today:
        overdue = status.mid_st_order_by < status.today
        items.append(DueItem(status.mid_st_order_by, _("Order Mitt-i-ST"), overdue))
    if not status.statement_done:
        items.append(
            DueItem(status.statement_due, _("Handledarutlåtande before the årsbesök"), status.statement_overdue)
        )
    if status.action_plan_follow_up:
        overdue = status.action_plan_follow_up < status.today
        items.append(DueItem(status.action_plan_follow_up, _("Follow-up of the åtgärdsplan"), overdue))
    items += _frequency_items(
        status.assessments_by_half_year,
        _("Kompetensvärderingar this half-year: %(count)s of %(required)s"),
        _("Kompetensvärderingar below the norm in %(period)s: %(count)s of %(required)s"),
    )
    items += _frequency_items(
        status.sit_ins_by_quarter,
        _("Medsittningar by a handledare this quarter: %(count)s of %(required)s"),
        _("Medsittningar below the norm in %(period)s: %(count)s of %(required)s"),
    )
    window = status.supervision_last_8_weeks
    if window.meets_norm is False:
        text = _("Handledning below the norm: %(hours)s of %(expected)s hours in the last 8 weeks") % {
            "hours": floatformat(window.hours, 1),
            "expected": floatformat(window.expected_hours, 1),
        }
        items.append(DueItem(None, text, True))
    return sorted(items, key=lambda item: (item.day is not None, item.day or status.today))


def _frequency_items(periods, current_text, missed_text):
    """The current period while its norm is not yet met, and the last finished one if it fell short."""
    items = []
    current = periods[-1] if periods and periods[-1].in_progress else None
    if current and current.meets_norm is None and current.required:
        values = {"count": current.count, "required": current.required}
        items.append(DueItem(current.end, current_text % values, False))
    finished = [period for period in periods if not period.in_progress]
    if finished and finished[-1].meets_norm is False:
        last = finished[-1]
        values = {"period": last.label, "count": last.count, "required": last.required}
        items.append(DueItem(None, missed_text % values, True))
    return items
