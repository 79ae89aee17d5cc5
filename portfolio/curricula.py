"""Load regulations and målbeskrivningar from the JSON files in portfolio/data/.

The files are the single source of the reference data; migrations call
`load_reference_data` so that a fresh database has them, and `manage.py
load_curricula` applies an edited file to an existing database. Loading is
idempotent: rows are matched on their natural keys and updated in place.
"""

import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
REGULATION_DIRS = {"SOSFS_2015_8": "sosfs-2015-8", "HSLF_FS_2021_8": "hslf-fs-2021-8"}


def read_json(path: Path):
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def curriculum_files():
    """Every målbeskrivning file (not the common-goal files), in a stable order."""
    for directory in REGULATION_DIRS.values():
        for path in sorted((DATA_DIR / directory).glob("*.json")):
            if path.name != "common.json":
                yield path


def load_reference_data(apps=None):
    """Create or update regulations, specialties, curricula, delmål and their requirements.

    `apps` is the migration state registry; without it the current models are used.
    Returns the number of delmål written.
    """
    if apps is None:
        from django.apps import apps as current_apps

        apps = current_apps
    Regulation = apps.get_model("portfolio", "Regulation")
    Specialty = apps.get_model("accounts", "Specialty")

    # Only the fields the (historical) model has: an old migration loads with the
    # model as it was then, and a later migration loads the newer fields.
    regulation_fields = {field.name for field in Regulation._meta.get_fields()}
    regulations = {}
    for row in read_json(DATA_DIR / "regulations.json"):
        code = row.pop("code")
        defaults = {key: value for key, value in row.items() if key in regulation_fields}
        regulations[code], _ = Regulation.objects.update_or_create(code=code, defaults=defaults)

    written = 0
    for path in curriculum_files():
        data = read_json(path)
        regulation = regulations[data["regulation"]]
        specialty = None
        if data["kind"] == "st":
            specialty, _ = Specialty.objects.update_or_create(
                slug=data["specialty"]["slug"], defaults={"name": data["specialty"]["name"]}
            )
        common = {}
        if data.get("common_goals"):
            common_data = read_json(path.parent / "common.json")
            common = {goal["code"]: goal for goal in common_data["goals"]}
        goals = [common[code] for code in data.get("common_goals", [])] + data["goals"]
        written += _write_curriculum(apps, regulation, specialty, data, goals)
    return written


def _write_curriculum(apps, regulation, specialty, data, goals):
    Curriculum = apps.get_model("portfolio", "Curriculum")
    Goal = apps.get_model("portfolio", "Goal")
    GoalRequirement = apps.get_model("portfolio", "GoalRequirement")

    curriculum, _ = Curriculum.objects.update_or_create(
        regulation=regulation,
        kind=data["kind"],
        specialty=specialty,
        defaults={
            "title": data["title"],
            "verification": data["verification"],
            "source_note": data.get("source_note", ""),
        },
    )
    for position, goal_data in enumerate(goals, start=1):
        goal, _ = Goal.objects.update_or_create(
            curriculum=curriculum,
            code=goal_data["code"],
            defaults={
                "group": goal_data["group"],
                "position": position,
                "title": goal_data["title"],
                "title_is_official": goal_data.get("title_is_official", True),
                "summary": goal_data.get("summary", ""),
                "recommended_activities": goal_data.get("recommended", []),
                "verification": goal_data["verification"],
                "source_note": goal_data.get("source_note", ""),
            },
        )
        # Requirements are replaced wholesale: they are pure reference data and
        # nothing points to a GoalRequirement row.
        goal.requirements.all().delete()
        GoalRequirement.objects.bulk_create(
            GoalRequirement(
                goal=goal,
                alternative_group=group_no,
                activity_type=option["activity"],
                setting=option.get("setting", "any"),
            )
            for group_no, options in enumerate(goal_data["requirements"], start=1)
            for option in options
        )
    return len(goals)
