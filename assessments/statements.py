"""Handledarutlåtanden: the huvudhandledare's yearly statement before the årsbesök, and the
summary at the end of a BT placement.

A statement is written as a draft that only its author sees, and signed by the author;
signed is final (the model refuses to save or delete a signed row). Each change here:

1. locks the stored row (`select_for_update`) inside one transaction;
2. checks the actor (PermissionDenied) and the stored state (ValidationError with a
   Swedish message and a `code`);
3. saves only the fields it changes (`update_fields`);
4. writes an audit event naming the actor.

`statement_due` is pure: dates in, answer out, no queries.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.domain import policy_for, record_event
from assessments.enums import SignedStatus, StatementKind
from assessments.models import SupervisorStatement
from portfolio.enums import BTMode, ServiceKind
from portfolio.reviews import next_visit_for
from portfolio.timecalc import add_months

WRITE_PERM = "assessments.write_statement"
BT_KINDS = (ServiceKind.BT_PRIMARY, ServiceKind.BT_ACUTE)


def _require_writer(user, trainee):
    if not user.has_perm(WRITE_PERM, trainee):
        raise PermissionDenied(f"{user} lacks {WRITE_PERM} for trainee {trainee.pk}")


def _require_author(user, statement):
    if statement.author_id != user.pk:
        raise PermissionDenied(f"{user} is not the author of statement {statement.pk}")


def _require_draft(statement, message, code):
    if statement.status != SignedStatus.DRAFT:
        raise ValidationError(message, code=code)


def _locked(statement):
    return SupervisorStatement.objects.select_for_update(of=("self",)).select_related("trainee").get(pk=statement.pk)


def has_bt(trainee) -> bool:
    """The BT summary is offered only to a trainee who does (or did) BT."""
    return trainee.bt_mode != BTMode.NONE


def bt_placements(trainee):
    """The trainee's BT placements in the tjänsteförteckning, oldest first."""
    return trainee.service_periods.filter(kind__in=BT_KINDS).select_related("unit").order_by("start", "pk")


def visible_statements(trainee, user):
    """The trainee's statements that `user` may read: the signed ones and the user's own drafts."""
    return (
        SupervisorStatement.objects.filter(trainee=trainee)
        .filter(Q(status=SignedStatus.SIGNED) | Q(author=user))
        .select_related("author", "service_period", "service_period__unit")
    )


def latest_signed(trainee, kind=None):
    """The trainee's most recently signed statement (of `kind` when given), or None."""
    statements = SupervisorStatement.objects.filter(trainee=trainee, status=SignedStatus.SIGNED)
    if kind is not None:
        statements = statements.filter(kind=kind)
    return statements.select_related("author").order_by("-signed_at", "-pk").first()


def start_statement(trainee, *, by, kind=StatementKind.ANNUAL):
    """A new, unsaved draft by `by`, with the period suggested: from the day after the latest
    signed yearly statement (or the start of ST) until today. A BT summary takes its
    period from the placement chosen in the form."""
    _require_writer(by, trainee)
    if kind == StatementKind.BT_PLACEMENT and not has_bt(trainee):
        raise ValidationError(_("This ST-läkare does not do BT."), code="no_bt")
    today = timezone.localdate()
    previous = latest_signed(trainee, StatementKind.ANNUAL)
    start = previous.period_end + timedelta(days=1) if previous else trainee.st_start
    start = min(start, today)
    return SupervisorStatement(trainee=trainee, kind=kind, author=by, period_start=start, period_end=today)


def save_draft(form, *, by):
    """Save a valid statement form as a draft by `by`: a new statement, or the author's own draft.

    The stored row is locked and checked first, so a statement signed in another tab is
    not overwritten (the model would refuse it anyway).
    """
    statement = form.instance
    with transaction.atomic():
        _require_writer(by, statement.trainee)
        created = statement.pk is None
        if created:
            statement.author = by
            statement.status = SignedStatus.DRAFT
        else:
            locked = _locked(statement)
            _require_author(by, locked)
            _require_draft(locked, _("This handledarutlåtande has been signed and can no longer be changed."), "signed")
        form.save()
        record_event(
            by,
            "statement.created" if created else "statement.updated",
            statement,
            kind=statement.kind,
            period=[f"{statement.period_start:%Y-%m-%d}", f"{statement.period_end:%Y-%m-%d}"],
        )
    return statement


@transaction.atomic
def sign_statement(statement, *, by):
    """Draft → signed, by its author; from now on the statement cannot change."""
    locked = _locked(statement)
    _require_writer(by, locked.trainee)
    _require_author(by, locked)
    _require_draft(locked, _("This handledarutlåtande has already been signed."), "signed")
    # The form checked this when the draft was saved; check again, as the rules may have tightened.
    locked.full_clean(exclude=["status", "signed_at"])
    for name in locked.mark_signed():
        setattr(statement, name, getattr(locked, name))
    record_event(by, "statement.signed", statement, kind=statement.kind, at_risk=locked.at_risk)
    return statement


@transaction.atomic
def delete_draft(statement, *, by):
    """Delete the author's own draft; a signed statement stays."""
    locked = _locked(statement)
    _require_author(by, locked)
    _require_draft(locked, _("A signed handledarutlåtande cannot be deleted."), "signed")
    record_event(by, "statement.draft_deleted", locked, kind=locked.kind)
    locked.delete()


# --- when the yearly statement is due ---------------------------------------


@dataclass(frozen=True)
class StatementDue:
    due: date
    done: bool
    overdue: bool


def statement_due(signed_dates: list[date], next_visit: date, interval_months: int, today: date) -> StatementDue:
    """The yearly statement is due by the next årsbesök (`next_visit`).

    It is done when a yearly statement was signed after the start of the interval that
    ends at that årsbesök (a statement signed on the day of the previous årsbesök belongs
    to that one). One signed late, after the due date but before the årsbesök has been
    recorded, also counts: the visit it is written for has not happened yet.
    """
    window_start = add_months(next_visit, -interval_months)
    done = any(signed > window_start for signed in signed_dates)
    return StatementDue(due=next_visit, done=done, overdue=not done and today > next_visit)


def statement_due_for(trainee, today: date) -> StatementDue:
    """`statement_due` for one trainee, with its region's interval (three queries at most)."""
    interval = policy_for(trainee.unit.region).annual_visit_interval_months
    signed = SupervisorStatement.objects.filter(
        trainee=trainee, kind=StatementKind.ANNUAL, status=SignedStatus.SIGNED
    ).values_list("signed_at", flat=True)
    dates = [timezone.localdate(moment) for moment in signed]
    return statement_due(dates, next_visit_for(trainee, interval), interval, today)
