"""The studierektor narrows the overview to "IUP försenad" and downloads it as CSV: the file
holds exactly the ST-läkare the engine finds overdue, no more and no fewer."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from portfolio.models import Trainee
from portfolio.snapshot import build_status

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def demo_region(settings):
    # The demo logins get their password only with DEBUG on.
    settings.DEBUG = True
    call_command("seed_demo", quiet=True)
    settings.DEBUG = False


def test_studierektor_filters_to_late_iups_and_exports_exactly_those(demo_region, page):
    director = User.objects.get(username="demo-studierektor")
    visible = list(Trainee.objects.visible_to(director).select_related("user", "unit__region", "regulation"))
    late = {trainee.user.name for trainee in visible if build_status(trainee).iup_overdue}
    assert late and len(late) < len(visible)  # the demo has both, so the filter has work to do

    page.goto("/konto/logga-in/")
    page.locator("input[name=username]").fill("demo-studierektor")
    page.locator("input[name=password]").fill("demo")
    page.locator("#main form[method=post] [type=submit]").click()
    page.wait_for_url("/")
    page.goto("/st-lakare/")

    page.get_by_label("Behöver åtgärdas").select_option(label="IUP försenad")
    page.locator("#main form[role=search] button[type=submit]").click()
    page.wait_for_url("**/st-lakare/?*flag=iup_overdue*")
    rows = page.locator("#main table tbody tr td:first-child a")
    expect(rows).to_have_count(len(late))
    assert set(rows.all_inner_texts()) == late

    with page.expect_download() as download:
        page.locator("#main .overview-exports a", has_text="CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))

    assert download.value.suggested_filename.endswith(".csv")
    assert table[0][0] == "Namn"
    assert {row[0] for row in table[1:]} == late
    assert len(table) - 1 == len(late)
    assert all(row[table[0].index("IUP försenad")] == "ja" for row in table[1:])
