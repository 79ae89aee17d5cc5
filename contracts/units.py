"""The unit register and its quality work: profile, staff, attestations, dispenser,
approval decisions and the unit åtgärdsplan.

Each function that changes something, like those in portfolio/iup.py:

1. locks the row it changes (`select_for_update`) inside one transaction;
2. checks the actor's permission (PermissionDenied; rules in contracts/rules_units.py),
   then the stored state and the input (ValidationError with a Swedish message and a
   `code`; input errors keyed by the form field they belong to);
3. saves only the fields it changes (`update_fields`);
4. writes an audit event (`record_event`).

Records that are final stay final: a staff row is ended (`until`), never deleted; an
approval decision is never changed (a guard below refuses it); a unit åtgärdsplan cannot
be changed once someone has signed it, and a closed plan not at all.

Also here: the per-unit summary for the list page, the daily check that alerts the
studierektorer when a criterion stops being met (`check_criteria`, command
check_unit_criteria), and the reminders source for studierektorer. This module must be
imported at startup (ContractsConfig.ready) for the source and the guard to be registered.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

import contracts.rules_units as perms
from accounts import locking
from accounts.domain import is_national_administrator, record_event
from accounts.enums import Role
from accounts.models import Membership, Unit, User
from assessments.action_plans import follow_up_errors, plan_date_errors
from contracts import criteria as crit
from contracts.enums import CriterionOutcome, CriterionRule
from contracts.models import (
    CriteriaSet,
    CriterionAttestation,
    CriterionState,
    Dispensation,
    UnitActionPlan,
    UnitActionPlanFollowUp,
    UnitApproval,
    UnitProfile,
    UnitStaff,
)
from portfolio.models import FrozenRecordError
from portfolio.reminders import ReminderItem, link, register_source

DISPENSATION_SOON = timedelta(days=30)
FOLLOW_UP_SOON = timedelta(days=7)

PROFILE_FIELDS = ("listed_patients", "child_health", "maternal_health", "elderly_care", "on_call", "notes")
STAFF_FIELDS = (
    "user",
    "name",
    "specialty",
    "percent",
    "is_supervisor",
    "supervisor_training_year",
    "supervisor_training_regulation",
    "supervision_hours_per_week",
    "supervisor_meetings_last_year",
    "since",
)
PLAN_FIELDS = ("criterion", "opened_on", "concern", "measures", "responsible", "follow_up_on")
PLAN_TEXT_FIELDS = ("concern", "measures", "responsible")


# --- which units ---------------------------------------------------------------------------


def visible_units(user):
    """The units whose pages the user may see: where they are studierektor or chef, in the
    regions they administer, or every unit for a national administrator."""
    if not user.is_authenticated:
        return Unit.objects.none()
    if is_national_administrator(user):
        return Unit.objects.all()
    led = Membership.objects.filter(user=user, role__in=[Role.STUDY_DIRECTOR, Role.UNIT_HEAD]).values("unit")
    regions = Membership.objects.filter(user=user, role=Role.ADMINISTRATOR).values("region")
    return Unit.objects.filter(Q(pk__in=led) | Q(region__in=regions))


def criterion_of(unit, criterion_pk):
    """A criterion of the unit's own set (its region and specialty), or None."""
    return next((criterion for criterion in crit.criteria_for(unit) if criterion.pk == criterion_pk), None)


# --- checks --------------------------------------------------------------------------------


def _require(user, perm, unit):
    if not user.has_perm(perm, unit):
        raise PermissionDenied(f"{user} lacks {perm} for unit {unit.pk}")


def _raise(errors):
    if errors:
        raise ValidationError(errors)


def _only(fields, allowed, what):
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Not fields of {what}: {sorted(unknown)}")
    return dict(fields)


def _stripped(values, names):
    return {key: (value or "").strip() if key in names else value for key, value in values.items()}


def _not_in_future(errors, name, day, message):
    if day is not None and day > timezone.localdate():
        errors[name] = ValidationError(message, code=f"{name}_in_future")


def _iso(day):
    return day.isoformat() if day is not None else None


# --- the profile -----------------------------------------------------------------------------


def stale_profile_error():
    return ValidationError(
        _(
            "Someone else saved the unit profile while you were editing it, so nothing you entered was saved. "
            "Their version is shown below; check your changes against it and save again."
        ),
        code=locking.STALE,
    )


def save_profile(unit, *, by, version, **fields):
    """Save the unit profile if it is still at `version` (0: no profile yet); else ValidationError "stale".

    Optimistic locking (accounts/locking.py): two people editing at once must not silently overwrite
    each other. Values equal to the stored ones save nothing and overwrite nobody, whatever the version.
    """
    _require(by, perms.EDIT_REGISTER, unit)
    values = _stripped(_only(fields, PROFILE_FIELDS, "a unit profile"), {"notes"})
    try:
        with transaction.atomic():
            profile = UnitProfile.objects.select_for_update().filter(unit=unit).first()
            created = profile is None
            if created and version != 0:
                raise stale_profile_error()
            profile = profile or UnitProfile(unit=unit, version=1)
            changed = [name for name, value in values.items() if getattr(profile, name) != value]
            if not changed and not created:
                return profile
            if not created:
                locking.advance(profile, version, field="version", error=stale_profile_error())
            for name in changed:
                setattr(profile, name, values[name])
            profile.updated_by = by
            profile.full_clean(exclude=["unit"])
            if created:
                profile.save()
            else:
                profile.save(update_fields=[*changed, "updated_by", "updated_at"])
            record_event(by, "unit_profile.saved", profile, unit=unit.pk, version=profile.version, fields=changed)
    except IntegrityError as error:
        # Two first saves at once: the second finds the unit already has a profile.
        raise stale_profile_error() from error
    return profile


# --- staff -----------------------------------------------------------------------------------


def _check_staff(row):
    """Input errors of a staff row (field validators, the dates' order) and a person listed twice."""
    errors = {}
    if not row.name.strip():
        errors["name"] = ValidationError(_("Enter the person's name."), code="required")
    try:
        row.full_clean(exclude=["unit", "name"])
    except ValidationError as error:
        errors.update(error.error_dict)
    if row.user_id is not None and row.since is not None:
        overlapping = UnitStaff.objects.filter(unit_id=row.unit_id, user_id=row.user_id).exclude(pk=row.pk)
        overlapping = overlapping.filter(Q(until__isnull=True) | Q(until__gte=row.since))
        if overlapping.exists():
            errors["user"] = ValidationError(
                _("%(name)s is already on the unit's staff. End that row first, or change it.")
                % {"name": row.user.name},
                code="already_staff",
            )
    _raise(errors)


def add_staff(unit, *, by, **fields):
    """Add a staff row; the name defaults to the person's name when an account is chosen."""
    _require(by, perms.EDIT_REGISTER, unit)
    values = _stripped(_only(fields, STAFF_FIELDS, "a staff row"), {"name", "supervisor_training_regulation"})
    user = values.get("user")
    if user is not None and not values.get("name"):
        values["name"] = user.name
    row = UnitStaff(unit=unit, **values)
    with transaction.atomic():
        # Lock the unit so a double click does not add the same person twice.
        list(Unit.objects.select_for_update().filter(pk=unit.pk).values_list("pk"))
        _check_staff(row)
        row.save()
        record_event(by, "unit_staff.added", row, unit=unit.pk, name=row.name, since=_iso(row.since))
    return row


def _locked_staff(row):
    return UnitStaff.objects.select_for_update(of=("self",)).select_related("unit", "user").get(pk=row.pk)


def _require_current(row):
    if row.until is not None and row.until < timezone.localdate():
        raise ValidationError(
            _("%(name)s left the unit on %(date)s; the row is kept as it was.")
            % {"name": row.name, "date": f"{row.until:%Y-%m-%d}"},
            code="ended",
        )


@transaction.atomic
def update_staff(row, *, by, **fields):
    """Change a current staff row (a row whose person has left is history and stays as it was)."""
    values = _stripped(_only(fields, STAFF_FIELDS, "a staff row"), {"name", "supervisor_training_regulation"})
    locked = _locked_staff(row)
    _require(by, perms.EDIT_REGISTER, locked.unit)
    _require_current(locked)
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    if not changed:
        return row
    for name in changed:
        setattr(locked, name, values[name])
    _check_staff(locked)
    locked.save(update_fields=[f"{name}_id" if name in ("user", "specialty") else name for name in changed])
    for name in changed:
        setattr(row, name, getattr(locked, name))
    record_event(by, "unit_staff.updated", locked, unit=locked.unit_id, fields=changed)
    return row


@transaction.atomic
def end_staff(row, *, by, until):
    """Record the last day a person works at the unit. The row is kept (never deleted) so
    that earlier evaluations and SPUR evidence still read true."""
    locked = _locked_staff(row)
    _require(by, perms.EDIT_REGISTER, locked.unit)
    if locked.until is not None:
        raise ValidationError(
            _("%(name)s already has a last day, %(date)s.") % {"name": locked.name, "date": f"{locked.until:%Y-%m-%d}"},
            code="already_ended",
        )
    if until is None:
        raise ValidationError({"until": ValidationError(_("Enter the last day at the unit."), code="required")})
    if until < locked.since:
        raise ValidationError(
            {
                "until": ValidationError(
                    _("The last day cannot be before the person started (%(date)s).")
                    % {"date": f"{locked.since:%Y-%m-%d}"},
                    code="until_before_since",
                )
            }
        )
    locked.until = until
    locked.save(update_fields=["until"])
    row.until = until
    record_event(by, "unit_staff.ended", locked, unit=locked.unit_id, until=until.isoformat())
    return row


# --- judging the criteria ----------------------------------------------------------------------


def _check_criterion(unit, criterion):
    if criterion is None or criterion_of(unit, criterion.pk) is None:
        raise ValidationError(_("That criterion is not one of this unit's criteria."), code="wrong_criterion")


def attest_criterion(unit, criterion, *, by, met, date, note):
    """The studierektor's judgement of a criterion that the data cannot show (the latest counts)."""
    _require(by, perms.ATTEST, unit)
    _check_criterion(unit, criterion)
    if criterion.rule != CriterionRule.ATTESTED:
        raise ValidationError(
            _("This criterion is evaluated from the unit's data; correct the data, or grant a dispens."),
            code="not_attested",
        )
    note = (note or "").strip()
    errors = {}
    if not note:
        errors["note"] = ValidationError(_("Write what the judgement is based on."), code="required")
    if date is None:
        errors["date"] = ValidationError(_("Enter the date of the judgement."), code="required")
    _not_in_future(errors, "date", date, _("A judgement cannot be dated in the future."))
    if met is None:
        errors["met"] = ValidationError(_("Choose whether the criterion is met."), code="required")
    _raise(errors)
    with transaction.atomic():
        attestation = CriterionAttestation.objects.create(
            criterion=criterion, unit=unit, met=met, date=date, note=note, attested_by=by
        )
        record_event(by, "criterion.attested", attestation, unit=unit.pk, criterion=criterion.code, met=met)
    return attestation


def grant_dispensation(unit, criterion, *, by, reason, valid_until):
    """Permission to train although the criterion is not met, from today until `valid_until`."""
    _require(by, perms.GRANT_DISPENSATION, unit)
    _check_criterion(unit, criterion)
    today = timezone.localdate()
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = ValidationError(_("Write the reason for the dispens."), code="required")
    if valid_until is None:
        errors["valid_until"] = ValidationError(_("Enter the last day the dispens is valid."), code="required")
    elif valid_until < today:
        errors["valid_until"] = ValidationError(_("A dispens cannot end before today."), code="ends_in_past")
    _raise(errors)
    with transaction.atomic():
        dispensation = Dispensation.objects.create(
            criterion=criterion, unit=unit, reason=reason, granted_on=today, valid_until=valid_until, granted_by=by
        )
        record_event(
            by,
            "dispensation.granted",
            dispensation,
            unit=unit.pk,
            criterion=criterion.code,
            valid_until=valid_until.isoformat(),
        )
    return dispensation


def record_approval(unit, *, by, approved, basis):
    """The studierektor's decision on the unit's training assignment, today. The evaluation
    of every criterion as it is now is stored with it and never recomputed."""
    _require(by, perms.DECIDE_APPROVAL, unit)
    today = timezone.localdate()
    basis = (basis or "").strip()
    errors = {}
    if approved is None:
        errors["approved"] = ValidationError(_("Choose whether the unit is approved."), code="required")
    if not basis:
        errors["basis"] = ValidationError(_("Write the basis for the decision."), code="required")
    _raise(errors)
    results = crit.evaluate_unit(unit, today)
    if not results:
        raise ValidationError(
            _("The region has no quality criteria for this unit's specialty, so there is nothing to decide on."),
            code="no_criteria",
        )
    with transaction.atomic():
        approval = UnitApproval.objects.create(
            unit=unit,
            date=today,
            approved=approved,
            basis=basis,
            evaluation=crit.results_as_json(results),
            decided_by=by,
        )
        record_event(
            by, "unit_approval.decided", approval, unit=unit.pk, approved=approved, not_met=crit.count_not_met(results)
        )
    return approval


@receiver(pre_save, sender=UnitApproval, dispatch_uid="contracts_unit_approval_frozen")
def _approval_is_final(sender, instance, raw=False, **kwargs):
    if not raw and instance.pk is not None and UnitApproval.objects.filter(pk=instance.pk).exists():
        raise FrozenRecordError("An approval decision cannot be changed; record a new decision.")


@receiver(pre_delete, sender=UnitApproval, dispatch_uid="contracts_unit_approval_kept")
def _approval_is_kept(sender, instance, origin=None, **kwargs):
    # Removing the whole unit takes its decisions with it; removing a decision alone is refused.
    if not (isinstance(origin, Unit) or getattr(origin, "model", None) is Unit):
        raise FrozenRecordError("An approval decision cannot be deleted.")


# --- the unit åtgärdsplan --------------------------------------------------------------------


def _locked_plan(plan):
    return UnitActionPlan.objects.select_for_update(of=("self",)).select_related("unit").get(pk=plan.pk)


def _require_open(plan):
    if plan.closed_on is not None:
        raise ValidationError(
            _("This åtgärdsplan was closed on %(date)s and can no longer be changed.")
            % {"date": f"{plan.closed_on:%Y-%m-%d}"},
            code="closed",
        )


def is_signed_by_both(plan):
    return plan.head_signed_at is not None and plan.director_signed_at is not None


def is_signed_by_anyone(plan):
    return plan.head_signed_at is not None or plan.director_signed_at is not None


def _check_plan(unit, values, first_follow_up=None):
    errors = {}
    for name, message in (
        ("concern", _("Describe what no longer meets the criteria.")),
        ("measures", _("Write the measures.")),
        ("responsible", _("Write who is responsible.")),
    ):
        if not values[name]:
            errors[name] = ValidationError(message, code="required")
    criterion = values.get("criterion")
    if criterion is not None and criterion_of(unit, criterion.pk) is None:
        errors["criterion"] = ValidationError(
            _("That criterion is not one of this unit's criteria."), code="wrong_criterion"
        )
    errors.update(plan_date_errors(values["opened_on"], values["follow_up_on"], first_follow_up, timezone.localdate()))
    _raise(errors)


def open_plan(unit, *, by, **fields):
    """The chef opens an åtgärdsplan for the unit (PLAN_FIELDS; opened_on defaults to today)."""
    _require(by, perms.WRITE_PLAN, unit)
    values = {"criterion": None, "opened_on": timezone.localdate(), "follow_up_on": None}
    values |= dict.fromkeys(PLAN_TEXT_FIELDS, "")
    values |= _stripped(_only(fields, PLAN_FIELDS, "a unit åtgärdsplan"), PLAN_TEXT_FIELDS)
    _check_plan(unit, values)
    with transaction.atomic():
        list(Unit.objects.select_for_update().filter(pk=unit.pk).values_list("pk"))
        plan = UnitActionPlan.objects.create(unit=unit, created_by=by, **values)
        record_event(
            by,
            "unit_action_plan.opened",
            plan,
            unit=unit.pk,
            criterion=values["criterion"].code if values["criterion"] else None,
            follow_up_on=_iso(plan.follow_up_on),
        )
    return plan


@transaction.atomic
def update_plan(plan, *, by, **fields):
    """Change an open plan that nobody has signed yet (a signature is given to a text)."""
    values = _stripped(_only(fields, PLAN_FIELDS, "a unit åtgärdsplan"), PLAN_TEXT_FIELDS)
    locked = _locked_plan(plan)
    _require(by, perms.WRITE_PLAN, locked.unit)
    _require_open(locked)
    if is_signed_by_anyone(locked):
        raise ValidationError(
            _("The plan has been signed and can no longer be changed. Record changes as follow-ups."), code="signed"
        )
    first = locked.follow_ups.order_by("date").values_list("date", flat=True).first()
    _check_plan(locked.unit, {name: getattr(locked, name) for name in PLAN_FIELDS} | values, first)
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    if not changed:
        return plan
    for name in changed:
        setattr(locked, name, values[name])
        setattr(plan, name, values[name])
    locked.save(update_fields=[f"{name}_id" if name == "criterion" else name for name in changed])
    record_event(by, "unit_action_plan.updated", locked, unit=locked.unit_id, fields=changed)
    return plan


def plan_fingerprint(plan) -> str:
    """The digest of what a signer reads and signs: the plan's text and dates (see the sign page)."""
    return locking.fingerprint(
        {name: getattr(plan, "criterion_id" if name == "criterion" else name) for name in PLAN_FIELDS}
    )


def changed_plan_error():
    return ValidationError(
        _(
            "The åtgärdsplan was changed while you were reading it, so you have not signed it. "
            "It is shown again below as it is now: read it through and sign if it is right."
        ),
        code=locking.CHANGED,
    )


@transaction.atomic
def sign_plan(plan, *, by, seen=None):
    """Sign as the unit's chef or as its studierektor, whichever the signer is and has not
    yet done. Two different people sign. Returns "head" or "director".

    `seen` is the `plan_fingerprint` the sign page was shown with (None from code that shows no page)."""
    locked = _locked_plan(plan)
    _require(by, perms.SIGN_PLAN, locked.unit)
    _require_open(locked)
    roles = perms.roles_at(by, locked.unit)
    now = timezone.now()
    if Role.UNIT_HEAD in roles and locked.head_signed_at is None and locked.director_signed_by_id != by.pk:
        locked.head_signed_by, locked.head_signed_at, role = by, now, "head"
        fields = ["head_signed_by", "head_signed_at"]
    elif Role.STUDY_DIRECTOR in roles and locked.director_signed_at is None and locked.head_signed_by_id != by.pk:
        locked.director_signed_by, locked.director_signed_at, role = by, now, "director"
        fields = ["director_signed_by", "director_signed_at"]
    elif by.pk in (locked.head_signed_by_id, locked.director_signed_by_id):
        raise ValidationError(
            _("You have already signed this plan. The chef and the studierektor sign it, two different people."),
            code="already_signed",
        )
    else:
        raise ValidationError(_("The plan has already been signed in your role."), code="role_signed")
    locking.require_seen(seen, plan_fingerprint(locked), changed_plan_error())
    locked.save(update_fields=fields)
    for name in fields:
        setattr(plan, name, getattr(locked, name))
    record_event(by, "unit_action_plan.signed", locked, unit=locked.unit_id, role=role)
    return role


def _require_signed(plan):
    if not is_signed_by_both(plan):
        raise ValidationError(
            _("The plan is followed up once both the chef and the studierektor have signed it."), code="not_signed"
        )


@transaction.atomic
def add_follow_up(plan, *, by, date, notes, next_follow_up_on=None):
    """Record a follow-up of an open, signed plan; `next_follow_up_on` becomes the plan's next date."""
    locked = _locked_plan(plan)
    _require(by, perms.FOLLOW_UP_PLAN, locked.unit)
    _require_open(locked)
    _require_signed(locked)
    notes = (notes or "").strip()
    errors = follow_up_errors(notes, date, next_follow_up_on, opened_on=locked.opened_on, text_field="notes")
    _raise(errors)
    follow_up = UnitActionPlanFollowUp.objects.create(plan=locked, date=date, notes=notes, by=by)
    if next_follow_up_on is not None and next_follow_up_on != locked.follow_up_on:
        locked.follow_up_on = plan.follow_up_on = next_follow_up_on
        locked.save(update_fields=["follow_up_on"])
    record_event(
        by,
        "unit_action_plan.followed_up",
        locked,
        unit=locked.unit_id,
        follow_up=follow_up.pk,
        date=date.isoformat(),
        next_follow_up_on=_iso(next_follow_up_on),
    )
    return follow_up


@transaction.atomic
def close_plan(plan, *, by, closed_on, outcome):
    """Close an open plan with its outcome; a closed plan is final."""
    locked = _locked_plan(plan)
    _require(by, perms.FOLLOW_UP_PLAN, locked.unit)
    _require_open(locked)
    outcome = (outcome or "").strip()
    errors = {}
    if not outcome:
        errors["outcome"] = ValidationError(_("Describe the outcome before you close the plan."), code="required")
    if closed_on is None:
        errors["closed_on"] = ValidationError(_("Enter the date the plan was closed."), code="required")
    elif closed_on < locked.opened_on:
        errors["closed_on"] = ValidationError(
            _("The plan cannot be closed before it was opened (%(date)s).") % {"date": f"{locked.opened_on:%Y-%m-%d}"},
            code="closed_before_opened",
        )
    _not_in_future(errors, "closed_on", closed_on, _("The plan cannot be closed in the future."))
    _raise(errors)
    locked.closed_on = plan.closed_on = closed_on
    locked.outcome = plan.outcome = outcome
    locked.save(update_fields=["closed_on", "outcome"])
    record_event(by, "unit_action_plan.closed", locked, unit=locked.unit_id, closed_on=closed_on.isoformat())
    return plan


def open_plans():
    return UnitActionPlan.objects.filter(closed_on__isnull=True)


# --- the list of units -----------------------------------------------------------------------


@dataclass
class UnitSummary:
    unit: Unit
    has_criteria: bool
    not_met: int
    dispensations: int
    unknown: int
    open_plans: int
    latest_approval: UnitApproval | None


def summaries(units, today) -> list[UnitSummary]:
    """Per unit: criteria not met (without dispens), dispenser in use, open unit
    åtgärdsplaner and the latest approval decision; a fixed number of queries."""
    units = list(units)
    results = crit.evaluate_units(units, today)
    ids = [unit.pk for unit in units]
    plans = dict(
        open_plans()
        .filter(unit_id__in=ids)
        .order_by()
        .values("unit_id")
        .annotate(count=Count("pk"))
        .values_list("unit_id", "count")
    )
    latest = {}
    for approval in UnitApproval.objects.filter(unit_id__in=ids).order_by("unit_id", "-date", "-pk"):
        latest.setdefault(approval.unit_id, approval)
    return [
        UnitSummary(
            unit=unit,
            has_criteria=bool(results[unit.pk]),
            not_met=crit.count_not_met(results[unit.pk]),
            dispensations=sum(1 for r in results[unit.pk] if r.outcome == CriterionOutcome.DISPENSATION),
            unknown=sum(1 for r in results[unit.pk] if r.outcome == CriterionOutcome.UNKNOWN),
            open_plans=plans.get(unit.pk, 0),
            latest_approval=latest.get(unit.pk),
        )
        for unit in units
    ]


# --- the daily check ---------------------------------------------------------------------------


@dataclass
class Alert:
    """A criterion that has just stopped being met (and has no dispens)."""

    unit: Unit
    criterion: object
    evidence: str
    previous: str | None


@dataclass
class CheckOutcome:
    units: int = 0
    changed: int = 0
    alerts: list[Alert] = field(default_factory=list)
    mailed: list[User] = field(default_factory=list)
    failed: list[User] = field(default_factory=list)


def _study_directors(unit_ids):
    """{unit_id: [active studierektorer with an e-mail address]}, one query."""
    found = defaultdict(list)
    memberships = (
        Membership.objects.filter(role=Role.STUDY_DIRECTOR, unit_id__in=unit_ids, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user__name", "pk")
    )
    for membership in memberships:
        found[membership.unit_id].append(membership.user)
    return found


def _units_with_criteria():
    sets = CriteriaSet.objects.filter(region=OuterRef("region"), specialty=OuterRef("specialty"))
    return Unit.objects.filter(Exists(sets)).select_related("region").order_by("name", "pk")


def check_criteria(today: date, dry_run: bool = False) -> CheckOutcome:
    """Evaluate every unit with a criteria set, store each outcome (CriterionState) and mail
    the unit's studierektorer about the criteria that became not met since the last run.

    A criterion that was not met already is not reported again; nor is one with a dispens.
    A failed mail leaves its criteria's state unchanged, so the next run tries again.
    """
    units = list(_units_with_criteria())
    results = crit.evaluate_units(units, today)
    states = {(s.unit_id, s.criterion_id): s for s in CriterionState.objects.filter(unit__in=units)}
    outcome = CheckOutcome(units=len(units))
    changes = []
    for unit in units:
        for result in results[unit.pk]:
            state = states.get((unit.pk, result.criterion.pk))
            previous = state.outcome if state is not None else None
            if previous == result.outcome:
                continue
            changes.append((unit, result, state))
            if result.outcome == CriterionOutcome.NOT_MET:
                outcome.alerts.append(Alert(unit, result.criterion, result.evidence, previous))
    outcome.changed = len(changes)
    if dry_run:
        return outcome
    held_back = _send_alerts(outcome, today)
    with transaction.atomic():
        for unit, result, state in changes:
            if (unit.pk, result.criterion.pk) in held_back:
                continue
            if state is None:
                CriterionState.objects.update_or_create(
                    unit=unit, criterion=result.criterion, defaults={"outcome": result.outcome, "since": today}
                )
            else:
                state.outcome, state.since = result.outcome, today
                state.save(update_fields=["outcome", "since"])
    return outcome


def alert_recipients(alerts):
    """{user: [alerts]} for the studierektorer of the alerts' units."""
    directors = _study_directors({alert.unit.pk for alert in alerts})
    by_person = {}
    for alert in alerts:
        for user in directors.get(alert.unit.pk, ()):
            by_person.setdefault(user, []).append(alert)
    return by_person


def _send_alerts(outcome, today):
    """Mail each studierektor their alerts; the (unit, criterion) keys of mails that failed."""
    held_back = set()
    with translation.override(settings.LANGUAGE_CODE):
        for user, alerts in alert_recipients(outcome.alerts).items():
            subject, body = render_alert(user, alerts, today)
            try:
                EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
            except OSError:  # smtplib's errors; one refused address must not stop the rest
                outcome.failed.append(user)
                held_back |= {(alert.unit.pk, alert.criterion.pk) for alert in alerts}
            else:
                outcome.mailed.append(user)
    return held_back


def render_alert(user, alerts, today):
    count = len(alerts)
    subject = ngettext(
        "ST-portfölj: a quality criterion is no longer met",
        "ST-portfölj: %(count)s quality criteria are no longer met",
        count,
    ) % {"count": count}
    by_unit = {}
    for alert in alerts:
        by_unit.setdefault(alert.unit, []).append(alert)
    context = {
        "name": user.name,
        "today": today,
        "units": [(unit, link("unit-detail", unit.pk), items) for unit, items in by_unit.items()],
    }
    return subject, render_to_string("contracts/units/email/criteria_alert.txt", context)


# --- reminders -------------------------------------------------------------------------------


def _leaders(unit_ids):
    """{unit_id: {role: [user ids]}} for studierektorer and chefs, one query."""
    found = defaultdict(lambda: defaultdict(list))
    memberships = Membership.objects.filter(
        unit_id__in=unit_ids, role__in=[Role.STUDY_DIRECTOR, Role.UNIT_HEAD]
    ).order_by("user_id")
    for unit_id, role, user_id in memberships.values_list("unit_id", "role", "user_id"):
        found[unit_id][role].append(user_id)
    return found


@register_source
def unit_reminders(today):
    """To each studierektor: criteria of their units not met without dispens, and dispenser
    ending within 30 days; to the studierektor and the chef: unit åtgärdsplan follow-ups
    due within a week, and a plan waiting for their signature (essential)."""
    units = list(_units_with_criteria().filter(memberships__role=Role.STUDY_DIRECTOR).distinct())
    results = crit.evaluate_units(units, today)
    plans = list(open_plans().select_related("unit").order_by("pk"))
    leaders = _leaders({unit.pk for unit in units} | {plan.unit_id for plan in plans})
    yield from _criteria_items(units, results, leaders, today)
    yield from _dispensation_items(units, leaders, today)
    yield from _plan_items(plans, leaders, today)


def _criteria_items(units, results, leaders, today):
    states = {
        (s.unit_id, s.criterion_id): s.since
        for s in CriterionState.objects.filter(unit__in=units, outcome=CriterionOutcome.NOT_MET)
    }
    for unit in units:
        url = link("unit-detail", unit.pk)
        for result in results[unit.pk]:
            if result.outcome != CriterionOutcome.NOT_MET:
                continue
            criterion = result.criterion
            text = _("%(unit)s does not meet criterion %(position)s: %(criterion)s") % {
                "unit": unit.name,
                "position": criterion.position,
                "criterion": criterion.text,
            }
            day = states.get((unit.pk, criterion.pk), today)
            for user_id in leaders[unit.pk][Role.STUDY_DIRECTOR]:
                yield ReminderItem(user_id, f"unit_criterion:{unit.pk}:{criterion.pk}", text, url, day, overdue=False)


def _dispensation_items(units, leaders, today):
    latest = {}
    rows = (
        Dispensation.objects.filter(unit__in=units, granted_on__lte=today, valid_until__gte=today)
        .select_related("unit", "criterion")
        .order_by("unit_id", "criterion_id", "-valid_until", "-pk")
    )
    for dispensation in rows:
        latest.setdefault((dispensation.unit_id, dispensation.criterion_id), dispensation)
    for dispensation in latest.values():
        if dispensation.valid_until > today + DISPENSATION_SOON:
            continue
        text = _("The dispens for %(unit)s ends: %(criterion)s") % {
            "unit": dispensation.unit.name,
            "criterion": dispensation.criterion.text,
        }
        url = link("unit-detail", dispensation.unit_id)
        for user_id in leaders[dispensation.unit_id][Role.STUDY_DIRECTOR]:
            key = f"unit_dispensation:{dispensation.pk}"
            yield ReminderItem(user_id, key, text, url, dispensation.valid_until, overdue=False)


def _plan_items(plans, leaders, today):
    for plan in plans:
        url = link("unit-plan-detail", plan.unit_id, plan.pk)
        roles = leaders[plan.unit_id]
        values = {"unit": plan.unit.name}
        if plan.follow_up_on <= today + FOLLOW_UP_SOON and is_signed_by_both(plan):
            overdue = plan.follow_up_on < today
            key = f"unit_plan_{'overdue' if overdue else 'due'}:{plan.pk}"
            text = _("Follow-up of the åtgärdsplan for %(unit)s") % values
            for user_id in sorted({*roles[Role.STUDY_DIRECTOR], *roles[Role.UNIT_HEAD]}):
                yield ReminderItem(user_id, key, text, url, plan.follow_up_on, overdue=overdue)
        yield from _signature_items(plan, roles, url, values)


def _signature_items(plan, roles, url, values):
    text = _("The åtgärdsplan for %(unit)s waits for your signature") % values
    waiting = []
    if plan.head_signed_at is None:
        waiting += [user_id for user_id in roles[Role.UNIT_HEAD] if user_id != plan.director_signed_by_id]
    if plan.director_signed_at is None:
        waiting += [user_id for user_id in roles[Role.STUDY_DIRECTOR] if user_id != plan.head_signed_by_id]
    for user_id in sorted(set(waiting)):
        yield ReminderItem(
            user_id, f"unit_plan_sign:{plan.pk}", text, url, plan.opened_on, overdue=False, essential=True
        )
