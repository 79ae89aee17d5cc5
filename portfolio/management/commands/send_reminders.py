"""E-mail each person one digest of what is due, overdue or waiting for them; run once a day (cron).

What goes in the digest, and the extension point for more sources, is described in
portfolio/reminders.py. Idempotent: what was sent to a person today is recorded, so a
second run the same day sends only what has appeared since.

Colleagues without an account who were asked for a kompetensvärdering get their own
reminder from `remind_assessors` (assessments); this command mails people with accounts.
"""

from accounts.daily import DailyCommand
from portfolio.reminders import send_digests


class Command(DailyCommand):
    help = (
        "E-mail each ST-läkare, handledare and studierektor one digest of what is due, overdue or waiting "
        "for their signature or decision. Assessors without an account are reminded by remind_assessors."
    )

    dry_run_help = "Only list who would get what; send nothing."

    def handle(self, *args, dry_run, day, **options):
        today = self.today(day)
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
