"""Project-wide checks: migrations, translations, settings."""

import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

BASE_DIR = Path(settings.BASE_DIR)
SV_PO = BASE_DIR / "locale" / "sv" / "LC_MESSAGES" / "django.po"


@pytest.mark.django_db
def test_no_pending_migrations():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_swedish_is_the_default_language():
    assert settings.LANGUAGE_CODE == "sv"


def test_swedish_catalogue_loads():
    with translation.override("sv"):
        assert translation.gettext("Log in") == "Logga in"
        assert translation.gettext("Who is who") == "Vem är vem"


def test_swedish_catalogue_is_complete():
    catalogue = polib.pofile(str(SV_PO))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_matches_the_po_file():
    po = polib.pofile(str(SV_PO))
    mo = polib.mofile(str(SV_PO.with_suffix(".mo")))
    compiled = {(entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural for entry in mo}
    source = {(entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural for entry in po.translated_entries()}
    assert compiled == source


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed (CI installs it)")
def test_every_source_string_is_in_the_catalogue(tmp_path):
    """Run makemessages on a copy of the source tree and check that nothing new appears.

    A copy, because makemessages writes into the locale/ folder beside the sources.
    """
    for name in ["accounts", "portfolio", "assessments", "contracts", "config", "templates", "locale"]:
        shutil.copytree(BASE_DIR / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(BASE_DIR / "manage.py", tmp_path / "manage.py")
    command = [sys.executable, "manage.py", "makemessages", "--locale", "sv", "--no-obsolete", "--no-location"]
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    assert result.returncode == 0, result.stderr
    fresh = polib.pofile(str(tmp_path / "locale" / "sv" / "LC_MESSAGES" / "django.po"))
    committed = polib.pofile(str(SV_PO))
    assert {e.msgid for e in fresh} - {e.msgid for e in committed} == set()


@pytest.mark.django_db
def test_pages_are_swedish_even_for_an_english_browser(client):
    response = client.get("/konto/logga-in/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert response["Content-Language"] == "sv"
    assert '<html lang="sv">' in response.content.decode()
    assert "Logga in" in response.content.decode()


@pytest.mark.django_db
def test_language_switch_to_english_is_remembered(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/konto/logga-in/"}, follow=True)

    assert response.redirect_chain[-1][0] == "/konto/logga-in/"
    assert '<html lang="en">' in response.content.decode()
    assert "Forgot your password?" in response.content.decode()


@pytest.mark.django_db
def test_in_lookup_ignores_integers_no_column_can_hold(trainee):
    """accounts.lookups.IntegerIn: a 400-digit id in `__in` finds nothing instead of OverflowError."""
    from portfolio.models import Leave
    from tests.portfolio.factories_service import LeaveFactory

    leave = LeaveFactory(trainee=trainee, percent=100)
    huge = 10**400

    assert list(Leave.objects.filter(pk__in=[huge, leave.pk])) == [leave]
    assert not Leave.objects.filter(pk__in=[huge, -huge]).exists()
    assert list(Leave.objects.filter(percent__in=[2**63, 100])) == [leave]
    assert list(Leave.objects.filter(trainee__user__pk__in=[huge, trainee.user.pk])) == [leave]
