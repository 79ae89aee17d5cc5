"""E-mail a reminder to every assessor whose link expires soon; run once a day (cron).

Idempotent: a request is reminded once (until the ST-läkare extends it), so running
the command twice on the same day sends nothing the second time.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from assessments.requesting import send_reminders


class Command(BaseCommand):
    help = "E-mail assessors whose link for a kompetensvärdering expires within N days (default 7)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="Remind when the link expires within this many days.")
        parser.add_argument("--dry-run", action="store_true", help="Only list who would be reminded; send nothing.")

    def handle(self, *args, days, dry_run, **options):
        reminded = send_reminders(days_before=days, dry_run=dry_run)
        verb = "Would remind" if dry_run else "Reminded"
        for req in reminded:
            expires = f"{timezone.localtime(req.expires_at):%Y-%m-%d}"
            self.stdout.write(
                f"{verb} {req.assessor_email} ({req.kind}, request {req.pk} from {req.trainee.user.name}, "
                f"valid until {expires})"
            )
        self.stdout.write(f"{verb} {len(reminded)} assessor(s).")
