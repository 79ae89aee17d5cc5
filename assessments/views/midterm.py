"""Mitt-i-ST pages: the dates and the steps, the forms to move on and to edit, and the
portfolio summary (PDF) for the värderare.

Everyone who sees the trainee reads; the ST-läkare, the huvudhandledare and the
studierektor act (assessments.manage_midterm). Outside the trainee's visibility every
URL is a 404, the PDF and the report included.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.domain import policy_for, record_event
from assessments import midterm, pdf
from assessments.enums import MidTermStatus
from assessments.forms.midterm import EditForm, StartForm, StepForm
from assessments.models import MidTermEvaluation
from portfolio.views.access import get_trainee

MANAGE = midterm.MANAGE_PERM
TEMPLATE = "assessments/midterm/detail.html"
SUMMARY_FILENAME = "mitt-i-st-sammanstallning.pdf"
REPORT_FILENAME = "mitt-i-st-rapport.pdf"


@dataclass(frozen=True)
class ChecklistRow:
    status: str
    label: str
    day: date | None
    done: bool
    is_next: bool


def _mid_term(trainee):
    return MidTermEvaluation.objects.filter(trainee=trainee).select_related("plan_version").first()


def _checklist(mid):
    """One row per step: done (with its date), the next one, or still ahead."""
    order = MidTermStatus.order()
    reached = order.index(mid.status)
    rows = [
        ChecklistRow(
            MidTermStatus.PLANNED, MidTermStatus.PLANNED.label, timezone.localdate(mid.created_at), True, False
        )
    ]
    for index, status in enumerate(order[1:], start=1):
        day = getattr(mid, midterm.STEPS[status].required[0])
        rows.append(ChecklistRow(status, MidTermStatus(status).label, day, index <= reached, index == reached + 1))
    return rows


def _render_detail(request, trainee, mid, *, step_form=None, start_form=None, status=200):
    today = timezone.localdate()
    dates = midterm.dates_for(trainee, mid.desired_date if mid else None)
    can_manage = request.user.has_perm(MANAGE, trainee)
    following = midterm.next_status(mid.status) if mid else None
    if can_manage and following and step_form is None:
        step_form = StepForm(step=following, trainee=trainee, mid=mid)
    if can_manage and mid is None and start_form is None:
        start_form = StartForm()
    context = {
        "trainee": trainee,
        "mid": mid,
        "dates": dates,
        "today": today,
        "policy": policy_for(trainee.unit.region),
        "order_overdue": bool(
            dates.order_by and today > dates.order_by and (mid is None or mid.status == MidTermStatus.PLANNED)
        ),
        "checklist": _checklist(mid) if mid else [],
        "next_step": MidTermStatus(following) if following else None,
        "can_manage": can_manage,
        "step_form": step_form if can_manage else None,
        "start_form": start_form if can_manage else None,
    }
    return render(request, TEMPLATE, context, status=status)


def _add_errors(form, exc):
    """Put the domain's errors on the form's fields (or above the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@login_required
def midterm_detail(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk)
    return _render_detail(request, trainee, _mid_term(trainee))


@require_POST
@login_required
def midterm_start(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, MANAGE)
    form = StartForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, trainee, _mid_term(trainee), start_form=form)
    try:
        midterm.start_mid_term(trainee, by=request.user, desired_date=form.cleaned_data["desired_date"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Mitt-i-ST is planned. Record each step when it is done."))
    return redirect("midterm-detail", trainee_pk=trainee.pk)


@require_POST
@login_required
def midterm_advance(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, MANAGE)
    mid = get_object_or_404(MidTermEvaluation.objects.select_related("plan_version"), trainee=trainee)
    following = midterm.next_status(mid.status)
    if following is None or request.POST.get("step") != following:
        # A second click, or a page opened before someone else recorded the step.
        messages.error(
            request,
            _("This step has already been recorded; the page now shows where Mitt-i-ST stands."),
        )
        return redirect("midterm-detail", trainee_pk=trainee.pk)
    form = StepForm(request.POST, request.FILES, step=following, trainee=trainee, mid=mid)
    if form.is_valid():
        try:
            midterm.advance(mid, by=request.user, to=following, **form.values)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Recorded: %(step)s.") % {"step": MidTermStatus(following).label})
            return redirect("midterm-detail", trainee_pk=trainee.pk)
    return _render_detail(request, trainee, _mid_term(trainee), step_form=form)


@login_required
def midterm_edit(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, MANAGE)
    mid = get_object_or_404(MidTermEvaluation.objects.select_related("plan_version"), trainee=trainee)
    form = EditForm(request.POST or None, request.FILES or None, trainee=trainee, mid=mid)
    if request.method == "POST" and form.is_valid():
        try:
            midterm.update_details(mid, by=request.user, **form.values)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The Mitt-i-ST details were saved."))
            return redirect("midterm-detail", trainee_pk=trainee.pk)
    return render(request, "assessments/midterm/edit.html", {"trainee": trainee, "mid": mid, "form": form})


@require_GET
@never_cache
@login_required
def midterm_summary_pdf(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk)
    content = pdf.midterm_summary_pdf(trainee)
    # A summary of the whole portfolio leaves the system: audited like the portfolio export.
    record_event(request.user, "midterm.summary_downloaded", trainee)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=SUMMARY_FILENAME)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@never_cache
@login_required
def midterm_report(request, trainee_pk):
    """The värderare's report as a download; the only way to it, so visibility decides who gets it."""
    trainee = get_trainee(request, trainee_pk)
    mid = get_object_or_404(MidTermEvaluation, trainee=trainee)
    if not mid.report_file:
        raise Http404
    try:
        handle = mid.report_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=REPORT_FILENAME, content_type="application/pdf")
    response["Cache-Control"] = "no-store"
    return response
