"""Factories for tjänstgöring, ledighet and handledning (the records of the two sections)."""

from datetime import date

import factory

from portfolio.enums import LeaveKind, ServiceKind, SupervisionKind
from portfolio.models import Leave, ServicePeriod, SupervisionMeeting
from tests.factories import TraineeFactory


class ServicePeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePeriod

    trainee = factory.SubFactory(TraineeFactory)
    kind = ServiceKind.MAIN
    workplace = factory.Sequence(lambda n: f"Vårdcentral {n}")
    start = date(2024, 1, 1)
    end = date(2024, 6, 30)
    percent = 100


class LeaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Leave

    trainee = factory.SubFactory(TraineeFactory)
    kind = LeaveKind.VACATION
    start = date(2024, 7, 1)
    end = date(2024, 7, 21)
    percent = 100


class SupervisionMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupervisionMeeting
        skip_postgeneration_save = True

    trainee = factory.SubFactory(TraineeFactory)
    date = date(2024, 3, 4)
    minutes = 60
    kind = SupervisionKind.TALK
    supervisor = factory.LazyAttribute(lambda o: o.trainee.main_supervisor)
    topics = "Journalföring och prioritering"
    notes = ""

    @factory.post_generation
    def goals(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.goals.set(extracted)
