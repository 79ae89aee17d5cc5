"""The ST-läkare's week in a real browser: logs a handledning, starts and submits the IUP;
the studierektor returns it with a comment, and the ST-läkare sees the comment."""

import pytest
from playwright.sync_api import expect

from accounts.enums import Role
from accounts.models import AuditEvent
from portfolio.enums import PlanStatus
from portfolio.models import SupervisionMeeting, TrainingPlan
from tests.factories import MembershipFactory, TraineeFactory, UnitFactory, UserFactory

# Factories need the reference data from the migrations (regulations, curricula), which a
# transactional test's flush would remove: serialized_rollback restores it.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "iup-flode-losenord"


def _with_password(user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def trainee():
    unit = UnitFactory(name="Björkdalens hälsocentral")
    director = _with_password(UserFactory(username="studierektor", name="Karin Lindqvist"))
    MembershipFactory(user=director, unit=unit, role=Role.STUDY_DIRECTOR)
    supervisor = UserFactory(username="handledare", name="Erik Holmström")
    MembershipFactory(user=supervisor, unit=unit, role=Role.SUPERVISOR)
    return TraineeFactory(
        user=_with_password(UserFactory(username="st", name="Sara Öberg")),
        unit=unit,
        main_supervisor=supervisor,
        study_director=director,
    )


def log_in(page, username):
    page.goto("/konto/logga-in/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("#main form[method=post] [type=submit]").click()
    page.wait_for_url("/")


def log_out(page):
    page.locator(".user-menu form button[type=submit]").click()
    page.wait_for_url("/konto/logga-in/")


def open_iup_as_trainee(page, trainee):
    page.locator(f'#main a[href="/st-lakare/{trainee.pk}/"]').click()
    page.wait_for_url(f"/st-lakare/{trainee.pk}/")
    page.locator(f'nav.tabs a[href="/st-lakare/{trainee.pk}/iup/"]').click()
    page.wait_for_url(f"/st-lakare/{trainee.pk}/iup/")


def test_handledning_logged_iup_returned_with_a_comment_and_the_trainee_sees_it(trainee, page):
    iup_url = f"/st-lakare/{trainee.pk}/iup/"
    supervision_url = f"/st-lakare/{trainee.pk}/handledning/"

    # The ST-läkare logs this week's handledning.
    log_in(page, "st")
    page.locator(f'#main a[href="/st-lakare/{trainee.pk}/"]').click()
    page.locator(f'nav.tabs a[href="{supervision_url}"]').click()
    page.wait_for_url(supervision_url)
    page.locator(f'#main a[href="{supervision_url}ny/"]').first.click()
    page.wait_for_url(f"{supervision_url}ny/")
    page.locator("input[name=minutes]").fill("45")
    page.locator("input[name=topics]").fill("Multisjuk äldre patient")
    page.locator("#main form[method=post] button[type=submit]").click()
    page.wait_for_url(supervision_url)
    expect(page.get_by_role("table", name="Handledning, senaste först")).to_contain_text("Multisjuk äldre patient")
    meeting = SupervisionMeeting.objects.get(trainee=trainee)
    assert (meeting.minutes, meeting.supervisor, meeting.created_by) == (45, trainee.main_supervisor, trainee.user)
    page.goto("/")

    # The ST-läkare starts the IUP, writes the planned courses and submits it.
    open_iup_as_trainee(page, trainee)
    page.locator(f'#main form[action="{iup_url}ny/"] button[type=submit]').click()
    plan = TrainingPlan.objects.get(trainee=trainee)
    page.wait_for_url(f"{iup_url}{plan.pk}/andra/")
    page.locator("textarea[name=planned_courses]").fill("Konsultationskurs hösten 2026")
    page.locator("#main form[method=post] button[type=submit]").click()
    page.wait_for_url(f"{iup_url}{plan.pk}/")
    expect(page.locator("#main")).to_contain_text("Konsultationskurs hösten 2026")
    page.locator(f'#main form[action="{iup_url}{plan.pk}/skicka/"] button[type=submit]').click()
    page.wait_for_url(f"{iup_url}{plan.pk}/")
    expect(page.locator(f'#main form[action="{iup_url}{plan.pk}/skicka/"]')).to_have_count(0)
    plan.refresh_from_db()
    assert (plan.status, plan.planned_courses) == (PlanStatus.SUBMITTED, "Konsultationskurs hösten 2026")
    log_out(page)

    # The studierektor finds the ST-läkare in her list, opens the IUP and returns it.
    log_in(page, "studierektor")
    page.locator('#main a[href="/st-lakare/"]').first.click()
    page.wait_for_url("/st-lakare/")
    page.locator(f'#main table a[href="/st-lakare/{trainee.pk}/"]').click()
    page.locator(f'nav.tabs a[href="{iup_url}"]').click()
    page.wait_for_url(iup_url)
    page.locator(f'#main table a[href="{iup_url}{plan.pk}/"]').click()
    page.wait_for_url(f"{iup_url}{plan.pk}/")
    return_form = page.locator(f'#main form[action="{iup_url}{plan.pk}/returnera/"]')
    return_form.locator("textarea[name=comment]").fill("Lägg till kurser")
    return_form.locator("button[type=submit]").click()
    page.wait_for_url(f"{iup_url}{plan.pk}/")
    expect(page.locator("#main .note")).to_contain_text("Lägg till kurser")
    log_out(page)

    # The ST-läkare sees the comment on the IUP page.
    log_in(page, "st")
    open_iup_as_trainee(page, trainee)
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator("#main .note")).to_contain_text("Lägg till kurser")
    expect(page.locator("#main .note")).to_contain_text("Karin Lindqvist")

    plan.refresh_from_db()
    assert (plan.status, plan.decision_comment, plan.decided_by) == (
        PlanStatus.RETURNED,
        "Lägg till kurser",
        trainee.study_director,
    )
    events = AuditEvent.objects.filter(target_id=plan.pk, target_type__model="trainingplan").order_by("pk")
    assert [(event.action, event.actor.username) for event in events.workflow()] == [
        ("iup.started", "st"),
        ("iup.updated", "st"),
        ("iup.submitted", "st"),
        ("iup.returned", "studierektor"),
    ]
    # The record changes name the person who made them in the browser, too.
    changes = events.record_changes()
    assert changes.exists()
    assert {event.actor.username for event in changes} == {"st", "studierektor"}
