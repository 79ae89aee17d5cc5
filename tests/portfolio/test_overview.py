"""The trainee's own page: time, what is due, the timeline and the delmål evidence, all from
one computation (portfolio.snapshot.build_status) shared with st_status and the section pages."""

import json
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portfolio.enums import LeaveKind, ServiceKind
from portfolio.models import Leave, ServicePeriod, SupervisionMeeting
from portfolio.snapshot import build_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(trainee):
    today = timezone.localdate()
    ServicePeriod.objects.create(
        trainee=trainee,
        kind=ServiceKind.MAIN,
        unit=trainee.unit,
        start=today - timedelta(days=400),
        end=today + timedelta(days=400),
        percent=100,
    )
    Leave.objects.create(
        trainee=trainee, kind=LeaveKind.PARENTAL, start=today - timedelta(days=200), end=today - timedelta(days=170)
    )
    for weeks in range(0, 30, 2):
        SupervisionMeeting.objects.create(trainee=trainee, date=today - timedelta(weeks=weeks), minutes=60)
    return trainee


def page(client, trainee, **params):
    return client.get(reverse("trainee-detail", args=[trainee.pk]), params)


def test_overview_shows_time_due_items_timeline_and_evidence(client, recorded):
    client.force_login(recorded.user)

    response = page(client, recorded)

    status = response.context["status"]
    content = response.content.decode()
    assert status == build_status(recorded, timezone.localdate())
    assert f"{status.fte_months:.1f}".replace(".", ",") in content
    assert "<svg" in content
    assert any(item.text.startswith("Handledning under normen") for item in response.context["due_next"])
    assert 'id="coverage-heading"' in content
    assert content.count("<tr>") >= len(status.goals)
    assert reverse("portfolio-export", args=[recorded.pk]) in content


def test_what_if_moves_the_projected_end(client, recorded):
    client.force_login(recorded.user)

    full = page(client, recorded, percent=100).context["timeline"].what_if_end
    half = page(client, recorded, percent=50).context["timeline"].what_if_end

    assert full is not None
    assert half > full


def test_bad_what_if_is_ignored_with_a_message(client, recorded):
    client.force_login(recorded.user)

    response = page(client, recorded, percent=150)

    assert response.context["timeline"].what_if_end is None
    assert response.context["what_if"].errors["percent"]


def test_handledning_page_and_st_status_agree_with_the_overview(client, recorded):
    client.force_login(recorded.user)
    overview = page(client, recorded).context["status"]
    supervision = client.get(reverse("supervision-list", args=[recorded.pk])).context
    out = StringIO()
    call_command("st_status", recorded.user.username, "--json", stdout=out)
    status_json = json.loads(out.getvalue())

    eight_weeks = dict(supervision["overview"].windows)[8]
    assert (eight_weeks.hours, eight_weeks.expected_hours) == (
        overview.supervision_last_8_weeks.hours,
        overview.supervision_last_8_weeks.expected_hours,
    )
    assert status_json["supervision_hours_last_8_weeks"] == round(overview.supervision_last_8_weeks.hours, 2)
    assert status_json["fte_months"] == round(overview.fte_months, 2)


def test_service_page_agrees_with_the_overview(client, recorded):
    client.force_login(recorded.user)
    overview = page(client, recorded).context["status"]

    service = client.get(reverse("service-list", args=[recorded.pk])).context["summary"]

    assert service.done == pytest.approx(overview.fte_months)
    assert service.planned == pytest.approx(overview.fte_months_planned)


def test_huvudhandledare_sees_overview_but_no_export(client, recorded):
    client.force_login(recorded.main_supervisor)

    response = page(client, recorded)

    assert response.context["may_export"] is False
    assert reverse("portfolio-export", args=[recorded.pk]) not in response.content.decode()


@pytest.mark.parametrize("count", [1, 5])
def test_overview_query_count_does_not_grow(client, django_assert_num_queries, trainee, count):
    today = timezone.localdate()
    for index in range(count):
        start = today - timedelta(days=100 * (index + 1))
        ServicePeriod.objects.create(
            trainee=trainee, kind=ServiceKind.MAIN, workplace="VC", start=start, end=start + timedelta(days=50)
        )
        SupervisionMeeting.objects.create(trainee=trainee, date=start, minutes=60)
    client.force_login(trainee.user)
    page(client, trainee)  # the region's policy is created on first use

    # 21 for the portfolio, 6 for the assessments app's figures in the status, 3 for readiness
    # (delmål, intyg, end-of-ST review; without intyg nothing is asked about their signatures),
    # 2 for whether the Händelselogg is linked (the studierektor's and the administrator's roles).
    with django_assert_num_queries(32):
        page(client, trainee)


def test_empty_month_link_prefills_the_start(client, trainee):
    client.force_login(trainee.user)

    response = client.get(reverse("service-create", args=[trainee.pk]), {"start": "2026-03-01"})
    ignored = client.get(reverse("service-create", args=[trainee.pk]), {"start": "mars"})

    assert response.context["form"]["start"].value() == date(2026, 3, 1)
    assert ignored.context["form"]["start"].value() is None
