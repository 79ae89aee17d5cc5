"""The stored status behind the trainee's start page: the same as the computed one, written
after every change, read only on its own day, emptied when the norms move."""

import dataclasses
import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import update_last_login
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.domain import policy_for
from assessments.enums import AssessmentKind, AssessorRole
from portfolio.enums import LeaveKind, ServiceKind
from portfolio.models import StoredStatus, Trainee
from portfolio.readiness.store import refresh, refresh_all
from portfolio.snapshot import (
    STORED_FORM_VERSION,
    build_status,
    from_stored_form,
    start_page_status,
    stored_form,
    stored_status,
)
from tests.assessments.factories import (
    ActionPlanFactory,
    AssessmentFactory,
    MidTermEvaluationFactory,
    SupervisorStatementFactory,
)
from tests.factories import TraineeFactory
from tests.portfolio.factories_plans import TrainingPlanFactory
from tests.portfolio.factories_service import LeaveFactory, ServicePeriodFactory, SupervisionMeetingFactory

pytestmark = pytest.mark.django_db


def without_coverage(status):
    return dataclasses.replace(status, goals=[])


def test_every_demo_trainee_reads_back_the_status_it_would_compute(settings):
    settings.DEBUG = True
    call_command("seed_demo", quiet=True)
    today = timezone.localdate()

    trainees = list(Trainee.objects.select_related("user", "unit__region", "regulation", "specialty"))
    assert len(trainees) > 10
    for trainee in trainees:
        computed = build_status(trainee, today, evidence=False)
        # Through the database's JSON and back: every field, every float and date the same.
        assert stored_status(trainee, today) == computed, trainee.user.username
    # The demo has the kinds of figure the form must carry, or the comparison proves little.
    statuses = [stored_status(trainee, today) for trainee in trainees]
    assert any(status.latest_statement for status in statuses)
    assert any(status.mid_st_visit_date for status in statuses)
    assert any(status.fte_by_year and status.fte_by_kind for status in statuses)
    assert any(status.open_action_plan for status in statuses)


def test_the_form_round_trips_without_the_database(trainee):
    ServicePeriodFactory(trainee=trainee, start=trainee.st_start, end=trainee.st_start + timedelta(days=700))
    status = build_status(trainee, timezone.localdate())

    assert from_stored_form(stored_form(status)) == without_coverage(status)
    assert "goals" not in stored_form(status)


def test_a_field_without_a_stored_form_is_refused(trainee):
    status = dataclasses.replace(build_status(trainee, timezone.localdate()), fte_months={1.5})

    with pytest.raises(TypeError, match="fte_months"):
        stored_form(status)


def test_another_version_or_day_is_not_read(trainee):
    today = timezone.localdate()
    refresh(trainee, today)
    assert stored_status(trainee, today) is not None

    assert stored_status(trainee, today + timedelta(days=1)) is None
    data = StoredStatus.objects.get(trainee=trainee).status
    StoredStatus.objects.filter(trainee=trainee).update(status={**data, "version": STORED_FORM_VERSION + 1})
    assert stored_status(trainee, today) is None


def _page_without_tokens(response):
    # The tokens and the script nonce differ on every response.
    content = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return re.sub(r'nonce="[^"]*"', "", content)


def test_the_start_page_reads_the_stored_status_and_shows_what_it_would_compute(
    client, django_assert_num_queries, trainee
):
    ServicePeriodFactory(trainee=trainee, start=trainee.st_start, end=date(2028, 8, 31))
    SupervisionMeetingFactory(trainee=trainee, date=timezone.localdate(), minutes=60)
    policy_for(trainee.unit.region)
    refresh(trainee)
    client.force_login(trainee.user)
    client.get(reverse("home"))

    # session, user, own profile, roles, intyg to sign, the stored status, supervised
    with django_assert_num_queries(7):
        stored = client.get(reverse("home"))
    StoredStatus.objects.filter(trainee=trainee).delete()
    computed = client.get(reverse("home"))

    assert stored.context["own_status"] == without_coverage(build_status(trainee))
    assert _page_without_tokens(stored) == _page_without_tokens(computed)
    assert "Sara Öberg" in stored.content.decode()


def test_yesterdays_stored_status_is_not_shown(client, trainee):
    ServicePeriodFactory(trainee=trainee, start=trainee.st_start, end=date(2028, 8, 31))
    today = timezone.localdate()
    refresh(trainee, today - timedelta(days=1))
    # Marked so that reading it would show: the page must compute instead.
    stored = StoredStatus.objects.get(trainee=trainee)
    assert stored.computed_on == today - timedelta(days=1)
    StoredStatus.objects.filter(trainee=trainee).update(status={**stored.status, "name": "Fel Namn"})
    client.force_login(trainee.user)

    response = client.get(reverse("home"))

    assert response.context["own_status"].today == today
    assert response.context["own_status"].name == "Sara Öberg"
    assert "Fel Namn" not in response.content.decode()


CHANGES = {
    "tjänstgöring": lambda t: ServicePeriodFactory(
        trainee=t, kind=ServiceKind.MAIN, start=date(2029, 9, 1), end=date(2030, 8, 31)
    ),
    "ledighet": lambda t: LeaveFactory(
        trainee=t, kind=LeaveKind.PARENTAL, start=t.st_start + timedelta(days=30), end=t.st_start + timedelta(days=90)
    ),
    "handledning": lambda t: SupervisionMeetingFactory(trainee=t, date=timezone.localdate(), minutes=90),
    "kompetensvärdering": lambda t: AssessmentFactory(
        trainee=t,
        kind=AssessmentKind.SIT_IN,
        assessor_role=AssessorRole.SUPERVISOR,
        date=timezone.localdate() - timedelta(days=3),
    ),
    "handledarutlåtande": lambda t: SupervisorStatementFactory(trainee=t),
    "Mitt-i-ST": lambda t: MidTermEvaluationFactory(trainee=t),
    "åtgärdsplan": lambda t: ActionPlanFactory(trainee=t),
    "IUP": lambda t: TrainingPlanFactory(trainee=t),
    "namn": lambda t: (setattr(t.user, "name", "Sara Nyman"), t.user.save()),
    "ST-start": lambda t: (setattr(t, "st_start", t.st_start - timedelta(days=200)), t.save()),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_after_each_kind_of_change_the_stored_status_is_the_computed_one(
    change, trainee, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    ServicePeriodFactory(trainee=trainee, start=trainee.st_start, end=date(2029, 8, 31))
    refresh(trainee, today)
    before = stored_status(trainee, today)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        change(trainee)

    assert callbacks, "the change schedules no refresh"
    trainee = Trainee.objects.select_related("user", "unit__region", "regulation").get(pk=trainee.pk)
    after = stored_status(trainee, today)
    assert after == build_status(trainee, today, evidence=False)
    assert after != before, "the change moves no figure, so the test proves nothing"


def test_a_login_alone_schedules_no_refresh(trainee, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        update_last_login(None, trainee.user)

    assert callbacks == []


def test_new_norms_empty_the_stored_status_of_the_trainees_they_apply_to(trainee, other_trainee, unit):
    elsewhere = TraineeFactory()
    assert elsewhere.unit.region != unit.region == other_trainee.unit.region
    refresh_all()
    policy = policy_for(unit.region)

    policy.supervision_hours_per_week = policy.supervision_hours_per_week + 1
    policy.save()

    assert set(StoredStatus.objects.values_list("trainee_id", flat=True)) == {elsewhere.pk}
    # The next start page computes it, with the new norm.
    assert start_page_status(trainee) == build_status(trainee, evidence=False)
    assert stored_status(elsewhere, timezone.localdate()) is not None


def test_a_unit_or_regulation_change_empties_only_their_trainees(trainee, other_trainee):
    refresh_all()

    trainee.unit.save()
    assert set(StoredStatus.objects.values_list("trainee_id", flat=True)) == {other_trainee.pk}

    refresh_all()
    other_trainee.regulation.save()
    kept = set(StoredStatus.objects.values_list("trainee_id", flat=True))
    assert kept == set(Trainee.objects.exclude(regulation=other_trainee.regulation).values_list("pk", flat=True))
    assert other_trainee.pk not in kept
