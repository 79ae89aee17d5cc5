"""SPUR inspections of a unit, their handlingsplan, and when the next inspection is due.

A studierektor (or a region administrator) records an inspection from Lipus's report:
the date, the inspectors, the regulations assessed, a grade per area A–H under each
assessed regulation (on the scale the area allows: contracts.enums.ALLOWED_GRADES) and
the summary. The handlingsplan lists what the unit will do about each deficiency; an
item can be changed until it is done, and a done item is final. When Lipus accepts the
plan a grade can be adjusted: the adjusted grade is kept next to the original.

Each change locks the row it changes, checks the actor (PermissionDenied) and the state
(ValidationError with a Swedish message and a `code`), saves and writes an audit event.
`next_inspection_due` is pure.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

import contracts.rules_spur  # noqa: F401 -- registers the permissions checked here
from accounts.domain import record_event
from accounts.enums import Role
from accounts.models import Membership, Unit
from contracts.enums import ALLOWED_GRADES, ImprovementStatus, InspectedRegulation, SpurArea, SpurGrade
from contracts.models import AreaGrade, ImprovementItem, Inspection
from portfolio.reminders import ReminderItem, link, register_source
from portfolio.timecalc import add_months

VIEW_PERM = "contracts.view_spur"
RECORD_PERM = "contracts.record_inspection"
PLAN_PERM = "contracts.keep_handlingsplan"

# Lipus's cycle: an external review "should take place every fifth year" (an allmänt råd in
# SOSFS 2015:8 / HSLF-FS 2021:8; Region Norrbotten's guide makes it a "ska").
# Source: /work/shared/domain/st-rules-reference.md §6 (and the table before it).
INSPECTION_INTERVAL_YEARS = 5

# A handlingsplan follow-up is mentioned to the studierektorer this long before its date.
FOLLOW_UP_NOTICE = timedelta(days=14)

INSPECTION_FIELDS = (
    "date",
    "inspectors",
    "regulations",
    "strengths",
    "weaknesses",
    "improvements",
    "report_received_on",
)
ITEM_FIELDS = (
    "area",
    "criterion",
    "planned_action",
    "due_on",
    "responsible",
    "follow_up_on",
    "follow_up_responsible",
    "status",
    "outcome",
    "done_on",
)
# Best first: a grade can only be adjusted to a better one.
GRADE_ORDER = tuple(SpurGrade.values)


def _require(user, perm, unit):
    if not user.has_perm(perm, unit):
        raise PermissionDenied(f"{user} lacks {perm} for unit {unit.pk}")


def open_items():
    """Handlingsplan items not yet done (planned, in progress, or followed up as not done)."""
    return ImprovementItem.objects.exclude(status=ImprovementStatus.DONE)


# --- when the next inspection is due ------------------------------------------------------


def next_inspection_due(latest: date | None) -> date | None:
    """Five years after the latest inspection; None when the unit has never been inspected."""
    if latest is None:
        return None
    return add_months(latest, 12 * INSPECTION_INTERVAL_YEARS)


# --- the inspection -------------------------------------------------------------------------


def regulation_order(regulations) -> list[str]:
    """The regulations in the order of InspectedRegulation (2015 before 2021)."""
    return [value for value in InspectedRegulation.values if value in set(regulations)]


def check_grades(regulations, grades):
    """Every area graded under each assessed regulation, nothing under another, and only grades
    the area allows; errors are keyed like the form's fields (grade_<area>_<regulation>)."""
    errors = {}
    for area in SpurArea.values:
        for regulation in InspectedRegulation.values:
            grade = grades.get((area, regulation), "")
            key = f"grade_{area}_{regulation}"
            if regulation not in regulations:
                if grade:
                    errors[key] = _("This regulation is not ticked as assessed; clear the grade or tick it.")
            elif not grade:
                errors[key] = _("Give the grade for this area.")
            elif grade not in ALLOWED_GRADES[area]:
                errors[key] = _("Area %(area)s is graded %(grades)s; it has no grade %(grade)s.") % {
                    "area": area,
                    "grades": ", ".join(ALLOWED_GRADES[area]),
                    "grade": grade,
                }
    if errors:
        raise ValidationError(errors)


def _fill(inspection, fields):
    unknown = set(fields) - set(INSPECTION_FIELDS)
    if unknown:
        raise TypeError(f"Not fields of an inspection: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(inspection, name, value)
    inspection.regulations = regulation_order(inspection.regulations or [])
    inspection.full_clean(exclude=["unit", "created_by"])


@transaction.atomic
def record_inspection(unit, *, by, grades, narratives, **fields):
    """A new inspection with its grades. `grades` maps (area, regulation) to a grade;
    `narratives` maps an area to the inspectors' text about it (kept on each of its grades)."""
    _require(by, RECORD_PERM, unit)
    inspection = Inspection(unit=unit, created_by=by)
    _fill(inspection, fields)
    check_grades(inspection.regulations, grades)
    inspection.save()
    AreaGrade.objects.bulk_create(
        AreaGrade(
            inspection=inspection,
            area=area,
            regulation=regulation,
            grade=grades[(area, regulation)],
            narrative=narratives.get(area, ""),
        )
        for area in SpurArea.values
        for regulation in inspection.regulations
    )
    record_event(
        by,
        "spur.inspection_recorded",
        inspection,
        unit=unit.pk,
        date=f"{inspection.date:%Y-%m-%d}",
        grades=_log(grades),
    )
    return inspection


def _log(grades):
    return {f"{area}/{regulation}": grade for (area, regulation), grade in sorted(grades.items()) if grade}


@transaction.atomic
def update_inspection(inspection, *, by, grades, narratives, **fields):
    """Correct an inspection. A grade's adjustment stays; the grades of a regulation that is
    no longer ticked are removed."""
    locked = Inspection.objects.select_for_update().select_related("unit").get(pk=inspection.pk)
    _require(by, RECORD_PERM, locked.unit)
    _fill(locked, fields)
    check_grades(locked.regulations, grades)
    stored = {(row.area, row.regulation): row for row in locked.grades.select_for_update()}
    _keep_adjusted(stored, locked.regulations, grades)
    locked.save(update_fields=list(INSPECTION_FIELDS))
    for key, row in stored.items():
        if key[1] not in locked.regulations:
            row.delete()
    for area in SpurArea.values:
        for regulation in locked.regulations:
            row = stored.get((area, regulation)) or AreaGrade(inspection=locked, area=area, regulation=regulation)
            row.grade, row.narrative = grades[(area, regulation)], narratives.get(area, "")
            row.save()
    for name in INSPECTION_FIELDS:
        setattr(inspection, name, getattr(locked, name))
    record_event(by, "spur.inspection_updated", inspection, grades=_log(grades))
    return inspection


def _keep_adjusted(stored, regulations, grades):
    """An adjusted grade rests on Lipus's decision: its original grade and its regulation stay."""
    errors = {}
    for (area, regulation), row in stored.items():
        if not row.adjusted_grade:
            continue
        if regulation not in regulations:
            errors["regulations"] = _(
                "A grade under %(regulation)s has been adjusted after the handlingsplan; the regulation stays."
            ) % {"regulation": row.get_regulation_display()}
        elif grades.get((area, regulation)) != row.grade:
            errors[f"grade_{area}_{regulation}"] = _(
                "This grade was adjusted to %(adjusted)s after the handlingsplan; the original %(grade)s stays."
            ) % {"adjusted": row.adjusted_grade, "grade": row.grade}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def adjust_grade(grade, *, by, adjusted_grade, adjusted_on, note):
    """Record the grade Lipus set after accepting the handlingsplan; the original grade stays.
    Only a C or D with handlingsplan items in its area can be adjusted, once, to a better grade."""
    locked = AreaGrade.objects.select_for_update().select_related("inspection__unit").get(pk=grade.pk)
    _require(by, RECORD_PERM, locked.inspection.unit)
    if locked.adjusted_grade:
        raise ValidationError(_("This grade has already been adjusted."), code="already_adjusted")
    if locked.grade not in (SpurGrade.C, SpurGrade.D):
        raise ValidationError(_("Only a grade C or D can be adjusted after a handlingsplan."), code="not_adjustable")
    if not locked.inspection.improvements_plan.filter(area=locked.area).exists():
        raise ValidationError(
            _("Add the handlingsplan for area %(area)s before adjusting its grade.") % {"area": locked.area},
            code="no_plan",
        )
    errors = {}
    if adjusted_grade not in GRADE_ORDER or GRADE_ORDER.index(adjusted_grade) >= GRADE_ORDER.index(locked.grade):
        errors["adjusted_grade"] = _("The adjusted grade must be better than %(grade)s.") % {"grade": locked.grade}
    if adjusted_on is None or adjusted_on < locked.inspection.date:
        errors["adjusted_on"] = _("The adjustment cannot be dated before the inspection.")
    if not (note or "").strip():
        errors["adjustment_note"] = _("Say why the grade was adjusted, e.g. which decision from Lipus.")
    if errors:
        raise ValidationError(errors)
    locked.adjusted_grade, locked.adjusted_on, locked.adjustment_note = adjusted_grade, adjusted_on, note.strip()
    locked.full_clean(exclude=["inspection"])
    locked.save(update_fields=["adjusted_grade", "adjusted_on", "adjustment_note"])
    for name in ("adjusted_grade", "adjusted_on", "adjustment_note"):
        setattr(grade, name, getattr(locked, name))
    record_event(
        by,
        "spur.grade_adjusted",
        locked.inspection,
        area=locked.area,
        regulation=locked.regulation,
        grade=locked.grade,
        adjusted_grade=adjusted_grade,
        adjusted_on=f"{adjusted_on:%Y-%m-%d}",
    )
    return grade


# --- the handlingsplan ----------------------------------------------------------------------


def _check_item(item):
    """The model's own checks plus the rules that tie status, outcome and done date together."""
    item.full_clean(exclude=["inspection"])
    errors = {}
    if item.status == ImprovementStatus.DONE and item.done_on is None:
        errors["done_on"] = _("Give the date the measure was done.")
    if item.status != ImprovementStatus.DONE and item.done_on is not None:
        errors["done_on"] = _("Only a done measure has a done date; set the status to done or clear the date.")
    if item.status == ImprovementStatus.DONE and not item.outcome.strip():
        errors["outcome"] = _("Describe the outcome before marking the measure as done.")
    if item.follow_up_on and item.due_on and item.follow_up_on < item.due_on:
        errors["follow_up_on"] = _("The follow-up cannot come before the date the measure is to be done.")
    if errors:
        raise ValidationError(errors)


def _fill_item(item, fields):
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"Not fields of a handlingsplan item: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(item, name, value.strip() if isinstance(value, str) else value)


@transaction.atomic
def add_item(inspection, *, by, **fields):
    _require(by, PLAN_PERM, inspection.unit)
    item = ImprovementItem(inspection=inspection)
    _fill_item(item, fields)
    _check_item(item)
    item.save()
    record_event(by, "spur.plan_item_added", item, inspection=inspection.pk, area=item.area, status=item.status)
    return item


@transaction.atomic
def update_item(item, *, by, **fields):
    """Change an item of the handlingsplan; a done item is final."""
    locked = ImprovementItem.objects.select_for_update().select_related("inspection__unit").get(pk=item.pk)
    _require(by, PLAN_PERM, locked.inspection.unit)
    if locked.status == ImprovementStatus.DONE:
        raise ValidationError(_("This measure is done and can no longer be changed."), code="item_done")
    before = {name: getattr(locked, name) for name in ITEM_FIELDS}
    _fill_item(locked, fields)
    _check_item(locked)
    changed = [name for name in ITEM_FIELDS if getattr(locked, name) != before[name]]
    if not changed:
        return item
    locked.save(update_fields=changed)
    for name in changed:
        setattr(item, name, getattr(locked, name))
    record_event(by, "spur.plan_item_updated", item, fields=changed, status=locked.status)
    return item


# --- lists ----------------------------------------------------------------------------------


def inspections_of(unit):
    """The unit's inspections, newest first, with their grades and the number of open items."""
    return (
        Inspection.objects.filter(unit=unit)
        .prefetch_related("grades")
        .annotate(open_items=Count("improvements_plan", filter=~Q(improvements_plan__status=ImprovementStatus.DONE)))
        .order_by("-date", "-pk")
    )


@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    last_inspection: date | None
    next_due: date | None
    open_items: int
    overdue_follow_ups: int

    def overdue(self, today):
        return self.next_due is None or self.next_due < today


def region_rows(region, today: date) -> list[UnitRow]:
    """Every unit of the region with its SPUR state, in one query."""
    not_done = ~Q(inspections__improvements_plan__status=ImprovementStatus.DONE)
    units = (
        Unit.objects.filter(region=region)
        .annotate(
            last_inspection=Max("inspections__date"),
            open_items=Count("inspections__improvements_plan", filter=not_done, distinct=True),
            overdue_follow_ups=Count(
                "inspections__improvements_plan",
                filter=not_done & Q(inspections__improvements_plan__follow_up_on__lt=today),
                distinct=True,
            ),
        )
        .order_by("name")
    )
    return [
        UnitRow(
            unit,
            unit.last_inspection,
            next_inspection_due(unit.last_inspection),
            unit.open_items,
            unit.overdue_follow_ups,
        )
        for unit in units
    ]


def regulation_labels(regulations) -> list[str]:
    labels = dict(InspectedRegulation.choices)
    return [labels[value] for value in regulation_order(regulations)]


@dataclass(frozen=True)
class GridRow:
    area: str
    label: str
    allowed: tuple
    cells: list  # an AreaGrade (or None) per assessed regulation, in regulation_order
    narrative: str


def grade_grid(inspection) -> list[GridRow]:
    """One row per area with its grade under each assessed regulation, from the grades already
    fetched with the inspection. The inspectors' text is the same on each grade of an area."""
    by_area = defaultdict(dict)
    for grade in inspection.grades.all():
        by_area[grade.area][grade.regulation] = grade
    rows = []
    for area, label in SpurArea.choices:
        cells = by_area.get(area, {})
        narrative = next((cell.narrative for cell in cells.values() if cell.narrative), "")
        ordered = [cells.get(regulation) for regulation in regulation_order(inspection.regulations)]
        rows.append(GridRow(area, label, ALLOWED_GRADES[area], ordered, narrative))
    return rows


# --- reminders -------------------------------------------------------------------------------


def _study_directors(unit_ids):
    directors = defaultdict(set)
    rows = Membership.objects.filter(role=Role.STUDY_DIRECTOR, unit_id__in=unit_ids).values_list("unit_id", "user_id")
    for unit_id, user_id in rows:
        directors[unit_id].add(user_id)
    return directors


def _reminder_for(row, today):
    """(text, day, overdue) for an item: the overdue measure first, else its follow-up."""
    _pk, _inspection_id, _unit_id, unit_name, area, due_on, follow_up_on = row
    values = {"unit": unit_name, "area": area}
    if due_on < today:
        return _("SPUR handlingsplan at %(unit)s, area %(area)s: a measure is past its date") % values, due_on, True
    text = _("SPUR handlingsplan at %(unit)s, area %(area)s: follow-up") % values
    return text, follow_up_on, follow_up_on < today


@register_source
def spur_follow_ups(today):
    """Handlingsplan items not done whose follow-up is within two weeks or passed, or whose date
    to be done by has passed: to each studierektor of the unit (not essential). Two queries."""
    rows = list(
        open_items()
        .filter(Q(follow_up_on__lte=today + FOLLOW_UP_NOTICE) | Q(due_on__lt=today))
        .values_list(
            "pk",
            "inspection_id",
            "inspection__unit_id",
            "inspection__unit__name",
            "area",
            "due_on",
            "follow_up_on",
        )
        .order_by("pk")
    )
    directors = _study_directors({row[2] for row in rows})
    for row in rows:
        text, day, overdue = _reminder_for(row, today)
        url = link("spur-inspection-detail", row[1])
        for user_id in sorted(directors.get(row[2], ())):
            yield ReminderItem(user_id, f"spur_follow_up:{row[0]}", text, url, day, overdue)
