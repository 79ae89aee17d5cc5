"""The training timeline: geometry on hand-made records, warnings, links, queries and the SVG."""

import re
from datetime import date, timedelta
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.utils import translation

from portfolio import timecalc
from portfolio.enums import BTMode, LeaveKind, OtherActivityKind, RegulationCode, ServiceKind
from portfolio.models import Course, Leave, OtherActivity, ServicePeriod, SupervisionMeeting, Trainee
from portfolio.snapshot import build_status
from portfolio.timeline import MONTH_WIDTH, Stretch, build_timeline, find_gaps, find_overlaps, layout
from tests.factories import TraineeFactory, regulation

LABEL = layout.LABEL_WIDTH
TODAY = date(2024, 5, 10)


def _view(request, *args, **kwargs):
    return HttpResponse()


class WithLinks:
    """A URLconf with the edit pages the timeline links to (built elsewhere, so named here)."""

    urlpatterns = [
        path("t/<int:trainee_pk>/s/ny/", _view, name="service-create"),
        path("t/<int:trainee_pk>/s/<int:pk>/", _view, name="service-update"),
        path("t/<int:trainee_pk>/l/<int:pk>/", _view, name="leave-update"),
        path("t/<int:trainee_pk>/k/<int:pk>/", _view, name="course-update"),
        path("t/<int:trainee_pk>/a/<int:pk>/", _view, name="activity-update"),
    ]


class WithoutLinks:
    urlpatterns = []


def d(text):
    return date.fromisoformat(text)


def service(trainee, start, end, percent=100, kind=ServiceKind.MAIN, workplace="Björkdalens hälsocentral"):
    return ServicePeriod.objects.create(
        trainee=trainee, kind=kind, workplace=workplace, start=d(start), end=d(end), percent=percent
    )


def leave(trainee, start, end, kind=LeaveKind.PARENTAL, percent=100):
    return Leave.objects.create(trainee=trainee, kind=kind, start=d(start), end=d(end), percent=percent)


def build(trainee, today=TODAY, **kwargs):
    trainee = Trainee.objects.get(pk=trainee.pk)
    return build_timeline(trainee, build_status(trainee, today), today, **kwargs)


def row(result, year):
    return next(r for r in result.rows if r.year == year)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- pure helpers -------------------------------------------------------------


def test_day_edges_are_fractions_of_their_month():
    assert MONTH_WIDTH == 60
    assert layout.start_x(d("2024-03-15")) == pytest.approx(LABEL + 2 * 60 + 14 / 31 * 60, abs=0.01)
    assert layout.end_x(d("2024-05-31")) == pytest.approx(LABEL + 5 * 60)
    assert layout.end_x(d("2024-02-29")) == pytest.approx(LABEL + 2 * 60)  # leap day ends February


def test_gaps_of_seven_days_or_more_are_found():
    intervals = [
        timecalc.Interval(d("2024-01-01"), d("2024-01-31"), 100),
        timecalc.Interval(d("2024-02-08"), d("2024-02-29"), 100),  # 7 days missing: 1–7 Feb
        timecalc.Interval(d("2024-03-07"), d("2024-03-31"), 100),  # 6 days missing: 1–6 Mar
    ]
    assert find_gaps(intervals, d("2024-01-01")) == [Stretch(d("2024-02-01"), d("2024-02-07"))]


def test_gap_before_the_first_period_counts_from_the_start_of_st():
    intervals = [timecalc.Interval(d("2024-02-01"), d("2024-12-31"), 100)]
    assert find_gaps(intervals, d("2024-01-01")) == [Stretch(d("2024-01-01"), d("2024-01-31"))]


def test_overlaps_are_stretches_over_full_time_with_their_sum():
    periods = [
        timecalc.Interval(d("2024-01-01"), d("2024-06-30"), 100),
        timecalc.Interval(d("2024-03-01"), d("2024-03-31"), 50),
        timecalc.Interval(d("2024-03-16"), d("2024-04-15"), 25),
        timecalc.Interval(d("2024-07-01"), d("2024-12-31"), 50),
        timecalc.Interval(d("2024-07-01"), d("2024-12-31"), 50),  # exactly full time: fine
    ]
    assert find_overlaps(periods) == [
        Stretch(d("2024-03-01"), d("2024-03-15"), 150),
        Stretch(d("2024-03-16"), d("2024-03-31"), 175),
        Stretch(d("2024-04-01"), d("2024-04-15"), 125),
    ]


def test_overlapping_spans_get_tracks_and_others_the_whole_lane():
    spans = [
        (d("2024-01-01"), d("2024-03-31")),
        (d("2024-02-01"), d("2024-02-10")),
        (d("2024-03-01"), d("2024-03-05")),
        (d("2024-05-01"), d("2024-05-31")),
    ]
    assert layout.tracks(spans) == [(0, 2), (1, 2), (1, 2), (0, 1)]


def test_text_is_shortened_only_when_nothing_fits():
    assert layout.longest_free(0, 100, [(10, 20), (30, 90)]) == (0, 10)
    assert layout.longest_free(0, 100, [(10, 20), (50, 60)]) == (60, 100)
    assert layout._first_fitting(["Medicinkliniken, Norrmarks sjukhus", "Medicinkliniken"], 300) == (
        "Medicinkliniken, Norrmarks sjukhus"
    )
    assert layout._first_fitting(["Medicinkliniken, Norrmarks sjukhus", "Medicinkliniken"], 100) == "Medicinkliniken"
    assert layout._first_fitting(["Medicinkliniken"], 60) == "Medicink…"
    assert layout._first_fitting(["Medicinkliniken"], 20) == ""


# --- built from the database --------------------------------------------------


@pytest.mark.django_db
def test_one_row_per_year_from_the_start_of_st_to_the_last_date_shown(trainee):
    service(trainee, "2023-09-01", "2025-06-30")

    plain = build(trainee)
    what_if = build(trainee, what_if_percent=100)

    assert [r.year for r in plain.rows] == [2023, 2024, 2025]
    assert plain.projected_end is None  # 22 of 60 months recorded
    # 38 months missing at full time from 1 July 2025: reached 31 August 2028.
    assert what_if.what_if_end == d("2028-08-31")
    assert [r.year for r in what_if.rows] == [2023, 2024, 2025, 2026, 2027, 2028]
    assert [line.kind for line in row(what_if, 2028).lines] == ["what_if"]
    assert [r.y for r in what_if.rows] == [layout.HEADER_HEIGHT + i * layout.ROW_HEIGHT for i in range(6)]


@pytest.mark.django_db
def test_rows_reach_the_projected_end_of_st(trainee):
    service(trainee, "2023-09-01", "2028-12-31")

    result = build(trainee)

    assert result.projected_end == d("2028-08-31")  # 60 months from 1 September 2023
    assert result.last_year == 2028
    assert "end" in [line.kind for line in row(result, 2028).lines]


@pytest.mark.django_db
def test_a_period_starts_mid_march_and_ends_with_may(trainee):
    period = service(trainee, "2024-03-15", "2024-05-31")

    (block,) = row(build(trainee), 2024).service

    assert block.x == pytest.approx(LABEL + 2 * 60 + 14 / 31 * 60, abs=0.01)
    assert block.x + block.width == pytest.approx(LABEL + 5 * 60, abs=0.01)
    assert block.y == row(build(trainee), 2024).y + layout.LANE1_TOP
    assert block.height == layout.LANE1_HEIGHT
    assert period.workplace in block.title
    assert "2024-03-15–2024-05-31" in block.title
    assert block.text == "Björkdalens hälsocentral"


@pytest.mark.django_db
def test_a_period_over_new_year_is_split_into_two_rows(trainee):
    service(trainee, "2023-11-01", "2024-02-29")

    result = build(trainee)
    (before,) = row(result, 2023).service
    (after,) = row(result, 2024).service

    assert (before.x, before.x + before.width) == pytest.approx((LABEL + 10 * 60, LABEL + 12 * 60))
    assert (after.x, after.x + after.width) == pytest.approx((LABEL, LABEL + 2 * 60))
    assert before.title == after.title  # both halves name the whole period


@pytest.mark.django_db
def test_concurrent_part_time_periods_share_the_lane(trainee):
    service(trainee, "2024-01-01", "2024-06-30", percent=50)
    service(trainee, "2024-01-01", "2024-06-30", percent=50, workplace="Medicinkliniken")

    top, bottom = sorted(row(build(trainee), 2024).service, key=lambda b: b.y)

    assert top.height == bottom.height == layout.LANE1_HEIGHT / 2
    assert bottom.y == top.y + layout.LANE1_HEIGHT / 2


@pytest.mark.django_db
def test_leave_is_drawn_over_service_with_its_own_pattern_and_text(trainee):
    service(trainee, "2024-01-01", "2024-12-31")
    leave(trainee, "2024-01-01", "2024-01-28", kind=LeaveKind.VACATION)
    leave(trainee, "2024-02-01", "2024-05-31", kind=LeaveKind.PARENTAL, percent=20)
    leave(trainee, "2024-09-01", "2024-11-30", kind=LeaveKind.PARENTAL)

    result = build(trainee)
    vacation, part_time, parental = row(result, 2024).leave

    assert "tl-leave-counted" in vacation.css and vacation.fill == f"url(#{result.hatch_id})"
    assert "tl-leave-uncounted" in parental.css and parental.fill == f"url(#{result.cross_id})"
    assert vacation.text == "Semester"
    assert parental.text == "Föräldraledighet"
    assert "does not count as service" in parental.title
    assert "counts as service" in vacation.title and "not" not in vacation.title
    # 20 % leave covers a fifth of the lane, at the bottom.
    assert part_time.height == pytest.approx(layout.LANE1_HEIGHT / 5)
    assert part_time.y + part_time.height == pytest.approx(row(result, 2024).y + 4 + layout.LANE1_HEIGHT)
    # The tjänstgöring's text moves out from under full-time leave, not from under part-time leave.
    (block,) = row(result, 2024).service
    assert block.text == "Björkdalens hälsocentral"
    assert block.text_x == pytest.approx(vacation.x + vacation.width + 3)


@pytest.mark.django_db
def test_a_gap_of_ten_days_is_reported_and_one_of_three_is_not(trainee):
    service(trainee, "2023-09-01", "2023-12-31")
    service(trainee, "2024-01-11", "2024-03-31")
    service(trainee, "2024-04-04", "2024-06-30")

    result = build(trainee)

    assert result.gaps == [Stretch(d("2024-01-01"), d("2024-01-10"))]
    assert result.warnings == ["Gap 2024-01-01–2024-01-10 (10 days) with neither tjänstgöring nor ledighet"]
    (gap,) = row(result, 2024).warnings
    assert gap.css == "tl-gap"
    assert (gap.x, gap.x + gap.width) == pytest.approx((LABEL, LABEL + 10 / 31 * 60), abs=0.01)


@pytest.mark.django_db
def test_leave_closes_a_gap(trainee):
    service(trainee, "2023-09-01", "2023-12-31")
    leave(trainee, "2024-01-01", "2024-01-31", kind=LeaveKind.SICK)
    service(trainee, "2024-02-01", "2024-06-30")

    assert build(trainee).warnings == []


@pytest.mark.django_db
def test_service_over_full_time_is_reported(trainee):
    service(trainee, "2023-09-01", "2024-06-30")
    service(trainee, "2024-03-01", "2024-03-31", percent=50, workplace="Medicinkliniken")

    result = build(trainee)

    assert result.overlaps == [Stretch(d("2024-03-01"), d("2024-03-31"), 150)]
    assert result.warnings == ["Tjänstgöringar overlap 2024-03-01–2024-03-31: 150 % of full time"]
    assert [b.css for b in row(result, 2024).warnings] == ["tl-overlap"]


@pytest.mark.django_db
def test_mitt_i_st_is_when_half_the_required_months_are_reached(trainee):
    Trainee.objects.filter(pk=trainee.pk).update(st_start=d("2022-01-01"))
    service(trainee, "2022-01-01", "2027-12-31")

    result = build(trainee)

    # 60 months required (SOSFS 2015:8), full time from 1 January 2022: 30 months end 30 June 2024.
    assert result.mid_st_target == d("2024-06-30")
    expected = timecalc.date_minimum_reached([timecalc.Interval(d("2022-01-01"), d("2027-12-31"), 100)], [], (), 30)
    assert result.mid_st_target == expected
    # Ordered at least six months before (the region's default lead time).
    assert result.mid_st_order_by == d("2023-12-30")
    assert "mid_st" in [m.kind for m in row(result, 2024).markers]
    assert "mid_st_order" in [m.kind for m in row(result, 2023).markers]
    assert result.projected_end == d("2026-12-31")


@pytest.mark.django_db
def test_leave_that_does_not_count_moves_mitt_i_st(trainee):
    Trainee.objects.filter(pk=trainee.pk).update(st_start=d("2022-01-01"))
    service(trainee, "2022-01-01", "2027-12-31")
    leave(trainee, "2023-01-01", "2023-01-31", kind=LeaveKind.PARENTAL)
    leave(trainee, "2023-07-01", "2023-07-31", kind=LeaveKind.VACATION)  # counts: no shift

    assert build(trainee).mid_st_target == d("2024-07-31")


@pytest.mark.django_db
def test_today_line_is_on_the_row_of_today(trainee):
    service(trainee, "2023-09-01", "2025-06-30")

    result = build(trainee)

    todays = {r.year: [line for line in r.lines if line.kind == "today"] for r in result.rows}
    assert [year for year, lines in todays.items() if lines] == [2024]
    (line,) = todays[2024]
    assert line.x == pytest.approx(layout.mid_x(TODAY))
    assert line.y1 > row(result, 2024).y and line.y2 < row(result, 2024).y + layout.ROW_HEIGHT
    assert line.title == "Today, 2024-05-10"


@pytest.mark.django_db
def test_markers_for_handledning_and_the_iup(trainee):
    service(trainee, "2023-09-01", "2025-06-30")
    for day in ("2024-03-05", "2024-03-12", "2024-03-19"):
        SupervisionMeeting.objects.create(trainee=trainee, date=d(day), minutes=60)

    result = build(trainee)
    markers = {m.kind: m for m in row(result, 2024).markers}

    assert markers["supervision"].title == "Handledning March 2024: 3 meetings, 3.0 h"
    assert markers["supervision"].path.count("M") == 3
    # No IUP yet: the first is due six months after the start of ST and is overdue on 10 May 2024.
    assert markers["iup_overdue"].shape == "diamond"
    assert markers["iup_overdue"].title == "First IUP to be approved by 2024-03-01 (overdue)"
    assert "tl-iup-overdue" in markers["iup_overdue"].css
    assert "IUP overdue" in [item.label for item in result.legend]


@pytest.mark.django_db
def test_bt_lines_at_the_start_and_end_of_the_bt_placements(unit):
    trainee = TraineeFactory(
        unit=unit,
        regulation=regulation(RegulationCode.HSLF_FS_2021_8),
        bt_mode=BTMode.INTEGRATED,
        st_start=d("2023-03-01"),
    )
    service(trainee, "2023-03-01", "2023-08-31", kind=ServiceKind.BT_PRIMARY)
    service(trainee, "2023-09-01", "2023-12-31", kind=ServiceKind.BT_ACUTE, workplace="Akutmottagningen")
    service(trainee, "2024-01-01", "2028-12-31")

    result = build(trainee)
    bt = [line for line in row(result, 2023).lines if line.kind == "bt"]

    assert [line.title for line in bt] == ["BT starts 2023-03-01", "BT ends 2023-12-31"]
    # ST starts on the same day as BT: one visible text there, not two on top of each other.
    texts = {line.kind: line.text for line in row(result, 2023).lines if line.x == bt[0].x}
    assert sorted(texts) == ["bt", "st"] and sorted(texts.values()) == ["", "BT"]
    assert {b.css for b in row(result, 2023).service} == {"tl-bt-primary", "tl-bt-acute"}
    assert {"tl-bt-primary", "tl-bt-acute", "tl-line-bt"} <= {item.css for item in result.legend}


@pytest.mark.django_db
def test_courses_and_activities_in_the_second_lane(trainee):
    service(trainee, "2023-09-01", "2025-06-30")
    Course.objects.create(trainee=trainee, title="Konsultationskurs", start=d("2024-02-05"), end=d("2024-02-07"))
    OtherActivity.objects.create(
        trainee=trainee, kind=OtherActivityKind.TEACHING, title="Undervisning", start=d("2024-04-10")
    )

    course, activity = row(build(trainee), 2024).activities

    assert course.css == "tl-course" and course.title == "Kurs: Konsultationskurs, 2024-02-05–2024-02-07"
    assert activity.css == "tl-activity" and activity.title == "Teaching: Undervisning, 2024-04-10"
    assert course.y == row(build(trainee), 2024).y + layout.LANE2_TOP
    assert activity.width >= layout.MIN_WIDTH


@pytest.mark.django_db
def test_blocks_link_to_their_edit_pages_and_empty_months_to_a_new_period(trainee, settings):
    settings.ROOT_URLCONF = WithLinks
    period = service(trainee, "2023-09-01", "2024-05-31")
    absence = leave(trainee, "2024-02-01", "2024-02-29")
    course = Course.objects.create(trainee=trainee, title="Etik", start=d("2024-03-04"), end=d("2024-03-05"))
    activity = OtherActivity.objects.create(
        trainee=trainee, kind=OtherActivityKind.OTHER, title="ST-dag", start=d("2024-04-04")
    )

    result = build(trainee)
    year = row(result, 2024)

    assert year.service[0].url == f"/t/{trainee.pk}/s/{period.pk}/"
    assert year.leave[0].url == f"/t/{trainee.pk}/l/{absence.pk}/"
    assert [b.url for b in year.activities] == [f"/t/{trainee.pk}/k/{course.pk}/", f"/t/{trainee.pk}/a/{activity.pk}/"]
    # June to December 2024 have no tjänstgöring; neither do months before the start of ST.
    assert [cell.url for cell in year.cells] == [
        f"/t/{trainee.pk}/s/ny/?start=2024-{month:02d}-01" for month in range(6, 13)
    ]
    assert row(result, 2023).cells == []
    assert year.cells[0].x == LABEL + 5 * 60


@pytest.mark.django_db
def test_no_links_while_the_edit_pages_do_not_exist(trainee, settings):
    settings.ROOT_URLCONF = WithoutLinks
    service(trainee, "2023-09-01", "2024-05-31")
    leave(trainee, "2024-02-01", "2024-02-29")

    year = row(build(trainee), 2024)

    assert year.service[0].url is None
    assert year.leave[0].url is None
    assert year.cells == []


def _records(trainee, count):
    for index in range(count):
        start = d("2023-09-01") + timedelta(days=40 * index)
        service(trainee, start.isoformat(), (start + timedelta(days=30)).isoformat(), workplace=f"Klinik {index}")
        leave(trainee, (start + timedelta(days=5)).isoformat(), (start + timedelta(days=6)).isoformat())
        Course.objects.create(trainee=trainee, title=f"Kurs {index}", start=start, end=start + timedelta(days=1))
        OtherActivity.objects.create(trainee=trainee, kind=OtherActivityKind.OTHER, title=f"Akt {index}", start=start)
        SupervisionMeeting.objects.create(trainee=trainee, date=start + timedelta(days=2))


@pytest.mark.django_db
def test_queries_do_not_grow_with_the_records(unit, settings):
    settings.ROOT_URLCONF = WithLinks
    counts = []
    for count in (1, 10):
        trainee = TraineeFactory(unit=unit)
        _records(trainee, count)
        trainee = Trainee.objects.get(pk=trainee.pk)
        status = build_status(trainee, TODAY)
        with CaptureQueriesContext(connection) as queries:
            result = build_timeline(trainee, status, TODAY)
        assert len({block.title for r in result.rows for block in r.service}) == count
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert counts[0] <= 10


# --- the template -------------------------------------------------------------


@pytest.mark.django_db
def test_the_include_renders_an_accessible_svg_without_inline_styles(trainee, settings):
    settings.ROOT_URLCONF = WithLinks
    service(trainee, "2023-09-01", "2023-12-31")
    service(trainee, "2024-01-11", "2025-06-30", workplace="Medicinkliniken, Norrmarks sjukhus")
    leave(trainee, "2024-07-01", "2024-07-28", kind=LeaveKind.VACATION)
    Course.objects.create(trainee=trainee, title="Konsultationskurs", start=d("2024-02-05"), end=d("2024-02-07"))

    with translation.override("sv"):
        result = build(trainee, what_if_percent=75)
        html = render_to_string("portfolio/_timeline.html", {"timeline": result})

    assert "style=" not in html
    assert "<style" not in html
    assert "<script" not in html
    # Our own rendered template, not untrusted input; parsing proves it well-formed.
    svg = ElementTree.fromstring(html[html.index("<svg") : html.index("</svg>") + 6])  # noqa: S314
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.get("viewBox") == result.view_box
    assert svg.get("width") == "100%"
    assert svg.get("aria-labelledby") == f"{result.title_id} {result.desc_id}"
    assert svg.find(f"{ns}title").get("id") == result.title_id
    assert svg.find(f"{ns}desc").get("id") == result.desc_id
    titles = [element.text for element in svg.iter(f"{ns}title")]
    for block in row(result, 2024).blocks:
        assert block.title in titles
    assert result.warnings[0] in titles
    # Coordinates keep a decimal point in Swedish.
    for element in svg.iter():
        for name in ("x", "y", "width", "height", "x1", "y2"):
            if element.get(name) is not None and not element.get(name).endswith("%"):
                float(element.get(name))
    assert re.search(r'<a href="/t/\d+/s/\d+/">', html)
    assert 'fill="url(#' in html
    assert "⚠" in html and result.warnings[0] in html
    for item in result.legend:
        assert f"{item.label}</li>" in html


@pytest.mark.django_db
def test_a_trainee_without_records_gets_the_rows_up_to_today(trainee):
    result = build(trainee)

    assert [r.year for r in result.rows] == [2023, 2024]
    assert result.warnings == []
    assert "today" in [line.kind for line in row(result, 2024).lines]
    html = render_to_string("portfolio/_timeline.html", {"timeline": result})
    assert "<svg" in html
