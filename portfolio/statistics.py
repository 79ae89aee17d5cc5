"""Statistik: follow-up figures per unit and over time, for those who lead units and for
administrators.

Each figure is a few aggregate queries (GROUP BY unit and period, Count/Sum with a filter),
never a query per trainee or per unit; only the median time to the specialist application
is computed in Python, over the durations fetched in one query. The functions return plain
dataclasses; the view and the template turn them into tables, charts and CSV.

Every figure counts an ST-läkare at their present unit (Trainee.unit): the records do not
say which unit a trainee belonged to in an earlier year.
"""

import statistics as stats
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Case, Count, Exists, F, FilteredRelation, Min, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.domain import is_national_administrator
from accounts.enums import Role
from accounts.models import Membership, RegionPolicy, Unit
from assessments.enums import SignedStatus
from assessments.models import Assessment, MidTermEvaluation
from portfolio.enums import PlanStatus
from portfolio.models import Application, ServicePeriod, SupervisionMeeting, Trainee

# A full-time year less vacation and public holidays: the weekly handledning norm times
# this is the yearly norm. An assumption, stated on the page.
WORKING_WEEKS_PER_YEAR = 44
DAYS_PER_MONTH = 365.25 / 12
DEFAULT_YEARS = 5
MAX_YEARS = 10
SUPERVISION_WINDOW_WEEKS = 8
LEADING_ROLES = (Role.STUDY_DIRECTOR, Role.UNIT_HEAD)
DEFAULT_IUP_DEADLINE = RegionPolicy._meta.get_field("iup_deadline_months").default


# --- Who sees what


def may_see_statistics(user) -> bool:
    """Studierektor, verksamhetschef/enhetschef and administrators; nobody else learns the page exists."""
    if not user.is_authenticated:
        return False
    if is_national_administrator(user):
        return True
    return user.memberships.filter(role__in=[*LEADING_ROLES, Role.ADMINISTRATOR]).exists()


def units_in_scope(user):
    """The units of the trainees the user may see, kept to the units the user leads or administers.

    The second condition keeps out a unit where the user is only a handledare (or the named
    studierektor of a single trainee): the page is about units, not about one's own trainees.
    """
    units = Unit.objects.filter(pk__in=Trainee.objects.visible_to(user).values("unit"))
    if not is_national_administrator(user):
        led = Membership.objects.filter(user=user, role__in=LEADING_ROLES).values("unit")
        regions = Membership.objects.filter(user=user, role=Role.ADMINISTRATOR).values("region")
        units = units.filter(Q(pk__in=led) | Q(region__in=regions))
    return units.select_related("region").order_by("name", "region__name")


# --- Plain data


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date
    in_progress: bool  # today falls inside it: the figure is not final


@dataclass(frozen=True)
class Cell:
    value: float | None  # the figure; None when there is nothing to measure
    numerator: float = 0  # what was counted: hours, assessments, approvals or visits on time
    denominator: int = 0  # ST-läkare, decided cases, visits or applications behind the value
    excluded: int = 0  # counted but left out of the share (not yet due, no target date)
    below_norm: bool = False  # a finished period under the regional norm
    digits: int = 1

    @property
    def text(self) -> str:
        return "–" if self.value is None else number_format(self.value, self.digits)

    @property
    def numerator_text(self) -> str:
        return number_format(self.numerator, 1 if isinstance(self.numerator, float) else 0)


@dataclass
class Row:
    label: str
    unit_id: int | None  # None: every unit shown
    norm: float | None
    cells: list[Cell]

    @property
    def norm_text(self) -> str:
        return "–" if self.norm is None else number_format(self.norm, 1 if self.norm % 1 else 0)


@dataclass
class Figure:
    name: str
    periods: list[Period]
    rows: list[Row]  # one per unit, then "All units" when there is more than one
    percent: bool = False  # values are shares, 0–100
    as_of: date | None = None  # for figures read from the stored status

    @property
    def summary(self) -> Row | None:
        """The row a chart over time shows: the total, or the only unit."""
        return self.rows[-1] if self.rows else None

    @property
    def has_norm(self) -> bool:
        return any(row.norm is not None for row in self.rows)

    @property
    def has_below_norm(self) -> bool:
        return any(cell.below_norm for row in self.rows for cell in row.cells)


@dataclass
class Tally:
    """The raw counts behind one cell; tallies of units add up to the total's."""

    numerator: float = 0
    denominator: int = 0
    excluded: int = 0
    samples: list[float] = field(default_factory=list)

    def __add__(self, other):
        return Tally(
            self.numerator + other.numerator,
            self.denominator + other.denominator,
            self.excluded + other.excluded,
            self.samples + other.samples,
        )


@dataclass(frozen=True)
class Selection:
    units: list[Unit]
    first_year: int
    last_year: int

    @property
    def unit_ids(self) -> list[int]:
        return [unit.pk for unit in self.units]


def default_years(today: date) -> tuple[int, int]:
    return today.year - DEFAULT_YEARS + 1, today.year


def unit_label(unit: Unit, with_region: bool) -> str:
    return f"{unit.name} ({unit.region.name})" if with_region else unit.name


# --- Periods


def year_periods(first: int, last: int, today: date) -> list[Period]:
    return [
        Period(str(year), date(year, 1, 1), date(year, 12, 31), year == today.year)
        for year in range(first, last + 1)
        if date(year, 1, 1) <= today
    ]


def half_year_periods(first: int, last: int, today: date) -> list[Period]:
    periods = []
    for year in range(first, last + 1):
        halves = [(1, date(year, 1, 1), date(year, 6, 30)), (2, date(year, 7, 1), date(year, 12, 31))]
        for half, start, end in halves:
            if start <= today:
                periods.append(Period(f"{year} H{half}", start, end, start <= today <= end))
    return periods


# --- Assembling rows from tallies


def _rate(tally: Tally) -> float | None:
    return tally.numerator / tally.denominator if tally.denominator else None


def _share(tally: Tally) -> float | None:
    return 100 * tally.numerator / tally.denominator if tally.denominator else None


def _median(tally: Tally) -> float | None:
    return stats.median(tally.samples) if tally.samples else None


def _cell(tally: Tally, value_of, norm, period: Period, digits: int) -> Cell:
    value = value_of(tally)
    if value is not None:
        value = round(value, digits)
    below = norm is not None and value is not None and not period.in_progress and value < norm
    denominator = len(tally.samples) if value_of is _median else tally.denominator
    return Cell(value, round(tally.numerator, 1), denominator, tally.excluded, below, digits)


def _figure(name, selection, periods, tallies, value_of, *, norms=None, digits=1, percent=False, as_of=None):
    """One row per unit and, for more than one unit, a total over them (the tallies added up)."""
    with_region = len({unit.region_id for unit in selection.units}) > 1
    norms = norms or {}
    rows = []
    for unit in selection.units:
        norm = norms.get(unit.pk)
        cells = [
            _cell(tallies.get((unit.pk, index), Tally()), value_of, norm, period, digits)
            for index, period in enumerate(periods)
        ]
        rows.append(Row(unit_label(unit, with_region), unit.pk, norm, cells))
    if len(selection.units) > 1:
        unit_norms = {norms.get(unit.pk) for unit in selection.units}
        norm = unit_norms.pop() if len(unit_norms) == 1 else None
        cells = []
        for index, period in enumerate(periods):
            total = sum((tallies.get((unit.pk, index), Tally()) for unit in selection.units), Tally())
            cells.append(_cell(total, value_of, norm, period, digits))
        rows.append(Row(_("All units"), None, norm, cells))
    return Figure(name, periods, rows, percent, as_of)


def policies(units) -> dict[int, RegionPolicy]:
    """Each unit's regional policy, in one query; a region without one gets the defaults
    (unsaved: a page that only reads does not write)."""
    region_ids = {unit.region_id for unit in units}
    stored = {policy.region_id: policy for policy in RegionPolicy.objects.filter(region_id__in=region_ids)}
    by_region = {region_id: stored.get(region_id) or RegionPolicy(region_id=region_id) for region_id in region_ids}
    return {unit.pk: by_region[unit.region_id] for unit in units}


def _active_trainees(unit_ids, periods, records) -> dict[tuple[int, int], int]:
    """ST-läkare per unit and period who were in service (a tjänstgöring overlaps the period) or
    have one of `records` (a queryset with `trainee` and `date`) dated in it: one query,
    one conditional count per period."""
    counts = {}
    for index, period in enumerate(periods):
        serving = ServicePeriod.objects.filter(trainee=OuterRef("pk"), start__lte=period.end, end__gte=period.start)
        recorded = records.filter(trainee=OuterRef("pk"), date__range=(period.start, period.end))
        counts[f"p{index}"] = Count("pk", filter=Q(Exists(serving)) | Q(Exists(recorded)))
    rows = Trainee.objects.filter(unit__in=unit_ids).values("unit").annotate(**counts).order_by()
    return {(row["unit"], index): row[f"p{index}"] for row in rows for index in range(len(periods))}


def _per_trainee(event_totals, active) -> dict[tuple[int, int], Tally]:
    keys = set(event_totals) | set(active)
    return {key: Tally(event_totals.get(key, 0), active.get(key, 0)) for key in keys}


# --- 1. Handledning


def supervision_figure(selection: Selection, today: date, unit_policies=None) -> Figure:
    """Hours of handledning per ST-läkare and year, against the weekly norm × working weeks."""
    periods = year_periods(selection.first_year, selection.last_year, today)
    if not periods:
        return Figure("supervision", [], [])
    index = {period.start.year: number for number, period in enumerate(periods)}
    meetings = (
        SupervisionMeeting.objects.filter(
            trainee__unit__in=selection.unit_ids, date__range=(periods[0].start, periods[-1].end)
        )
        .values("trainee__unit", year=ExtractYear("date"))
        .annotate(minutes=Sum("minutes"))
        .order_by()
    )
    hours = {(row["trainee__unit"], index[row["year"]]): row["minutes"] / 60 for row in meetings}
    active = _active_trainees(selection.unit_ids, periods, SupervisionMeeting.objects.all())
    unit_policies = unit_policies or policies(selection.units)
    norms = {
        unit_id: float(policy.supervision_hours_per_week) * WORKING_WEEKS_PER_YEAR
        for unit_id, policy in unit_policies.items()
    }
    return _figure("supervision", selection, periods, _per_trainee(hours, active), _rate, norms=norms)


def supervision_now_figure(selection: Selection, today: date) -> Figure:
    """Share of ST-läkare whose handledning in the last eight weeks meets the norm, from the
    stored status; those with no norm to meet (no service in the window) are left out."""
    period = Period(_("Last 8 weeks"), today - timedelta(weeks=SUPERVISION_WINDOW_WEEKS), today, False)
    rows = (
        Trainee.objects.filter(unit__in=selection.unit_ids)
        .values("unit")
        .annotate(
            trainees=Count("pk"),
            meets=Count("pk", filter=Q(snapshot__supervision_meets_norm=True)),
            measured=Count("pk", filter=Q(snapshot__supervision_meets_norm__isnull=False)),
            as_of=Min("snapshot__computed_on"),
        )
        .order_by()
    )
    tallies, as_of = {}, []
    for row in rows:
        tallies[(row["unit"], 0)] = Tally(row["meets"], row["measured"], row["trainees"] - row["measured"])
        if row["as_of"]:
            as_of.append(row["as_of"])
    return _figure(
        "supervision_now", selection, [period], tallies, _share, digits=0, percent=True, as_of=min(as_of, default=None)
    )


# --- 2. Kompetensvärderingar


def assessments_figure(selection: Selection, today: date, unit_policies=None) -> Figure:
    """Signed kompetensvärderingar per ST-läkare and half-year, against the regional norm."""
    periods = half_year_periods(selection.first_year, selection.last_year, today)
    if not periods:
        return Figure("assessments", [], [])
    index = {(period.start.year, 1 if period.start.month == 1 else 2): n for n, period in enumerate(periods)}
    signed = Assessment.objects.filter(status=SignedStatus.SIGNED)
    half = Case(When(date__month__lte=6, then=Value(1)), default=Value(2))
    counts = (
        signed.filter(trainee__unit__in=selection.unit_ids, date__range=(periods[0].start, periods[-1].end))
        .values("trainee__unit", year=ExtractYear("date"), half=half)
        .annotate(count=Count("pk"))
        .order_by()
    )
    totals = {
        (row["trainee__unit"], index[(row["year"], row["half"])]): row["count"]
        for row in counts
        if (row["year"], row["half"]) in index
    }
    active = _active_trainees(selection.unit_ids, periods, signed)
    unit_policies = unit_policies or policies(selection.units)
    norms = {unit_id: float(policy.assessments_per_half_year) for unit_id, policy in unit_policies.items()}
    return _figure("assessments", selection, periods, _per_trainee(totals, active), _rate, norms=norms)


# --- 3. First IUP on time


def iup_figure(selection: Selection, today: date) -> Figure:
    """By the year ST started: the share whose first IUP was approved within the region's
    deadline (months after the start of ST, policy.iup_deadline_months).

    On time means approved on or before add_months(st_start, deadline), as on the trainee
    page; compared in whole calendar months and then by day, so it runs on any database.
    Not yet approved and the deadline still ahead: left out of the share (excluded).
    """
    periods = year_periods(selection.first_year, selection.last_year, today)
    if not periods:
        return Figure("iup", [], [])
    index = {period.start.year: number for number, period in enumerate(periods)}
    decided = "first_plan__decided_at"
    start_months = ExtractYear("st_start") * 12 + ExtractMonth("st_start")
    trainees = Trainee.objects.filter(
        unit__in=selection.unit_ids, st_start__range=(periods[0].start, periods[-1].end)
    ).alias(
        first_plan=FilteredRelation("plans", condition=Q(plans__version=1, plans__status=PlanStatus.APPROVED)),
        deadline=Coalesce("unit__region__policy__iup_deadline_months", Value(DEFAULT_IUP_DEADLINE)),
        to_decision=ExtractYear(decided) * 12 + ExtractMonth(decided) - start_months,
        decision_day=ExtractDay(decided),
        start_day=ExtractDay("st_start"),
        elapsed=Value(today.year * 12 + today.month) - start_months,
    )
    approved = Q(first_plan__decided_at__isnull=False)
    on_time = approved & (
        Q(to_decision__lt=F("deadline")) | Q(to_decision=F("deadline"), decision_day__lte=F("start_day"))
    )
    approved_late = approved & (
        Q(to_decision__gt=F("deadline")) | Q(to_decision=F("deadline"), decision_day__gt=F("start_day"))
    )
    overdue = Q(first_plan__isnull=True) & (
        Q(elapsed__gt=F("deadline")) | Q(elapsed=F("deadline"), start_day__lt=today.day)
    )
    rows = (
        trainees.values("unit", year=ExtractYear("st_start"))
        .annotate(
            trainees=Count("pk"),
            on_time=Count("pk", filter=on_time),
            late=Count("pk", filter=approved_late | overdue),
        )
        .order_by()
    )
    tallies = {}
    for row in rows:
        decided_count = row["on_time"] + row["late"]
        tallies[(row["unit"], index[row["year"]])] = Tally(
            row["on_time"], decided_count, row["trainees"] - decided_count
        )
    return _figure("iup", selection, periods, tallies, _share, digits=0, percent=True)


# --- 4. Mitt-i-ST on time


def midterm_figure(selection: Selection, today: date) -> Figure:
    """By the year of the visit: the share of Mitt-i-ST visits on or before the target date.

    The target is the stored status's (the wanted date when one is recorded, otherwise
    halfway through the minimum time inside SFAM's window); when the status has none, the
    wanted date on the evaluation. A visit with neither is left out of the share (excluded).
    """
    periods = year_periods(selection.first_year, selection.last_year, today)
    if not periods:
        return Figure("midterm", [], [])
    index = {period.start.year: number for number, period in enumerate(periods)}
    rows = (
        MidTermEvaluation.objects.filter(
            trainee__unit__in=selection.unit_ids, visit_date__range=(periods[0].start, periods[-1].end)
        )
        .alias(target=Coalesce("trainee__snapshot__mid_st_target", "desired_date"))
        .values("trainee__unit", year=ExtractYear("visit_date"))
        .annotate(
            visits=Count("pk"),
            on_time=Count("pk", filter=Q(visit_date__lte=F("target"))),
            unknown=Count("pk", filter=Q(target__isnull=True)),
        )
        .order_by()
    )
    tallies = {
        (row["trainee__unit"], index[row["year"]]): Tally(
            row["on_time"], row["visits"] - row["unknown"], row["unknown"]
        )
        for row in rows
    }
    return _figure("midterm", selection, periods, tallies, _share, digits=0, percent=True)


# --- 5. Time to the specialist application


def months_between(start: date, end: date) -> float:
    return (end - start).days / DAYS_PER_MONTH


def application_figure(selection: Selection, today: date) -> Figure:
    """By the year of the application: the median months from the start of ST to the first
    specialist application marked final (a pack marked final again later does not count twice)."""
    periods = year_periods(selection.first_year, selection.last_year, today)
    if not periods:
        return Figure("application", [], [])
    index = {period.start.year: number for number, period in enumerate(periods)}
    specialist = Application.objects.filter(kind="specialist")
    earlier = specialist.filter(trainee=OuterRef("trainee"), finalised_at__lt=OuterRef("finalised_at"))
    rows = (
        specialist.filter(
            trainee__unit__in=selection.unit_ids,
            finalised_at__date__range=(periods[0].start, periods[-1].end),
        )
        .filter(~Exists(earlier))
        .values_list("trainee__unit", "trainee__st_start", "finalised_at")
    )
    samples = defaultdict(list)
    for unit_id, st_start, finalised_at in rows:
        day = timezone.localdate(finalised_at)
        samples[(unit_id, index[day.year])].append(months_between(st_start, day))
    tallies = {key: Tally(samples=values) for key, values in samples.items()}
    return _figure("application", selection, periods, tallies, _median)


FIGURES = {
    "supervision": supervision_figure,
    "supervision_now": supervision_now_figure,
    "assessments": assessments_figure,
    "iup": iup_figure,
    "midterm": midterm_figure,
    "application": application_figure,
}


def figure(name: str, selection: Selection, today: date) -> Figure:
    return FIGURES[name](selection, today)


def all_figures(selection: Selection, today: date) -> dict[str, Figure]:
    """Every figure, the regional policies read once for the two with a norm."""
    unit_policies = policies(selection.units)
    return {
        "supervision": supervision_figure(selection, today, unit_policies),
        "supervision_now": supervision_now_figure(selection, today),
        "assessments": assessments_figure(selection, today, unit_policies),
        "iup": iup_figure(selection, today),
        "midterm": midterm_figure(selection, today),
        "application": application_figure(selection, today),
    }


# --- Charts: geometry for a horizontal bar chart drawn as SVG in the template

CHART_WIDTH = 320
CHART_TOP = 20  # room for the norm's label
CHART_BOTTOM = 6
SHORT_LABEL = 10  # longer labels (unit names) go above their bar


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    label_x: float
    label_y: float
    x: float
    y: float
    width: float
    height: float
    text_x: float
    text_y: float
    css: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    label_anchor: str  # "end" beside the bar, "start" above it
    norm_x: float | None
    norm_text: str
    norm_text_x: float
    norm_anchor: str
    baseline_x: float
    axis_top: float
    axis_bottom: float
    description: str

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def has_partial(self) -> bool:
        return any(bar.css == "bar-partial" and bar.width for bar in self.bars)

    @property
    def has_below(self) -> bool:
        return any(bar.css == "bar-below" for bar in self.bars)


def chart_points(figure: Figure) -> list[tuple[str, Cell, bool]]:
    """Over time: the total (or only unit) per period. One period: every row."""
    if len(figure.periods) == 1:
        return [(row.label, row.cells[0], False) for row in figure.rows]
    summary = figure.summary
    if summary is None:
        return []
    return [
        (period.label, cell, period.in_progress) for period, cell in zip(figure.periods, summary.cells, strict=True)
    ]


def bar_chart(figure: Figure) -> Chart:
    points = chart_points(figure)
    summary = figure.summary
    norm = summary.norm if summary is not None and len(figure.periods) > 1 else None
    above = any(len(label) > SHORT_LABEL for label, _cell, _partial in points)
    label_width, row_height, bar_offset = (0, 38, 16) if above else (68, 24, 4)
    bar_room = CHART_WIDTH - label_width - 52  # room for the printed value after the longest bar
    values = [cell.value for _label, cell, _partial in points if cell.value is not None]
    top = 100 if figure.percent else max([*values, norm or 0, 0]) or 1
    scale = bar_room / top
    bars = []
    for number, (label, cell, partial) in enumerate(points):
        row_y = CHART_TOP + number * row_height
        width = (cell.value or 0) * scale
        css = "bar-partial" if partial else "bar-below" if cell.below_norm else "bar"
        text = f"⚠ {cell.text}" if cell.below_norm else cell.text
        bar_y = row_y + bar_offset
        bars.append(
            Bar(
                label=label,
                text=text,
                label_x=label_width - 4 if not above else 0,
                label_y=(row_y + 12) if above else (bar_y + 12),
                x=label_width,
                y=bar_y,
                width=round(width, 1),
                height=16,
                text_x=round(label_width + width + 4, 1),
                text_y=bar_y + 12,
                css=css,
            )
        )
    height = CHART_TOP + len(points) * row_height + CHART_BOTTOM
    norm_x = round(label_width + norm * scale, 1) if norm is not None else None
    near_right = norm_x is not None and norm_x > CHART_WIDTH - 60
    norm_text = _("norm %(value)s") % {"value": summary.norm_text} if norm is not None else ""
    description = "; ".join(f"{label}: {_described(cell, partial)}" for label, cell, partial in points)
    if norm_text:
        description = f"{description}; {norm_text}"
    return Chart(
        width=CHART_WIDTH,
        height=height,
        bars=bars,
        label_anchor="start" if above else "end",
        norm_x=norm_x,
        norm_text=norm_text,
        norm_text_x=norm_x if norm_x is not None else 0,
        norm_anchor="end" if near_right else "middle",
        baseline_x=label_width,
        axis_top=CHART_TOP - 6,
        axis_bottom=height - CHART_BOTTOM,
        description=description,
    )


def _described(cell: Cell, partial: bool) -> str:
    if cell.below_norm:
        return _("%(value)s, below the norm") % {"value": cell.text}
    if partial:
        return _("%(value)s, in progress") % {"value": cell.text}
    return cell.text
