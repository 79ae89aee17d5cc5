import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.enums import Role
from accounts.models import Membership
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_email_is_unique_regardless_of_case(db):
    UserFactory(email="karin@example.se")
    with pytest.raises(IntegrityError):
        UserFactory(email="Karin@Example.se")


@pytest.mark.parametrize("value", ["SE2321000016-1003", "SE2321000016-A1B2"])
def test_hsa_id_accepts_valid(value):
    user = UserFactory.build(hsa_id=value)
    user.clean_fields(exclude=["password"])


@pytest.mark.parametrize("value", ["2321000016-1003", "SE232-1", "SE2321000016 1003"])
def test_hsa_id_rejects_invalid(value):
    user = UserFactory.build(hsa_id=value)
    with pytest.raises(ValidationError) as excinfo:
        user.clean_fields(exclude=["password"])
    assert "hsa_id" in excinfo.value.message_dict


def test_unit_role_needs_a_unit(db):
    membership = Membership(user=UserFactory(), role=Role.SUPERVISOR)
    with pytest.raises(ValidationError) as excinfo:
        membership.clean()
    assert list(excinfo.value.message_dict) == ["unit"]


def test_database_rejects_administrator_with_unit(unit):
    with pytest.raises(IntegrityError):
        MembershipFactory(role=Role.ADMINISTRATOR, unit=unit)


def test_same_role_twice_at_a_unit_is_rejected(unit):
    user = UserFactory()
    MembershipFactory(user=user, unit=unit, role=Role.SUPERVISOR)
    with pytest.raises(IntegrityError):
        MembershipFactory(user=user, unit=unit, role=Role.SUPERVISOR)
