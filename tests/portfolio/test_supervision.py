"""Handledning: who may read, log and change it, the notes rule, and the figures against the norm."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.domain import policy_for
from accounts.models import AuditEvent
from portfolio import timecalc
from portfolio.enums import CurriculumKind, LeaveKind, RegulationCode, SupervisionKind
from portfolio.forms.supervision import SupervisionMeetingForm
from portfolio.models import Goal, SupervisionMeeting
from tests.factories import TraineeFactory, UserFactory, regulation
from tests.portfolio.factories_service import LeaveFactory, ServicePeriodFactory, SupervisionMeetingFactory

pytestmark = pytest.mark.django_db

READERS = ["owner", "supervisor", "second_specialist", "study_director", "unit_head", "region_admin"]
LOGGERS = ["owner", "supervisor"]
READ_ONLY = ["second_specialist", "study_director", "unit_head", "region_admin"]
OUTSIDERS = ["outsider", "other_supervisor", "other_study_director", "other_trainee", "other_region_admin"]
SECRET = "Svårt samtal om arbetsmiljön"


def user_of(request, persona):
    if persona == "owner":
        return request.getfixturevalue("trainee").user
    if persona == "other_trainee":
        return request.getfixturevalue("other_trainee").user
    return request.getfixturevalue(persona)


def list_url(trainee):
    return reverse("supervision-list", args=[trainee.pk])


def goal(trainee, code):
    return Goal.objects.get(
        curriculum__regulation=trainee.regulation, curriculum__specialty=trainee.specialty, code=code
    )


def meeting_data(trainee, **overrides):
    data = {
        "date": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "minutes": "45",
        "kind": SupervisionKind.TALK,
        "supervisor": trainee.main_supervisor_id,
        "topics": "Multisjuka äldre",
        "goals": [],
        "notes": "",
    }
    data.update(overrides)
    return data


# --- reading ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", READERS)
def test_readers_see_the_meetings(request, client, trainee, persona):
    SupervisionMeetingFactory(trainee=trainee, topics="Journalföring", goals=[goal(trainee, "c1")])
    client.force_login(user_of(request, persona))

    response = client.get(list_url(trainee))

    content = response.content.decode()
    assert [meeting.topics for meeting, _notes in response.context["rows"]] == ["Journalföring"]
    assert "Journalföring" in content
    assert ">c1</abbr>" in content
    assert "Erik Holmström" in content


@pytest.mark.parametrize(("persona", "sees_notes"), [("owner", True), ("supervisor", True), ("study_director", False)])
def test_notes_are_for_the_trainee_and_the_handledare_only(request, client, trainee, persona, sees_notes):
    SupervisionMeetingFactory(trainee=trainee, notes=SECRET)
    client.force_login(user_of(request, persona))

    response = client.get(list_url(trainee))

    assert (SECRET in response.content.decode()) is sees_notes
    assert [shown for _meeting, shown in response.context["rows"]] == [sees_notes]


@pytest.mark.parametrize("persona", ["second_specialist", "unit_head", "region_admin"])
def test_notes_are_hidden_from_other_readers(request, client, trainee, persona):
    SupervisionMeetingFactory(trainee=trainee, notes=SECRET)
    client.force_login(user_of(request, persona))

    response = client.get(list_url(trainee))

    assert SECRET not in response.content.decode()
    assert response.context["notes_column"] is False


def test_a_handledare_of_one_meeting_sees_its_notes_but_not_the_others(client, trainee, second_specialist):
    SupervisionMeetingFactory(trainee=trainee, supervisor=second_specialist, notes="Hennes anteckning")
    SupervisionMeetingFactory(trainee=trainee, notes=SECRET)
    client.force_login(second_specialist)

    content = client.get(list_url(trainee)).content.decode()

    assert "Hennes anteckning" in content
    assert SECRET not in content


def test_meetings_are_newest_first_and_paginated_by_25(client, trainee):
    first = date(2024, 1, 1)
    for day in range(26):
        SupervisionMeetingFactory(trainee=trainee, date=first + timedelta(days=day), topics=f"Ämne {day}")
    client.force_login(trainee.user)

    page_one = client.get(list_url(trainee))
    page_two = client.get(list_url(trainee), {"page": 2})

    dates = [meeting.date for meeting, _notes in page_one.context["rows"]]
    assert len(dates) == 25
    assert dates == sorted(dates, reverse=True)
    assert dates[0] == first + timedelta(days=25)
    assert [meeting.topics for meeting, _notes in page_two.context["rows"]] == ["Ämne 0"]


@pytest.mark.parametrize("persona", LOGGERS)
def test_loggers_get_the_buttons(request, client, trainee, persona):
    meeting = SupervisionMeetingFactory(trainee=trainee)
    client.force_login(user_of(request, persona))

    content = client.get(list_url(trainee)).content.decode()

    assert reverse("supervision-create", args=[trainee.pk]) in content
    assert reverse("supervision-delete", args=[trainee.pk, meeting.pk]) in content


@pytest.mark.parametrize("persona", READ_ONLY)
def test_readers_get_no_buttons(request, client, trainee, persona):
    meeting = SupervisionMeetingFactory(trainee=trainee)
    client.force_login(user_of(request, persona))

    response = client.get(list_url(trainee))

    assert response.context["can_log"] is False
    assert reverse("supervision-update", args=[trainee.pk, meeting.pk]) not in response.content.decode()


# --- access -----------------------------------------------------------------------


def all_urls(trainee, meeting):
    return [
        reverse("supervision-list", args=[trainee.pk]),
        reverse("supervision-create", args=[trainee.pk]),
        reverse("supervision-update", args=[trainee.pk, meeting.pk]),
        reverse("supervision-delete", args=[trainee.pk, meeting.pk]),
    ]


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_every_page_is_404_for_those_who_cannot_see_the_trainee(request, client, trainee, persona):
    meeting = SupervisionMeetingFactory(trainee=trainee, topics="Hemligt ämne", notes=SECRET)
    client.force_login(user_of(request, persona))

    for url in all_urls(trainee, meeting):
        get, post = client.get(url), client.post(url, meeting_data(trainee))
        assert (url, get.status_code, post.status_code) == (url, 404, 404)
        assert "Hemligt ämne" not in get.content.decode()
    assert list(SupervisionMeeting.objects.all()) == [meeting]


@pytest.mark.parametrize("persona", READ_ONLY)
def test_readers_get_403_on_every_change(request, client, trainee, persona):
    meeting = SupervisionMeetingFactory(trainee=trainee, minutes=60)
    client.force_login(user_of(request, persona))

    for url in all_urls(trainee, meeting)[1:]:
        get, post = client.get(url), client.post(url, meeting_data(trainee))
        assert (url, get.status_code, post.status_code) == (url, 403, 403)
    meeting.refresh_from_db()
    assert meeting.minutes == 60
    assert SupervisionMeeting.objects.count() == 1


def test_anonymous_is_sent_to_login(client, trainee):
    meeting = SupervisionMeetingFactory(trainee=trainee)

    for url in all_urls(trainee, meeting):
        assert client.get(url)["Location"].startswith(reverse("login")), url


def test_a_meeting_of_another_trainee_is_404_under_the_own_trainee(client, trainee, other_trainee):
    foreign = SupervisionMeetingFactory(trainee=other_trainee)
    client.force_login(trainee.main_supervisor)

    response = client.post(reverse("supervision-update", args=[trainee.pk, foreign.pk]), meeting_data(trainee))

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.minutes == 60


# --- logging ------------------------------------------------------------------------


def test_the_form_starts_with_today_an_hour_and_the_huvudhandledare(client, trainee):
    client.force_login(trainee.user)

    form = client.get(reverse("supervision-create", args=[trainee.pk])).context["form"]

    assert form["date"].value() == timezone.localdate()
    assert form["minutes"].value() == 60
    assert form["supervisor"].value() == trainee.main_supervisor_id


@pytest.mark.parametrize("persona", LOGGERS)
def test_trainee_and_huvudhandledare_log_handledning(request, client, trainee, persona):
    user = user_of(request, persona)
    client.force_login(user)
    c1, c2 = goal(trainee, "c1"), goal(trainee, "c2")

    response = client.post(
        reverse("supervision-create", args=[trainee.pk]), meeting_data(trainee, goals=[c1.pk, c2.pk], notes="Bra")
    )

    assert response["Location"] == list_url(trainee)
    meeting = SupervisionMeeting.objects.get(trainee=trainee)
    assert (meeting.minutes, meeting.supervisor, meeting.created_by, meeting.notes) == (
        45,
        trainee.main_supervisor,
        user,
        "Bra",
    )
    assert set(meeting.goals.all()) == {c1, c2}
    assert AuditEvent.objects.filter(action="supervisionmeeting.created", target_id=meeting.pk, actor=user).exists()


def test_editing_keeps_the_original_logger(client, trainee):
    meeting = SupervisionMeetingFactory(trainee=trainee, created_by=trainee.user)
    client.force_login(trainee.main_supervisor)

    client.post(reverse("supervision-update", args=[trainee.pk, meeting.pk]), meeting_data(trainee, minutes="90"))

    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.created_by) == (90, trainee.user)


def test_goals_are_limited_to_the_trainees_curriculum(trainee):
    form = SupervisionMeetingForm(trainee=trainee)

    codes = [g.code for g in form.fields["goals"].queryset]
    curriculum_goals = Goal.objects.filter(
        curriculum__regulation=trainee.regulation, curriculum__specialty=trainee.specialty
    )
    assert len(codes) == curriculum_goals.count() > 0
    assert codes[:2] == ["a1", "a2"]


def test_goals_include_bt_under_2021(unit):
    trainee = TraineeFactory(unit=unit, regulation=regulation(RegulationCode.HSLF_FS_2021_8), bt_mode="integrated")

    form = SupervisionMeetingForm(trainee=trainee)

    kinds = {g.curriculum.kind for g in form.fields["goals"].queryset.select_related("curriculum")}
    assert kinds == {CurriculumKind.ST, CurriculumKind.BT}
    assert form.fields["goals"].queryset.count() == 26 + 18


def test_a_goal_from_another_curriculum_is_rejected(client, trainee):
    bt_goal = Goal.objects.filter(curriculum__kind=CurriculumKind.BT).first()
    client.force_login(trainee.user)

    response = client.post(reverse("supervision-create", args=[trainee.pk]), meeting_data(trainee, goals=[bt_goal.pk]))

    assert "goals" in response.context["form"].errors
    assert not SupervisionMeeting.objects.exists()


def test_a_future_date_is_rejected(client, trainee):
    client.force_login(trainee.user)
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = client.post(
        reverse("supervision-create", args=[trainee.pk]), meeting_data(trainee, date=tomorrow.isoformat())
    )

    assert response.context["form"].has_error("date", code="future")
    assert not SupervisionMeeting.objects.exists()


def test_supervisor_choices_include_the_huvudhandledare_and_the_current_value(trainee, outsider):
    meeting = SupervisionMeetingFactory(trainee=trainee, supervisor=outsider)

    form = SupervisionMeetingForm(instance=meeting, trainee=trainee)

    people = set(form.fields["supervisor"].queryset)
    assert {trainee.main_supervisor, outsider} <= people
    assert trainee.study_director not in people


def test_delete_asks_first_and_deletes_on_post(client, trainee):
    meeting = SupervisionMeetingFactory(trainee=trainee, date=date(2024, 3, 4))
    url = reverse("supervision-delete", args=[trainee.pk, meeting.pk])
    client.force_login(trainee.main_supervisor)

    confirmation = client.get(url)

    assert "2024-03-04" in confirmation.content.decode()
    assert SupervisionMeeting.objects.filter(pk=meeting.pk).exists()

    response = client.post(url, follow=True)

    assert not SupervisionMeeting.objects.filter(pk=meeting.pk).exists()
    assert response.redirect_chain[-1][0] == list_url(trainee)
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


# --- figures against the norm --------------------------------------------------------


def recent_service(trainee, today):
    return ServicePeriodFactory(trainee=trainee, start=today - timedelta(days=400), end=today + timedelta(days=200))


def test_last_8_weeks_meet_the_norm_with_an_hour_a_week(client, trainee):
    today = timezone.localdate()
    recent_service(trainee, today)
    monday = today - timedelta(days=today.weekday())
    for week in range(8):
        SupervisionMeetingFactory(trainee=trainee, date=min(monday - timedelta(weeks=week), today), minutes=60)
    client.force_login(trainee.user)

    response = client.get(list_url(trainee))

    (weeks_8, last_8), (weeks_26, last_26) = response.context["overview"].windows
    assert (weeks_8, last_8.hours, last_8.expected_hours, last_8.weeks, last_8.meets_norm) == (8, 8.0, 8.0, 8, True)
    assert (weeks_26, last_26.weeks, last_26.meets_norm) == (26, 26, False)
    content = response.content.decode()
    assert "✓" in content
    assert "⚠" in content


def test_figures_equal_timecalc_with_the_regions_norm_and_leave(client, trainee):
    today = timezone.localdate()
    policy = policy_for(trainee.unit.region)
    policy.supervision_hours_per_week = Decimal("1.5")
    policy.save()
    period = recent_service(trainee, today)
    leave = LeaveFactory(
        trainee=trainee,
        kind=LeaveKind.PARENTAL,
        start=today - timedelta(weeks=6),
        end=today - timedelta(weeks=4),
    )
    meetings = [SupervisionMeetingFactory(trainee=trainee, date=today - timedelta(days=d)) for d in (3, 20, 100)]
    client.force_login(trainee.user)

    overview = client.get(list_url(trainee)).context["overview"]

    service = [timecalc.Interval(period.start, today, 100, period.kind)]
    leaves = [timecalc.Interval(leave.start, leave.end, 100, leave.kind)]
    pairs = [(m.date, m.minutes) for m in meetings]
    assert overview.norm_hours_per_week == 1.5
    assert overview.windows == [
        (weeks, timecalc.supervision_last_weeks(pairs, service, leaves, 1.5, today, weeks)) for weeks in (8, 26)
    ]
    assert overview.windows[0][1].weeks < 8  # weeks on full-time leave are left out
    assert len(overview.months) == 12
    assert overview.months[-1].month == today.replace(day=1)
    first = overview.months[0].month
    by_month = timecalc.supervision_by_month(pairs, service, leaves, 1.5, first, today)
    assert [m.figure for m in overview.months] == list(by_month.values())


def test_future_service_weeks_are_not_owed_handledning(client, trainee):
    today = timezone.localdate()
    ServicePeriodFactory(trainee=trainee, start=today + timedelta(days=8), end=today + timedelta(days=300))
    client.force_login(trainee.user)

    overview = client.get(list_url(trainee)).context["overview"]

    assert [figure.weeks for _weeks, figure in overview.windows] == [0, 0]
    assert sum(month.figure.expected_hours for month in overview.months) == 0


def test_month_chart_is_inline_svg_with_titles_and_a_table(client, trainee):
    today = timezone.localdate()
    recent_service(trainee, today)
    SupervisionMeetingFactory(trainee=trainee, date=today, minutes=90)
    client.force_login(trainee.user)

    response = client.get(list_url(trainee))

    content = response.content.decode()
    svg = content[content.index("<svg") : content.index("</svg>")]
    assert svg.count("<rect") == 12
    assert len(re.findall(r"<rect [^>]*><title>[^<]+</title></rect>", svg)) == 12
    assert 'role="img"' in svg
    assert "style=" not in content
    assert "<style" not in content
    assert "<script" not in svg
    # Coordinates are plain numbers even though the page is Swedish (no decimal comma).
    assert not re.search(r'(x|y|width|height)="[0-9]+,[0-9]', svg)
    assert today.strftime("%Y-%m") in content  # the table beside the chart
    assert "1,5" in content  # 90 minutes, in the Swedish format


def test_a_month_without_service_is_neither_met_nor_missed(client, trainee):
    client.force_login(trainee.user)

    response = client.get(list_url(trainee))

    assert {month.figure.meets_norm for month in response.context["overview"].months} == {None}
    assert response.context["chart"].bars[0].expected_y is None


# --- queries ------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3])
def test_list_query_count_does_not_grow(client, django_assert_num_queries, trainee, count):
    today = timezone.localdate()
    recent_service(trainee, today)
    LeaveFactory(trainee=trainee, start=today - timedelta(days=30), end=today - timedelta(days=20))
    for index in range(count):
        SupervisionMeetingFactory(
            trainee=trainee,
            date=today - timedelta(days=index),
            supervisor=UserFactory(),
            notes=f"Anteckning {index}",
            goals=[goal(trainee, "c1"), goal(trainee, "c2")],
        )
    policy_for(trainee.unit.region)  # created on first use; the page then only reads it
    client.force_login(trainee.user)

    # session, user, national-admin check, trainee, policy, meetings for the
    # figures, tjänstgöringar, ledigheter, count, page, delmål
    with django_assert_num_queries(11):
        response = client.get(list_url(trainee))

    assert len(response.context["rows"]) == count
    assert all(shown for _meeting, shown in response.context["rows"])
