"""Årsrapport and årsbesök: when the next visit is due, and submitting a report."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.domain import record_event
from portfolio.models import AnnualReport, FrozenRecordError
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
