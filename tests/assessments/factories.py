"""Factories for the assessments app. Signed records are built with status=SIGNED and
signed_at directly (an insert passes the guard); workflow tests go through the domain
functions instead."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from assessments.enums import AssessmentKind, AssessorRole, OnTrack, SignedStatus, StatementKind
from assessments.models import (
    ActionPlan,
    Assessment,
    AssessmentRequest,
    AssessmentTemplate,
    MidTermEvaluation,
    PanelReview,
    SpecialistPanel,
    SupervisorStatement,
)
from tests.factories import TraineeFactory, UnitFactory, UserFactory


def default_template(kind):
    """The national template loaded by migration."""
    return AssessmentTemplate.objects.get(region=None, kind=kind)


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment
        skip_postgeneration_save = True

    trainee = factory.SubFactory(TraineeFactory)
    kind = AssessmentKind.MINI_CEX
    template = factory.LazyAttribute(lambda a: default_template(a.kind))
    scale = factory.LazyAttribute(lambda a: a.template.scale)
    domains = factory.LazyAttribute(lambda a: a.template.domains)
    date = date(2025, 3, 10)
    situation = "Mottagningsbesök, hosta sedan tre veckor"
    assessor = factory.LazyAttribute(lambda a: a.trainee.main_supervisor)
    assessor_name = factory.LazyAttribute(lambda a: a.assessor.name if a.assessor else "Extern Bedömare")
    assessor_role = AssessorRole.SUPERVISOR
    ratings = factory.LazyAttribute(lambda a: {d["code"]: 5 for d in a.domains})
    went_well = "Strukturerad anamnes."
    to_develop = "Sammanfatta för patienten."
    status = SignedStatus.SIGNED
    signed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def goals(assessment, create, extracted, **kwargs):
        if create and extracted:
            Assessment.goals.through.objects.bulk_create(
                Assessment.goals.through(assessment=assessment, goal=goal) for goal in extracted
            )


class AssessmentRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentRequest

    trainee = factory.SubFactory(TraineeFactory)
    kind = AssessmentKind.MINI_CEX
    assessor_name = "Greta Kollega"
    assessor_email = factory.Sequence(lambda n: f"kollega{n}@example.se")
    assessor_role = AssessorRole.SPECIALIST
    message = "Konsultationen med patienten med ryggvärk i förmiddags."
    nonce = factory.Sequence(lambda n: f"nonce{n:027d}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    created_by = factory.LazyAttribute(lambda r: r.trainee.user)


class SpecialistPanelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpecialistPanel

    unit = factory.SubFactory(UnitFactory)
    date = date(2025, 11, 12)


class PanelReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PanelReview

    panel = factory.SubFactory(SpecialistPanelFactory)
    trainee = factory.SubFactory(TraineeFactory)


class SupervisorStatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupervisorStatement

    trainee = factory.SubFactory(TraineeFactory)
    kind = StatementKind.ANNUAL
    period_start = date(2024, 9, 1)
    period_end = date(2025, 8, 31)
    strengths = "Trygg i mötet med patienten."
    to_develop = "Prioritering vid många sökorsaker."
    on_track = OnTrack.YES
    author = factory.LazyAttribute(lambda s: s.trainee.main_supervisor or UserFactory())
    status = SignedStatus.SIGNED
    signed_at = factory.LazyFunction(timezone.now)


class MidTermEvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MidTermEvaluation

    trainee = factory.SubFactory(TraineeFactory)


class ActionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionPlan

    trainee = factory.SubFactory(TraineeFactory)
    opened_on = date(2025, 5, 1)
    concern = "Få dokumenterade kompetensvärderingar och oklar progression i c-delmålen."
    responsible = "Huvudhandledaren och studierektorn"
    follow_up_on = date(2025, 8, 1)
