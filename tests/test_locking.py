"""Two people editing one record: the IUP draft and the unit profile do not overwrite each other.

Each person has their own browser (a Client of their own); both open the edit form before either saves.
"""

from decimal import Decimal

import pytest
from django.contrib.messages import SUCCESS, get_messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts import locking
from accounts.models import AuditEvent
from contracts import units as unit_domain
from contracts.models import UnitProfile
from portfolio import iup
from portfolio.enums import PlanStatus
from portfolio.models import Goal, TrainingPlan
from tests.contracts.factories_units import UnitProfileFactory
from tests.portfolio.factories_plans import TrainingPlanFactory

pytestmark = pytest.mark.django_db

IUP_CONFLICT = "Någon annan sparade den här IUP-versionen medan du ändrade i den"
PROFILE_CONFLICT = "Någon annan sparade enhetsprofilen medan du ändrade i den"


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def goal_pks(trainee, *codes):
    return list(
        Goal.objects.filter(curriculum=trainee.curriculum, code__in=codes)
        .order_by("position")
        .values_list("pk", flat=True)
    )


def posted_plan(form, **changes):
    """What the browser sends back: the form as it was shown (hidden counter included), with the changes typed."""
    data = {name: form[name].value() for name in [*iup.CONTENT_FIELDS, "lock_version"]}
    data["goals"] = [str(pk) for pk in form["goals"].value()]
    data.update(changes)
    return {name: "" if value is None else value for name, value in data.items()}


def page(response):
    return response.content.decode()


# --- the shared helper -----------------------------------------------------------------------


def test_of_two_saves_read_at_the_same_counter_only_the_first_moves_it(trainee):
    plan = TrainingPlanFactory(trainee=trainee)
    first, second = TrainingPlan.objects.get(pk=plan.pk), TrainingPlan.objects.get(pk=plan.pk)
    error = ValidationError("stale", code=locking.STALE)

    with transaction.atomic():
        assert locking.advance(first, 1, field="lock_version", error=error) == 2
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        locking.advance(second, 1, field="lock_version", error=error)

    assert locking.is_stale(refused.value)
    assert (second.lock_version, TrainingPlan.objects.get(pk=plan.pk).lock_version) == (1, 2)


# --- the IUP draft -----------------------------------------------------------------------------


@pytest.fixture
def draft(trainee):
    plan = TrainingPlanFactory(trainee=trainee, status=PlanStatus.DRAFT, planned_courses="Konsultationskurs.")
    plan.goals.set(goal_pks(trainee, "a1"))
    return plan


def edit_url(plan):
    return reverse("plan-update", args=[plan.trainee_id, plan.pk])


def test_the_second_of_two_iup_editors_is_told_and_overwrites_nothing(trainee, draft):
    anna, erik = browser(trainee.user), browser(trainee.main_supervisor)
    anna_form = anna.get(edit_url(draft)).context["form"]
    erik_form = erik.get(edit_url(draft)).context["form"]
    assert anna_form["lock_version"].value() == erik_form["lock_version"].value() == 1

    saved = anna.post(
        edit_url(draft),
        posted_plan(
            anna_form, planned_courses="Konsultationskurs och BHV-kurs våren 2026.", goals=goal_pks(trainee, "a1", "b1")
        ),
    )
    refused = erik.post(
        edit_url(draft), posted_plan(erik_form, planned_courses="Ledarskapskurs.", self_study_hours_per_week="6")
    )

    assert saved.status_code == 302
    assert refused.status_code == 200
    assert IUP_CONFLICT in page(refused)
    stored = TrainingPlan.objects.get(pk=draft.pk)
    assert (stored.planned_courses, stored.self_study_hours_per_week, stored.lock_version, stored.updated_by) == (
        "Konsultationskurs och BHV-kurs våren 2026.",
        Decimal("4.0"),
        2,
        trainee.user,
    )
    assert list(stored.goals.order_by("position").values_list("pk", flat=True)) == goal_pks(trainee, "a1", "b1")
    assert [event.actor for event in AuditEvent.objects.filter(action="iup.updated")] == [trainee.user]
    # Erik's input is still in his form; what Anna saved is shown beside it, the differences marked.
    form = refused.context["form"]
    assert (form["planned_courses"].value(), form["self_study_hours_per_week"].value()) == ("Ledarskapskurs.", "6")
    assert refused.context["current"].planned_courses == "Konsultationskurs och BHV-kurs våren 2026."
    assert "Konsultationskurs och BHV-kurs våren 2026." in page(refused)
    assert trainee.user.name in page(refused)
    differs = {name for name, _label, _value, differ in refused.context["current_content"] if differ}
    assert differs == {"planned_courses", "self_study_hours_per_week"}
    assert refused.context["current_goals_differ"] is True
    assert not [m for m in get_messages(refused.wsgi_request) if m.level == SUCCESS]


def test_after_the_conflict_a_deliberate_second_save_goes_through(trainee, draft):
    anna, erik = browser(trainee.user), browser(trainee.main_supervisor)
    anna_form = anna.get(edit_url(draft)).context["form"]
    erik_form = erik.get(edit_url(draft)).context["form"]
    anna.post(edit_url(draft), posted_plan(anna_form, planned_courses="Annas kurser."))
    refused = erik.post(edit_url(draft), posted_plan(erik_form, planned_courses="Eriks kurser."))
    assert refused.context["form"]["lock_version"].value() == 2  # the counter of what he has now seen

    again = erik.post(edit_url(draft), posted_plan(refused.context["form"], planned_courses="Annas och Eriks kurser."))

    assert again.status_code == 302
    stored = TrainingPlan.objects.get(pk=draft.pk)
    assert (stored.planned_courses, stored.lock_version, stored.updated_by) == (
        "Annas och Eriks kurser.",
        3,
        trainee.main_supervisor,
    )


def test_one_editor_alone_saves_and_moves_the_counter_on(trainee, draft):
    anna = browser(trainee.user)
    form = anna.get(edit_url(draft)).context["form"]

    response = anna.post(edit_url(draft), posted_plan(form, assessment_plan="Mini-CEX varje månad."))

    assert response["Location"] == reverse("plan-detail", args=[trainee.pk, draft.pk])
    assert [m.level for m in get_messages(response.wsgi_request)] == [SUCCESS]
    stored = TrainingPlan.objects.get(pk=draft.pk)
    assert (stored.assessment_plan, stored.lock_version, stored.updated_by) == (
        "Mini-CEX varje månad.",
        2,
        trainee.user,
    )
    assert 'name="lock_version"' in page(anna.get(edit_url(draft)))


def test_an_edit_read_at_an_old_counter_is_refused_by_the_domain_too(trainee, draft):
    content = {name: getattr(draft, name) for name in iup.CONTENT_FIELDS}
    iup.update_plan(draft, by=trainee.user, goals=[], lock_version=1, **content | {"planned_courses": "Först."})
    stale = TrainingPlan.objects.get(pk=draft.pk)
    stale.lock_version = 1  # as read by the second editor, before the first one saved

    with pytest.raises(ValidationError) as error:
        iup.update_plan(stale, by=trainee.main_supervisor, goals=[], lock_version=1, **content)

    assert error.value.code == locking.STALE
    stored = TrainingPlan.objects.get(pk=draft.pk)
    assert (stored.planned_courses, stored.lock_version) == ("Först.", 2)


def test_saving_what_is_already_stored_overwrites_nobody_and_needs_no_current_counter(trainee, draft):
    content = {name: getattr(draft, name) for name in iup.CONTENT_FIELDS} | {"planned_courses": "Först."}
    goals = list(draft.goals.all())
    iup.update_plan(draft, by=trainee.user, goals=goals, lock_version=1, **content)

    iup.update_plan(draft, by=trainee.main_supervisor, goals=goals, lock_version=1, **content)

    stored = TrainingPlan.objects.get(pk=draft.pk)
    assert (stored.planned_courses, stored.lock_version, stored.updated_by) == ("Först.", 2, trainee.user)
    assert AuditEvent.objects.filter(action="iup.updated").count() == 1


def test_a_version_submitted_meanwhile_is_not_edited(trainee, draft):
    anna = browser(trainee.user)
    form = anna.get(edit_url(draft)).context["form"]
    iup.submit_plan(draft, by=trainee.main_supervisor)

    response = anna.post(edit_url(draft), posted_plan(form, planned_courses="Efter inlämning."))

    assert response.status_code == 302
    stored = TrainingPlan.objects.get(pk=draft.pk)
    assert (stored.status, stored.planned_courses) == (PlanStatus.SUBMITTED, "Konsultationskurs.")


# --- the unit profile --------------------------------------------------------------------------


def profile_url(unit):
    return reverse("unit-profile-edit", args=[unit.pk])


def posted_profile(form, **changes):
    data = {name: form[name].value() for name in [*unit_domain.PROFILE_FIELDS, "version"]}
    data.update(changes)
    # A checkbox that is not ticked is not sent at all.
    return {name: ("on" if value is True else value) for name, value in data.items() if value not in (False, None)}


def test_the_second_of_two_profile_editors_is_told_and_overwrites_nothing(unit, unit_head, study_director):
    UnitProfileFactory(unit=unit, listed_patients=9000, on_call=False, notes="")
    chef, director = browser(unit_head), browser(study_director)
    chef_form = chef.get(profile_url(unit)).context["form"]
    director_form = director.get(profile_url(unit)).context["form"]

    saved = chef.post(profile_url(unit), posted_profile(chef_form, listed_patients="9400", on_call=True))
    refused = director.post(profile_url(unit), posted_profile(director_form, notes="BVC två dagar i veckan."))

    assert saved.status_code == 302
    assert refused.status_code == 200
    assert PROFILE_CONFLICT in page(refused)
    stored = UnitProfile.objects.get(unit=unit)
    assert (stored.listed_patients, stored.on_call, stored.notes, stored.version, stored.updated_by) == (
        9400,
        True,
        "",
        2,
        unit_head,
    )
    assert refused.context["form"]["notes"].value() == "BVC två dagar i veckan."
    assert refused.context["form"]["version"].value() == 2
    assert refused.context["current"].listed_patients == 9400
    assert unit_head.name in page(refused)

    again = director.post(profile_url(unit), posted_profile(refused.context["form"]))

    assert again.status_code == 302
    stored.refresh_from_db()
    assert (stored.listed_patients, stored.notes, stored.version) == (9000, "BVC två dagar i veckan.", 3)
