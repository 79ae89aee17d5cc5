"""Hostile input to every form a user posts: no server error, a Swedish refusal, nothing half-saved.

Each test reads the form from its page as the person who may use it, then lets hypothesis
replace, drop or multiply its fields with hostile values (NUL bytes, 5,000 characters,
markup, SQL, control and direction characters, 400-digit and non-finite numbers,
impossible dates, other people's ids, lists where one value is expected). Every post must
answer below 500; a refusal re-renders the page in Swedish with an error and leaves the
database as it was; an acceptance creates exactly the expected row.
"""

from datetime import date

import pytest
from django.urls import reverse
from hypothesis import given

from portfolio.models import Leave, ServicePeriod, SupervisionMeeting
from tests.hostile.conftest import HOSTILE
from tests.hostile.harness import Outcome, browser_body, error_texts, form_fields, hostile_post, post_hostile
from tests.portfolio.factories_service import LeaveFactory, ServicePeriodFactory, SupervisionMeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign(other_trainee, other_supervisor):
    """Primary keys of records that belong to someone else, to be slipped into the posts."""
    period = ServicePeriodFactory(trainee=other_trainee)
    meeting = SupervisionMeetingFactory(trainee=other_trainee, supervisor=other_supervisor)
    return [other_trainee.pk, other_supervisor.pk, period.pk, meeting.pk, 10**19]


def run(client, user, url, *, models, watched=(), created=0, valid=None, keep=(), foreign_ids=()):
    """A hypothesis-driven test body: read the form, then post hostile variants of it."""
    client.force_login(user)
    fields = form_fields(client, url)
    fields.update(valid or {})
    outcome = Outcome()

    @HOSTILE
    @given(data=hostile_post(fields, foreign_ids, keep))
    def check(data):
        post_hostile(client, url, data, models=models, watched=watched, created=created, outcome=outcome)

    check()
    # The valid form itself is accepted: the hostile runs were not all refused for another reason.
    if valid is not None:
        response = post_hostile(client, url, browser_body(fields), models=models, watched=watched, created=created)
        assert response.status_code == 302, error_texts(response.content.decode())
    assert outcome.tried >= 20
    print(f"{url}: {outcome}")
    return outcome


VALID_PERIOD = {
    "kind": "main",
    "workplace": "Björkdalens hälsocentral",
    "start": "2024-01-01",
    "end": "2024-06-30",
    "percent": "100",
}


def test_service_period_create(client, trainee, foreign):
    url = reverse("service-create", args=[trainee.pk])
    run(client, trainee.user, url, models=[ServicePeriod, Leave], created=1, valid=VALID_PERIOD, foreign_ids=foreign)


def test_service_period_edit(client, trainee, foreign):
    period = ServicePeriodFactory(trainee=trainee, start=date(2024, 1, 1), end=date(2024, 6, 30))
    url = reverse("service-update", args=[trainee.pk, period.pk])
    run(client, trainee.user, url, models=[ServicePeriod], watched=[period], foreign_ids=foreign)


def test_leave_create(client, trainee, foreign):
    url = reverse("leave-create", args=[trainee.pk])
    valid = {"kind": "semester", "start": "2024-02-01", "end": "2024-02-10", "percent": "100"}
    run(client, trainee.user, url, models=[Leave], created=1, valid=valid, foreign_ids=foreign)


def test_leave_edit(client, trainee, foreign):
    leave = LeaveFactory(trainee=trainee)
    url = reverse("leave-update", args=[trainee.pk, leave.pk])
    run(client, trainee.user, url, models=[Leave], watched=[leave], foreign_ids=foreign)


def test_supervision_create(client, trainee, supervisor, foreign):
    url = reverse("supervision-create", args=[trainee.pk])
    valid = {"date": "2024-03-01", "minutes": "60", "kind": "talk", "supervisor": str(supervisor.pk)}
    run(client, trainee.user, url, models=[SupervisionMeeting], created=1, valid=valid, foreign_ids=foreign)


def test_supervision_edit(client, trainee, supervisor, foreign):
    meeting = SupervisionMeetingFactory(trainee=trainee, supervisor=supervisor)
    url = reverse("supervision-update", args=[trainee.pk, meeting.pk])
    run(client, supervisor, url, models=[SupervisionMeeting], watched=[meeting], foreign_ids=foreign)
