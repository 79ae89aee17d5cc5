"""Nothing new is signed in an archived portfolio.

The rules refuse changes through permissions; signing is checked on the named signer instead, so
each signing function also refuses an archived trainee on the locked row. Every test makes a record
that could be signed, archives the trainee, tries the signature as the person named to sign, and
checks that the database did not change.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments import assessing, requesting
from assessments.enums import RequestState, SignedStatus
from assessments.forms.requests import AssessorForm
from assessments.models import Assessment, AssessmentRequest
from contracts import agreements
from contracts.enums import ContractRole
from contracts.models import ContractSignature
from portfolio import archive
from portfolio.enums import ArchiveReason
from portfolio.intyg import workflow
from portfolio.models import Certificate, Trainee
from tests.assessments.factories import AssessmentFactory
from tests.assessments.test_requests import form_data, link, send
from tests.test_signing import browser, cert, contract, contract_sign_url, events, read_form, sign_url  # noqa: F401

pytestmark = pytest.mark.django_db

ARCHIVED = "arkiverad"


def archived(trainee, by):
    archive.archive(trainee, by, ArchiveReason.FINISHED)
    trainee.refresh_from_db()
    return trainee


def test_an_intyg_of_an_archived_trainee_is_not_signed(trainee, cert, study_director):  # noqa: F811
    signer = browser(trainee.main_supervisor)
    opened = read_form(signer.get(sign_url(cert))) | {"city": "Umeå", "role": "supervisor"}
    archived(trainee, study_director)

    response = signer.post(sign_url(cert), opened)

    assert ARCHIVED in response.content.decode()
    assert cert.signatures.get().signed_at is None
    assert not Certificate.objects.get(pk=cert.pk).is_signed
    assert not events(cert, "certificate.signature").exists()
    with pytest.raises(ValidationError) as error:
        workflow.sign(cert, by=trainee.main_supervisor, role="supervisor", city="Umeå")
    assert error.value.code == "archived"


def test_a_contract_of_an_archived_trainee_is_not_signed(trainee, contract, study_director):  # noqa: F811
    party = browser(trainee.user)
    opened = read_form(party.get(contract_sign_url(contract), {"role": ContractRole.TRAINEE}))
    archived(trainee, study_director)

    party.post(contract_sign_url(contract), opened | {"role": ContractRole.TRAINEE})

    assert ContractSignature.objects.get(contract=contract, role=ContractRole.TRAINEE).signed_at is None
    assert not events(contract, "contract.signed").exists()
    with pytest.raises(ValidationError) as error:
        agreements.sign_contract(contract, by=trainee.user, role=ContractRole.TRAINEE)
    assert error.value.code == "archived"


def test_a_draft_assessment_of_an_archived_trainee_is_not_signed(trainee, study_director):
    draft = AssessmentFactory(trainee=trainee, status=SignedStatus.DRAFT, signed_at=None)
    archived(trainee, study_director)

    browser(draft.assessor).post(reverse("assessment-sign", args=[trainee.pk, draft.pk]), {"confirm": "on"})

    assert Assessment.objects.get(pk=draft.pk).status == SignedStatus.DRAFT
    with pytest.raises(ValidationError) as error:
        assessing.sign_assessment(draft, by=draft.assessor)
    assert error.value.code == "archived"
    assert Assessment.objects.get(pk=draft.pk).signed_at is None


def test_archiving_withdraws_the_assessors_links(client, trainee, study_director):
    req = send(trainee)
    archived(trainee, study_director)

    req.refresh_from_db()
    assert req.state() == RequestState.REVOKED
    page = client.get(link(req)).content.decode()
    client.post(link(req), form_data(req, assessor_name="Greta Kollega-Ek"))

    assert 'data-state="revoked"' in page and "portföljen har avslutats" in page
    assert not Assessment.objects.filter(trainee=trainee).exists()
    assert events(trainee, "trainee.archived").get().data["requests_withdrawn"] == 1


def test_a_link_form_sent_after_archiving_takes_no_assessment(trainee):
    """Archived between loading the form and sending it, with the link still open: the domain
    refuses on the locked row."""
    req = send(trainee)
    Trainee.objects.filter(pk=trainee.pk).update(archived_at=timezone.now())  # the links untouched
    form = AssessorForm(form_data(req), instance=requesting.new_assessment(req), suggested_goals=list(req.goals.all()))
    assert form.is_valid(), form.errors

    with pytest.raises(ValidationError) as error:
        requesting.complete_request(req, form, assessor_name="Greta Kollega-Ek")

    assert error.value.code == "archived"
    assert not Assessment.objects.filter(trainee=trainee).exists()
    assert AssessmentRequest.objects.get(pk=req.pk).assessment_id is None
