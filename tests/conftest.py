"""Named personas shared by the whole suite.

One unit with a trainee and the people around it, and a second unit with its own
trainee and staff, so every test of access has data that could leak.
"""

import pytest

from accounts.enums import Role
from tests.factories import MembershipFactory, RegionFactory, TraineeFactory, UnitFactory, UserFactory


@pytest.fixture
def region(db):
    return RegionFactory(name="Region Norrmark", code="norrmark")


@pytest.fixture
def unit(region):
    return UnitFactory(name="Björkdalens hälsocentral", region=region)


@pytest.fixture
def other_unit(region):
    return UnitFactory(name="Forsnäs hälsocentral", region=region)


@pytest.fixture
def supervisor(unit):
    user = UserFactory(username="handledare", name="Erik Holmström", supervisor_training_year=2018)
    MembershipFactory(user=user, unit=unit, role=Role.SUPERVISOR)
    return user


@pytest.fixture
def second_specialist(unit):
    user = UserFactory(username="specialist", name="Ingrid Lundin")
    MembershipFactory(user=user, unit=unit, role=Role.SPECIALIST)
    return user


@pytest.fixture
def study_director(unit):
    user = UserFactory(username="studierektor", name="Karin Lindqvist")
    MembershipFactory(user=user, unit=unit, role=Role.STUDY_DIRECTOR)
    return user


@pytest.fixture
def unit_head(unit):
    user = UserFactory(username="chef", name="Anna Berg")
    MembershipFactory(user=user, unit=unit, role=Role.UNIT_HEAD)
    return user


@pytest.fixture
def trainee(unit, supervisor, second_specialist, study_director):
    return TraineeFactory(
        user=UserFactory(username="st", name="Sara Öberg"),
        unit=unit,
        main_supervisor=supervisor,
        second_specialist=second_specialist,
        study_director=study_director,
    )


@pytest.fixture
def other_trainee(other_unit, other_supervisor):
    return TraineeFactory(
        user=UserFactory(username="st2", name="Lukas Andersson"), unit=other_unit, main_supervisor=other_supervisor
    )


@pytest.fixture
def other_supervisor(other_unit):
    user = UserFactory(username="handledare2", name="Johan Lind")
    MembershipFactory(user=user, unit=other_unit, role=Role.SUPERVISOR)
    return user


@pytest.fixture
def other_study_director(other_unit):
    user = UserFactory(username="studierektor2", name="Per Nilsson")
    MembershipFactory(user=user, unit=other_unit, role=Role.STUDY_DIRECTOR)
    return user


@pytest.fixture
def region_admin(region):
    user = UserFactory(username="admin-region", name="Regionens administratör")
    MembershipFactory(user=user, role=Role.ADMINISTRATOR, unit=None, region=region)
    return user


@pytest.fixture
def other_region_admin(db):
    user = UserFactory(username="admin-annan", name="Annan administratör")
    MembershipFactory(user=user, role=Role.ADMINISTRATOR, unit=None, region=RegionFactory())
    return user


@pytest.fixture
def national_admin(db):
    user = UserFactory(username="admin-nationell", name="Nationell administratör")
    MembershipFactory(user=user, role=Role.ADMINISTRATOR, unit=None, region=None)
    return user


@pytest.fixture
def outsider(db):
    """A logged-in person with no role anywhere."""
    return UserFactory(username="utomstaende", name="Utomstående Person")
