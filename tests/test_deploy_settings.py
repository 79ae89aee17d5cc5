"""The production settings pass `manage.py check --deploy` with no warning left unexplained."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent


def production_environment(**extra):
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="st-portfolj.example.se",
        # check --deploy never connects, so the host need not exist.
        DATABASE_URL="postgres://stportfolj:password@db.invalid:5432/stportfolj",
        **extra,
    )
    return env


def check_deploy(**extra):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_environment(**extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = check_deploy()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_is_clean_behind_a_proxy():
    assert check_deploy(DJANGO_BEHIND_PROXY="1").returncode == 0


def test_check_deploy_fails_when_debug_is_left_on_in_production():
    result = check_deploy(DJANGO_DEBUG="1")

    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


def test_every_silenced_check_is_explained_in_settings():
    source = (BASE_DIR / "config" / "settings.py").read_text(encoding="utf-8")

    for check in settings.SILENCED_SYSTEM_CHECKS:
        # A comment naming the check, with a reason after it, above the list.
        assert re.search(rf"#\s*{re.escape(check)}\b.+\S", source), check
