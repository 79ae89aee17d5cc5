"""Recompute every trainee's stored readiness verdict (daily from cron: time alone moves it)."""

from django.core.management.base import BaseCommand

from portfolio.readiness.store import refresh_all


class Command(BaseCommand):
    help = "Recompute the stored readiness verdict of every ST-läkare."

    def handle(self, *args, **options):
        count = refresh_all()
        self.stdout.write(f"Readiness recomputed for {count} ST-läkare.")
