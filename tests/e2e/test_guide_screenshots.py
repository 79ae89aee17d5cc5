"""The pages the user guides (docs/guides/) show, one browser test per role.

Each test logs in through the login form as one of the demo users and checks a heading
on every page it visits. With GUIDE_SCREENSHOTS=1 (`make guide-screenshots`) it also
saves a screenshot of each page to docs/guides/img/, so the guides' pictures follow the UI.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import Region
from portfolio.models import Trainee

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

IMG_DIR = Path(__file__).resolve().parents[2] / "docs" / "guides" / "img"
VIEWPORT = {"width": 1280, "height": 800}

# (role, demo login, page name, path, heading on the page). The image is <role>-<page>.png;
# {trainee} is demo-st's ST-läkare record, {region} the demo region's code.
GUIDE_PAGES = [
    ("st-lakare", "demo-st", "start", "/", "Min ST"),
    ("st-lakare", "demo-st", "handledning", "/st-lakare/{trainee}/handledning/", "Handledning mot normen"),
    ("st-lakare", "demo-st", "iup", "/st-lakare/{trainee}/iup/", "Individuellt utbildningsprogram (IUP)"),
    ("handledare", "demo-handledare", "start", "/", "ST-läkare som jag handleder eller följer"),
    ("handledare", "demo-handledare", "oversikt", "/st-lakare/{trainee}/", "Vad saknas för ansökan?"),
    ("studierektor", "demo-studierektor", "start", "/", "Mina enheter"),
    ("studierektor", "demo-studierektor", "st-lakare", "/st-lakare/", "ST-läkare"),
    ("studierektor", "demo-studierektor", "statistik", "/statistik/", "Statistik"),
    ("verksamhetschef", "demo-chef", "start", "/", "Mina enheter"),
    ("verksamhetschef", "demo-chef", "enheter", "/enheter/", "Enheter"),
    ("administrator", "demo-admin", "start", "/", "Administration"),
    ("administrator", "demo-admin", "normer", "/regioner/{region}/policy/", "Regionala normer för Region Norrmark"),
]
ROLES = ["st-lakare", "handledare", "studierektor", "verksamhetschef", "administrator"]


def image_name(role, page_name):
    return f"{role}-{page_name}.png"


GUIDE_IMAGES = [image_name(role, page_name) for role, _login, page_name, *_ in GUIDE_PAGES]


@pytest.fixture
def demo_region(settings):
    # The demo logins get their password only with DEBUG on.
    settings.DEBUG = True
    call_command("seed_demo", quiet=True)
    settings.DEBUG = False


@pytest.mark.parametrize("role", ROLES)
def test_guide_pages(demo_region, page, role):
    rows = [row for row in GUIDE_PAGES if row[0] == role]
    assert 2 <= len(rows) <= 3
    login = rows[0][1]
    values = {
        "trainee": Trainee.objects.get(user__username="demo-st").pk,
        "region": Region.objects.get().code,
    }
    page.set_viewport_size(VIEWPORT)

    page.goto("/konto/logga-in/")
    page.locator("input[name=username]").fill(login)
    page.locator("input[name=password]").fill("demo")
    page.locator("#main form[method=post] [type=submit]").click()
    page.wait_for_url("/")

    for _role, _login, page_name, path, heading in rows:
        page.goto(path.format(**values))
        expect(page.locator("html")).to_have_attribute("lang", "sv")
        expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible()
        if os.environ.get("GUIDE_SCREENSHOTS") == "1":
            IMG_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=IMG_DIR / image_name(role, page_name), full_page=False)
