"""E-mail each person one digest of what is due, overdue or waiting for them; run once a day (cron).

What goes in the digest, and the extension point for more sources, is described in
portfolio/reminders.py. Idempotent: what was sent to a person today is recorded, so a
second run the same day sends only what has appeared since.

Colleagues without an account who were asked for a kompetensvärdering get their own
reminder from `remind_assessors` (assessments); this command mails people with accounts.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portfolio.reminders import send_digests


def _day(value):
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from error


class Command(BaseCommand):
    help = (
        "E-mail each ST-läkare, handledare and studierektor one digest of what is due, overdue or waiting "
        "for their signature or decision. Assessors without an account are reminded by remind_assessors."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only list who would get what; send nothing.")
        parser.add_argument("--date", dest="day", type=_day, help="Run as if today were this day (YYYY-MM-DD).")

    def handle(self, *args, dry_run, day, **options):
        today = day or timezone.localdate()
        outcome = send_digests(today, dry_run=dry_run)
        if dry_run:
            for digest in outcome.sent:
                self.stdout.write(f"Would send {digest.user.email} ({digest.user.name}):")
                for item in digest.items:
                    mark = " [overdue]" if item.overdue else ""
                    self.stdout.write(f"  {item.day:%Y-%m-%d}{mark} {item.text} {item.url}")
        for digest in outcome.failed:
            self.stderr.write(f"Could not send to {digest.user.email} ({digest.user.name}); will retry next run.")
        verb = "Would send" if dry_run else "Sent"
        people = len(outcome.sent)
        self.stdout.write(
            f"{verb} {people} reminder e-mail(s) with {outcome.items} item(s) for {today:%Y-%m-%d}; "
            f"{len(outcome.failed)} failed."
        )
