"""Årsrapport, årsbesök and the studierektor's end-of-ST review."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.domain import record_event
from portfolio.models import AnnualReport, FinalReview, FrozenRecordError
from portfolio.timecalc import add_months


def next_visit_due(last_visit: date | None, st_start: date, interval_months: int) -> date:
    """When the next årsbesök is due: an interval after the latest one, or after the start of ST."""
    return add_months(last_visit or st_start, interval_months)


def submit_report(report: AnnualReport, *, by) -> None:
    """Submit a draft årsrapport: check it is still a draft, stamp `submitted_at`, write an audit event.

    The check and the stamp are one conditional UPDATE, so two submissions at once
    cannot both succeed. Raises FrozenRecordError when the report is already submitted.
    """
    now = timezone.now()
    with transaction.atomic():
        stamped = AnnualReport.objects.filter(pk=report.pk, submitted_at__isnull=True).update(
            submitted_at=now, updated_at=now
        )
        if not stamped:
            raise FrozenRecordError("This årsrapport has already been submitted.")
        report.submitted_at = report.updated_at = now
        record_event(by, "annual_report.submit", report, year=report.year)


def next_visit_for(trainee, interval_months: int) -> date:
    """The trainee's next årsbesök due date (one query)."""
    last_visit = trainee.annual_visits.order_by("-date").values_list("date", flat=True).first()
    return next_visit_due(last_visit, trainee.st_start, interval_months)


FINAL_REVIEW_PERM = "portfolio.record_annual_visit"  # the studierektor, as for årsbesök


def record_final_review(trainee, *, by, date, verdict, remarks="") -> FinalReview:
    """Record the studierektor's review of the whole ST before the application.

    A review is a dated statement, never edited: a later review (say "not yet", then
    "ready" a month later) is a new row, and the latest one counts.
    """
    if not by.has_perm(FINAL_REVIEW_PERM, trainee):
        raise PermissionDenied(f"{by} may not record an end-of-ST review for trainee {trainee.pk}")
    if date > timezone.localdate():
        message = _("The review is recorded once it has been made; the date cannot be in the future.")
        raise ValidationError({"date": ValidationError(message, code="future")})
    if date < trainee.st_start:
        message = _("The review cannot be dated before the start of ST.")
        raise ValidationError({"date": ValidationError(message, code="before_start")})
    with transaction.atomic():
        review = FinalReview.objects.create(trainee=trainee, date=date, verdict=verdict, remarks=remarks, reviewer=by)
        record_event(by, "final_review.recorded", review, verdict=verdict, date=date.isoformat())
    return review
