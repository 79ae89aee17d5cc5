from django.db import migrations

from assessments.reference import load_templates


def load(apps, schema_editor):
    load_templates(apps)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
