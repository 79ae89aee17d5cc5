"""Tjänsteförteckning and handledning: the queries that feed `timecalc`, and the figures built from it.

Every number on the two pages comes from `portfolio.timecalc`; this module only reads
the records (one query per model) and turns them into `Interval`s and plain figures.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Prefetch, Q

from accounts.domain import policy_for, record_event
from accounts.enums import Role
from accounts.models import Membership, User
from portfolio import timecalc
from portfolio.enums import ServiceKind
from portfolio.models import Goal, Leave, ServicePeriod, SupervisionMeeting

ONE_DAY = timedelta(days=1)
SUPERVISION_WINDOWS = (8, 26)
CHART_MONTHS = 12


# --- reading records --------------------------------------------------------


def service_periods(trainee):
    """The trainee's tjänstgöringar for the list, with what each row shows (one query)."""
    return (
        ServicePeriod.objects.filter(trainee=trainee)
        .select_related("unit", "specialty", "supervisor")
        .order_by("start", "end", "pk")
    )


def leaves(trainee):
    return Leave.objects.filter(trainee=trainee).order_by("start", "end", "pk")


def as_intervals(records, kind=None):
    """`Interval`s from records with start, end, percent and kind; `kind(record)` overrides the kind."""
    return [timecalc.Interval(r.start, r.end, r.percent, kind(r) if kind else r.kind) for r in records]


# The models' default ordering starts with "trainee", which sorts by the trainee's name and
# so joins two tables; the queries here give their own order (or none) to avoid that.


def service_intervals(trainee):
    """The trainee's tjänstgöringar as `Interval`s, in one query."""
    rows = ServicePeriod.objects.filter(trainee=trainee).order_by().values_list("start", "end", "percent", "kind")
    return [timecalc.Interval(*row) for row in rows]


def leave_intervals(trainee):
    """The trainee's ledigheter as `Interval`s, in one query."""
    rows = Leave.objects.filter(trainee=trainee).order_by().values_list("start", "end", "percent", "kind")
    return [timecalc.Interval(*row) for row in rows]


def supervision_meetings(trainee):
    """Handledning for the list, newest first, with handledare and delmål (no per-row queries)."""
    goals = Goal.objects.order_by("-curriculum__kind", "position")
    return (
        SupervisionMeeting.objects.filter(trainee=trainee)
        .select_related("supervisor")
        .prefetch_related(Prefetch("goals", queryset=goals))
        .order_by("-date", "-pk")
    )


def counted_leave(trainee) -> set[str]:
    """Kinds of leave that count as service under the trainee's regulation."""
    return set(trainee.regulation.counted_leave_kinds or [])


def supervisor_candidates(region, *current_ids):
    """People who can be named as handledare: those holding a handledare or specialist role in
    the trainee's region, plus the given people (the current value, the huvudhandledare) so an
    edit never loses them. A handledare elsewhere without an account is written by name."""
    roles = Membership.objects.filter(role__in=[Role.SUPERVISOR, Role.SPECIALIST], unit__region=region).values("user")
    wanted = Q(pk__in=roles)
    ids = [pk for pk in current_ids if pk]
    if ids:
        wanted |= Q(pk__in=ids)
    return User.objects.filter(wanted).order_by("name")


# --- tjänsteförteckning -----------------------------------------------------


@dataclass(frozen=True)
class Total:
    """A row of a totals table: months done up to today and including planned periods."""

    label: object
    done: float
    planned: float


@dataclass(frozen=True)
class ServiceSummary:
    """Full-time months: `done` up to and including today, `planned` with every recorded period
    (past and future); `by_period` maps a tjänstgöring's pk to its share of `planned`."""

    required: int
    done: float
    planned: float
    by_kind: list[Total]
    by_year: list[Total]
    by_period: dict[int, float]
    reached_on: date | None
    last_end: date | None

    @property
    def remaining(self) -> float:
        """Months still missing after the recorded plan (0 when it reaches the minimum)."""
        return max(0.0, self.required - self.planned)

    @property
    def plan_reaches_minimum(self) -> bool:
        return self.reached_on is not None


def service_summary(trainee, periods, leave_records, today: date) -> ServiceSummary:
    """Totals of the tjänsteförteckning: done up to and including `today`, and with the planned periods."""
    service = as_intervals(periods)
    leave = as_intervals(leave_records)
    counted = counted_leave(trainee)
    required = trainee.required_fte_months
    done = timecalc.fte_months(service, leave, counted, until=today + ONE_DAY)
    planned = timecalc.fte_months(service, leave, counted)
    # Each row's share, computed with the rows as kinds so that overlapping periods and
    # leave are split exactly as in the totals (the rows add up to the total).
    per_row = timecalc.fte_months(as_intervals(periods, kind=lambda p: str(p.pk)), leave, counted).by_kind
    kinds_done, kinds_planned = done.by_kind, planned.by_kind
    years_done, years_planned = done.by_year, planned.by_year
    return ServiceSummary(
        required=required,
        done=done.total,
        planned=planned.total,
        by_kind=[
            Total(label, kinds_done.get(kind, 0.0), kinds_planned[kind])
            for kind, label in ServiceKind.choices
            if kind in kinds_planned
        ],
        by_year=[Total(year, years_done.get(year, 0.0), value) for year, value in years_planned.items()],
        by_period={p.pk: per_row.get(str(p.pk), 0.0) for p in periods},
        reached_on=timecalc.date_minimum_reached(service, leave, counted, required),
        last_end=max((p.end for p in periods), default=None),
    )


@dataclass(frozen=True)
class WhatIf:
    percent: int
    from_day: date
    reached_on: date | None


def what_if_start(last_end: date | None, today: date) -> date:
    """Where a what-if begins: the day after the last recorded period, or today if that period
    has ended (time in the past cannot be added)."""
    return today if last_end is None else max(last_end + ONE_DAY, today)


def what_if(summary: ServiceSummary, percent: int, today: date) -> WhatIf:
    """When the minimum is reached working `percent` % after the last recorded period."""
    from_day = what_if_start(summary.last_end, today)
    reached_on = timecalc.projected_end(summary.planned, summary.required, percent, from_day)
    return WhatIf(percent, from_day, reached_on)


def service_clash(trainee, start: date, end: date, percent: int, exclude_pk=None):
    """(day, periods) for the first day on which this period and the trainee's other periods
    together exceed full time, or None. The sum can only rise where a period starts, so
    checking the new start and every later start is enough."""
    others = ServicePeriod.objects.filter(trainee=trainee, start__lte=end, end__gte=start).select_related("unit")
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    others = list(others.order_by("start", "pk"))
    for day in sorted({start} | {o.start for o in others if o.start > start}):
        covering = [o for o in others if o.start <= day <= o.end]
        if percent + sum(o.percent for o in covering) > 100:
            return day, covering
    return None


def leave_clash(trainee, start: date, end: date, exclude_pk=None):
    """The first other ledighet of the trainee that overlaps these dates, or None."""
    others = Leave.objects.filter(trainee=trainee, start__lte=end, end__gte=start)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    return others.order_by("start", "pk").first()


# --- handledning ------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigure:
    month: date  # the first day of the month
    figure: timecalc.SupervisionFigure


@dataclass(frozen=True)
class SupervisionOverview:
    norm_hours_per_week: float
    windows: list[tuple[int, timecalc.SupervisionFigure]]
    months: list[MonthFigure]


def _until(intervals, today: date):
    """Intervals cut at `today`: weeks that have not begun yet are not owed handledning."""
    return [timecalc.Interval(i.start, min(i.end, today), i.percent, i.kind) for i in intervals if i.start <= today]


def _months_back(today: date, count: int) -> date:
    month_index = today.year * 12 + today.month - 1 - (count - 1)
    return date(month_index // 12, month_index % 12 + 1, 1)


def supervision_since(today: date) -> date:
    """The first day the handledning windows ending with the week of `today` look at."""
    return timecalc.week_start(today) - timedelta(weeks=max(SUPERVISION_WINDOWS) - 1)


def supervision_windows(meetings, service, leave, norm, today: date):
    """[(weeks, SupervisionFigure)] for the last 8 and 26 weeks; only service up to today counts,
    so the weeks ahead in a planned tjänstgöring do not raise the expected hours."""
    service = _until(service, today)
    return [
        (weeks, timecalc.supervision_last_weeks(meetings, service, leave, norm, today, weeks))
        for weeks in SUPERVISION_WINDOWS
    ]


def supervision_overview(trainee, today: date) -> SupervisionOverview:
    """Handledning against the region's norm: the last 8 and 26 weeks, and month by month
    for the last 12 months (four queries: policy, meetings, service, leave)."""
    norm = float(policy_for(trainee.unit.region).supervision_hours_per_week)
    meetings = list(SupervisionMeeting.objects.filter(trainee=trainee).order_by().values_list("date", "minutes"))
    service, leave = service_intervals(trainee), leave_intervals(trainee)
    windows = supervision_windows(meetings, service, leave, norm, today)
    service = _until(service, today)
    by_month = timecalc.supervision_by_month(meetings, service, leave, norm, _months_back(today, CHART_MONTHS), today)
    months = [MonthFigure(date(year, month, 1), figure) for (year, month), figure in by_month.items()]
    return SupervisionOverview(norm, windows, months)


# --- changes (each one leaves an audit event) ---------------------------------


@transaction.atomic
def save_record(form, actor):
    """Save a tjänstgöring, ledighet or handledning from its form and record who did it."""
    created = form.instance.pk is None
    record = form.save()
    action = f"{record._meta.model_name}.{'created' if created else 'changed'}"
    record_event(actor, action, record, fields=sorted(form.changed_data))
    return record


@transaction.atomic
def delete_record(record, actor):
    """Delete a record; the audit event keeps what it was."""
    record_event(actor, f"{record._meta.model_name}.deleted", record, record=str(record))
    record.delete()
