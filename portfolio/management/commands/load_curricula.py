"""Apply the målbeskrivning data files in portfolio/data/ to the database.

Migrations load the files on a fresh database; run this after editing a file
to update an existing one. Rows are matched on their codes and updated in place.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from portfolio.curricula import load_reference_data


class Command(BaseCommand):
    help = "Load or update regulations, målbeskrivningar and delmål from portfolio/data/."

    @transaction.atomic
    def handle(self, *args, **options):
        count = load_reference_data()
        self.stdout.write(self.style.SUCCESS(f"{count} delmål loaded."))
