"""Händelselogg: the trainee's audit trail for the studierektor and the administrators, and for no one else."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.shortcuts import resolve_url
from django.urls import reverse

from accounts.audit import acting_as
from accounts.domain import record_event
from portfolio.audit_log import STEP_LABELS
from portfolio.enums import SupervisionKind
from portfolio.models import Goal, ServicePeriod
from tests.factories import TraineeFactory
from tests.portfolio.factories_service import ServicePeriodFactory, SupervisionMeetingFactory
from tests.portfolio.test_service import user_of

pytestmark = pytest.mark.django_db

AUDITORS = ["study_director", "region_admin", "national_admin"]
READ_ONLY = ["owner", "supervisor", "second_specialist", "unit_head"]
OUTSIDERS = ["outsider", "other_supervisor", "other_study_director", "other_trainee", "other_region_admin"]


def url(trainee, **query):
    path = reverse("audit-log", args=[trainee.pk])
    return path + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


@pytest.fixture
def history(trainee):
    """A service period created, changed and deleted by the trainee; a step by the studierektor."""
    with acting_as(trainee.user):
        period = ServicePeriodFactory(trainee=trainee, percent=100, workplace="Vårdcentralen Norrby")
        period = ServicePeriod.objects.get(pk=period.pk)
        period.percent = 50
        period.save()
        kept = ServicePeriodFactory(trainee=trainee, percent=75, workplace="Medicinkliniken Sunderby")
        period.delete()
    record_event(trainee.study_director, "iup.approved", kept)
    return kept


@pytest.mark.parametrize("persona", AUDITORS)
def test_auditors_read_who_changed_what_and_when(request, client, trainee, history, persona):
    client.force_login(user_of(request, persona))

    page = client.get(url(trainee)).content.decode()

    assert "Händelselogg" in page
    assert "Skapad" in page and "Ändrad" in page and "Borttagen" in page
    assert "100 → 50" in page  # before and after, by field
    assert "procent av heltid: 100 → 50" in page.lower()  # the field by its Swedish name
    assert trainee.user.name in page and trainee.study_director.name in page
    assert "Vårdcentralen Norrby" in page  # the deleted record is still answerable
    assert "Godkänd" in page and "iup.approved" not in page  # the step by its Swedish name


@pytest.mark.parametrize("persona", READ_ONLY)
def test_the_others_who_see_the_trainee_are_refused(request, client, trainee, history, persona):
    client.force_login(user_of(request, persona))
    response = client.get(url(trainee))
    assert response.status_code == 403
    assert "Vårdcentralen Norrby" not in response.content.decode()


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_do_not_learn_that_the_trainee_exists(request, client, trainee, history, persona):
    client.force_login(user_of(request, persona))
    response = client.get(url(trainee))
    assert response.status_code == 404
    assert "Vårdcentralen Norrby" not in response.content.decode()


def test_anonymous_is_sent_to_login(client, trainee):
    response = client.get(url(trainee))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL) + "?next=")


def test_another_trainees_events_are_not_shown(client, trainee, study_director, unit):
    colleague = TraineeFactory(unit=unit, study_director=study_director)
    with acting_as(colleague.user):
        ServicePeriodFactory(trainee=colleague, workplace="Kollegans sjukhus")
        ServicePeriodFactory(trainee=trainee, workplace="Egna vårdcentralen")
    client.force_login(study_director)

    page = client.get(url(trainee)).content.decode()

    assert "Egna vårdcentralen" in page
    assert "Kollegans sjukhus" not in page


def test_the_notes_of_a_handledning_are_shown_only_as_changed(client, trainee, study_director):
    SupervisionMeetingFactory(trainee=trainee, notes="Svårt samtal om arbetsmiljön")
    client.force_login(study_director)

    page = client.get(url(trainee)).content.decode()

    assert "(dold)" in page
    assert "Svårt samtal" not in page


def test_the_filter_shows_changes_or_steps(client, trainee, study_director, history):
    client.force_login(study_director)

    changes = client.get(url(trainee, kind="changes")).content.decode()
    steps = client.get(url(trainee, kind="steps")).content.decode()

    assert "Ändrad" in changes and "Godkänd" not in changes
    assert "Godkänd" in steps and "100 → 50" not in steps


def test_the_filter_by_kind_of_record(client, trainee, study_director, history):
    SupervisionMeetingFactory(trainee=trainee, topics="Multisjuka äldre")
    client.force_login(study_director)
    service = ContentType.objects.get_for_model(ServicePeriod).pk

    page = client.get(url(trainee, record_type=service)).content.decode()

    assert "Vårdcentralen Norrby" in page and "Multisjuka äldre" not in page


def test_a_bad_filter_value_is_refused_in_swedish_not_a_server_error(client, trainee, study_director, history):
    client.force_login(study_director)
    response = client.get(url(trainee, record_type="x" * 400, kind="<script>"))
    assert response.status_code == 200
    assert "Välj ett giltigt alternativ" in response.content.decode()


def test_the_trainee_page_links_the_log_for_auditors_only(client, trainee, study_director):
    client.force_login(study_director)
    assert url(trainee) in client.get(reverse("trainee-detail", args=[trainee.pk])).content.decode()
    client.force_login(trainee.main_supervisor)
    assert url(trainee) not in client.get(reverse("trainee-detail", args=[trainee.pk])).content.decode()


def test_queries_do_not_grow_with_the_events(client, trainee, study_director, django_assert_max_num_queries):
    client.force_login(study_director)
    with acting_as(trainee.user):
        ServicePeriodFactory(trainee=trainee)
    with django_assert_max_num_queries(9) as first:
        client.get(url(trainee))
    with acting_as(trainee.user):
        for _ in range(30):
            SupervisionMeetingFactory(trainee=trainee)
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(url(trainee)).content.decode()
    assert page.count("Skapad") >= 31


def test_people_delmal_and_choices_are_named_not_shown_as_ids(client, trainee, study_director):
    goals = list(Goal.objects.filter(curriculum=trainee.curriculum).order_by("position")[:2])
    with acting_as(trainee.user):
        meeting = SupervisionMeetingFactory(trainee=trainee, kind=SupervisionKind.TALK)
        meeting.goals.add(*goals)
    client.force_login(study_director)

    page = client.get(url(trainee)).content.decode()

    assert f"tillagt {goals[0].code}, {goals[1].code}" in page.lower()  # delmål by code
    assert "tillagt #" not in page.lower()
    assert trainee.main_supervisor.name in page  # the handledare by name, not her id
    assert str(SupervisionKind.TALK.label) in page  # the choice by its label, not "talk"
    assert "+00:00" not in page  # a moment in local time, as the rest of the page


def test_every_step_the_code_writes_has_a_swedish_label():
    """A new workflow step without a label would show as its code in the log."""
    root = Path(settings.BASE_DIR)
    written = set()
    for path in root.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        written |= set(re.findall(r'"[a-z_]+\.([a-z_]+)"', "\n".join(re.findall(r"record_event\([^)]*", text))))
        written |= set(re.findall(r'action="[a-z_]+\.([a-z_]+)"', text))
        written |= set(re.findall(r'"[a-z_]+\.([a-z_]+)" if ', text))
    assert {"approved", "returned", "signed", "submitted"} <= written  # the scan finds the steps
    assert sorted(written - set(STEP_LABELS)) == []
