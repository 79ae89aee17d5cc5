"""IUP pages: the versions, one version with its actions, the edit form and a comparison.

Every state change is a POST to a small view that calls the matching function in
portfolio/iup.py; a change the state does not allow comes back as a message, not an error page.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import locking
from accounts.domain import policy_for
from portfolio import iup
from portfolio.enums import PlanStatus
from portfolio.forms.plans import CompareForm, DecisionForm, ReturnForm, TrainingPlanForm
from portfolio.models import Goal, TrainingPlan
from portfolio.reviews import next_visit_for
from portfolio.views.access import get_record, get_trainee


def _plans(trainee):
    """The trainee's versions, newest first, with the people shown beside them."""
    return (
        TrainingPlan.objects.filter(trainee=trainee)
        .select_related("created_by", "decided_by", "based_on")
        .order_by("-version")
    )


def _with_goals(plans):
    # The specialty's delmål first, then BT's, each in the målbeskrivning's order.
    return plans.prefetch_related(Prefetch("goals", queryset=Goal.objects.order_by("-curriculum__kind", "position")))


def _error(request, error):
    messages.error(request, " ".join(error.messages))


@login_required
def plan_list(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk)
    plans = list(_plans(trainee))
    policy = policy_for(trainee.unit.region)
    latest = plans[0] if plans else None
    context = {
        "trainee": trainee,
        "plans": plans,
        "latest": latest,
        "due": iup.iup_due(
            trainee,
            plans,
            policy,
            timezone.localdate(),
            next_visit=next_visit_for(trainee, policy.annual_visit_interval_months),
        ),
        "policy": policy,
        "revision_months": [formats.date_format(date(2000, month, 1), "F") for month in policy.iup_revision_months],
        "can_edit": request.user.has_perm(iup.EDIT_PERM, trainee),
    }
    return render(request, "portfolio/plans/plan_list.html", context)


@login_required
def plan_detail(request, trainee_pk, pk):
    trainee = get_trainee(request, trainee_pk)
    plan = get_object_or_404(_with_goals(_plans(trainee)), pk=pk)
    latest_version = TrainingPlan.objects.filter(trainee=trainee).order_by("-version").values_list("version", flat=True)
    can_edit = request.user.has_perm(iup.EDIT_PERM, trainee)
    can_decide = request.user.has_perm(iup.DECIDE_PERM, trainee)
    context = {
        "trainee": trainee,
        "plan": plan,
        "can_edit": can_edit and plan.is_editable,
        "can_decide": can_decide and plan.status == PlanStatus.SUBMITTED,
        # The latest version, approved, means no other version is open (revisions get higher numbers).
        "can_revise": can_edit and plan.status == PlanStatus.APPROVED and plan.version == latest_version.first(),
        "content": [
            (name, TrainingPlan._meta.get_field(name).verbose_name, getattr(plan, name)) for name in iup.CONTENT_FIELDS
        ],
        "approve_form": DecisionForm(auto_id="approve_%s"),
        "return_form": ReturnForm(auto_id="return_%s"),
    }
    return render(request, "portfolio/plans/plan_detail.html", context)


def _stored_now(plan, form):
    """The version as stored now, and its content beside what the person typed (for a refused save)."""
    current = _with_goals(TrainingPlan.objects.select_related("updated_by")).get(pk=plan.pk)
    typed = form.cleaned_data
    content = [
        (
            name,
            TrainingPlan._meta.get_field(name).verbose_name,
            getattr(current, name),
            getattr(current, name) != typed[name],
        )
        for name in iup.CONTENT_FIELDS
    ]
    goals_differ = {goal.pk for goal in current.goals.all()} != {goal.pk for goal in typed["goals"]}
    return {"current": current, "current_content": content, "current_goals_differ": goals_differ}


@login_required
def plan_update(request, trainee_pk, pk):
    trainee, plan = get_record(request, TrainingPlan, trainee_pk, pk, perm=iup.EDIT_PERM)
    if not plan.is_editable:
        messages.error(
            request,
            _("IUP version %(version)s is %(status)s and cannot be changed.")
            % {"version": plan.version, "status": plan.get_status_display()},
        )
        return redirect("plan-detail", trainee_pk=trainee.pk, pk=plan.pk)
    form = TrainingPlanForm(request.POST or None, instance=plan, trainee=trainee)
    context = {"trainee": trainee, "plan": plan, "form": form}
    if request.method == "POST" and form.is_valid():
        content = {name: form.cleaned_data[name] for name in iup.CONTENT_FIELDS}
        goals = form.cleaned_data["goals"]
        try:
            iup.update_plan(plan, by=request.user, goals=goals, lock_version=form.read_version, **content)
        except ValidationError as error:
            if not locking.is_stale(error):
                _error(request, error)
                return redirect("plan-detail", trainee_pk=trainee.pk, pk=plan.pk)
            # Nothing was saved: show what the other person saved, keep what this one typed.
            context |= _stored_now(plan, form)
            form.rebase(context["current"].lock_version, error)
        else:
            messages.success(request, _("IUP version %(version)s was saved.") % {"version": plan.version})
            return redirect("plan-detail", trainee_pk=trainee.pk, pk=plan.pk)
    return render(request, "portfolio/plans/plan_form.html", context)


@require_POST
@login_required
def plan_start(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, perm=iup.EDIT_PERM)
    try:
        plan = iup.start_plan(trainee, by=request.user)
    except ValidationError as error:
        _error(request, error)
        return redirect("plan-list", trainee_pk=trainee.pk)
    messages.success(request, _("The IUP was started. Fill in the plan and submit it to the studierektor."))
    return redirect("plan-update", trainee_pk=trainee.pk, pk=plan.pk)


def _transition(request, trainee_pk, pk, perm, change, success):
    """Run `change(plan)` (a function from portfolio/iup.py) and go back to the version's page."""
    trainee, plan = get_record(request, TrainingPlan, trainee_pk, pk, perm=perm)
    try:
        result = change(plan)
    except ValidationError as error:
        _error(request, error)
        return redirect("plan-detail", trainee_pk=trainee.pk, pk=plan.pk)
    messages.success(request, success % {"version": result.version})
    return redirect("plan-detail", trainee_pk=trainee.pk, pk=result.pk)


def _refuse_comment(request, trainee_pk, pk, form):
    """A comment that cannot be stored as written: nothing is decided, rather than deciding without it."""
    trainee, plan = get_record(request, TrainingPlan, trainee_pk, pk, perm=iup.DECIDE_PERM)
    errors = " ".join(message for messages_ in form.errors.values() for message in messages_)
    messages.error(
        request, _("Nothing was decided, because the comment could not be saved: %(errors)s") % {"errors": errors}
    )
    return redirect("plan-detail", trainee_pk=trainee.pk, pk=plan.pk)


@require_POST
@login_required
def plan_submit(request, trainee_pk, pk):
    return _transition(
        request,
        trainee_pk,
        pk,
        iup.EDIT_PERM,
        lambda plan: iup.submit_plan(plan, by=request.user),
        _("IUP version %(version)s was submitted to the studierektor."),
    )


@require_POST
@login_required
def plan_approve(request, trainee_pk, pk):
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _refuse_comment(request, trainee_pk, pk, form)
    comment = form.cleaned_data["comment"]
    return _transition(
        request,
        trainee_pk,
        pk,
        iup.DECIDE_PERM,
        lambda plan: iup.approve_plan(plan, by=request.user, comment=comment),
        _("IUP version %(version)s was approved."),
    )


@require_POST
@login_required
def plan_return(request, trainee_pk, pk):
    # A blank comment is refused by iup.return_plan, with the message the user sees.
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _refuse_comment(request, trainee_pk, pk, form)
    comment = form.cleaned_data["comment"]
    return _transition(
        request,
        trainee_pk,
        pk,
        iup.DECIDE_PERM,
        lambda plan: iup.return_plan(plan, by=request.user, comment=comment),
        _("IUP version %(version)s was returned to the ST-läkare with your comments."),
    )


@require_POST
@login_required
def plan_revise(request, trainee_pk, pk):
    trainee, plan = get_record(request, TrainingPlan, trainee_pk, pk, perm=iup.EDIT_PERM)
    try:
        revision = iup.start_revision(plan, by=request.user)
    except ValidationError as error:
        _error(request, error)
        return redirect("plan-detail", trainee_pk=trainee.pk, pk=plan.pk)
    messages.success(
        request,
        _("Version %(version)s was started from version %(based_on)s. Change what is needed and submit it.")
        % {"version": revision.version, "based_on": plan.version},
    )
    return redirect("plan-update", trainee_pk=trainee.pk, pk=revision.pk)


@login_required
def plan_compare(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk)
    plans = list(_with_goals(_plans(trainee)))
    by_pk = {plan.pk: plan for plan in plans}
    initial = {"a": plans[1].pk, "b": plans[0].pk} if len(plans) >= 2 else {}
    form = CompareForm(request.GET or None, plans=plans, initial=initial)
    if form.is_bound and form.is_valid():
        chosen = [by_pk[form.cleaned_data["a"]], by_pk[form.cleaned_data["b"]]]
    elif initial:
        chosen = [by_pk[initial["a"]], by_pk[initial["b"]]]
    else:
        chosen = []
    comparison = None
    if chosen:
        old, new = sorted(chosen, key=lambda plan: plan.version)
        comparison = iup.compare_plans(old, new)
    context = {"trainee": trainee, "plans": plans, "form": form, "comparison": comparison}
    return render(request, "portfolio/plans/plan_compare.html", context)
