"""Kompetensvärderingar written in the app: list, new (choose a kind, then the form),
detail, edit, sign, delete a draft, and the trainee's reflection.

Everyone who may see the trainee reads the signed ones; a draft exists only for its
assessor (404 for anyone else). The changes go through assessments/assessing.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from assessments import assessing
from assessments.enums import AssessmentKind
from assessments.forms.assessments import AssessmentForm, KindFilterForm, ReflectionForm, SignConfirmForm
from assessments.models import AssessmentRequest, AssessmentTemplate
from portfolio.snapshot import assessment_figures
from portfolio.views.access import get_trainee, posted

ASSESS = assessing.ASSESS
REFLECT = assessing.REFLECT
SIGN_BUTTON = "sign"

FORM_TEMPLATE = "assessments/assessments/assessment_form.html"


def _get_assessment(request, trainee_pk, pk, perm=None):
    """The trainee (404 outside visibility, 403 without `perm`) and an assessment the user
    may see (404 for others' drafts)."""
    trainee = get_trainee(request, trainee_pk, perm)
    assessment = get_object_or_404(assessing.visible_assessments(trainee, request.user), pk=pk)
    return trainee, assessment


def _to_detail(assessment):
    return redirect("assessment-detail", trainee_pk=assessment.trainee_id, pk=assessment.pk)


def _refuse_signed(request, assessment, message):
    messages.error(request, message)
    return _to_detail(assessment)


# --- reading


@login_required
def assessment_list(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk)
    kind_form = KindFilterForm(request.GET or None)
    kind = kind_form.cleaned_data["kind"] if kind_form.is_valid() else ""
    assessments = assessing.visible_assessments(trainee, request.user)
    if kind:
        assessments = assessments.filter(kind=kind)
    counts = assessing.signed_counts_by_kind(trainee)
    context = {
        "trainee": trainee,
        "assessments": list(assessments),
        "kind_form": kind_form,
        "kind": kind,
        "kind_label": AssessmentKind(kind).label if kind else "",
        "counts": [(AssessmentKind(value), count) for value, count in counts.items()],
        "signed_total": sum(counts.values()),
        "can_assess": request.user.has_perm(ASSESS, trainee),
        "figures": assessment_figures(trainee),
        "open_requests": AssessmentRequest.objects.open().filter(trainee=trainee).count(),
    }
    return render(request, "assessments/assessments/assessment_list.html", context)


@login_required
def assessment_detail(request, trainee_pk, pk):
    trainee, assessment = _get_assessment(request, trainee_pk, pk)
    is_assessor = assessment.assessor_id == request.user.pk
    context = {
        "trainee": trainee,
        "assessment": assessment,
        "ratings": assessing.rating_rows(assessment),
        "goals": list(assessment.goals.all()),
        "reflection": getattr(assessment, "reflection", None) if assessment.is_signed else None,
        "can_change": is_assessor and not assessment.is_signed,
        "can_reflect": assessment.is_signed and request.user.has_perm(REFLECT, trainee),
    }
    return render(request, "assessments/assessments/assessment_detail.html", context)


# --- writing


def _save(request, form, confirm, sign):
    """Save the draft, and sign it in the same transaction when asked; False when nothing was saved."""
    if not form.is_valid() or (sign and not confirm.is_valid()):
        return False
    try:
        with transaction.atomic():
            assessing.save_draft(form, by=request.user)
            if sign:
                assessing.sign_assessment(form.instance, by=request.user)
    except ValidationError as error:
        form.add_error(None, error)
        return False
    if sign:
        messages.success(request, _("The kompetensvärdering was signed. It can no longer be changed."))
    else:
        messages.success(
            request, _("The kompetensvärdering was saved as a draft. Only you can see it until you sign it.")
        )
    return True


def _form_page(request, trainee, assessment):
    """The content form for a new or draft assessment, with both "Save draft" and "Save and sign"."""
    sign = request.method == "POST" and SIGN_BUTTON in request.POST
    form = AssessmentForm(posted(request), instance=assessment)
    confirm = SignConfirmForm(request.POST if sign else None)
    if request.method == "POST" and _save(request, form, confirm, sign):
        return _to_detail(form.instance)
    context = {"trainee": trainee, "assessment": assessment, "form": form, "confirm_form": confirm}
    return render(request, FORM_TEMPLATE, context)


@login_required
def assessment_create(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, ASSESS)
    kind = request.GET.get("kind")
    if kind is None:
        templates = assessing.templates_for(trainee.unit.region)
        choices = [(value, label, templates.get(value)) for value, label in AssessmentKind.choices]
        context = {"trainee": trainee, "choices": choices}
        return render(request, "assessments/assessments/assessment_choose.html", context)
    if kind not in AssessmentKind.values:
        raise Http404("Unknown kind of assessment")
    try:
        assessment = assessing.new_assessment(trainee, kind, by=request.user)
    except AssessmentTemplate.DoesNotExist as missing:
        raise Http404("No template for this kind") from missing
    return _form_page(request, trainee, assessment)


@login_required
def assessment_update(request, trainee_pk, pk):
    trainee, assessment = _get_assessment(request, trainee_pk, pk)
    if assessment.is_signed:
        return _refuse_signed(
            request, assessment, _("This kompetensvärdering has been signed and can no longer be changed.")
        )
    # A draft is only ever found for its assessor; one who may no longer assess the trainee gets 403.
    if not request.user.has_perm(ASSESS, trainee):
        raise PermissionDenied
    return _form_page(request, trainee, assessment)


@login_required
def assessment_sign(request, trainee_pk, pk):
    trainee, assessment = _get_assessment(request, trainee_pk, pk)
    if assessment.is_signed:
        return _refuse_signed(request, assessment, _("This kompetensvärdering has already been signed."))
    form = SignConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            assessing.sign_assessment(assessment, by=request.user)
        except ValidationError as error:
            return _refuse_signed(request, assessment, " ".join(error.messages))
        messages.success(request, _("The kompetensvärdering was signed. It can no longer be changed."))
        return _to_detail(assessment)
    context = {
        "trainee": trainee,
        "assessment": assessment,
        "ratings": assessing.rating_rows(assessment),
        "goals": list(assessment.goals.all()),
        "form": form,
    }
    return render(request, "assessments/assessments/assessment_sign.html", context)


@login_required
def assessment_delete(request, trainee_pk, pk):
    trainee, assessment = _get_assessment(request, trainee_pk, pk)
    if assessment.is_signed:
        return _refuse_signed(request, assessment, _("A signed kompetensvärdering cannot be deleted."))
    if request.method == "POST":
        assessing.delete_draft(assessment, by=request.user)
        messages.success(request, _("The draft was deleted."))
        return redirect("assessment-list", trainee_pk=trainee.pk)
    context = {"trainee": trainee, "assessment": assessment}
    return render(request, "assessments/assessments/assessment_confirm_delete.html", context)


@login_required
def assessment_reflection(request, trainee_pk, pk):
    trainee, assessment = _get_assessment(request, trainee_pk, pk, REFLECT)
    if not assessment.is_signed:
        # Unreachable through the pages (a trainee never assesses), kept for safety.
        raise Http404("Not signed")
    reflection = getattr(assessment, "reflection", None)
    form = ReflectionForm(posted(request), initial={"text": reflection.text if reflection else ""})
    if request.method == "POST" and form.is_valid():
        try:
            assessing.save_reflection(assessment, form.cleaned_data["text"], by=request.user)
        except ValidationError as error:
            form.add_error("text", error)
        else:
            messages.success(request, _("Your reflection was saved."))
            return _to_detail(assessment)
    context = {"trainee": trainee, "assessment": assessment, "form": form, "reflection": reflection}
    return render(request, "assessments/assessments/reflection_form.html", context)
