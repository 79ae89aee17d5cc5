"""The frequency norms as pure functions: hand-made timelines, no database."""

from datetime import date

import pytest

from assessments.frequency import PeriodFigure, half_year_figures, quarter_figures, round_half_up
from portfolio.timecalc import Interval

FULL_TIME_2025 = [Interval(date(2025, 1, 1), date(2025, 12, 31), 100, "main")]
NORM = 4


def figure(figures, label) -> PeriodFigure:
    return next(f for f in figures if f.label == label)


def test_full_time_half_years_owe_the_whole_norm():
    events = [date(2025, 1, 15), date(2025, 2, 1), date(2025, 3, 3), date(2025, 6, 30), date(2025, 7, 1)]

    figures = half_year_figures(events, FULL_TIME_2025, [], NORM, date(2025, 1, 1), date(2025, 12, 31))

    assert [f.label for f in figures] == ["2025 H1", "2025 H2"]
    first, second = figures
    assert (first.start, first.end) == (date(2025, 1, 1), date(2025, 6, 30))
    assert (second.start, second.end) == (date(2025, 7, 1), date(2025, 12, 31))
    assert (first.count, first.fte, first.expected, first.required) == (4, pytest.approx(6.0), 6 * NORM / 6, 4)
    assert first.meets_norm is True
    assert first.in_progress is False
    # The last day of the year: the second half-year is still open and has one of four.
    assert (second.count, second.required, second.in_progress, second.meets_norm) == (1, 4, True, None)


def test_a_finished_period_below_the_norm_fails():
    figures = half_year_figures([date(2025, 2, 1)], FULL_TIME_2025, [], NORM, date(2025, 1, 1), date(2025, 7, 1))

    first = figure(figures, "2025 H1")
    assert (first.count, first.required, first.meets_norm) == (1, 4, False)


def test_half_time_owes_half_the_norm():
    service = [Interval(date(2025, 1, 1), date(2025, 6, 30), 50, "main")]
    events = [date(2025, 2, 1), date(2025, 5, 1)]

    (first,) = half_year_figures(events, service, [], NORM, date(2025, 1, 1), date(2025, 6, 30))

    assert first.fte == pytest.approx(3.0)
    assert (first.expected, first.required) == (2.0, 2)
    assert first.meets_norm is True


def test_eighty_percent_rounds_3_2_down_to_3():
    service = [Interval(date(2025, 1, 1), date(2025, 6, 30), 80, "main")]
    events = [date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)]

    (first,) = half_year_figures(events, service, [], NORM, date(2025, 1, 1), date(2025, 6, 30))

    assert first.fte == pytest.approx(4.8)
    assert (first.expected, first.required) == (3.2, 3)
    assert first.meets_norm is True


def test_leave_inside_a_period_lowers_what_is_owed():
    leave = [Interval(date(2025, 3, 1), date(2025, 5, 31), 100, "parental")]

    (first,) = half_year_figures([date(2025, 1, 10)], FULL_TIME_2025, leave, NORM, date(2025, 1, 1), date(2025, 6, 30))

    assert first.fte == pytest.approx(3.0)
    assert (first.expected, first.required) == (2.0, 2)
    # Every kind of leave counts as absence here, even kinds that count as service time.
    vacation = [Interval(date(2025, 3, 1), date(2025, 5, 31), 100, "vacation")]
    (same,) = half_year_figures([], FULL_TIME_2025, vacation, NORM, date(2025, 1, 1), date(2025, 6, 30))
    assert same.required == 2


def test_half_leave_for_one_month_rounds_half_up():
    # 5.5 months of presence: 4 × 5.5 / 6 = 3.67 → 3.7 expected, 4 required.
    leave = [Interval(date(2025, 4, 1), date(2025, 4, 30), 50, "parental")]

    (first,) = half_year_figures([], FULL_TIME_2025, leave, NORM, date(2025, 1, 1), date(2025, 6, 30))

    assert (first.expected, first.required) == (3.7, 4)


def test_a_period_straddling_the_start_of_st_is_pro_rated():
    service = [Interval(date(2025, 4, 1), date(2026, 12, 31), 100, "main")]
    events = [date(2025, 4, 15), date(2025, 5, 15)]

    figures = half_year_figures(events, service, [], NORM, date(2025, 4, 1), date(2025, 9, 1))

    assert [f.label for f in figures] == ["2025 H1", "2025 H2"]
    first = figures[0]
    assert first.start == date(2025, 1, 1)
    assert first.fte == pytest.approx(3.0)
    assert (first.count, first.required, first.meets_norm) == (2, 2, True)


def test_events_before_the_first_period_are_not_counted():
    events = [date(2024, 12, 31), date(2025, 3, 1)]

    figures = half_year_figures(events, FULL_TIME_2025, [], NORM, date(2025, 1, 1), date(2025, 12, 1))

    assert [f.count for f in figures] == [1, 0]


def test_the_current_period_is_open_until_met_then_met():
    today = date(2025, 5, 1)
    three = [date(2025, 1, 10), date(2025, 2, 10), date(2025, 3, 10)]

    (open_period,) = half_year_figures(three, FULL_TIME_2025, [], NORM, date(2025, 1, 1), today)
    (met,) = half_year_figures([*three, date(2025, 4, 10)], FULL_TIME_2025, [], NORM, date(2025, 1, 1), today)

    assert open_period.in_progress is True
    assert open_period.meets_norm is None
    assert met.in_progress is True
    assert met.meets_norm is True


def test_a_period_without_service_requires_nothing():
    service = [Interval(date(2025, 7, 1), date(2025, 12, 31), 100, "main")]

    figures = half_year_figures([], service, [], NORM, date(2025, 1, 1), date(2025, 12, 1))

    first = figure(figures, "2025 H1")
    assert (first.fte, first.expected, first.required, first.meets_norm) == (0.0, 0.0, 0, None)
    assert figure(figures, "2025 H2").required == 4


def test_overlapping_service_is_capped_at_full_time():
    service = [
        Interval(date(2025, 1, 1), date(2025, 6, 30), 100, "main"),
        Interval(date(2025, 1, 1), date(2025, 6, 30), 50, "side"),
    ]

    (first,) = half_year_figures([], service, [], NORM, date(2025, 1, 1), date(2025, 6, 30))

    assert first.required == 4


def test_nothing_when_the_first_day_is_after_today():
    assert half_year_figures([], FULL_TIME_2025, [], NORM, date(2026, 1, 1), date(2025, 6, 1)) == []


def test_quarters_with_the_sit_in_norm_of_two():
    events = [date(2025, 1, 5), date(2025, 3, 31), date(2025, 4, 1), date(2025, 8, 1), date(2025, 8, 2)]
    leave = [Interval(date(2025, 10, 1), date(2025, 11, 30), 100, "parental")]

    figures = quarter_figures(events, FULL_TIME_2025, leave, 2, date(2025, 1, 1), date(2025, 11, 15))

    assert [f.label for f in figures] == ["2025 K1", "2025 K2", "2025 K3", "2025 K4"]
    k1, k2, k3, k4 = figures
    assert (k1.start, k1.end) == (date(2025, 1, 1), date(2025, 3, 31))
    assert (k1.count, k1.required, k1.meets_norm) == (2, 2, True)
    assert (k2.count, k2.required, k2.meets_norm) == (1, 2, False)
    assert (k3.count, k3.required, k3.meets_norm) == (2, 2, True)
    # Two months of leave: 2 × 1 / 3 = 0.67 → 0.7 expected, 1 required; still open.
    assert (k4.expected, k4.required, k4.in_progress, k4.meets_norm) == (0.7, 1, True, None)


def test_quarters_from_a_start_in_the_middle_of_a_quarter():
    figures = quarter_figures([], FULL_TIME_2025, [], 2, date(2025, 5, 20), date(2025, 7, 1))

    assert [(f.label, f.start, f.end) for f in figures] == [
        ("2025 K2", date(2025, 4, 1), date(2025, 6, 30)),
        ("2025 K3", date(2025, 7, 1), date(2025, 9, 30)),
    ]


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [(2.5, 0, 3), (3.49, 0, 3), (0.45, 1, 0.5), (2.25, 1, 2.3), (3.2, 0, 3), (0.0, 0, 0)],
)
def test_rounding_is_half_up(value, digits, expected):
    assert round_half_up(value, digits) == expected
