"""Tjänsteförteckning: the trainee's tjänstgöringar and ledigheter, with totals from `timecalc`."""

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portfolio import service
from portfolio.forms.service import LeaveForm, ServicePeriodForm, WhatIfForm
from portfolio.models import Leave, ServicePeriod
from portfolio.views.access import certified, get_record, get_trainee

CHANGE = "portfolio.change_own_records"


@login_required
def service_list(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk)
    today = timezone.localdate()
    periods = list(service.service_periods(trainee))
    leave_records = list(service.leaves(trainee))
    summary = service.service_summary(trainee, periods, leave_records, today)
    counted = service.counted_leave(trainee)

    what_if_form = WhatIfForm(request.GET if "percent" in request.GET else None)
    if not what_if_form.is_bound:
        percent = what_if_form.fields["percent"].initial
    else:
        percent = what_if_form.cleaned_data["percent"] if what_if_form.is_valid() else None

    context = {
        "trainee": trainee,
        "today": today,
        "periods": [(period, summary.by_period[period.pk]) for period in periods],
        "leaves": [(leave, leave.kind in counted) for leave in leave_records],
        "summary": summary,
        "what_if_form": what_if_form,
        "what_if": service.what_if(summary, percent, today) if percent and not summary.plan_reaches_minimum else None,
        "can_change": request.user.has_perm(CHANGE, trainee),
    }
    return render(request, "portfolio/service/service_list.html", context)


@dataclass(frozen=True)
class Section:
    """What differs between the tjänstgöring and ledighet pages."""

    model: type
    form_class: type
    create_title: Promise
    update_title: Promise
    delete_title: Promise
    saved: Promise
    deleted: Promise


PERIOD = Section(
    ServicePeriod,
    ServicePeriodForm,
    _("New tjänstgöring"),
    _("Edit tjänstgöring"),
    _("Delete tjänstgöring"),
    _("The tjänstgöring was saved."),
    _("The tjänstgöring was deleted."),
)
LEAVE = Section(
    Leave,
    LeaveForm,
    _("New ledighet"),
    _("Edit ledighet"),
    _("Delete ledighet"),
    _("The ledighet was saved."),
    _("The ledighet was deleted."),
)


def _edit(request, section, trainee, record):
    form = section.form_class(request.POST or None, instance=record, trainee=trainee)
    if request.method == "POST" and form.is_valid():
        service.save_record(form, request.user)
        messages.success(request, section.saved)
        return redirect("service-list", trainee_pk=trainee.pk)
    title = section.update_title if record.pk else section.create_title
    context = {"trainee": trainee, "form": form, "title": title, "record": record}
    return render(request, "portfolio/service/record_form.html", context)


def _delete(request, section, trainee_pk, pk):
    trainee, record = get_record(request, section.model, trainee_pk, pk, CHANGE)
    if certified(request, record):
        return redirect("service-list", trainee_pk=trainee.pk)
    if request.method == "POST":
        service.delete_record(record, request.user)
        messages.success(request, section.deleted)
        return redirect("service-list", trainee_pk=trainee.pk)
    context = {"trainee": trainee, "record": record, "title": section.delete_title}
    return render(request, "portfolio/service/record_confirm_delete.html", context)


@login_required
def service_create(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, CHANGE)
    # The timeline's empty months link here with ?start=YYYY-MM-01.
    return _edit(request, PERIOD, trainee, ServicePeriod(trainee=trainee, start=_date_param(request, "start")))


def _date_param(request, name):
    try:
        return date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None


@login_required
def service_update(request, trainee_pk, pk):
    return _edit(request, PERIOD, *get_record(request, ServicePeriod, trainee_pk, pk, CHANGE))


@login_required
def service_delete(request, trainee_pk, pk):
    return _delete(request, PERIOD, trainee_pk, pk)


@login_required
def leave_create(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, CHANGE)
    return _edit(request, LEAVE, trainee, Leave(trainee=trainee))


@login_required
def leave_update(request, trainee_pk, pk):
    return _edit(request, LEAVE, *get_record(request, Leave, trainee_pk, pk, CHANGE))


@login_required
def leave_delete(request, trainee_pk, pk):
    return _delete(request, LEAVE, trainee_pk, pk)
