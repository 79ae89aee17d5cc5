"""Factories for every model the tests build; one place, so tests read as data."""

from datetime import date

import factory

from accounts.enums import Role, UnitKind
from accounts.models import Membership, Region, Specialty, Unit, User
from portfolio.enums import BTMode, RegulationCode
from portfolio.models import Regulation, Trainee


class SpecialtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialty
        django_get_or_create = ["slug"]

    slug = "allmanmedicin"
    name = "Allmänmedicin"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"Region {n}")
    code = factory.Sequence(lambda n: f"region-{n}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"Hälsocentral {n}")
    kind = UnitKind.HALSOCENTRAL
    specialty = factory.SubFactory(SpecialtyFactory)
    region = factory.SubFactory(RegionFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.se")
    password = factory.PostGenerationMethodCall("set_password", "secret-password")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.SUPERVISOR
    unit = factory.SubFactory(UnitFactory)


def regulation(code=RegulationCode.SOSFS_2015_8):
    """Regulations are reference data loaded by migration; tests use the real rows."""
    return Regulation.objects.get(code=code)


class TraineeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trainee

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    specialty = factory.LazyFunction(lambda: SpecialtyFactory())
    regulation = factory.LazyFunction(regulation)
    bt_mode = BTMode.NONE
    st_start = date(2023, 9, 1)
    main_supervisor = factory.SubFactory(UserFactory)
