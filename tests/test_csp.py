"""No inline script or style: the Content-Security-Policy allows only the project's own files.

Every template is read for what such a policy would block (or what would tempt someone to weaken
it), and rendered pages are checked for the header and for the same patterns in their HTML.
"""

import re
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

BASE_DIR = Path(settings.BASE_DIR)
# Printed documents: xhtml2pdf reads their <style> element; no browser ever gets them as a page.
PDF_TEMPLATES = BASE_DIR / "templates" / "pdf"

FORBIDDEN = {
    "inline <script> (without src)": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    "on…= event attribute": re.compile(r"<[a-z][^>]*?\son[a-z]+\s*=", re.IGNORECASE),
    "style= attribute": re.compile(r"<[a-z][^>]*?\sstyle\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
}


def project_template_files():
    folders = [BASE_DIR / "templates"]
    for config in apps.get_app_configs():
        folder = Path(config.path) / "templates"
        # The project's apps only: a virtualenv inside the clone holds Django's own templates.
        if folder.is_dir() and folder.is_relative_to(BASE_DIR) and not folder.is_relative_to(sys.prefix):
            folders.append(folder)
    return sorted(
        path
        for folder in folders
        for path in folder.rglob("*")
        if path.is_file() and path.suffix in {".html", ".txt", ".xml"}
    )


def findings(text):
    found = []
    for name, pattern in FORBIDDEN.items():
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"line {line}: {name}: {match.group(0)[:60]}")
    return found


def test_templates_are_found():
    names = {path.relative_to(BASE_DIR).as_posix() for path in project_template_files()}

    assert "templates/base.html" in names
    assert len(names) > 50


def test_no_template_has_inline_script_style_or_handlers():
    problems = []
    for path in project_template_files():
        found = findings(path.read_text(encoding="utf-8"))
        if path.is_relative_to(PDF_TEMPLATES):
            found = [item for item in found if "<style> element" not in item]
        problems += [f"{path.relative_to(BASE_DIR)} {item}" for item in found]

    assert problems == []


def test_the_scan_recognises_what_it_must_refuse():
    samples = [
        "<script>alert(1)</script>",
        '<button onclick="go()">',
        '<div class="x" style="color: red">',
        '<a href="javascript:void(0)">',
        "<style>p {}</style>",
    ]

    assert [bool(findings(sample)) for sample in samples] == [True] * len(samples)
    assert findings('<script src="/static/htmx.min.js" defer></script><p class="one">only text</p>') == []


def test_policy_has_no_unsafe_sources():
    policy = " ".join(" ".join(values) for values in settings.SECURE_CSP.values())

    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert settings.SECURE_CSP["script-src"] == ["'self'"]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["login", "home", "trainee-list", "curriculum-list", "account-settings"])
def test_rendered_pages_carry_the_policy_and_no_inline_code(client, trainee, page):
    if page != "login":
        client.force_login(trainee.user)

    response = client.get(reverse(page))

    assert response.status_code == 200
    header = response["Content-Security-Policy"]
    assert "script-src 'self'" in header
    assert "style-src 'self'" in header
    assert "frame-ancestors 'none'" in header
    assert "unsafe-inline" not in header
    assert findings(response.content.decode()) == []
