from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from accounts.domain import policy_for
from accounts.enums import Role
from accounts.models import AuditEvent
from portfolio.models import AnnualReport, AnnualVisit, FinalReview
from portfolio.reviews import next_visit_due
from portfolio.timecalc import add_months
from tests.factories import MembershipFactory, UserFactory
from tests.portfolio.factories_activities import AnnualReportFactory, AnnualVisitFactory, persona_user

pytestmark = pytest.mark.django_db

READERS = ["owner", "supervisor", "second_specialist", "study_director", "unit_head", "region_admin", "national_admin"]
OUTSIDERS = ["outsider", "other_supervisor", "other_study_director", "other_trainee", "other_region_admin"]
NOT_THE_TRAINEE = ["supervisor", "second_specialist", "study_director", "unit_head", "region_admin"]
NOT_A_STUDY_DIRECTOR = ["owner", "supervisor", "second_specialist", "unit_head", "region_admin"]

REPORT_TEXT = "Huvudtjänstgöring på Björkdalen och två kurser"
VISIT_DECISION = "Sidotjänstgöring i psykiatri under våren"


@pytest.fixture
def report(trainee):
    return AnnualReportFactory(trainee=trainee, year=2024, done=REPORT_TEXT)


@pytest.fixture
def visit(trainee):
    return AnnualVisitFactory(trainee=trainee, date=date(2024, 10, 15), decisions=VISIT_DECISION)


@pytest.fixture
def unit_study_director(unit):
    """A studierektor of the trainee's unit who is not the named one."""
    user = UserFactory(username="studierektor-enhet", name="Maria Ek")
    MembershipFactory(user=user, unit=unit, role=Role.STUDY_DIRECTOR)
    return user


def report_data(**overrides):
    data = {
        "year": "2025",
        "done": "Sidotjänstgöring på medicinkliniken.",
        "went_well": "Akuta bedömningar.",
        "to_develop": "Kroniska smärttillstånd.",
        "next_steps": "Kurs i smärtbehandling.",
    }
    data.update(overrides)
    return data


def visit_data(**overrides):
    data = {
        "date": "2025-11-30",
        "participants": "Sara Öberg, Erik Holmström, Karin Lindqvist",
        "notes": "IUP gicks igenom.",
        "decisions": "Mitt-i-ST beställs till hösten.",
    }
    data.update(overrides)
    return data


def url(name, trainee, pk=None):
    args = [trainee.pk] if pk is None else [trainee.pk, pk]
    return reverse(name, args=args)


def submit_events(report):
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(AnnualReport), target_id=report.pk, action="annual_report.submit"
    )


# --- Dates


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 11, 30), 12, date(2026, 11, 30)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 5, 31), 36, date(2028, 5, 31)),
    ],
)
def test_add_months_is_calendar_correct(start, months, expected):
    assert add_months(start, months) == expected


def test_next_visit_is_counted_from_the_latest_visit():
    assert next_visit_due(date(2025, 11, 30), date(2023, 9, 1), 12) == date(2026, 11, 30)


def test_next_visit_is_counted_from_the_start_of_st_when_there_is_none():
    assert next_visit_due(None, date(2023, 9, 1), 12) == date(2024, 9, 1)


# --- The list page


@pytest.mark.parametrize("persona", READERS)
def test_review_list_shows_reports_and_visits_to_every_reader(client, request, report, visit, persona):
    client.force_login(persona_user(request, persona))

    response = client.get(url("review-list", report.trainee))

    assert response.status_code == 200
    assert list(response.context["reports"]) == [report]
    assert response.context["visits"] == [visit]
    content = response.content.decode()
    assert REPORT_TEXT in content
    assert VISIT_DECISION in content
    assert response.context["can_write_report"] is (persona == "owner")
    assert response.context["can_record_visit"] is (persona == "study_director")
    assert (url("visit-create", report.trainee) in content) is (persona == "study_director")
    assert (url("report-submit", report.trainee, report.pk) in content) is (persona == "owner")


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_review_list_is_404_for_outsiders(client, request, report, visit, persona):
    client.force_login(persona_user(request, persona))

    response = client.get(url("review-list", report.trainee))

    assert response.status_code == 404
    assert REPORT_TEXT not in response.content.decode()
    assert VISIT_DECISION not in response.content.decode()


@pytest.mark.parametrize(
    ("name", "record"),
    [
        ("review-list", None),
        ("report-create", None),
        ("report-update", "report"),
        ("visit-create", None),
        ("visit-update", "visit"),
    ],
)
def test_every_review_page_sends_anonymous_to_login(client, report, visit, name, record):
    pk = {"report": report.pk, "visit": visit.pk, None: None}[record]

    response = client.get(url(name, report.trainee, pk))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_submit_sends_anonymous_to_login(client, report):
    response = client.post(url("report-submit", report.trainee, report.pk))

    assert response["Location"].startswith(reverse("login"))
    report.refresh_from_db()
    assert report.submitted_at is None


def test_next_visit_is_due_a_year_after_the_latest_and_not_overdue(client, trainee):
    today = timezone.localdate()
    AnnualVisitFactory(trainee=trainee, date=today - timedelta(days=400))
    AnnualVisitFactory(trainee=trainee, date=today)
    client.force_login(trainee.user)

    response = client.get(url("review-list", trainee))

    assert response.context["next_visit_due"] == add_months(today, 12)
    assert response.context["visit_overdue"] is False
    assert "flag flag-ok" in response.content.decode()


def test_next_visit_without_visits_counts_from_st_start_and_is_overdue(client, trainee):
    trainee.st_start = date(2023, 9, 1)
    trainee.save(update_fields=["st_start"])
    client.force_login(trainee.study_director)

    response = client.get(url("review-list", trainee))

    assert response.context["next_visit_due"] == date(2024, 9, 1)
    assert response.context["visit_overdue"] is True
    content = response.content.decode()
    assert '<span class="flag flag-error">⚠' in content
    assert "2024-09-01" in content


def test_next_visit_follows_the_regions_interval(client, trainee):
    policy = policy_for(trainee.unit.region)
    policy.annual_visit_interval_months = 6
    policy.save(update_fields=["annual_visit_interval_months"])
    AnnualVisitFactory(trainee=trainee, date=date(2025, 8, 31))
    client.force_login(trainee.user)

    response = client.get(url("review-list", trainee))

    assert response.context["next_visit_due"] == date(2026, 2, 28)
    assert response.context["visit_interval"] == 6


@pytest.mark.parametrize("count", [1, 3])
def test_review_list_query_count_does_not_grow(client, django_assert_num_queries, trainee, count):
    policy_for(trainee.unit.region)
    for n in range(count):
        AnnualReportFactory(trainee=trainee, year=2023 + n)
        AnnualVisitFactory(trainee=trainee, date=date(2023 + n, 10, 1))
        FinalReview.objects.create(
            trainee=trainee, date=date(2023 + n, 11, 1), verdict="not_yet", reviewer=trainee.study_director
        )
    client.force_login(trainee.user)

    # session, user, national-admin check, trainee, visits with recorder, policy
    # studierektor-of-unit check, reports, end-of-ST reviews with reviewer
    with django_assert_num_queries(9):
        response = client.get(url("review-list", trainee))

    assert len(response.context["reports"]) == count
    assert len(response.context["final_reviews"]) == count
    assert len(response.context["visits"]) == count


# --- Årsrapport


def test_owner_writes_a_report_as_a_draft(client, trainee):
    client.force_login(trainee.user)

    response = client.post(url("report-create", trainee), report_data())

    report = AnnualReport.objects.get(trainee=trainee)
    assert response["Location"] == url("review-list", trainee)
    assert (report.year, report.done, report.next_steps) == (
        2025,
        "Sidotjänstgöring på medicinkliniken.",
        "Kurs i smärtbehandling.",
    )
    assert report.submitted_at is None


def test_report_form_suggests_this_year(client, trainee):
    client.force_login(trainee.user)

    response = client.get(url("report-create", trainee))

    assert response.context["form"]["year"].value() == timezone.localdate().year


def test_a_second_report_for_the_same_year_is_refused(client, report):
    client.force_login(report.trainee.user)

    response = client.post(url("report-create", report.trainee), report_data(year="2024"))

    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["year"]] == ["duplicate"]
    assert AnnualReport.objects.count() == 1


def test_another_trainees_report_does_not_block_the_year(client, report, other_trainee):
    client.force_login(other_trainee.user)

    client.post(url("report-create", other_trainee), report_data(year="2024"))

    assert AnnualReport.objects.filter(year=2024).count() == 2


def test_changing_a_report_to_a_taken_year_is_refused(client, report):
    other = AnnualReportFactory(trainee=report.trainee, year=2025)
    client.force_login(report.trainee.user)

    response = client.post(url("report-update", report.trainee, other.pk), report_data(year="2024"))

    assert list(response.context["form"].errors) == ["year"]
    other.refresh_from_db()
    assert other.year == 2025


def test_owner_edits_a_draft_report(client, report):
    client.force_login(report.trainee.user)

    client.post(url("report-update", report.trainee, report.pk), report_data(year="2024", done="Omskrivet."))

    report.refresh_from_db()
    assert (report.year, report.done) == (2024, "Omskrivet.")


@pytest.mark.parametrize("persona", NOT_THE_TRAINEE)
def test_report_writes_are_403_for_everyone_but_the_trainee(client, request, report, persona):
    client.force_login(persona_user(request, persona))

    create = client.post(url("report-create", report.trainee), report_data())
    update = client.post(url("report-update", report.trainee, report.pk), report_data(done="Ändrat"))
    submit = client.post(url("report-submit", report.trainee, report.pk))

    assert (create.status_code, update.status_code, submit.status_code) == (403, 403, 403)
    report.refresh_from_db()
    assert (report.done, report.submitted_at) == (REPORT_TEXT, None)
    assert AnnualReport.objects.count() == 1


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize("name", ["report-create", "report-update", "report-submit", "visit-create", "visit-update"])
def test_review_writes_are_404_for_outsiders(client, request, report, visit, persona, name):
    pk = {"report-update": report.pk, "report-submit": report.pk, "visit-update": visit.pk}.get(name)
    client.force_login(persona_user(request, persona))

    response = client.post(url(name, report.trainee, pk), report_data(done="Ändrat") | visit_data())

    assert response.status_code == 404
    assert REPORT_TEXT not in response.content.decode()
    report.refresh_from_db()
    visit.refresh_from_db()
    assert (report.done, report.submitted_at, visit.decisions) == (REPORT_TEXT, None, VISIT_DECISION)
    assert AnnualReport.objects.count() == AnnualVisit.objects.count() == 1


def test_owner_submits_a_report_and_it_is_logged(client, report):
    client.force_login(report.trainee.user)
    before = timezone.now()

    response = client.post(url("report-submit", report.trainee, report.pk), follow=True)

    report.refresh_from_db()
    assert response.redirect_chain == [(url("review-list", report.trainee), 302)]
    assert report.submitted_at >= before
    event = submit_events(report).get()
    assert (event.actor, event.data) == (report.trainee.user, {"year": 2024})
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_submit_is_post_only(client, report):
    client.force_login(report.trainee.user)

    response = client.get(url("report-submit", report.trainee, report.pk))

    assert response.status_code == 405
    report.refresh_from_db()
    assert report.submitted_at is None


def test_a_report_is_submitted_once(client, report):
    client.force_login(report.trainee.user)
    client.post(url("report-submit", report.trainee, report.pk), follow=True)
    report.refresh_from_db()
    first = report.submitted_at

    response = client.post(url("report-submit", report.trainee, report.pk), follow=True)

    report.refresh_from_db()
    assert report.submitted_at == first
    assert submit_events(report).count() == 1
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_a_submitted_report_is_read_only(client, report):
    report.submitted_at = timezone.now()
    report.save(update_fields=["submitted_at"])
    client.force_login(report.trainee.user)

    get = client.get(url("report-update", report.trainee, report.pk))
    post = client.post(url("report-update", report.trainee, report.pk), report_data(year="2024", done="Ändrat"))

    assert (get["Location"], post["Location"]) == (url("review-list", report.trainee),) * 2
    report.refresh_from_db()
    assert report.done == REPORT_TEXT
    page = client.get(url("review-list", report.trainee)).content.decode()
    assert url("report-update", report.trainee, report.pk) not in page
    assert url("report-submit", report.trainee, report.pk) not in page


# --- Årsbesök


@pytest.mark.parametrize("who", ["named", "of_the_unit"])
def test_a_study_director_records_a_visit(client, trainee, unit_study_director, who):
    user = trainee.study_director if who == "named" else unit_study_director
    client.force_login(user)

    response = client.post(url("visit-create", trainee), visit_data())

    visit = AnnualVisit.objects.get(trainee=trainee)
    assert response["Location"] == url("review-list", trainee)
    assert (visit.date, visit.decisions, visit.recorded_by) == (
        date(2025, 11, 30),
        "Mitt-i-ST beställs till hösten.",
        user,
    )


def test_visit_form_suggests_today_and_the_people_around_the_trainee(client, trainee):
    client.force_login(trainee.study_director)

    response = client.get(url("visit-create", trainee))

    form = response.context["form"]
    assert form["date"].value() == timezone.localdate()
    assert form["participants"].value() == "Sara Öberg, Erik Holmström, Karin Lindqvist"


def test_a_study_director_edits_a_visit_and_the_recorder_stays(client, visit, unit_study_director):
    recorder = visit.recorded_by
    client.force_login(unit_study_director)

    client.post(url("visit-update", visit.trainee, visit.pk), visit_data(decisions="Ny plan."))

    visit.refresh_from_db()
    assert (visit.decisions, visit.date, visit.recorded_by) == ("Ny plan.", date(2025, 11, 30), recorder)


@pytest.mark.parametrize("persona", NOT_A_STUDY_DIRECTOR)
def test_visit_writes_are_403_for_everyone_but_the_study_director(client, request, visit, persona):
    client.force_login(persona_user(request, persona))

    create = client.post(url("visit-create", visit.trainee), visit_data())
    update = client.post(url("visit-update", visit.trainee, visit.pk), visit_data(decisions="Ändrat"))

    assert (create.status_code, update.status_code) == (403, 403)
    visit.refresh_from_db()
    assert visit.decisions == VISIT_DECISION
    assert AnnualVisit.objects.count() == 1


def test_a_visit_needs_a_date(client, trainee):
    client.force_login(trainee.study_director)

    response = client.post(url("visit-create", trainee), visit_data(date=""))

    assert list(response.context["form"].errors) == ["date"]
    assert not AnnualVisit.objects.exists()
