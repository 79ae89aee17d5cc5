from django.core.management.base import BaseCommand

from assessments.reference import load_templates


class Command(BaseCommand):
    help = "Create or update the national assessment templates from assessments/data/templates.json."

    def handle(self, *args, **options):
        count = load_templates()
        self.stdout.write(f"{count} templates loaded.")
