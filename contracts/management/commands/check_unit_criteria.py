"""Evaluate every unit against its region's quality criteria; run once a day (cron).

The outcome per unit and criterion is stored (CriterionState). When a criterion goes from
met or not yet judged (or from a dispens that has ended) to not met, the unit's
studierektorer get one e-mail; the stored state keeps the next run silent about it.
The logic is contracts.units.check_criteria.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from contracts.units import alert_recipients, check_criteria


def _day(value):
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from error


class Command(BaseCommand):
    help = (
        "Evaluate every unit against the regional quality criteria, store the outcome and e-mail the "
        "studierektorer about criteria that are no longer met."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only list what changed; store and send nothing.")
        parser.add_argument("--date", dest="day", type=_day, help="Run as if today were this day (YYYY-MM-DD).")

    def handle(self, *args, dry_run, day, **options):
        today = day or timezone.localdate()
        outcome = check_criteria(today, dry_run=dry_run)
        for alert in outcome.alerts:
            was = alert.previous or "unknown"
            self.stdout.write(f"{alert.unit.name}: criterion {alert.criterion.position} {was} → not met")
        if dry_run:
            for user, alerts in alert_recipients(outcome.alerts).items():
                self.stdout.write(f"Would mail {user.email} ({user.name}) about {len(alerts)} criterion/criteria.")
        for user in outcome.failed:
            self.stderr.write(f"Could not mail {user.email} ({user.name}); will retry next run.")
        verb = "Would store" if dry_run else "Stored"
        self.stdout.write(
            f"{outcome.units} unit(s) evaluated for {today:%Y-%m-%d}; {verb} {outcome.changed} changed outcome(s); "
            f"{len(outcome.alerts)} newly not met; {len(outcome.mailed)} e-mail(s) sent, {len(outcome.failed)} failed."
        )
