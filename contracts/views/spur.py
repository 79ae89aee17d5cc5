"""SPUR pages: a unit's inspections and when the next is due, one inspection with its grades
and handlingsplan, the forms that record them, the region's list of units and the evidence
pack (PDF).

A unit's pages are 404 for anyone who may not see them (contracts.view_spur: its studierektor
and chef, the region's administrators); changing needs contracts.record_inspection or
contracts.keep_handlingsplan (403 otherwise). The region list is 404 except for administrators
of that region.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

import contracts.rules_spur  # noqa: F401 -- registers the contracts.*spur* permissions
from accounts.domain import record_event
from accounts.models import Region, Unit
from contracts import evidence, spur
from contracts.enums import ImprovementStatus
from contracts.forms.spur import AdjustGradeForm, InspectionForm, ItemForm
from contracts.models import AreaGrade, ImprovementItem, Inspection
from portfolio.views.access import posted

TEMPLATES = "contracts/spur/"


# --- access


def _check(request, unit, perm):
    if not request.user.has_perm(spur.VIEW_PERM, unit):
        raise Http404("No access to this unit's SPUR pages")
    if perm is not None and not request.user.has_perm(perm, unit):
        raise PermissionDenied


def _get_unit(request, unit_pk, perm=None):
    unit = get_object_or_404(Unit.objects.select_related("region", "specialty"), pk=unit_pk)
    _check(request, unit, perm)
    return unit


def _get_inspection(request, pk, perm=None, prefetch=()):
    inspections = Inspection.objects.select_related("unit__region", "created_by").prefetch_related(*prefetch)
    inspection = get_object_or_404(inspections, pk=pk)
    _check(request, inspection.unit, perm)
    return inspection


def _to_detail(inspection):
    return redirect("spur-inspection-detail", pk=inspection.pk)


def _day(value):
    return f"{value:%Y-%m-%d}"


# --- the unit's inspections


@login_required
def unit_inspections(request, unit_pk):
    unit = _get_unit(request, unit_pk)
    today = timezone.localdate()
    inspections = list(spur.inspections_of(unit))
    latest = inspections[0].date if inspections else None
    next_due = spur.next_inspection_due(latest)
    for inspection in inspections:
        inspection.grid = spur.grade_grid(inspection)
        inspection.regulation_labels = spur.regulation_labels(inspection.regulations)
    context = {
        "unit": unit,
        "today": today,
        "inspections": inspections,
        "next_due": next_due,
        "due_overdue": next_due is not None and next_due < today,
        "interval": spur.INSPECTION_INTERVAL_YEARS,
        "can_record": request.user.has_perm(spur.RECORD_PERM, unit),
    }
    return render(request, TEMPLATES + "unit_inspections.html", context)


def _save_inspection(request, form, unit, inspection=None):
    """Save through the domain; its errors land on the form. The saved inspection, or None."""
    kwargs = {"by": request.user, "grades": form.grades(), "narratives": form.narratives()}
    try:
        if inspection is None:
            return spur.record_inspection(unit, **kwargs, **form.inspection_fields())
        return spur.update_inspection(inspection, **kwargs, **form.inspection_fields())
    except ValidationError as error:
        form.add_error(None, error)
        return None


@login_required
def inspection_create(request, unit_pk):
    unit = _get_unit(request, unit_pk, spur.RECORD_PERM)
    form = InspectionForm(posted(request), initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        inspection = _save_inspection(request, form, unit)
        if inspection is not None:
            messages.success(
                request, _("The SPUR inspection on %(date)s was recorded.") % {"date": _day(inspection.date)}
            )
            return _to_detail(inspection)
    return render(request, TEMPLATES + "inspection_form.html", {"unit": unit, "form": form})


@login_required
def inspection_update(request, pk):
    inspection = _get_inspection(request, pk, spur.RECORD_PERM, prefetch=("grades",))
    unit = inspection.unit
    form = InspectionForm(posted(request), initial=InspectionForm.initial_for(inspection))
    if request.method == "POST" and form.is_valid() and _save_inspection(request, form, unit, inspection):
        messages.success(request, _("The SPUR inspection on %(date)s was saved.") % {"date": _day(inspection.date)})
        return _to_detail(inspection)
    context = {"unit": unit, "form": form, "inspection": inspection}
    return render(request, TEMPLATES + "inspection_form.html", context)


@login_required
def inspection_detail(request, pk):
    inspection = _get_inspection(request, pk, prefetch=("grades", "improvements_plan"))
    unit = inspection.unit
    grades = list(inspection.grades.all())
    items = list(inspection.improvements_plan.all())
    can_record = request.user.has_perm(spur.RECORD_PERM, unit)
    areas_with_plan = {item.area for item in items}
    context = {
        "unit": unit,
        "inspection": inspection,
        "grid": spur.grade_grid(inspection),
        "regulation_labels": spur.regulation_labels(inspection.regulations),
        "items": items,
        "today": timezone.localdate(),
        "adjustable": {
            grade.pk for grade in grades if can_record and _adjustable(grade) and grade.area in areas_with_plan
        },
        "can_record": can_record,
        "can_keep_plan": request.user.has_perm(spur.PLAN_PERM, unit),
        "done": ImprovementStatus.DONE,
    }
    return render(request, TEMPLATES + "inspection_detail.html", context)


def _adjustable(grade):
    return not grade.adjusted_grade and grade.grade in ("C", "D")


# --- the handlingsplan


@login_required
def item_create(request, pk):
    inspection = _get_inspection(request, pk, spur.PLAN_PERM)
    initial = {"area": request.GET.get("area", ""), "status": ImprovementStatus.PLANNED}
    form = ItemForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            spur.add_item(inspection, by=request.user, **form.item_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The measure was added to the handlingsplan."))
            return _to_detail(inspection)
    return render(
        request, TEMPLATES + "item_form.html", {"unit": inspection.unit, "inspection": inspection, "form": form}
    )


@login_required
def item_update(request, pk, item_pk):
    inspection = _get_inspection(request, pk, spur.PLAN_PERM)
    item = get_object_or_404(ImprovementItem.objects.filter(inspection=inspection), pk=item_pk)
    if item.status == ImprovementStatus.DONE:
        messages.error(request, _("This measure is done and can no longer be changed."))
        return _to_detail(inspection)
    form = ItemForm(posted(request), instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            spur.update_item(item, by=request.user, **form.item_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The handlingsplan was saved."))
            return _to_detail(inspection)
    context = {"unit": inspection.unit, "inspection": inspection, "form": form, "item": item}
    return render(request, TEMPLATES + "item_form.html", context)


@login_required
def grade_adjust(request, pk, grade_pk):
    inspection = _get_inspection(request, pk, spur.RECORD_PERM)
    grade = get_object_or_404(AreaGrade.objects.filter(inspection=inspection), pk=grade_pk)
    form = AdjustGradeForm(posted(request), grade=grade, initial={"adjusted_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            spur.adjust_grade(
                grade,
                by=request.user,
                adjusted_grade=data["adjusted_grade"],
                adjusted_on=data["adjusted_on"],
                note=data["adjustment_note"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form.add_error(None, error)
            else:
                messages.error(request, " ".join(error.messages))
                return _to_detail(inspection)
        else:
            messages.success(
                request,
                _("The grade in area %(area)s was adjusted from %(grade)s to %(adjusted)s.")
                % {"area": grade.area, "grade": grade.grade, "adjusted": grade.adjusted_grade},
            )
            return _to_detail(inspection)
    context = {"unit": inspection.unit, "inspection": inspection, "grade": grade, "form": form}
    return render(request, TEMPLATES + "grade_adjust.html", context)


# --- the region's units


@login_required
def region_units(request, region_code):
    region = get_object_or_404(Region, code=region_code)
    if not request.user.has_perm("contracts.view_spur_region", region):
        raise Http404("Not an administrator of this region")
    today = timezone.localdate()
    context = {"region": region, "rows": spur.region_rows(region, today), "today": today}
    return render(request, TEMPLATES + "region_units.html", context)


# --- the evidence pack


@login_required
def evidence_pdf(request, unit_pk):
    """The evidence pack; ?names=1 names the ST-läkare (an audit event says who asked)."""
    unit = _get_unit(request, unit_pk)
    today = timezone.localdate()
    names = request.GET.get("names") == "1"
    pdf = evidence.evidence_pdf(unit, today, names=names)
    record_event(request.user, "spur.evidence_downloaded", unit, names=names)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"spur-underlag-{slugify(unit.name)}-{today:%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
