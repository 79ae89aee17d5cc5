"""Calendar-correct time on hand-made timelines, without a database."""

from datetime import date

import pytest

from portfolio.timecalc import (
    Interval,
    date_minimum_reached,
    days_in_month,
    fte_months,
    projected_end,
    supervision_by_month,
    supervision_figure,
    supervision_last_weeks,
    week_start,
)

COUNTED = {"semester", "jourkomp"}


def service(start, end, percent=100, kind="main"):
    return Interval(date.fromisoformat(start), date.fromisoformat(end), percent, kind)


def leave(start, end, kind, percent=100):
    return Interval(date.fromisoformat(start), date.fromisoformat(end), percent, kind)


def test_one_full_calendar_year_is_twelve_months():
    assert fte_months([service("2024-01-01", "2024-12-31")]).total == pytest.approx(12.0)


def test_part_time_counts_in_proportion():
    summary = fte_months([service("2024-01-01", "2024-06-30"), service("2024-07-01", "2024-12-31", 50)])
    assert summary.total == pytest.approx(9.0)


def test_month_boundary_days_are_fractions_of_their_own_month():
    # 15 days of January (31) and 14 days of February 2023 (28).
    summary = fte_months([service("2023-01-17", "2023-02-14")])
    assert summary.by_month == {(2023, 1): {"main": pytest.approx(15 / 31)}, (2023, 2): {"main": pytest.approx(0.5)}}


def test_leap_year_february_has_29_days():
    summary = fte_months([service("2024-02-01", "2024-02-15")])
    assert summary.total == pytest.approx(15 / 29)
    assert days_in_month(date(2024, 2, 1)) == 29
    assert days_in_month(date(2100, 2, 1)) == 28


def test_leave_that_does_not_count_is_removed():
    summary = fte_months(
        [service("2024-01-01", "2024-12-31")], [leave("2024-03-01", "2024-03-31", "parental")], COUNTED
    )
    assert summary.total == pytest.approx(11.0)


def test_leave_that_counts_is_not_removed():
    summary = fte_months(
        [service("2024-01-01", "2024-12-31")], [leave("2024-07-01", "2024-07-31", "semester")], COUNTED
    )
    assert summary.total == pytest.approx(12.0)


def test_part_time_leave_removes_its_share():
    # Föräldraledig 20 % for a whole year at full time leaves 80 %.
    summary = fte_months(
        [service("2024-01-01", "2024-12-31")], [leave("2024-01-01", "2024-12-31", "parental", 20)], COUNTED
    )
    assert summary.total == pytest.approx(12 * 0.8)


def test_leave_cannot_remove_more_than_the_service():
    # 100 % sick leave during a 50 % placement removes the 50 %, not more.
    summary = fte_months(
        [service("2024-01-01", "2024-01-31", 50)], [leave("2024-01-01", "2024-01-31", "sick")], COUNTED
    )
    assert summary.total == pytest.approx(0.0)


def test_overlapping_service_is_capped_at_full_time_and_shared_between_kinds():
    summary = fte_months([service("2024-04-01", "2024-04-30", 100), service("2024-04-01", "2024-04-30", 50, "side")])
    assert summary.total == pytest.approx(1.0)
    assert summary.by_kind == {"main": pytest.approx(2 / 3), "side": pytest.approx(1 / 3)}


def test_totals_per_year_and_kind():
    summary = fte_months([service("2023-07-01", "2024-06-30"), service("2024-07-01", "2024-09-30", 100, "side")])
    assert summary.by_year == {2023: pytest.approx(6.0), 2024: pytest.approx(9.0)}
    assert summary.by_kind == {"main": pytest.approx(12.0), "side": pytest.approx(3.0)}


def test_until_counts_only_days_before_it():
    summary = fte_months([service("2024-01-01", "2024-12-31")], until=date(2024, 3, 16))
    assert summary.total == pytest.approx(2 + 15 / 31)


def test_gaps_between_periods_count_nothing():
    summary = fte_months([service("2024-01-01", "2024-01-31"), service("2024-03-01", "2024-03-31")])
    assert summary.total == pytest.approx(2.0)
    assert (2024, 2) not in summary.by_month


def test_no_periods_gives_zero():
    assert fte_months([]).total == 0


def test_date_minimum_reached_at_full_time():
    periods = [service("2020-01-01", "2026-12-31")]
    assert date_minimum_reached(periods, [], COUNTED, 60) == date(2024, 12, 31)


def test_date_minimum_reached_moves_with_leave_that_does_not_count():
    periods = [service("2020-01-01", "2026-12-31")]
    leaves = [leave("2021-03-01", "2021-03-31", "parental")]
    assert date_minimum_reached(periods, leaves, COUNTED, 60) == date(2025, 1, 31)


def test_date_minimum_not_reached_with_the_recorded_plan():
    assert date_minimum_reached([service("2024-01-01", "2024-12-31")], [], COUNTED, 60) is None


def test_projected_end_at_full_time_and_part_time():
    assert projected_end(done=58.0, required=60, percent=100, from_day=date(2025, 1, 1)) == date(2025, 2, 28)
    assert projected_end(done=59.0, required=60, percent=50, from_day=date(2025, 1, 1)) == date(2025, 2, 28)
    assert projected_end(done=59.5, required=60, percent=100, from_day=date(2024, 2, 1)) == date(2024, 2, 15)


def test_projected_end_when_already_done_or_not_working():
    assert projected_end(done=61, required=60, percent=100, from_day=date(2025, 1, 1)) == date(2024, 12, 31)
    assert projected_end(done=10, required=60, percent=0, from_day=date(2025, 1, 1)) is None


# --- handledning -------------------------------------------------------------

YEAR = [service("2024-01-01", "2024-12-31")]


def test_week_start_is_monday():
    assert week_start(date(2024, 5, 19)) == date(2024, 5, 13)


def test_one_hour_each_week_meets_the_norm():
    mondays = [date(2024, 3, 4 + 7 * n) for n in range(4)]
    figure = supervision_figure([(d, 60) for d in mondays], YEAR, [], 1.0, mondays[0], mondays[-1])
    assert (figure.hours, figure.expected_hours, figure.weeks) == (4.0, 4.0, 4)
    assert figure.meets_norm is True


def test_weeks_on_leave_are_left_out_of_the_norm():
    mondays = [date(2024, 7, 1 + 7 * n) for n in range(4)]
    leaves = [leave("2024-07-08", "2024-07-21", "semester")]
    figure = supervision_figure([(mondays[0], 60), (mondays[3], 60)], YEAR, leaves, 1.0, mondays[0], mondays[-1])
    assert (figure.weeks, figure.expected_hours, figure.meets_norm) == (2, 2.0, True)


def test_weeks_outside_service_are_left_out():
    figure = supervision_figure([], [service("2024-03-11", "2024-03-31")], [], 1.0, date(2024, 3, 4), date(2024, 3, 25))
    assert figure.weeks == 3
    assert figure.meets_norm is False
    assert figure.ratio == 0.0


def test_last_weeks_window_ends_with_this_week():
    meetings = [(date(2024, 5, 13), 90), (date(2024, 3, 1), 60)]
    figure = supervision_last_weeks(meetings, YEAR, [], 1.0, today=date(2024, 5, 15), weeks=8)
    assert (figure.weeks, figure.hours) == (8, 1.5)


def test_no_service_means_no_norm():
    figure = supervision_figure([], [], [], 1.0, date(2024, 1, 1), date(2024, 1, 29))
    assert figure.meets_norm is None
    assert figure.ratio is None


def test_by_month_counts_weeks_by_their_monday_and_hours_by_date():
    months = supervision_by_month([(date(2024, 4, 30), 60)], YEAR, [], 1.0, date(2024, 4, 1), date(2024, 5, 31))
    # April 2024 has Mondays 1, 8, 15, 22, 29; May has 6, 13, 20, 27.
    assert months[(2024, 4)].weeks == 5
    assert months[(2024, 4)].hours == 1.0
    assert months[(2024, 5)].weeks == 4
    assert months[(2024, 5)].hours == 0.0
