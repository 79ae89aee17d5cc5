"""Statistik: each figure on hand-made data, the scope of each role, the query count, the
chart and the CSV."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.domain import policy_for
from accounts.enums import Role
from assessments.enums import SignedStatus
from portfolio import statistics as stats
from portfolio.enums import PlanStatus
from portfolio.models import Application, StatusSnapshot
from tests.assessments.factories import AssessmentFactory, MidTermEvaluationFactory
from tests.factories import MembershipFactory, RegionFactory, TraineeFactory, UnitFactory, UserFactory
from tests.portfolio.factories_activities import persona_user
from tests.portfolio.factories_plans import TrainingPlanFactory
from tests.portfolio.factories_service import ServicePeriodFactory, SupervisionMeetingFactory

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TODAY = date(2025, 11, 15)  # 2025 and 2025 H2 are in progress
URL = reverse("statistics")
# Finished years, whatever day the suite runs: the view reads the real date.
YEARS = {"year_from": "2024", "year_to": "2025"}


def at(year, month, day, hour=12, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


def selection(*units, first=2024, last=2025):
    return stats.Selection(list(units), first, last)


def cells(figure, unit_id):
    """{period label: cell} of one row (unit_id None: the total)."""
    row = next(row for row in figure.rows if row.unit_id == unit_id)
    return {period.label: cell for period, cell in zip(figure.periods, row.cells, strict=True)}


def in_service(trainee, start, end):
    return ServicePeriodFactory(trainee=trainee, start=start, end=end)


def snapshot(trainee, **values):
    values = {"computed_on": TODAY, "ready": False, "blocking_gaps": 0, **values}
    return StatusSnapshot.objects.create(trainee=trainee, **values)


def specialist_application(trainee, finalised_at, kind="specialist"):
    return Application.objects.create(
        trainee=trainee, kind=kind, finalised_at=finalised_at, finalised_by=trainee.user, pages=1, sha256="0" * 64
    )


# --- 1. Handledning


@pytest.fixture
def supervision_data(trainee, other_trainee, unit):
    """Björkdalen: Sara in service both years, Bo in service 2025 only, Cia with handledning
    but no tjänstgöring recorded. Forsnäs: Lukas, 10 hours in 2025."""
    policy = policy_for(unit.region)
    policy.supervision_hours_per_week = Decimal("1.5")
    policy.save()
    bo, cia = TraineeFactory(unit=unit), TraineeFactory(unit=unit)
    in_service(trainee, date(2024, 1, 1), date(2025, 12, 31))
    in_service(bo, date(2025, 1, 1), date(2025, 12, 31))
    in_service(other_trainee, date(2024, 1, 1), date(2025, 12, 31))
    for who, day, minutes in [
        (trainee, date(2023, 12, 20), 60),  # before the years shown
        (trainee, date(2024, 2, 1), 60),
        (trainee, date(2024, 9, 1), 90),
        (trainee, date(2025, 3, 3), 120),
        (bo, date(2025, 4, 4), 60),
        (cia, date(2025, 5, 5), 90),
        (other_trainee, date(2025, 6, 6), 600),
    ]:
        SupervisionMeetingFactory(trainee=who, date=day, minutes=minutes)


def test_supervision_hours_per_trainee_and_year(supervision_data, unit, other_unit):
    figure = stats.supervision_figure(selection(unit, other_unit), TODAY)

    own, other, total = cells(figure, unit.pk), cells(figure, other_unit.pk), cells(figure, None)
    # 2024: 2.5 h for Sara alone; 2025: 4.5 h for Sara, Bo and Cia.
    assert (own["2024"].value, own["2024"].numerator, own["2024"].denominator) == (2.5, 2.5, 1)
    assert (own["2025"].value, own["2025"].numerator, own["2025"].denominator) == (1.5, 4.5, 3)
    assert (other["2024"].value, other["2024"].denominator) == (0.0, 1)
    assert (other["2025"].value, other["2025"].denominator) == (10.0, 1)
    # the total adds hours and ST-läkare: 14.5 h over 4
    assert (total["2025"].numerator, total["2025"].denominator, total["2025"].value) == (14.5, 4, 3.6)
    # norm: 1.5 h a week × 44 weeks
    assert [row.norm for row in figure.rows] == [66.0, 66.0, 66.0]
    assert own["2024"].below_norm is True
    assert own["2025"].below_norm is False  # 2025 is still in progress on TODAY
    assert [period.in_progress for period in figure.periods] == [False, True]


def test_supervision_now_is_the_share_meeting_the_norm(trainee, other_trainee, unit, other_unit):
    bo, cia, dan = TraineeFactory(unit=unit), TraineeFactory(unit=unit), TraineeFactory(unit=unit)
    snapshot(trainee, supervision_meets_norm=True, computed_on=date(2025, 11, 14))
    snapshot(bo, supervision_meets_norm=False)
    snapshot(cia, supervision_meets_norm=True)
    snapshot(dan, supervision_meets_norm=None)  # no service in the window: left out
    snapshot(other_trainee, supervision_meets_norm=False)

    figure = stats.supervision_now_figure(selection(unit, other_unit), TODAY)

    (own,) = cells(figure, unit.pk).values()
    (other,) = cells(figure, other_unit.pk).values()
    (total,) = cells(figure, None).values()
    assert (own.value, own.numerator, own.denominator, own.excluded) == (67, 2, 3, 1)
    assert (other.value, other.denominator) == (0, 1)
    assert (total.value, total.numerator, total.denominator) == (50, 2, 4)
    assert figure.as_of == date(2025, 11, 14)


# --- 2. Kompetensvärderingar


def test_assessments_per_trainee_and_half_year(trainee, other_trainee, unit, other_unit):
    policy = policy_for(unit.region)
    policy.assessments_per_half_year = 3
    policy.save()
    bo, cia = TraineeFactory(unit=unit), TraineeFactory(unit=unit)
    in_service(trainee, date(2024, 1, 1), date(2025, 12, 31))
    in_service(bo, date(2025, 1, 1), date(2025, 12, 31))
    for who, day in [
        (trainee, date(2025, 1, 10)),
        (trainee, date(2025, 3, 10)),
        (trainee, date(2025, 6, 30)),
        (bo, date(2025, 2, 2)),
        (trainee, date(2025, 7, 1)),
        (cia, date(2025, 8, 8)),  # no tjänstgöring, but assessed: counted in H2
        (other_trainee, date(2024, 12, 31)),  # no tjänstgöring either
    ]:
        AssessmentFactory(trainee=who, date=day)
    AssessmentFactory(trainee=trainee, date=date(2025, 4, 4), status=SignedStatus.DRAFT, signed_at=None)

    figure = stats.assessments_figure(selection(unit, other_unit), TODAY)

    assert [period.label for period in figure.periods] == ["2024 H1", "2024 H2", "2025 H1", "2025 H2"]
    own, other = cells(figure, unit.pk), cells(figure, other_unit.pk)
    assert (own["2024 H1"].value, own["2024 H1"].denominator) == (0.0, 1)
    assert (own["2025 H1"].value, own["2025 H1"].numerator, own["2025 H1"].denominator) == (2.0, 4, 2)
    # H2: Sara 1, Cia 1, Bo 0 → 2 over 3
    assert (own["2025 H2"].value, own["2025 H2"].numerator, own["2025 H2"].denominator) == (0.7, 2, 3)
    assert (other["2024 H2"].value, other["2024 H2"].denominator) == (1.0, 1)
    assert (other["2024 H1"].value, other["2024 H1"].denominator) == (None, 0)
    assert own["2025 H1"].below_norm is True  # 2.0 < 3, finished
    assert own["2025 H2"].below_norm is False  # in progress
    assert [row.norm for row in figure.rows] == [3.0, 3.0, 3.0]


# --- 3. IUP


def approved_first_iup(trainee, decided_at):
    return TrainingPlanFactory(
        trainee=trainee, status=PlanStatus.APPROVED, submitted_at=decided_at, decided_at=decided_at
    )


def test_first_iup_on_time_by_year_st_started(unit, other_unit):
    policy = policy_for(unit.region)
    policy.iup_deadline_months = 3
    policy.save()

    def started(on, unit=unit):
        return TraineeFactory(unit=unit, st_start=on)

    # 2024 starts. Deadline add_months(31 Jan, 3) = 30 Apr: approved late that evening is on time.
    approved_first_iup(started(date(2024, 1, 31)), at(2024, 4, 30, 23, 30))
    # Deadline 15 Jun; 00:30 on the 16th in Sweden (still the 15th in UTC) is late.
    approved_first_iup(started(date(2024, 3, 15)), at(2024, 6, 16, 0, 30))
    # Only a draft, deadline 10 Aug 2024 long passed: late.
    TrainingPlanFactory(trainee=started(date(2024, 5, 10)))
    # 2025 starts. On time; and one whose deadline (1 Jan 2026) is still ahead: left out.
    approved_first_iup(started(date(2025, 1, 10)), at(2025, 2, 1))
    TrainingPlanFactory(trainee=started(date(2025, 10, 1)), status=PlanStatus.SUBMITTED)
    # Forsnäs: one start in 2024, on time.
    approved_first_iup(started(date(2024, 2, 1), unit=other_unit), at(2024, 3, 1))

    figure = stats.iup_figure(selection(unit, other_unit), TODAY)

    own, other, total = cells(figure, unit.pk), cells(figure, other_unit.pk), cells(figure, None)
    assert (own["2024"].value, own["2024"].numerator, own["2024"].denominator, own["2024"].excluded) == (33, 1, 3, 0)
    assert (own["2025"].value, own["2025"].numerator, own["2025"].denominator, own["2025"].excluded) == (100, 1, 1, 1)
    assert (other["2024"].value, other["2024"].denominator) == (100, 1)
    assert (total["2024"].value, total["2024"].numerator, total["2024"].denominator) == (50, 2, 4)


def test_a_later_iup_version_does_not_make_the_first_on_time(unit):
    policy_for(unit.region)  # default deadline: 6 months
    trainee = TraineeFactory(unit=unit, st_start=date(2024, 1, 15))
    first = approved_first_iup(trainee, at(2024, 9, 1))  # late
    TrainingPlanFactory(
        trainee=trainee, version=2, based_on=first, status=PlanStatus.APPROVED, decided_at=at(2024, 2, 1)
    )

    figure = stats.iup_figure(selection(unit), TODAY)

    assert (cells(figure, unit.pk)["2024"].value, cells(figure, unit.pk)["2024"].denominator) == (0, 1)


# --- 4. Mitt-i-ST


def test_midterm_on_time_by_year_of_visit(trainee, other_trainee, unit, other_unit):
    bo, cia, dan = TraineeFactory(unit=unit), TraineeFactory(unit=unit), TraineeFactory(unit=unit)
    MidTermEvaluationFactory(trainee=trainee, desired_date=date(2025, 3, 1), visit_date=date(2025, 2, 20))
    snapshot(bo, mid_st_target=date(2025, 5, 1))
    MidTermEvaluationFactory(trainee=bo, visit_date=date(2025, 6, 10))  # after the target: late
    MidTermEvaluationFactory(trainee=cia, visit_date=date(2025, 4, 1))  # no target known: left out
    MidTermEvaluationFactory(trainee=dan, desired_date=date(2025, 9, 1))  # no visit yet
    MidTermEvaluationFactory(trainee=other_trainee, desired_date=date(2024, 10, 1), visit_date=date(2024, 10, 1))

    figure = stats.midterm_figure(selection(unit, other_unit), TODAY)

    own, other = cells(figure, unit.pk), cells(figure, other_unit.pk)
    assert (own["2025"].value, own["2025"].numerator, own["2025"].denominator, own["2025"].excluded) == (50, 1, 2, 1)
    assert (own["2024"].value, own["2024"].denominator) == (None, 0)
    assert (other["2024"].value, other["2024"].numerator, other["2024"].denominator) == (100, 1, 1)


def test_midterm_reads_the_target_of_the_stored_status(trainee, unit):
    """Through the real refresh: the target computed from the tjänsteförteckning."""
    trainee.st_start = date(2022, 1, 1)
    trainee.save()
    in_service(trainee, date(2022, 1, 1), date(2026, 12, 31))
    from portfolio.readiness.store import refresh

    refresh(trainee)
    target = StatusSnapshot.objects.get(trainee=trainee).mid_st_target
    MidTermEvaluationFactory(trainee=trainee, visit_date=target)

    figure = stats.midterm_figure(selection(unit, first=target.year, last=target.year), TODAY.replace(year=2030))

    assert cells(figure, unit.pk)[str(target.year)].value == 100


# --- 5. Time to the specialist application


def test_median_months_to_the_first_specialist_application(unit, other_unit):
    def started(on, unit=unit):
        return TraineeFactory(unit=unit, st_start=on)

    anna = started(date(2020, 1, 1))
    specialist_application(anna, at(2025, 1, 1))  # 1827 days: 60.03 months
    specialist_application(anna, at(2025, 9, 1))  # marked final again: not counted
    specialist_application(started(date(2020, 7, 1)), at(2025, 7, 1))  # 1826 days: 59.99
    specialist_application(started(date(2019, 1, 1)), at(2025, 3, 1))  # 2251 days: 73.95
    specialist_application(started(date(2021, 1, 1)), at(2025, 5, 1), kind="bt")  # not a specialist application
    specialist_application(started(date(2019, 6, 1), unit=other_unit), at(2024, 12, 1))  # 2010 days: 66.04

    figure = stats.application_figure(selection(unit, other_unit), TODAY)

    own, other, total = cells(figure, unit.pk), cells(figure, other_unit.pk), cells(figure, None)
    assert (own["2025"].value, own["2025"].denominator) == (60.0, 3)
    assert (own["2024"].value, own["2024"].denominator) == (None, 0)
    assert (other["2024"].value, other["2024"].denominator) == (66.0, 1)
    assert (total["2025"].value, total["2024"].value) == (60.0, 66.0)


def test_an_application_counts_in_the_year_it_was_marked_final_in_sweden(unit):
    trainee = TraineeFactory(unit=unit, st_start=date(2020, 1, 1))
    specialist_application(trainee, at(2025, 1, 1, 0, 30))  # 31 Dec 2024 in UTC

    figure = stats.application_figure(selection(unit), TODAY)

    assert cells(figure, unit.pk)["2025"].denominator == 1
    assert cells(figure, unit.pk)["2024"].denominator == 0


# --- Scope and access


def test_scope_of_each_role(trainee, other_trainee, unit, other_unit, study_director, unit_head, region_admin):
    far_unit = UnitFactory(name="Fjärran vårdcentral")
    TraineeFactory(unit=far_unit)
    far_admin = UserFactory()
    MembershipFactory(user=far_admin, role=Role.ADMINISTRATOR, unit=None, region=far_unit.region)
    national = UserFactory()
    MembershipFactory(user=national, role=Role.ADMINISTRATOR, unit=None, region=None)
    # Handledare at the other unit as well: still only her own unit's figures.
    MembershipFactory(user=study_director, unit=other_unit, role=Role.SUPERVISOR)

    def scope(user):
        return [unit.name for unit in stats.units_in_scope(user)]

    assert scope(study_director) == ["Björkdalens hälsocentral"]
    assert scope(unit_head) == ["Björkdalens hälsocentral"]
    assert scope(region_admin) == ["Björkdalens hälsocentral", "Forsnäs hälsocentral"]
    assert scope(far_admin) == ["Fjärran vårdcentral"]
    assert scope(national) == ["Björkdalens hälsocentral", "Fjärran vårdcentral", "Forsnäs hälsocentral"]


@pytest.fixture
def two_units_data(trainee, other_trainee, region):
    """Handledning in both units in 2024: 3 h at Björkdalen, 7 h at Forsnäs; norm 1.5 h a week."""
    policy = policy_for(region)
    policy.supervision_hours_per_week = Decimal("1.5")
    policy.save()
    for who, minutes in [(trainee, 180), (other_trainee, 420)]:
        in_service(who, date(2024, 1, 1), date(2024, 12, 31))
        SupervisionMeetingFactory(trainee=who, date=date(2024, 5, 5), minutes=minutes)


@pytest.mark.parametrize("persona", ["study_director", "unit_head"])
def test_unit_leaders_see_their_own_unit_only(client, request, two_units_data, other_unit, persona):
    client.force_login(persona_user(request, persona))

    response = client.get(URL, YEARS)

    page = response.content.decode()
    supervision = table_rows(page, "supervision")
    assert supervision == {"Björkdalens hälsocentral": ["66", "3,0", "–"]}
    assert "Forsnäs" not in page
    assert "7,0" not in page


def test_a_unit_outside_the_scope_is_ignored(client, study_director, two_units_data, other_unit):
    client.force_login(study_director)

    response = client.get(URL, {**YEARS, "unit": other_unit.pk})

    page = response.content.decode()
    assert response.context["form"].errors["unit"]
    assert (response.context["selection"].first_year, response.context["selection"].last_year) == (2024, 2025)
    assert list(table_rows(page, "supervision")) == ["Björkdalens hälsocentral"]
    assert "Forsnäs" not in page

    csv_response = client.get(URL, {**YEARS, "unit": other_unit.pk, "format": "csv", "figure": "supervision"})
    assert "Forsnäs" not in csv_response.content.decode()


def test_region_admin_sees_every_unit_of_the_region_and_can_pick_one(client, region_admin, two_units_data, unit):
    far_trainee = TraineeFactory(unit=UnitFactory(name="Fjärran vårdcentral", region=RegionFactory()))
    in_service(far_trainee, date(2024, 1, 1), date(2024, 12, 31))
    client.force_login(region_admin)

    page = client.get(URL, YEARS).content.decode()

    assert table_rows(page, "supervision") == {
        "Björkdalens hälsocentral": ["66", "3,0", "–"],
        "Forsnäs hälsocentral": ["66", "7,0", "–"],
        "Alla enheter": ["66", "5,0", "–"],
    }
    assert "Fjärran" not in page

    page = client.get(URL, {**YEARS, "unit": unit.pk}).content.decode()
    assert table_rows(page, "supervision") == {"Björkdalens hälsocentral": ["66", "3,0", "–"]}


def test_national_admin_sees_every_region_with_its_name(client, national_admin, two_units_data, region):
    far_trainee = TraineeFactory(unit=UnitFactory(name="Fjärran vårdcentral", region=RegionFactory(name="Region Syd")))
    in_service(far_trainee, date(2024, 1, 1), date(2024, 12, 31))
    client.force_login(national_admin)

    rows = table_rows(client.get(URL, YEARS).content.decode(), "supervision")

    assert list(rows) == [
        "Björkdalens hälsocentral (Region Norrmark)",
        "Fjärran vårdcentral (Region Syd)",
        "Forsnäs hälsocentral (Region Norrmark)",
        "Alla enheter",
    ]
    assert rows["Fjärran vårdcentral (Region Syd)"] == ["44", "0,0", "–"]  # the default policy of Region Syd
    assert rows["Alla enheter"][0] == "–"  # the norms differ


@pytest.mark.parametrize("persona", ["owner", "supervisor", "second_specialist", "outsider", "other_supervisor"])
def test_anyone_else_gets_404(client, request, two_units_data, persona):
    client.force_login(persona_user(request, persona))

    assert client.get(URL, YEARS).status_code == 404
    assert client.get(URL, {**YEARS, "format": "csv", "figure": "supervision"}).status_code == 404


def test_the_named_studierektor_without_a_role_at_the_unit_gets_404(client, two_units_data, other_trainee):
    named = UserFactory()
    other_trainee.study_director = named
    other_trainee.save()
    client.force_login(named)

    assert client.get(URL).status_code == 404


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/konto/logga-in/" in response["Location"]


def test_a_studierektor_without_st_lakare_sees_an_empty_page(client):
    user = UserFactory()
    MembershipFactory(user=user, role=Role.STUDY_DIRECTOR, unit=UnitFactory())
    client.force_login(user)

    response = client.get(URL)

    assert response.status_code == 200
    assert response.context["sections"] == {}
    assert "stats-table" not in response.content.decode()
    assert client.get(URL, {"format": "csv", "figure": "supervision"}).status_code == 404


# --- The filter


def test_default_years_are_the_last_five(client, study_director, trainee):
    client.force_login(study_director)

    selection_ = client.get(URL).context["selection"]

    this_year = timezone.localdate().year
    assert (selection_.first_year, selection_.last_year) == (this_year - 4, this_year)


@pytest.mark.parametrize(
    ("years", "field"),
    [
        ({"year_from": "2025", "year_to": "2024"}, "year_to"),
        ({"year_from": "1990", "year_to": "2024"}, "year_from"),
        ({"year_from": "2010", "year_to": "2024"}, "year_from"),  # more than ten years
        ({"year_from": "tjugo", "year_to": "2024"}, "year_from"),
    ],
)
def test_bad_years_show_an_error_and_the_default_years(client, study_director, trainee, years, field):
    client.force_login(study_director)

    response = client.get(URL, years)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert 'class="errorlist' in response.content.decode()
    this_year = timezone.localdate().year
    assert response.context["selection"].first_year == this_year - 4


# --- Query count


def unit_with_data(region, number):
    unit = UnitFactory(region=region)
    trainee = TraineeFactory(unit=unit, st_start=date(2024, 2, 1))
    in_service(trainee, date(2024, 2, 1), date(2025, 12, 31))
    SupervisionMeetingFactory(trainee=trainee, date=date(2024, 5, 5))
    AssessmentFactory(trainee=trainee, date=date(2025, 2, 2))
    approved_first_iup(trainee, at(2024, 3, 1))
    snapshot(trainee, supervision_meets_norm=True, mid_st_target=date(2025, 6, 1))
    MidTermEvaluationFactory(trainee=trainee, visit_date=date(2025, 5, 5))
    specialist_application(trainee, at(2025, 10, 1))
    return unit


@pytest.mark.parametrize("count", [1, 4])
def test_query_count_does_not_grow_with_units(client, django_assert_num_queries, region, region_admin, count):
    for number in range(count):
        unit_with_data(region, number)
    client.force_login(region_admin)

    # session, user, national-admin check, role check, units in scope, policies,
    # handledning: hours, ST-läkare per year, now; kompetensvärderingar: count, ST-läkare;
    # IUP; Mitt-i-ST; applications
    with django_assert_num_queries(14):
        response = client.get(URL, YEARS)

    assert len(response.context["sections"]["supervision"].figure.rows) == count + (count > 1)


@pytest.mark.parametrize("count", [1, 4])
def test_query_count_does_not_grow_with_trainees(client, django_assert_num_queries, trainee, study_director, count):
    for number in range(count):
        other = TraineeFactory(unit=trainee.unit)
        in_service(other, date(2024, 1, 1), date(2025, 12, 31))
        SupervisionMeetingFactory(trainee=other, date=date(2024, 3, 3))
        AssessmentFactory(trainee=other, date=date(2024, 3, 3))
        specialist_application(other, at(2025, 1, 1 + number))
    client.force_login(study_director)

    with django_assert_num_queries(14):
        response = client.get(URL, YEARS)

    figure = response.context["sections"]["supervision"].figure
    assert cells(figure, trainee.unit_id)["2024"].denominator == count


def test_csv_query_count_is_one_figure(client, django_assert_num_queries, region, region_admin):
    for number in range(3):
        unit_with_data(region, number)
    client.force_login(region_admin)

    # session, user, national-admin check, role check, units in scope, the Mitt-i-ST query
    with django_assert_num_queries(6):
        client.get(URL, {**YEARS, "format": "csv", "figure": "midterm"})


# --- Chart, table and CSV


class TableReader(HTMLParser):
    """The rows of every statistics table, by section: {section: {row label: [cells]}}.

    A cell is the text of its `stats-value` (the figure, as printed) or, without one (the
    unit, the norm), its whole text."""

    def __init__(self):
        super().__init__()
        self.tables, self.section, self.row = {}, None, None
        self.cell = self.value = None
        self.in_value = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and (attrs.get("id") or "").startswith("figure-"):
            self.section = attrs["id"].removeprefix("figure-")
        elif tag == "tbody":
            self.tables[self.section] = {}
        elif tag == "tr" and self.section in self.tables:
            self.row = []
        elif tag in ("th", "td") and self.row is not None:
            self.cell, self.value = "", None
        elif tag == "span" and "stats-value" in (attrs.get("class") or ""):
            self.in_value, self.value = True, ""

    def handle_endtag(self, tag):
        if tag == "span":
            self.in_value = False
        elif tag in ("th", "td") and self.cell is not None:
            self.row.append((self.value if self.value is not None else self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.section][self.row[0]] = self.row[1:]
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.in_value:
            self.value += data


def table_rows(page, section):
    reader = TableReader()
    reader.feed(page)
    return reader.tables[section]


def test_every_figure_has_a_chart_with_a_text_alternative_and_no_inline_style(client, region_admin, two_units_data):
    client.force_login(region_admin)

    page = client.get(URL, YEARS).content.decode()

    for name in stats.FIGURES:
        assert f'aria-labelledby="chart-{name}-title chart-{name}-desc"' in page
    # messages not yet in the catalogue show in English
    assert '<desc id="chart-supervision-desc">2024: 5,0, under normen; 2025: –; norm 66</desc>' in page
    assert "style=" not in page
    assert "<script>" not in page
    assert 'class="bar-below"' in page
    assert "css/statistics.css" in page


def test_bar_chart_geometry():
    unit = UnitFactory()
    periods = stats.year_periods(2023, 2025, TODAY)
    rows = [
        stats.Row(
            unit.name,
            unit.pk,
            40.0,
            [stats.Cell(20.0, below_norm=True), stats.Cell(None), stats.Cell(50.0)],
        )
    ]
    chart = stats.bar_chart(stats.Figure("supervision", periods, rows))

    assert [bar.label for bar in chart.bars] == ["2023", "2024", "2025"]
    assert [bar.css for bar in chart.bars] == ["bar-below", "bar", "bar-partial"]
    assert [bar.text for bar in chart.bars] == ["⚠ 20,0", "–", "50,0"]
    full = chart.bars[2].width
    assert chart.bars[0].width == pytest.approx(full * 20 / 50, abs=0.1)
    assert chart.bars[1].width == 0
    assert chart.norm_x == pytest.approx(chart.baseline_x + full * 40 / 50, abs=0.1)
    assert max(bar.text_x for bar in chart.bars) < chart.width


def test_csv_matches_the_table(client, region_admin, two_units_data, trainee):
    in_service(trainee, date(2025, 1, 1), date(2025, 12, 31))
    AssessmentFactory(trainee=trainee, date=date(2025, 3, 3))
    client.force_login(region_admin)
    page = client.get(URL, YEARS).content.decode()

    for name in stats.FIGURES:
        response = client.get(URL, {**YEARS, "format": "csv", "figure": name})
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert f"statistik-{name}-2024-2025.csv" in response["Content-Disposition"]
        body = response.content.decode("utf-8")
        assert body.startswith("\ufeff")
        lines = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
        table = table_rows(page, name)
        has_norm = name in ("supervision", "assessments")
        periods = [line[1] for line in lines[1:] if line[0] == lines[1][0]]
        from_csv = {}
        for line in lines[1:]:
            unit_label, value = line[0], line[2]
            from_csv.setdefault(unit_label, [line[-1]] if has_norm else []).append(value)
        assert from_csv == table, name
        assert len(lines) == 1 + len(table) * len(periods)


def test_csv_numbers_of_the_handledning_figure(client, region_admin, two_units_data):
    client.force_login(region_admin)

    response = client.get(URL, {**YEARS, "format": "csv", "figure": "supervision"})

    lines = list(csv.reader(io.StringIO(response.content.decode().removeprefix("\ufeff"))))
    assert len(lines[0]) == 6
    assert lines[1:] == [
        ["Björkdalens hälsocentral", "2024", "3,0", "3,0", "1", "66"],
        ["Björkdalens hälsocentral", "2025", "–", "0", "0", "66"],
        ["Forsnäs hälsocentral", "2024", "7,0", "7,0", "1", "66"],
        ["Forsnäs hälsocentral", "2025", "–", "0", "0", "66"],
        ["Alla enheter", "2024", "5,0", "10,0", "2", "66"],
        ["Alla enheter", "2025", "–", "0", "0", "66"],
    ]


def test_an_unknown_figure_is_404(client, region_admin, two_units_data):
    client.force_login(region_admin)

    assert client.get(URL, {"format": "csv", "figure": "nonsense"}).status_code == 404


def test_csv_keeps_a_unit_name_that_looks_like_a_formula_as_text(client, study_director, trainee, unit):
    unit.name = '=HYPERLINK("http://example.com")'
    unit.save()
    client.force_login(study_director)

    response = client.get(URL, {**YEARS, "format": "csv", "figure": "iup"})

    lines = list(csv.reader(io.StringIO(response.content.decode().removeprefix("\ufeff"))))
    assert {line[0] for line in lines[1:]} == {'\'=HYPERLINK("http://example.com")'}
