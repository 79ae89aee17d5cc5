"""How often something happened per calendar period, against a regional norm.

Pure functions over plain data; no database. The norms (kompetensvärderingar per
half-year, medsittningar per quarter) are written for a full-time trainee who works
the whole period; a trainee who works part-time or is on leave owes a share of it.

The share: `fte` is the months of presence in the period, counted by
`timecalc.fte_months` per calendar month of the period, with EVERY kind of
leave taken away (leave that counts as service time still means nobody was there to
be assessed). Then

    expected = norm × fte / months of the period, rounded half up to one decimal
    required = expected rounded half up to a whole number: floor(expected + 0.5)

`required` is rounded from the `expected` shown to the user (not from the unrounded
value), so the page never says "2.5 expected, 2 required". 80 % of a half-year with
the norm 4 gives 3.2 expected and 3 required; 50 % gives 2.0 and 2; 3 months of
parental leave in a full-time half-year gives 2.0 and 2.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from portfolio.timecalc import Interval, add_months, fte_months

ONE_DAY = timedelta(days=1)
HALF_YEAR_MONTHS = 6
QUARTER_MONTHS = 3


@dataclass(frozen=True)
class PeriodFigure:
    """One calendar half-year (Jan–Jun, Jul–Dec) or quarter, dates inclusive."""

    start: date
    end: date
    label: str  # "2025 H1" for half-years, "2025 K3" for quarters
    count: int  # qualifying events dated inside the period
    fte: float  # months of presence in the period
    expected: float  # the norm pro-rated by `fte`, one decimal
    required: int  # `expected` rounded half up
    in_progress: bool  # today falls inside the period
    meets_norm: bool | None  # None while open and not yet met, and when nothing is required


def half_year_figures(
    event_dates: Iterable[date],
    service: Iterable[Interval],
    leave: Iterable[Interval],
    norm_per_half_year: float,
    first_day: date,
    today: date,
) -> list[PeriodFigure]:
    """Events per calendar half-year from the one holding `first_day` to the one holding `today`, oldest first."""
    return _figures(event_dates, service, leave, norm_per_half_year, first_day, today, HALF_YEAR_MONTHS)


def quarter_figures(
    event_dates: Iterable[date],
    service: Iterable[Interval],
    leave: Iterable[Interval],
    norm_per_quarter: float,
    first_day: date,
    today: date,
) -> list[PeriodFigure]:
    """Events per calendar quarter from the one holding `first_day` to the one holding `today`, oldest first."""
    return _figures(event_dates, service, leave, norm_per_quarter, first_day, today, QUARTER_MONTHS)


def round_half_up(value: float, digits: int = 0) -> float:
    """Half up, not Python's half to even; a tiny margin keeps 2.4999999 (float noise) from rounding down."""
    scale = 10**digits
    return math.floor(value * scale + 0.5 + 1e-9) / scale


def _period_start(day: date, months: int) -> date:
    return date(day.year, (day.month - 1) // months * months + 1, 1)


def _label(start: date, months: int) -> str:
    number = (start.month - 1) // months + 1
    return f"{start.year} {'H' if months == HALF_YEAR_MONTHS else 'K'}{number}"


def _figures(event_dates, service, leave, norm, first_day, today, months) -> list[PeriodFigure]:
    dates = list(event_dates)
    # Months of presence are counted per calendar month and a period is whole months, so
    # one count over all the service gives each period's months as the sum of its own.
    presence = fte_months(service, leave, counted_leave=set()).by_month
    figures = []
    start = _period_start(first_day, months)
    while start <= today:
        end = add_months(start, months) - ONE_DAY
        fte = sum(sum(presence.get(_month(start, offset), {}).values()) for offset in range(months))
        figures.append(_figure(start, end, months, sum(start <= d <= end for d in dates), fte, norm, today))
        start = end + ONE_DAY
    return figures


def _month(start: date, offset: int) -> tuple[int, int]:
    index = start.month - 1 + offset
    return (start.year + index // 12, index % 12 + 1)


def _figure(start, end, months, count, fte, norm, today) -> PeriodFigure:
    expected = round_half_up(float(norm) * fte / months, 1)
    required = int(round_half_up(expected))
    in_progress = start <= today <= end
    if required == 0:
        meets = None
    elif count >= required:
        meets = True
    else:
        meets = None if in_progress else False
    return PeriodFigure(start, end, _label(start, months), count, fte, expected, required, in_progress, meets)
