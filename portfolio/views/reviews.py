"""Årsrapport (written by the ST-läkare) and årsbesök (recorded by the studierektor)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.domain import policy_for
from portfolio.forms.reviews import AnnualReportForm, AnnualVisitForm, FinalReviewForm
from portfolio.models import AnnualReport, AnnualVisit, FrozenRecordError
from portfolio.reviews import next_visit_due, record_final_review, submit_report
from portfolio.views.access import get_record, get_trainee

CHANGE = "portfolio.change_own_records"
RECORD_VISIT = "portfolio.record_annual_visit"


# --- Views


@login_required
def review_list(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk)
    visits = list(trainee.annual_visits.select_related("recorded_by").order_by("-date", "-pk"))
    interval = policy_for(trainee.unit.region).annual_visit_interval_months
    due = next_visit_due(visits[0].date if visits else None, trainee.st_start, interval)
    context = {
        "trainee": trainee,
        "reports": trainee.annual_reports.order_by("-year"),
        "visits": visits,
        "next_visit_due": due,
        "visit_overdue": due < timezone.localdate(),
        "visit_interval": interval,
        "can_write_report": request.user.has_perm(CHANGE, trainee),
        "can_record_visit": request.user.has_perm(RECORD_VISIT, trainee),
        "final_reviews": list(trainee.final_reviews.select_related("reviewer").order_by("-date", "-pk")),
    }
    return render(request, "portfolio/reviews/review_list.html", context)


@login_required
def report_create(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, CHANGE)
    report = AnnualReport(trainee=trainee)
    form = AnnualReportForm(request.POST or None, instance=report, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        report = form.save()
        messages.success(request, _("The årsrapport for %(year)s was saved as a draft.") % {"year": report.year})
        return redirect("review-list", trainee_pk=trainee.pk)
    return render(request, "portfolio/reviews/report_form.html", {"trainee": trainee, "form": form})


@login_required
def report_update(request, trainee_pk, pk):
    trainee, report = get_record(request, AnnualReport, trainee_pk, pk, CHANGE)
    if report.submitted_at is not None:
        messages.error(
            request,
            _("The årsrapport for %(year)s has been submitted and can no longer be changed.") % {"year": report.year},
        )
        return redirect("review-list", trainee_pk=trainee.pk)
    form = AnnualReportForm(request.POST or None, instance=report)
    if request.method == "POST" and form.is_valid():
        report = form.save()
        messages.success(request, _("The årsrapport for %(year)s was saved.") % {"year": report.year})
        return redirect("review-list", trainee_pk=trainee.pk)
    return render(request, "portfolio/reviews/report_form.html", {"trainee": trainee, "form": form, "report": report})


@require_POST
@login_required
def report_submit(request, trainee_pk, pk):
    trainee, report = get_record(request, AnnualReport, trainee_pk, pk, CHANGE)
    try:
        submit_report(report, by=request.user)
    except FrozenRecordError:
        messages.error(request, _("The årsrapport for %(year)s has already been submitted.") % {"year": report.year})
    else:
        messages.success(request, _("The årsrapport for %(year)s was submitted.") % {"year": report.year})
    return redirect("review-list", trainee_pk=trainee.pk)


def _default_participants(trainee, user):
    people = [trainee.user, trainee.main_supervisor, user]
    return ", ".join(dict.fromkeys(str(person) for person in people if person is not None))


@login_required
def visit_create(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, RECORD_VISIT)
    visit = AnnualVisit(trainee=trainee, recorded_by=request.user)
    initial = {"date": timezone.localdate(), "participants": _default_participants(trainee, request.user)}
    form = AnnualVisitForm(request.POST or None, instance=visit, initial=initial)
    if request.method == "POST" and form.is_valid():
        visit = form.save()
        messages.success(request, _("The årsbesök on %(date)s was recorded.") % {"date": f"{visit.date:%Y-%m-%d}"})
        return redirect("review-list", trainee_pk=trainee.pk)
    return render(request, "portfolio/reviews/visit_form.html", {"trainee": trainee, "form": form})


@login_required
def visit_update(request, trainee_pk, pk):
    trainee, visit = get_record(request, AnnualVisit, trainee_pk, pk, RECORD_VISIT)
    form = AnnualVisitForm(request.POST or None, instance=visit)
    if request.method == "POST" and form.is_valid():
        visit = form.save()
        messages.success(request, _("The årsbesök on %(date)s was saved.") % {"date": f"{visit.date:%Y-%m-%d}"})
        return redirect("review-list", trainee_pk=trainee.pk)
    return render(request, "portfolio/reviews/visit_form.html", {"trainee": trainee, "form": form, "visit": visit})


@login_required
def final_review_create(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, RECORD_VISIT)
    form = FinalReviewForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            review = record_final_review(trainee, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)  # a dict of field errors lands on its fields
        else:
            messages.success(
                request,
                _("The end-of-ST review on %(date)s was recorded: %(verdict)s.")
                % {"date": f"{review.date:%Y-%m-%d}", "verdict": review.get_verdict_display()},
            )
            return redirect("review-list", trainee_pk=trainee.pk)
    return render(request, "portfolio/reviews/final_review_form.html", {"trainee": trainee, "form": form})
