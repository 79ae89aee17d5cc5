"""Calendar-correct time: full-time months of service and handledning against the norm.

Pure functions over plain data; no database. FTE months are counted per calendar
month: a day of service at p % in a month of n days adds p/100/n months. Leave whose
kind does not count as service removes its share of the days it covers. The
functions split time into segments at every start, end and month boundary, so
the cost grows with the number of periods, not the number of days.
"""

import bisect
import functools
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Interval:
    """A period of service (kind = service kind) or of leave (kind = leave kind); end inclusive."""

    start: date
    end: date
    percent: int
    kind: str = ""

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass
class FteSummary:
    by_month: dict[tuple[int, int], dict[str, float]] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(sum(kinds.values()) for kinds in self.by_month.values())

    @property
    def by_kind(self) -> dict[str, float]:
        totals = defaultdict(float)
        for kinds in self.by_month.values():
            for kind, value in kinds.items():
                totals[kind] += value
        return dict(totals)

    @property
    def by_year(self) -> dict[int, float]:
        totals = defaultdict(float)
        for (year, _month), kinds in self.by_month.items():
            totals[year] += sum(kinds.values())
        return dict(sorted(totals.items()))


def days_in_month(day: date) -> int:
    return _month_length(day.year, day.month)


@functools.cache
def _month_length(year: int, month: int) -> int:
    # Cached: the time functions ask for it once per segment, thousands of times a batch.
    next_month = date(year + month // 12, month % 12 + 1, 1)
    return (next_month - date(year, month, 1)).days


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (or earlier), clamped to the month's last day:
    31 August + 6 months is 28 or 29 February."""
    index = day.month - 1 + months
    first = date(day.year + index // 12, index % 12 + 1, 1)
    return first.replace(day=min(day.day, days_in_month(first)))


def _next_month_start(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _segments(intervals: list[Interval], until: date | None):
    """Yield (start, days) for each stretch in which the set of active intervals is constant
    and which lies within one calendar month; stops before `until` if given."""
    if not intervals:
        return
    points = set()
    for interval in intervals:
        points.add(interval.start)
        points.add(interval.end + ONE_DAY)
    first, last = min(points), max(points)
    month = date(first.year, first.month, 1)
    while month <= last:
        points.add(month)
        month = _next_month_start(month)
    if until is not None:
        points.add(until)
    ordered = sorted(points)
    for start, stop in itertools.pairwise(ordered):
        if until is not None and start >= until:
            return
        yield start, (stop - start).days


def _rates_on(service: list[Interval], leave: list[Interval], counted_leave: set[str]):
    """The full-time share per service kind on a day, after capping at full time and removing
    leave, as a function of the day for a loop over the segments of one set of intervals.

    The rates change only on a day an interval starts or the day after one ends, so between
    two such days (a stretch that the segments cut at every month boundary) the rates of the
    stretch's first day are reused. The shares are added in the same order as always, so every
    sum is the same to the last bit.
    """
    shares = [(interval.start, interval.end, interval.percent / 100, interval.kind) for interval in service]
    away_shares = [(i.start, i.end, i.percent / 100) for i in leave if i.kind not in counted_leave]
    changes = sorted({i.start for i in (*service, *leave)} | {i.end + ONE_DAY for i in (*service, *leave)})
    # The rates last computed, valid from `since` up to (not including) `until`: no change between.
    since, until, known = date.max, date.min, {}

    def rates(day: date) -> dict[str, float]:
        nonlocal since, until, known
        if not (since <= day < until):
            following = bisect.bisect_right(changes, day)
            since, until = day, changes[following] if following < len(changes) else date.max
            known = compute(day)
        return known

    def compute(day: date) -> dict[str, float]:
        by_kind = {}
        for start, end, share, kind in shares:
            if start <= day <= end:
                by_kind[kind] = by_kind.get(kind, 0.0) + share
        total = sum(by_kind.values())
        if total == 0:
            return {}
        worked = min(total, 1.0)
        away = sum(share for start, end, share in away_shares if start <= day <= end)
        factor = max(0.0, worked - away) / total
        return {kind: share * factor for kind, share in by_kind.items()}

    return rates


def fte_months(
    service: Iterable[Interval],
    leave: Iterable[Interval] = (),
    counted_leave: Iterable[str] = (),
    until: date | None = None,
) -> FteSummary:
    """Full-time months per calendar month and service kind; only days before `until` if given."""
    service, leave, counted = list(service), list(leave), set(counted_leave)
    summary = FteSummary()
    rates_on = _rates_on(service, leave, counted)
    for start, days in _segments(service + leave, until):
        rates = rates_on(start)
        if not rates:
            continue
        month = summary.by_month.setdefault((start.year, start.month), defaultdict(float))
        for kind, rate in rates.items():
            month[kind] += rate * days / days_in_month(start)
    summary.by_month = {key: dict(value) for key, value in sorted(summary.by_month.items())}
    return summary


def date_minimum_reached(
    service: Iterable[Interval], leave: Iterable[Interval], counted_leave: Iterable[str], required: float
) -> date | None:
    """The day on which the recorded and planned service reaches `required` months, if it does."""
    service, leave, counted = list(service), list(leave), set(counted_leave)
    done = 0.0
    rates_on = _rates_on(service, leave, counted)
    for start, days in _segments(service + leave, None):
        per_day = sum(rates_on(start).values()) / days_in_month(start)
        if per_day <= 0:
            continue
        if done + per_day * days >= required - 1e-9:
            return start + timedelta(days=max(0, math.ceil((required - done) / per_day - 1e-9) - 1))
        done += per_day * days
    return None


def projected_end(done: float, required: float, percent: int, from_day: date) -> date | None:
    """When `required` months are reached working `percent` % from `from_day`, having `done` already."""
    remaining = required - done
    if remaining <= 0:
        return from_day - ONE_DAY
    if percent <= 0:
        return None
    rate = percent / 100
    cursor = from_day
    while True:
        month_days = days_in_month(cursor)
        days_left = month_days - cursor.day + 1
        month_value = rate * days_left / month_days
        if month_value >= remaining - 1e-9:
            return cursor + timedelta(days=max(0, math.ceil(remaining * month_days / rate - 1e-9) - 1))
        remaining -= month_value
        cursor = _next_month_start(cursor)


# --- handledning ------------------------------------------------------------


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _in_service_and_not_on_leave(service: list[Interval], leave: list[Interval], monday: date) -> bool:
    """A week counts when on some weekday the trainee is in service and not on full-time leave."""
    for offset in range(5):
        day = monday + timedelta(days=offset)
        in_service = any(i.covers(day) for i in service)
        on_leave = sum(i.percent for i in leave if i.covers(day)) >= 100
        if in_service and not on_leave:
            return True
    return False


@dataclass(frozen=True)
class SupervisionFigure:
    hours: float
    expected_hours: float
    weeks: int

    @property
    def ratio(self) -> float | None:
        return None if self.expected_hours == 0 else self.hours / self.expected_hours

    @property
    def meets_norm(self) -> bool | None:
        return None if self.expected_hours == 0 else self.hours + 1e-9 >= self.expected_hours


def supervision_figure(
    meetings: Iterable[tuple[date, int]],
    service: Iterable[Interval],
    leave: Iterable[Interval],
    norm_hours_per_week: float,
    first_week: date,
    last_week: date,
) -> SupervisionFigure:
    """Hours of handledning in the weeks from `first_week` to `last_week` (Mondays, inclusive)
    against the norm times the weeks of service in that span; weeks on leave are left out."""
    service, leave = list(service), list(leave)
    weeks = 0
    monday = first_week
    while monday <= last_week:
        if _in_service_and_not_on_leave(service, leave, monday):
            weeks += 1
        monday += timedelta(weeks=1)
    span_end = last_week + timedelta(days=6)
    minutes = sum(m for day, m in meetings if first_week <= day <= span_end)
    return SupervisionFigure(hours=minutes / 60, expected_hours=weeks * float(norm_hours_per_week), weeks=weeks)


def supervision_last_weeks(meetings, service, leave, norm_hours_per_week, today: date, weeks: int):
    """The figure for the `weeks` most recent weeks, ending with the week of `today`."""
    last = week_start(today)
    return supervision_figure(meetings, service, leave, norm_hours_per_week, last - timedelta(weeks=weeks - 1), last)


def supervision_by_month(meetings, service, leave, norm_hours_per_week, first: date, last: date):
    """{(year, month): SupervisionFigure} for each month from `first` to `last`; a week belongs
    to the month of its Monday."""
    meetings = list(meetings)
    result = {}
    month = date(first.year, first.month, 1)
    while month <= last:
        next_month = _next_month_start(month)
        first_monday = week_start(month) if month.weekday() == 0 else week_start(month) + timedelta(weeks=1)
        last_monday = week_start(next_month - ONE_DAY)
        month_meetings = [(d, m) for d, m in meetings if month <= d < next_month]
        figure = supervision_figure(month_meetings, service, leave, norm_hours_per_week, first_monday, last_monday)
        # Hours are counted by the meeting's date, weeks by their Monday.
        result[(month.year, month.month)] = SupervisionFigure(
            hours=sum(m for _d, m in month_meetings) / 60, expected_hours=figure.expected_hours, weeks=figure.weeks
        )
        month = next_month
    return result
