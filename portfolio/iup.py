"""The IUP (individuellt utbildningsprogram) workflow and when the next version is due.

A version is started (or revised from the latest approved one), edited while it is a
draft or returned, submitted, and then approved or returned with comments by the
studierektor. Each transition is one function here. Each one:

1. locks the row it changes (`select_for_update`) inside one transaction;
2. checks the actor's permission (PermissionDenied) and the stored state
   (ValidationError with a Swedish message and a `code`);
3. saves only the fields it changes (`update_fields`);
4. writes an audit event (`record_event`) naming the actor and the action.

The instance passed in is updated to match what was saved. `iup_due` is pure: it takes
the trainee's versions as a list and the regional policy, and does no queries.

Editing is optimistically locked (accounts/locking.py): `update_plan` takes the
`lock_version` the editor's form was read at and refuses, with the code "stale", when
someone else has saved the version since.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import locking
from accounts.domain import record_event
from portfolio.enums import PlanStatus
from portfolio.models import Trainee, TrainingPlan
from portfolio.timecalc import add_months, days_in_month

# The fields a version's author writes; a revision copies them (and the delmål), the
# edit form shows them and the comparison page compares them.
CONTENT_FIELDS = (
    "planned_service",
    "planned_courses",
    "internal_activities",
    "external_activities",
    "self_study_hours_per_week",
    "assessment_plan",
)

EDIT_PERM = "portfolio.edit_plan"
DECIDE_PERM = "portfolio.decide_plan"


def _require(user, perm, trainee):
    if not user.has_perm(perm, trainee):
        raise PermissionDenied(f"{user} lacks {perm} for trainee {trainee.pk}")


def _locked(plan):
    """The stored row, locked until the transaction ends; the state is checked on this copy."""
    return TrainingPlan.objects.select_for_update(of=("self",)).select_related("trainee").get(pk=plan.pk)


def _require_status(plan, allowed, message, code):
    if plan.status not in allowed:
        raise ValidationError(message, code=code)


def _save(plan, locked, fields):
    locked.save(update_fields=[*fields, "updated_at"])
    for name in [*fields, "updated_at"]:
        setattr(plan, name, getattr(locked, name))


def _open_version_exists(trainee):
    return TrainingPlan.objects.filter(trainee=trainee).exclude(status=PlanStatus.APPROVED).exists()


def start_plan(trainee, *, by):
    """Start version 1 as a draft; only for a trainee who has no version yet."""
    _require(by, EDIT_PERM, trainee)
    try:
        with transaction.atomic():
            # Lock the trainee: two clicks on "Start IUP" must not both pass the check.
            list(Trainee.objects.select_for_update().filter(pk=trainee.pk).order_by().values_list("pk"))
            if TrainingPlan.objects.filter(trainee=trainee).exists():
                raise ValidationError(_("This ST-läkare already has an IUP."), code="plan_exists")
            plan = TrainingPlan.objects.create(trainee=trainee, version=1, created_by=by)
            record_event(by, "iup.started", plan, version=plan.version)
    except IntegrityError as exc:
        raise ValidationError(_("This ST-läkare already has an IUP."), code="plan_exists") from exc
    return plan


def stale_plan_error():
    return ValidationError(
        _(
            "Someone else saved this IUP version while you were editing it, so nothing you entered was saved. "
            "What they saved is shown below, and what you entered is still in the form: compare the two, "
            "make your changes again where needed and save."
        ),
        code=locking.STALE,
    )


@transaction.atomic
def update_plan(plan, *, by, goals, lock_version, **content):
    """Change the content of a draft or returned version (the fields in CONTENT_FIELDS and the delmål).

    `lock_version` is the counter the editor read the version at. When the content differs from what
    is stored and someone else has saved since, nothing is saved: ValidationError with the code "stale".
    Content equal to what is stored saves nothing and overwrites nobody, whatever the counter.
    """
    unknown = set(content) - set(CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"Not content fields of an IUP: {sorted(unknown)}")
    locked = _locked(plan)
    _require(by, EDIT_PERM, locked.trainee)
    _require_status(
        locked,
        PlanStatus.editable(),
        _("Only a draft or a returned IUP can be changed; this version is %(status)s.")
        % {"status": locked.get_status_display()},
        "not_editable",
    )
    changed = [name for name, value in content.items() if getattr(locked, name) != value]
    old_goals = set(locked.goals.values_list("pk", flat=True))
    new_goals = {goal.pk for goal in goals}
    if not changed and old_goals == new_goals:
        return plan
    locking.advance(locked, lock_version, field="lock_version", error=stale_plan_error())
    for name in changed:
        setattr(locked, name, content[name])
    locked.updated_by = by
    _save(plan, locked, [*changed, "updated_by"])
    plan.lock_version = locked.lock_version
    if old_goals != new_goals:
        locked.goals.set(goals)
    record_event(
        by,
        "iup.updated",
        plan,
        version=plan.version,
        fields=changed,
        goals_added=sorted(new_goals - old_goals),
        goals_removed=sorted(old_goals - new_goals),
    )
    return plan


@transaction.atomic
def submit_plan(plan, *, by):
    """Draft or returned → submitted, for the studierektor to decide on."""
    locked = _locked(plan)
    _require(by, EDIT_PERM, locked.trainee)
    _require_status(
        locked,
        PlanStatus.editable(),
        _("Only a draft or a returned IUP can be submitted; this version is %(status)s.")
        % {"status": locked.get_status_display()},
        "not_submittable",
    )
    locked.status = PlanStatus.SUBMITTED
    locked.submitted_at = timezone.now()
    _save(plan, locked, ["status", "submitted_at"])
    record_event(by, "iup.submitted", plan, version=plan.version)
    return plan


def _decide(plan, *, by, status, comment, action):
    locked = _locked(plan)
    _require(by, DECIDE_PERM, locked.trainee)
    _require_status(
        locked,
        [PlanStatus.SUBMITTED],
        _("Only a submitted IUP can be approved or returned; this version is %(status)s.")
        % {"status": locked.get_status_display()},
        "not_submitted",
    )
    locked.status = status
    locked.decided_at = timezone.now()
    locked.decided_by = by
    locked.decision_comment = comment
    _save(plan, locked, ["status", "decided_at", "decided_by", "decision_comment"])
    record_event(by, action, plan, version=plan.version, comment=comment)
    return plan


@transaction.atomic
def approve_plan(plan, *, by, comment=""):
    """Submitted → approved, by the studierektor; the version is frozen from now on."""
    return _decide(plan, by=by, status=PlanStatus.APPROVED, comment=(comment or "").strip(), action="iup.approved")


@transaction.atomic
def return_plan(plan, *, by, comment):
    """Submitted → returned with the studierektor's comments (required), to be edited and submitted again."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("Write what should be changed before you return the IUP."), code="comment_required")
    return _decide(plan, by=by, status=PlanStatus.RETURNED, comment=comment, action="iup.returned")


def start_revision(plan, *, by):
    """A new draft, version + 1, copying the content and delmål of the latest approved version."""
    try:
        with transaction.atomic():
            locked = _locked(plan)
            trainee = locked.trainee
            _require(by, EDIT_PERM, trainee)
            _require_status(
                locked,
                [PlanStatus.APPROVED],
                _("Only an approved IUP can be revised."),
                "not_approved",
            )
            if _open_version_exists(trainee):
                raise ValidationError(
                    _("There is already a version in progress; finish it before starting another."),
                    code="open_version_exists",
                )
            latest = TrainingPlan.objects.filter(trainee=trainee).order_by("-version").values_list("version", flat=True)
            if latest.first() != locked.version:
                raise ValidationError(_("Only the latest version can be revised."), code="not_latest")
            revision = TrainingPlan.objects.create(
                trainee=trainee,
                version=locked.version + 1,
                based_on=locked,
                created_by=by,
                **{name: getattr(locked, name) for name in CONTENT_FIELDS},
            )
            revision.goals.set(locked.goals.all())
            record_event(by, "iup.revision_started", revision, version=revision.version, based_on=locked.pk)
    except IntegrityError as exc:
        raise ValidationError(
            _("There is already a version in progress; finish it before starting another."),
            code="open_version_exists",
        ) from exc
    return revision


# --- when the next version is due -------------------------------------------

FIRST = "first"
REVISION = "revision"


@dataclass(frozen=True)
class IupDue:
    """When the next approval is due: the first IUP, or the next regular revision."""

    due: date | None
    kind: str  # FIRST or REVISION
    overdue: bool


def next_revision_end(approved_on: date, revision_months) -> date | None:
    """The last day of the first revision month after the month of `approved_on`."""
    months = sorted({int(month) for month in revision_months})
    if not months:
        return None
    later = [month for month in months if month > approved_on.month]
    year, month = (approved_on.year, later[0]) if later else (approved_on.year + 1, months[0])
    first = date(year, month, 1)
    return first.replace(day=days_in_month(first))


def iup_due(trainee, plans, policy, today: date, next_visit: date | None = None) -> IupDue:
    """When the trainee's next IUP approval is due, from the versions in `plans` (no queries).

    Without an approved version the first IUP is due `policy.iup_deadline_months` after the
    start of ST. After that, a revision is due by the end of the next of the region's
    revision months after the latest approval (approved in March with [1, 5, 9] → 31 May),
    or at the next årsbesök (`next_visit`) when that comes first: the IUP is revised there too.
    """
    approvals = [timezone.localdate(p.decided_at) for p in plans if p.status == PlanStatus.APPROVED and p.decided_at]
    if not any(p.status == PlanStatus.APPROVED for p in plans):
        due = add_months(trainee.st_start, policy.iup_deadline_months)
        kind = FIRST
    else:
        due = next_revision_end(max(approvals), policy.iup_revision_months) if approvals else None
        if next_visit and approvals and next_visit > max(approvals) and (due is None or next_visit < due):
            due = next_visit
        kind = REVISION
    return IupDue(due=due, kind=kind, overdue=due is not None and today > due)


# --- comparing two versions -------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: object
    new: object

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class PlanComparison:
    old: TrainingPlan
    new: TrainingPlan
    fields: list[FieldChange]
    goals_added: list
    goals_removed: list
    goals_kept: list

    @property
    def changed_count(self) -> int:
        return sum(change.changed for change in self.fields) + bool(self.goals_added or self.goals_removed)


def compare_plans(old, new) -> PlanComparison:
    """Field-by-field differences from `old` to `new`; reads `goals.all()` (prefetch them for lists)."""
    fields = [
        FieldChange(name, TrainingPlan._meta.get_field(name).verbose_name, getattr(old, name), getattr(new, name))
        for name in CONTENT_FIELDS
    ]
    old_goals, new_goals = list(old.goals.all()), list(new.goals.all())
    old_ids, new_ids = {goal.pk for goal in old_goals}, {goal.pk for goal in new_goals}
    return PlanComparison(
        old=old,
        new=new,
        fields=fields,
        goals_added=[goal for goal in new_goals if goal.pk not in old_ids],
        goals_removed=[goal for goal in old_goals if goal.pk not in new_ids],
        goals_kept=[goal for goal in new_goals if goal.pk in old_ids],
    )
