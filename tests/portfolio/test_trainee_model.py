import pytest
from django.core.exceptions import ValidationError

from portfolio.enums import BTMode, RegulationCode
from tests.factories import SpecialtyFactory, TraineeFactory, regulation

pytestmark = pytest.mark.django_db


def errors_of(trainee):
    with pytest.raises(ValidationError) as excinfo:
        trainee.clean()
    return excinfo.value.message_dict


def test_bt_is_rejected_under_2015(trainee):
    trainee.bt_mode = BTMode.INTEGRATED
    assert "bt_mode" in errors_of(trainee)


def test_bt_is_required_under_2021(trainee):
    trainee.regulation = regulation(RegulationCode.HSLF_FS_2021_8)
    assert errors_of(trainee)["bt_mode"] == ["Enligt HSLF-FS 2021:8 gör ST-läkaren BT, integrerad eller före ST."]


def test_specialty_without_curriculum_is_rejected(trainee):
    trainee.specialty = SpecialtyFactory(slug="ortopedi", name="Ortopedi")
    assert "specialty" in errors_of(trainee)


def test_second_specialist_must_differ_from_supervisor(trainee):
    trainee.second_specialist = trainee.main_supervisor
    assert "second_specialist" in errors_of(trainee)


def test_valid_2021_integrated_bt_passes(unit):
    trainee = TraineeFactory(unit=unit, regulation=regulation(RegulationCode.HSLF_FS_2021_8), bt_mode=BTMode.INTEGRATED)
    trainee.clean()
    assert trainee.in_bt is True
    assert trainee.curriculum.goals.count() == 26
