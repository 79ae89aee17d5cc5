"""Tjänsteförteckning: who may read and change it, the forms' rules, and totals from timecalc."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from accounts.models import AuditEvent
from portfolio import timecalc
from portfolio.enums import LeaveKind, ServiceKind
from portfolio.forms.service import LeaveForm, ServicePeriodForm
from portfolio.models import Leave, ServicePeriod
from tests.factories import MembershipFactory, TraineeFactory, UnitFactory, UserFactory, regulation
from tests.portfolio.factories_service import LeaveFactory, ServicePeriodFactory

pytestmark = pytest.mark.django_db

READERS = ["owner", "supervisor", "second_specialist", "study_director", "unit_head", "region_admin", "national_admin"]
READ_ONLY = ["supervisor", "second_specialist", "study_director", "unit_head", "region_admin"]
OUTSIDERS = ["outsider", "other_supervisor", "other_study_director", "other_trainee", "other_region_admin"]


def user_of(request, persona):
    if persona == "owner":
        return request.getfixturevalue("trainee").user
    if persona == "other_trainee":
        return request.getfixturevalue("other_trainee").user
    return request.getfixturevalue(persona)


def list_url(trainee):
    return reverse("service-list", args=[trainee.pk])


def timeline(trainee):
    """100 % Jan–Jun 2024 and 50 % Jul–Dec 2024 (9 months), föräldraledighet in March
    (−1 month), semester in August (counts as service, so no change): 8.0 months."""
    first = ServicePeriodFactory(
        trainee=trainee, workplace="Björkdalens hälsocentral", start=date(2024, 1, 1), end=date(2024, 6, 30)
    )
    second = ServicePeriodFactory(
        trainee=trainee,
        kind=ServiceKind.SIDE,
        workplace="Medicinkliniken Forsnäs",
        start=date(2024, 7, 1),
        end=date(2024, 12, 31),
        percent=50,
    )
    parental = LeaveFactory(trainee=trainee, kind=LeaveKind.PARENTAL, start=date(2024, 3, 1), end=date(2024, 3, 31))
    vacation = LeaveFactory(trainee=trainee, kind=LeaveKind.VACATION, start=date(2024, 8, 1), end=date(2024, 8, 14))
    return first, second, parental, vacation


def service_data(**overrides):
    data = {
        "kind": ServiceKind.MAIN,
        "unit": "",
        "workplace": "Vårdcentralen Tallbacken",
        "specialty": "",
        "start": "2025-01-01",
        "end": "2025-06-30",
        "percent": "100",
        "supervisor": "",
        "supervisor_name": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def leave_data(**overrides):
    data = {"kind": LeaveKind.PARENTAL, "start": "2025-03-01", "end": "2025-03-31", "percent": "100", "notes": ""}
    data.update(overrides)
    return data


# --- the list: reading ---------------------------------------------------------


def test_totals_equal_timecalc_for_a_hand_made_timeline(client, trainee):
    first, second, _parental, vacation = timeline(trainee)
    client.force_login(trainee.user)

    response = client.get(list_url(trainee))

    summary = response.context["summary"]
    expected = timecalc.fte_months(
        [
            timecalc.Interval(date(2024, 1, 1), date(2024, 6, 30), 100, "main"),
            timecalc.Interval(date(2024, 7, 1), date(2024, 12, 31), 50, "side"),
        ],
        [timecalc.Interval(date(2024, 3, 1), date(2024, 3, 31), 100, "parental")],
        ["semester", "jourkomp"],
    )
    assert summary.done == pytest.approx(8.0) == pytest.approx(expected.total)
    assert summary.planned == pytest.approx(8.0)
    assert [(row.label, round(row.done, 6)) for row in summary.by_kind] == [
        (ServiceKind.MAIN.label, 5.0),
        (ServiceKind.SIDE.label, 3.0),
    ]
    assert [(row.label, round(row.planned, 6)) for row in summary.by_year] == [(2024, 8.0)]
    assert {period.pk: round(months, 6) for period, months in response.context["periods"]} == {
        first.pk: 5.0,
        second.pk: 3.0,
    }
    assert dict(response.context["leaves"])[vacation] is True
    content = response.content.decode()
    assert "8,0" in content  # Swedish decimal comma
    assert "Björkdalens hälsocentral" in content
    assert "Medicinkliniken Forsnäs" in content
    assert "2024-07-01" in content


def test_semester_does_not_reduce_but_foraldraledighet_does(client, trainee):
    ServicePeriodFactory(trainee=trainee, start=date(2024, 1, 1), end=date(2024, 12, 31))
    LeaveFactory(trainee=trainee, kind=LeaveKind.VACATION, start=date(2024, 7, 1), end=date(2024, 7, 31))
    client.force_login(trainee.user)

    assert client.get(list_url(trainee)).context["summary"].done == pytest.approx(12.0)

    LeaveFactory(trainee=trainee, kind=LeaveKind.PARENTAL, start=date(2024, 2, 1), end=date(2024, 2, 29))

    assert client.get(list_url(trainee)).context["summary"].done == pytest.approx(11.0)


def test_leave_rows_say_whether_they_count_per_the_regulation(client, trainee):
    _first, _second, parental, vacation = timeline(trainee)
    client.force_login(trainee.user)

    response = client.get(list_url(trainee))

    assert response.context["leaves"] == [(parental, False), (vacation, True)]
    assert trainee.regulation.leave_note in response.content.decode()


def test_minimum_is_the_doctorate_one_when_the_trainee_has_doktorsexamen(client, trainee):
    client.force_login(trainee.user)
    assert client.get(list_url(trainee)).context["summary"].required == trainee.regulation.min_fte_months

    trainee.has_doctorate = True
    trainee.save(update_fields=["has_doctorate"])

    summary = client.get(list_url(trainee)).context["summary"]
    assert summary.required == trainee.regulation.min_fte_months_with_doctorate == 54


def test_done_counts_up_to_today_and_planned_includes_the_future(client, trainee):
    today = timezone.localdate()
    start = today - timedelta(days=40)
    end = today + timedelta(days=400)
    ServicePeriodFactory(trainee=trainee, start=start, end=end)
    client.force_login(trainee.user)

    response = client.get(list_url(trainee))

    service = [timecalc.Interval(start, end, 100, ServiceKind.MAIN)]
    summary = response.context["summary"]
    assert summary.done == pytest.approx(timecalc.fte_months(service, until=today + timedelta(days=1)).total)
    assert summary.planned == pytest.approx(timecalc.fte_months(service).total)
    assert summary.done < summary.planned


def test_date_minimum_reached_with_the_recorded_plan(client, trainee):
    ServicePeriodFactory(trainee=trainee, start=date(2020, 1, 1), end=date(2025, 12, 31))
    client.force_login(trainee.user)

    response = client.get(list_url(trainee))

    assert response.context["summary"].reached_on == date(2024, 12, 31)  # 60 months after 2020-01-01
    assert response.context["what_if"] is None
    assert "2024-12-31" in response.content.decode()


def test_what_if_projects_from_the_day_after_the_last_period(client, trainee):
    today = timezone.localdate()
    start, end = date(2023, 1, 1), today + timedelta(days=90)
    ServicePeriodFactory(trainee=trainee, start=start, end=end)
    client.force_login(trainee.user)

    response = client.get(list_url(trainee), {"percent": "75"})

    planned = timecalc.fte_months([timecalc.Interval(start, end, 100, ServiceKind.MAIN)]).total
    what_if = response.context["what_if"]
    assert what_if.percent == 75
    assert what_if.from_day == end + timedelta(days=1)
    assert what_if.reached_on == timecalc.projected_end(planned, 60, 75, end + timedelta(days=1))
    assert what_if.reached_on.strftime("%Y-%m-%d") in response.content.decode()


def test_what_if_defaults_to_full_time_from_today_when_the_last_period_has_ended(client, trainee):
    today = timezone.localdate()
    ServicePeriodFactory(trainee=trainee, start=date(2023, 1, 1), end=date(2023, 12, 31))
    client.force_login(trainee.user)

    response = client.get(list_url(trainee))

    what_if = response.context["what_if"]
    assert what_if.percent == 100
    assert what_if.from_day == today
    assert what_if.reached_on == timecalc.projected_end(12.0, 60, 100, today)


def test_what_if_rejects_a_percentage_above_100(client, trainee):
    client.force_login(trainee.user)

    response = client.get(list_url(trainee), {"percent": "150"})

    assert "percent" in response.context["what_if_form"].errors
    assert response.context["what_if"] is None


@pytest.mark.parametrize("persona", READERS)
def test_readers_see_the_list(request, client, trainee, persona):
    timeline(trainee)
    client.force_login(user_of(request, persona))

    response = client.get(list_url(trainee))

    assert response.context["trainee"] == trainee
    assert len(response.context["periods"]) == 2
    assert "Björkdalens hälsocentral" in response.content.decode()


@pytest.mark.parametrize("persona", READ_ONLY)
def test_read_only_roles_get_no_change_buttons(request, client, trainee, persona):
    period = ServicePeriodFactory(trainee=trainee)
    client.force_login(user_of(request, persona))

    response = client.get(list_url(trainee))

    content = response.content.decode()
    assert response.context["can_change"] is False
    assert reverse("service-create", args=[trainee.pk]) not in content
    assert reverse("service-update", args=[trainee.pk, period.pk]) not in content


def test_owner_gets_change_buttons(client, trainee):
    period = ServicePeriodFactory(trainee=trainee)
    leave = LeaveFactory(trainee=trainee)
    client.force_login(trainee.user)

    content = client.get(list_url(trainee)).content.decode()

    for name, pk in [("service-update", period.pk), ("service-delete", period.pk), ("leave-update", leave.pk)]:
        assert reverse(name, args=[trainee.pk, pk]) in content
    assert reverse("leave-create", args=[trainee.pk]) in content


# --- 404 for those who cannot see the trainee, 403 for readers, login for anonymous -------


def record_urls(trainee, period, leave):
    return [
        reverse("service-list", args=[trainee.pk]),
        reverse("service-create", args=[trainee.pk]),
        reverse("service-update", args=[trainee.pk, period.pk]),
        reverse("service-delete", args=[trainee.pk, period.pk]),
        reverse("leave-create", args=[trainee.pk]),
        reverse("leave-update", args=[trainee.pk, leave.pk]),
        reverse("leave-delete", args=[trainee.pk, leave.pk]),
    ]


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_every_page_is_404_for_those_who_cannot_see_the_trainee(request, client, trainee, persona):
    period = ServicePeriodFactory(trainee=trainee, workplace="Hemliga kliniken")
    leave = LeaveFactory(trainee=trainee)
    client.force_login(user_of(request, persona))

    for url in record_urls(trainee, period, leave):
        get, post = client.get(url), client.post(url, service_data())
        assert (url, get.status_code, post.status_code) == (url, 404, 404)
        assert "Hemliga kliniken" not in get.content.decode()
    assert ServicePeriod.objects.filter(trainee=trainee).count() == 1
    assert Leave.objects.filter(pk=leave.pk).exists()


@pytest.mark.parametrize("persona", READ_ONLY)
def test_readers_get_403_on_every_change(request, client, trainee, persona):
    period = ServicePeriodFactory(trainee=trainee)
    leave = LeaveFactory(trainee=trainee)
    client.force_login(user_of(request, persona))

    for url in record_urls(trainee, period, leave)[1:]:
        get, post = client.get(url), client.post(url, service_data())
        assert (url, get.status_code, post.status_code) == (url, 403, 403)
    assert list(ServicePeriod.objects.filter(trainee=trainee)) == [period]
    assert list(Leave.objects.filter(trainee=trainee)) == [leave]


def test_anonymous_is_sent_to_login(client, trainee):
    period = ServicePeriodFactory(trainee=trainee)
    leave = LeaveFactory(trainee=trainee)

    for url in record_urls(trainee, period, leave):
        response = client.get(url)
        assert response["Location"].startswith(reverse("login")), url


def test_a_record_of_another_trainee_is_404_under_the_own_trainee(client, trainee, other_trainee):
    foreign = ServicePeriodFactory(trainee=other_trainee)
    client.force_login(trainee.user)

    response = client.post(reverse("service-delete", args=[trainee.pk, foreign.pk]))

    assert response.status_code == 404
    assert ServicePeriod.objects.filter(pk=foreign.pk).exists()


# --- changing: the owner ----------------------------------------------------------


def test_owner_adds_a_tjanstgoring(client, trainee, unit, supervisor):
    client.force_login(trainee.user)

    response = client.post(
        reverse("service-create", args=[trainee.pk]),
        service_data(unit=unit.pk, workplace="", supervisor=supervisor.pk, percent="80"),
        follow=True,
    )

    period = ServicePeriod.objects.get(trainee=trainee)
    assert (period.unit, period.supervisor, period.percent, period.start) == (unit, supervisor, 80, date(2025, 1, 1))
    assert response.redirect_chain[-1][0] == list_url(trainee)
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert AuditEvent.objects.filter(action="serviceperiod.created", target_id=period.pk, actor=trainee.user).exists()


def test_owner_edits_a_tjanstgoring_without_clashing_with_itself(client, trainee):
    period = ServicePeriodFactory(trainee=trainee, start=date(2025, 1, 1), end=date(2025, 6, 30))
    client.force_login(trainee.user)

    response = client.post(
        reverse("service-update", args=[trainee.pk, period.pk]), service_data(end="2025-08-31", percent="100")
    )

    assert response.status_code == 302
    period.refresh_from_db()
    assert period.end == date(2025, 8, 31)


def test_owner_adds_and_edits_a_ledighet(client, trainee):
    client.force_login(trainee.user)

    client.post(reverse("leave-create", args=[trainee.pk]), leave_data(percent="20"))
    leave = Leave.objects.get(trainee=trainee)
    response = client.post(reverse("leave-update", args=[trainee.pk, leave.pk]), leave_data(end="2025-04-15"))

    assert response.status_code == 302
    leave.refresh_from_db()
    assert (leave.kind, leave.end, leave.percent) == (LeaveKind.PARENTAL, date(2025, 4, 15), 100)


def test_form_renders_date_pickers_and_the_choices(client, trainee, unit, other_unit, supervisor, outsider):
    client.force_login(trainee.user)

    response = client.get(reverse("service-create", args=[trainee.pk]))

    form = response.context["form"]
    content = response.content.decode()
    assert 'type="date"' in content
    assert "Björkdalens hälsocentral (Region Norrmark)" in content  # unit names are unique per region only
    assert set(form.fields["unit"].queryset) == {unit, other_unit}
    people = set(form.fields["supervisor"].queryset)
    assert supervisor in people
    assert trainee.second_specialist in people  # holds a specialist role
    assert outsider not in people
    assert trainee.study_director not in people


def test_supervisor_choices_keep_the_current_value(trainee, outsider):
    period = ServicePeriodFactory(trainee=trainee, supervisor=outsider)

    form = ServicePeriodForm(instance=period, trainee=trainee)

    assert outsider in form.fields["supervisor"].queryset


def test_supervisor_choices_list_each_person_once(trainee, supervisor, other_unit):
    MembershipFactory(user=supervisor, unit=other_unit, role=Role.SPECIALIST)

    form = ServicePeriodForm(trainee=trainee)

    assert list(form.fields["supervisor"].queryset).count(supervisor) == 1


# --- validation ------------------------------------------------------------------


def test_end_before_start_is_rejected(client, trainee):
    client.force_login(trainee.user)

    response = client.post(reverse("service-create", args=[trainee.pk]), service_data(end="2024-12-31"))

    assert "end" in response.context["form"].errors
    assert not ServicePeriod.objects.exists()


def test_overlap_above_full_time_is_rejected(client, trainee):
    ServicePeriodFactory(
        trainee=trainee, workplace="Björkdalens hälsocentral", start=date(2025, 1, 1), end=date(2025, 6, 30)
    )
    client.force_login(trainee.user)

    response = client.post(
        reverse("service-create", args=[trainee.pk]),
        service_data(start="2025-06-01", end="2025-08-31", percent="50"),
    )

    form = response.context["form"]
    assert not form.is_valid()
    assert form.has_error("__all__", code="overlap")
    assert ServicePeriod.objects.filter(trainee=trainee).count() == 1
    message = form.non_field_errors()[0]
    assert "Björkdalens hälsocentral 2025-01-01–2025-06-30" in message
    assert "2025-06-01" in message


def test_overlap_message_is_swedish(client, trainee):
    ServicePeriodFactory(
        trainee=trainee, workplace="Björkdalens hälsocentral", start=date(2025, 1, 1), end=date(2025, 6, 30)
    )
    client.force_login(trainee.user)

    response = client.post(
        reverse("service-create", args=[trainee.pk]), service_data(start="2025-06-01", end="2025-08-31")
    )

    assert response.context["form"].non_field_errors() == [
        "Tjänstgöringen överlappar Björkdalens hälsocentral 2025-01-01–2025-06-30 och tillsammans blir det mer "
        "än heltid 2025-06-01. Ändra datumen eller omfattningen."
    ]


def test_overlap_is_found_where_a_later_period_starts(trainee):
    ServicePeriodFactory(trainee=trainee, start=date(2025, 1, 1), end=date(2025, 3, 31), percent=40)
    later = ServicePeriodFactory(trainee=trainee, start=date(2025, 5, 1), end=date(2025, 8, 31), percent=60)

    form = ServicePeriodForm(service_data(start="2025-02-01", end="2025-06-30", percent="50"), trainee=trainee)

    assert not form.is_valid()
    assert f"{later.start:%Y-%m-%d}" in form.non_field_errors()[0]


def test_parallel_part_time_periods_up_to_full_time_are_accepted(trainee, other_trainee):
    ServicePeriodFactory(trainee=trainee, start=date(2025, 1, 1), end=date(2025, 12, 31), percent=50)
    ServicePeriodFactory(trainee=other_trainee, start=date(2025, 1, 1), end=date(2025, 12, 31), percent=100)

    form = ServicePeriodForm(service_data(start="2025-03-01", end="2025-05-31", percent="50"), trainee=trainee)

    assert form.is_valid(), form.errors


def test_overlapping_leave_is_rejected(client, trainee):
    LeaveFactory(trainee=trainee, kind=LeaveKind.VACATION, start=date(2025, 3, 20), end=date(2025, 4, 5))
    client.force_login(trainee.user)

    response = client.post(reverse("leave-create", args=[trainee.pk]), leave_data())

    form = response.context["form"]
    assert form.has_error("__all__", code="overlap")
    assert "2025-03-20–2025-04-05" in form.non_field_errors()[0]
    assert Leave.objects.filter(trainee=trainee).count() == 1


def test_leave_overlap_message_is_swedish(client, trainee):
    LeaveFactory(trainee=trainee, kind=LeaveKind.VACATION, start=date(2025, 3, 20), end=date(2025, 4, 5))
    client.force_login(trainee.user)

    response = client.post(reverse("leave-create", args=[trainee.pk]), leave_data())

    assert response.context["form"].non_field_errors() == [
        "Ledigheten överlappar semester 2025-03-20–2025-04-05. Ändra datumen, eller ändra den andra ledigheten först."
    ]


def test_adjacent_leave_and_editing_a_leave_itself_are_accepted(trainee):
    leave = LeaveFactory(trainee=trainee, start=date(2025, 3, 1), end=date(2025, 3, 31))

    adjacent = LeaveForm(leave_data(start="2025-04-01", end="2025-04-30"), trainee=trainee)
    itself = LeaveForm(leave_data(start="2025-03-01", end="2025-04-10"), instance=leave, trainee=trainee)

    assert adjacent.is_valid(), adjacent.errors
    assert itself.is_valid(), itself.errors


def test_a_tjanstgoring_needs_a_unit_or_a_workplace(trainee):
    form = ServicePeriodForm(service_data(unit="", workplace=" "), trainee=trainee)

    assert not form.is_valid()
    assert list(form.errors) == ["workplace"]


def test_leave_end_before_start_is_rejected(trainee):
    form = LeaveForm(leave_data(start="2025-03-10", end="2025-03-01"), trainee=trainee)

    assert not form.is_valid()
    assert list(form.errors) == ["end"]


# --- delete ---------------------------------------------------------------------


def test_delete_asks_first_and_deletes_on_post(client, trainee):
    period = ServicePeriodFactory(trainee=trainee, workplace="Björkdalens hälsocentral")
    url = reverse("service-delete", args=[trainee.pk, period.pk])
    client.force_login(trainee.user)

    confirmation = client.get(url)

    assert "Björkdalens hälsocentral 2024-01-01–2024-06-30" in confirmation.content.decode()
    assert ServicePeriod.objects.filter(pk=period.pk).exists()

    response = client.post(url, follow=True)

    assert not ServicePeriod.objects.filter(pk=period.pk).exists()
    assert response.redirect_chain[-1][0] == list_url(trainee)
    assert len(list(response.context["messages"])) == 1
    event = AuditEvent.objects.get(action="serviceperiod.deleted", target_id=period.pk)
    assert event.data["record"] == "Björkdalens hälsocentral 2024-01-01–2024-06-30"


def test_leave_delete_asks_first_and_deletes_on_post(client, trainee):
    leave = LeaveFactory(trainee=trainee, kind=LeaveKind.PARENTAL)
    url = reverse("leave-delete", args=[trainee.pk, leave.pk])
    client.force_login(trainee.user)

    assert "2024-07-01–2024-07-21" in client.get(url).content.decode()
    assert Leave.objects.filter(pk=leave.pk).exists()

    response = client.post(url)

    assert response["Location"] == list_url(trainee)
    assert not Leave.objects.filter(pk=leave.pk).exists()


# --- queries ---------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3])
def test_list_query_count_does_not_grow(client, django_assert_num_queries, trainee, unit, supervisor, count):
    for index in range(count):
        year = 2020 + index
        ServicePeriodFactory(
            trainee=trainee,
            unit=UnitFactory(),
            specialty=trainee.specialty,
            supervisor=UserFactory(),
            start=date(year, 1, 1),
            end=date(year, 12, 31),
        )
        LeaveFactory(trainee=trainee, kind=LeaveKind.PARENTAL, start=date(year, 3, 1), end=date(year, 3, 31))
    client.force_login(trainee.user)

    # session, user, national-admin check, trainee, tjänstgöringar, ledigheter
    with django_assert_num_queries(6):
        response = client.get(list_url(trainee))

    assert len(response.context["periods"]) == count


def test_list_for_a_trainee_under_2021_works(client, unit):
    trainee = TraineeFactory(unit=unit, regulation=regulation("HSLF_FS_2021_8"), bt_mode="integrated")
    ServicePeriodFactory(trainee=trainee, kind=ServiceKind.BT_PRIMARY, start=date(2024, 1, 1), end=date(2024, 6, 30))
    client.force_login(trainee.user)

    response = client.get(list_url(trainee))

    assert response.context["summary"].required == 66
    assert [row.label for row in response.context["summary"].by_kind] == [ServiceKind.BT_PRIMARY.label]


def test_handledare_choices_are_from_the_trainees_region(client, trainee, other_supervisor):
    from accounts.enums import Role
    from tests.factories import MembershipFactory, UnitFactory, UserFactory

    far_away = UserFactory(name="Handledare i annan region")
    MembershipFactory(user=far_away, unit=UnitFactory(), role=Role.SUPERVISOR)
    client.force_login(trainee.user)

    form = client.get(reverse("service-create", args=[trainee.pk])).context["form"]

    offered = set(form.fields["supervisor"].queryset)
    assert {trainee.main_supervisor, other_supervisor} <= offered
    assert far_away not in offered
