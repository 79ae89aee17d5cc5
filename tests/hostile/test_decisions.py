"""Hostile input to the decisions that sign, approve or return: the IUP's submit, approve and
return; the intyg's creation, content, signature and paper signing; the contract's creation,
content, signature and paper signing.

A decision either happens as a whole, with what was sent stored as it was sent, or not at all
with a Swedish message; never a server error and never half of it. The handledarutlåtande's
signature and the assessor link are in tests/hostile/test_forms.py.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import given

from accounts.models import AuditEvent
from contracts import agreements
from contracts.enums import ContractRole
from contracts.models import ContractSignature, TrainingContract
from portfolio.enums import CertificateForm, PlanStatus
from portfolio.intyg import workflow
from portfolio.models import Certificate, CertificateSignature, TrainingPlan
from tests.hostile.conftest import HOSTILE
from tests.hostile.harness import (
    Outcome,
    browser_body,
    form_fields,
    hostile_post,
    messages_of,
    post_decision,
    snapshot,
)
from tests.hostile.test_forms import run
from tests.portfolio.factories_plans import TrainingPlanFactory
from tests.portfolio.factories_service import ServicePeriodFactory

pytestmark = pytest.mark.django_db


def decide(client, user, url, page, *, record, field, allowed, then=None, valid=None, foreign_ids=()):
    """Post hostile variants of the decision form on `page` to `url`; then the form as a browser sends it."""
    client.force_login(user)
    fields = form_fields(client, url, page)
    fields.update(valid or {})
    outcome = Outcome()
    models = [type(record), AuditEvent]

    @HOSTILE
    @given(data=hostile_post(fields, foreign_ids))
    def check(data):
        post_decision(
            client, url, data, record=record, field=field, allowed=allowed, models=models, outcome=outcome, then=then
        )

    check()
    sent = Outcome()
    post_decision(
        client, url, browser_body(fields), record=record, field=field, allowed=allowed, outcome=sent, then=then
    )
    assert sent.accepted == 1, "the form as the page gives it is refused"
    assert outcome.tried >= 20
    print(f"{url}: {outcome}")
    return outcome


# --------------------------------------------------------------------------- IUP


@pytest.fixture
def submitted(trainee):
    return TrainingPlanFactory(trainee=trainee, status=PlanStatus.SUBMITTED, submitted_at=timezone.now())


def posted(data, name):
    """The value a Django form reads: the last one of a repeated field, "" for a missing one."""
    value = data.get(name, "")
    return value[-1] if isinstance(value, list) else value


def stored_comment(plan):
    return TrainingPlan.objects.values_list("decision_comment", flat=True).get(pk=plan.pk)


def test_iup_submit(client, trainee, foreign):
    plan = TrainingPlanFactory(trainee=trainee)
    url = reverse("plan-submit", args=[trainee.pk, plan.pk])
    page = reverse("plan-detail", args=[trainee.pk, plan.pk])
    decide(
        client,
        trainee.user,
        url,
        page,
        record=plan,
        field="status",
        allowed={PlanStatus.SUBMITTED},
        valid={},
        foreign_ids=foreign,
    )


@pytest.mark.parametrize(
    ("name", "status", "comment_required", "comment"),
    [
        ("plan-approve", PlanStatus.APPROVED, False, "Bra plan, lägg till en kurs i palliativ vård."),
        ("plan-return", PlanStatus.RETURNED, True, "Beskriv hur delmål c7 ska uppnås."),
    ],
)
def test_iup_decision_keeps_the_comment_as_written(
    client, trainee, submitted, study_director, foreign, name, status, comment_required, comment
):
    """Approve and return never drop the studierektor's comment: what was sent is what is
    stored; a return needs one."""
    url = reverse(name, args=[trainee.pk, submitted.pk])
    page = reverse("plan-detail", args=[trainee.pk, submitted.pk])

    def comment_kept(data):
        sent = posted(data, "comment").strip()
        assert sent or not comment_required, "returned without a comment"
        assert stored_comment(submitted) == sent

    decide(
        client,
        study_director,
        url,
        page,
        record=submitted,
        field="status",
        allowed={status},
        then=comment_kept,
        valid={"comment": comment},
        foreign_ids=foreign,
    )


# --------------------------------------------------------------------------- intyg


@pytest.fixture
def period(trainee):
    return ServicePeriodFactory(trainee=trainee, workplace="Medicinkliniken Umeå", supervisor=trainee.main_supervisor)


@pytest.fixture
def cert(trainee, period):
    return workflow.draft_for(trainee, by=trainee.user, form=CertificateForm.S15_CLINICAL, service_period=period)


def test_intyg_create(client, trainee, period, foreign):
    """The create post names the form and the record it is drawn from; a bad one is refused with a message."""
    client.force_login(trainee.user)
    url = reverse("certificate-create", args=[trainee.pk])
    fields = {"csrfmiddlewaretoken": "x", "form": CertificateForm.S15_CLINICAL, "service_period": str(period.pk)}
    outcome = Outcome()

    @HOSTILE
    @given(data=hostile_post(fields, [*foreign, period.pk]))
    def check(data):
        with transaction.atomic():
            before, _ = snapshot([Certificate, CertificateSignature])
            response = client.post(url, data)
            after, _ = snapshot([Certificate, CertificateSignature])
            assert response.status_code < 500, response.status_code
            outcome.tried += 1
            if after["Certificate"] == before["Certificate"]:
                assert after == before, "a refused intyg left signature rows"
                if response.status_code != 404:
                    assert [text for level, text in messages_of(response) if level == "error"]
                outcome.refused += 1
            else:
                assert after["Certificate"] == before["Certificate"] + 1
                created = Certificate.objects.latest("pk")
                assert created.trainee_id == trainee.pk
                assert created.form in CertificateForm.values
                outcome.accepted += 1
            transaction.set_rollback(True)

    check()
    assert outcome.tried >= 20 and outcome.refused
    print(f"{url}: {outcome}")


def test_intyg_content_edit(client, trainee, cert, foreign):
    url = reverse("certificate-update", args=[trainee.pk, cert.pk])
    run(
        client,
        trainee.user,
        url,
        models=[Certificate, CertificateSignature],
        watched=[cert],
        valid={},
        foreign_ids=foreign,
    )


def test_intyg_sign(client, trainee, cert, foreign):
    url = reverse("certificate-sign", args=[trainee.pk, cert.pk])
    row = cert.signatures.get()
    run(
        client,
        trainee.main_supervisor,
        url,
        models=[CertificateSignature, Certificate, AuditEvent],
        watched=[cert, row],
        valid={"city": "Umeå", "confirm": "on"},
        foreign_ids=foreign,
    )


def test_intyg_paper(client, trainee, cert, study_director, foreign):
    url = reverse("certificate-paper", args=[trainee.pk, cert.pk])
    day = f"{timezone.localdate() - timedelta(days=3):%Y-%m-%d}"
    run(
        client,
        study_director,
        url,
        models=[Certificate, CertificateSignature, AuditEvent],
        watched=[cert],
        valid={"signed_on": day, "confirm": "on"},
        foreign_ids=foreign,
    )


# --------------------------------------------------------------------------- contract


@pytest.fixture
def contract(trainee, study_director, unit_head):
    return agreements.create_contract(trainee, by=study_director)


def test_contract_create(client, trainee, study_director, unit_head, foreign):
    url = reverse("contract-create", args=[trainee.pk])
    run(
        client,
        study_director,
        url,
        models=[TrainingContract, ContractSignature],
        created=1,
        valid={"trainee_duties": "Deltar i handledning varje vecka."},
        foreign_ids=foreign,
    )


def test_contract_edit(client, contract, study_director, foreign):
    url = reverse("contract-update", args=[contract.pk])
    run(
        client,
        study_director,
        url,
        models=[TrainingContract, ContractSignature],
        watched=[contract],
        valid={},
        foreign_ids=foreign,
    )


def test_contract_sign(client, contract, trainee, foreign):
    url = reverse("contract-sign", args=[contract.pk])
    row = contract.signatures.get(role=ContractRole.MAIN_SUPERVISOR)
    run(
        client,
        trainee.main_supervisor,
        url,
        page=f"{url}?role={ContractRole.MAIN_SUPERVISOR}",
        models=[ContractSignature, TrainingContract, AuditEvent],
        watched=[contract, row],
        valid={"confirm": "on"},
        foreign_ids=foreign,
    )


def test_contract_paper(client, contract, study_director, foreign):
    url = reverse("contract-paper", args=[contract.pk])
    run(
        client,
        study_director,
        url,
        models=[ContractSignature, TrainingContract, AuditEvent],
        watched=[contract, *contract.signatures.all()],
        valid={"role": ContractRole.TRAINEE, "confirm": "on"},
        foreign_ids=foreign,
    )


# --------------------------------------------------------------------------- what the runs above found


def test_an_approval_whose_comment_cannot_be_stored_is_not_made(client, trainee, submitted, study_director):
    """It used to approve and drop the comment: a NUL byte made the form invalid and the comment ''."""
    client.force_login(study_director)

    response = client.post(
        reverse("plan-approve", args=[trainee.pk, submitted.pk]), {"comment": "Bra plan.\x00"}, follow=True
    )

    submitted.refresh_from_db()
    assert (submitted.status, submitted.decision_comment) == (PlanStatus.SUBMITTED, "")
    assert [text for level, text in messages_of(response) if level == "error"] == [
        "Inget beslut fattades, eftersom kommentaren inte kunde sparas: Null-tecken är inte tillåtna."
    ]
    assert not AuditEvent.objects.filter(action="iup.approved").exists()


def test_an_unknown_signer_role_is_refused_before_the_database(client, trainee, cert):
    """A NUL byte in the role made PostgreSQL refuse the query (a server error); now it is a 403."""
    client.force_login(trainee.main_supervisor)
    url = reverse("certificate-sign", args=[trainee.pk, cert.pk])

    response = client.post(url, {"role": "supervisor\x00", "city": "Umeå", "confirm": "on"})

    assert response.status_code == 403
    assert cert.signatures.get().signed_at is None
