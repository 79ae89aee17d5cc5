"""Fill the regulations' new leave settings (counted_leave_kinds, leave_note) from portfolio/data/."""

from django.db import migrations

from portfolio.curricula import load_reference_data


def load(apps, schema_editor):
    load_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0003_portfolio_records"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
