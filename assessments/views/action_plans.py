"""Åtgärdsplan pages: the trainee's plans, one plan with its follow-ups, and the forms
that open, change, follow up and close a plan.

Everyone who sees the trainee reads the plans; the huvudhandledare and the studierektor
(assessments.manage_action_plan) write them. Every change goes through
assessments/action_plans.py; its input errors come back on the form, and a plan closed
in the meantime comes back as a message on the plan's page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import action_plans as domain
from assessments.forms.action_plans import ActionPlanForm, ClosePlanForm, FollowUpForm
from assessments.models import ActionPlan
from portfolio.timecalc import add_months
from portfolio.views.access import get_record, get_trainee

MANAGE = domain.MANAGE_PERM


def _plans(trainee):
    """Open plans first (newest first), then closed ones, the latest closed first."""
    return (
        ActionPlan.objects.filter(trainee=trainee)
        .select_related("created_by")
        .annotate(follow_up_count=Count("follow_ups"))
        .order_by(F("closed_on").desc(nulls_first=True), "-opened_on", "-pk")
    )


def _closed_message(request, plan):
    messages.error(
        request,
        _("This åtgärdsplan was closed on %(date)s and can no longer be changed.")
        % {"date": f"{plan.closed_on:%Y-%m-%d}"},
    )
    return redirect("action-plan-detail", trainee_pk=plan.trainee_id, pk=plan.pk)


def _to_form(form, error):
    """Put the domain's errors on the form; False when the plan was closed meanwhile (not a form error)."""
    if getattr(error, "code", None) == "closed":
        return False
    form.add_error(None, error)
    return True


@login_required
def plan_list(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk)
    today = timezone.localdate()
    plans = list(_plans(trainee))
    for plan in plans:
        plan.overdue = domain.is_overdue(plan, today)
    context = {
        "trainee": trainee,
        "open_plans": [plan for plan in plans if plan.is_open],
        "closed_plans": [plan for plan in plans if not plan.is_open],
        "can_manage": request.user.has_perm(MANAGE, trainee),
    }
    return render(request, "assessments/action_plans/plan_list.html", context)


def _render_detail(request, trainee, plan, follow_up_form=None):
    can_manage = plan.is_open and request.user.has_perm(MANAGE, trainee)
    if can_manage and follow_up_form is None:
        follow_up_form = FollowUpForm(initial={"date": timezone.localdate()})
    context = {
        "trainee": trainee,
        "plan": plan,
        "overdue": domain.is_overdue(plan),
        "follow_ups": plan.follow_ups.select_related("recorded_by").order_by("-date", "-pk"),
        "can_manage": can_manage,
        "follow_up_form": follow_up_form,
    }
    return render(request, "assessments/action_plans/plan_detail.html", context)


@login_required
def plan_detail(request, trainee_pk, pk):
    trainee = get_trainee(request, trainee_pk)
    plan = get_object_or_404(ActionPlan.objects.filter(trainee=trainee).select_related("created_by"), pk=pk)
    return _render_detail(request, trainee, plan)


@login_required
def plan_create(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, MANAGE)
    today = timezone.localdate()
    form = ActionPlanForm(request.POST or None, initial={"opened_on": today, "follow_up_on": add_months(today, 1)})
    if request.method == "POST" and form.is_valid():
        try:
            plan = domain.open_plan(trainee, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The åtgärdsplan was opened."))
            return redirect("action-plan-detail", trainee_pk=trainee.pk, pk=plan.pk)
    return render(request, "assessments/action_plans/plan_form.html", {"trainee": trainee, "form": form})


@login_required
def plan_update(request, trainee_pk, pk):
    trainee, plan = get_record(request, ActionPlan, trainee_pk, pk, MANAGE)
    if not plan.is_open:
        return _closed_message(request, plan)
    form = ActionPlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            domain.update_plan(plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            if not _to_form(form, error):
                plan.refresh_from_db()
                return _closed_message(request, plan)
        else:
            messages.success(request, _("The åtgärdsplan was saved."))
            return redirect("action-plan-detail", trainee_pk=trainee.pk, pk=plan.pk)
    context = {"trainee": trainee, "form": form, "plan": plan}
    return render(request, "assessments/action_plans/plan_form.html", context)


@require_POST
@login_required
def plan_follow_up(request, trainee_pk, pk):
    trainee, plan = get_record(request, ActionPlan, trainee_pk, pk, MANAGE)
    if not plan.is_open:
        return _closed_message(request, plan)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            follow_up = domain.add_follow_up(plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            if not _to_form(form, error):
                plan.refresh_from_db()
                return _closed_message(request, plan)
        else:
            messages.success(
                request,
                _("The follow-up on %(date)s was recorded.") % {"date": f"{follow_up.date:%Y-%m-%d}"},
            )
            return redirect("action-plan-detail", trainee_pk=trainee.pk, pk=plan.pk)
    # The page again with the errors beside the fields and what was typed kept.
    return _render_detail(request, trainee, plan, follow_up_form=form)


@login_required
def plan_close(request, trainee_pk, pk):
    trainee, plan = get_record(request, ActionPlan, trainee_pk, pk, MANAGE)
    if not plan.is_open:
        return _closed_message(request, plan)
    form = ClosePlanForm(request.POST or None, initial={"closed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            domain.close_plan(plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            if not _to_form(form, error):
                plan.refresh_from_db()
                return _closed_message(request, plan)
        else:
            messages.success(request, _("The åtgärdsplan was closed."))
            return redirect("action-plan-detail", trainee_pk=trainee.pk, pk=plan.pk)
    return render(request, "assessments/action_plans/plan_close.html", {"trainee": trainee, "plan": plan, "form": form})
