"""Load the regulations and målbeskrivningar in portfolio/data/ (allmänmedicin 2015 and 2021, BT)."""

from django.db import migrations

from portfolio.curricula import load_reference_data


def load(apps, schema_editor):
    load_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("portfolio", "0001_initial"),
    ]

    # Reversing leaves the rows in place: the tables themselves go with 0001.
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
