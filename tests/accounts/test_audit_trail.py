"""The audit trail's record changes: who changed which field of which record from what to what,
written for every registered model whatever saved it, and never editable."""

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import reverse

from accounts.audit import CHANGED, CREATED, DELETED, HIDDEN, acting_as, registered_models
from accounts.domain import record_event
from accounts.models import AuditEvent
from assessments.enums import SignedStatus
from assessments.models import AssessmentRequest
from portfolio.models import Goal, ServicePeriod, SupervisionMeeting
from tests.assessments.factories import AssessmentFactory, AssessmentRequestFactory
from tests.factories import TraineeFactory
from tests.portfolio.factories_service import ServicePeriodFactory, SupervisionMeetingFactory
from tests.portfolio.test_supervision import meeting_data

pytestmark = pytest.mark.django_db

# Models deliberately outside the record-change log, each with its reason. A new model of the
# three portfolio apps must be registered or added here, or test_every_model_is_decided fails.
NOT_AUDITED = {
    "portfolio.Regulation": "reference data loaded from files",
    "portfolio.Curriculum": "reference data loaded from files",
    "portfolio.Goal": "reference data loaded from files",
    "portfolio.GoalRequirement": "reference data loaded from files",
    "portfolio.StatusSnapshot": "derived from the records, rebuilt at will",
    "portfolio.StoredStatus": "derived from the records, rebuilt at will",
    "assessments.AssessmentTemplate": "reference data loaded from files",
    "contracts.CriterionState": "derived from attestations and dispensations",
    "contracts.Survey": "the anonymous survey: an audit row would tie answers to a time",
    "contracts.SurveyInvitation": "the anonymous survey: an audit row would tie answers to a time",
    "contracts.SurveyResponse": "the anonymous survey: an audit row would tie answers to a time",
    "contracts.SurveyAnswer": "the anonymous survey: an audit row would tie answers to a time",
}


def record_events(instance):
    return list(
        AuditEvent.objects.record_changes()
        .filter(target_type__model=instance._meta.model_name, target_id=instance.pk)
        .order_by("pk")
    )


def test_every_model_is_decided():
    labels = {
        model._meta.label
        for name in ("portfolio", "assessments", "contracts")
        for model in apps.get_app_config(name).get_models()
    }
    registered = {model._meta.label for model in registered_models()}
    assert labels - registered == set(NOT_AUDITED)
    assert "accounts.Membership" in registered  # who holds which role


def test_a_record_made_through_a_view_names_the_person_the_trainee_and_the_values(client):
    trainee = TraineeFactory()
    client.force_login(trainee.user)

    client.post(reverse("supervision-create", args=[trainee.pk]), meeting_data(trainee, notes="Svårt samtal"))

    meeting = SupervisionMeeting.objects.get(trainee=trainee)
    [created] = record_events(meeting)
    assert (created.action, created.actor, created.trainee_id) == (CREATED, trainee.user, trainee.pk)
    assert created.changes["minutes"] == [None, 45]
    assert created.changes["topics"] == [None, "Multisjuka äldre"]
    # The notes are private to the trainee and the handledare: changed, but not shown.
    assert created.changes["notes"] == [None, HIDDEN]
    assert "Svårt samtal" not in str(AuditEvent.objects.values_list("changes", "data"))


def test_a_change_records_only_the_changed_fields_before_and_after(client):
    trainee = TraineeFactory()
    meeting = SupervisionMeetingFactory(trainee=trainee, minutes=60, created_by=trainee.user)
    client.force_login(trainee.main_supervisor)

    client.post(
        reverse("supervision-update", args=[trainee.pk, meeting.pk]),
        meeting_data(trainee, date=meeting.date.isoformat(), minutes="90", topics=meeting.topics),
    )

    changed = record_events(meeting)[-1]
    assert (changed.action, changed.actor) == (CHANGED, trainee.main_supervisor)
    assert changed.changes == {"minutes": [60, 90]}


def test_a_save_that_changes_nothing_writes_nothing():
    period = ServicePeriodFactory()
    before = AuditEvent.objects.count()
    period = ServicePeriod.objects.get(pk=period.pk)
    period.save()
    period.full_clean()
    period.save()
    assert AuditEvent.objects.count() == before


def test_the_delmal_ticked_on_a_handledning_are_recorded():
    trainee = TraineeFactory()
    meeting = SupervisionMeetingFactory(trainee=trainee)
    goals = list(Goal.objects.filter(curriculum__regulation=trainee.regulation)[:2])
    assert len(goals) == 2

    meeting.goals.set(goals)
    meeting.goals.remove(goals[0])
    meeting.goals.clear()

    changes = [event.changes["goals"] for event in record_events(meeting) if "goals" in event.changes]
    assert changes == [
        {"added": sorted(goal.pk for goal in goals)},
        {"removed": [goals[0].pk]},
        {"removed": [goals[1].pk]},
    ]


def test_a_change_inside_a_json_field_is_seen():
    assessment = AssessmentFactory(status=SignedStatus.DRAFT, signed_at=None)
    key = assessment.domains[0]["code"]
    assessment.ratings = {key: 2}
    assessment.save()

    assessment.ratings[key] = 4  # changed in place
    assessment.save()

    assert record_events(assessment)[-1].changes["ratings"] == [{key: 2}, {key: 4}]


def test_a_deleted_record_keeps_what_it_held_and_its_trainee():
    period = ServicePeriodFactory()
    trainee_id, pk = period.trainee_id, period.pk
    with acting_as(period.trainee.user):
        period.delete()

    event = AuditEvent.objects.record_changes().get(action=DELETED, target_type__model="serviceperiod", target_id=pk)
    assert (event.trainee_id, event.actor) == (trainee_id, period.trainee.user)
    assert event.changes["percent"] == [100, None]

    # The trainee's whole history outlives the trainee.
    events_before = AuditEvent.objects.filter(trainee_id=trainee_id).count()
    period.trainee.delete()
    assert AuditEvent.objects.filter(trainee_id=trainee_id).count() > events_before


def test_a_rolled_back_change_leaves_no_event():
    period = ServicePeriodFactory(percent=100)
    before = AuditEvent.objects.count()
    with transaction.atomic():
        period.percent = 50
        period.save()
        transaction.set_rollback(True)
    assert AuditEvent.objects.count() == before


def test_secrets_are_never_recorded():
    request = AssessmentRequestFactory()
    request = AssessmentRequest.objects.get(pk=request.pk)
    request.nonce = "n" * 27
    request.save()

    [created] = record_events(request)
    assert "nonce" not in created.changes
    assert [event.changes for event in record_events(request)] == [created.changes]  # no "changed" event


def test_outside_a_request_the_person_is_who_the_code_acts_for():
    trainee = TraineeFactory()
    period = ServicePeriodFactory(trainee=trainee)
    assert record_events(period)[0].actor is None  # a command or a cron job: "systemet"

    with acting_as(trainee.study_director or trainee.main_supervisor):
        period.percent = 75
        period.save()
    assert record_events(period)[-1].actor == (trainee.study_director or trainee.main_supervisor)


def test_the_workflow_steps_carry_the_trainee():
    trainee = TraineeFactory()
    period = ServicePeriodFactory(trainee=trainee)
    event = record_event(trainee.user, "serviceperiod.checked", period)
    assert event.trainee_id == trainee.pk
    assert AuditEvent.objects.workflow().filter(pk=event.pk).exists()
    assert not AuditEvent.objects.record_changes().filter(pk=event.pk).exists()


def test_the_log_cannot_be_changed_or_deleted():
    period = ServicePeriodFactory()
    event = record_events(period)[0]

    event.action = "record.nothing"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="record.nothing")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == CREATED
