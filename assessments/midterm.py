"""Mitt-i-ST (SFAM): when it should happen, and its steps from planned to an agreed plan.

The dates are pure: `mid_term_dates` takes the tjänsteförteckning as `Interval`s.
SFAM's timing (verification-2026-11.md, Q5): best with 2–3 years of ST left, at the
latest with 1 year left, registration at the latest 18 months before the end of ST.
The target is the day half the minimum time is reached, moved into that window when
part-time or leave put it outside; the region adds a lead time for ordering
(Norrbotten: at least 6 months before the wanted date).

The workflow follows portfolio/iup.py: each function locks the row, checks the
permission (PermissionDenied) and the stored state (ValidationError with a Swedish
message and a code), saves only what changes and leaves an audit event. The steps
move forward one at a time (MidTermStatus), each with the fields it needs; errors
about a field are raised as a dict keyed by the field, so a form can show them there.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.domain import policy_for, record_event
from assessments.enums import MidTermStatus
from assessments.models import MidTermEvaluation
from portfolio.models import Trainee, TrainingPlan
from portfolio.service import counted_leave, leave_intervals, service_intervals
from portfolio.timecalc import add_months, date_minimum_reached
from portfolio.uploads import validate_pdf

MANAGE_PERM = "assessments.manage_midterm"

WINDOW_START_MONTHS = 36  # best with 2–3 years of ST left …
WINDOW_BEST_END_MONTHS = 24
LATEST_MONTHS = 12  # … and at the latest with one year left
REGISTER_BY_MONTHS = 18  # registration at the latest 18 months before the end of ST


# --- dates ---------------------------------------------------------------------


@dataclass(frozen=True)
class MidTermDates:
    st_end: date | None  # the day the minimum full-time months are reached with the recorded plan
    halfway: date | None  # the day half of them are reached
    window_start: date | None  # st_end − 36 months
    window_best_end: date | None  # st_end − 24 months
    latest: date | None  # st_end − 12 months
    target: date | None  # the wanted date if agreed, else halfway moved into [window_start, latest]
    order_by: date | None  # min(target − lead time, st_end − 18 months)
    clamped: bool  # halfway fell outside the window and the target was moved

    @property
    def in_best_window(self) -> bool | None:
        """Whether the target lies where SFAM says it is best (2–3 years of ST left)."""
        if self.target is None:
            return None
        return self.window_start <= self.target <= self.window_best_end


def mid_term_dates(service, leave, counted_leave, required_fte_months, lead_time_months, desired=None) -> MidTermDates:
    """The Mitt-i-ST dates from the recorded service and leave (all None but `halfway` when the
    plan does not reach the minimum: without an end of ST there is no window)."""
    service, leave, counted = list(service), list(leave), set(counted_leave)
    st_end = date_minimum_reached(service, leave, counted, required_fte_months)
    halfway = date_minimum_reached(service, leave, counted, required_fte_months / 2)
    if st_end is None:
        return MidTermDates(None, halfway, None, None, None, None, None, clamped=False)
    window_start = add_months(st_end, -WINDOW_START_MONTHS)
    latest = add_months(st_end, -LATEST_MONTHS)
    if desired is not None:
        target, clamped = desired, False
    else:
        target = min(max(halfway, window_start), latest)
        clamped = target != halfway
    order_by = min(add_months(target, -lead_time_months), add_months(st_end, -REGISTER_BY_MONTHS))
    return MidTermDates(
        st_end=st_end,
        halfway=halfway,
        window_start=window_start,
        window_best_end=add_months(st_end, -WINDOW_BEST_END_MONTHS),
        latest=latest,
        target=target,
        order_by=order_by,
        clamped=clamped,
    )


def dates_for(trainee, desired=None) -> MidTermDates:
    """The dates for a trainee from the records (service, leave, the region's lead time)."""
    policy = policy_for(trainee.unit.region)
    return mid_term_dates(
        service_intervals(trainee),
        leave_intervals(trainee),
        counted_leave(trainee),
        trainee.required_fte_months,
        policy.mid_st_lead_time_months,
        desired,
    )


# --- the steps -------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    status: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional


STEPS = {
    MidTermStatus.ORDERED: Step(
        MidTermStatus.ORDERED, ("ordered_on",), ("evaluator_name", "evaluator_email", "desired_date")
    ),
    MidTermStatus.MATERIAL_SENT: Step(MidTermStatus.MATERIAL_SENT, ("material_sent_on",), ("video_consultations",)),
    MidTermStatus.VISITED: Step(MidTermStatus.VISITED, ("visit_date", "evaluator_name"), ("evaluator_email",)),
    MidTermStatus.REPORT_RECEIVED: Step(
        MidTermStatus.REPORT_RECEIVED,
        ("report_received_on", "report_summary"),
        ("report_strengths", "report_to_develop", "report_recommendations", "report_file"),
    ),
    MidTermStatus.PLAN_AGREED: Step(
        MidTermStatus.PLAN_AGREED, ("plan_agreed_on", "rest_of_st_plan"), ("plan_version",)
    ),
}
# Editable at every step, from the start.
ALWAYS_EDITABLE = ("desired_date", "notes")
STEP_FIELDS = {name for step in STEPS.values() for name in step.fields}
# Dates that record something done: never in the future.
DONE_DATES = ("ordered_on", "material_sent_on", "visit_date", "report_received_on", "plan_agreed_on")
# The later date may not come before the earlier one.
DATE_ORDER = (
    (
        "material_sent_on",
        "ordered_on",
        gettext_lazy("The material cannot have been sent before Mitt-i-ST was ordered (%(date)s)."),
    ),
    ("visit_date", "ordered_on", gettext_lazy("The visit cannot be before Mitt-i-ST was ordered (%(date)s).")),
    (
        "report_received_on",
        "visit_date",
        gettext_lazy("The report cannot have been received before the visit (%(date)s)."),
    ),
    ("plan_agreed_on", "visit_date", gettext_lazy("The plan cannot have been agreed before the visit (%(date)s).")),
)
# The model's names for the dates read as states ("ordered"); in forms and messages they are dates.
FIELD_LABELS = {
    "ordered_on": gettext_lazy("Date Mitt-i-ST was ordered"),
    "material_sent_on": gettext_lazy("Date the portfolio summary and video were sent"),
    "visit_date": gettext_lazy("Date of the visit"),
    "report_received_on": gettext_lazy("Date the report was received"),
    "plan_agreed_on": gettext_lazy("Date the plan was agreed"),
    "desired_date": gettext_lazy("Wanted date of the visit"),
}


def field_label(name):
    """What a field is called on the page (capitalised)."""
    return capfirst(FIELD_LABELS.get(name) or MidTermEvaluation._meta.get_field(name).verbose_name)


def next_status(status: str) -> str | None:
    """The step after `status`, or None when Mitt-i-ST is finished."""
    order = MidTermStatus.order()
    index = order.index(status)
    return order[index + 1] if index + 1 < len(order) else None


def reached_steps(status: str) -> list[Step]:
    """The steps done so far (none while planned)."""
    order = MidTermStatus.order()
    return [STEPS[value] for value in order[1 : order.index(status) + 1]]


def editable_fields(status: str) -> list[str]:
    """What `update_details` may change at `status`: the fields of the steps already reached."""
    names = [name for step in reached_steps(status) for name in step.fields]
    return list(dict.fromkeys([*ALWAYS_EDITABLE, *names]))


# --- checks ----------------------------------------------------------------------------


def _require(user, trainee):
    if not user.has_perm(MANAGE_PERM, trainee):
        raise PermissionDenied(f"{user} lacks {MANAGE_PERM} for trainee {trainee.pk}")


def _locked(mid):
    return MidTermEvaluation.objects.select_for_update(of=("self",)).select_related("trainee").get(pk=mid.pk)


def _is_empty(value):
    return value is None or value == "" or (hasattr(value, "name") and not value.name)


def _clean_values(locked, fields, errors):
    """The given values, converted and checked one by one like the model's fields would."""
    cleaned = {}
    for name, value in fields.items():
        try:
            cleaned[name] = _clean_value(locked, name, value)
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.error_list)
    return cleaned


def _clean_value(locked, name, value):
    if isinstance(value, str):
        value = value.strip()
    if name == "report_file":
        if value:
            validate_pdf(value)
        return value or None
    if name == "plan_version":
        return _own_plan(locked, value)
    field = MidTermEvaluation._meta.get_field(name)
    if value is None and not field.null:
        value = ""
    return field.clean(value, locked)


def _own_plan(locked, value):
    """An IUP version of this trainee, or None."""
    if value in (None, ""):
        return None
    pk = value.pk if isinstance(value, TrainingPlan) else str(value)
    plan = TrainingPlan.objects.filter(trainee=locked.trainee_id, pk=pk).first() if str(pk).isdigit() else None
    if plan is None:
        raise ValidationError(_("Choose one of this ST-läkare's IUP versions."), code="not_own_plan")
    return plan


def _step_errors(values, steps, today, errors):
    """The required fields of `steps`, dates not in the future, dates in order."""
    for step in steps:
        for name in step.required:
            if _is_empty(values.get(name)):
                errors.setdefault(name, []).append(
                    ValidationError(
                        _("%(field)s is needed for the step “%(step)s”.")
                        % {"field": field_label(name), "step": MidTermStatus(step.status).label},
                        code="required",
                    )
                )
    names = {name for step in steps for name in step.fields}
    for name in DONE_DATES:
        day = values.get(name)
        if name in names and isinstance(day, date) and day > today:
            errors.setdefault(name, []).append(
                ValidationError(_("The date cannot be in the future: record the step when it is done."), code="future")
            )
    for later, earlier, message in DATE_ORDER:
        late, early = values.get(later), values.get(earlier)
        if later in names and isinstance(late, date) and isinstance(early, date) and late < early:
            errors.setdefault(later, []).append(
                ValidationError(message % {"date": f"{early:%Y-%m-%d}"}, code="date_order")
            )


def _validated(locked, fields, steps):
    """The cleaned values of `fields`, checked together with the stored ones for `steps`."""
    errors = {}
    cleaned = _clean_values(locked, fields, errors)
    stored = {name: getattr(locked, name) for name in STEP_FIELDS if name not in ("report_file", "plan_version")}
    stored["report_file"] = locked.report_file
    stored["plan_version"] = locked.plan_version_id
    values = stored | {name: value for name, value in cleaned.items() if name != "report_file" or value}
    _step_errors(values, steps, timezone.localdate(), errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _store(mid, locked, cleaned, extra=()):
    """Write the cleaned values (and the fields in `extra`, already set) to the locked row and
    copy them to `mid`; returns the names of the cleaned values that changed."""
    changed = []
    old_file = locked.report_file.name
    for name, value in cleaned.items():
        if name == "report_file":
            if value:
                locked.report_file.save("rapport.pdf", value, save=False)
                changed.append(name)
            continue
        current = locked.plan_version if name == "plan_version" else getattr(locked, name)
        if current != value:
            setattr(locked, name, value)
            changed.append(name)
    saved = [*extra, *changed]
    if saved:
        locked.save(update_fields=[*saved, "updated_at"])
        for name in [*saved, "updated_at"]:
            value = getattr(locked, name)
            setattr(mid, name, value.name if name == "report_file" else value)
    if old_file and old_file != locked.report_file.name:
        # The replaced report is personal data no record points to any more.
        storage = locked.report_file.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    return changed


# --- the workflow --------------------------------------------------------------------


def start_mid_term(trainee, *, by, desired_date=None):
    """Plan Mitt-i-ST for a trainee who has none yet."""
    _require(by, trainee)
    try:
        with transaction.atomic():
            # Lock the trainee: two clicks on "Start" must not both pass the check.
            list(Trainee.objects.select_for_update().filter(pk=trainee.pk).order_by().values_list("pk"))
            if MidTermEvaluation.objects.filter(trainee=trainee).exists():
                raise ValidationError(_("Mitt-i-ST is already planned for this ST-läkare."), code="exists")
            mid = MidTermEvaluation(trainee=trainee)
            errors = {}
            cleaned = _clean_values(mid, {"desired_date": desired_date}, errors)
            if errors:
                raise ValidationError(errors)
            mid.desired_date = cleaned["desired_date"]
            mid.save()
            record_event(by, "midterm.started", mid, desired_date=_iso(mid.desired_date))
    except IntegrityError as exc:
        raise ValidationError(_("Mitt-i-ST is already planned for this ST-läkare."), code="exists") from exc
    return mid


@transaction.atomic
def advance(mid, *, by, to, **fields):
    """Move to the next step (only the next one), with that step's fields."""
    locked = _locked(mid)
    _require(by, locked.trainee)
    step = _next_step(locked, to)
    unknown = set(fields) - set(step.fields)
    if unknown:
        raise TypeError(f"Not fields of the step {step.status}: {sorted(unknown)}")
    cleaned = _validated(locked, fields, [step])
    locked.status = step.status
    changed = _store(mid, locked, cleaned, extra=["status"])
    record_event(by, "midterm.advanced", mid, status=step.status, fields=sorted(changed))
    return mid


def _next_step(locked, to) -> Step:
    order = MidTermStatus.order()
    if to not in order:
        raise ValidationError(_("There is no such step in Mitt-i-ST."), code="unknown_step")
    following = next_status(locked.status)
    if following is None:
        raise ValidationError(_("Mitt-i-ST is finished; there is no next step."), code="finished")
    if order.index(to) <= order.index(locked.status):
        raise ValidationError(
            _("Mitt-i-ST has already reached “%(current)s”; a step cannot be undone.")
            % {"current": locked.get_status_display()},
            code="backwards",
        )
    if to != following:
        raise ValidationError(
            _("The next step is “%(next)s”; steps cannot be skipped.") % {"next": MidTermStatus(following).label},
            code="skipped",
        )
    return STEPS[to]


@transaction.atomic
def update_details(mid, *, by, **fields):
    """Change the details of the steps already reached (and the notes); never the status."""
    locked = _locked(mid)
    _require(by, locked.trainee)
    unknown = set(fields) - STEP_FIELDS - set(ALWAYS_EDITABLE)
    if unknown:
        raise TypeError(f"Not fields of Mitt-i-ST: {sorted(unknown)}")
    allowed = editable_fields(locked.status)
    not_yet = {
        name: ValidationError(
            _("This is recorded at a later step; it cannot be filled in yet."), code="step_not_reached"
        )
        for name in fields
        if name not in allowed
    }
    if not_yet:
        raise ValidationError(not_yet)
    cleaned = _validated(locked, fields, reached_steps(locked.status))
    changed = _store(mid, locked, cleaned)
    if changed:
        record_event(by, "midterm.updated", mid, fields=sorted(changed))
    return mid


def _iso(day):
    return day.isoformat() if day else None
