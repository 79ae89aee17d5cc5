"""A studierektor logs in through a real browser and sees the ST-läkare of her own units only."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from portfolio.management.commands.seed_demo import TRAINEES, UNITS

# The data set needs the reference data from the migrations (specialties, regulations),
# which a transactional test's flush would remove: serialized_rollback restores it.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

OWN_UNITS = {0, 1, 2}  # demo-studierektor (Karin Lindqvist) is studierektor of units 0–2
OWN_UNIT_NAMES = {UNITS[i][0] for i in OWN_UNITS}
OTHER_UNIT_NAMES = {name for i, (name, *_) in enumerate(UNITS) if i not in OWN_UNITS}
OWN_TRAINEES = {name for _username, name, unit_index, *_ in TRAINEES if unit_index in OWN_UNITS}
OTHER_TRAINEES = {name for _username, name, unit_index, *_ in TRAINEES if unit_index not in OWN_UNITS}


@pytest.fixture
def demo_region(settings):
    # The demo logins get their password only with DEBUG on.
    settings.DEBUG = True
    call_command("seed_demo", quiet=True)
    settings.DEBUG = False


def test_studierektor_logs_in_and_sees_only_her_units_trainees(demo_region, page):
    assert "Filip Åslund" in OTHER_TRAINEES  # the data this test relies on is still as described
    assert len(OWN_TRAINEES) >= 10

    page.goto("/konto/logga-in/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.locator("input[name=username]").fill("demo-studierektor")
    page.locator("input[name=password]").fill("demo")
    page.locator("#main form[method=post] [type=submit]").click()

    # The start page, with her three units linked to the filtered trainee list.
    page.wait_for_url("/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    unit_links = page.locator('#main table tbody td:first-child a[href^="/st-lakare/?unit="]')
    expect(unit_links).to_have_count(len(OWN_UNIT_NAMES))
    assert set(unit_links.all_inner_texts()) == OWN_UNIT_NAMES

    page.locator('#main a[href="/st-lakare/"]').first.click()

    page.wait_for_url("/st-lakare/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    trainee_links = page.locator('#main table tbody td:first-child a[href^="/st-lakare/"]')
    expect(trainee_links).to_have_count(len(OWN_TRAINEES))
    assert set(trainee_links.all_inner_texts()) == OWN_TRAINEES
    main = page.locator("#main")
    for name in sorted(OTHER_TRAINEES | OTHER_UNIT_NAMES):
        expect(main).not_to_contain_text(name)
