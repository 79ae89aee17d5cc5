"""The studierektor's overview: flags in the database that agree with the engine, filters,
sorting, roles, exports (CSV, XLSX, PDF) and bounded queries."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.enums import Role
from assessments.enums import MidTermStatus
from portfolio.enums import PlanStatus, ServiceKind
from portfolio.models import ServicePeriod, StatusSnapshot, Trainee, TrainingPlan
from portfolio.overview import FLAGS, _flagged, overview_rows, with_flags
from portfolio.readiness.build import readiness_for
from portfolio.readiness.store import refresh, refresh_all
from portfolio.snapshot import build_status, due_next
from portfolio.timecalc import add_months
from tests.assessments.factories import ActionPlanFactory
from tests.factories import MembershipFactory, TraineeFactory, UserFactory

pytestmark = pytest.mark.django_db


def rows(response):
    return [row.record for row in response.context["table"].page.object_list]


def engine_flags(trainee, today):
    """The same questions answered for one trainee by build_status, due_next and the engine."""
    status = build_status(trainee, today)
    finished = [period for period in status.assessments_by_half_year if not period.in_progress]
    mid_st_item = [item for item in due_next(status) if item.text == "Beställ Mitt-i-ST"]
    verdict = readiness_for(trainee, status, today)
    return {
        "iup_overdue": status.iup_overdue,
        "supervision_below": status.supervision_last_8_weeks.meets_norm is False,
        "assessments_below": bool(finished) and finished[-1].meets_norm is False,
        "statement_overdue": status.statement_overdue,
        "statement_at_risk": bool(status.latest_statement and status.latest_statement.at_risk),
        "visit_overdue": status.visit_overdue,
        "mid_st_overdue": bool(mid_st_item and mid_st_item[0].overdue),
        "no_panel_this_year": not (status.specialist_panel_date and status.specialist_panel_date.year == today.year),
        "open_action_plan": status.open_action_plan,
        "blocking_gaps": sum(1 for gap in verdict.gaps if gap.severity == "blocking"),
        "ready": verdict.ready,
        "fte_months": round(status.fte_months, 2),
    }


def overview_flags(record):
    values = {name: getattr(record, name) for name in FLAGS}
    values.update(
        blocking_gaps=record.snapshot.blocking_gaps,
        ready=record.snapshot.ready,
        fte_months=record.snapshot.fte_months,
    )
    return values


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", quiet=True)


def test_every_flag_agrees_with_the_engine_for_every_demo_trainee(demo):
    today = timezone.localdate()
    records = list(with_flags(Trainee.objects.select_related("snapshot").order_by("pk"), today))

    mismatches = {
        record.user.name: (overview_flags(record), engine_flags(record, today))
        for record in records
        if overview_flags(record) != engine_flags(record, today)
    }

    assert len(records) == 20
    assert mismatches == {}
    # The demo shows every flag at least once, so the comparison covered each rule both ways.
    raised = {name for record in records for name in FLAGS if getattr(record, name)}
    assert raised >= {"iup_overdue", "supervision_below", "open_action_plan", "mid_st_overdue"}
    assert len(raised) >= 6


def test_dates_are_judged_on_the_day_of_the_query_not_of_the_computation(trainee):
    computed = date(2024, 1, 10)
    refresh(trainee, today=computed)
    snapshot = StatusSnapshot.objects.get(trainee=trainee)
    later = snapshot.iup_due + timedelta(days=1)

    before = with_flags(Trainee.objects.filter(pk=trainee.pk), computed).get()
    after = with_flags(Trainee.objects.filter(pk=trainee.pk), later).get()

    assert snapshot.computed_on == computed
    assert (before.iup_overdue, after.iup_overdue) == (False, True)
    assert build_status(trainee, later).iup_overdue is True


def test_the_overview_judges_each_day_with_its_own_flags(trainee, study_director):
    # overview_rows keeps one built queryset per day: a later day must not reuse an earlier one.
    computed = date(2024, 1, 10)
    refresh(trainee, today=computed)
    later = StatusSnapshot.objects.get(trainee=trainee).iup_due + timedelta(days=1)

    flags = [overview_rows(study_director, day).get(pk=trainee.pk).iup_overdue for day in (computed, later, computed)]

    assert flags == [False, True, False]
    assert _flagged(computed)._result_cache is None  # the kept queryset itself is never read


def test_a_trainee_without_a_snapshot_is_listed_without_flags(client, study_director, trainee):
    client.force_login(study_director)

    response = client.get(reverse("trainee-list"))

    record = rows(response)[0]
    assert record == trainee
    assert not any(getattr(record, name) for name in FLAGS if name != "no_panel_this_year")
    assert "Sara Öberg" in response.content.decode()


# --- roles -------------------------------------------------------------------------


@pytest.fixture
def two_units(trainee, other_trainee):
    refresh_all()
    return trainee, other_trainee


def test_studierektor_sees_the_unit_only(client, two_units, study_director):
    client.force_login(study_director)

    assert rows(client.get(reverse("trainee-list"))) == [two_units[0]]


def test_handledare_sees_own_trainees_only(client, two_units, supervisor):
    client.force_login(supervisor)

    assert rows(client.get(reverse("trainee-list"))) == [two_units[0]]


def test_unit_head_sees_the_unit(client, two_units, unit_head):
    client.force_login(unit_head)

    assert rows(client.get(reverse("trainee-list"))) == [two_units[0]]


def test_region_admin_sees_every_unit_of_the_region(client, two_units, region_admin):
    client.force_login(region_admin)

    assert set(rows(client.get(reverse("trainee-list")))) == set(two_units)


def test_a_studierektor_of_two_regions_sees_both(client, two_units, other_unit):
    director = UserFactory()
    MembershipFactory(user=director, role=Role.STUDY_DIRECTOR, unit=two_units[0].unit)
    MembershipFactory(user=director, role=Role.STUDY_DIRECTOR, unit=two_units[1].unit)
    client.force_login(director)

    assert set(rows(client.get(reverse("trainee-list")))) == set(two_units)


def test_outsider_sees_nobody_and_cannot_export_anyone(client, two_units, outsider):
    client.force_login(outsider)

    page = client.get(reverse("trainee-list"))
    exported = client.get(reverse("trainee-list"), {"_export": "csv"})

    assert rows(page) == []
    assert "Sara Öberg" not in exported.content.decode("utf-8-sig")
    assert "Lukas Andersson" not in exported.content.decode("utf-8-sig")


def test_anonymous_is_sent_to_login(client, two_units):
    response = client.get(reverse("trainee-list"), {"_export": "csv"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_scope_narrows_a_handledare_who_is_also_studierektor(client, trainee, unit, supervisor):
    MembershipFactory(user=supervisor, role=Role.STUDY_DIRECTOR, unit=unit)
    colleague_trainee = TraineeFactory(unit=unit)
    refresh_all()
    client.force_login(supervisor)

    everyone = rows(client.get(reverse("trainee-list")))
    mine = rows(client.get(reverse("trainee-list"), {"scope": "supervised"}))

    assert set(everyone) == {trainee, colleague_trainee}
    assert mine == [trainee]


# --- flags, filters and sorting ----------------------------------------------------------


@pytest.fixture
def late_and_on_time(trainee, unit, study_director):
    """Sara's first IUP is long overdue; Maja's is approved and not yet due again."""
    on_time = TraineeFactory(user=UserFactory(name="Maja Karlsson"), unit=unit, st_start=timezone.localdate())
    TrainingPlan.objects.create(
        trainee=on_time, version=1, status=PlanStatus.APPROVED, decided_at=timezone.now(), decided_by=study_director
    )
    refresh_all()
    return trainee, on_time


def test_filter_iup_overdue_lists_exactly_the_late_ones(client, study_director, late_and_on_time):
    late, on_time = late_and_on_time
    client.force_login(study_director)

    response = client.get(reverse("trainee-list"), {"flag": "iup_overdue"})

    assert rows(response) == [late]
    assert "Försenad" in response.content.decode()
    assert late.snapshot.iup_due < timezone.localdate() < on_time.snapshot.iup_due


def test_every_flag_filter_returns_the_trainees_with_that_flag(client, study_director, late_and_on_time):
    ActionPlanFactory(trainee=late_and_on_time[1])
    client.force_login(study_director)
    annotated = list(with_flags(Trainee.objects.all(), timezone.localdate()))

    for name in [*FLAGS, "any"]:
        expected = {
            record for record in annotated if (record.attention > 0 if name == "any" else getattr(record, name))
        }
        assert set(rows(client.get(reverse("trainee-list"), {"flag": name}))) == expected, name


def test_an_unknown_flag_is_a_form_error_not_a_crash(client, study_director, late_and_on_time):
    client.force_login(study_director)

    response = client.get(reverse("trainee-list"), {"flag": "everything"})

    assert "flag" in response.context["filter"].form.errors


@pytest.mark.parametrize(
    "column", ["name", "unit", "months", "iup", "supervision", "statement", "visit", "mid_st", "attention"]
)
def test_every_column_sorts_both_ways(client, study_director, late_and_on_time, column):
    client.force_login(study_director)

    ascending = rows(client.get(reverse("trainee-list"), {"sort": column}))
    descending = rows(client.get(reverse("trainee-list"), {"sort": f"-{column}"}))

    assert set(ascending) == set(late_and_on_time)
    assert len(ascending) == len(descending) == 2


def test_sorting_by_iup_puts_the_earliest_due_first(client, study_director, late_and_on_time):
    client.force_login(study_director)

    assert rows(client.get(reverse("trainee-list"), {"sort": "iup"})) == list(late_and_on_time)
    # The flags column sorts the most flagged first.
    assert rows(client.get(reverse("trainee-list"), {"sort": "attention"}))[0] == late_and_on_time[0]


def test_mid_st_flag_when_the_order_date_has_passed(client, study_director, trainee):
    # Full-time from 27 months ago: halfway (30 of 60 months) is three months ahead, so
    # with six months' lead time the order date passed three months ago.
    today = timezone.localdate()
    trainee.st_start = add_months(today, -27)
    trainee.save()
    ServicePeriod.objects.create(
        trainee=trainee, kind=ServiceKind.MAIN, start=trainee.st_start, end=add_months(today, 40), percent=100
    )
    refresh(trainee)
    snapshot = StatusSnapshot.objects.get(trainee=trainee)
    client.force_login(study_director)

    flagged = rows(client.get(reverse("trainee-list"), {"flag": "mid_st_overdue"}))

    assert snapshot.mid_st_order_by < timezone.localdate() <= snapshot.mid_st_target
    assert snapshot.mid_st_status in ("", MidTermStatus.PLANNED)
    assert flagged == [trainee]


# --- exports ---------------------------------------------------------------------------


def test_csv_holds_exactly_the_filtered_trainees(client, study_director, late_and_on_time):
    client.force_login(study_director)

    response = client.get(reverse("trainee-list"), {"flag": "iup_overdue", "_export": "csv"})

    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert table[0][:2] == ["Namn", "Enhet"]
    assert "IUP försenad" in table[0]
    assert [row[0] for row in table[1:]] == ["Sara Öberg"]
    assert table[1][table[0].index("IUP försenad")] == "ja"
    assert response["Content-Type"].startswith("text/csv")


def test_xlsx_holds_the_same_rows(client, study_director, late_and_on_time):
    client.force_login(study_director)

    response = client.get(reverse("trainee-list"), {"sort": "name", "_export": "xlsx"})

    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["Maja Karlsson", "Sara Öberg"]


def test_pdf_list_names_the_flags_and_the_filter(client, study_director, late_and_on_time):
    client.force_login(study_director)

    response = client.get(reverse("trainee-list"), {"flag": "iup_overdue", "_export": "pdf"})

    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages)
    assert response["Content-Type"] == "application/pdf"
    assert "Sara Öberg" in text
    assert "Maja Karlsson" not in text
    assert "IUP försenad" in text


def test_pdf_list_refuses_more_rows_than_the_limit(client, settings, study_director, late_and_on_time):
    settings.OVERVIEW_PDF_LIMIT = 1
    client.force_login(study_director)

    response = client.get(reverse("trainee-list"), {"_export": "pdf"}, follow=True)

    assert response.redirect_chain
    assert "högst 1 ST-läkare" in response.content.decode()


@pytest.mark.parametrize("count", [1, 5])
@pytest.mark.parametrize("export", ["", "csv", "xlsx", "pdf"])
def test_queries_do_not_grow_with_the_number_of_trainees(
    client, django_assert_num_queries, study_director, unit, count, export
):
    for _ in range(count):
        ActionPlanFactory(trainee=TraineeFactory(unit=unit))
    refresh_all()
    client.force_login(study_director)
    params = {"_export": export} if export else {}

    # session, user, national-admin check, unit and regulation choices; the page adds its
    # rows with their total (and their figures' computation date) in one query; an export
    # reads every row in one query.
    with django_assert_num_queries(6 if not export else 4) as captured:
        response = client.get(reverse("trainee-list"), params)

    assert response.status_code == 200
    # The choices are read by plain queries, not through a server-side cursor (PostgreSQL).
    assert not [query for query in captured.captured_queries if query["sql"].startswith("DECLARE")]
