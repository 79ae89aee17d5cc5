"""The batch (refresh_all, build_statuses, readiness_inputs) and the single trainee agree,
and the batch's queries do not grow with the number of trainees."""

from dataclasses import asdict
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.enums import MidTermStatus
from assessments.models import SpecialistPanel
from portfolio.enums import BTMode, FinalReviewVerdict, LeaveKind, PlanStatus, RegulationCode, ServiceKind
from portfolio.models import Application, FinalReview, Goal, StatusSnapshot, Trainee
from portfolio.readiness.build import readiness_input, readiness_inputs
from portfolio.readiness.store import REFRESH_RELATED, refresh, refresh_all
from portfolio.snapshot import build_status, build_statuses
from tests.assessments.factories import (
    ActionPlanFactory,
    AssessmentFactory,
    MidTermEvaluationFactory,
    PanelReviewFactory,
    SpecialistPanelFactory,
    SupervisorStatementFactory,
)
from tests.factories import TraineeFactory, UnitFactory, UserFactory, regulation
from tests.portfolio.factories_activities import AnnualVisitFactory, CourseFactory, OtherActivityFactory
from tests.portfolio.factories_plans import TrainingPlanFactory
from tests.portfolio.factories_service import LeaveFactory, ServicePeriodFactory, SupervisionMeetingFactory
from tests.portfolio.test_readiness_build import intyg

pytestmark = pytest.mark.django_db


def with_every_record(number, supervisor):
    """A trainee in a region of its own with a record of every kind the status reads, the
    dates and numbers varied by `number` so that a mix-up between trainees would show;
    every other one under HSLF-FS 2021:8 with integrated BT (the BT queries run too)."""
    today = timezone.localdate()
    if number % 2:
        trainee = TraineeFactory(
            regulation=regulation(RegulationCode.HSLF_FS_2021_8), bt_mode=BTMode.INTEGRATED, main_supervisor=supervisor
        )
        ServicePeriodFactory(
            trainee=trainee, kind=ServiceKind.BT_PRIMARY, start=date(2023, 9, 1), end=date(2024, 2, 29)
        )
    else:
        trainee = TraineeFactory(main_supervisor=supervisor)
    goals = list(Goal.objects.filter(curriculum__regulation=trainee.regulation_id)[:2])
    period = ServicePeriodFactory(trainee=trainee, start=date(2024, 3, 1), end=date(2029, 8, 31))
    period.goals.set(goals)
    LeaveFactory(trainee=trainee, kind=LeaveKind.PARENTAL, start=date(2025, 1, 1), end=date(2025, 1, 10 + number))
    SupervisionMeetingFactory(trainee=trainee, date=today - timedelta(days=7), minutes=30 + 15 * number, goals=goals)
    MidTermEvaluationFactory(trainee=trainee, status=MidTermStatus.ORDERED, desired_date=date(2026, 9, 1))
    AnnualVisitFactory(trainee=trainee, date=date(2025, 10, 1 + number))
    for _n in range(number + 1):
        AssessmentFactory(trainee=trainee, date=today - timedelta(days=20), goals=goals)
    SupervisorStatementFactory(trainee=trainee)
    panel = SpecialistPanelFactory(unit=trainee.unit, date=date(2025, 11, 12))
    PanelReviewFactory(panel=panel, trainee=trainee)
    SpecialistPanel.objects.filter(pk=panel.pk).update(held_at=timezone.now())  # held after the review
    ActionPlanFactory(trainee=trainee, follow_up_on=date(2026, 1, 1 + number))
    TrainingPlanFactory(
        trainee=trainee, status=PlanStatus.APPROVED, decided_at=timezone.now(), decided_by=supervisor, goals=goals
    )
    CourseFactory(trainee=trainee).goals.set(goals)
    OtherActivityFactory(trainee=trainee).goals.set(goals)
    form = "hslf2021_b9" if number % 2 else "sosfs2015_b4"
    intyg(trainee, form, [goal.code for goal in goals], {"supervisor": supervisor})
    FinalReview.objects.create(
        trainee=trainee, date=date(2026, 1, 10), verdict=FinalReviewVerdict.READY, reviewer=supervisor
    )
    Application.objects.create(
        trainee=trainee,
        kind="specialist",
        finalised_at=timezone.now(),
        finalised_by=supervisor,
        pages=1,
        sha256="0" * 64,
    )
    return trainee


def refresh_queries():
    with CaptureQueriesContext(connection) as context:
        refresh_all()
    return len(context)


def test_refresh_all_asks_as_many_queries_for_six_trainees_as_for_two():
    supervisor = UserFactory()
    for number in range(2):
        with_every_record(number, supervisor)
    refresh_all()  # each region's policy is created on first use
    two = refresh_queries()
    for number in range(2, 6):
        with_every_record(number, supervisor)
    refresh_all()

    # The trainees' pks, the chunk, the regional policies; 16 for the status, 6 for the
    # readiness input; the specialist applications, the one upsert of the snapshots and the
    # one of the stored statuses.
    assert refresh_queries() == two == 28
    assert StatusSnapshot.objects.count() == 6


def test_a_chunk_of_many_equals_each_trainee_alone():
    supervisor = UserFactory()
    trainees = [with_every_record(number, supervisor) for number in range(4)]
    # A trainee with no records at all, in a region shared with the first.
    trainees.append(TraineeFactory(unit=UnitFactory(region=trainees[0].unit.region)))
    today = timezone.localdate()
    chunk = list(Trainee.objects.filter(pk__in=[t.pk for t in trainees]).select_related(*REFRESH_RELATED))

    statuses = build_statuses(chunk, today)
    inputs = readiness_inputs(chunk, statuses, today)

    for trainee in trainees:
        alone = build_status(Trainee.objects.get(pk=trainee.pk), today)
        assert asdict(statuses[trainee.pk]) == asdict(alone), trainee.pk
        assert inputs[trainee.pk] == readiness_input(Trainee.objects.get(pk=trainee.pk), alone, today), trainee.pk
    # The records really differ between the trainees, so a mix-up would show.
    assert len({statuses[t.pk].regulation for t in trainees}) == 2
    assert statuses[trainees[-1].pk].goals[0].service == []
    assert statuses[trainees[0].pk].open_action_plan is True
    assert len({statuses[t.pk].action_plan_follow_up for t in trainees}) == 5


def stored():
    return {snapshot.trainee_id: model_to_dict(snapshot) for snapshot in StatusSnapshot.objects.order_by("trainee_id")}


def test_the_batch_stores_what_refresh_stores_for_every_demo_trainee(settings):
    settings.DEBUG = True
    call_command("seed_demo", quiet=True)
    today = timezone.localdate()
    refresh_all(today=today)
    batch = stored()

    StatusSnapshot.objects.all().delete()
    trainees = list(Trainee.objects.select_related(*REFRESH_RELATED).order_by("pk"))
    for trainee in trainees:
        refresh(Trainee.objects.get(pk=trainee.pk), today)
    alone = stored()

    assert len(batch) == len(trainees) == 20
    assert batch == alone
    # And the statuses behind them: the batch of all demo trainees equals each batch of one.
    statuses = build_statuses(trainees, today)
    for trainee in trainees:
        assert statuses[trainee.pk] == build_status(Trainee.objects.get(pk=trainee.pk), today), trainee.user.username
    # The demo covers the paths that matter, so the comparison is not over empty records.
    assert any(status.goals and any(goal.assessments for goal in status.goals) for status in statuses.values())
    assert any(status.latest_statement for status in statuses.values())
    assert len({row["phase"] for row in batch.values()}) >= 3
