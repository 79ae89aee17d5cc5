"""Kompetensvärderingar written in the app by the handledare, the second specialist or
the studierektor: drafted, then signed by the assessor, then final.

Each change is one function here, following portfolio/iup.py: lock the stored row,
check the actor (PermissionDenied) and the stored state (ValidationError with a
Swedish message and a `code`), save only what changes, and write an audit event.
The read side (`visible_assessments`, `signed_counts_by_kind`) is what the list and
detail pages use; drafts are private to their assessor until signed.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Prefetch, Q
from django.utils.translation import gettext as _

from accounts.domain import record_event
from assessments import scales
from assessments.enums import AssessmentKind, AssessorRole, SignedStatus
from assessments.models import Assessment, AssessmentReflection, AssessmentTemplate
from portfolio.models import Goal

ASSESS = "assessments.assess"
REFLECT = "assessments.reflect"


# --- templates and new assessments


def templates_for(region) -> dict[str, AssessmentTemplate]:
    """{kind: template} for a region: its own template of a kind, else the national one (one query)."""
    found = {}
    rows = (
        AssessmentTemplate.objects.filter(Q(region=region) | Q(region__isnull=True))
        if region is not None
        else AssessmentTemplate.objects.filter(region__isnull=True)
    )
    # The regional rows sort first, so the national one only fills the kinds a region lacks.
    for template in rows.order_by(F("region").asc(nulls_last=True)):
        found.setdefault(template.kind, template)
    return found


def template_for(region, kind) -> AssessmentTemplate:
    """The region's own template of `kind`, else the national one; DoesNotExist when neither exists."""
    try:
        return templates_for(region)[kind]
    except KeyError:
        raise AssessmentTemplate.DoesNotExist(f"No assessment template of kind {kind!r}") from None


def new_assessment(trainee, kind, *, by) -> Assessment:
    """An unsaved draft of `kind` by `by`, with the scale and domains copied from the template."""
    if kind not in AssessmentKind.values:
        raise ValueError(f"Not a kind of assessment: {kind!r}")
    template = template_for(trainee.unit.region, kind)
    is_supervisor = trainee.main_supervisor_id is not None and trainee.main_supervisor_id == by.pk
    return Assessment(
        trainee=trainee,
        kind=kind,
        template=template,
        # Copies: a later change to the template must not rewrite this form.
        scale=template.scale,
        domains=[dict(domain) for domain in template.domains],
        assessor=by,
        assessor_name=by.name or by.get_username(),
        assessor_email=by.email,
        assessor_role=AssessorRole.SUPERVISOR if is_supervisor else AssessorRole.SPECIALIST,
        created_by=by,
        status=SignedStatus.DRAFT,
    )


# --- changes


def _locked(assessment):
    """The stored row, locked until the transaction ends; the state is checked on this copy."""
    return Assessment.objects.select_for_update(of=("self",)).select_related("trainee").get(pk=assessment.pk)


def _require_assessor(assessment, by):
    if assessment.assessor_id is None or assessment.assessor_id != by.pk:
        raise PermissionDenied(f"{by} is not the assessor of assessment {assessment.pk}")


def _require_may_assess(by, trainee):
    if not by.has_perm(ASSESS, trainee):
        raise PermissionDenied(f"{by} lacks {ASSESS} for trainee {trainee.pk}")


def _require_draft(assessment, message, code):
    if assessment.is_signed:
        raise ValidationError(message, code=code)


@transaction.atomic
def save_draft(form, *, by):
    """Save a valid AssessmentContentForm (or subclass) as a draft by its assessor, delmål included."""
    if not form.is_valid():
        raise ValueError("save_draft needs a valid form")
    assessment = form.instance
    _require_may_assess(by, assessment.trainee)
    _require_assessor(assessment, by)
    creating = assessment.pk is None
    if not creating:
        locked = _locked(assessment)
        _require_assessor(locked, by)
        _require_draft(
            locked, _("This kompetensvärdering has been signed and can no longer be changed."), "already_signed"
        )
    assessment.status = SignedStatus.DRAFT
    assessment.signed_at = None
    form.save()
    record_event(
        by,
        "assessment.created" if creating else "assessment.changed",
        assessment,
        kind=assessment.kind,
        fields=sorted(form.changed_data),
        goals=sorted(goal.pk for goal in form.cleaned_data.get("goals") or []),
    )
    return assessment


@transaction.atomic
def sign_assessment(assessment, *, by):
    """Draft → signed, by its assessor only; final from now on (SignedRecord)."""
    locked = _locked(assessment)
    _require_assessor(locked, by)
    locked.trainee.require_active()
    _require_draft(locked, _("This kompetensvärdering has already been signed."), "already_signed")
    for name in locked.mark_signed():
        setattr(assessment, name, getattr(locked, name))
    record_event(by, "assessment.signed", assessment, kind=assessment.kind)
    return assessment


@transaction.atomic
def delete_draft(assessment, *, by):
    """Delete a draft; only its assessor may, and never a signed one."""
    locked = _locked(assessment)
    _require_assessor(locked, by)
    _require_draft(locked, _("A signed kompetensvärdering cannot be deleted."), "already_signed")
    # The event first: after delete() the row and its pk are gone.
    record_event(by, "assessment.deleted", locked, kind=locked.kind, date=locked.date.isoformat())
    locked.delete()


@transaction.atomic
def save_reflection(assessment, text, *, by):
    """Write or revise the trainee's reflection on a signed assessment (the assessment itself stays as signed)."""
    locked = _locked(assessment)
    if not by.has_perm(REFLECT, locked.trainee):
        raise PermissionDenied(f"{by} lacks {REFLECT} for trainee {locked.trainee_id}")
    if not locked.is_signed:
        raise ValidationError(
            _("You can reflect on a kompetensvärdering once the assessor has signed it."), code="not_signed"
        )
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write your reflection."), code="empty")
    reflection, created = AssessmentReflection.objects.update_or_create(assessment=locked, defaults={"text": text})
    record_event(by, "assessment.reflection_written" if created else "assessment.reflection_changed", locked)
    return reflection


# --- reading


def visible_assessments(trainee, user):
    """The trainee's signed assessments, plus the drafts `user` is the assessor of, newest first.

    Template, reflection and delmål come along, so a list costs the same number of
    queries however long it is.
    """
    mine = Q(status=SignedStatus.DRAFT, assessor_id=user.pk) if user.pk is not None else Q(pk__in=[])
    goals = Goal.objects.select_related("curriculum").order_by("-curriculum__kind", "position")
    return (
        Assessment.objects.filter(trainee=trainee)
        .filter(Q(status=SignedStatus.SIGNED) | mine)
        .select_related("template", "reflection")
        .prefetch_related(Prefetch("goals", queryset=goals))
        .order_by("-date", "-pk")
    )


def signed_counts_by_kind(trainee) -> dict[str, int]:
    """{kind: number of signed assessments} for every kind, in the order of AssessmentKind (one query)."""
    counts = dict.fromkeys(AssessmentKind.values, 0)
    rows = (
        Assessment.objects.filter(trainee=trainee, status=SignedStatus.SIGNED)
        .order_by()
        .values_list("kind")
        .annotate(count=Count("pk"))
    )
    counts.update(dict(rows))
    return counts


def rating_rows(assessment) -> list[tuple[str, int | None, str]]:
    """[(domain label, rating, rating label), …] in the order of the assessment's own domains."""
    if not scales.steps(assessment.scale):
        return []
    ratings = assessment.ratings or {}
    return [
        (domain["label"], ratings.get(domain["code"]), scales.label(assessment.scale, ratings.get(domain["code"])))
        for domain in assessment.domains or []
    ]
