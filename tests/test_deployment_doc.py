"""docs/deployment.md stays true to the code: its tables name exactly the environment variables
config/settings.py reads, and its links to its own sections and to other documents lead somewhere."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "deployment.md"

# env_str("NAME", …), env_bool("NAME", …) … as config/env.py defines them.
READ = re.compile(r"\benv_(?:str|bool|int|list|secret)\(\s*\"([A-Z][A-Z0-9_]*)\"")
# A table row whose first cell is one variable in backticks: | `NAME` | …
ROW = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", re.MULTILINE)


def variables_read():
    names = set()
    for path in (ROOT / "config").glob("*settings*.py"):
        if path.name == "test_settings.py":
            continue
        names |= set(READ.findall(path.read_text(encoding="utf-8")))
    return names


def variables_documented():
    return set(ROW.findall(GUIDE.read_text(encoding="utf-8")))


def headings(text):
    """The Markdown headings of a text, leaving out lines of fenced code blocks."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return re.findall(r"^#{1,6} (.+)$", prose, re.MULTILINE)


def anchor(heading):
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_the_parsers_find_what_they_look_for():
    # Guards the two regular expressions: if either matched nothing, the comparisons below
    # would pass for an empty guide or empty settings.
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "DJANGO_SESSION_IDLE_MINUTES"} <= variables_read()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "DJANGO_SESSION_IDLE_MINUTES"} <= variables_documented()


def test_every_variable_the_settings_read_is_in_the_checklist():
    missing = variables_read() - variables_documented()
    assert not missing, f"read in config/settings.py but not in a table of docs/deployment.md: {sorted(missing)}"


def test_every_variable_in_the_checklist_is_read_by_the_settings():
    stale = variables_documented() - variables_read()
    assert not stale, f"in docs/deployment.md but no longer read by config/settings.py: {sorted(stale)}"


def test_every_link_of_the_guide_leads_somewhere():
    text = GUIDE.read_text(encoding="utf-8")
    own = {anchor(heading) for heading in headings(text)}
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    assert links, "the guide links nothing: the pattern is broken"
    for link in links:
        if link.startswith(("http://", "https://")):
            continue
        target, _, fragment = link.partition("#")
        if target:
            path = GUIDE.parent / target
            assert path.exists(), f"{link}: {path} does not exist"
            if fragment:
                found = {anchor(heading) for heading in headings(path.read_text(encoding="utf-8"))}
                assert fragment in found, f"{link}: no such section"
        else:
            assert fragment in own, f"#{fragment}: docs/deployment.md has no such section"
