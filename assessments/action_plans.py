"""The åtgärdsplan workflow: opened, changed and followed up while open, then closed.

A plan is opened by the huvudhandledare or the studierektor when an ST-läkare risks not
meeting the requirements. While it is open it can be changed and followed up; it is
closed with an outcome and never deleted. A closed plan is final: nothing here changes
it again, and the model has no guard of its own, so every function checks the state.

Each function, like those in portfolio/iup.py:

1. locks the row it changes (`select_for_update`) inside one transaction;
2. checks the actor's permission (PermissionDenied), then the stored state and the
   input (ValidationError with a Swedish message and a `code`; input errors are keyed
   by the form field they belong to, so a form can show them beside the field);
3. saves only the fields it changes (`update_fields`);
4. writes an audit event (`record_event`).

`has_open_action_plan()` is the database expression behind the flag on trainee lists, and
`open_action_plan_count()` the number of flagged trainees per unit on the start page.
"""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.domain import record_event
from assessments.models import ActionPlan, ActionPlanFollowUp
from portfolio.models import Trainee

MANAGE_PERM = "assessments.manage_action_plan"

# The fields the opener writes and may change while the plan is open.
PLAN_FIELDS = (
    "opened_on",
    "concern",
    "iup_measures",
    "unit_measures",
    "trainee_demands",
    "responsible",
    "follow_up_on",
)
MEASURE_FIELDS = ("iup_measures", "unit_measures", "trainee_demands")
TEXT_FIELDS = ("concern", "iup_measures", "unit_measures", "trainee_demands", "responsible")


def has_open_action_plan(trainee_ref="pk") -> Exists:
    """True for a trainee with an open åtgärdsplan; `trainee_ref` names the trainee's pk in the outer query.

    For `.annotate(has_open_action_plan=has_open_action_plan())` on a Trainee queryset, or
    `has_open_action_plan("trainee_id")` on a queryset of records that point at a trainee.
    """
    return Exists(ActionPlan.objects.open().filter(trainee=OuterRef(trainee_ref)))


open_plan_exists = has_open_action_plan


def open_action_plan_count(unit_ref="pk"):
    """How many trainees of a unit have an open åtgärdsplan; `unit_ref` names the unit's pk in the outer query."""
    flagged = (
        Trainee.objects.filter(has_open_action_plan(), unit=OuterRef(unit_ref))
        .order_by()
        .values("unit")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(flagged, output_field=IntegerField()), 0)


def is_overdue(plan, today=None) -> bool:
    """An open plan whose next follow-up date has passed."""
    return plan.is_open and plan.follow_up_on < (today or timezone.localdate())


# --- checks ------------------------------------------------------------------


def _require(user, trainee):
    if not user.has_perm(MANAGE_PERM, trainee):
        raise PermissionDenied(f"{user} lacks {MANAGE_PERM} for trainee {trainee.pk}")


def _locked(plan):
    """The stored row, locked until the transaction ends; the state is checked on this copy."""
    return ActionPlan.objects.select_for_update(of=("self",)).select_related("trainee").get(pk=plan.pk)


def _require_open(plan):
    if not plan.is_open:
        raise ValidationError(
            _("This åtgärdsplan was closed on %(date)s and can no longer be changed.")
            % {"date": f"{plan.closed_on:%Y-%m-%d}"},
            code="closed",
        )


def _raise(errors):
    """Raise the collected {field: ValidationError} input errors, if any."""
    if errors:
        raise ValidationError(errors)


def _check_content(values, first_follow_up=None):
    """Input errors in a plan's content (all of PLAN_FIELDS, already stripped), keyed by field."""
    today = timezone.localdate()
    errors = {}
    for name, message in (
        ("concern", _("Describe the concern.")),
        ("responsible", _("Write who is responsible.")),
    ):
        if not values[name]:
            errors[name] = ValidationError(message, code="required")
    if not any(values[name] for name in MEASURE_FIELDS):
        errors[NON_FIELD_ERRORS] = ValidationError(
            _(
                "Write at least one measure: changes to the IUP, measures by the unit or "
                "what is required of the ST-läkare."
            ),
            code="measures_required",
        )
    errors.update(plan_date_errors(values["opened_on"], values["follow_up_on"], first_follow_up, today))
    _raise(errors)


def _cleaned(fields):
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"Not fields of an åtgärdsplan: {sorted(unknown)}")
    return {name: (value or "").strip() if name in TEXT_FIELDS else value for name, value in fields.items()}


# --- the workflow -------------------------------------------------------------


def open_plan(trainee, *, by, **fields):
    """Open an åtgärdsplan for `trainee` with the content in `fields` (PLAN_FIELDS; opened_on defaults to today)."""
    _require(by, trainee)
    values = dict.fromkeys(TEXT_FIELDS, "") | {"opened_on": timezone.localdate(), "follow_up_on": None}
    values |= _cleaned(fields)
    _check_content(values)
    with transaction.atomic():
        # Lock the trainee so a double-click does not open two plans side by side unnoticed.
        list(Trainee.objects.select_for_update().filter(pk=trainee.pk).order_by().values_list("pk"))
        plan = ActionPlan.objects.create(trainee=trainee, created_by=by, **values)
        record_event(
            by, "action_plan.opened", plan, opened_on=plan.opened_on.isoformat(), follow_up_on=_iso(plan.follow_up_on)
        )
    return plan


@transaction.atomic
def update_plan(plan, *, by, **fields):
    """Change the content of an open plan; only the fields given, and only those that differ."""
    values = _cleaned(fields)
    locked = _locked(plan)
    _require(by, locked.trainee)
    _require_open(locked)
    first_follow_up = locked.follow_ups.order_by("date").values_list("date", flat=True).first()
    _check_content({name: getattr(locked, name) for name in PLAN_FIELDS} | values, first_follow_up)
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    if not changed:
        return plan
    for name in changed:
        setattr(locked, name, values[name])
    _save(plan, locked, changed)
    record_event(by, "action_plan.updated", plan, fields=changed)
    return plan


def plan_date_errors(opened, follow_up, first_follow_up, today) -> dict:
    """What is wrong with an åtgärdsplan's dates (a trainee's, or a unit's in the contracts
    app): opened, not in the future and not after its first follow-up; the next follow-up
    after the opening. Field name → ValidationError."""
    errors = {}
    if opened is None:
        errors["opened_on"] = ValidationError(_("Enter the date the plan was opened."), code="required")
    elif opened > today:
        errors["opened_on"] = ValidationError(_("The plan cannot be opened in the future."), code="opened_in_future")
    elif first_follow_up is not None and opened > first_follow_up:
        errors["opened_on"] = ValidationError(
            _("The plan cannot be opened after its first follow-up (%(date)s).")
            % {"date": f"{first_follow_up:%Y-%m-%d}"},
            code="opened_after_follow_up",
        )
    if follow_up is None:
        errors["follow_up_on"] = ValidationError(_("Enter the date of the next follow-up."), code="required")
    elif opened is not None and follow_up <= opened:
        errors["follow_up_on"] = ValidationError(
            _("The follow-up must come after the date the plan was opened."), code="follow_up_not_after_opened"
        )
    return errors


def follow_up_errors(text, date, next_follow_up_on, *, opened_on, text_field="note") -> dict:
    """What is wrong with a follow-up of an åtgärdsplan (a trainee's, or a unit's in the
    contracts app): a text, a date that has passed but not before the plan was opened, and
    a next date after this one. Field name → ValidationError; empty when all is well."""
    errors = {}
    if not text:
        errors[text_field] = ValidationError(_("Write what the follow-up found."), code="required")
    if date is None:
        errors["date"] = ValidationError(_("Enter the date of the follow-up."), code="required")
    elif date > timezone.localdate():
        errors["date"] = ValidationError(
            _("A follow-up is recorded once it has taken place; the date cannot be in the future."),
            code="date_in_future",
        )
    elif date < opened_on:
        errors["date"] = ValidationError(
            _("The follow-up cannot be before the plan was opened (%(date)s).") % {"date": f"{opened_on:%Y-%m-%d}"},
            code="date_before_opened",
        )
    if date is not None and next_follow_up_on is not None and next_follow_up_on <= date:
        errors["next_follow_up_on"] = ValidationError(
            _("The next follow-up must come after this one."), code="next_not_after_date"
        )
    return errors


@transaction.atomic
def add_follow_up(plan, *, by, date, note, next_follow_up_on=None):
    """Record a follow-up of an open plan; `next_follow_up_on`, when given, becomes the plan's next date."""
    locked = _locked(plan)
    _require(by, locked.trainee)
    _require_open(locked)
    note = (note or "").strip()
    errors = follow_up_errors(note, date, next_follow_up_on, opened_on=locked.opened_on)
    _raise(errors)
    follow_up = ActionPlanFollowUp.objects.create(plan=locked, date=date, note=note, recorded_by=by)
    if next_follow_up_on is not None and next_follow_up_on != locked.follow_up_on:
        locked.follow_up_on = next_follow_up_on
        _save(plan, locked, ["follow_up_on"])
    record_event(
        by,
        "action_plan.followed_up",
        plan,
        follow_up=follow_up.pk,
        date=date.isoformat(),
        next_follow_up_on=_iso(next_follow_up_on),
    )
    return follow_up


@transaction.atomic
def close_plan(plan, *, by, closed_on, outcome):
    """Close an open plan with its outcome; a closed plan is final (it cannot be reopened or changed)."""
    locked = _locked(plan)
    _require(by, locked.trainee)
    _require_open(locked)
    outcome = (outcome or "").strip()
    errors = {}
    if not outcome:
        errors["outcome"] = ValidationError(_("Describe the outcome before you close the plan."), code="required")
    if closed_on is None:
        errors["closed_on"] = ValidationError(_("Enter the date the plan was closed."), code="required")
    elif closed_on > timezone.localdate():
        errors["closed_on"] = ValidationError(_("The plan cannot be closed in the future."), code="closed_in_future")
    elif closed_on < locked.opened_on:
        errors["closed_on"] = ValidationError(
            _("The plan cannot be closed before it was opened (%(date)s).") % {"date": f"{locked.opened_on:%Y-%m-%d}"},
            code="closed_before_opened",
        )
    _raise(errors)
    locked.closed_on = closed_on
    locked.outcome = outcome
    _save(plan, locked, ["closed_on", "outcome"])
    record_event(by, "action_plan.closed", plan, closed_on=closed_on.isoformat())
    return plan


def _save(plan, locked, fields):
    locked.save(update_fields=[*fields, "updated_at"])
    for name in [*fields, "updated_at"]:
        setattr(plan, name, getattr(locked, name))


def _iso(day):
    return day.isoformat() if day is not None else None
