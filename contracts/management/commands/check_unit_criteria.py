"""Evaluate every unit against its region's quality criteria; run once a day (cron).

The outcome per unit and criterion is stored (CriterionState). When a criterion goes from
met or not yet judged (or from a dispens that has ended) to not met, the unit's
studierektorer get one e-mail; the stored state keeps the next run silent about it.
The logic is contracts.units.check_criteria.
"""

from accounts.daily import DailyCommand
from contracts.units import alert_recipients, check_criteria


class Command(DailyCommand):
    help = (
        "Evaluate every unit against the regional quality criteria, store the outcome and e-mail the "
        "studierektorer about criteria that are no longer met."
    )

    dry_run_help = "Only list what changed; store and send nothing."

    def handle(self, *args, dry_run, day, **options):
        today = self.today(day)
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
