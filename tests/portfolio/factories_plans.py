"""Factories for IUP versions (kept beside the section's tests while sections are built in parallel)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import factory

from portfolio.enums import PlanStatus
from portfolio.models import TrainingPlan
from tests.factories import TraineeFactory

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(year, month, day, hour=12):
    """An aware timestamp in Swedish time, as the application stores them."""
    return datetime(year, month, day, hour, tzinfo=STOCKHOLM)


class TrainingPlanFactory(factory.django.DjangoModelFactory):
    """A version of an IUP; pass status=APPROVED with decided_at/decided_by for an approved one.

    Created with objects.create (an insert), so an approved version can be built directly;
    the workflow tests go through portfolio/iup.py instead.
    """

    class Meta:
        model = TrainingPlan
        skip_postgeneration_save = True

    trainee = factory.SubFactory(TraineeFactory)
    version = 1
    status = PlanStatus.DRAFT
    planned_service = "Huvudtjänstgöring på hälsocentralen; sidotjänstgöring på medicinkliniken hösten 2024."
    planned_courses = "Konsultationskurs, BHV-kurs."
    created_by = factory.LazyAttribute(lambda plan: plan.trainee.user)

    @factory.post_generation
    def goals(plan, create, extracted, **kwargs):
        if create and extracted:
            # Fixtures may be built approved; the delmål are linked as at creation.
            through = TrainingPlan.goals.through
            through.objects.bulk_create(through(trainingplan=plan, goal=goal) for goal in extracted)


def plan_history(trainee, count, *, decided_by, goals=()):
    """`count` versions of which all but the last are approved (the last is a draft)."""
    plans = []
    for number in range(1, count + 1):
        approved = number < count
        plans.append(
            TrainingPlanFactory(
                trainee=trainee,
                version=number,
                based_on=plans[-1] if plans else None,
                status=PlanStatus.APPROVED if approved else PlanStatus.DRAFT,
                submitted_at=at(2024, number, 1) if approved else None,
                decided_at=at(2024, number, 2) if approved else None,
                decided_by=decided_by if approved else None,
                planned_courses=f"Kurser i version {number}",
                goals=list(goals),
            )
        )
    return plans
