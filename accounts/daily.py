"""The base of the daily cron commands: `--dry-run` and `--date YYYY-MM-DD` the same way in each."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


def _day(value):
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from error


class DailyCommand(BaseCommand):
    dry_run_help = "Only list what would be done; change and send nothing."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help=self.dry_run_help)
        parser.add_argument("--date", dest="day", type=_day, help="Run as if today were this day (YYYY-MM-DD).")

    @staticmethod
    def today(day):
        return day or timezone.localdate()
