"""Åtgärdsplan: the workflow in assessments/action_plans.py, its pages per persona, and the
flag on the trainee list and the start page."""

from datetime import date, timedelta

import factory
import pytest
from django.contrib.messages import ERROR, get_messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from accounts.models import AuditEvent
from assessments import action_plans as domain
from assessments.models import ActionPlan, ActionPlanFollowUp
from portfolio.models import Trainee
from tests.assessments.factories import ActionPlanFactory
from tests.factories import MembershipFactory, TraineeFactory, UserFactory
from tests.portfolio.factories_activities import persona_user

pytestmark = pytest.mark.django_db

CONCERN = "Få dokumenterade kompetensvärderingar och oklar progression i c-delmålen."
NOTE = "Två mini-CEX gjorda sedan förra mötet; progressionen syns nu."
OUTCOME = "Kraven uppfylls; fortsatt fokus på c-delmålen i IUP:n."

READERS = ["owner", "supervisor", "second_specialist", "study_director", "unit_head", "region_admin", "national_admin"]
MANAGERS = ["supervisor", "study_director"]
READ_ONLY = ["owner", "second_specialist", "unit_head", "region_admin"]
OUTSIDERS = ["outsider", "other_supervisor", "other_study_director", "other_trainee", "other_region_admin"]


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionPlanFollowUp

    plan = factory.SubFactory(ActionPlanFactory)
    date = factory.LazyAttribute(lambda f: f.plan.opened_on + timedelta(days=14))
    note = NOTE


def today():
    return timezone.localdate()


def plan_fields(**overrides):
    fields = {
        "opened_on": today() - timedelta(days=10),
        "concern": "Svårt att hinna med journalföringen; riskerar delmål c3.",
        "iup_measures": "Kurs i journalföring läggs in i IUP:n.",
        "unit_measures": "Schemalagd administrativ tid två timmar i veckan.",
        "trainee_demands": "Journaler klara samma dag.",
        "responsible": "Huvudhandledaren följer upp varje vecka.",
        "follow_up_on": today() + timedelta(days=20),
    }
    fields.update(overrides)
    return fields


def post_data(**overrides):
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in plan_fields(**overrides).items()
    }


def events(plan):
    """(action, actor) of the audit events on `plan`, oldest first."""
    rows = AuditEvent.objects.workflow().filter(target_type__model="actionplan", target_id=plan.pk).order_by("pk")
    return [(event.action, event.actor) for event in rows]


def codes(error):
    """{field: [codes]} of a ValidationError raised by the domain."""
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def url(name, trainee, pk=None):
    args = [trainee.pk] if pk is None else [trainee.pk, pk]
    return reverse(name, args=args)


@pytest.fixture
def plan(trainee):
    """An open plan, opened a month ago, follow-up in a week."""
    return ActionPlanFactory(
        trainee=trainee,
        opened_on=today() - timedelta(days=30),
        follow_up_on=today() + timedelta(days=7),
        concern=CONCERN,
        iup_measures="Fler kompetensvärderingar.",
        created_by=trainee.main_supervisor,
    )


@pytest.fixture
def closed_plan(trainee):
    return ActionPlanFactory(
        trainee=trainee,
        opened_on=today() - timedelta(days=200),
        follow_up_on=today() - timedelta(days=100),
        closed_on=today() - timedelta(days=60),
        outcome=OUTCOME,
        concern="Tidigare oro för sidotjänstgöringen.",
    )


# --- the workflow ------------------------------------------------------------


def test_open_follow_up_and_close(trainee):
    supervisor, director = trainee.main_supervisor, trainee.study_director

    plan = domain.open_plan(trainee, by=supervisor, **plan_fields(concern="  Riskerar delmål c3.  "))
    assert (plan.concern, plan.created_by, plan.is_open) == ("Riskerar delmål c3.", supervisor, True)

    follow_up = domain.add_follow_up(
        plan, by=director, date=today(), note=f"  {NOTE} ", next_follow_up_on=today() + timedelta(days=30)
    )
    plan.refresh_from_db()
    assert (follow_up.note, follow_up.recorded_by, follow_up.plan) == (NOTE, director, plan)
    assert plan.follow_up_on == today() + timedelta(days=30)

    domain.close_plan(plan, by=supervisor, closed_on=today(), outcome=f" {OUTCOME} ")
    plan.refresh_from_db()
    assert (plan.closed_on, plan.outcome, plan.is_open) == (today(), OUTCOME, False)
    assert events(plan) == [
        ("action_plan.opened", supervisor),
        ("action_plan.followed_up", director),
        ("action_plan.closed", supervisor),
    ]
    closed = AuditEvent.objects.get(action="action_plan.closed", target_id=plan.pk)
    assert closed.data == {"closed_on": today().isoformat()}


def test_opened_on_defaults_to_today(trainee):
    fields = plan_fields()
    del fields["opened_on"]

    plan = domain.open_plan(trainee, by=trainee.study_director, **fields)

    assert plan.opened_on == today()


def test_a_follow_up_without_a_next_date_keeps_the_plans_date(plan):
    before = plan.follow_up_on

    domain.add_follow_up(plan, by=plan.trainee.main_supervisor, date=today(), note=NOTE)

    plan.refresh_from_db()
    assert plan.follow_up_on == before
    event = AuditEvent.objects.get(action="action_plan.followed_up", target_id=plan.pk)
    assert event.data["next_follow_up_on"] is None


def test_update_saves_only_what_changed_and_logs_it(plan):
    supervisor = plan.trainee.main_supervisor

    domain.update_plan(plan, by=supervisor, concern=CONCERN, responsible="Studierektorn")
    domain.update_plan(plan, by=supervisor, concern=CONCERN, responsible="Studierektorn")

    plan.refresh_from_db()
    assert (plan.concern, plan.responsible) == (CONCERN, "Studierektorn")
    assert events(plan) == [("action_plan.updated", supervisor)]
    assert AuditEvent.objects.get(action="action_plan.updated").data == {"fields": ["responsible"]}


def test_update_refuses_unknown_fields(plan):
    with pytest.raises(TypeError):
        domain.update_plan(plan, by=plan.trainee.main_supervisor, closed_on=today())


def test_a_study_director_of_the_unit_manages_plans(trainee, unit):
    director = UserFactory(username="studierektor-enhet", name="Maria Ek")
    MembershipFactory(user=director, unit=unit, role=Role.STUDY_DIRECTOR)

    plan = domain.open_plan(trainee, by=director, **plan_fields())
    domain.close_plan(plan, by=director, closed_on=today(), outcome=OUTCOME)

    assert events(plan) == [("action_plan.opened", director), ("action_plan.closed", director)]


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_may_do_everything(request, plan, persona):
    user = persona_user(request, persona)

    domain.update_plan(plan, by=user, responsible="Ny ansvarig")
    domain.add_follow_up(plan, by=user, date=today(), note=NOTE)
    domain.close_plan(plan, by=user, closed_on=today(), outcome=OUTCOME)
    other = domain.open_plan(plan.trainee, by=user, **plan_fields())

    plan.refresh_from_db()
    assert (plan.responsible, plan.follow_ups.count(), plan.closed_on) == ("Ny ansvarig", 1, today())
    assert other.is_open


@pytest.mark.parametrize("persona", ["owner", "unit_head", "second_specialist", "region_admin", "outsider"])
def test_everyone_else_is_refused_every_change(request, plan, persona):
    user = persona_user(request, persona)
    trainee = plan.trainee

    with pytest.raises(PermissionDenied):
        domain.open_plan(trainee, by=user, **plan_fields())
    with pytest.raises(PermissionDenied):
        domain.update_plan(plan, by=user, responsible="Ändrat")
    with pytest.raises(PermissionDenied):
        domain.add_follow_up(plan, by=user, date=today(), note=NOTE)
    with pytest.raises(PermissionDenied):
        domain.close_plan(plan, by=user, closed_on=today(), outcome=OUTCOME)

    plan.refresh_from_db()
    assert (ActionPlan.objects.count(), plan.responsible, plan.closed_on) == (
        1,
        "Huvudhandledaren och studierektorn",
        None,
    )
    assert ActionPlanFollowUp.objects.count() == 0
    assert events(plan) == []


@pytest.mark.parametrize(
    "change",
    [
        lambda plan, by: domain.update_plan(plan, by=by, responsible="Ändrat"),
        lambda plan, by: domain.add_follow_up(plan, by=by, date=today(), note=NOTE),
        lambda plan, by: domain.close_plan(plan, by=by, closed_on=today(), outcome="Igen"),
    ],
    ids=["update", "follow_up", "close_again"],
)
def test_a_closed_plan_is_final(closed_plan, change):
    before = ActionPlan.objects.values().get(pk=closed_plan.pk)

    with pytest.raises(ValidationError) as error:
        change(closed_plan, closed_plan.trainee.study_director)

    assert error.value.code == "closed"
    assert ActionPlan.objects.values().get(pk=closed_plan.pk) == before
    assert ActionPlanFollowUp.objects.count() == 0
    assert events(closed_plan) == []


def test_the_state_is_checked_on_the_stored_row(plan):
    """A stale copy that still looks open is refused once the stored plan is closed."""
    stale = ActionPlan.objects.get(pk=plan.pk)
    domain.close_plan(plan, by=plan.trainee.study_director, closed_on=today(), outcome=OUTCOME)

    with pytest.raises(ValidationError) as error:
        domain.update_plan(stale, by=plan.trainee.study_director, responsible="Ändrat")

    assert error.value.code == "closed"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (lambda: {"opened_on": today() + timedelta(days=1)}, {"opened_on": ["opened_in_future"]}),
        (lambda: {"follow_up_on": today() - timedelta(days=10)}, {"follow_up_on": ["follow_up_not_after_opened"]}),
        (lambda: {"follow_up_on": None}, {"follow_up_on": ["required"]}),
        (lambda: {"concern": "   ", "responsible": ""}, {"concern": ["required"], "responsible": ["required"]}),
        (
            lambda: {"iup_measures": "", "unit_measures": " ", "trainee_demands": ""},
            {NON_FIELD_ERRORS: ["measures_required"]},
        ),
    ],
    ids=["opened_in_future", "follow_up_before_opened", "no_follow_up", "blank_texts", "no_measure"],
)
def test_open_refuses_bad_input(trainee, overrides, expected):
    with pytest.raises(ValidationError) as error:
        domain.open_plan(trainee, by=trainee.main_supervisor, **plan_fields(**overrides()))

    assert codes(error.value) == expected
    assert ActionPlan.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="action_plan.").exists()


def test_update_cannot_move_the_opening_after_the_first_follow_up(plan):
    FollowUpFactory(plan=plan, date=today() - timedelta(days=20))

    with pytest.raises(ValidationError) as error:
        domain.update_plan(plan, by=plan.trainee.main_supervisor, opened_on=today() - timedelta(days=10))

    assert codes(error.value) == {"opened_on": ["opened_after_follow_up"]}
    plan.refresh_from_db()
    assert plan.opened_on == today() - timedelta(days=30)


@pytest.mark.parametrize(
    ("when", "note", "next_in", "expected"),
    [
        (1, NOTE, None, {"date": ["date_in_future"]}),
        (-31, NOTE, None, {"date": ["date_before_opened"]}),
        (0, NOTE, 0, {"next_follow_up_on": ["next_not_after_date"]}),
        (-5, NOTE, -6, {"next_follow_up_on": ["next_not_after_date"]}),
        (0, "  ", None, {"note": ["required"]}),
    ],
    ids=["future", "before_opened", "next_same_day", "next_before", "blank_note"],
)
def test_follow_up_refuses_bad_input(plan, when, note, next_in, expected):
    before = plan.follow_up_on
    next_date = None if next_in is None else today() + timedelta(days=next_in)

    with pytest.raises(ValidationError) as error:
        domain.add_follow_up(
            plan,
            by=plan.trainee.main_supervisor,
            date=today() + timedelta(days=when),
            note=note,
            next_follow_up_on=next_date,
        )

    assert codes(error.value) == expected
    plan.refresh_from_db()
    assert (plan.follow_up_on, plan.follow_ups.count(), events(plan)) == (before, 0, [])


@pytest.mark.parametrize(
    ("closed_in", "outcome", "expected"),
    [
        (1, OUTCOME, {"closed_on": ["closed_in_future"]}),
        (-31, OUTCOME, {"closed_on": ["closed_before_opened"]}),
        (0, " ", {"outcome": ["required"]}),
    ],
    ids=["future", "before_opened", "no_outcome"],
)
def test_close_refuses_bad_input(plan, closed_in, outcome, expected):
    with pytest.raises(ValidationError) as error:
        domain.close_plan(
            plan, by=plan.trainee.study_director, closed_on=today() + timedelta(days=closed_in), outcome=outcome
        )

    assert codes(error.value) == expected
    plan.refresh_from_db()
    assert (plan.closed_on, plan.outcome, events(plan)) == (None, "", [])


def test_the_flag_expression_finds_open_plans_only(trainee, other_trainee, closed_plan, unit):
    flagged = TraineeFactory(unit=unit)
    ActionPlanFactory(trainee=flagged)

    rows = Trainee.objects.annotate(flag=domain.has_open_action_plan()).values_list("pk", "flag")

    assert dict(rows) == {trainee.pk: False, other_trainee.pk: False, flagged.pk: True}
    by_plan = ActionPlan.objects.annotate(flag=domain.open_plan_exists("trainee_id")).values_list("pk", "flag")
    assert sorted(flag for _pk, flag in by_plan) == [False, True]


def test_overdue_means_open_with_a_passed_follow_up_date(plan, closed_plan):
    assert domain.is_overdue(plan) is False
    plan.follow_up_on = today() - timedelta(days=1)
    assert domain.is_overdue(plan) is True
    assert domain.is_overdue(closed_plan) is False


# --- the list page -------------------------------------------------------------


@pytest.mark.parametrize("persona", READERS)
def test_every_reader_sees_the_plans(client, request, plan, closed_plan, persona):
    client.force_login(persona_user(request, persona))

    response = client.get(url("action-plan-list", plan.trainee))

    assert response.status_code == 200
    assert response.context["open_plans"] == [plan]
    assert response.context["closed_plans"] == [closed_plan]
    content = response.content.decode()
    assert CONCERN in content
    assert url("action-plan-detail", plan.trainee, closed_plan.pk) in content
    may_manage = persona in MANAGERS
    assert response.context["can_manage"] is may_manage
    assert (url("action-plan-create", plan.trainee) in content) is may_manage


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize("name", ["action-plan-list", "action-plan-detail"])
def test_pages_are_404_for_outsiders(client, request, plan, persona, name):
    client.force_login(persona_user(request, persona))

    response = client.get(url(name, plan.trainee, plan.pk if name == "action-plan-detail" else None))

    assert response.status_code == 404
    assert CONCERN not in response.content.decode()


def test_open_plans_come_before_closed_ones(client, trainee, closed_plan, plan):
    older = ActionPlanFactory(trainee=trainee, opened_on=today() - timedelta(days=90), follow_up_on=today())
    client.force_login(trainee.study_director)

    response = client.get(url("action-plan-list", trainee))

    assert response.context["open_plans"] == [plan, older]
    content = response.content.decode()
    positions = [content.index(url("action-plan-detail", trainee, p.pk)) for p in (plan, older, closed_plan)]
    assert positions == sorted(positions)


def test_an_overdue_follow_up_is_marked_with_text_and_icon(client, trainee, plan, closed_plan):
    late = ActionPlanFactory(
        trainee=trainee, opened_on=today() - timedelta(days=60), follow_up_on=today() - timedelta(days=1)
    )
    client.force_login(trainee.main_supervisor)

    response = client.get(url("action-plan-list", trainee))

    overdue = {p.pk: p.overdue for p in response.context["open_plans"] + response.context["closed_plans"]}
    assert overdue == {plan.pk: False, late.pk: True, closed_plan.pk: False}
    content = response.content.decode()
    marker = '<span class="flag flag-error"><span aria-hidden="true">⚠</span>'
    assert content.count(marker) == 1
    heading = content[content.index(f'id="plan-{late.pk}"') :]
    assert heading.index(marker) < heading.index("</h3>")


@pytest.mark.parametrize("count", [1, 3])
def test_list_query_count_does_not_grow(client, django_assert_num_queries, trainee, count):
    for n in range(count):
        plan = ActionPlanFactory(trainee=trainee, opened_on=today() - timedelta(days=40 + n))
        FollowUpFactory(plan=plan)
        FollowUpFactory(plan=plan)
        ActionPlanFactory(trainee=trainee, closed_on=today(), outcome=OUTCOME)
    client.force_login(trainee.main_supervisor)

    # session, user, national-admin check, trainee, plans with opener and follow-up count
    with django_assert_num_queries(5):
        response = client.get(url("action-plan-list", trainee))

    assert len(response.context["open_plans"]) == len(response.context["closed_plans"]) == count
    assert [p.follow_up_count for p in response.context["open_plans"]] == [2] * count


def test_every_page_sends_anonymous_to_login(client, plan):
    for name in [
        "action-plan-list",
        "action-plan-create",
        "action-plan-detail",
        "action-plan-update",
        "action-plan-close",
    ]:
        response = client.get(
            url(name, plan.trainee, None if name in ("action-plan-list", "action-plan-create") else plan.pk)
        )
        assert response["Location"].startswith(reverse("login"))
    response = client.post(url("action-plan-follow-up", plan.trainee, plan.pk), {"date": today(), "note": NOTE})
    assert response["Location"].startswith(reverse("login"))
    assert ActionPlanFollowUp.objects.count() == 0


# --- one plan --------------------------------------------------------------------


@pytest.mark.parametrize("persona", READERS)
def test_every_reader_sees_a_plan_with_its_follow_ups(client, request, plan, persona):
    FollowUpFactory(plan=plan, date=today() - timedelta(days=3), recorded_by=plan.trainee.study_director)
    client.force_login(persona_user(request, persona))

    response = client.get(url("action-plan-detail", plan.trainee, plan.pk))

    content = response.content.decode()
    assert CONCERN in content
    assert NOTE in content
    assert "Karin Lindqvist" in content
    may_manage = persona in MANAGERS
    assert (response.context["follow_up_form"] is not None) is may_manage
    assert (url("action-plan-follow-up", plan.trainee, plan.pk) in content) is may_manage
    assert (url("action-plan-close", plan.trainee, plan.pk) in content) is may_manage
    assert (url("action-plan-update", plan.trainee, plan.pk) in content) is may_manage


def test_a_closed_plan_shows_its_outcome_and_no_actions(client, closed_plan):
    client.force_login(closed_plan.trainee.study_director)

    response = client.get(url("action-plan-detail", closed_plan.trainee, closed_plan.pk))

    content = response.content.decode()
    assert OUTCOME in content
    assert response.context["can_manage"] is False
    assert url("action-plan-follow-up", closed_plan.trainee, closed_plan.pk) not in content
    assert url("action-plan-close", closed_plan.trainee, closed_plan.pk) not in content


def test_a_plan_of_another_trainee_is_404_under_this_trainee(client, trainee, other_trainee):
    foreign = ActionPlanFactory(trainee=other_trainee, concern="Annan ST-läkares plan")
    client.force_login(trainee.study_director)

    response = client.get(url("action-plan-detail", trainee, foreign.pk))

    assert response.status_code == 404
    assert "Annan ST-läkares plan" not in response.content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_detail_query_count_does_not_grow(client, django_assert_num_queries, plan, count):
    for n in range(count):
        FollowUpFactory(plan=plan, date=today() - timedelta(days=n + 1), recorded_by=plan.trainee.study_director)
    client.force_login(plan.trainee.user)

    # session, user, national-admin check, trainee, plan, permission (studierektor of unit), follow-ups
    with django_assert_num_queries(7):
        response = client.get(url("action-plan-detail", plan.trainee, plan.pk))

    assert len(response.context["follow_ups"]) == count


# --- opening and changing ----------------------------------------------------------


@pytest.mark.parametrize("persona", MANAGERS)
def test_a_manager_opens_a_plan(client, request, trainee, persona):
    user = persona_user(request, persona)
    client.force_login(user)

    form = client.get(url("action-plan-create", trainee)).context["form"]
    response = client.post(url("action-plan-create", trainee), post_data())

    assert form["opened_on"].value() == today()
    plan = ActionPlan.objects.get(trainee=trainee)
    assert response["Location"] == url("action-plan-detail", trainee, plan.pk)
    assert (plan.concern, plan.follow_up_on, plan.created_by) == (
        "Svårt att hinna med journalföringen; riskerar delmål c3.",
        today() + timedelta(days=20),
        user,
    )
    assert events(plan) == [("action_plan.opened", user)]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        (lambda: {"follow_up_on": today() - timedelta(days=20)}, "follow_up_on", "follow_up_not_after_opened"),
        (lambda: {"opened_on": today() + timedelta(days=2)}, "opened_on", "opened_in_future"),
        (
            lambda: {"iup_measures": "", "unit_measures": "", "trainee_demands": ""},
            NON_FIELD_ERRORS,
            "measures_required",
        ),
        (lambda: {"concern": ""}, "concern", "required"),
        (lambda: {"follow_up_on": "2025-13-40"}, "follow_up_on", "invalid"),
    ],
    ids=["follow_up_before_opened", "opened_in_future", "no_measure", "no_concern", "not_a_date"],
)
def test_bad_input_when_opening_shows_the_error_and_saves_nothing(client, trainee, overrides, field, code):
    client.force_login(trainee.main_supervisor)

    response = client.post(url("action-plan-create", trainee), post_data(**overrides()))

    assert response.status_code == 200
    form = response.context["form"]
    assert [e.code for e in form.errors.as_data()[field]] == [code]
    content = response.content.decode()
    assert 'class="errorlist' in content
    assert "Huvudhandledaren följer upp varje vecka." in content  # what was typed is kept
    assert ActionPlan.objects.count() == 0


@pytest.mark.parametrize("persona", MANAGERS)
def test_a_manager_changes_an_open_plan(client, request, plan, persona):
    user = persona_user(request, persona)
    client.force_login(user)

    response = client.post(
        url("action-plan-update", plan.trainee, plan.pk), post_data(opened_on=plan.opened_on, concern="Ny beskrivning")
    )

    assert response["Location"] == url("action-plan-detail", plan.trainee, plan.pk)
    plan.refresh_from_db()
    assert (plan.concern, plan.unit_measures) == ("Ny beskrivning", "Schemalagd administrativ tid två timmar i veckan.")
    assert events(plan) == [("action_plan.updated", user)]


def test_bad_input_when_changing_keeps_the_plan(client, plan):
    client.force_login(plan.trainee.study_director)

    response = client.post(
        url("action-plan-update", plan.trainee, plan.pk),
        post_data(opened_on=plan.opened_on, concern="Ändrat", follow_up_on=plan.opened_on),
    )

    assert [e.code for e in response.context["form"].errors.as_data()["follow_up_on"]] == ["follow_up_not_after_opened"]
    plan.refresh_from_db()
    assert plan.concern == CONCERN


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_closed_plan_cannot_be_edited_through_the_page(client, closed_plan, method):
    client.force_login(closed_plan.trainee.study_director)
    before = ActionPlan.objects.values().get(pk=closed_plan.pk)

    response = getattr(client, method)(url("action-plan-update", closed_plan.trainee, closed_plan.pk), post_data())

    assert response["Location"] == url("action-plan-detail", closed_plan.trainee, closed_plan.pk)
    assert [m.level for m in get_messages(response.wsgi_request)] == [ERROR]
    assert ActionPlan.objects.values().get(pk=closed_plan.pk) == before


# --- follow-ups ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", MANAGERS)
def test_a_manager_records_a_follow_up(client, request, plan, persona):
    user = persona_user(request, persona)
    client.force_login(user)
    next_date = today() + timedelta(days=45)

    response = client.post(
        url("action-plan-follow-up", plan.trainee, plan.pk),
        {"date": today().isoformat(), "note": NOTE, "next_follow_up_on": next_date.isoformat()},
        follow=True,
    )

    follow_up = ActionPlanFollowUp.objects.get(plan=plan)
    assert (follow_up.date, follow_up.note, follow_up.recorded_by) == (today(), NOTE, user)
    plan.refresh_from_db()
    assert plan.follow_up_on == next_date
    assert response.redirect_chain == [(url("action-plan-detail", plan.trainee, plan.pk), 302)]
    assert NOTE in response.content.decode()


def test_a_follow_up_in_the_future_shows_the_error_and_keeps_the_text(client, plan):
    client.force_login(plan.trainee.main_supervisor)
    before = plan.follow_up_on

    response = client.post(
        url("action-plan-follow-up", plan.trainee, plan.pk),
        {"date": (today() + timedelta(days=3)).isoformat(), "note": "Skrivet i förväg", "next_follow_up_on": ""},
    )

    assert response.status_code == 200
    assert [e.code for e in response.context["follow_up_form"].errors.as_data()["date"]] == ["date_in_future"]
    assert "Skrivet i förväg" in response.content.decode()
    assert CONCERN in response.content.decode()
    plan.refresh_from_db()
    assert (plan.follow_ups.count(), plan.follow_up_on) == (0, before)


def test_a_follow_up_needs_a_note(client, plan):
    client.force_login(plan.trainee.main_supervisor)

    response = client.post(
        url("action-plan-follow-up", plan.trainee, plan.pk), {"date": today().isoformat(), "note": ""}
    )

    assert list(response.context["follow_up_form"].errors) == ["note"]
    assert ActionPlanFollowUp.objects.count() == 0


def test_follow_up_is_post_only(client, plan):
    client.force_login(plan.trainee.main_supervisor)

    response = client.get(url("action-plan-follow-up", plan.trainee, plan.pk))

    assert response.status_code == 405


def test_a_closed_plan_takes_no_follow_up_through_the_page(client, closed_plan):
    client.force_login(closed_plan.trainee.main_supervisor)

    response = client.post(
        url("action-plan-follow-up", closed_plan.trainee, closed_plan.pk), {"date": today().isoformat(), "note": NOTE}
    )

    assert response["Location"] == url("action-plan-detail", closed_plan.trainee, closed_plan.pk)
    assert ActionPlanFollowUp.objects.count() == 0


# --- closing ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", MANAGERS)
def test_a_manager_confirms_and_closes_a_plan(client, request, plan, persona):
    user = persona_user(request, persona)
    client.force_login(user)

    confirm = client.get(url("action-plan-close", plan.trainee, plan.pk))
    plan.refresh_from_db()
    assert plan.is_open
    assert confirm.context["form"]["closed_on"].value() == today()
    assert CONCERN in confirm.content.decode()
    assert 'class="note"' in confirm.content.decode()

    response = client.post(
        url("action-plan-close", plan.trainee, plan.pk), {"closed_on": today().isoformat(), "outcome": OUTCOME}
    )

    assert response["Location"] == url("action-plan-detail", plan.trainee, plan.pk)
    plan.refresh_from_db()
    assert (plan.closed_on, plan.outcome) == (today(), OUTCOME)
    assert events(plan) == [("action_plan.closed", user)]


@pytest.mark.parametrize(
    ("days", "outcome", "field", "code"),
    [
        (0, "", "outcome", "required"),
        (1, OUTCOME, "closed_on", "closed_in_future"),
        (-31, OUTCOME, "closed_on", "closed_before_opened"),
    ],
    ids=["no_outcome", "future", "before_opened"],
)
def test_bad_input_when_closing_shows_the_error_and_keeps_the_plan_open(client, plan, days, outcome, field, code):
    client.force_login(plan.trainee.study_director)
    data = {"closed_on": (today() + timedelta(days=days)).isoformat(), "outcome": outcome}

    response = client.post(url("action-plan-close", plan.trainee, plan.pk), data)

    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()[field]] == [code]
    plan.refresh_from_db()
    assert (plan.closed_on, plan.outcome) == (None, "")


def test_a_closed_plan_cannot_be_closed_again_through_the_page(client, closed_plan):
    client.force_login(closed_plan.trainee.study_director)

    response = client.post(
        url("action-plan-close", closed_plan.trainee, closed_plan.pk),
        {"closed_on": today().isoformat(), "outcome": "Igen"},
    )

    assert response["Location"] == url("action-plan-detail", closed_plan.trainee, closed_plan.pk)
    closed_plan.refresh_from_db()
    assert (closed_plan.closed_on, closed_plan.outcome) == (today() - timedelta(days=60), OUTCOME)


# --- who may write -----------------------------------------------------------------------

WRITES = [
    ("get", "action-plan-create"),
    ("post", "action-plan-create"),
    ("get", "action-plan-update"),
    ("post", "action-plan-update"),
    ("post", "action-plan-follow-up"),
    ("get", "action-plan-close"),
    ("post", "action-plan-close"),
]


def _write(client, plan, method, name):
    pk = None if name == "action-plan-create" else plan.pk
    data = post_data() | {
        "date": today().isoformat(),
        "note": NOTE,
        "closed_on": today().isoformat(),
        "outcome": OUTCOME,
    }
    return getattr(client, method)(url(name, plan.trainee, pk), data if method == "post" else None)


def _unchanged(plan):
    plan.refresh_from_db()
    assert (plan.concern, plan.closed_on, plan.follow_ups.count()) == (CONCERN, None, 0)
    assert ActionPlan.objects.count() == 1


@pytest.mark.parametrize("persona", READ_ONLY)
@pytest.mark.parametrize(("method", "name"), WRITES)
def test_writes_are_403_for_readers_who_may_not_manage(client, request, plan, persona, method, name):
    client.force_login(persona_user(request, persona))

    response = _write(client, plan, method, name)

    assert response.status_code == 403
    _unchanged(plan)


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize(("method", "name"), WRITES)
def test_writes_are_404_for_outsiders(client, request, plan, persona, method, name):
    client.force_login(persona_user(request, persona))

    response = _write(client, plan, method, name)

    assert response.status_code == 404
    assert CONCERN not in response.content.decode()
    _unchanged(plan)


# --- the flag on the trainee list and the start page -----------------------------------

FLAG = '<span aria-hidden="true">⚑</span> Åtgärdsplan'


@pytest.fixture
def flagged(trainee, unit):
    """The persona trainee with an open plan, and a trainee whose only plan is closed."""
    ActionPlanFactory(trainee=trainee)
    cleared = TraineeFactory(unit=unit, user=UserFactory(name="Olle Ceder"))
    ActionPlanFactory(trainee=cleared, closed_on=date(2025, 9, 1), outcome=OUTCOME)
    return trainee, cleared


def _row(content, name):
    start = content.index(name)
    return content[start : content.index("</tr>", start)]


def test_the_trainee_list_flags_open_plans_only(client, flagged, study_director):
    trainee, cleared = flagged
    client.force_login(study_director)

    response = client.get(reverse("trainee-list"))

    content = response.content.decode()
    flagged_row, cleared_row = _row(content, "Sara Öberg"), _row(content, "Olle Ceder")
    assert FLAG in flagged_row
    assert url("action-plan-list", trainee) in flagged_row
    assert FLAG not in cleared_row
    assert url("action-plan-list", cleared) not in cleared_row
    assert {row.pk: row.open_action_plan for row in response.context["table"].data} == {
        trainee.pk: True,
        cleared.pk: False,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", ["Sara Öberg"]),
        ("false", ["Bo Ahl", "Olle Ceder"]),
        ("", ["Bo Ahl", "Olle Ceder", "Sara Öberg"]),
    ],
)
def test_the_trainee_list_filters_on_open_plans(client, flagged, study_director, unit, value, expected):
    TraineeFactory(unit=unit, user=UserFactory(name="Bo Ahl"))  # no plan at all
    client.force_login(study_director)

    response = client.get(reverse("trainee-list"), {"open_action_plan": value})

    assert sorted(row.user.name for row in response.context["table"].data) == expected


def test_the_trainee_list_can_be_sorted_with_flagged_first(client, flagged, study_director):
    client.force_login(study_director)

    response = client.get(reverse("trainee-list"), {"sort": "action_plan"})

    assert [row.user.name for row in response.context["table"].data] == ["Sara Öberg", "Olle Ceder"]


@pytest.mark.parametrize("count", [1, 3])
def test_the_trainee_list_query_count_does_not_grow_with_flags(
    client, django_assert_num_queries, study_director, unit, count
):
    for _ in range(count):
        ActionPlanFactory(trainee=TraineeFactory(unit=unit))
    client.force_login(study_director)

    # session, user, national-admin check, unit filter choices, regulation choices, and the
    # page with its total (the figures' computation date is read from the page's rows)
    with django_assert_num_queries(6):
        response = client.get(reverse("trainee-list"), {"open_action_plan": "true"})

    assert len(response.context["table"].page.object_list) == count
    assert response.content.decode().count(FLAG) == count


def test_the_start_page_flags_supervised_trainees(client, flagged, supervisor):
    trainee, _cleared = flagged
    other = TraineeFactory(main_supervisor=supervisor, user=UserFactory(name="Ulla Berg"))
    client.force_login(supervisor)

    response = client.get(reverse("home"))

    content = response.content.decode()
    assert {t.pk: t.has_open_action_plan for t in response.context["supervised"]} == {trainee.pk: True, other.pk: False}
    assert content.count(FLAG) == 1
    assert url("action-plan-list", trainee) in content


def test_the_start_page_counts_flagged_trainees_per_unit(client, flagged, study_director, unit):
    ActionPlanFactory(trainee=TraineeFactory(unit=unit))
    client.force_login(study_director)

    response = client.get(reverse("home"))

    assert [(u.pk, u.trainee_count, u.open_action_plans) for u in response.context["led_units"]] == [(unit.pk, 3, 2)]
    assert f"{reverse('trainee-list')}?unit={unit.pk}&amp;open_action_plan=true" in response.content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_the_start_page_query_count_does_not_grow_with_flags(
    client, django_assert_num_queries, supervisor, unit, count
):
    for _ in range(count):
        ActionPlanFactory(trainee=TraineeFactory(unit=unit, main_supervisor=supervisor))
    client.force_login(supervisor)

    # session, user, own profile, the user's roles (a handledare: no led units, no regions to
    # read), supervised, intyg waiting for the user's signature
    with django_assert_num_queries(6):
        response = client.get(reverse("home"))

    assert response.content.decode().count(FLAG) == count
