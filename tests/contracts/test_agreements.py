"""ST-utbildningskontrakt and tillstyrkan: the domain functions, the frozen-record guards,
the reminders source, every page per role, the PDFs and the demo data."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.domain import policy_for
from accounts.enums import Role
from accounts.models import AuditEvent, User
from contracts import agreements
from contracts.enums import ContractRole, CriterionOutcome, CriterionRule, EndorsementDecision
from contracts.models import ContractSignature, CriteriaSet, Criterion, HiringEndorsement, TrainingContract, UnitStaff
from portfolio.models import FrozenRecordError, Trainee
from tests.factories import MembershipFactory, TraineeFactory, UserFactory
from tests.portfolio.factories_activities import persona_user

pytestmark = pytest.mark.django_db

READERS = ["owner", "supervisor", "second_specialist", "study_director", "unit_head", "region_admin", "national_admin"]
OUTSIDERS = ["outsider", "other_supervisor", "other_study_director", "other_trainee", "other_region_admin"]
NOT_MANAGERS = ["owner", "supervisor", "second_specialist", "region_admin"]
UNIT_READERS = ["study_director", "unit_head", "region_admin", "national_admin"]
UNIT_OUTSIDERS = ["outsider", "supervisor", "owner", "second_specialist", "other_study_director", "other_region_admin"]

NEW_DUTY = "Enheten bekostar kursen i konsultationsteknik."
DECIDE_ENDORSED = {"decision": "endorsed", "confirm": "on"}


# --- Helpers


@pytest.fixture
def contract(trainee, study_director, unit_head):
    return agreements.create_contract(trainee, by=study_director)


def rows(contract):
    return {row.role: row for row in ContractSignature.objects.filter(contract=contract)}


def sign_all(contract, *, but=()):
    """Every named party signs in the application, except the roles in `but`."""
    for role, row in rows(contract).items():
        if role not in but:
            agreements.sign_contract(contract, by=row.signer, role=role)


def events(target, action):
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=target.pk, action=action
    )


def pdf_text(content):
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def form_data(contract_or_defaults, **overrides):
    """The contract form as posted, from a dict of fields (contract_defaults / current_fields)."""
    values = dict(contract_or_defaults)
    data = {
        "start": values["start"].isoformat(),
        "unit_head": values["unit_head"].pk if values["unit_head"] else "",
        "unit_head_name": values["unit_head_name"],
        "study_director": values["study_director"].pk if values["study_director"] else "",
        "second_specialist": values["second_specialist"].pk if values["second_specialist"] else "",
        **{name: values[name] for name in agreements.DUTY_FIELDS},
    }
    data.update(overrides)
    return data


def make_contracts(trainee, count):
    """`count` contracts of one trainee, each replacing the one before (as new versions do)."""
    made, previous = [], None
    for index in range(count):
        contract = TrainingContract.objects.create(
            trainee=trainee,
            unit=trainee.unit,
            start=trainee.st_start,
            supersedes=previous,
            **dict.fromkeys(agreements.DUTY_FIELDS, f"Text {index}"),
        )
        for role, user in [
            (ContractRole.TRAINEE, trainee.user),
            (ContractRole.MAIN_SUPERVISOR, trainee.main_supervisor),
        ]:
            ContractSignature.objects.create(contract=contract, role=role, signer=user, name=user.name)
        made.append(contract)
        previous = contract
    return made


@pytest.fixture
def criteria(unit):
    """Two criteria for the unit's region: two specialists (the unit has one) and an attested one."""
    criteria_set = CriteriaSet.objects.create(region=unit.region, specialty=unit.specialty, name="Testkriterier")
    Criterion.objects.create(
        criteria_set=criteria_set,
        position=1,
        code="specialister",
        text="Minst två specialister i allmänmedicin",
        rule=CriterionRule.MIN_SPECIALISTS,
        parameter=Decimal(2),
    )
    Criterion.objects.create(
        criteria_set=criteria_set, position=2, code="lokaler", text="Eget mottagningsrum", rule=CriterionRule.ATTESTED
    )
    UnitStaff.objects.create(unit=unit, name="Erik Holmström", specialty=unit.specialty, since=date(2015, 1, 1))
    return criteria_set


# --- Creating a contract


def test_defaults_come_from_the_trainee_the_unit_and_the_regional_norms(trainee, study_director, unit_head):
    policy = policy_for(trainee.unit.region)
    policy.supervision_hours_per_week = Decimal("1.5")
    policy.save()
    trainee.unit.region._policy_cache = None

    defaults = agreements.contract_defaults(trainee)

    assert defaults["start"] == trainee.st_start
    assert defaults["second_specialist"] == trainee.second_specialist
    assert defaults["unit_head"] == unit_head
    assert defaults["study_director"] == study_director
    assert "minst 1,5 timmar i veckan" in defaults["unit_duties"]
    assert "4 timmar i veckan" in defaults["unit_duties"]
    assert all(defaults[name] for name in agreements.DUTY_FIELDS)


def test_a_new_contract_has_an_unsigned_row_per_party(contract, trainee, study_director, unit_head):
    found = rows(contract)

    assert {role: (row.signer, row.name) for role, row in found.items()} == {
        ContractRole.UNIT_HEAD: (unit_head, "Anna Berg"),
        ContractRole.STUDY_DIRECTOR: (study_director, "Karin Lindqvist"),
        ContractRole.MAIN_SUPERVISOR: (trainee.main_supervisor, "Erik Holmström"),
        ContractRole.TRAINEE: (trainee.user, "Sara Öberg"),
        ContractRole.SECOND_SPECIALIST: (trainee.second_specialist, "Ingrid Lundin"),
    }
    assert all(row.signed_at is None for row in found.values())
    assert contract.unit == trainee.unit
    assert contract.created_by == study_director
    assert events(contract, "contract.created").count() == 1


def test_the_chef_row_is_left_to_fill_when_the_unit_has_two_chefs(trainee, study_director, unit_head):
    MembershipFactory(user=UserFactory(name="Bo Chef"), unit=trainee.unit, role=Role.UNIT_HEAD)

    contract = agreements.create_contract(trainee, by=study_director)

    head = rows(contract)[ContractRole.UNIT_HEAD]
    assert (head.signer, head.name) == (None, "")


def test_no_second_specialist_row_without_a_second_specialist(trainee, study_director):
    trainee.second_specialist = None
    trainee.save()

    contract = agreements.create_contract(trainee, by=study_director)

    assert ContractRole.SECOND_SPECIALIST not in rows(contract)


@pytest.mark.parametrize("persona", ["study_director", "unit_head"])
def test_studierektor_and_chef_create_contracts(request, trainee, persona):
    user = persona_user(request, persona)

    contract = agreements.create_contract(trainee, by=user)

    assert contract.created_by == user


@pytest.mark.parametrize("persona", NOT_MANAGERS)
def test_others_cannot_create_a_contract(request, trainee, unit_head, persona):
    with pytest.raises(PermissionDenied):
        agreements.create_contract(trainee, by=persona_user(request, persona))

    assert not TrainingContract.objects.exists()


def test_a_second_contract_is_refused(contract, trainee, study_director):
    with pytest.raises(ValidationError) as error:
        agreements.create_contract(trainee, by=study_director)

    assert error.value.code == "contract_exists"
    assert TrainingContract.objects.count() == 1


def test_the_second_specialist_must_not_be_the_huvudhandledare(trainee, study_director):
    with pytest.raises(ValidationError) as error:
        agreements.create_contract(trainee, by=study_director, second_specialist=trainee.main_supervisor)

    assert "second_specialist" in error.value.error_dict
    assert not TrainingContract.objects.exists()


# --- Editing and freezing


def test_the_contract_is_edited_while_nobody_has_signed(contract, trainee, study_director):
    agreements.update_contract(contract, by=study_director, unit_duties=NEW_DUTY, second_specialist=None)

    contract.refresh_from_db()
    assert contract.unit_duties == NEW_DUTY
    assert contract.second_specialist is None
    assert ContractRole.SECOND_SPECIALIST not in rows(contract)
    assert events(contract, "contract.updated").get().data["fields"] == ["second_specialist", "unit_duties"]


def test_a_blank_chef_name_is_filled_by_editing(trainee, study_director, unit_head):
    MembershipFactory(user=UserFactory(name="Bo Chef"), unit=trainee.unit, role=Role.UNIT_HEAD)
    contract = agreements.create_contract(trainee, by=study_director)

    agreements.update_contract(contract, by=study_director, unit_head=unit_head)

    head = rows(contract)[ContractRole.UNIT_HEAD]
    assert (head.signer, head.name) == (unit_head, "Anna Berg")


def test_after_the_first_signature_the_functions_refuse_changes(contract, trainee, study_director):
    agreements.sign_contract(contract, by=trainee.user, role=ContractRole.TRAINEE)

    with pytest.raises(ValidationError) as error:
        agreements.update_contract(contract, by=study_director, unit_duties=NEW_DUTY)

    assert error.value.code == "signed"
    contract.refresh_from_db()
    assert contract.unit_duties != NEW_DUTY


def test_after_the_first_signature_the_model_refuses_changes(contract, trainee):
    agreements.sign_contract(contract, by=trainee.user, role=ContractRole.TRAINEE)
    stored = TrainingContract.objects.get(pk=contract.pk)
    stored.unit_duties = NEW_DUTY

    with pytest.raises(FrozenRecordError):
        stored.save()

    signed = rows(contract)[ContractRole.TRAINEE]
    signed.name = "Någon annan"
    with pytest.raises(FrozenRecordError):
        signed.save()
    unsigned = rows(contract)[ContractRole.MAIN_SUPERVISOR]
    unsigned.signer = trainee.second_specialist
    with pytest.raises(FrozenRecordError):
        unsigned.save()
    # A deletion runs in a transaction of its own making; the savepoint keeps the test's usable.
    with pytest.raises(FrozenRecordError), transaction.atomic():
        rows(contract)[ContractRole.TRAINEE].delete()
    with pytest.raises(FrozenRecordError), transaction.atomic():
        TrainingContract.objects.get(pk=contract.pk).delete()
    assert TrainingContract.objects.get(pk=contract.pk).unit_duties != NEW_DUTY


def test_completion_does_not_trip_the_guard_and_a_trainee_can_still_be_removed(contract, trainee):
    sign_all(contract)
    contract.refresh_from_db()
    assert contract.completed_at is not None

    # The contract goes with the trainee (a cascade), which the guard allows.
    trainee.delete()

    assert not TrainingContract.objects.exists()


# --- Signing


def test_each_party_signs_only_their_own_row(contract, trainee, study_director):
    with pytest.raises(PermissionDenied):
        agreements.sign_contract(contract, by=study_director, role=ContractRole.TRAINEE)
    with pytest.raises(PermissionDenied):
        agreements.sign_contract(contract, by=trainee.user, role=ContractRole.MAIN_SUPERVISOR)

    row = agreements.sign_contract(contract, by=trainee.user, role=ContractRole.TRAINEE)

    assert row.signed_at is not None
    assert not row.on_paper
    assert rows(contract)[ContractRole.MAIN_SUPERVISOR].signed_at is None
    assert events(contract, "contract.signed").get().data == {"role": ContractRole.TRAINEE}


def test_signing_twice_is_refused(contract, trainee):
    first = agreements.sign_contract(contract, by=trainee.user, role=ContractRole.TRAINEE)

    with pytest.raises(ValidationError) as error:
        agreements.sign_contract(contract, by=trainee.user, role=ContractRole.TRAINEE)

    assert error.value.code == "already_signed"
    assert rows(contract)[ContractRole.TRAINEE].signed_at == first.signed_at


def test_nobody_signs_while_a_party_is_unnamed(trainee, study_director, unit_head):
    MembershipFactory(user=UserFactory(name="Bo Chef"), unit=trainee.unit, role=Role.UNIT_HEAD)
    contract = agreements.create_contract(trainee, by=study_director)

    with pytest.raises(ValidationError) as error:
        agreements.sign_contract(contract, by=trainee.user, role=ContractRole.TRAINEE)

    assert error.value.code == "parties_missing"
    assert rows(contract)[ContractRole.TRAINEE].signed_at is None


def test_the_last_signature_completes_the_contract_once(contract):
    sign_all(contract, but=[ContractRole.TRAINEE])
    contract.refresh_from_db()
    assert contract.completed_at is None

    agreements.sign_contract(contract, by=contract.trainee.user, role=ContractRole.TRAINEE)

    contract.refresh_from_db()
    assert contract.completed_at is not None
    assert events(contract, "contract.completed").count() == 1


def test_two_last_signatures_from_stale_copies_both_count_and_complete_once(contract, trainee):
    """Two parties open the page at the same time and sign last: neither fails, and the
    contract is completed exactly once."""
    sign_all(contract, but=[ContractRole.TRAINEE, ContractRole.MAIN_SUPERVISOR])
    first_copy = TrainingContract.objects.get(pk=contract.pk)
    second_copy = TrainingContract.objects.get(pk=contract.pk)

    agreements.sign_contract(first_copy, by=trainee.user, role=ContractRole.TRAINEE)
    agreements.sign_contract(second_copy, by=trainee.main_supervisor, role=ContractRole.MAIN_SUPERVISOR)
    completed_at = TrainingContract.objects.get(pk=contract.pk).completed_at

    assert completed_at is not None
    assert second_copy.completed_at == completed_at
    assert all(row.signed_at for row in rows(contract).values())
    assert events(contract, "contract.completed").count() == 1
    # A late duplicate call changes nothing.
    assert agreements._complete_if_signed(TrainingContract.objects.get(pk=contract.pk), trainee.user) is False
    assert TrainingContract.objects.get(pk=contract.pk).completed_at == completed_at


def test_the_studierektor_records_a_paper_signature(contract, study_director):
    row = agreements.record_paper_signature(contract, by=study_director, role=ContractRole.UNIT_HEAD)

    stored = rows(contract)[ContractRole.UNIT_HEAD]
    assert stored.on_paper is True
    assert stored.signed_at == row.signed_at
    assert events(contract, "contract.signed_on_paper").get().data == {"role": "unit_head", "name": "Anna Berg"}


@pytest.mark.parametrize("persona", ["unit_head", "supervisor", "owner"])
def test_only_the_studierektor_records_paper_signatures(request, contract, persona):
    with pytest.raises(PermissionDenied):
        agreements.record_paper_signature(contract, by=persona_user(request, persona), role=ContractRole.UNIT_HEAD)

    assert rows(contract)[ContractRole.UNIT_HEAD].signed_at is None


def test_paper_signatures_can_complete_the_contract(contract, study_director):
    for role in rows(contract):
        agreements.record_paper_signature(contract, by=study_director, role=role)

    contract.refresh_from_db()
    assert contract.completed_at is not None


# --- New version


def test_an_unsigned_contract_is_edited_not_versioned(contract, study_director):
    with pytest.raises(ValidationError) as error:
        agreements.new_version(contract, by=study_director)

    assert error.value.code == "not_signed"
    assert TrainingContract.objects.count() == 1


def test_a_new_version_supersedes_the_old_which_stays(contract, trainee, study_director):
    sign_all(contract)
    contract.refresh_from_db()
    old_completed = contract.completed_at

    new = agreements.new_version(contract, by=study_director)

    assert new.supersedes == contract
    assert new.unit_duties == contract.unit_duties
    assert new.completed_at is None
    assert all(row.signed_at is None for row in rows(new).values())
    assert set(rows(new)) == set(rows(contract))
    contract.refresh_from_db()
    assert contract.completed_at == old_completed
    assert all(row.signed_at for row in rows(contract).values())
    with pytest.raises(ValidationError) as error:
        agreements.new_version(contract, by=study_director)
    assert error.value.code == "superseded"


def test_a_replaced_partly_signed_contract_can_no_longer_be_signed(contract, trainee, study_director):
    agreements.sign_contract(contract, by=trainee.user, role=ContractRole.TRAINEE)
    agreements.new_version(contract, by=study_director)

    with pytest.raises(ValidationError) as error:
        agreements.sign_contract(contract, by=trainee.main_supervisor, role=ContractRole.MAIN_SUPERVISOR)

    assert error.value.code == "superseded"


def test_a_new_version_takes_todays_huvudhandledare(contract, trainee, study_director):
    sign_all(contract)
    new_supervisor = UserFactory(name="Maria Åberg")
    trainee.main_supervisor = new_supervisor
    trainee.save()

    new = agreements.new_version(contract, by=study_director)

    assert rows(new)[ContractRole.MAIN_SUPERVISOR].signer == new_supervisor
    assert rows(contract)[ContractRole.MAIN_SUPERVISOR].name == "Erik Holmström"


# --- Reminders


def test_every_unsigned_party_is_reminded(contract, trainee):
    agreements.sign_contract(contract, by=trainee.user, role=ContractRole.TRAINEE)

    items = list(agreements.contract_signatures_waiting(timezone.localdate()))

    by_user = {item.user_id: item for item in items}
    expected = {row.signer_id for role, row in rows(contract).items() if role != ContractRole.TRAINEE}
    assert set(by_user) == expected
    supervisor_item = by_user[trainee.main_supervisor_id]
    supervisor_row = rows(contract)[ContractRole.MAIN_SUPERVISOR]
    assert supervisor_item.key == f"contract_sign:{supervisor_row.pk}"
    assert supervisor_item.essential is True
    assert supervisor_item.url.endswith(reverse("contract-detail", args=[contract.pk]))
    assert "Sara Öberg" in supervisor_item.text


def test_no_reminder_for_completed_replaced_or_unnamed_contracts(contract, trainee, study_director, unit_head):
    sign_all(contract)
    agreements.new_version(contract, by=study_director)
    other = TraineeFactory(unit=trainee.unit, study_director=study_director)
    MembershipFactory(user=UserFactory(name="Bo Chef"), unit=trainee.unit, role=Role.UNIT_HEAD)
    agreements.create_contract(other, by=study_director)

    items = list(agreements.contract_signatures_waiting(timezone.localdate()))

    new = TrainingContract.objects.get(supersedes=contract)
    assert {item.key for item in items} == {f"contract_sign:{row.pk}" for row in rows(new).values()}


@pytest.mark.parametrize("count", [1, 3])
def test_the_reminder_source_makes_one_query(django_assert_num_queries, study_director, unit_head, unit, count):
    for _ in range(count):
        trainee = TraineeFactory(unit=unit, study_director=study_director)
        agreements.create_contract(trainee, by=study_director)

    with django_assert_num_queries(1):
        items = list(agreements.contract_signatures_waiting(timezone.localdate()))

    assert len(items) == 4 * count  # chef, studierektor, huvudhandledare, ST-läkare


# --- Contract pages


def url(name, *args):
    return reverse(name, args=args)


@pytest.mark.parametrize("persona", READERS)
def test_readers_see_the_contract_list_and_detail(client, request, contract, persona):
    client.force_login(persona_user(request, persona))

    listing = client.get(url("contract-list", contract.trainee_id))
    detail = client.get(url("contract-detail", contract.pk))

    assert [item["contract"] for item in listing.context["contracts"]] == [contract]
    assert detail.status_code == 200
    content = detail.content.decode()
    assert "Anna Berg" in content
    assert "Ingrid Lundin" in content
    assert contract.trainee_duties in content


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_get_404_on_every_contract_page(client, request, contract, persona):
    client.force_login(persona_user(request, persona))

    for name, args in [
        ("contract-list", [contract.trainee_id]),
        ("contract-create", [contract.trainee_id]),
        ("contract-detail", [contract.pk]),
        ("contract-update", [contract.pk]),
        ("contract-sign", [contract.pk]),
        ("contract-paper", [contract.pk]),
        ("contract-pdf", [contract.pk]),
    ]:
        assert client.get(url(name, *args)).status_code == 404, name
    assert client.post(url("contract-new-version", contract.pk)).status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_contract_list_query_count_does_not_grow(client, django_assert_num_queries, trainee, count):
    make_contracts(trainee, count)
    client.force_login(trainee.user)

    # session, user, national-admin check, trainee, contracts, their rows, their successors
    with django_assert_num_queries(7):
        response = client.get(url("contract-list", trainee.pk))

    assert len(response.context["contracts"]) == count


@pytest.mark.parametrize("persona", ["study_director", "unit_head"])
def test_studierektor_and_chef_write_a_contract_from_the_prefilled_form(client, request, trainee, persona):
    user = persona_user(request, persona)
    request.getfixturevalue("unit_head")
    client.force_login(user)

    page = client.get(url("contract-create", trainee.pk))
    defaults = agreements.contract_defaults(trainee)
    assert page.context["form"].initial["unit_duties"] == defaults["unit_duties"]
    response = client.post(url("contract-create", trainee.pk), form_data(defaults, trainee_duties="Egen text."))

    contract = TrainingContract.objects.get(trainee=trainee)
    assert response.url == url("contract-detail", contract.pk)
    assert contract.trainee_duties == "Egen text."
    assert contract.created_by == user
    assert len(rows(contract)) == 5


@pytest.mark.parametrize("persona", NOT_MANAGERS)
def test_readers_who_may_not_write_get_403(client, request, contract, persona):
    client.force_login(persona_user(request, persona))
    data = form_data(agreements.current_fields(contract), unit_duties=NEW_DUTY)

    assert client.get(url("contract-create", contract.trainee_id)).status_code == 403
    assert client.post(url("contract-update", contract.pk), data).status_code == 403
    assert client.post(url("contract-new-version", contract.pk)).status_code == 403
    contract.refresh_from_db()
    assert contract.unit_duties != NEW_DUTY


def test_an_empty_duty_shows_an_error_and_saves_nothing(client, trainee, study_director):
    client.force_login(study_director)
    data = form_data(agreements.contract_defaults(trainee), unit_duties="   ")

    response = client.post(url("contract-create", trainee.pk), data)

    assert response.status_code == 200
    assert response.context["form"].errors["unit_duties"]
    assert not TrainingContract.objects.exists()


def test_a_chef_and_a_typed_name_together_show_an_error(client, trainee, study_director, unit_head):
    client.force_login(study_director)
    data = form_data(agreements.contract_defaults(trainee), unit_head_name="Bo Chef")

    response = client.post(url("contract-create", trainee.pk), data)

    assert response.context["form"].errors["unit_head_name"]
    assert not TrainingContract.objects.exists()


def test_the_contract_is_edited_in_the_form_before_signing(client, contract, study_director):
    client.force_login(study_director)
    data = form_data(agreements.current_fields(contract), unit_duties=NEW_DUTY)

    response = client.post(url("contract-update", contract.pk), data)

    assert response.url == url("contract-detail", contract.pk)
    contract.refresh_from_db()
    assert contract.unit_duties == NEW_DUTY


def test_the_form_cannot_change_a_signed_contract(client, contract, trainee, study_director):
    agreements.sign_contract(contract, by=trainee.user, role=ContractRole.TRAINEE)
    client.force_login(study_director)
    data = form_data(agreements.current_fields(contract), unit_duties=NEW_DUTY, second_specialist="")

    response = client.post(url("contract-update", contract.pk), data)

    assert response.url == url("contract-detail", contract.pk)
    contract.refresh_from_db()
    assert contract.unit_duties != NEW_DUTY
    assert ContractRole.SECOND_SPECIALIST in rows(contract)
    detail = client.get(url("contract-detail", contract.pk))
    assert detail.context["can_edit"] is False
    assert detail.context["can_new_version"] is True


def test_a_party_signs_after_confirming(client, contract, trainee):
    client.force_login(trainee.main_supervisor)
    sign_url = url("contract-sign", contract.pk)

    page = client.get(sign_url, {"role": ContractRole.MAIN_SUPERVISOR})
    unconfirmed = client.post(sign_url, {"role": ContractRole.MAIN_SUPERVISOR})
    assert page.status_code == 200
    assert contract.unit_duties in page.content.decode()
    assert unconfirmed.context["form"].errors["confirm"]
    assert rows(contract)[ContractRole.MAIN_SUPERVISOR].signed_at is None

    seen = page.context["form"].initial["seen"]
    response = client.post(sign_url, {"role": ContractRole.MAIN_SUPERVISOR, "confirm": "on", "seen": seen})

    assert response.url == url("contract-detail", contract.pk)
    assert rows(contract)[ContractRole.MAIN_SUPERVISOR].signed_at is not None


@pytest.mark.parametrize("persona", ["study_director", "unit_head", "region_admin"])
def test_nobody_signs_for_another_party(client, request, contract, persona):
    client.force_login(persona_user(request, persona))

    response = client.post(url("contract-sign", contract.pk), {"role": ContractRole.TRAINEE, "confirm": "on"})

    assert response.status_code == 403
    assert rows(contract)[ContractRole.TRAINEE].signed_at is None


def test_a_party_who_has_signed_is_sent_back_to_the_contract(client, contract, trainee):
    agreements.sign_contract(contract, by=trainee.user, role=ContractRole.TRAINEE)
    client.force_login(trainee.user)

    response = client.post(url("contract-sign", contract.pk), {"role": ContractRole.TRAINEE, "confirm": "on"})

    assert response.url == url("contract-detail", contract.pk)
    assert events(contract, "contract.signed").count() == 1


def test_the_sign_button_shows_only_to_the_named_party(client, contract, trainee):
    client.force_login(trainee.user)
    own = client.get(url("contract-detail", contract.pk))
    client.force_login(trainee.study_director)
    director = client.get(url("contract-detail", contract.pk))

    assert [row.role for row in own.context["my_rows"]] == [ContractRole.TRAINEE]
    assert [row.role for row in director.context["my_rows"]] == [ContractRole.STUDY_DIRECTOR]


def test_the_studierektor_records_a_paper_signature_in_the_form(client, contract, study_director):
    client.force_login(study_director)
    paper_url = url("contract-paper", contract.pk)

    unconfirmed = client.post(paper_url, {"role": ContractRole.UNIT_HEAD})
    assert unconfirmed.context["form"].errors["confirm"]
    response = client.post(paper_url, {"role": ContractRole.UNIT_HEAD, "confirm": "on"})

    assert response.url == url("contract-detail", contract.pk)
    head = rows(contract)[ContractRole.UNIT_HEAD]
    assert head.on_paper and head.signed_at is not None


@pytest.mark.parametrize("persona", ["unit_head", "supervisor", "owner", "region_admin"])
def test_paper_signatures_are_for_the_studierektor_only(client, request, contract, persona):
    client.force_login(persona_user(request, persona))

    response = client.post(url("contract-paper", contract.pk), {"role": ContractRole.UNIT_HEAD, "confirm": "on"})

    assert response.status_code == 403
    assert rows(contract)[ContractRole.UNIT_HEAD].signed_at is None


def test_new_version_from_the_page(client, contract, unit_head):
    sign_all(contract)
    client.force_login(unit_head)

    response = client.post(url("contract-new-version", contract.pk))

    new = TrainingContract.objects.get(supersedes=contract)
    assert response.url == url("contract-update", new.pk)
    listing = client.get(url("contract-list", contract.trainee_id))
    states = {item["contract"].pk: item["state"] for item in listing.context["contracts"]}
    assert states == {new.pk: agreements.STATE_DRAFT, contract.pk: agreements.STATE_SUPERSEDED}
    assert [item["contract"] for item in listing.context["contracts"]] == [new, contract]


def test_a_party_who_no_longer_sees_the_trainee_still_opens_and_signs_the_contract(
    client, contract, trainee, unit_head, other_unit
):
    trainee.unit = other_unit
    trainee.save()
    client.force_login(unit_head)

    assert client.get(url("contract-list", trainee.pk)).status_code == 404
    detail = client.get(url("contract-detail", contract.pk))
    assert detail.status_code == 200
    assert detail.context["is_reader"] is False
    seen = agreements.contract_fingerprint(contract)
    response = client.post(
        url("contract-sign", contract.pk), {"role": ContractRole.UNIT_HEAD, "confirm": "on", "seen": seen}
    )
    assert response.url == url("contract-detail", contract.pk)
    assert rows(contract)[ContractRole.UNIT_HEAD].signed_at is not None


@pytest.mark.parametrize("persona", READERS)
def test_readers_download_the_contract_pdf(client, request, contract, trainee, persona):
    agreements.sign_contract(contract, by=trainee.user, role=ContractRole.TRAINEE)
    agreements.record_paper_signature(contract, by=trainee.study_director, role=ContractRole.UNIT_HEAD)
    client.force_login(persona_user(request, persona))

    response = client.get(url("contract-pdf", contract.pk))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="utbildningskontrakt-{contract.pk}.pdf"'
    text = pdf_text(response.content)
    today = timezone.localdate().isoformat()
    for name in ["Sara Öberg", "Anna Berg", "Karin Lindqvist", "Erik Holmström", "Ingrid Lundin", today]:
        assert name in text
    assert "Björkdalens hälsocentral" in text


# --- Tillstyrkan: domain


@pytest.fixture
def endorsement(unit, study_director, supervisor, criteria):
    return agreements.create_endorsement(
        unit,
        by=study_director,
        candidate_name="Johanna Frisk",
        planned_start=date(2026, 3, 1),
        planned_supervisor=supervisor,
        previous_supervisor_statement="Noggrann och ansvarstagande.",
    )


def test_a_tillstyrkan_stores_the_criteria_as_evaluated_that_day(endorsement, study_director):
    outcomes = {row["code"]: row["outcome"] for row in endorsement.criteria_check}

    assert outcomes == {"specialister": CriterionOutcome.NOT_MET, "lokaler": CriterionOutcome.UNKNOWN}
    assert "1" in endorsement.criteria_check[0]["evidence"]
    assert endorsement.decision == ""
    assert events(endorsement, "endorsement.created").count() == 1


def test_the_planned_huvudhandledare_must_be_a_handledare_of_the_unit(unit, study_director, other_supervisor):
    with pytest.raises(ValidationError) as error:
        agreements.create_endorsement(
            unit,
            by=study_director,
            candidate_name="X",
            planned_start=date(2026, 3, 1),
            planned_supervisor=other_supervisor,
        )

    assert "planned_supervisor" in error.value.error_dict
    assert not HiringEndorsement.objects.exists()


@pytest.mark.parametrize("persona", ["unit_head", "region_admin", "supervisor", "other_study_director"])
def test_only_a_studierektor_of_the_unit_writes_a_tillstyrkan(request, unit, persona):
    with pytest.raises(PermissionDenied):
        agreements.create_endorsement(
            unit, by=persona_user(request, persona), candidate_name="X", planned_start=date(2026, 3, 1)
        )

    assert not HiringEndorsement.objects.exists()


def test_not_endorsed_needs_a_reason(endorsement, study_director):
    with pytest.raises(ValidationError) as error:
        agreements.decide_endorsement(endorsement, by=study_director, decision=EndorsementDecision.NOT_ENDORSED)

    assert "reason" in error.value.error_dict
    endorsement.refresh_from_db()
    assert endorsement.decision == ""


def test_the_decision_is_recorded_once_and_is_final(endorsement, study_director, unit, criteria):
    UnitStaff.objects.create(unit=unit, name="Ingrid Lundin", specialty=unit.specialty, since=date(2015, 1, 1))
    today = timezone.localdate()

    agreements.decide_endorsement(endorsement, by=study_director, decision=EndorsementDecision.ENDORSED)

    endorsement.refresh_from_db()
    assert (endorsement.decision, endorsement.decided_on, endorsement.decided_by) == ("endorsed", today, study_director)
    # The criteria are those of the day of the decision (now two specialists).
    assert endorsement.criteria_check[0]["outcome"] == CriterionOutcome.MET
    with pytest.raises(ValidationError) as error:
        agreements.decide_endorsement(
            endorsement, by=study_director, decision=EndorsementDecision.NOT_ENDORSED, reason="Ändrat mig."
        )
    assert error.value.code == "decided"
    with pytest.raises(ValidationError):
        agreements.update_endorsement(endorsement, by=study_director, candidate_name="Annan")
    stored = HiringEndorsement.objects.get(pk=endorsement.pk)
    stored.decision = EndorsementDecision.NOT_ENDORSED
    with pytest.raises(FrozenRecordError):
        stored.save()
    with pytest.raises(FrozenRecordError), transaction.atomic():
        HiringEndorsement.objects.get(pk=endorsement.pk).delete()
    assert HiringEndorsement.objects.get(pk=endorsement.pk).decision == EndorsementDecision.ENDORSED
    assert events(endorsement, "endorsement.decided").count() == 1


def test_without_criteria_for_the_region_the_check_is_empty(unit, study_director):
    endorsement = agreements.create_endorsement(
        unit, by=study_director, candidate_name="X", planned_start=date(2026, 3, 1)
    )

    assert endorsement.criteria_check == []


# --- Tillstyrkan: pages


def unit_url(name, unit, *args):
    return reverse(name, args=[unit.pk, *args])


@pytest.mark.parametrize("persona", UNIT_READERS)
def test_unit_leaders_and_admins_read_tillstyrkanden(client, request, endorsement, unit, persona):
    client.force_login(persona_user(request, persona))

    listing = client.get(unit_url("endorsement-list", unit))
    detail = client.get(unit_url("endorsement-detail", unit, endorsement.pk))

    assert listing.context["endorsements"] == [endorsement]
    assert [row["code"] for row in listing.context["criteria"]] == ["specialister", "lokaler"]
    content = detail.content.decode()
    assert "Johanna Frisk" in content
    assert "Noggrann och ansvarstagande." in content
    assert "Minst två specialister i allmänmedicin" in content


@pytest.mark.parametrize("persona", UNIT_OUTSIDERS)
def test_others_get_404_on_tillstyrkan_pages(client, request, endorsement, unit, persona):
    client.force_login(persona_user(request, persona))

    for name, args in [
        ("endorsement-list", []),
        ("endorsement-create", []),
        ("endorsement-detail", [endorsement.pk]),
        ("endorsement-update", [endorsement.pk]),
        ("endorsement-pdf", [endorsement.pk]),
    ]:
        assert client.get(unit_url(name, unit, *args)).status_code == 404, name
    decide = client.post(
        unit_url("endorsement-decide", unit, endorsement.pk), {"decision": "endorsed", "confirm": "on"}
    )
    assert decide.status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_tillstyrkan_list_query_count_does_not_grow(client, django_assert_num_queries, unit, study_director, count):
    for index in range(count):
        HiringEndorsement.objects.create(
            unit=unit, candidate_name=f"Sökande {index}", planned_start=date(2026, 3, 1), decided_by=study_director
        )
    client.force_login(study_director)

    # session, user, unit, view permission (studierektor), the tillstyrkanden with people,
    # the criteria set, and the manage permission
    with django_assert_num_queries(7):
        response = client.get(unit_url("endorsement-list", unit))

    assert len(response.context["endorsements"]) == count


def endorsement_data(supervisor, **overrides):
    data = {
        "candidate_name": "Amir Haddad",
        "candidate": "",
        "planned_start": "2026-05-04",
        "planned_supervisor": supervisor.pk,
        "previous_supervisor_statement": "Omtyckt av patienterna.",
    }
    data.update(overrides)
    return data


def test_the_studierektor_writes_a_tillstyrkan(client, unit, study_director, supervisor, criteria):
    client.force_login(study_director)

    page = client.get(unit_url("endorsement-create", unit))
    response = client.post(unit_url("endorsement-create", unit), endorsement_data(supervisor))

    assert [row["code"] for row in page.context["criteria"]] == ["specialister", "lokaler"]
    endorsement = HiringEndorsement.objects.get()
    assert response.url == unit_url("endorsement-detail", unit, endorsement.pk)
    assert (endorsement.candidate_name, endorsement.planned_start) == ("Amir Haddad", date(2026, 5, 4))
    assert endorsement.planned_supervisor == supervisor
    assert len(endorsement.criteria_check) == 2


def test_a_tillstyrkan_without_applicant_shows_an_error_and_saves_nothing(client, unit, study_director, supervisor):
    client.force_login(study_director)

    response = client.post(unit_url("endorsement-create", unit), endorsement_data(supervisor, candidate_name=""))

    assert response.context["form"].errors["candidate_name"]
    assert not HiringEndorsement.objects.exists()


@pytest.mark.parametrize("persona", ["unit_head", "region_admin", "national_admin"])
def test_readers_who_may_not_write_a_tillstyrkan_get_403(client, request, endorsement, unit, supervisor, persona):
    client.force_login(persona_user(request, persona))

    create = client.post(unit_url("endorsement-create", unit), endorsement_data(supervisor))
    update = client.post(
        unit_url("endorsement-update", unit, endorsement.pk), endorsement_data(supervisor, candidate_name="Annan")
    )
    decide = client.post(
        unit_url("endorsement-decide", unit, endorsement.pk), {"decision": "endorsed", "confirm": "on"}
    )

    assert (create.status_code, update.status_code, decide.status_code) == (403, 403, 403)
    endorsement.refresh_from_db()
    assert (endorsement.candidate_name, endorsement.decision) == ("Johanna Frisk", "")
    assert HiringEndorsement.objects.count() == 1


def test_not_endorsed_without_reason_shows_an_error_in_the_form(client, endorsement, unit, study_director):
    client.force_login(study_director)

    response = client.post(
        unit_url("endorsement-decide", unit, endorsement.pk), {"decision": "not_endorsed", "confirm": "on"}
    )

    assert response.status_code == 200
    assert response.context["decision_form"].errors["reason"]
    endorsement.refresh_from_db()
    assert endorsement.decision == ""


def test_the_decision_is_recorded_from_the_page_and_then_final(client, endorsement, unit, study_director, supervisor):
    client.force_login(study_director)
    decide_url = unit_url("endorsement-decide", unit, endorsement.pk)

    unconfirmed = client.post(decide_url, {"decision": "not_endorsed", "reason": "Handledare saknas."})
    assert unconfirmed.context["decision_form"].errors["confirm"]
    response = client.post(decide_url, {"decision": "not_endorsed", "reason": "Handledare saknas.", "confirm": "on"})
    again = client.post(decide_url, {"decision": "endorsed", "confirm": "on"})
    edit = client.post(
        unit_url("endorsement-update", unit, endorsement.pk), endorsement_data(supervisor, candidate_name="Annan")
    )

    assert response.url == unit_url("endorsement-detail", unit, endorsement.pk)
    assert again.url == response.url
    assert edit.url == response.url
    endorsement.refresh_from_db()
    assert (endorsement.decision, endorsement.reason) == ("not_endorsed", "Handledare saknas.")
    assert endorsement.candidate_name == "Johanna Frisk"
    detail = client.get(response.url)
    assert detail.context["decision_form"] is None
    assert "Handledare saknas." in detail.content.decode()


def test_the_studierektor_edits_an_undecided_tillstyrkan(client, endorsement, unit, study_director, supervisor):
    client.force_login(study_director)

    client.post(unit_url("endorsement-update", unit, endorsement.pk), endorsement_data(supervisor))

    endorsement.refresh_from_db()
    assert endorsement.candidate_name == "Amir Haddad"
    assert endorsement.previous_supervisor_statement == "Omtyckt av patienterna."


@pytest.mark.parametrize("persona", UNIT_READERS)
def test_the_tillstyrkan_pdf(client, request, endorsement, unit, study_director, persona):
    agreements.decide_endorsement(endorsement, by=study_director, decision="not_endorsed", reason="Handledare saknas.")
    client.force_login(persona_user(request, persona))

    response = client.get(unit_url("endorsement-pdf", unit, endorsement.pk))

    assert response["Content-Disposition"] == f'attachment; filename="tillstyrkan-{endorsement.pk}.pdf"'
    text = pdf_text(response.content)
    for expected in ["Johanna Frisk", "Björkdalens hälsocentral", "Handledare saknas.", "Karin Lindqvist"]:
        assert expected in text
    assert "Minst två specialister i allmänmedicin" in text


# --- Demo


def test_demo_seed_is_idempotent_and_has_what_the_demo_needs():
    call_command("seed_demo", quiet=True)
    from contracts import demo_agreements

    today = timezone.localdate()
    demo_agreements.seed(today)
    counts = (TrainingContract.objects.count(), ContractSignature.objects.count(), HiringEndorsement.objects.count())
    demo_agreements.seed(today)

    assert (
        TrainingContract.objects.count(),
        ContractSignature.objects.count(),
        HiringEndorsement.objects.count(),
    ) == counts
    trainees = Trainee.objects.filter(unit__region__code="norrmark").count()
    completed = TrainingContract.objects.filter(completed_at__isnull=False).count()
    assert completed >= trainees - 2
    handledare = User.objects.get(username="demo-handledare")
    waiting = list(agreements.signatures_waiting_for(handledare))
    assert [row.contract.trainee.user.username for row in waiting] == ["st-persson"]
    assert ContractSignature.objects.filter(on_paper=True).exists()
    endorsements = HiringEndorsement.objects.filter(unit__name="Björkdalens hälsocentral")
    assert sorted(endorsements.values_list("decision", flat=True)) == ["", "endorsed"]
    assert events(TrainingContract.objects.first(), "contract.created").exists()
    assert all(contract.created_at.date() <= today - timedelta(days=7) for contract in TrainingContract.objects.all())
