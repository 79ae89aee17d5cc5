"""Unit pages: the list of the user's units, one unit's register and criteria, and the
forms that keep the register, judge the criteria, record the approval decision and run
the unit åtgärdsplan.

A unit outside the user's reach is a 404 (nobody learns it exists); a unit the user sees
but may not change in that way is a 403. Every change goes through contracts/units.py,
whose input errors come back on the form.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import contracts.rules_units as perms
from accounts import locking
from accounts.enums import Role
from contracts import criteria as crit
from contracts import units as domain
from contracts.enums import CriterionOutcome, CriterionRule
from contracts.forms.units import (
    ApprovalForm,
    AttestationForm,
    ClosePlanForm,
    DispensationForm,
    EndStaffForm,
    PlanFollowUpForm,
    SignPlanForm,
    StaffForm,
    UnitPlanForm,
    UnitProfileForm,
)
from contracts.models import UnitActionPlan, UnitApproval, UnitProfile, UnitStaff
from portfolio.timecalc import add_months
from portfolio.views.access import posted


def get_unit(request, unit_pk, perm=None):
    """The unit if the user may see it (else 404) and, when `perm` is given, holds it (else 403)."""
    unit = get_object_or_404(domain.visible_units(request.user).select_related("region", "specialty"), pk=unit_pk)
    if perm is not None and not request.user.has_perm(perm, unit):
        raise PermissionDenied
    return unit


def _criterion(unit, criterion_pk):
    criterion = domain.criterion_of(unit, criterion_pk)
    if criterion is None:
        raise Http404("No such criterion for this unit")
    return criterion


def _code(error):
    return getattr(error, "code", None)


def _to_form(form, error):
    form.add_error(None, error)  # a dict of field errors lands on its fields


# --- the list and the unit page ------------------------------------------------------------------


@login_required
def unit_list(request):
    units = domain.visible_units(request.user).select_related("region").order_by("region__name", "name", "pk")
    rows = domain.summaries(units, timezone.localdate())
    return render(request, "contracts/units/unit_list.html", {"rows": rows})


def _staff_rows(unit, today):
    rows = list(UnitStaff.objects.filter(unit=unit).select_related("user", "specialty").order_by("name", "pk"))
    current = [row for row in rows if row.since <= today and (row.until is None or row.until >= today)]
    coming = [row for row in rows if row.since > today]
    former = sorted((row for row in rows if row.until is not None and row.until < today), key=lambda r: r.until)
    return current, coming, former[::-1]


def _trainee_rows(facts):
    """The unit's ST-läkare with whether their huvudhandledare is on the staff and qualified."""
    staff_users = {row.user_id for row in facts.staff if row.user_id is not None}
    rows = []
    for trainee in facts.trainees:
        specialty, year = crit.supervisor_qualification(facts, trainee)
        rows.append(
            {
                "fact": trainee,
                "on_staff": trainee.main_supervisor_id in staff_users,
                "specialist": specialty is not None and specialty == facts.specialty_id,
                "training_year": year,
            }
        )
    return rows


@login_required
def unit_detail(request, unit_pk):
    unit = get_unit(request, unit_pk)
    today = timezone.localdate()
    criteria = crit.criteria_for(unit)
    facts = crit.unit_facts(unit, today)
    results = crit.evaluate(facts, criteria, today)
    current, coming, former = _staff_rows(unit, today)
    user = request.user
    plans = list(
        UnitActionPlan.objects.filter(unit=unit)
        .select_related("criterion", "head_signed_by", "director_signed_by")
        .order_by(F("closed_on").desc(nulls_first=True), "-opened_on", "-pk")
    )
    context = {
        "unit": unit,
        "today": today,
        "profile": facts.profile,
        "results": results,
        "has_criteria": bool(criteria),
        "not_met": crit.count_not_met(results),
        "staff": current,
        "coming_staff": coming,
        "former_staff": former,
        "trainees": _trainee_rows(facts),
        "approvals": list(UnitApproval.objects.filter(unit=unit).select_related("decided_by").order_by("-date", "-pk")),
        "open_plans": [plan for plan in plans if plan.closed_on is None],
        "closed_plans": [plan for plan in plans if plan.closed_on is not None],
        "can_edit": user.has_perm(perms.EDIT_REGISTER, unit),
        "can_judge": user.has_perm(perms.ATTEST, unit),
        "can_write_plan": user.has_perm(perms.WRITE_PLAN, unit),
        "attested_rule": CriterionRule.ATTESTED,
    }
    return render(request, "contracts/units/unit_detail.html", context)


# --- the register ----------------------------------------------------------------------------------


@login_required
def profile_edit(request, unit_pk):
    unit = get_unit(request, unit_pk, perms.EDIT_REGISTER)
    stored = UnitProfile.objects.filter(unit=unit).first()
    form = UnitProfileForm(posted(request), instance=stored or UnitProfile(unit=unit))
    context = {"unit": unit, "form": form}
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in domain.PROFILE_FIELDS}
        try:
            domain.save_profile(unit, by=request.user, version=form.read_version, **values)
        except ValidationError as error:
            if not locking.is_stale(error):
                _to_form(form, error)
            else:
                # Keep what was typed, show what is stored now, and let a deliberate second save win.
                current = UnitProfile.objects.filter(unit=unit).select_related("updated_by").first()
                form.rebase(current.version if current else 0, error)
                context["current"] = current
        else:
            messages.success(request, _("The unit profile was saved."))
            return redirect("unit-detail", unit_pk=unit.pk)
    return render(request, "contracts/units/profile_form.html", context)


def _staff_values(form):
    return {name: form.cleaned_data[name] for name in domain.STAFF_FIELDS}


@login_required
def staff_create(request, unit_pk):
    unit = get_unit(request, unit_pk, perms.EDIT_REGISTER)
    initial = {"since": timezone.localdate(), "specialty": unit.specialty_id, "percent": 100}
    form = StaffForm(posted(request), instance=UnitStaff(unit=unit), unit=unit, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            row = domain.add_staff(unit, by=request.user, **_staff_values(form))
        except ValidationError as error:
            _to_form(form, error)
        else:
            messages.success(request, _("%(name)s was added to the staff.") % {"name": row.name})
            return redirect("unit-detail", unit_pk=unit.pk)
    return render(request, "contracts/units/staff_form.html", {"unit": unit, "form": form})


def _staff_row(request, unit_pk, pk):
    unit = get_unit(request, unit_pk, perms.EDIT_REGISTER)
    return unit, get_object_or_404(UnitStaff.objects.filter(unit=unit), pk=pk)


def _ended_message(request, unit, row):
    messages.error(
        request,
        _("%(name)s left the unit on %(date)s; the row is kept as it was.")
        % {"name": row.name, "date": f"{row.until:%Y-%m-%d}"},
    )
    return redirect("unit-detail", unit_pk=unit.pk)


@login_required
def staff_update(request, unit_pk, pk):
    unit, row = _staff_row(request, unit_pk, pk)
    if row.until is not None and row.until < timezone.localdate():
        return _ended_message(request, unit, row)
    form = StaffForm(posted(request), instance=UnitStaff.objects.get(pk=row.pk), unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            domain.update_staff(row, by=request.user, **_staff_values(form))
        except ValidationError as error:
            _to_form(form, error)
        else:
            messages.success(request, _("The row for %(name)s was saved.") % {"name": row.name})
            return redirect("unit-detail", unit_pk=unit.pk)
    return render(request, "contracts/units/staff_form.html", {"unit": unit, "form": form, "row": row})


@login_required
def staff_end(request, unit_pk, pk):
    unit, row = _staff_row(request, unit_pk, pk)
    if row.until is not None:
        messages.error(
            request,
            _("%(name)s already has a last day, %(date)s.") % {"name": row.name, "date": f"{row.until:%Y-%m-%d}"},
        )
        return redirect("unit-detail", unit_pk=unit.pk)
    form = EndStaffForm(posted(request), initial={"until": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            domain.end_staff(row, by=request.user, until=form.cleaned_data["until"])
        except ValidationError as error:
            _to_form(form, error)
        else:
            messages.success(
                request,
                _("%(name)s's last day at the unit is %(date)s.") % {"name": row.name, "date": f"{row.until:%Y-%m-%d}"},
            )
            return redirect("unit-detail", unit_pk=unit.pk)
    return render(request, "contracts/units/staff_end.html", {"unit": unit, "form": form, "row": row})


# --- judging the criteria --------------------------------------------------------------------------


def _result_for(unit, criterion):
    today = timezone.localdate()
    return next(r for r in crit.evaluate(crit.unit_facts(unit, today), [criterion], today))


@login_required
def criterion_attest(request, unit_pk, criterion_pk):
    unit = get_unit(request, unit_pk, perms.ATTEST)
    criterion = _criterion(unit, criterion_pk)
    form = AttestationForm(posted(request), initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            domain.attest_criterion(unit, criterion, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _to_form(form, error)
        else:
            messages.success(request, _("Your judgement of criterion %(position)s was recorded.") % _num(criterion))
            return redirect("unit-detail", unit_pk=unit.pk)
    context = {"unit": unit, "criterion": criterion, "form": form, "result": _result_for(unit, criterion)}
    return render(request, "contracts/units/attest_form.html", context)


def _num(criterion):
    return {"position": criterion.position}


@login_required
def dispensation_create(request, unit_pk, criterion_pk):
    unit = get_unit(request, unit_pk, perms.GRANT_DISPENSATION)
    criterion = _criterion(unit, criterion_pk)
    form = DispensationForm(posted(request), initial={"valid_until": add_months(timezone.localdate(), 6)})
    if request.method == "POST" and form.is_valid():
        try:
            dispensation = domain.grant_dispensation(unit, criterion, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _to_form(form, error)
        else:
            messages.success(
                request,
                _("A dispens from criterion %(position)s was granted until %(date)s.")
                % {"position": criterion.position, "date": f"{dispensation.valid_until:%Y-%m-%d}"},
            )
            return redirect("unit-detail", unit_pk=unit.pk)
    context = {"unit": unit, "criterion": criterion, "form": form, "result": _result_for(unit, criterion)}
    return render(request, "contracts/units/dispensation_form.html", context)


@login_required
def approval_create(request, unit_pk):
    unit = get_unit(request, unit_pk, perms.DECIDE_APPROVAL)
    form = ApprovalForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            approval = domain.record_approval(unit, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _to_form(form, error)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("unit-approval-detail", unit_pk=unit.pk, pk=approval.pk)
    results = crit.evaluate_unit(unit, timezone.localdate())
    context = {"unit": unit, "form": form, "results": results, "not_met": crit.count_not_met(results)}
    return render(request, "contracts/units/approval_form.html", context)


def stored_results(approval):
    """The stored evaluation with the outcome's label, for the page."""
    rows = []
    for row in approval.evaluation:
        outcome = row.get("outcome")
        label = CriterionOutcome(outcome).label if outcome in CriterionOutcome.values else outcome
        rows.append(row | {"label": label})
    return rows


@login_required
def approval_detail(request, unit_pk, pk):
    unit = get_unit(request, unit_pk)
    approval = get_object_or_404(UnitApproval.objects.filter(unit=unit).select_related("decided_by"), pk=pk)
    context = {"unit": unit, "approval": approval, "rows": stored_results(approval)}
    return render(request, "contracts/units/approval_detail.html", context)


# --- the unit åtgärdsplan ------------------------------------------------------------------------


def _plan(request, unit_pk, pk, perm=None):
    unit = get_unit(request, unit_pk, perm)
    plan = get_object_or_404(
        UnitActionPlan.objects.filter(unit=unit).select_related(
            "criterion", "head_signed_by", "director_signed_by", "created_by"
        ),
        pk=pk,
    )
    return unit, plan


def _plan_message(request, plan, error):
    messages.error(request, " ".join(error.messages))
    return redirect("unit-plan-detail", unit_pk=plan.unit_id, pk=plan.pk)


@login_required
def plan_create(request, unit_pk):
    unit = get_unit(request, unit_pk, perms.WRITE_PLAN)
    today = timezone.localdate()
    criteria = crit.criteria_for(unit)
    initial = {"opened_on": today, "follow_up_on": add_months(today, 1)}
    if (criterion := domain.criterion_of(unit, _int(request.GET.get("kriterium")))) is not None:
        initial["criterion"] = criterion.pk
    form = UnitPlanForm(posted(request), initial=initial, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        try:
            plan = domain.open_plan(unit, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _to_form(form, error)
        else:
            messages.success(request, _("The åtgärdsplan was opened. Next, the chef and the studierektor sign it."))
            return redirect("unit-plan-detail", unit_pk=unit.pk, pk=plan.pk)
    return render(request, "contracts/units/plan_form.html", {"unit": unit, "form": form})


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _render_plan(request, unit, plan, follow_up_form=None):
    user = request.user
    can_follow_up = plan.closed_on is None and user.has_perm(perms.FOLLOW_UP_PLAN, unit)
    signed_by_both = domain.is_signed_by_both(plan)
    if can_follow_up and signed_by_both and follow_up_form is None:
        follow_up_form = PlanFollowUpForm(initial={"date": timezone.localdate()})
    context = {
        "unit": unit,
        "plan": plan,
        "overdue": plan.closed_on is None and plan.follow_up_on < timezone.localdate(),
        "follow_ups": plan.follow_ups.select_related("by").order_by("-date", "-pk"),
        "signed_by_both": signed_by_both,
        "can_edit": plan.closed_on is None
        and not domain.is_signed_by_anyone(plan)
        and user.has_perm(perms.WRITE_PLAN, unit),
        "can_sign": plan.closed_on is None and _may_sign(user, unit, plan),
        "can_follow_up": can_follow_up and signed_by_both,
        "can_close": can_follow_up,
        "follow_up_form": follow_up_form,
    }
    return render(request, "contracts/units/plan_detail.html", context)


def _may_sign(user, unit, plan):
    """Whether the user has a signature left to give (the domain decides in which role)."""
    if not user.has_perm(perms.SIGN_PLAN, unit) or user.pk in (plan.head_signed_by_id, plan.director_signed_by_id):
        return False
    roles = perms.roles_at(user, unit)
    return (Role.UNIT_HEAD in roles and plan.head_signed_at is None) or (
        Role.STUDY_DIRECTOR in roles and plan.director_signed_at is None
    )


@login_required
def plan_detail(request, unit_pk, pk):
    unit, plan = _plan(request, unit_pk, pk)
    return _render_plan(request, unit, plan)


@login_required
def plan_update(request, unit_pk, pk):
    unit, plan = _plan(request, unit_pk, pk, perms.WRITE_PLAN)
    if plan.closed_on is not None or domain.is_signed_by_anyone(plan):
        messages.error(request, _("The plan has been signed or closed and can no longer be changed."))
        return redirect("unit-plan-detail", unit_pk=unit.pk, pk=plan.pk)
    form = UnitPlanForm(
        posted(request), instance=UnitActionPlan.objects.get(pk=plan.pk), criteria=crit.criteria_for(unit)
    )
    if request.method == "POST" and form.is_valid():
        try:
            domain.update_plan(plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            if _code(error) in ("signed", "closed"):
                return _plan_message(request, plan, error)
            _to_form(form, error)
        else:
            messages.success(request, _("The åtgärdsplan was saved."))
            return redirect("unit-plan-detail", unit_pk=unit.pk, pk=plan.pk)
    return render(request, "contracts/units/plan_form.html", {"unit": unit, "form": form, "plan": plan})


@login_required
def plan_sign(request, unit_pk, pk):
    unit, plan = _plan(request, unit_pk, pk, perms.SIGN_PLAN)
    form = SignPlanForm(posted(request), seen=domain.plan_fingerprint(plan))
    if request.method == "POST" and form.is_valid():
        try:
            role = domain.sign_plan(plan, by=request.user, seen=form.seen)
        except ValidationError as error:
            if not locking.is_changed(error):
                return _plan_message(request, plan, error)
            # Show the plan as it is now, with its new digest: signing it is a new decision.
            unit, plan = _plan(request, unit_pk, pk, perms.SIGN_PLAN)
            form.reread(domain.plan_fingerprint(plan), error)
        else:
            message = _("You signed the åtgärdsplan as chef.") if role == "head" else None
            messages.success(request, message or _("You signed the åtgärdsplan as studierektor."))
            return redirect("unit-plan-detail", unit_pk=unit.pk, pk=plan.pk)
    if not _may_sign(request.user, unit, plan) or plan.closed_on is not None:
        messages.error(request, _("There is nothing for you to sign on this plan."))
        return redirect("unit-plan-detail", unit_pk=unit.pk, pk=plan.pk)
    return render(request, "contracts/units/plan_sign.html", {"unit": unit, "plan": plan, "form": form})


@require_POST
@login_required
def plan_follow_up(request, unit_pk, pk):
    unit, plan = _plan(request, unit_pk, pk, perms.FOLLOW_UP_PLAN)
    form = PlanFollowUpForm(request.POST)
    if form.is_valid():
        try:
            follow_up = domain.add_follow_up(plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            if _code(error) in ("closed", "not_signed"):
                return _plan_message(request, plan, error)
            _to_form(form, error)
        else:
            messages.success(
                request, _("The follow-up on %(date)s was recorded.") % {"date": f"{follow_up.date:%Y-%m-%d}"}
            )
            return redirect("unit-plan-detail", unit_pk=unit.pk, pk=plan.pk)
    return _render_plan(request, unit, plan, follow_up_form=form)


@login_required
def plan_close(request, unit_pk, pk):
    unit, plan = _plan(request, unit_pk, pk, perms.FOLLOW_UP_PLAN)
    if plan.closed_on is not None:
        messages.error(
            request,
            _("This åtgärdsplan was closed on %(date)s and can no longer be changed.")
            % {"date": f"{plan.closed_on:%Y-%m-%d}"},
        )
        return redirect("unit-plan-detail", unit_pk=unit.pk, pk=plan.pk)
    form = ClosePlanForm(posted(request), initial={"closed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            domain.close_plan(plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            if _code(error) == "closed":
                return _plan_message(request, plan, error)
            _to_form(form, error)
        else:
            messages.success(request, _("The åtgärdsplan was closed."))
            return redirect("unit-plan-detail", unit_pk=unit.pk, pk=plan.pk)
    return render(request, "contracts/units/plan_close.html", {"unit": unit, "plan": plan, "form": form})
