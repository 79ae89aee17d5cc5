"""Calendar-correct time on hand-made timelines, without a database."""

from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

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


# --- the segment arithmetic against counting day by day

FIRST_DAY = date(2023, 1, 1)


@st.composite
def intervals(draw, kinds, max_size):
    found = []
    for _ in range(draw(st.integers(0, max_size))):
        start = FIRST_DAY + timedelta(days=draw(st.integers(0, 900)))
        end = start + timedelta(days=draw(st.integers(0, 400)))
        found.append(Interval(start, end, draw(st.sampled_from([20, 50, 75, 100])), draw(st.sampled_from(kinds))))
    return found


def by_day(service, leave, counted, until):
    """Full-time months per (year, month) and kind, adding up one day at a time."""
    totals = {}
    days = [i.start for i in service + leave] + [i.end for i in service + leave]
    if not days:
        return totals
    day, last = min(days), max(days)
    while day <= last and (until is None or day < until):
        shares = {}
        for interval in service:
            if interval.start <= day <= interval.end:
                shares[interval.kind] = shares.get(interval.kind, 0) + interval.percent / 100
        total = sum(shares.values())
        if total:
            away = sum(i.percent / 100 for i in leave if i.kind not in counted and i.start <= day <= i.end)
            factor = max(0.0, min(total, 1.0) - away) / total
            month = totals.setdefault((day.year, day.month), {})
            for kind, share in shares.items():
                month[kind] = month.get(kind, 0) + share * factor / days_in_month(day)
        day += timedelta(days=1)
    return totals


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(
    service=intervals(["main", "side", "bt_primary"], 6),
    leave=intervals(["semester", "parental", "sick"], 3),
    until=st.one_of(st.none(), st.integers(0, 1400).map(lambda days: FIRST_DAY + timedelta(days=days))),
)
def test_fte_months_equal_counting_day_by_day(service, leave, until):
    """Segments reuse the rates of a stretch with no start or end in it; the sums stay those of
    counting each day."""
    counted = {"semester"}

    got = fte_months(service, leave, counted, until=until).by_month

    expected = by_day(service, leave, counted, until)
    assert set(got) == set(expected)
    for month, kinds in got.items():
        assert kinds == pytest.approx(expected[month], abs=1e-9), month


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(
    service=intervals(["main", "side"], 5),
    leave=intervals(["semester", "parental"], 3),
    share=st.floats(0.05, 0.95),
)
def test_the_minimum_is_reached_on_the_day_its_months_add_up(service, leave, share):
    counted = {"semester"}
    total = fte_months(service, leave, counted).total
    assume(total >= 0.1)
    required = total * share

    day = date_minimum_reached(service, leave, counted, required)

    assert day is not None
    assert fte_months(service, leave, counted, until=day + timedelta(days=1)).total >= required - 1e-6
    assert fte_months(service, leave, counted, until=day).total < required + 1e-6
