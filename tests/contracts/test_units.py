"""Unit register and quality: the domain functions in contracts/units.py, the unit pages
per persona, the daily criteria check, the reminders source, the admin and the demo."""

import smtplib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from accounts.models import AuditEvent, Region, Unit
from contracts import criteria as crit
from contracts import demo_units
from contracts import units as domain
from contracts.enums import CriterionOutcome, CriterionRule
from contracts.models import (
    CriteriaSet,
    Criterion,
    CriterionAttestation,
    CriterionState,
    Dispensation,
    UnitActionPlan,
    UnitActionPlanFollowUp,
    UnitApproval,
    UnitProfile,
    UnitStaff,
)
from contracts.reference import load_criteria
from portfolio import reminders
from portfolio.models import FrozenRecordError, StatusSnapshot
from tests.contracts.factories_units import (
    ApprovalFactory,
    DispensationFactory,
    HandledareStaffFactory,
    UnitActionPlanFactory,
    UnitProfileFactory,
    UnitStaffFactory,
)
from tests.factories import MembershipFactory, TraineeFactory, UnitFactory, UserFactory
from tests.portfolio.factories_activities import persona_user

pytestmark = pytest.mark.django_db

READERS = ["study_director", "unit_head", "region_admin", "national_admin"]
LEADERS = ["study_director", "unit_head"]
OUTSIDERS = ["outsider", "other_supervisor", "other_study_director", "other_region_admin", "supervisor", "owner"]
NOT_THE_DIRECTOR = ["unit_head", "region_admin", "national_admin"]


def today():
    return timezone.localdate()


def criterion(unit, code):
    return Criterion.objects.get(criteria_set__region=unit.region, code=code)


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


@pytest.fixture
def register(unit, trainee, supervisor, second_specialist, study_director):
    """Björkdalen with Norrbotten's criteria, a profile and two specialists, one of them the
    trainee's huvudhandledare: every criterion met except the two without data."""
    load_criteria(unit.region, "norrbotten")
    UnitProfileFactory(unit=unit, listed_patients=8000)
    HandledareStaffFactory(unit=unit, user=supervisor)
    UnitStaffFactory(unit=unit, user=second_specialist)
    return unit


@pytest.fixture
def one_specialist(register, second_specialist):
    """The second specialist leaves: criterion 1 (two specialists) is no longer met."""
    UnitStaff.objects.filter(user=second_specialist).update(until=today() - timedelta(days=1))
    return register


def outcome_of(unit, code):
    return next(r.outcome for r in crit.evaluate_unit(unit, today()) if r.criterion.code == code)


# --- the profile ---------------------------------------------------------------------------


def profile_values(**overrides):
    values = {
        "listed_patients": 9500,
        "child_health": True,
        "maternal_health": True,
        "elderly_care": False,
        "on_call": True,
        "notes": "  SÄBO sköts av kommunen.  ",
    }
    return values | overrides


@pytest.mark.parametrize("persona", LEADERS)
def test_a_leader_creates_and_updates_the_profile_with_versions(request, unit, persona):
    user = persona_user(request, persona)

    created = domain.save_profile(unit, by=user, version=0, **profile_values())
    updated = domain.save_profile(unit, by=user, version=1, **profile_values(listed_patients=9700))

    stored = UnitProfile.objects.get(unit=unit)
    assert (stored.version, stored.listed_patients, stored.notes) == (2, 9700, "SÄBO sköts av kommunen.")
    assert created.pk == updated.pk and stored.updated_by == user
    assert [e.data["fields"] for e in events("unit_profile.saved")][-1] == ["listed_patients"]


def test_a_stale_profile_is_refused_and_nothing_is_overwritten(unit, unit_head, study_director):
    domain.save_profile(unit, by=unit_head, version=0, **profile_values())
    domain.save_profile(unit, by=study_director, version=1, **profile_values(listed_patients=9900))

    with pytest.raises(ValidationError) as error:
        domain.save_profile(unit, by=unit_head, version=1, **profile_values(listed_patients=100))

    assert error.value.code == "stale"
    stored = UnitProfile.objects.get(unit=unit)
    assert (stored.version, stored.listed_patients, stored.updated_by) == (2, 9900, study_director)


def test_a_second_first_save_is_stale(unit, unit_head):
    domain.save_profile(unit, by=unit_head, version=0, **profile_values())

    with pytest.raises(ValidationError) as error:
        domain.save_profile(unit, by=unit_head, version=0, **profile_values(listed_patients=1))

    assert error.value.code == "stale"
    assert UnitProfile.objects.get(unit=unit).listed_patients == 9500


@pytest.mark.parametrize("persona", ["region_admin", "supervisor", "other_study_director"])
def test_others_may_not_save_the_profile(request, unit, persona):
    with pytest.raises(PermissionDenied):
        domain.save_profile(unit, by=persona_user(request, persona), version=0, **profile_values())
    assert not UnitProfile.objects.exists()


# --- staff ---------------------------------------------------------------------------------


def staff_values(**overrides):
    values = {
        "user": None,
        "name": "Bertil Grahn",
        "specialty": None,
        "percent": 80,
        "is_supervisor": False,
        "supervisor_training_year": None,
        "supervisor_training_regulation": "",
        "supervision_hours_per_week": None,
        "supervisor_meetings_last_year": 0,
        "since": date(2024, 1, 1),
    }
    return values | overrides


def test_adding_staff_names_the_person_from_the_account(unit, unit_head, supervisor):
    row = domain.add_staff(unit, by=unit_head, **staff_values(user=supervisor, name="", specialty=unit.specialty))

    assert (row.name, row.unit, row.until) == ("Erik Holmström", unit, None)
    assert events("unit_staff.added")[0].actor == unit_head


def test_a_person_cannot_be_on_the_staff_twice_at_once(unit, unit_head, supervisor):
    domain.add_staff(unit, by=unit_head, **staff_values(user=supervisor))

    with pytest.raises(ValidationError) as error:
        domain.add_staff(unit, by=unit_head, **staff_values(user=supervisor, since=date(2025, 1, 1)))

    assert "user" in error.value.error_dict
    assert UnitStaff.objects.filter(user=supervisor).count() == 1


def test_bad_staff_input_is_refused_by_field(unit, unit_head):
    with pytest.raises(ValidationError) as error:
        domain.add_staff(unit, by=unit_head, **staff_values(name=" ", percent=0, supervisor_training_year=1800))

    assert set(error.value.error_dict) == {"name", "percent", "supervisor_training_year"}
    assert not UnitStaff.objects.exists()


def test_ending_a_row_sets_the_last_day_and_keeps_it(register, unit_head, second_specialist):
    row = UnitStaff.objects.get(user=second_specialist)

    domain.end_staff(row, by=unit_head, until=today() - timedelta(days=1))

    row.refresh_from_db()
    assert row.until == today() - timedelta(days=1)
    assert [r.name for r in crit.unit_facts(register, today()).staff] == ["Erik Holmström"]
    assert outcome_of(register, "specialister") == CriterionOutcome.NOT_MET


def test_a_last_day_before_the_start_or_a_second_end_is_refused(register, unit_head, second_specialist):
    row = UnitStaff.objects.get(user=second_specialist)

    with pytest.raises(ValidationError) as error:
        domain.end_staff(row, by=unit_head, until=date(2019, 12, 31))
    assert "until" in error.value.error_dict

    domain.end_staff(row, by=unit_head, until=today())
    with pytest.raises(ValidationError) as error:
        domain.end_staff(row, by=unit_head, until=today() + timedelta(days=3))
    assert error.value.code == "already_ended"
    row.refresh_from_db()
    assert row.until == today()


def test_a_row_whose_person_has_left_is_not_changed(register, unit_head, second_specialist):
    row = UnitStaff.objects.get(user=second_specialist)
    domain.end_staff(row, by=unit_head, until=today() - timedelta(days=2))

    with pytest.raises(ValidationError) as error:
        domain.update_staff(row, by=unit_head, percent=50)

    assert error.value.code == "ended"
    row.refresh_from_db()
    assert row.percent == 100


def test_a_current_row_is_updated(register, study_director, supervisor):
    row = UnitStaff.objects.get(user=supervisor)

    domain.update_staff(row, by=study_director, supervision_hours_per_week=Decimal("3.5"), percent=90)

    row.refresh_from_db()
    assert (row.percent, row.supervision_hours_per_week) == (90, Decimal("3.5"))
    assert set(events("unit_staff.updated")[0].data["fields"]) == {"percent", "supervision_hours_per_week"}


# --- attestation, dispens, approval ------------------------------------------------------------------


def test_the_studierektor_attests_a_criterion_and_the_latest_counts(register, study_director):
    attested = criterion(register, "utbildningsplatser")
    assert outcome_of(register, "utbildningsplatser") == CriterionOutcome.UNKNOWN

    domain.attest_criterion(
        register, attested, by=study_director, met=False, date=today() - timedelta(days=9), note="Nej"
    )
    domain.attest_criterion(register, attested, by=study_director, met=True, date=today(), note="Tar emot alla.")

    assert outcome_of(register, "utbildningsplatser") == CriterionOutcome.MET
    assert CriterionAttestation.objects.count() == 2
    assert events("criterion.attested")[-1].data == {
        "unit": register.pk,
        "criterion": "utbildningsplatser",
        "met": True,
    }


def test_an_evaluated_criterion_cannot_be_attested_and_bad_input_is_refused(register, study_director):
    with pytest.raises(ValidationError) as error:
        domain.attest_criterion(
            register, criterion(register, "specialister"), by=study_director, met=True, date=today(), note="x"
        )
    assert error.value.code == "not_attested"

    with pytest.raises(ValidationError) as error:
        domain.attest_criterion(
            register,
            criterion(register, "utbildningsplatser"),
            by=study_director,
            met=True,
            date=today() + timedelta(days=1),
            note=" ",
        )
    assert set(error.value.error_dict) == {"date", "note"}
    assert not CriterionAttestation.objects.exists()


@pytest.mark.parametrize("persona", NOT_THE_DIRECTOR)
def test_only_the_studierektor_judges(request, register, persona):
    user = persona_user(request, persona)
    attested = criterion(register, "utbildningsplatser")

    with pytest.raises(PermissionDenied):
        domain.attest_criterion(register, attested, by=user, met=True, date=today(), note="x")
    with pytest.raises(PermissionDenied):
        domain.grant_dispensation(register, attested, by=user, reason="x", valid_until=today())
    with pytest.raises(PermissionDenied):
        domain.record_approval(register, by=user, approved=True, basis="x")


def test_a_dispens_turns_not_met_into_dispensation_until_it_ends(one_specialist, study_director):
    first = criterion(one_specialist, "specialister")

    dispensation = domain.grant_dispensation(
        one_specialist,
        first,
        by=study_director,
        reason="  Rekrytering pågår. ",
        valid_until=today() + timedelta(days=90),
    )

    assert (dispensation.reason, dispensation.granted_on) == ("Rekrytering pågår.", today())
    assert outcome_of(one_specialist, "specialister") == CriterionOutcome.DISPENSATION
    later = crit.evaluate_unit(one_specialist, today() + timedelta(days=91))
    assert next(r.outcome for r in later if r.criterion == first) == CriterionOutcome.NOT_MET


def test_a_dispens_ending_before_today_or_without_reason_is_refused(register, study_director):
    with pytest.raises(ValidationError) as error:
        domain.grant_dispensation(
            register,
            criterion(register, "specialister"),
            by=study_director,
            reason="",
            valid_until=today() - timedelta(1),
        )
    assert set(error.value.error_dict) == {"reason", "valid_until"}
    assert not Dispensation.objects.exists()


def test_a_criterion_of_another_region_is_refused(register, study_director):
    other = Region.objects.create(name="Region Annan", code="annan")
    [foreign] = load_criteria(other, "norrbotten")

    with pytest.raises(ValidationError) as error:
        domain.grant_dispensation(
            register, foreign.criteria.first(), by=study_director, reason="x", valid_until=today()
        )
    assert error.value.code == "wrong_criterion"


def test_an_approval_stores_the_evaluation_of_its_day_and_is_final(one_specialist, study_director):
    approval = domain.record_approval(
        one_specialist, by=study_director, approved=False, basis=" Två specialister krävs. "
    )

    rows = {row["code"]: row for row in approval.evaluation}
    assert (approval.date, approval.approved, approval.basis) == (today(), False, "Två specialister krävs.")
    assert rows["specialister"]["outcome"] == "not_met"
    assert "1" in rows["specialister"]["evidence"]
    assert events("unit_approval.decided")[0].data["not_met"] == 1

    approval.basis = "Ändrad"
    with pytest.raises(FrozenRecordError):
        approval.save()
    with pytest.raises(FrozenRecordError), transaction.atomic():
        approval.delete()
    assert UnitApproval.objects.get().basis == "Två specialister krävs."


def test_the_stored_evaluation_does_not_follow_later_changes(one_specialist, study_director, unit_head):
    approval = domain.record_approval(one_specialist, by=study_director, approved=True, basis="Med dispens.")
    domain.add_staff(one_specialist, by=unit_head, **staff_values(specialty=one_specialist.specialty))

    assert outcome_of(one_specialist, "specialister") == CriterionOutcome.MET
    approval.refresh_from_db()
    assert {row["code"]: row["outcome"] for row in approval.evaluation}["specialister"] == "not_met"


def test_an_approval_needs_criteria_basis_and_a_choice(unit, study_director):
    with pytest.raises(ValidationError) as error:
        domain.record_approval(unit, by=study_director, approved=None, basis="")
    assert set(error.value.error_dict) == {"approved", "basis"}
    with pytest.raises(ValidationError) as error:
        domain.record_approval(unit, by=study_director, approved=True, basis="Bra.")
    assert error.value.code == "no_criteria"
    assert not UnitApproval.objects.exists()


def test_removing_a_unit_takes_its_decisions_with_it(region):
    unit = UnitFactory(region=region)
    ApprovalFactory(unit=unit)

    unit.delete()

    assert not UnitApproval.objects.exists()


# --- the unit åtgärdsplan ------------------------------------------------------------------------


def plan_values(**overrides):
    values = {
        "criterion": None,
        "opened_on": today() - timedelta(days=2),
        "concern": "Ingrid Lundin har slutat; en specialist kvar.",
        "measures": "Rekrytering av specialist; hyrläkare två dagar i veckan.",
        "responsible": "Enhetschefen",
        "follow_up_on": today() + timedelta(days=30),
    }
    return values | overrides


def test_the_chef_opens_both_sign_it_is_followed_up_and_closed(one_specialist, unit_head, study_director):
    unit = one_specialist
    plan = domain.open_plan(unit, by=unit_head, **plan_values(criterion=criterion(unit, "specialister")))
    domain.update_plan(plan, by=unit_head, measures="Rekrytering; hyrläkare tre dagar i veckan.")

    assert domain.sign_plan(plan, by=unit_head) == "head"
    with pytest.raises(ValidationError) as error:
        domain.update_plan(plan, by=unit_head, measures="Ändrat efter signering")
    assert error.value.code == "signed"
    with pytest.raises(ValidationError) as error:
        domain.add_follow_up(plan, by=study_director, date=today(), notes="För tidigt")
    assert error.value.code == "not_signed"
    assert domain.sign_plan(plan, by=study_director) == "director"

    domain.add_follow_up(
        plan, by=study_director, date=today(), notes=" Annons ute. ", next_follow_up_on=today() + timedelta(days=14)
    )
    domain.close_plan(plan, by=unit_head, closed_on=today(), outcome="Ny specialist anställd.")

    plan.refresh_from_db()
    assert plan.measures == "Rekrytering; hyrläkare tre dagar i veckan."
    assert (plan.head_signed_by, plan.director_signed_by) == (unit_head, study_director)
    assert plan.follow_up_on == today() + timedelta(days=14)
    assert UnitActionPlanFollowUp.objects.get().notes == "Annons ute."
    assert (plan.closed_on, plan.outcome) == (today(), "Ny specialist anställd.")
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="unit_action_plan").order_by("pk")] == [
        "unit_action_plan.opened",
        "unit_action_plan.updated",
        "unit_action_plan.signed",
        "unit_action_plan.signed",
        "unit_action_plan.followed_up",
        "unit_action_plan.closed",
    ]


def test_a_closed_plan_is_final(unit, unit_head, study_director):
    plan = UnitActionPlanFactory(unit=unit, closed_on=today(), outcome="Klart.")

    for action in (
        lambda: domain.sign_plan(plan, by=unit_head),
        lambda: domain.update_plan(plan, by=unit_head, concern="Ny"),
        lambda: domain.add_follow_up(plan, by=study_director, date=today(), notes="x"),
        lambda: domain.close_plan(plan, by=study_director, closed_on=today(), outcome="Igen"),
    ):
        with pytest.raises(ValidationError) as error:
            action()
        assert error.value.code == "closed"
    plan.refresh_from_db()
    assert (plan.outcome, plan.head_signed_at) == ("Klart.", None)


def test_one_person_cannot_sign_in_both_roles(unit, unit_head):
    MembershipFactory(user=unit_head, unit=unit, role=Role.STUDY_DIRECTOR)
    plan = UnitActionPlanFactory(unit=unit)

    domain.sign_plan(plan, by=unit_head)
    with pytest.raises(ValidationError) as error:
        domain.sign_plan(plan, by=unit_head)

    assert error.value.code == "already_signed"
    plan.refresh_from_db()
    assert (plan.head_signed_by, plan.director_signed_by) == (unit_head, None)


def test_only_the_chef_opens_a_plan_and_input_is_checked(unit, unit_head, study_director):
    with pytest.raises(PermissionDenied):
        domain.open_plan(unit, by=study_director, **plan_values())
    with pytest.raises(ValidationError) as error:
        domain.open_plan(
            unit, by=unit_head, **plan_values(concern=" ", follow_up_on=today() - timedelta(days=5), measures="")
        )
    assert set(error.value.error_dict) == {"concern", "measures", "follow_up_on"}
    assert not UnitActionPlan.objects.exists()


# --- pages -----------------------------------------------------------------------------------


def url(name, unit, *args):
    return reverse(name, args=[unit.pk, *args])


def page(response):
    return response.content.decode()


@pytest.mark.parametrize("persona", READERS)
def test_the_unit_page_shows_register_criteria_and_trainees(client, request, one_specialist, trainee, persona):
    DispensationFactory(unit=one_specialist, criterion=criterion(one_specialist, "specialister"))
    client.force_login(persona_user(request, persona))

    response = client.get(url("unit-detail", one_specialist))

    html = page(response)
    assert response.status_code == 200
    assert "Björkdalens hälsocentral" in html
    assert "Hälsocentralen har minst två anställda specialister i allmänmedicin." in html
    assert "En specialist har slutat; rekrytering pågår." in html  # the dispens
    assert "Erik Holmström" in html and "Ingrid Lundin" in html  # current and former staff
    assert "Sara Öberg" in html and "handledarutbildning 2018" in html
    assert "9000" not in html and "8000" in html  # the profile's listed patients
    results = {r.criterion.code: r.outcome for r in response.context["results"]}
    assert results["specialister"] == CriterionOutcome.DISPENSATION
    assert results["personlig-handledare"] == CriterionOutcome.MET


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_every_unit_page_is_404_for_everyone_else(client, request, register, other_trainee, persona):
    row = UnitStaff.objects.filter(unit=register).first()
    attested = criterion(register, "utbildningsplatser")
    approval = ApprovalFactory(unit=register)
    plan = UnitActionPlanFactory(unit=register)
    client.force_login(persona_user(request, persona))

    for address in (
        url("unit-detail", register),
        url("unit-profile-edit", register),
        url("unit-staff-create", register),
        url("unit-staff-update", register, row.pk),
        url("unit-staff-end", register, row.pk),
        url("unit-criterion-attest", register, attested.pk),
        url("unit-dispensation-create", register, attested.pk),
        url("unit-approval-create", register),
        url("unit-approval-detail", register, approval.pk),
        url("unit-plan-create", register),
        url("unit-plan-detail", register, plan.pk),
        url("unit-plan-update", register, plan.pk),
        url("unit-plan-sign", register, plan.pk),
        url("unit-plan-close", register, plan.pk),
    ):
        assert client.get(address).status_code == 404, address
    assert client.post(url("unit-plan-follow-up", register, plan.pk), {"notes": "x"}).status_code == 404
    assert not UnitActionPlanFollowUp.objects.exists()


@pytest.mark.parametrize("persona", LEADERS)
def test_a_leader_changes_a_staff_row_on_the_page(client, request, register, supervisor, persona):
    row = UnitStaff.objects.get(user=supervisor)
    client.force_login(persona_user(request, persona))
    form = client.get(url("unit-staff-update", register, row.pk)).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data |= {"user": supervisor.pk, "specialty": register.specialty.pk, "is_supervisor": "on", "percent": "75",
             "since": "2020-01-01", "supervision_hours_per_week": "2.5"}  # fmt: skip
    data.pop("supervisor_training_regulation", None)

    response = client.post(url("unit-staff-update", register, row.pk), data)

    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.percent, row.supervision_hours_per_week, row.is_supervisor) == (75, Decimal("2.5"), True)


def test_the_chef_edits_an_unsigned_plan(client, unit, unit_head):
    plan = UnitActionPlanFactory(unit=unit)
    client.force_login(unit_head)

    response = client.post(url("unit-plan-update", unit, plan.pk), plan_post(measures="Hyrläkare från januari."))

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.measures == "Hyrläkare från januari."


def test_the_unit_list_shows_the_users_units_with_counts(client, one_specialist, other_unit, study_director):
    ApprovalFactory(unit=one_specialist, date=date(2026, 1, 20), decided_by=study_director)
    UnitActionPlanFactory(unit=one_specialist)
    client.force_login(study_director)

    response = client.get(reverse("unit-list"))

    [row] = response.context["rows"]
    assert (row.unit, row.not_met, row.open_plans, row.latest_approval.date) == (
        one_specialist,
        1,
        1,
        date(2026, 1, 20),
    )
    assert "2026-01-20" in page(response) and "Forsnäs" not in page(response)


def test_the_unit_list_for_a_region_admin_and_an_outsider(client, register, other_unit, region_admin, outsider):
    client.force_login(region_admin)
    assert [row.unit for row in client.get(reverse("unit-list")).context["rows"]] == [register, other_unit]
    client.force_login(outsider)
    response = client.get(reverse("unit-list"))
    assert response.context["rows"] == []


def _unit_with_everything(region, number, director):
    unit = UnitFactory(region=region, name=f"Enhet {number}")
    MembershipFactory(user=director, unit=unit, role=Role.STUDY_DIRECTOR)
    UnitProfileFactory(unit=unit)
    for _ in range(2):
        person = UserFactory()
        HandledareStaffFactory(unit=unit, user=person)
        TraineeFactory(unit=unit, main_supervisor=person, specialty=unit.specialty)
    ApprovalFactory(unit=unit)
    UnitActionPlanFactory(unit=unit)
    DispensationFactory(unit=unit, criterion=criterion(unit, "specialister"))
    return unit


def test_the_unit_list_takes_the_same_queries_for_one_and_three_units(client, region):
    load_criteria(region, "norrbotten")
    director = UserFactory()
    _unit_with_everything(region, 1, director)
    client.force_login(director)

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("unit-list"))
        return len(captured.captured_queries), len(response.context["rows"])

    one = count()
    _unit_with_everything(region, 2, director)
    _unit_with_everything(region, 3, director)
    three = count()

    assert (one[1], three[1]) == (1, 3)
    assert one[0] == three[0]


def test_the_unit_page_takes_the_same_queries_for_more_staff_and_trainees(client, register, study_director):
    client.force_login(study_director)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("unit-detail", register)).status_code == 200
        return len(captured.captured_queries)

    before = count()
    for _ in range(3):
        person = UserFactory()
        HandledareStaffFactory(unit=register, user=person)
        TraineeFactory(unit=register, main_supervisor=person)
    assert count() == before


@pytest.mark.parametrize("persona", LEADERS)
def test_a_leader_edits_the_profile_on_the_page(client, request, register, persona):
    client.force_login(persona_user(request, persona))
    form = client.get(url("unit-profile-edit", register)).context["form"]
    assert form.initial["version"] == 1

    data = {"version": "1", "listed_patients": "9100", "child_health": "on", "maternal_health": "on", "notes": "Ny"}
    response = client.post(url("unit-profile-edit", register), data)

    assert response.status_code == 302
    profile = UnitProfile.objects.get(unit=register)
    assert (profile.version, profile.listed_patients, profile.elderly_care) == (2, 9100, False)


def test_a_stale_profile_form_says_so_and_saves_nothing(client, register, unit_head, study_director):
    client.force_login(study_director)
    client.post(url("unit-profile-edit", register), {"version": "1", "listed_patients": "7777", "child_health": "on"})
    client.force_login(unit_head)

    response = client.post(url("unit-profile-edit", register), {"version": "1", "listed_patients": "1234"})

    html = page(response)
    assert response.status_code == 200
    assert "Someone else saved the unit profile" in html or "någon annan" in html.lower()
    assert response.context["current"].listed_patients == 7777
    assert response.context["form"]["version"].value() == 2  # a deliberate second save may go through
    assert UnitProfile.objects.get(unit=register).listed_patients == 7777


@pytest.mark.parametrize("persona", ["region_admin", "national_admin"])
def test_administrators_read_but_do_not_edit(client, request, register, persona):
    client.force_login(persona_user(request, persona))

    assert client.get(url("unit-profile-edit", register)).status_code == 403
    assert client.post(url("unit-staff-create", register), {"name": "X", "since": "2024-01-01"}).status_code == 403
    assert UnitStaff.objects.count() == 2


def test_staff_are_added_and_ended_on_the_page(client, register, unit_head, second_specialist):
    client.force_login(unit_head)
    data = {"name": "Bertil Grahn", "specialty": register.specialty.pk, "percent": "60", "since": "2025-02-01",
            "supervisor_meetings_last_year": "0"}  # fmt: skip

    assert client.post(url("unit-staff-create", register), data).status_code == 302
    row = UnitStaff.objects.get(user=second_specialist)
    response = client.post(url("unit-staff-end", register, row.pk), {"until": today().isoformat()})

    assert response.status_code == 302
    assert UnitStaff.objects.get(name="Bertil Grahn").percent == 60
    row.refresh_from_db()
    assert row.until == today()


def test_bad_staff_input_shows_errors_and_saves_nothing(client, register, unit_head):
    client.force_login(unit_head)

    response = client.post(url("unit-staff-create", register), {"name": "", "percent": "0", "since": ""})

    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"percent", "since"}
    assert UnitStaff.objects.count() == 2


def test_the_studierektor_attests_and_grants_a_dispens_on_the_page(client, one_specialist, study_director):
    client.force_login(study_director)
    attested, first = criterion(one_specialist, "utbildningsplatser"), criterion(one_specialist, "specialister")

    assert "Tar emot" not in page(client.get(url("unit-criterion-attest", one_specialist, attested.pk)))
    client.post(
        url("unit-criterion-attest", one_specialist, attested.pk),
        {"met": "yes", "date": today().isoformat(), "note": "Tar emot alla yrkesgrupper."},
    )
    client.post(
        url("unit-dispensation-create", one_specialist, first.pk),
        {"reason": "Rekrytering pågår.", "valid_until": (today() + timedelta(days=60)).isoformat()},
    )

    assert CriterionAttestation.objects.get().met is True
    assert Dispensation.objects.get().criterion == first
    results = {r.criterion.code: r.outcome for r in client.get(url("unit-detail", one_specialist)).context["results"]}
    assert results["utbildningsplatser"] == CriterionOutcome.MET
    assert results["specialister"] == CriterionOutcome.DISPENSATION


def test_a_dispens_in_the_past_shows_an_error_and_saves_nothing(client, register, study_director):
    client.force_login(study_director)

    response = client.post(
        url("unit-dispensation-create", register, criterion(register, "specialister").pk),
        {"reason": "x", "valid_until": "2020-01-01"},
    )

    assert response.status_code == 200
    assert "valid_until" in response.context["form"].errors
    assert not Dispensation.objects.exists()


@pytest.mark.parametrize("persona", NOT_THE_DIRECTOR)
def test_judging_pages_are_403_for_those_who_see_the_unit(client, request, register, persona):
    client.force_login(persona_user(request, persona))
    attested = criterion(register, "utbildningsplatser")

    assert client.get(url("unit-criterion-attest", register, attested.pk)).status_code == 403
    assert client.get(url("unit-dispensation-create", register, attested.pk)).status_code == 403
    assert client.post(url("unit-approval-create", register), {"approved": "yes", "basis": "x"}).status_code == 403
    assert not UnitApproval.objects.exists()


def test_a_criterion_of_another_set_is_404(client, register, study_director):
    other = Region.objects.create(name="Region Annan", code="annan")
    [foreign] = load_criteria(other, "norrbotten")
    client.force_login(study_director)

    assert client.get(url("unit-criterion-attest", register, foreign.criteria.last().pk)).status_code == 404


def test_the_approval_decision_is_recorded_and_shown_with_its_evaluation(
    client, one_specialist, study_director, region_admin
):
    client.force_login(study_director)
    form_page = client.get(url("unit-approval-create", one_specialist))
    assert form_page.context["not_met"] == 1

    response = client.post(
        url("unit-approval-create", one_specialist), {"approved": "no", "basis": "Saknar specialist."}
    )

    approval = UnitApproval.objects.get()
    assert response["Location"] == url("unit-approval-detail", one_specialist, approval.pk)
    assert approval.approved is False and len(approval.evaluation) == 8
    client.force_login(region_admin)
    html = page(client.get(url("unit-approval-detail", one_specialist, approval.pk)))
    assert "Saknar specialist." in html and "Hälsocentralen har minst två" in html


def test_an_approval_without_a_choice_shows_an_error(client, register, study_director):
    client.force_login(study_director)

    response = client.post(url("unit-approval-create", register), {"basis": "x"})

    assert "approved" in response.context["form"].errors
    assert not UnitApproval.objects.exists()


def plan_post(**overrides):
    data = {key: value.isoformat() if isinstance(value, date) else value for key, value in plan_values().items()}
    data["criterion"] = ""
    return data | overrides


def test_the_unit_plan_on_the_pages(client, one_specialist, unit_head, study_director):
    unit = one_specialist
    client.force_login(unit_head)
    first = criterion(unit, "specialister")
    assert (
        client.get(url("unit-plan-create", unit) + f"?kriterium={first.pk}").context["form"].initial["criterion"]
        == first.pk
    )

    response = client.post(url("unit-plan-create", unit), plan_post(criterion=str(first.pk)))
    plan = UnitActionPlan.objects.get()
    assert response["Location"] == url("unit-plan-detail", unit, plan.pk)

    sign_page = client.get(url("unit-plan-sign", unit, plan.pk))
    assert "Ingrid Lundin har slutat" in page(sign_page)
    unconfirmed = client.post(url("unit-plan-sign", unit, plan.pk), {})
    assert unconfirmed.status_code == 200 and "confirm" in unconfirmed.context["form"].errors
    plan.refresh_from_db()
    assert plan.head_signed_at is None

    seen = sign_page.context["form"].initial["seen"]  # the digest of the plan the page showed
    client.post(url("unit-plan-sign", unit, plan.pk), {"confirm": "on", "seen": seen})
    assert client.get(url("unit-plan-update", unit, plan.pk)).status_code == 302  # signed: no more editing
    client.force_login(study_director)
    client.post(url("unit-plan-sign", unit, plan.pk), {"confirm": "on", "seen": seen})
    detail = client.get(url("unit-plan-detail", unit, plan.pk))
    assert detail.context["can_follow_up"] and not detail.context["can_sign"]

    client.post(url("unit-plan-follow-up", unit, plan.pk), {"date": today().isoformat(), "notes": "Annons ute."})
    client.post(url("unit-plan-close", unit, plan.pk), {"closed_on": today().isoformat(), "outcome": "Löst."})

    plan.refresh_from_db()
    assert (plan.head_signed_by, plan.director_signed_by, plan.closed_on) == (unit_head, study_director, today())
    assert "Annons ute." in page(client.get(url("unit-plan-detail", unit, plan.pk)))


def test_a_bad_follow_up_shows_errors_and_saves_nothing(client, unit, study_director, unit_head):
    plan = UnitActionPlanFactory(
        unit=unit, head_signed_by=unit_head, head_signed_at=timezone.now(),
        director_signed_by=study_director, director_signed_at=timezone.now(),
    )  # fmt: skip
    client.force_login(study_director)

    response = client.post(
        url("unit-plan-follow-up", unit, plan.pk), {"date": (today() + timedelta(days=3)).isoformat(), "notes": "x"}
    )

    assert response.status_code == 200
    assert "date" in response.context["follow_up_form"].errors
    assert not UnitActionPlanFollowUp.objects.exists()


def test_the_studierektor_may_not_write_the_plan_and_a_region_admin_only_reads(
    client, unit, study_director, region_admin
):
    plan = UnitActionPlanFactory(unit=unit)
    client.force_login(study_director)
    assert client.post(url("unit-plan-create", unit), plan_post()).status_code == 403
    assert client.get(url("unit-plan-update", unit, plan.pk)).status_code == 403
    client.force_login(region_admin)
    assert client.get(url("unit-plan-detail", unit, plan.pk)).status_code == 200
    assert client.post(url("unit-plan-sign", unit, plan.pk), {"confirm": "on"}).status_code == 403
    assert (
        client.post(url("unit-plan-close", unit, plan.pk), {"closed_on": "2026-01-01", "outcome": "x"}).status_code
        == 403
    )
    plan.refresh_from_db()
    assert (plan.head_signed_at, plan.closed_on) == (None, None)


def test_signing_twice_gives_a_message(client, unit, unit_head):
    plan = UnitActionPlanFactory(unit=unit, head_signed_by=unit_head, head_signed_at=timezone.now())
    client.force_login(unit_head)

    response = client.post(url("unit-plan-sign", unit, plan.pk), {"confirm": "on"}, follow=True)

    [message] = list(get_messages(response.wsgi_request))
    assert message.level_tag == "error"
    assert "already signed" in message.message or "redan signerat" in message.message
    plan.refresh_from_db()
    assert plan.director_signed_at is None


# --- the daily check ---------------------------------------------------------------------------


def alert_mails(user):
    return [message for message in mail.outbox if message.to == [user.email]]


def test_a_criterion_that_stops_being_met_is_mailed_once(register, study_director, second_specialist):
    call_command("check_unit_criteria", "--date", today().isoformat())
    assert mail.outbox == []  # everything known is met; unknown ones are not news
    assert CriterionState.objects.filter(unit=register, outcome=CriterionOutcome.MET).count() == 5

    UnitStaff.objects.filter(user=second_specialist).update(until=today())
    call_command("check_unit_criteria", "--date", (today() + timedelta(days=1)).isoformat())
    call_command("check_unit_criteria", "--date", (today() + timedelta(days=2)).isoformat())

    [message] = alert_mails(study_director)
    assert "Björkdalens hälsocentral" in message.body
    assert "Hälsocentralen har minst två" in message.body
    assert reverse("unit-detail", args=[register.pk]) in message.body
    state = CriterionState.objects.get(unit=register, criterion__code="specialister")
    assert (state.outcome, state.since) == (CriterionOutcome.NOT_MET, today() + timedelta(days=1))


def test_a_not_met_criterion_with_dispens_is_not_mailed_but_is_when_it_ends(one_specialist, study_director):
    DispensationFactory(
        unit=one_specialist,
        criterion=criterion(one_specialist, "specialister"),
        valid_until=today() + timedelta(days=3),
    )

    call_command("check_unit_criteria", "--date", today().isoformat())
    assert mail.outbox == []
    call_command("check_unit_criteria", "--date", (today() + timedelta(days=4)).isoformat())

    assert len(alert_mails(study_director)) == 1


def test_dry_run_stores_and_sends_nothing(one_specialist, study_director, capsys):
    call_command("check_unit_criteria", "--dry-run")

    out = capsys.readouterr().out
    assert "Björkdalens hälsocentral: criterion 1" in out and "Would mail" in out
    assert mail.outbox == [] and not CriterionState.objects.exists()


def test_a_failed_mail_is_retried_the_next_run(one_specialist, study_director, settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FailingBackend"}}
    outcome = domain.check_criteria(today())
    assert outcome.failed == [study_director]
    assert not CriterionState.objects.filter(criterion__code="specialister").exists()

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    outcome = domain.check_criteria(today())
    assert outcome.mailed == [study_director]


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"No such user")})


# --- reminders -------------------------------------------------------------------------------------


def test_reminders_for_the_studierektor_and_the_chef(one_specialist, study_director, unit_head):
    DispensationFactory(
        unit=one_specialist,
        criterion=criterion(one_specialist, "handledartid"),
        valid_until=today() + timedelta(days=20),
    )
    plan = UnitActionPlanFactory(
        unit=one_specialist, follow_up_on=today() + timedelta(days=3),
        head_signed_by=unit_head, head_signed_at=timezone.now(),
        director_signed_by=study_director, director_signed_at=timezone.now(),
    )  # fmt: skip
    unsigned = UnitActionPlanFactory(unit=one_specialist, follow_up_on=today() + timedelta(days=60))

    items = list(domain.unit_reminders(today()))

    director = {item.key: item for item in items if item.user_id == study_director.pk}
    head = {item.key: item for item in items if item.user_id == unit_head.pk}
    first = criterion(one_specialist, "specialister")
    assert set(director) == {
        f"unit_criterion:{one_specialist.pk}:{first.pk}",
        f"unit_dispensation:{Dispensation.objects.get().pk}",
        f"unit_plan_due:{plan.pk}",
        f"unit_plan_sign:{unsigned.pk}",
    }
    assert set(head) == {f"unit_plan_due:{plan.pk}", f"unit_plan_sign:{unsigned.pk}"}
    assert director[f"unit_plan_sign:{unsigned.pk}"].essential
    assert not director[f"unit_criterion:{one_specialist.pk}:{first.pk}"].essential
    assert "Björkdalens hälsocentral" in director[f"unit_criterion:{one_specialist.pk}:{first.pk}"].text


def test_the_source_is_registered_and_bounded(region):
    assert domain.unit_reminders in reminders.SOURCES
    load_criteria(region, "norrbotten")
    director = UserFactory()
    _unit_with_everything(region, 1, director)

    def count():
        with CaptureQueriesContext(connection) as captured:
            items = list(domain.unit_reminders(today()))
        return len(captured.captured_queries), items

    one, items_one = count()
    _unit_with_everything(region, 2, director)
    _unit_with_everything(region, 3, director)
    three, items_three = count()

    assert one == three
    assert len(items_three) > len(items_one)


# --- admin -----------------------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize(
    "model",
    [UnitProfile, UnitStaff, CriteriaSet, Criterion, CriterionAttestation, Dispensation, UnitApproval, UnitActionPlan],
    ids=lambda model: model.__name__,
)
def test_admin_pages_load(client, superuser, register, model):
    ApprovalFactory(unit=register)
    client.force_login(superuser)
    opts = model._meta

    response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count()


def test_the_admin_action_loads_criteria_for_the_chosen_regions(client, superuser, region):
    other = Region.objects.create(name="Västra Götalandsregionen", code="vgr")
    client.force_login(superuser)

    client.post(
        reverse("admin:accounts_region_changelist"),
        {"action": "load_vastra_gotaland_criteria", "_selected_action": [other.pk]},
    )
    client.post(
        reverse("admin:accounts_region_changelist"),
        {"action": "load_norrbotten_criteria", "_selected_action": [region.pk]},
    )

    assert other.criteria_sets.get().criteria.filter(rule=CriterionRule.LISTED_PER_TRAINEE).exists()
    assert region.criteria_sets.get().criteria.count() == 8


def test_an_approval_cannot_be_changed_or_deleted_in_the_admin(client, superuser, register):
    approval = ApprovalFactory(unit=register, basis="Ursprunglig")
    client.force_login(superuser)

    client.post(reverse("admin:contracts_unitapproval_change", args=[approval.pk]), {"basis": "Ändrad"})
    response = client.get(reverse("admin:contracts_unitapproval_delete", args=[approval.pk]))

    assert response.status_code == 403
    approval.refresh_from_db()
    assert approval.basis == "Ursprunglig"


# --- demo --------------------------------------------------------------------------------------


def test_the_demo_is_idempotent_and_has_the_story(db):
    call_command("seed_demo", quiet=True)
    day = today()
    demo_units.seed(day)
    counts = [m.objects.count() for m in (UnitStaff, UnitProfile, UnitApproval, UnitActionPlan, Dispensation)]
    demo_units.seed(day)

    assert [m.objects.count() for m in (UnitStaff, UnitProfile, UnitApproval, UnitActionPlan, Dispensation)] == counts
    region = Region.objects.get(code="norrmark")
    units = {unit.name: unit for unit in Unit.objects.filter(region=region)}
    assert UnitProfile.objects.filter(unit__region=region).count() == len(units)
    results = crit.evaluate_units(units.values(), day)
    outcomes = {name: {r.criterion.code: r.outcome for r in results[unit.pk]} for name, unit in units.items()}
    # Handledning time is judged from the demo's handledning as recorded: not met exactly
    # where some ST-läkare of the unit is below the norm in the last eight weeks.
    for name, unit in units.items():
        if "handledningstid" in outcomes[name]:
            below = StatusSnapshot.objects.filter(trainee__unit=unit, supervision_meets_norm=False).exists()
            expected = CriterionOutcome.NOT_MET if below else CriterionOutcome.MET
            assert outcomes[name].pop("handledningstid") == expected, name
    for name in ("Björkdalens hälsocentral", "Kustby hälsocentral", "Åsmyra hälsocentral"):
        assert set(outcomes[name].values()) == {CriterionOutcome.MET}, name
    forsnas = outcomes["Forsnäs hälsocentral"]
    assert forsnas["handledarkompetens"] == CriterionOutcome.DISPENSATION
    assert list(forsnas.values()).count(CriterionOutcome.MET) == len(forsnas) - 1
    granliden = outcomes["Östra Granlidens hälsocentral"]
    assert granliden["personlig-handledare"] == CriterionOutcome.NOT_MET
    plan = UnitActionPlan.objects.get(unit=units["Östra Granlidens hälsocentral"])
    assert plan.closed_on is None and domain.is_signed_by_both(plan)
    assert not Dispensation.objects.filter(unit=plan.unit).exists()
    assert set(UnitApproval.objects.values_list("unit__name", flat=True)) == set(outcomes) - {
        "Medicinkliniken, Norrmarks sjukhus"
    }
