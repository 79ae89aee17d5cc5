"""The user guides in docs/guides/: their pictures and links point to files that exist.

The pictures come from tests/e2e/test_guide_screenshots.py (`make guide-screenshots`);
every one it takes is shown in a guide, and every one a guide shows is one it takes.
"""

import re
from pathlib import Path

import pytest

from tests.e2e.test_guide_screenshots import GUIDE_IMAGES, IMG_DIR

GUIDES_DIR = Path(__file__).resolve().parents[1] / "docs" / "guides"
GUIDES = sorted(GUIDES_DIR.glob("*.md"))
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def _targets(pattern, guide):
    return pattern.findall(guide.read_text(encoding="utf-8"))


def test_there_is_a_guide_per_role_and_an_index():
    names = {guide.name for guide in GUIDES}
    assert {"README.md", "st-lakare.md", "handledare.md", "studierektor.md", "verksamhetschef.md"} <= names
    assert "administrator.md" in names


@pytest.mark.parametrize("guide", GUIDES, ids=lambda guide: guide.name)
def test_every_image_a_guide_shows_exists(guide):
    for target in _targets(IMAGE, guide):
        assert (guide.parent / target).resolve().is_file(), f"{guide.name} shows {target}, which does not exist"


def test_every_screenshot_the_browser_tests_take_is_shown_in_a_guide():
    shown = {(guide.parent / target).resolve() for guide in GUIDES for target in _targets(IMAGE, guide)}
    assert len(GUIDE_IMAGES) == len(set(GUIDE_IMAGES))
    missing = [name for name in GUIDE_IMAGES if (IMG_DIR / name).resolve() not in shown]
    assert not missing, f"Screenshots no guide shows: {missing}"


def test_every_screenshot_in_the_folder_is_one_the_browser_tests_take():
    assert sorted(path.name for path in IMG_DIR.glob("*.png")) == sorted(GUIDE_IMAGES)


@pytest.mark.parametrize("guide", GUIDES, ids=lambda guide: guide.name)
def test_every_relative_link_in_a_guide_points_to_an_existing_file(guide):
    for target in _targets(LINK, guide):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # an absolute address or a place on the same page
        path = target.split("#", 1)[0]
        assert (guide.parent / path).resolve().exists(), f"{guide.name} links to {target}, which does not exist"
