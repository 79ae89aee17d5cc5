"""Archiving a trainee who finished or left, restoring one, and deleting archived portfolios
once the retention time has passed.

An archived trainee keeps read access to her portfolio and her exports; nobody can change it
(the change permissions in portfolio/rules.py require an active trainee), the overview and its
counts leave it out unless asked, and no reminders are sent about it. After
`settings.ARCHIVE_RETENTION_DAYS` days the daily job `purge_archived` deletes it for good.

This module reads the assessments and contracts models (what must go before the trainee can),
as the other read-side modules of portfolio do; portfolio/models never does.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.domain import record_event
from assessments.models import AssessmentRequest
from portfolio.enums import ArchiveReason
from portfolio.models import Certificate, Course, Trainee, TrainingPlan
from portfolio.readiness import store

logger = logging.getLogger(__name__)

ARCHIVE_PERM = "portfolio.archive_trainee"


def _require(user, trainee):
    if not user.has_perm(ARCHIVE_PERM, trainee):
        raise PermissionError("Only the unit's studierektor or the region's administrator archives a trainee.")


@transaction.atomic
def archive(trainee: Trainee, by, reason: str) -> Trainee:
    """Active → archived, with who, when and why; audited."""
    _require(by, trainee)
    if reason not in ArchiveReason.values:
        raise ValidationError(_("Choose why the ST-läkare is archived."))
    locked = Trainee.objects.select_for_update().get(pk=trainee.pk)
    if locked.archived_at is not None:
        raise ValidationError(_("The ST-läkare is already archived."))
    trainee.archived_at = timezone.now()
    trainee.archived_by = by
    trainee.archive_reason = reason
    trainee.save(update_fields=["archived_at", "archived_by", "archive_reason"])
    # An assessor's link must not take an assessment into a closed portfolio: open requests are
    # withdrawn, and the assessor sees the page of a withdrawn request.
    withdrawn = AssessmentRequest.objects.filter(
        trainee=trainee, assessment__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).update(revoked_at=timezone.now())
    record_event(by, "trainee.archived", trainee, reason=reason, requests_withdrawn=withdrawn)
    return trainee


@transaction.atomic
def restore(trainee: Trainee, by) -> Trainee:
    """Archived → active again: the portfolio can be changed and the retention clock stops."""
    _require(by, trainee)
    locked = Trainee.objects.select_for_update().get(pk=trainee.pk)
    if locked.archived_at is None:
        raise ValidationError(_("The ST-läkare is not archived."))
    archived_at = locked.archived_at
    trainee.archived_at = None
    trainee.archived_by = None
    trainee.archive_reason = ""
    trainee.save(update_fields=["archived_at", "archived_by", "archive_reason"])
    record_event(by, "trainee.restored", trainee, archived_at=archived_at.isoformat())
    return trainee


def retention_days() -> int:
    return settings.ARCHIVE_RETENTION_DAYS


def deletion_day(trainee: Trainee) -> date | None:
    """The first day the retention job deletes this archived trainee (None when active)."""
    if trainee.archived_at is None:
        return None
    return timezone.localdate(trainee.archived_at) + timedelta(days=retention_days())


def due_for_deletion(today: date):
    """Archived trainees whose retention time has run out by `today`: archived on or before
    `today - ARCHIVE_RETENTION_DAYS` (local days; archived one day later is kept)."""
    last_day = today - timedelta(days=retention_days())
    limit = timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))
    return Trainee.objects.filter(archived_at__lt=limit).select_related("user").order_by("archived_at", "pk")


@dataclass
class Deleted:
    trainees: int = 0
    accounts: int = 0
    accounts_kept: int = 0
    files: int = 0


def purge(today: date, dry_run: bool = False) -> tuple[list[Trainee], Deleted]:
    """Delete every trainee `due_for_deletion(today)` with the whole portfolio, each in its own
    transaction. Returns the trainees concerned and the counts (nothing is deleted on a dry run)."""
    trainees = list(due_for_deletion(today))
    outcome = Deleted()
    if dry_run:
        return trainees, outcome
    with store.deferred():  # nothing left to recompute for a deleted trainee
        for trainee in trainees:
            files, account_deleted = delete_trainee(trainee)
            outcome.trainees += 1
            outcome.files += files
            if account_deleted:
                outcome.accounts += 1
            else:
                outcome.accounts_kept += 1
    logger.info(
        "Deleted %s archived trainee(s) past %s days: %s account(s) deleted, %s kept, %s file(s) removed.",
        outcome.trainees,
        retention_days(),
        outcome.accounts,
        outcome.accounts_kept,
        outcome.files,
    )
    return trainees, outcome


def _stored_files(trainee) -> list[str]:
    from assessments.models import MidTermEvaluation

    names = list(Course.objects.filter(trainee=trainee).exclude(certificate="").values_list("certificate", flat=True))
    names += (
        MidTermEvaluation.objects.filter(trainee=trainee).exclude(report_file="").values_list("report_file", flat=True)
    )
    return names


def _delete_newest_first(queryset, order):
    """One row at a time, newest first: a correction or revision points to the row before
    it (PROTECT), and the collector refuses to delete a row that another row of the same
    queryset still points to."""
    for pk in queryset.order_by(order).values_list("pk", flat=True):
        queryset.model.objects.filter(pk=pk).delete()


@transaction.atomic
def delete_trainee(trainee: Trainee) -> tuple[int, bool]:
    """Delete the trainee, every record of the portfolio and the uploaded files; and the
    account, unless the person holds another role (a membership, staff) or other records
    point to it. Returns (files removed, account deleted). Audit events stay: they are
    append-only and hold who did what, not the portfolio's content.

    Signed records refuse Model.delete(); QuerySet.delete() runs the collector, which never
    calls it, so the whole portfolio goes while a single signed record still cannot.
    """
    from assessments.models import AssessmentRequest, MidTermEvaluation, SupervisorStatement
    from contracts.models import TrainingContract

    user = trainee.user
    files = _stored_files(trainee)
    # PROTECT links inside the portfolio: a request's kompetensvärdering, a Mitt-i-ST's IUP
    # version, a statement's BT placement.
    AssessmentRequest.objects.filter(trainee=trainee).delete()
    MidTermEvaluation.objects.filter(trainee=trainee).delete()
    SupervisorStatement.objects.filter(trainee=trainee).delete()
    _delete_newest_first(TrainingContract.objects.filter(trainee=trainee), "-pk")
    _delete_newest_first(Certificate.objects.filter(trainee=trainee), "-pk")
    _delete_newest_first(TrainingPlan.objects.filter(trainee=trainee), "-version")
    trainee_pk = trainee.pk
    trainee.delete()
    # Once the rows are gone for good, the files; a rollback keeps both.
    transaction.on_commit(lambda: _remove_files(files))
    account_deleted = _delete_account(user)
    logger.info("Deleted archived trainee %s (account %s).", trainee_pk, "deleted" if account_deleted else "kept")
    return len(files), account_deleted


def _remove_files(names):
    for name in names:
        default_storage.delete(name)


def _delete_account(user) -> bool:
    if user.is_staff or user.is_superuser or user.memberships.exists():
        return False
    try:
        with transaction.atomic():
            user.delete()
    except (ProtectedError, RestrictedError):
        # Something outside the portfolio still names the person (a signature on another
        # trainee's intyg, say): the account stays, but can no longer log in.
        user.is_active = False
        user.save(update_fields=["is_active"])
        return False
    return True
