"""The timeline's geometry: sizes, the dataclasses the template prints, and pure helpers."""

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.formats import number_format

from portfolio import timecalc
from portfolio.enums import ServiceKind

ONE_DAY = timedelta(days=1)
GAP_MIN_DAYS = 7

# Geometry, in SVG user units (the SVG scales to its container).
LABEL_WIDTH = 54
MONTH_WIDTH = 60
RIGHT_PAD = 6
HEADER_HEIGHT = 18
ROW_HEIGHT = 66
LANE1_TOP, LANE1_HEIGHT = 4, 24  # tjänstgöring and ledighet
LANE2_TOP, LANE2_HEIGHT = 32, 12  # kurser and activities
LANE3_TOP, LANE3_HEIGHT = 48, 16  # markers
FONT = 10  # block text; the stylesheet uses the same size
CHAR_WIDTH = 0.6 * FONT  # a generous average, so estimated text never overflows its block
MARKER_FONT = 9
MARKER_CHAR_WIDTH = 0.6 * MARKER_FONT
MIN_WIDTH = 2.5  # a one-day course is still visible
MIN_TEXT_HEIGHT = 11

SERVICE_CSS = {
    ServiceKind.MAIN: "tl-main",
    ServiceKind.SIDE: "tl-side",
    ServiceKind.BT_PRIMARY: "tl-bt-primary",
    ServiceKind.BT_ACUTE: "tl-bt-acute",
    ServiceKind.AUSKULTATION: "tl-auskultation",
}
BT_KINDS = {ServiceKind.BT_PRIMARY, ServiceKind.BT_ACUTE}


# --- the data the template prints ---------------------------------------------


@dataclass(frozen=True)
class Block:
    """A rectangle: a tjänstgöring, a ledighet, a kurs, an activity, a gap or an overlap."""

    css: str
    x: float
    y: float
    width: float
    height: float
    title: str
    text: str = ""
    text_x: float = 0.0
    text_y: float = 0.0
    url: str | None = None
    fill: str | None = None  # a pattern, as a presentation attribute (CSS url(#…) is unreliable)


@dataclass(frozen=True)
class Cell:
    """An empty month in lane 1 that links to a new tjänstgöring starting that month."""

    x: float
    y: float
    width: float
    height: float
    url: str
    title: str
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Marker:
    """A shape in lane 3: `shape` is "ticks" (a path), "diamond" or "triangle" (a polygon)."""

    kind: str
    css: str
    shape: str
    title: str
    points: str = ""
    path: str = ""
    text: str = ""
    text_x: float = 0.0
    text_y: float = 0.0


@dataclass(frozen=True)
class Line:
    """A vertical line across one year row: BT, ST, today, projected end, what-if end."""

    kind: str
    css: str
    title: str
    x: float
    y1: float
    y2: float
    text: str = ""
    text_x: float = 0.0
    text_y: float = 0.0


@dataclass
class YearRow:
    year: int
    y: float
    label_x: float
    label_y: float
    months_text: str = ""
    months_title: str = ""
    months_y: float = 0.0
    cells: list[Cell] = field(default_factory=list)
    service: list[Block] = field(default_factory=list)
    leave: list[Block] = field(default_factory=list)
    warnings: list[Block] = field(default_factory=list)
    activities: list[Block] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)

    @property
    def blocks(self) -> list[Block]:
        """Drawing order: tjänstgöring, the ledighet over it, then lane 2."""
        return self.service + self.leave + self.activities


@dataclass(frozen=True)
class LegendItem:
    """`shape`: "rect", "tick", "diamond", "triangle" or "line"; `fill` a pattern reference."""

    shape: str
    css: str
    label: str
    fill: str | None = None


@dataclass(frozen=True)
class Stretch:
    """Days from `start` to `end` inclusive, with the summed percent for an overlap."""

    start: date
    end: date
    percent: int = 0

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass
class Timeline:
    dom_id: str
    width: float
    height: float
    title: str
    description: str
    months: list[tuple[float, float, str]]  # (x, y, name) of the header
    grid: str  # one path for every month and row line
    rows: list[YearRow]
    legend: list[LegendItem]
    warnings: list[str]
    gaps: list[Stretch]
    overlaps: list[Stretch]
    first_year: int
    last_year: int
    mid_st_target: date | None
    mid_st_order_by: date | None
    projected_end: date | None
    what_if_percent: int | None
    what_if_end: date | None

    @property
    def view_box(self) -> str:
        return f"0 0 {_n(self.width)} {_n(self.height)}"

    @property
    def title_id(self) -> str:
        return f"{self.dom_id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.dom_id}-desc"

    @property
    def hatch_id(self) -> str:
        return f"{self.dom_id}-hatch"

    @property
    def cross_id(self) -> str:
        return f"{self.dom_id}-cross"


# --- pure geometry and checks -------------------------------------------------


def _n(value: float) -> str:
    """A coordinate for SVG: a dot as decimal sign, whatever the language."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _round(value: float) -> float:
    return round(value, 2)


def month_x(month: int) -> float:
    return LABEL_WIDTH + (month - 1) * MONTH_WIDTH


def start_x(day: date) -> float:
    """The left edge of `day` in its year row."""
    return _round(month_x(day.month) + (day.day - 1) / timecalc.days_in_month(day) * MONTH_WIDTH)


def end_x(day: date) -> float:
    """The right edge of `day` (inclusive end dates end at the end of their day)."""
    return _round(month_x(day.month) + day.day / timecalc.days_in_month(day) * MONTH_WIDTH)


def mid_x(day: date) -> float:
    return _round(month_x(day.month) + (day.day - 0.5) / timecalc.days_in_month(day) * MONTH_WIDTH)


def row_y(year: int, first_year: int) -> float:
    return HEADER_HEIGHT + (year - first_year) * ROW_HEIGHT


def year_parts(start: date, end: date, first_year: int, last_year: int):
    """(year, start, end) of each calendar year that `start`–`end` touches, clipped to the rows."""
    for year in range(max(start.year, first_year), min(end.year, last_year) + 1):
        yield year, max(start, date(year, 1, 1)), min(end, date(year, 12, 31))


def tracks(spans: list[tuple[date, date]]) -> list[tuple[int, int]]:
    """(track, tracks in its cluster) for each span, so that spans sharing a day sit one
    above the other; a cluster is a run of spans that overlap each other transitively."""
    result = [(0, 1)] * len(spans)
    order = sorted(range(len(spans)), key=lambda i: (spans[i][0], spans[i][1]))
    cluster, cluster_end, track_ends = [], None, []

    def close():
        for index in cluster:
            result[index] = (result[index][0], len(track_ends))

    for index in order:
        start, end = spans[index]
        if cluster_end is not None and start > cluster_end:
            close()
            cluster, track_ends = [], []
        free = next((t for t, last in enumerate(track_ends) if last < start), None)
        if free is None:
            free = len(track_ends)
            track_ends.append(end)
        else:
            track_ends[free] = end
        result[index] = (free, 0)
        cluster.append(index)
        cluster_end = end if cluster_end is None else max(cluster_end, end)
    close()
    return result


def find_gaps(intervals: list[timecalc.Interval], st_start: date, min_days: int = GAP_MIN_DAYS) -> list[Stretch]:
    """Stretches of at least `min_days` days from `st_start` to the last recorded end with
    neither service nor leave."""
    gaps, cursor = [], st_start
    for interval in sorted(intervals, key=lambda i: i.start):
        if interval.end < cursor:
            continue
        if (interval.start - cursor).days >= min_days:
            gaps.append(Stretch(cursor, interval.start - ONE_DAY))
        cursor = max(cursor, interval.end + ONE_DAY)
    return gaps


def find_overlaps(service: list[timecalc.Interval]) -> list[Stretch]:
    """Stretches in which the tjänstgöringar add up to more than full time, each with its sum.
    The sum changes only where a period starts or ends, so the cost follows the periods."""
    points = sorted({i.start for i in service} | {i.end + ONE_DAY for i in service})
    stretches: list[Stretch] = []
    for start, stop in itertools.pairwise(points):
        total = sum(i.percent for i in service if i.covers(start))
        if total <= 100:
            continue
        last = stretches[-1] if stretches else None
        if last and last.percent == total and last.end + ONE_DAY == start:
            stretches[-1] = Stretch(last.start, stop - ONE_DAY, total)
        else:
            stretches.append(Stretch(start, stop - ONE_DAY, total))
    return stretches


def longest_free(left: float, right: float, covered: list[tuple[float, float]]) -> tuple[float, float]:
    """The longest part of `left`–`right` outside the sorted `covered` spans."""
    best, cursor = (left, left), left
    for start, end in covered:
        if end <= cursor:
            continue
        if start >= right:
            break
        if start - cursor > best[1] - best[0]:
            best = (cursor, start)
        cursor = max(cursor, end)
    if right - cursor > best[1] - best[0]:
        best = (cursor, right)
    return best


def _fits(text: str, width: float, char_width: float = CHAR_WIDTH) -> bool:
    return len(text) * char_width + 6 <= width


def _first_fitting(candidates, width: float) -> str:
    """The first candidate that fits, else the last one shortened with "…" (at least four letters)."""
    candidates = [text for text in candidates if text]
    fitting = next((text for text in candidates if _fits(text, width)), None)
    if fitting is not None or not candidates:
        return fitting or ""
    letters = int((width - 6) / CHAR_WIDTH) - 1
    return candidates[-1][:letters].rstrip(" ,-·") + "…" if letters >= 4 else ""


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _months(value: float) -> str:
    return number_format(value, 1)
