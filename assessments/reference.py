"""Load the default assessment templates from assessments/data/templates.json.

A migration calls `load_templates` so a fresh database has them; `manage.py
load_assessment_templates` re-applies an edited file. Idempotent: the national
template of each kind is matched on its kind and updated in place.
"""

import json
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "templates.json"


def load_templates(apps=None):
    if apps is None:
        from django.apps import apps as current_apps

        apps = current_apps
    AssessmentTemplate = apps.get_model("assessments", "AssessmentTemplate")
    with DATA_FILE.open(encoding="utf-8") as handle:
        rows = json.load(handle)
    for row in rows:
        kind = row.pop("kind")
        AssessmentTemplate.objects.update_or_create(region=None, kind=kind, defaults=row)
    return len(rows)
