"""Signed, approved and submitted records refuse to change at the model level."""

import pytest
from django.db import transaction
from django.utils import timezone

from portfolio.enums import PlanStatus
from portfolio.models import AnnualReport, FrozenRecordError, TrainingPlan

pytestmark = pytest.mark.django_db


def test_approved_plan_refuses_new_goals_and_removals(trainee):
    goals = list(trainee.curriculum.goals.filter(code__in=["a1", "c3"]))
    plan = TrainingPlan.create_with_goals(goals, trainee=trainee, version=1, status=PlanStatus.APPROVED)

    c4 = trainee.curriculum.goals.get(code="c4")
    # Each attempt in its own savepoint: the refusal aborts the surrounding transaction.
    with pytest.raises(FrozenRecordError), transaction.atomic():
        plan.goals.add(c4)
    with pytest.raises(FrozenRecordError), transaction.atomic():
        plan.goals.clear()

    assert sorted(plan.goals.values_list("code", flat=True)) == ["a1", "c3"]


def test_draft_plan_goals_can_change(trainee):
    plan = TrainingPlan.objects.create(trainee=trainee, version=1)
    plan.goals.set(trainee.curriculum.goals.filter(code="c4"))
    assert list(plan.goals.values_list("code", flat=True)) == ["c4"]


def test_submitted_annual_report_refuses_changes(trainee):
    report = AnnualReport.objects.create(trainee=trainee, year=2025, done="Mycket", submitted_at=timezone.now())
    report.done = "Ändrat i efterhand"

    with pytest.raises(FrozenRecordError):
        report.save()

    report.refresh_from_db()
    assert report.done == "Mycket"


def test_draft_annual_report_can_change(trainee):
    report = AnnualReport.objects.create(trainee=trainee, year=2025)
    report.done = "Kurser"
    report.save()
    report.refresh_from_db()
    assert report.done == "Kurser"
