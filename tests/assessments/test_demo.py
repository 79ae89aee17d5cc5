"""The demo region shows every part of the assessments app."""

import pytest
from django.core.management import call_command
from django.db.models import F

from assessments.enums import AssessmentKind, MidTermStatus, RequestState, SignedStatus, StatementKind
from assessments.models import (
    ActionPlan,
    Assessment,
    AssessmentRequest,
    MidTermEvaluation,
    PanelReview,
    SpecialistPanel,
    SupervisorStatement,
)
from portfolio.models import Trainee
from portfolio.snapshot import build_status

pytestmark = pytest.mark.django_db


def counts():
    models = [Assessment, AssessmentRequest, SupervisorStatement, SpecialistPanel, PanelReview, MidTermEvaluation]
    return [model.objects.count() for model in [*models, ActionPlan]]


def test_demo_has_every_kind_state_and_record(settings):
    settings.DEBUG = True
    call_command("seed_demo", quiet=True)
    first = counts()

    call_command("seed_demo", quiet=True)

    assert counts() == first  # nothing added the second time
    signed_kinds = set(Assessment.objects.filter(status=SignedStatus.SIGNED).values_list("kind", flat=True))
    assert signed_kinds == set(AssessmentKind.values)
    states = {request.state() for request in AssessmentRequest.objects.all()}
    assert states >= {RequestState.OPEN, RequestState.EXPIRED, RequestState.COMPLETED}
    assert set(MidTermEvaluation.objects.values_list("status", flat=True)) == set(MidTermStatus.values)
    assert SpecialistPanel.objects.filter(held_at__isnull=False).exists()
    assert SpecialistPanel.objects.filter(held_at__isnull=True).exists()  # one coming, to prepare
    assert SupervisorStatement.objects.filter(kind=StatementKind.ANNUAL, status=SignedStatus.SIGNED).exists()
    assert SupervisorStatement.objects.filter(kind=StatementKind.BT_PLACEMENT).exists()
    assert ActionPlan.objects.open().count() == 1
    # Every panel review belongs to a trainee of the panel's unit.
    assert not PanelReview.objects.exclude(trainee__unit=F("panel__unit")).exists()


def test_demo_trainee_keeps_the_assessment_norms(settings):
    settings.DEBUG = True
    call_command("seed_demo", quiet=True)

    status = build_status(Trainee.objects.get(user__username="demo-st"))

    finished = [period for period in status.assessments_by_half_year if not period.in_progress]
    assert finished and all(period.meets_norm is not False for period in finished)
    assert status.mid_st_status == MidTermStatus.PLAN_AGREED
    assert status.specialist_panel_date is not None
