"""The contracts app's part of seed_scale (portfolio/scale.py): the region gets Region
Norrbotten's quality criteria, loaded as the demo loads them, and every unit a profile
and its staff register (chef and handledare)."""

from decimal import Decimal

from contracts.models import CriteriaSet, Criterion, UnitProfile, UnitStaff
from contracts.reference import NORRBOTTEN, load_criteria


def part(scale):
    before = _criteria_counts()
    load_criteria(scale.region, NORRBOTTEN)
    for label, count in _criteria_counts().items():
        scale.counts[label] = count - before.get(label, 0)
    profiles, staff = [], []
    for unit in scale.units:
        rng = scale.rng("unit", unit.pk)
        profiles.append(
            UnitProfile(
                unit=unit,
                listed_patients=rng.randrange(4000, 14000, 100),
                child_health=True,
                maternal_health=rng.random() < 0.9,
                elderly_care=True,
                on_call=rng.random() < 0.6,
            )
        )
        head = scale.heads[unit.pk]
        staff.append(UnitStaff(unit=unit, user=head, name=head.name, percent=40, since=unit_since(scale)))
        for supervisor in scale.supervisors_by_unit[unit.pk]:
            staff.append(
                UnitStaff(
                    unit=unit,
                    user=supervisor,
                    name=supervisor.name,
                    specialty=unit.specialty,
                    percent=rng.choice([80, 100, 100]),
                    is_supervisor=True,
                    supervisor_training_year=supervisor.supervisor_training_year,
                    supervision_hours_per_week=Decimal("2.0"),
                    supervisor_meetings_last_year=rng.randint(1, 5),
                    since=unit_since(scale),
                )
            )
    scale.add(UnitProfile, profiles)
    scale.add(UnitStaff, staff)


def unit_since(scale):
    return scale.today.replace(year=scale.today.year - 8, day=1)


def _criteria_counts():
    return {model._meta.label: model.objects.count() for model in (CriteriaSet, Criterion)}
