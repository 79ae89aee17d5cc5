"""Delete for good the trainees archived longer than DJANGO_ARCHIVE_RETENTION_DAYS; run once a day (cron).

What is deleted, and what is kept, is described in portfolio/archive.py and docs/security.md
("Keeping and deleting data"). Safe to run twice: a second run finds nobody left.
"""

from django.utils import timezone

from accounts.daily import DailyCommand
from portfolio.archive import purge, retention_days


class Command(DailyCommand):
    help = (
        "Delete every ST-läkare archived more than DJANGO_ARCHIVE_RETENTION_DAYS days ago, with the whole "
        "portfolio, its uploaded files and the account unless the person has another role."
    )

    dry_run_help = "Only list who would be deleted; delete nothing."

    def handle(self, *args, dry_run, day, **options):
        today = self.today(day)
        trainees, outcome = purge(today, dry_run=dry_run)
        if dry_run:
            for trainee in trainees:
                archived_on = timezone.localdate(trainee.archived_at)
                self.stdout.write(
                    f"Would delete {trainee.user.username} ({trainee.user.name}), archived {archived_on:%Y-%m-%d}"
                )
            self.stdout.write(
                f"Would delete {len(trainees)} archived ST-läkare past {retention_days()} days on {today:%Y-%m-%d}."
            )
            return
        self.stdout.write(
            f"Deleted {outcome.trainees} archived ST-läkare past {retention_days()} days on {today:%Y-%m-%d}: "
            f"{outcome.accounts} account(s) deleted, {outcome.accounts_kept} kept, {outcome.files} file(s) removed."
        )
