"""IUP: the workflow in portfolio/iup.py, when the next version is due, and the pages with their permissions."""

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.messages import ERROR, SUCCESS, get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext

from accounts.domain import policy_for
from accounts.enums import Role
from accounts.models import AuditEvent, RegionPolicy
from portfolio import iup
from portfolio.enums import CurriculumKind, PlanStatus, RegulationCode
from portfolio.models import FrozenRecordError, Goal, TrainingPlan
from tests.factories import MembershipFactory, TraineeFactory, UserFactory, regulation
from tests.portfolio.factories_plans import TrainingPlanFactory, at, plan_history

pytestmark = pytest.mark.django_db


def goals(trainee, *codes):
    found = {goal.code: goal for goal in Goal.objects.filter(curriculum=trainee.curriculum, code__in=codes)}
    return [found[code] for code in codes]


def events(plan):
    """(action, actor) of the audit events on `plan`, oldest first."""
    rows = AuditEvent.objects.workflow().filter(target_type__model="trainingplan", target_id=plan.pk).order_by("pk")
    return [(event.action, event.actor) for event in rows]


@pytest.fixture
def unit_study_director(unit):
    """A studierektor of the trainee's unit who is not the trainee's named studierektor."""
    user = UserFactory(username="studierektor-enhet", name="Lena Sjöberg")
    MembershipFactory(user=user, unit=unit, role=Role.STUDY_DIRECTOR)
    return user


# --- the workflow ------------------------------------------------------------


def test_whole_workflow_from_start_to_revision(trainee, unit_study_director):
    owner, supervisor, director = trainee.user, trainee.main_supervisor, trainee.study_director

    plan = iup.start_plan(trainee, by=owner)
    iup.update_plan(
        plan,
        by=owner,
        goals=goals(trainee, "a1", "b1"),
        lock_version=plan.lock_version,
        **{name: getattr(plan, name) for name in iup.CONTENT_FIELDS} | {"planned_courses": "Konsultationskurs"},
    )
    iup.submit_plan(plan, by=owner)
    iup.return_plan(plan, by=director, comment="  Lägg till kurser  ")
    assert (plan.status, plan.decision_comment, plan.decided_by) == (PlanStatus.RETURNED, "Lägg till kurser", director)
    iup.submit_plan(plan, by=supervisor)
    iup.approve_plan(plan, by=unit_study_director, comment="Bra plan.")
    revision = iup.start_revision(plan, by=supervisor)

    plan.refresh_from_db()
    assert (plan.version, plan.status, plan.decided_by, plan.decision_comment) == (
        1,
        PlanStatus.APPROVED,
        unit_study_director,
        "Bra plan.",
    )
    assert plan.submitted_at is not None
    assert plan.decided_at >= plan.submitted_at
    assert (revision.version, revision.status, revision.based_on, revision.created_by) == (
        2,
        PlanStatus.DRAFT,
        plan,
        supervisor,
    )
    assert events(plan) == [
        ("iup.started", owner),
        ("iup.updated", owner),
        ("iup.submitted", owner),
        ("iup.returned", director),
        ("iup.submitted", supervisor),
        ("iup.approved", unit_study_director),
    ]
    assert events(revision) == [("iup.revision_started", supervisor)]
    returned = AuditEvent.objects.get(action="iup.returned")
    assert returned.data == {"version": 1, "comment": "Lägg till kurser"}


def test_start_plan_makes_version_one_draft(trainee):
    plan = iup.start_plan(trainee, by=trainee.main_supervisor)

    assert TrainingPlan.objects.get(trainee=trainee) == plan
    assert (plan.version, plan.status, plan.created_by, plan.based_on) == (
        1,
        PlanStatus.DRAFT,
        trainee.main_supervisor,
        None,
    )


def test_start_plan_refused_when_a_version_exists(trainee):
    TrainingPlanFactory(trainee=trainee)

    with pytest.raises(ValidationError) as error:
        iup.start_plan(trainee, by=trainee.user)

    assert error.value.code == "plan_exists"
    assert trainee.plans.count() == 1


WRONG_STATES = [
    ("submit", PlanStatus.SUBMITTED, "not_submittable"),
    ("submit", PlanStatus.APPROVED, "not_submittable"),
    ("approve", PlanStatus.DRAFT, "not_submitted"),
    ("approve", PlanStatus.RETURNED, "not_submitted"),
    ("approve", PlanStatus.APPROVED, "not_submitted"),
    ("return", PlanStatus.DRAFT, "not_submitted"),
    ("return", PlanStatus.RETURNED, "not_submitted"),
    ("return", PlanStatus.APPROVED, "not_submitted"),
    ("revise", PlanStatus.DRAFT, "not_approved"),
    ("revise", PlanStatus.SUBMITTED, "not_approved"),
    ("revise", PlanStatus.RETURNED, "not_approved"),
    ("update", PlanStatus.SUBMITTED, "not_editable"),
    ("update", PlanStatus.APPROVED, "not_editable"),
]


def run_transition(action, plan, trainee):
    director, owner = trainee.study_director, trainee.user
    return {
        "submit": lambda: iup.submit_plan(plan, by=owner),
        "approve": lambda: iup.approve_plan(plan, by=director),
        "return": lambda: iup.return_plan(plan, by=director, comment="Mer kurser"),
        "revise": lambda: iup.start_revision(plan, by=owner),
        "update": lambda: iup.update_plan(plan, by=owner, goals=[], lock_version=1, planned_courses="Ändrat"),
    }[action]()


@pytest.mark.parametrize(("action", "status", "code"), WRONG_STATES)
def test_transition_refused_in_wrong_state(trainee, action, status, code):
    plan = TrainingPlanFactory(trainee=trainee, status=status)

    with pytest.raises(ValidationError) as error:
        run_transition(action, plan, trainee)

    assert error.value.code == code
    stored = TrainingPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.planned_courses) == (status, plan.planned_courses)
    assert trainee.plans.count() == 1
    assert events(plan) == []


@pytest.mark.parametrize(
    ("action", "status", "actor"),
    [
        ("approve", PlanStatus.SUBMITTED, "owner"),
        ("return", PlanStatus.SUBMITTED, "supervisor"),
        ("submit", PlanStatus.DRAFT, "study_director"),
        ("submit", PlanStatus.DRAFT, "unit_head"),
        ("update", PlanStatus.DRAFT, "second_specialist"),
        ("revise", PlanStatus.APPROVED, "study_director"),
    ],
)
def test_transition_refused_without_permission(trainee, unit_head, action, status, actor):
    plan = TrainingPlanFactory(trainee=trainee, status=status)
    user = {
        "owner": trainee.user,
        "supervisor": trainee.main_supervisor,
        "study_director": trainee.study_director,
        "unit_head": unit_head,
        "second_specialist": trainee.second_specialist,
    }[actor]
    by = {"by": user}

    with pytest.raises(PermissionDenied):
        {
            "approve": lambda: iup.approve_plan(plan, **by),
            "return": lambda: iup.return_plan(plan, comment="x", **by),
            "submit": lambda: iup.submit_plan(plan, **by),
            "update": lambda: iup.update_plan(plan, goals=[], lock_version=1, planned_courses="x", **by),
            "revise": lambda: iup.start_revision(plan, **by),
        }[action]()

    assert TrainingPlan.objects.get(pk=plan.pk).status == status
    assert trainee.plans.count() == 1
    assert events(plan) == []


@pytest.mark.parametrize("comment", ["", "   \n ", None])
def test_return_requires_a_comment(trainee, comment):
    plan = TrainingPlanFactory(trainee=trainee, status=PlanStatus.SUBMITTED)

    with pytest.raises(ValidationError) as error:
        iup.return_plan(plan, by=trainee.study_director, comment=comment)

    assert error.value.code == "comment_required"
    stored = TrainingPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.decided_by) == (PlanStatus.SUBMITTED, None)


def test_approved_plan_cannot_be_saved_or_deleted(trainee):
    plan = TrainingPlanFactory(trainee=trainee, status=PlanStatus.SUBMITTED)
    iup.approve_plan(plan, by=trainee.study_director)

    plan.planned_courses = "Ändrat i efterhand"
    with pytest.raises(FrozenRecordError):
        plan.save()
    with pytest.raises(FrozenRecordError):
        plan.save(update_fields=["planned_courses"])
    with pytest.raises(FrozenRecordError):
        plan.delete()

    stored = TrainingPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.planned_courses) == (PlanStatus.APPROVED, "Konsultationskurs, BHV-kurs.")


def test_start_revision_copies_content_and_goals(trainee):
    chosen = goals(trainee, "a1", "b3", "c14")
    plan = TrainingPlanFactory(
        trainee=trainee,
        status=PlanStatus.APPROVED,
        decided_at=at(2024, 3, 10),
        decided_by=trainee.study_director,
        internal_activities="ST-träffar varannan vecka",
        external_activities="Allmänmedicinska kongressen",
        self_study_hours_per_week=Decimal("4.5"),
        assessment_plan="Mini-CEX varje månad",
        goals=chosen,
    )

    revision = iup.start_revision(plan, by=trainee.user)

    revision.refresh_from_db()
    assert (revision.version, revision.based_on_id, revision.status) == (2, plan.pk, PlanStatus.DRAFT)
    assert {name: getattr(revision, name) for name in iup.CONTENT_FIELDS} == {
        name: getattr(plan, name) for name in iup.CONTENT_FIELDS
    }
    assert list(revision.goals.order_by("position")) == chosen
    assert (revision.submitted_at, revision.decided_at, revision.decided_by, revision.decision_comment) == (
        None,
        None,
        None,
        "",
    )
    # The approved version is untouched.
    assert list(TrainingPlan.objects.get(pk=plan.pk).goals.order_by("position")) == chosen


def test_start_revision_refused_while_a_version_is_open(trainee):
    approved, _draft = plan_history(trainee, 2, decided_by=trainee.study_director)

    with pytest.raises(ValidationError) as error:
        iup.start_revision(approved, by=trainee.user)

    assert error.value.code == "open_version_exists"
    assert trainee.plans.count() == 2


def test_start_revision_only_from_the_latest_version(trainee):
    first, second, _third = plan_history(trainee, 3, decided_by=trainee.study_director)
    second_draft = TrainingPlan.objects.get(version=3)
    second_draft.delete()  # a draft may be deleted; now v1 and v2 are both approved

    with pytest.raises(ValidationError) as error:
        iup.start_revision(first, by=trainee.user)

    assert error.value.code == "not_latest"
    assert sorted(trainee.plans.values_list("version", flat=True)) == [1, 2]
    assert iup.start_revision(second, by=trainee.user).version == 3


def test_update_plan_saves_only_content_and_records_what_changed(trainee):
    plan = TrainingPlanFactory(trainee=trainee, goals=goals(trainee, "a1"))

    iup.update_plan(
        plan,
        by=trainee.main_supervisor,
        goals=goals(trainee, "a2"),
        lock_version=plan.lock_version,
        **{name: getattr(plan, name) for name in iup.CONTENT_FIELDS} | {"assessment_plan": "DOPS varje kvartal"},
    )

    stored = TrainingPlan.objects.get(pk=plan.pk)
    assert stored.assessment_plan == "DOPS varje kvartal"
    assert list(stored.goals.all()) == goals(trainee, "a2")
    event = AuditEvent.objects.get(action="iup.updated")
    assert (event.actor, event.data["fields"]) == (trainee.main_supervisor, ["assessment_plan"])
    assert (event.data["goals_added"], event.data["goals_removed"]) == (
        [goals(trainee, "a2")[0].pk],
        [goals(trainee, "a1")[0].pk],
    )


def test_update_plan_rejects_fields_that_are_not_content(trainee):
    plan = TrainingPlanFactory(trainee=trainee)

    with pytest.raises(TypeError):
        iup.update_plan(plan, by=trainee.user, goals=[], lock_version=1, status=PlanStatus.APPROVED)

    assert TrainingPlan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT


# --- when the next version is due (pure: unsaved objects, no queries) ---------

POLICY = RegionPolicy(iup_deadline_months=6, iup_revision_months=[1, 5, 9])


def hand_made(status, decided_at=None):
    return TrainingPlan(status=status, decided_at=decided_at)


def trainee_starting(day):
    return SimpleNamespace(st_start=day)


def test_iup_due_without_any_version(django_assert_num_queries):
    with django_assert_num_queries(0):
        due = iup.iup_due(trainee_starting(date(2024, 1, 15)), [], POLICY, today=date(2024, 7, 15))

    assert due == iup.IupDue(due=date(2024, 7, 15), kind=iup.FIRST, overdue=False)


def test_iup_due_first_overdue_while_only_submitted():
    plans = [hand_made(PlanStatus.SUBMITTED)]

    due = iup.iup_due(trainee_starting(date(2024, 1, 15)), plans, POLICY, today=date(2024, 7, 16))

    assert due == iup.IupDue(due=date(2024, 7, 15), kind=iup.FIRST, overdue=True)


def test_iup_due_first_clamps_to_end_of_month():
    due = iup.iup_due(trainee_starting(date(2023, 8, 31)), [], POLICY, today=date(2023, 9, 1))

    assert due.due == date(2024, 2, 29)


def test_iup_due_uses_the_regions_deadline():
    policy = RegionPolicy(iup_deadline_months=3, iup_revision_months=[1, 5, 9])

    due = iup.iup_due(trainee_starting(date(2024, 11, 30)), [], policy, today=date(2024, 12, 1))

    assert due.due == date(2025, 2, 28)


def test_iup_due_after_approval_in_march_is_end_of_may():
    plans = [hand_made(PlanStatus.APPROVED, at(2024, 3, 12))]

    due = iup.iup_due(trainee_starting(date(2023, 9, 1)), plans, POLICY, today=date(2024, 5, 31))

    assert due == iup.IupDue(due=date(2024, 5, 31), kind=iup.REVISION, overdue=False)


def test_iup_due_after_approval_in_december_is_end_of_january_next_year():
    plans = [hand_made(PlanStatus.APPROVED, at(2024, 12, 3))]

    due = iup.iup_due(trainee_starting(date(2023, 9, 1)), plans, POLICY, today=date(2025, 2, 1))

    assert due == iup.IupDue(due=date(2025, 1, 31), kind=iup.REVISION, overdue=True)


def test_iup_due_approval_in_a_revision_month_counts_as_that_revision():
    plans = [hand_made(PlanStatus.APPROVED, at(2024, 5, 20))]

    due = iup.iup_due(trainee_starting(date(2023, 9, 1)), plans, POLICY, today=date(2024, 6, 1))

    assert due.due == date(2024, 9, 30)


def test_iup_due_reads_the_approval_date_in_swedish_time():
    # 22:30 UTC on 31 August is already 1 September in Stockholm: the next revision is January.
    plans = [hand_made(PlanStatus.APPROVED, datetime(2024, 8, 31, 22, 30, tzinfo=UTC))]

    due = iup.iup_due(trainee_starting(date(2023, 9, 1)), plans, POLICY, today=date(2024, 9, 2))

    assert due.due == date(2025, 1, 31)


def test_iup_due_counts_from_the_latest_approval_and_ignores_an_open_draft():
    plans = [
        hand_made(PlanStatus.DRAFT),
        hand_made(PlanStatus.APPROVED, at(2024, 9, 5)),
        hand_made(PlanStatus.APPROVED, at(2024, 1, 20)),
    ]

    due = iup.iup_due(trainee_starting(date(2023, 9, 1)), plans, POLICY, today=date(2024, 10, 1))

    assert due == iup.IupDue(due=date(2025, 1, 31), kind=iup.REVISION, overdue=False)


def test_iup_due_without_revision_months_has_no_date():
    policy = RegionPolicy(iup_deadline_months=6, iup_revision_months=[])
    plans = [hand_made(PlanStatus.APPROVED, at(2024, 3, 1))]

    due = iup.iup_due(trainee_starting(date(2023, 9, 1)), plans, policy, today=date(2030, 1, 1))

    assert due == iup.IupDue(due=None, kind=iup.REVISION, overdue=False)


# --- pages: who may read ------------------------------------------------------

READERS = ["owner", "supervisor", "second_specialist", "study_director", "unit_study_director", "unit_head"]
OUTSIDERS = ["outsider", "other_study_director", "other_supervisor", "other_trainee"]


@pytest.fixture
def people(trainee, other_trainee, unit_head, unit_study_director, other_study_director, outsider):
    return {
        "owner": trainee.user,
        "supervisor": trainee.main_supervisor,
        "second_specialist": trainee.second_specialist,
        "study_director": trainee.study_director,
        "unit_study_director": unit_study_director,
        "unit_head": unit_head,
        "outsider": outsider,
        "other_study_director": other_study_director,
        "other_supervisor": other_trainee.main_supervisor,
        "other_trainee": other_trainee.user,
    }


@pytest.fixture
def returned_history(trainee):
    """v1 approved, v2 returned with a comment that must not leak."""
    first = TrainingPlanFactory(
        trainee=trainee,
        status=PlanStatus.APPROVED,
        submitted_at=at(2024, 1, 10),
        decided_at=at(2024, 1, 20),
        decided_by=trainee.study_director,
        planned_courses="Hemlig kursplan",
        goals=goals(trainee, "a1"),
    )
    second = TrainingPlanFactory(
        trainee=trainee,
        version=2,
        based_on=first,
        status=PlanStatus.RETURNED,
        submitted_at=at(2024, 5, 10),
        decided_at=at(2024, 5, 12),
        decided_by=trainee.study_director,
        decision_comment="Lägg till kurser",
        planned_courses="Hemlig kursplan, reviderad",
        goals=goals(trainee, "a1", "b1"),
    )
    return first, second


def read_urls(trainee, plans):
    _first, second = plans
    return {
        "plan-list": reverse("plan-list", args=[trainee.pk]),
        "plan-detail": reverse("plan-detail", args=[trainee.pk, second.pk]),
        "plan-compare": reverse("plan-compare", args=[trainee.pk]),
    }


@pytest.mark.parametrize("page", ["plan-list", "plan-detail", "plan-compare"])
@pytest.mark.parametrize("persona", READERS)
def test_iup_pages_readable_by_people_around_the_trainee(client, people, trainee, returned_history, page, persona):
    client.force_login(people[persona])

    response = client.get(read_urls(trainee, returned_history)[page])

    assert response.status_code == 200
    assert response.context["trainee"] == trainee
    content = response.content.decode()
    assert "Lägg till kurser" in content or page == "plan-compare"
    assert "Hemlig kursplan" in content or page == "plan-list"


@pytest.mark.parametrize("page", ["plan-list", "plan-detail", "plan-compare"])
@pytest.mark.parametrize("persona", OUTSIDERS)
def test_iup_pages_are_404_for_outsiders(client, people, trainee, returned_history, page, persona):
    client.force_login(people[persona])

    response = client.get(read_urls(trainee, returned_history)[page])

    assert response.status_code == 404
    content = response.content.decode()
    for secret in ["Sara Öberg", "Lägg till kurser", "Hemlig kursplan"]:
        assert secret not in content


@pytest.mark.parametrize("page", ["plan-list", "plan-detail", "plan-compare"])
def test_iup_pages_send_anonymous_to_login(client, trainee, returned_history, page):
    response = client.get(read_urls(trainee, returned_history)[page])

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_plan_detail_of_another_trainees_plan_is_404(client, trainee, other_trainee):
    foreign = TrainingPlanFactory(trainee=other_trainee, planned_courses="Annans plan")
    client.force_login(trainee.study_director)

    response = client.get(reverse("plan-detail", args=[trainee.pk, foreign.pk]))

    assert response.status_code == 404
    assert "Annans plan" not in response.content.decode()


# --- pages: who may act -------------------------------------------------------


def plan_in(trainee, status):
    extra = {}
    if status == PlanStatus.APPROVED:
        extra = {"decided_at": at(2024, 3, 1), "decided_by": trainee.study_director}
    return TrainingPlanFactory(trainee=trainee, status=status, **extra)


def form_data(plan, **changes):
    data = {name: getattr(plan, name) for name in iup.CONTENT_FIELDS}
    data["goals"] = [goal.pk for goal in plan.goals.all()]
    data["lock_version"] = plan.lock_version
    data.update(changes)
    return data


ACTIONS = {
    # action: (status before, url name, POST data, status after when allowed)
    "submit": (PlanStatus.DRAFT, "plan-submit", {}, PlanStatus.SUBMITTED),
    "approve": (PlanStatus.SUBMITTED, "plan-approve", {"comment": ""}, PlanStatus.APPROVED),
    "return": (PlanStatus.SUBMITTED, "plan-return", {"comment": "Lägg till kurser"}, PlanStatus.RETURNED),
    "update": (PlanStatus.DRAFT, "plan-update", None, PlanStatus.DRAFT),
    "revise": (PlanStatus.APPROVED, "plan-revise", {}, PlanStatus.APPROVED),
}
EDITORS = {"owner", "supervisor"}
DECIDERS = {"study_director", "unit_study_director"}


def expected_outcome(action, persona):
    if persona in OUTSIDERS:
        return 404
    allowed = DECIDERS if action in {"approve", "return"} else EDITORS
    return "ok" if persona in allowed else 403


@pytest.mark.parametrize("persona", READERS + OUTSIDERS)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_plan_actions_by_role(client, people, trainee, action, persona):
    before, url_name, data, after = ACTIONS[action]
    plan = plan_in(trainee, before)
    if data is None:
        data = form_data(plan, planned_courses="Ändrade kurser")
    client.force_login(people[persona])

    response = client.post(reverse(url_name, args=[trainee.pk, plan.pk]), data)

    stored = TrainingPlan.objects.get(pk=plan.pk)
    outcome = expected_outcome(action, persona)
    if outcome == "ok":
        assert response.status_code == 302
        assert stored.status == after
        assert [m.level for m in get_messages(response.wsgi_request)] == [SUCCESS]
        if action == "update":
            assert stored.planned_courses == "Ändrade kurser"
        if action == "revise":
            assert trainee.plans.get(version=2).created_by == people[persona]
        else:
            assert events(plan)[-1][1] == people[persona]
    else:
        assert response.status_code == outcome
        assert (stored.status, stored.planned_courses) == (before, plan.planned_courses)
        assert trainee.plans.count() == 1
        assert events(plan) == []
        assert "Sara Öberg" not in response.content.decode() or outcome == 403


@pytest.mark.parametrize("action", list(ACTIONS))
def test_plan_actions_send_anonymous_to_login(client, trainee, action):
    before, url_name, data, _after = ACTIONS[action]
    plan = plan_in(trainee, before)

    response = client.post(reverse(url_name, args=[trainee.pk, plan.pk]), data or form_data(plan))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert TrainingPlan.objects.get(pk=plan.pk).status == before
    assert events(plan) == []


@pytest.mark.parametrize("persona", READERS + OUTSIDERS)
def test_start_iup_by_role(client, people, trainee, persona):
    client.force_login(people[persona])

    response = client.post(reverse("plan-start", args=[trainee.pk]))

    if persona in EDITORS:
        plan = trainee.plans.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("plan-update", args=[trainee.pk, plan.pk])
        assert (plan.version, plan.status, plan.created_by) == (1, PlanStatus.DRAFT, people[persona])
    else:
        assert response.status_code == (404 if persona in OUTSIDERS else 403)
        assert not trainee.plans.exists()


def test_start_iup_is_post_only(client, trainee):
    client.force_login(trainee.user)

    response = client.get(reverse("plan-start", args=[trainee.pk]))

    assert response.status_code == 405
    assert not trainee.plans.exists()


def test_start_iup_sends_anonymous_to_login(client, trainee):
    response = client.post(reverse("plan-start", args=[trainee.pk]))

    assert response["Location"].startswith(reverse("login"))
    assert not trainee.plans.exists()


def test_start_iup_twice_is_a_message_not_an_error(client, trainee):
    TrainingPlanFactory(trainee=trainee)
    client.force_login(trainee.user)

    response = client.post(reverse("plan-start", args=[trainee.pk]))

    assert response["Location"] == reverse("plan-list", args=[trainee.pk])
    assert [m.level for m in get_messages(response.wsgi_request)] == [ERROR]
    assert trainee.plans.count() == 1


@pytest.mark.parametrize("persona", ["study_director", "unit_head", "second_specialist"])
def test_edit_form_is_403_for_readers(client, people, trainee, persona):
    plan = plan_in(trainee, PlanStatus.DRAFT)
    client.force_login(people[persona])

    response = client.get(reverse("plan-update", args=[trainee.pk, plan.pk]))

    assert response.status_code == 403


# --- pages: wrong state is a message, never a 500 -----------------------------


@pytest.mark.parametrize(
    ("status", "url_name", "persona"),
    [
        (PlanStatus.SUBMITTED, "plan-submit", "owner"),
        (PlanStatus.APPROVED, "plan-submit", "supervisor"),
        (PlanStatus.DRAFT, "plan-approve", "study_director"),
        (PlanStatus.APPROVED, "plan-approve", "study_director"),
        (PlanStatus.RETURNED, "plan-return", "study_director"),
        (PlanStatus.DRAFT, "plan-revise", "owner"),
        (PlanStatus.SUBMITTED, "plan-update", "owner"),
        (PlanStatus.APPROVED, "plan-update", "owner"),
    ],
)
def test_action_in_wrong_state_redirects_with_an_error(client, people, trainee, status, url_name, persona):
    plan = plan_in(trainee, status)
    client.force_login(people[persona])

    response = client.post(reverse(url_name, args=[trainee.pk, plan.pk]), form_data(plan, comment="Kommentar"))

    assert response.status_code == 302
    assert response["Location"] == reverse("plan-detail", args=[trainee.pk, plan.pk])
    assert [m.level for m in get_messages(response.wsgi_request)] == [ERROR]
    stored = TrainingPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.planned_courses) == (status, plan.planned_courses)
    assert trainee.plans.count() == 1


@pytest.mark.parametrize("status", [PlanStatus.SUBMITTED, PlanStatus.APPROVED])
def test_edit_form_of_a_locked_version_redirects(client, trainee, status):
    plan = plan_in(trainee, status)
    client.force_login(trainee.user)

    response = client.get(reverse("plan-update", args=[trainee.pk, plan.pk]))

    assert response["Location"] == reverse("plan-detail", args=[trainee.pk, plan.pk])
    assert [m.level for m in get_messages(response.wsgi_request)] == [ERROR]


def test_return_without_comment_is_refused_with_a_message(client, trainee):
    plan = plan_in(trainee, PlanStatus.SUBMITTED)
    client.force_login(trainee.study_director)

    response = client.post(reverse("plan-return", args=[trainee.pk, plan.pk]), {"comment": "  "})

    assert response["Location"] == reverse("plan-detail", args=[trainee.pk, plan.pk])
    assert [m.level for m in get_messages(response.wsgi_request)] == [ERROR]
    assert TrainingPlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED


def test_approve_saves_the_optional_comment(client, trainee):
    plan = plan_in(trainee, PlanStatus.SUBMITTED)
    client.force_login(trainee.study_director)

    client.post(reverse("plan-approve", args=[trainee.pk, plan.pk]), {"comment": "Godkänd, bra balans."})

    stored = TrainingPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.decision_comment, stored.decided_by) == (
        PlanStatus.APPROVED,
        "Godkänd, bra balans.",
        trainee.study_director,
    )


def test_revise_when_a_version_is_open_is_a_message(client, trainee):
    approved, _draft = plan_history(trainee, 2, decided_by=trainee.study_director)
    client.force_login(trainee.user)

    response = client.post(reverse("plan-revise", args=[trainee.pk, approved.pk]))

    assert response["Location"] == reverse("plan-detail", args=[trainee.pk, approved.pk])
    assert [m.level for m in get_messages(response.wsgi_request)] == [ERROR]
    assert trainee.plans.count() == 2


def test_revise_redirects_to_the_new_versions_form(client, trainee):
    approved = plan_in(trainee, PlanStatus.APPROVED)
    client.force_login(trainee.main_supervisor)

    response = client.post(reverse("plan-revise", args=[trainee.pk, approved.pk]))

    revision = trainee.plans.get(version=2)
    assert response["Location"] == reverse("plan-update", args=[trainee.pk, revision.pk])
    assert revision.based_on == approved


# --- what the pages show ------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status", "expected"),
    [
        ("owner", PlanStatus.DRAFT, {"can_edit": True, "can_decide": False, "can_revise": False}),
        ("supervisor", PlanStatus.RETURNED, {"can_edit": True, "can_decide": False, "can_revise": False}),
        ("owner", PlanStatus.SUBMITTED, {"can_edit": False, "can_decide": False, "can_revise": False}),
        ("study_director", PlanStatus.SUBMITTED, {"can_edit": False, "can_decide": True, "can_revise": False}),
        ("unit_study_director", PlanStatus.SUBMITTED, {"can_edit": False, "can_decide": True, "can_revise": False}),
        ("study_director", PlanStatus.DRAFT, {"can_edit": False, "can_decide": False, "can_revise": False}),
        ("owner", PlanStatus.APPROVED, {"can_edit": False, "can_decide": False, "can_revise": True}),
        ("unit_head", PlanStatus.SUBMITTED, {"can_edit": False, "can_decide": False, "can_revise": False}),
        ("second_specialist", PlanStatus.APPROVED, {"can_edit": False, "can_decide": False, "can_revise": False}),
    ],
)
def test_plan_detail_offers_actions_by_permission_and_state(client, people, trainee, persona, status, expected):
    plan = plan_in(trainee, status)
    client.force_login(people[persona])

    response = client.get(reverse("plan-detail", args=[trainee.pk, plan.pk]))

    assert {key: response.context[key] for key in expected} == expected
    content = response.content.decode()
    urls = {
        "can_edit": reverse("plan-submit", args=[trainee.pk, plan.pk]),
        "can_decide": reverse("plan-approve", args=[trainee.pk, plan.pk]),
        "can_revise": reverse("plan-revise", args=[trainee.pk, plan.pk]),
    }
    assert {key: f'action="{url}"' in content for key, url in urls.items()} == expected


def test_revise_is_offered_only_on_the_latest_version(client, trainee):
    first, second, _third = plan_history(trainee, 3, decided_by=trainee.study_director)
    client.force_login(trainee.user)

    assert client.get(reverse("plan-detail", args=[trainee.pk, second.pk])).context["can_revise"] is False
    assert client.get(reverse("plan-detail", args=[trainee.pk, first.pk])).context["can_revise"] is False


def test_plan_detail_shows_content_and_grouped_goals(client, trainee):
    plan = TrainingPlanFactory(
        trainee=trainee,
        assessment_plan="Mini-CEX varje månad",
        self_study_hours_per_week=Decimal("4.5"),
        goals=goals(trainee, "a1", "b1", "c14"),
    )
    client.force_login(trainee.study_director)

    response = client.get(reverse("plan-detail", args=[trainee.pk, plan.pk]))

    content = response.content.decode()
    assert "Mini-CEX varje månad" in content
    assert "4,5" in content or "4.5" in content
    chosen = goals(trainee, "a1", "b1", "c14")
    for goal in chosen:
        assert f"<strong>{goal.code}</strong> {goal.title}" in content
    assert content.index("a1") < content.index("<strong>b1</strong>") < content.index("<strong>c14</strong>")


def test_returned_comment_is_shown_to_the_trainee(client, trainee, returned_history):
    _first, second = returned_history
    client.force_login(trainee.user)

    for url in [reverse("plan-list", args=[trainee.pk]), reverse("plan-detail", args=[trainee.pk, second.pk])]:
        content = client.get(url).content.decode()
        assert 'class="card note"' in content
        assert "Lägg till kurser" in content


def test_plan_list_shows_versions_and_due_date(client, trainee, returned_history):
    client.force_login(trainee.user)

    response = client.get(reverse("plan-list", args=[trainee.pk]))

    assert response.context["plans"] == list(reversed(returned_history))
    due = response.context["due"]
    # Approved 2024-01-20, revision months January, May, September → due 2024-05-31, long past.
    assert (due.kind, due.due, due.overdue) == (iup.REVISION, date(2024, 5, 31), True)
    content = response.content.decode()
    assert "2024-05-31" in content
    assert "flag-error" in content
    assert reverse("plan-compare", args=[trainee.pk]) in content


def test_plan_list_without_plan_offers_start_to_editors_only(client, trainee, unit_head):
    trainee.st_start = date(2020, 1, 1)
    trainee.save(update_fields=["st_start"])
    start_url = reverse("plan-start", args=[trainee.pk])

    client.force_login(trainee.user)
    response = client.get(reverse("plan-list", args=[trainee.pk]))
    assert f'action="{start_url}"' in response.content.decode()
    assert response.context["due"] == iup.IupDue(due=date(2020, 7, 1), kind=iup.FIRST, overdue=True)

    client.force_login(unit_head)
    assert f'action="{start_url}"' not in client.get(reverse("plan-list", args=[trainee.pk])).content.decode()


# --- the edit form --------------------------------------------------------------


def test_edit_form_offers_the_trainees_delmal_only(client, trainee):
    plan = plan_in(trainee, PlanStatus.DRAFT)
    client.force_login(trainee.user)

    response = client.get(reverse("plan-update", args=[trainee.pk, plan.pk]))

    form = response.context["form"]
    offered = set(form.fields["goals"].queryset.values_list("pk", flat=True))
    assert offered == set(trainee.curriculum.goals.values_list("pk", flat=True))
    groups = [label for label, _boxes in form.goal_groups()]
    assert [str(label) for label in groups] == [str(iup_group_label(group)) for group in ["a", "b", "c"]]
    a1 = goals(trainee, "a1")[0]
    assert f"a1 {a1.title}" in response.content.decode()


def iup_group_label(group):
    return gettext("Delmål %(group)s") % {"group": group}


def test_edit_form_for_a_bt_trainee_adds_the_bt_delmal(client, unit):
    trainee = TraineeFactory(unit=unit, regulation=regulation(RegulationCode.HSLF_FS_2021_8), bt_mode="integrated")
    plan = plan_in(trainee, PlanStatus.DRAFT)
    client.force_login(trainee.user)

    response = client.get(reverse("plan-update", args=[trainee.pk, plan.pk]))

    offered = set(response.context["form"].fields["goals"].queryset.values_list("pk", flat=True))
    bt = Goal.objects.filter(curriculum__regulation=trainee.regulation, curriculum__kind=CurriculumKind.BT)
    st = trainee.curriculum.goals.all()
    assert offered == set(st.values_list("pk", flat=True)) | set(bt.values_list("pk", flat=True))
    assert len(offered) == 26 + 18
    labels = [str(label) for label, _boxes in response.context["form"].goal_groups()]
    assert labels[-1] == iup_group_label("BT")


def test_edit_form_saves_content_and_goals(client, trainee):
    plan = plan_in(trainee, PlanStatus.RETURNED)
    chosen = goals(trainee, "b1", "c3")
    client.force_login(trainee.main_supervisor)

    response = client.post(
        reverse("plan-update", args=[trainee.pk, plan.pk]),
        form_data(plan, planned_courses="Konsultationskurs våren 2025", goals=[g.pk for g in chosen]),
    )

    assert response["Location"] == reverse("plan-detail", args=[trainee.pk, plan.pk])
    stored = TrainingPlan.objects.get(pk=plan.pk)
    assert (stored.planned_courses, stored.status) == ("Konsultationskurs våren 2025", PlanStatus.RETURNED)
    assert list(stored.goals.order_by("position")) == chosen


def test_edit_form_rejects_a_delmal_from_another_curriculum(client, trainee):
    plan = plan_in(trainee, PlanStatus.DRAFT)
    foreign = Goal.objects.filter(curriculum__kind=CurriculumKind.BT).first()
    client.force_login(trainee.user)

    response = client.post(reverse("plan-update", args=[trainee.pk, plan.pk]), form_data(plan, goals=[foreign.pk]))

    assert response.status_code == 200
    assert "goals" in response.context["form"].errors
    assert not TrainingPlan.objects.get(pk=plan.pk).goals.exists()


def test_edit_form_rejects_too_many_self_study_hours(client, trainee):
    plan = plan_in(trainee, PlanStatus.DRAFT)
    client.force_login(trainee.user)

    response = client.post(
        reverse("plan-update", args=[trainee.pk, plan.pk]), form_data(plan, self_study_hours_per_week="41")
    )

    assert "self_study_hours_per_week" in response.context["form"].errors
    assert TrainingPlan.objects.get(pk=plan.pk).self_study_hours_per_week == Decimal("4.0")


# --- comparing versions -------------------------------------------------------


def test_compare_defaults_to_the_latest_two_versions(client, trainee):
    _first, second, third = plan_history(trainee, 3, decided_by=trainee.study_director, goals=goals(trainee, "a1"))
    third.goals.set(goals(trainee, "a2", "b1"))
    client.force_login(trainee.user)

    response = client.get(reverse("plan-compare", args=[trainee.pk]))

    comparison = response.context["comparison"]
    assert (comparison.old, comparison.new) == (second, third)
    assert [change.name for change in comparison.fields if change.changed] == ["planned_courses"]
    assert comparison.goals_added == goals(trainee, "a2", "b1")
    assert comparison.goals_removed == goals(trainee, "a1")
    assert comparison.changed_count == 2
    content = response.content.decode()
    assert "Kurser i version 2" in content
    assert "Kurser i version 3" in content
    assert content.count("≠") == 2


def test_compare_chosen_versions_older_first(client, trainee):
    first, _second, third = plan_history(trainee, 3, decided_by=trainee.study_director)
    client.force_login(trainee.study_director)

    response = client.get(reverse("plan-compare", args=[trainee.pk]), {"a": third.pk, "b": first.pk})

    comparison = response.context["comparison"]
    assert (comparison.old, comparison.new) == (first, third)


def test_compare_ignores_a_version_of_another_trainee(client, trainee, other_trainee):
    _first, second = plan_history(trainee, 2, decided_by=trainee.study_director)
    foreign = TrainingPlanFactory(trainee=other_trainee, planned_courses="Annans plan")
    client.force_login(trainee.user)

    response = client.get(reverse("plan-compare", args=[trainee.pk]), {"a": foreign.pk, "b": second.pk})

    assert response.context["form"].errors
    assert response.context["comparison"].new == second
    assert "Annans plan" not in response.content.decode()


def test_compare_with_one_version_has_nothing_to_compare(client, trainee):
    plan_in(trainee, PlanStatus.DRAFT)
    client.force_login(trainee.user)

    response = client.get(reverse("plan-compare", args=[trainee.pk]))

    assert response.context["comparison"] is None


# --- query counts ---------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3])
def test_plan_list_query_count_does_not_grow(client, django_assert_num_queries, trainee, count):
    plan_history(trainee, count, decided_by=trainee.study_director, goals=goals(trainee, "a1", "b1"))
    policy_for(trainee.unit.region)
    client.force_login(trainee.study_director)

    # session, user, national-admin check, trainee, policy, versions, last årsbesök
    with django_assert_num_queries(7):
        response = client.get(reverse("plan-list", args=[trainee.pk]))

    assert len(response.context["plans"]) == count


@pytest.mark.parametrize("count", [1, 3])
def test_plan_compare_query_count_does_not_grow(client, django_assert_num_queries, trainee, count):
    plan_history(trainee, count, decided_by=trainee.study_director, goals=goals(trainee, "a1", "b1"))
    client.force_login(trainee.study_director)

    # session, user, national-admin check, trainee, versions, their delmål
    with django_assert_num_queries(6):
        response = client.get(reverse("plan-compare", args=[trainee.pk]))

    assert len(response.context["plans"]) == count


def test_revision_is_due_at_the_next_arsbesok_when_that_comes_first():
    trainee = SimpleNamespace(st_start=date(2024, 1, 8))
    policy = SimpleNamespace(iup_deadline_months=6, iup_revision_months=[1, 5, 9])
    approved = SimpleNamespace(status=PlanStatus.APPROVED, decided_at=datetime(2025, 2, 10, 9, 0, tzinfo=UTC))

    # Revision month: end of May; the årsbesök on 2 April comes first and is where it is revised.
    early_visit = iup.iup_due(trainee, [approved], policy, date(2025, 3, 1), next_visit=date(2025, 4, 2))
    late_visit = iup.iup_due(trainee, [approved], policy, date(2025, 3, 1), next_visit=date(2025, 8, 20))
    past_visit = iup.iup_due(trainee, [approved], policy, date(2025, 3, 1), next_visit=date(2025, 1, 15))

    assert (early_visit.due, late_visit.due, past_visit.due) == (date(2025, 4, 2), date(2025, 5, 31), date(2025, 5, 31))
