"""Factories for SPUR inspections, their grades and handlingsplan, and the unit's staff register."""

from datetime import date

import factory

from contracts.enums import ALLOWED_GRADES, ImprovementStatus, InspectedRegulation, SpurArea
from contracts.models import AreaGrade, ImprovementItem, Inspection, UnitStaff
from tests.factories import UnitFactory

S15, S21 = InspectedRegulation.SOSFS_2015_8, InspectedRegulation.HSLF_FS_2021_8


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inspection

    unit = factory.SubFactory(UnitFactory)
    date = date(2023, 4, 18)
    inspectors = "Margareta Holm, Lars Ekström"
    regulations = factory.LazyFunction(lambda: [S15])
    strengths = "Ett generöst utbildningsklimat."
    weaknesses = "Trångt om mottagningsrum."
    improvements = "Planera internutbildningen per termin."


class AreaGradeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AreaGrade

    inspection = factory.SubFactory(InspectionFactory)
    area = SpurArea.B
    regulation = S15
    grade = "B"


class ImprovementItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImprovementItem

    inspection = factory.SubFactory(InspectionFactory)
    area = SpurArea.H
    criterion = "Kommunikativ kompetens bedöms fortlöpande med återkoppling."
    planned_action = "Två dokumenterade medsittningar per termin."
    due_on = date(2023, 10, 1)
    responsible = "Huvudhandledare"
    follow_up_on = date(2023, 11, 15)
    follow_up_responsible = "Studierektor"
    status = ImprovementStatus.PLANNED


class UnitStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitStaff

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"Specialist {n}")
    percent = 100
    since = date(2015, 1, 1)


def grade_all(inspection, grades=None, regulations=None):
    """A grade for every area under each of the inspection's regulations: B, or as `grades` says
    ({area: grade} or {(area, regulation): grade})."""
    grades = grades or {}
    rows = []
    for area in SpurArea.values:
        for regulation in regulations or inspection.regulations:
            grade = grades.get((area, regulation), grades.get(area, "B"))
            assert grade in ALLOWED_GRADES[area]
            rows.append(AreaGrade(inspection=inspection, area=area, regulation=regulation, grade=grade))
    return AreaGrade.objects.bulk_create(rows)
