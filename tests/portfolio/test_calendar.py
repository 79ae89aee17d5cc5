"""The private calendar feed (/kalender/<token>.ics): who sees which events, the
iCalendar document itself, the token as the only credential, and a bounded number of
queries whatever the number of trainees."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accounts.enums import Role
from accounts.models import CalendarFeed
from accounts.preferences import issue_feed, revoke_feed
from assessments.enums import MidTermStatus
from portfolio.calendar import feed_events
from portfolio.models import StatusSnapshot
from portfolio.readiness.store import refresh
from portfolio.timecalc import add_months
from tests.assessments.factories import (
    ActionPlanFactory,
    MidTermEvaluationFactory,
    PanelReviewFactory,
    SpecialistPanelFactory,
)
from tests.factories import MembershipFactory, TraineeFactory, UserFactory
from tests.portfolio.factories_activities import AnnualVisitFactory
from tests.portfolio.factories_service import SupervisionMeetingFactory

pytestmark = pytest.mark.django_db


def day(offset):
    return timezone.localdate() + timedelta(days=offset)


def months(count):
    return add_months(timezone.localdate(), count)


# Dates per trainee (offset from today), different for each trainee so that a leak shows.
DEADLINES = {
    "iup_due": 10,
    "next_visit_due": 30,
    "mid_st_order_by": 50,
    "statement_due": 20,
}
RECORDS = {"mid_st_visit": 70, "action_plan": 15, "panel": 60, "annual_visit": 90, "supervision": 7}


def set_deadlines(trainee, shift=0, **overrides):
    """The snapshot as refresh() writes it, with the due dates set to known days."""
    refresh(trainee)
    values = {name: day(offset + shift) for name, offset in DEADLINES.items()}
    values.update(iup_due_kind="revision", mid_st_wanted=True, mid_st_status="", statement_done=False)
    values.update(overrides)
    StatusSnapshot.objects.filter(trainee=trainee).update(**values)


def add_records(trainee, shift=0):
    """One record of every kind the feed reads, dated ahead."""
    MidTermEvaluationFactory(
        trainee=trainee, status=MidTermStatus.ORDERED, visit_date=day(RECORDS["mid_st_visit"] + shift)
    )
    ActionPlanFactory(trainee=trainee, follow_up_on=day(RECORDS["action_plan"] + shift))
    panel = SpecialistPanelFactory(unit=trainee.unit, date=day(RECORDS["panel"] + shift))
    PanelReviewFactory(panel=panel, trainee=trainee)
    AnnualVisitFactory(trainee=trainee, date=day(RECORDS["annual_visit"] + shift))
    SupervisionMeetingFactory(trainee=trainee, date=day(RECORDS["supervision"] + shift))
    return panel


def fetch(client, user):
    token = issue_feed(user)
    return client.get(reverse("calendar-feed", args=[token]))


def events_of(response):
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): (event.decoded("DTSTART"), str(event["SUMMARY"])) for event in calendar.walk("VEVENT")}


@pytest.fixture
def sara(trainee):
    set_deadlines(trainee)
    add_records(trainee)
    return trainee


@pytest.fixture
def lukas(other_trainee):
    """The other unit's trainee with the same kinds of data on other days, so that a leak would show."""
    set_deadlines(other_trainee, shift=1)
    add_records(other_trainee, shift=1)
    return other_trainee


# --- The document


def test_feed_is_an_icalendar_document_with_name_and_refresh_interval(client, sara):
    response = fetch(client, sara.user)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert "ST-portfölj" in str(calendar["PRODID"])
    assert str(calendar["X-WR-CALNAME"]) == "ST-portfölj – Sara Öberg"
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT12H"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT12H" in response.content


def test_events_are_all_day_with_stable_uid_and_absolute_link(client, sara):
    calendar = Calendar.from_ical(fetch(client, sara.user).content)
    events = list(calendar.walk("VEVENT"))
    host = settings.SITE_URL.split("://")[1].split(":")[0].split("/")[0]

    iup = next(event for event in events if str(event["UID"]).startswith("iup-"))
    assert str(iup["UID"]) == f"iup-{sara.pk}-{day(10):%Y-%m-%d}@{host}"
    assert iup.decoded("DTSTART") == day(10)
    assert type(iup.decoded("DTSTART")) is date
    assert b"DTSTART;VALUE=DATE:" + f"{day(10):%Y%m%d}".encode() in iup.to_ical()
    assert iup.decoded("DTEND") == day(11)
    assert "DTSTAMP" in iup
    plan_list = settings.SITE_URL + reverse("plan-list", args=[sara.pk])
    assert str(iup["URL"]) == plan_list
    assert plan_list in str(iup["DESCRIPTION"])


def test_uids_stay_the_same_from_one_fetch_to_the_next(client, sara):
    token = issue_feed(sara.user)
    first = events_of(client.get(reverse("calendar-feed", args=[token])))
    second = events_of(client.get(reverse("calendar-feed", args=[token])))

    assert first.keys() == second.keys()
    assert len(first) == 9


# --- Who sees what


def test_trainee_sees_every_own_deadline_and_meeting(client, sara, lukas):
    events = events_of(fetch(client, sara.user))

    starts = sorted(start for start, _summary in events.values())
    expected = sorted([day(offset) for offset in DEADLINES.values()] + [day(offset) for offset in RECORDS.values()])
    assert starts == expected
    kinds = {uid.split("-")[0] for uid in events}
    assert kinds == {"iup", "visit", "mid", "statement", "action", "panel", "annual", "supervision"}
    # Their own calendar: no name in front of each summary.
    assert not any("Sara Öberg" in summary for _start, summary in events.values())


def test_handledare_sees_their_trainees_events_by_name_and_not_another_trainees(client, supervisor, sara, lukas):
    events = events_of(fetch(client, supervisor))

    assert len(events) == 9
    assert all(summary.startswith("Sara Öberg: ") for _start, summary in events.values())
    assert {start for start, _summary in events.values()} == {
        day(offset) for offset in [*DEADLINES.values(), *RECORDS.values()]
    }
    assert not any(f"-{lukas.pk}-" in uid for uid in events)


def test_the_other_units_handledare_sees_only_their_own_trainee(client, other_supervisor, sara, lukas):
    events = events_of(fetch(client, other_supervisor))

    assert len(events) == 9
    assert all(summary.startswith("Lukas Andersson: ") for _start, summary in events.values())


def test_studierektor_sees_the_units_deadlines_and_panel_but_not_the_handledares_items(
    client, study_director, sara, lukas
):
    events = events_of(fetch(client, study_director))

    by_kind = {uid.split("@")[0].rsplit("-", 4)[0]: start for uid, (start, _summary) in events.items()}
    assert by_kind == {
        "iup": day(10),
        "visit-due": day(30),
        "mid-st-order": day(50),
        "panel": day(60),
    }
    panel = next(summary for start, summary in events.values() if start == day(60))
    assert "Björkdalens hälsocentral" in panel
    assert day(61) not in {start for start, _summary in events.values()}  # the other unit's kollegium


def test_chef_sees_the_units_specialistkollegium(client, unit_head, sara, lukas):
    events = events_of(fetch(client, unit_head))

    panels = [(start, summary) for uid, (start, summary) in events.items() if uid.startswith("panel-")]
    assert len(panels) == 1
    assert panels[0][0] == day(60)
    assert "Björkdalens hälsocentral" in panels[0][1]


def test_named_studierektor_without_a_unit_role_sees_the_trainees_deadlines(client, sara):
    named = UserFactory(name="Namngiven Studierektor")
    sara.study_director = named
    sara.save(update_fields=["study_director"])

    events = events_of(fetch(client, named))

    assert {start for start, _summary in events.values()} == {day(10), day(30), day(50)}


@pytest.mark.parametrize("persona", ["outsider", "second_specialist", "region_admin", "national_admin"])
def test_people_without_a_feed_role_get_an_empty_calendar(client, request, sara, lukas, persona):
    """No role, or one that sees the trainee without a deadline of theirs in it (the
    second specialist, the administrators of a whole region)."""
    response = fetch(client, request.getfixturevalue(persona))

    assert response.status_code == 200
    assert events_of(response) == {}


def test_person_in_two_roles_gets_each_event_once(client, supervisor, unit, sara):
    MembershipFactory(user=supervisor, unit=unit, role=Role.STUDY_DIRECTOR)

    events = feed_events(supervisor)

    keys = [event.key for event in events]
    assert len(keys) == len(set(keys))
    assert len([key for key in keys if key.startswith("iup-")]) == 1
    assert any(key.startswith("panel-") and not key.startswith("panel-review") for key in keys)


# --- Which deadlines


def test_a_finished_handledarutlatande_and_an_ordered_mitt_i_st_are_not_deadlines(client, trainee):
    set_deadlines(trainee, statement_done=True, mid_st_status=MidTermStatus.ORDERED)

    kinds = {event.kind for event in feed_events(trainee.user)}

    assert kinds == {"iup", "visit-due"}


def test_mitt_i_st_order_by_is_left_out_where_the_region_does_not_want_it(trainee):
    set_deadlines(trainee, mid_st_wanted=False)

    assert "mid-st-order" not in {event.kind for event in feed_events(trainee.user)}


def test_first_iup_and_revision_are_told_apart(trainee):
    set_deadlines(trainee, iup_due_kind="first")
    first = next(event for event in feed_events(trainee.user) if event.kind == "iup")
    set_deadlines(trainee, iup_due_kind="revision")
    revision = next(event for event in feed_events(trainee.user) if event.kind == "iup")

    assert first.summary != revision.summary


def test_only_events_from_a_year_back_to_two_years_ahead(trainee):
    set_deadlines(
        trainee,
        iup_due=months(-12) - timedelta(days=1),
        next_visit_due=months(-12),
        mid_st_order_by=months(24),
        statement_due=months(24) + timedelta(days=1),
    )
    SupervisionMeetingFactory(trainee=trainee, date=months(24) + timedelta(days=1))

    days = {event.kind: event.day for event in feed_events(trainee.user)}

    assert days == {"visit-due": months(-12), "mid-st-order": months(24)}


def test_past_meetings_and_closed_action_plans_are_left_out(trainee):
    SupervisionMeetingFactory(trainee=trainee, date=day(-3))
    AnnualVisitFactory(trainee=trainee, date=day(-30))
    ActionPlanFactory(trainee=trainee, follow_up_on=day(20), closed_on=day(-1), outcome="Målen nådda.")
    open_plan = ActionPlanFactory(trainee=trainee, follow_up_on=day(25))

    events = [event for event in feed_events(trainee.user) if event.kind not in DEADLINE_KINDS]

    assert [(event.kind, event.pk, event.day) for event in events] == [("action-plan", open_plan.pk, day(25))]


DEADLINE_KINDS = {"iup", "visit-due", "mid-st-order", "statement"}


def test_a_trainee_without_a_snapshot_still_gets_meetings(trainee):
    SupervisionMeetingFactory(trainee=trainee, date=day(5))
    StatusSnapshot.objects.filter(trainee=trainee).delete()

    assert [event.kind for event in feed_events(trainee.user)] == ["supervision"]


# --- The token


def test_unknown_token_is_404(client, sara):
    issue_feed(sara.user)

    assert client.get(reverse("calendar-feed", args=["not-a-real-token"])).status_code == 404


def test_revoked_and_replaced_tokens_are_404(client, sara):
    old = issue_feed(sara.user)
    new = issue_feed(sara.user)

    assert client.get(reverse("calendar-feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar-feed", args=[new])).status_code == 200
    revoke_feed(sara.user)
    assert client.get(reverse("calendar-feed", args=[new])).status_code == 404


def test_feed_of_a_deactivated_person_is_404(client, sara):
    token = issue_feed(sara.user)
    sara.user.is_active = False
    sara.user.save(update_fields=["is_active"])

    assert client.get(reverse("calendar-feed", args=[token])).status_code == 404


def test_feed_does_not_accept_post(client, sara):
    token = issue_feed(sara.user)

    assert client.post(reverse("calendar-feed", args=[token])).status_code == 405


def test_last_fetched_is_written_at_most_once_an_hour(client, sara):
    token = issue_feed(sara.user)
    url = reverse("calendar-feed", args=[token])
    feed = CalendarFeed.objects.get(user=sara.user)
    assert feed.last_used_at is None

    client.get(url)
    first = CalendarFeed.objects.get(pk=feed.pk).last_used_at
    client.get(url)
    second = CalendarFeed.objects.get(pk=feed.pk).last_used_at
    an_hour_ago = timezone.now() - timedelta(hours=1, minutes=1)
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=an_hour_ago)
    client.get(url)
    third = CalendarFeed.objects.get(pk=feed.pk).last_used_at

    assert first is not None
    assert second == first
    assert third > an_hour_ago


def test_a_fetch_within_the_hour_writes_nothing(client, django_assert_num_queries, sara):
    token = issue_feed(sara.user)
    url = reverse("calendar-feed", args=[token])
    client.get(url)

    # feed with person; led units; national-admin check; own trainee with snapshot;
    # Mitt-i-ST visits; åtgärdsplaner; kollegium reviews; årsbesök; handledning
    with django_assert_num_queries(9) as captured:
        client.get(url)

    assert not any(query["sql"].startswith("UPDATE") for query in captured.captured_queries)


# --- Queries


# feed with person; last fetched; led units; national-admin check; trainees with
# snapshots; Mitt-i-ST visits; åtgärdsplaner; kollegium reviews; årsbesök; handledning;
# the unit's kollegier
QUERIES_FOR_A_SUPERVISOR = 11


@pytest.mark.parametrize("count", [1, 4])
def test_query_count_does_not_grow_with_the_trainees(client, django_assert_num_queries, unit, supervisor, count):
    MembershipFactory(user=supervisor, unit=unit, role=Role.STUDY_DIRECTOR)
    for n in range(count):
        followed = TraineeFactory(unit=unit, main_supervisor=supervisor)
        set_deadlines(followed, shift=n)
        add_records(followed, shift=n)
    token = issue_feed(supervisor)

    with django_assert_num_queries(QUERIES_FOR_A_SUPERVISOR):
        response = client.get(reverse("calendar-feed", args=[token]))

    assert len(events_of(response)) == 10 * count  # nine per trainee, and each kollegium once more for the unit


@pytest.mark.parametrize("count", [1, 4])
def test_query_count_for_a_studierektor_does_not_grow(client, django_assert_num_queries, unit, study_director, count):
    for n in range(count):
        followed = TraineeFactory(unit=unit)
        set_deadlines(followed, shift=n)
        add_records(followed, shift=n)
    token = issue_feed(study_director)

    # feed with person; last fetched; led units; national-admin check; trainees; the unit's kollegier
    with django_assert_num_queries(6):
        response = client.get(reverse("calendar-feed", args=[token]))

    assert len(events_of(response)) == 4 * count
