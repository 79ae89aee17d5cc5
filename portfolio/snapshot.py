"""One computation behind every figure about a trainee.

`build_status` returns plain data from a trainee's records: the trainee page, the
timeline, `st_status` and the stored snapshot behind the overview all take their
numbers from here, so they cannot disagree. `build_statuses` does the same for a
chunk of trainees with the same number of queries as for one (the records are read
by `portfolio.records`); `build_status` is that for a chunk of one.

As a read-side module it also reads the assessments app (kompetensvärderingar,
handledarutlåtanden, specialistkollegium, Mitt-i-ST, åtgärdsplaner); the rules it
applies to them are the pure functions of that app.
"""

from dataclasses import asdict, dataclass, field, fields
from datetime import date, timedelta

from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.domain import policy_for, prime_policies
from assessments.enums import AssessmentKind, AssessorRole, MidTermStatus, SignedStatus
from assessments.frequency import PeriodFigure, half_year_figures, quarter_figures
from assessments.midterm import mid_term_dates
from assessments.models import Assessment
from assessments.statements import statement_due
from portfolio import timecalc
from portfolio.models import StoredStatus, Trainee
from portfolio.records import StatusRecords, status_records
from portfolio.reviews import next_visit_due
from portfolio.service import (
    counted_leave,
    leave_intervals,
    service_intervals,
    supervision_since,
    supervision_windows,
)

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


def build_status(trainee: Trainee, today: date | None = None, *, evidence: bool = True) -> TraineeStatus:
    """The status of one trainee: `build_statuses` for a batch of one. Without `evidence`,
    `goals` (the delmål coverage) is empty and everything else the same, in fewer queries."""
    today = today or timezone.localdate()
    return build_statuses([trainee], today, evidence=evidence)[trainee.pk]


def build_statuses(
    trainees, today: date, policies: dict | None = None, *, evidence: bool = True
) -> dict[int, TraineeStatus]:
    """{trainee pk: TraineeStatus} for a chunk of trainees, each kind of record read once for
    all of them (`portfolio.records`); `policies` (region pk → policy) carries the regional
    policies from one chunk to the next. Load the trainees with user, unit__region,
    regulation and specialty."""
    trainees = list(trainees)
    prime_policies([trainee.unit.region for trainee in trainees], policies)
    records = status_records(trainees, meetings_since=supervision_since(today), evidence=evidence)
    return {trainee.pk: _status(trainee, records[trainee.pk], today) for trainee in trainees}


# The stored form of a status (StoredStatus.status): every figure but the delmål coverage,
# as JSON. Dates are ISO strings, the small records lists of their fields in order, and the
# two dictionaries lists of pairs (a JSON object would lose the order and the integer
# years). A change to TraineeStatus that changes this form raises the version: a stored
# form of another version is not read, and the page computes the status instead.
STORED_FORM_VERSION = 1
_PERIOD_LISTS = ("assessments_by_half_year", "sit_ins_by_quarter")
_PAIR_DICTS = ("fte_by_kind", "fte_by_year")
_SCALARS = (str, int, float, bool, type(None))


def _values(record) -> list:
    # A flat record's field values in order, as dataclasses.astuple gives them without its
    # recursive copy of every value (these are scalars and dates).
    return [getattr(record, item.name) for item in fields(record)]


def stored_form(status: TraineeStatus) -> dict:
    """The status as the JSON StoredStatus.status holds, without `goals`."""
    data = {"version": STORED_FORM_VERSION}
    for name in (item.name for item in fields(TraineeStatus) if item.name != "goals"):
        value = getattr(status, name)
        if name in DATE_FIELDS:
            value = value.isoformat() if value else None
        elif name in _PERIOD_LISTS:
            value = [[period.start.isoformat(), period.end.isoformat(), *_values(period)[2:]] for period in value]
        elif name in _PAIR_DICTS:
            value = [[key, figure] for key, figure in value.items()]
        elif name == "supervision":
            value = [_values(window) for window in value]
        elif name == "latest_statement":
            value = value and [value.period_end.isoformat(), value.signed_on.isoformat(), value.on_track, value.at_risk]
        elif not isinstance(value, _SCALARS):
            # A new kind of field needs its own form here (and a new version).
            raise TypeError(f"TraineeStatus.{name} has no stored form: {type(value).__name__}")
        data[name] = value
    return data


def from_stored_form(data: dict) -> TraineeStatus | None:
    """The status `stored_form` stored (with no delmål coverage), or None if it was stored
    in another version's form."""
    if data.get("version") != STORED_FORM_VERSION:
        return None
    values = {}
    for name in (item.name for item in fields(TraineeStatus) if item.name != "goals"):
        value = data[name]
        if name in DATE_FIELDS:
            value = date.fromisoformat(value) if value else None
        elif name in _PERIOD_LISTS:
            value = [
                PeriodFigure(date.fromisoformat(start), date.fromisoformat(end), *rest) for start, end, *rest in value
            ]
        elif name in _PAIR_DICTS:
            value = {(int(key) if name == "fte_by_year" else key): figure for key, figure in value}
        elif name == "supervision":
            value = [SupervisionWindow(*window) for window in value]
        elif name == "latest_statement" and value:
            value = StatementSummary(date.fromisoformat(value[0]), date.fromisoformat(value[1]), *value[2:])
        values[name] = value
    return TraineeStatus(goals=[], **values)


def stored_status(trainee: Trainee, today: date) -> TraineeStatus | None:
    """The trainee's status as stored for `today` (without delmål coverage), or None when the
    stored one is of another day, of another version or absent (one query)."""
    data = StoredStatus.objects.filter(trainee=trainee, computed_on=today).values_list("status", flat=True).first()
    return from_stored_form(data) if data else None


def start_page_status(trainee: Trainee, today: date | None = None) -> TraineeStatus:
    """The status without delmål coverage: the stored one when it is today's, else computed.
    The stored one is written after every change to the trainee's records (portfolio.readiness
    .store), so both are the same; tests hold that for every kind of record."""
    today = today or timezone.localdate()
    return stored_status(trainee, today) or build_status(trainee, today, evidence=False)


def _status(trainee: Trainee, records: StatusRecords, today: date) -> TraineeStatus:
    """The figures from the trainee's records (no queries)."""
    from portfolio.iup import iup_due

    regulation = trainee.regulation
    service, leave = records.service, records.leave
    counted = counted_leave(trainee)
    done = timecalc.fte_months(service, leave, counted, until=today + timedelta(days=1))
    planned = timecalc.fte_months(service, leave, counted)
    required = trainee.required_fte_months

    policy = policy_for(trainee.unit.region)
    windows = [
        SupervisionWindow(weeks, figure.hours, figure.expected_hours, figure.meets_norm)
        for weeks, figure in supervision_windows(
            records.meetings, service, leave, float(policy.supervision_hours_per_week), today
        )
    ]

    # Mitt-i-ST: halfway through the minimum time, inside SFAM's window, ordered the
    # region's lead time before (assessments.midterm has the rule).
    mid = records.mid_term
    mid_dates = mid_term_dates(
        service, leave, counted, required, policy.mid_st_lead_time_months, mid.desired_date if mid else None
    )
    visit_due = next_visit_due(records.last_visit, trainee.st_start, policy.annual_visit_interval_months)
    assessments = _assessment_figures(records.signed_assessments, trainee.st_start, service, leave, policy, today)
    statements = records.statements
    signed_days = [timezone.localdate(signed_at) for _end, signed_at, _track, _risk in statements]
    due_statement = statement_due(signed_days, visit_due, policy.annual_visit_interval_months, today)
    latest_statement = StatementSummary(statements[0][0], signed_days[0], *statements[0][2:]) if statements else None

    plans = records.plans
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
        # The same computation as the Mitt-i-ST's end of ST: done once.
        minimum_reached_on=mid_dates.st_end,
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
        goals=_goal_evidence(records),
        assessments_by_half_year=assessments[0],
        sit_ins_by_quarter=assessments[1],
        latest_statement=latest_statement,
        statement_due=due_statement.due,
        statement_done=due_statement.done,
        statement_overdue=due_statement.overdue,
        specialist_panel_date=records.panel_date,
        open_action_plan=records.open_action_plan,
        action_plan_follow_up=records.action_plan_follow_up,
    )


@dataclass
class AssessmentFigures:
    policy_per_half_year: int
    policy_sit_ins_per_quarter: int
    half_years: list[PeriodFigure]
    quarters: list[PeriodFigure]


def assessment_figures(trainee: Trainee, today: date | None = None) -> AssessmentFigures:
    """The frequency figures alone, for the kompetensvärderingar page (four queries)."""
    today = today or timezone.localdate()
    policy = policy_for(trainee.unit.region)
    signed = Assessment.objects.filter(trainee=trainee, status=SignedStatus.SIGNED).order_by()
    half_years, quarters = _assessment_figures(
        list(signed.values_list("date", "kind", "assessor_role")),
        trainee.st_start,
        service_intervals(trainee),
        leave_intervals(trainee),
        policy,
        today,
    )
    return AssessmentFigures(policy.assessments_per_half_year, policy.sit_ins_per_quarter, half_years, quarters)


def _assessment_figures(signed, first, service, leave, policy, today):
    """Signed kompetensvärderingar (date, kind, assessor role) per half-year from the start of
    ST `first`, and medsittningar by a handledare per quarter, against the region's norms
    pro-rated for part-time and leave."""
    sit_ins = [day for day, kind, role in signed if kind == AssessmentKind.SIT_IN and role == AssessorRole.SUPERVISOR]
    return (
        half_year_figures(
            [day for day, _kind, _role in signed], service, leave, policy.assessments_per_half_year, first, today
        ),
        quarter_figures(sit_ins, service, leave, policy.sit_ins_per_quarter, first, today),
    )


def _goal_evidence(records: StatusRecords):
    evidence = {goal.pk: GoalEvidence(goal.code, goal.title, goal.curriculum) for goal in records.goals}
    for name, linked in (
        ("service", records.periods),
        ("courses", records.courses),
        ("activities", records.activities),
    ):
        for label, goal_ids in linked:
            for goal_id in goal_ids:
                if goal_id in evidence:
                    getattr(evidence[goal_id], name).append(label)
    for goal_id, count in records.assessments_per_goal.items():
        if goal_id in evidence:
            evidence[goal_id].assessments += count
    for goal_id, count in records.meetings_per_goal.items():
        if goal_id in evidence:
            evidence[goal_id].supervision_meetings += count
    current = next((plan for plan in reversed(records.plans) if plan.status == "approved"), None)
    if current is not None:
        for goal_id in records.plan_goals.get(current.pk, ()):
            if goal_id in evidence:
                evidence[goal_id].in_current_iup = True
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
