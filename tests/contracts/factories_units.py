"""Factories for the unit register and quality criteria (contracts/models/units.py, criteria.py)."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from contracts.enums import CriterionRule
from contracts.models import (
    CriteriaSet,
    Criterion,
    CriterionAttestation,
    Dispensation,
    UnitActionPlan,
    UnitApproval,
    UnitProfile,
    UnitStaff,
)
from portfolio.models import StatusSnapshot
from tests.factories import SpecialtyFactory, UnitFactory, UserFactory


class UnitProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitProfile

    unit = factory.SubFactory(UnitFactory)
    listed_patients = 9000
    child_health = True
    maternal_health = True
    elderly_care = True


class UnitStaffFactory(factory.django.DjangoModelFactory):
    """A specialist in the unit's specialty, full time, since 2020; pass user= for a person with an account."""

    class Meta:
        model = UnitStaff

    unit = factory.SubFactory(UnitFactory)
    user = None
    name = factory.LazyAttribute(lambda row: row.user.name if row.user else "Bertil Grahn")
    specialty = factory.LazyAttribute(lambda row: row.unit.specialty)
    percent = 100
    since = date(2020, 1, 1)


class HandledareStaffFactory(UnitStaffFactory):
    """A handledare with training and time for handledning."""

    is_supervisor = True
    supervisor_training_year = 2018
    supervision_hours_per_week = Decimal("2.0")
    supervisor_meetings_last_year = 3


class CriteriaSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CriteriaSet
        django_get_or_create = ["region", "specialty"]

    region = factory.SubFactory("tests.factories.RegionFactory")
    specialty = factory.LazyFunction(SpecialtyFactory)
    name = "Kvalitetskriterier för ST i allmänmedicin"


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    criteria_set = factory.SubFactory(CriteriaSetFactory)
    position = factory.Sequence(lambda n: n + 1)
    code = factory.Sequence(lambda n: f"kriterium-{n}")
    text = "Hälsocentralen har minst två specialister i allmänmedicin."
    rule = CriterionRule.MIN_SPECIALISTS
    parameter = Decimal("2")


class AttestationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CriterionAttestation

    criterion = factory.SubFactory(CriterionFactory, rule=CriterionRule.ATTESTED, parameter=None)
    unit = factory.SubFactory(UnitFactory)
    met = True
    date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    note = "Tar emot sjuksköterskestudenter och AT-läkare."
    attested_by = factory.SubFactory(UserFactory)


class DispensationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dispensation

    criterion = factory.SubFactory(CriterionFactory)
    unit = factory.SubFactory(UnitFactory)
    reason = "En specialist har slutat; rekrytering pågår."
    granted_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=180))
    granted_by = factory.SubFactory(UserFactory)


class ApprovalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitApproval

    unit = factory.SubFactory(UnitFactory)
    date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=60))
    approved = True
    basis = "Samtliga kriterier uppfyllda vid besöket."
    evaluation = factory.LazyFunction(list)
    decided_by = factory.SubFactory(UserFactory)


class UnitActionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitActionPlan

    unit = factory.SubFactory(UnitFactory)
    opened_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=20))
    concern = "Huvudhandledaren har slutat och ingen specialist har handledarutbildning."
    measures = "Handledarutbildning för Johan Lind under våren; tillfällig handledare från Kustby."
    responsible = "Enhetschefen"
    follow_up_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))


def snapshot(trainee, **values):
    """The trainee's StatusSnapshot with the given figures (created or replaced)."""
    defaults = {"computed_on": timezone.localdate(), "ready": False, "blocking_gaps": 0, **values}
    return StatusSnapshot.objects.update_or_create(trainee=trainee, defaults=defaults)[0]
