"""Hostile input to the IUP draft and to the unit's forms: no server error, a Swedish refusal,
nothing half-saved (tests/hostile/test_forms.py has the portfolio records' forms)."""

import pytest
from django.urls import reverse

from contracts.models import HiringEndorsement, UnitActionPlan, UnitProfile, UnitStaff
from portfolio.models import TrainingPlan
from tests.contracts.factories_units import UnitProfileFactory
from tests.hostile.test_forms import run
from tests.portfolio.factories_plans import TrainingPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign(other_trainee, other_unit):
    return [other_trainee.pk, other_unit.pk, 10**19]


def test_iup_draft_edit(client, trainee, foreign):
    plan = TrainingPlanFactory(trainee=trainee)
    url = reverse("plan-update", args=[trainee.pk, plan.pk])
    run(
        client,
        trainee.user,
        url,
        models=[TrainingPlan],
        watched=[plan],
        keep=("version",),
        valid={},
        foreign_ids=foreign,
    )


def test_unit_profile_edit(client, unit, unit_head, foreign):
    profile = UnitProfileFactory(unit=unit, listed_patients=8000)
    url = reverse("unit-profile-edit", args=[unit.pk])
    run(
        client,
        unit_head,
        url,
        models=[UnitProfile],
        watched=[profile],
        keep=("version",),
        valid={},
        foreign_ids=foreign,
    )


def test_unit_staff_create(client, unit, unit_head, foreign):
    url = reverse("unit-staff-create", args=[unit.pk])
    valid = {"name": "Bertil Grahn", "specialty": str(unit.specialty_id), "percent": "60", "since": "2025-02-01"}
    run(client, unit_head, url, models=[UnitStaff], created=1, valid=valid, foreign_ids=foreign)


def test_unit_action_plan_create(client, unit, unit_head, foreign):
    url = reverse("unit-plan-create", args=[unit.pk])
    run(client, unit_head, url, models=[UnitActionPlan], created=1, foreign_ids=foreign)


def test_endorsement_create(client, unit, study_director, foreign):
    url = reverse("endorsement-create", args=[unit.pk])
    run(client, study_director, url, models=[HiringEndorsement], created=1, foreign_ids=foreign)
