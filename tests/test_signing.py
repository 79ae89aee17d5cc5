"""Signing from a page read earlier: no second signature, no change to what is signed, and no
signature on a text that changed after it was read.

The stale state is made the way it happens: the signer opens the sign page, the record is signed
(or changed) another way, and then the signer sends the page they opened.
"""

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import ERROR, get_messages
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts import locking
from accounts.models import AuditEvent
from assessments import assessing, statements
from assessments.enums import SignedStatus
from assessments.models import Assessment, SupervisorStatement
from contracts import agreements
from contracts import units as unit_domain
from contracts.enums import ContractRole
from contracts.models import ContractSignature, UnitActionPlan
from portfolio.enums import CertificateForm
from portfolio.intyg import workflow
from portfolio.models import Certificate
from tests.assessments.factories import AssessmentFactory, SupervisorStatementFactory
from tests.contracts.factories_units import UnitActionPlanFactory
from tests.portfolio.factories_service import ServicePeriodFactory

pytestmark = pytest.mark.django_db


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def events(target, action):
    content_type = ContentType.objects.get_for_model(target)
    return AuditEvent.objects.filter(target_type=content_type, target_id=target.pk, action=action)


def messages_of(response):
    return [(m.level, m.message) for m in get_messages(response.wsgi_request)]


def page(response):
    return response.content.decode()


def read_form(response):
    """What the sign page's form sends back, hidden digest included."""
    form = response.context["form"]
    assert 'name="seen"' in page(response)
    return {"seen": form.initial["seen"], "confirm": "on"}


# --- intyg -------------------------------------------------------------------------------------


@pytest.fixture
def cert(trainee):
    period = ServicePeriodFactory(trainee=trainee, workplace="Medicinkliniken Umeå", supervisor=trainee.main_supervisor)
    return workflow.draft_for(trainee, by=trainee.user, form=CertificateForm.S15_CLINICAL, service_period=period)


def sign_url(cert):
    return reverse("certificate-sign", args=[cert.trainee_id, cert.pk])


def test_an_intyg_signed_on_paper_meanwhile_gets_no_second_signature(trainee, cert, study_director):
    signer = browser(trainee.main_supervisor)
    opened = read_form(signer.get(sign_url(cert))) | {"city": "Umeå", "role": "supervisor"}
    workflow.mark_signed_on_paper(cert, by=study_director, signed_on=date(2025, 5, 2))
    before = Certificate.objects.get(pk=cert.pk)
    row_before = cert.signatures.get()

    response = signer.post(sign_url(cert), opened)

    assert response["Location"] == reverse("certificate-detail", args=[trainee.pk, cert.pk])
    assert [level for level, _text in messages_of(response)] == [ERROR]
    stored, row = Certificate.objects.get(pk=cert.pk), cert.signatures.get()
    assert (stored.status, stored.signed_at, stored.signed_on_paper) == (before.status, before.signed_at, True)
    assert (row.signed_at, row.city) == (row_before.signed_at, "")
    assert not events(cert, "certificate.signature").exists()


def test_an_intyg_page_sent_twice_signs_once(trainee, cert):
    first_tab, second_tab = browser(trainee.main_supervisor), browser(trainee.main_supervisor)
    first = read_form(first_tab.get(sign_url(cert))) | {"city": "Umeå", "role": "supervisor"}
    second = read_form(second_tab.get(sign_url(cert))) | {"city": "Skellefteå", "role": "supervisor"}

    assert second_tab.post(sign_url(cert), second).status_code == 302
    response = first_tab.post(sign_url(cert), first)

    assert response.status_code == 302
    assert [level for level, _text in messages_of(response)] == [ERROR]
    row = cert.signatures.get()
    assert row.city == "Skellefteå"
    assert events(cert, "certificate.signature").count() == 1
    assert events(cert, "certificate.signed").count() == 1


def test_a_stale_intyg_object_cannot_sign_a_second_time(trainee, cert):
    stale = Certificate.objects.get(pk=cert.pk)
    workflow.sign(cert, by=trainee.main_supervisor, role="supervisor", city="Umeå")
    signed_at = Certificate.objects.get(pk=cert.pk).signed_at

    with pytest.raises(ValidationError):
        workflow.sign(stale, by=trainee.main_supervisor, role="supervisor", city="Luleå")

    assert (Certificate.objects.get(pk=cert.pk).signed_at, cert.signatures.get().city) == (signed_at, "Umeå")
    assert events(cert, "certificate.signature").count() == 1


def test_an_intyg_changed_after_it_was_read_is_not_signed_until_it_is_read_again(trainee, cert):
    signer = browser(trainee.main_supervisor)
    opened = read_form(signer.get(sign_url(cert))) | {"city": "Umeå", "role": "supervisor"}
    workflow.update_draft(cert, by=trainee.user, place="Kirurgkliniken Umeå")

    refused = signer.post(sign_url(cert), opened)

    assert refused.status_code == 200
    assert "Intyget ändrades medan du läste det" in page(refused)
    assert "Kirurgkliniken Umeå" in page(refused)
    assert cert.signatures.get().signed_at is None
    assert Certificate.objects.get(pk=cert.pk).status == SignedStatus.DRAFT
    form = refused.context["form"]
    assert form["seen"].value() == workflow.content_fingerprint(Certificate.objects.get(pk=cert.pk))
    assert not form["confirm"].value()  # read it and tick again

    signed = signer.post(
        sign_url(cert), {"seen": form["seen"].value(), "confirm": "on", "city": "Umeå", "role": "supervisor"}
    )

    assert signed.status_code == 302
    assert Certificate.objects.get(pk=cert.pk).status == SignedStatus.SIGNED


def test_an_intyg_page_without_its_digest_signs_nothing(trainee, cert):
    response = browser(trainee.main_supervisor).post(sign_url(cert), {"city": "Umeå", "confirm": "on"})

    assert response.status_code == 200
    assert locking.is_changed(response.context["form"].non_field_errors().as_data()[0])
    assert cert.signatures.get().signed_at is None


def test_a_co_signer_signing_in_between_does_not_count_as_a_change(trainee, unit_head):
    summary = workflow.draft_for(trainee, by=trainee.user, form=CertificateForm.S15_SUMMARY)
    assert {row.role for row in summary.signatures.all()} == {"unit_head", "main_supervisor"}
    head = browser(unit_head)
    opened = read_form(head.get(sign_url(summary), {"role": "unit_head"})) | {"city": "Umeå", "role": "unit_head"}
    workflow.sign(summary, by=trainee.main_supervisor, role="main_supervisor", city="Luleå")

    assert head.post(sign_url(summary), opened).status_code == 302
    assert summary.signatures.get(role="unit_head").signed_at is not None
    assert Certificate.objects.get(pk=summary.pk).status == SignedStatus.SIGNED


# --- ST-utbildningskontrakt --------------------------------------------------------------------


@pytest.fixture
def contract(trainee, study_director, unit_head):
    return agreements.create_contract(trainee, by=study_director)


def contract_sign_url(contract):
    return reverse("contract-sign", args=[contract.pk])


def row_of(contract, role):
    return ContractSignature.objects.get(contract=contract, role=role)


def test_a_contract_signed_on_paper_meanwhile_gets_no_second_signature(trainee, contract, study_director):
    party = browser(trainee.user)
    opened = read_form(party.get(contract_sign_url(contract), {"role": ContractRole.TRAINEE}))
    agreements.record_paper_signature(contract, by=study_director, role=ContractRole.TRAINEE)
    before = row_of(contract, ContractRole.TRAINEE)

    response = party.post(contract_sign_url(contract), opened | {"role": ContractRole.TRAINEE})

    assert response["Location"] == reverse("contract-detail", args=[contract.pk])
    row = row_of(contract, ContractRole.TRAINEE)
    assert (row.signed_at, row.on_paper) == (before.signed_at, True)
    assert not events(contract, "contract.signed").exists()
    assert events(contract, "contract.signed_on_paper").count() == 1


def test_a_contract_changed_after_it_was_read_is_not_signed(trainee, contract, study_director):
    party = browser(trainee.user)
    opened = read_form(party.get(contract_sign_url(contract), {"role": ContractRole.TRAINEE}))
    agreements.update_contract(contract, by=study_director, trainee_duties="ST-läkaren deltar i jouren.")

    refused = party.post(contract_sign_url(contract), opened | {"role": ContractRole.TRAINEE})

    assert refused.status_code == 200
    assert "Kontraktet ändrades medan du läste det" in page(refused)
    assert "ST-läkaren deltar i jouren." in page(refused)
    assert row_of(contract, ContractRole.TRAINEE).signed_at is None
    again = {"seen": refused.context["form"]["seen"].value(), "confirm": "on", "role": ContractRole.TRAINEE}

    assert party.post(contract_sign_url(contract), again).status_code == 302
    assert row_of(contract, ContractRole.TRAINEE).signed_at is not None


# --- the unit åtgärdsplan ----------------------------------------------------------------------


def plan_sign_url(plan):
    return reverse("unit-plan-sign", args=[plan.unit_id, plan.pk])


def test_a_unit_plan_page_sent_twice_signs_once(unit, unit_head):
    plan = UnitActionPlanFactory(unit=unit)
    first_tab, second_tab = browser(unit_head), browser(unit_head)
    first = read_form(first_tab.get(plan_sign_url(plan)))
    second = read_form(second_tab.get(plan_sign_url(plan)))
    assert second_tab.post(plan_sign_url(plan), second).status_code == 302
    signed_at = UnitActionPlan.objects.get(pk=plan.pk).head_signed_at

    response = first_tab.post(plan_sign_url(plan), first)

    assert response.status_code == 302
    assert [level for level, _text in messages_of(response)] == [ERROR]
    stored = UnitActionPlan.objects.get(pk=plan.pk)
    assert (stored.head_signed_at, stored.director_signed_at) == (signed_at, None)
    assert events(plan, "unit_action_plan.signed").count() == 1


def test_a_unit_plan_changed_after_it_was_read_is_not_signed(unit, unit_head, study_director):
    plan = UnitActionPlanFactory(unit=unit)
    director = browser(study_director)
    opened = read_form(director.get(plan_sign_url(plan)))
    unit_domain.update_plan(plan, by=unit_head, measures="Hyrläkare från januari; annons ute.")

    refused = director.post(plan_sign_url(plan), opened)

    assert refused.status_code == 200
    assert "Åtgärdsplanen ändrades medan du läste den" in page(refused)
    assert "Hyrläkare från januari; annons ute." in page(refused)
    assert UnitActionPlan.objects.get(pk=plan.pk).director_signed_at is None
    assert not events(plan, "unit_action_plan.signed").exists()

    again = director.post(plan_sign_url(plan), {"seen": refused.context["form"]["seen"].value(), "confirm": "on"})

    assert again.status_code == 302
    assert UnitActionPlan.objects.get(pk=plan.pk).director_signed_by == study_director


# --- kompetensvärdering and handledarutlåtande (the assessor or author alone signs) ------------


def test_an_assessment_signed_in_another_tab_is_not_signed_again(trainee):
    draft = AssessmentFactory(trainee=trainee, status=SignedStatus.DRAFT, signed_at=None)
    tab = browser(draft.assessor)
    url = reverse("assessment-sign", args=[trainee.pk, draft.pk])
    assert tab.get(url).status_code == 200
    assessing.sign_assessment(Assessment.objects.get(pk=draft.pk), by=draft.assessor)
    signed_at = Assessment.objects.get(pk=draft.pk).signed_at

    response = tab.post(url, {"confirm": "on"})

    assert response.status_code == 302
    assert [level for level, _text in messages_of(response)] == [ERROR]
    assert Assessment.objects.get(pk=draft.pk).signed_at == signed_at
    assert events(draft, "assessment.signed").count() == 1
    with pytest.raises(ValidationError) as error:
        assessing.sign_assessment(draft, by=draft.assessor)  # the object read before signing
    assert error.value.code == "already_signed"


def test_a_statement_signed_once_is_not_signed_again_from_an_old_object(trainee):
    statement = SupervisorStatementFactory(trainee=trainee, status=SignedStatus.DRAFT, signed_at=None)
    stale = SupervisorStatement.objects.get(pk=statement.pk)
    statements.sign_statement(statement, by=trainee.main_supervisor)
    signed_at = SupervisorStatement.objects.get(pk=statement.pk).signed_at

    with pytest.raises(ValidationError) as error:
        statements.sign_statement(stale, by=trainee.main_supervisor)

    assert error.value.code == "signed"
    assert SupervisorStatement.objects.get(pk=statement.pk).signed_at == signed_at
    assert events(statement, "statement.signed").count() == 1
