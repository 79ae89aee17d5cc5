"""A request for kompetensvärdering in a real browser: the ST-läkare sends it, a colleague
without an account opens the e-mailed link on a phone, fills in the form and signs it, and
the ST-läkare sees it completed."""

import re

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from accounts.enums import Role
from assessments.enums import AssessmentKind, AssessorRole, RequestState, SignedStatus
from assessments.models import Assessment, AssessmentRequest
from portfolio import queries
from tests.e2e.conftest import TIMEOUT_MS
from tests.factories import MembershipFactory, TraineeFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "forfragan-losenord"
PHONE = {"width": 390, "height": 844}
LINK_RE = re.compile(r"https?://[^/\s]+(/bedomning/[^/\s]+/)")
FEEDBACK = "Tydlig struktur och god kontakt med patienten."


def sv(msgid):
    with translation.override("sv"):
        return gettext(msgid)


@pytest.fixture
def trainee():
    unit = UnitFactory(name="Björkdalens hälsocentral")
    supervisor = UserFactory(username="handledare", name="Erik Holmström")
    MembershipFactory(user=supervisor, unit=unit, role=Role.SUPERVISOR)
    user = UserFactory(username="st", name="Sara Öberg", email="sara.oberg@example.se")
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return TraineeFactory(user=user, unit=unit, main_supervisor=supervisor)


def log_in(page, username):
    page.goto("/konto/logga-in/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("#main form[method=post] [type=submit]").click()
    page.wait_for_url("/")


def test_a_colleague_assesses_from_the_mailed_link_on_a_phone(trainee, page, browser, live_server):
    list_url = f"/st-lakare/{trainee.pk}/forfragningar/"
    goal = queries.trainee_goals(trainee).first()

    # The ST-läkare asks a colleague for a mini-CEX.
    log_in(page, "st")
    page.goto(f"{list_url}ny/")
    form = page.locator("#main form[method=post]")
    form.locator("select[name=kind]").select_option(AssessmentKind.MINI_CEX)
    form.locator("input[name=assessor_name]").fill("Greta Kollega")
    form.locator("input[name=assessor_email]").fill("greta.kollega@example.se")
    form.locator("select[name=assessor_role]").select_option(AssessorRole.SPECIALIST)
    form.locator("textarea[name=message]").fill("Patienten med yrsel i förmiddags")
    form.locator(f"input[name=goals][value='{goal.pk}']").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url(list_url)
    expect(page.locator("#main")).to_contain_text("Greta Kollega")
    request = AssessmentRequest.objects.get(trainee=trainee)
    assert request.state() == RequestState.OPEN

    (message,) = mail.outbox
    assert message.to == ["greta.kollega@example.se"]
    path = LINK_RE.search(message.body).group(1)

    # The colleague opens the link on a phone: a new browser, no login, no cookies.
    phone = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True, timezone_id="Europe/Stockholm"
    )
    phone.set_default_timeout(TIMEOUT_MS)
    try:
        assessor = phone.new_page()
        response = assessor.goto(path)
        assert response.status == 200
        assert response.headers["cache-control"] == "no-store"
        expect(assessor.locator("h1")).to_contain_text(str(AssessmentKind.MINI_CEX.label))
        expect(assessor.locator("#main")).to_contain_text("Sara Öberg")
        expect(assessor.locator("#main")).to_contain_text("Patienten med yrsel i förmiddags")
        expect(assessor.locator("a")).to_have_count(0)
        assert assessor.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        ratings = assessor.locator("select[name^=rating_]")
        assert ratings.count() > 0
        for index in range(ratings.count()):
            ratings.nth(index).select_option("6")
        assessor.locator("textarea[name=went_well]").fill(FEEDBACK)
        assessor.locator("textarea[name=to_develop]").fill("Sammanfatta planen tydligare.")
        expect(assessor.locator(f"input[name=goals][value='{goal.pk}']")).to_be_checked()
        assessor.locator("input[name=confirm]").check()
        assessor.locator("button[type=submit]").click()
        assessor.wait_for_url(path)
        expect(assessor.locator("h1")).to_have_text(sv("Thank you for your assessment"))
        expect(assessor.locator("form")).to_have_count(0)
    finally:
        phone.close()

    # The ST-läkare sees the request completed.
    page.goto(list_url)
    expect(page.locator(f"#request-{request.pk}")).to_contain_text(sv(str(RequestState.COMPLETED.label)))

    assessment = Assessment.objects.get(trainee=trainee)
    assert (assessment.status, assessment.assessor, assessment.assessor_name) == (
        SignedStatus.SIGNED,
        None,
        "Greta Kollega",
    )
    assert assessment.went_well == FEEDBACK
    assert list(assessment.goals.all()) == [goal]
    assert set(assessment.ratings.values()) == {6}
    request.refresh_from_db()
    assert request.assessment == assessment
