"""Intyg pages per persona: who reads, writes, signs and records paper signing; 404 outside."""

from datetime import date

import pytest
from django.urls import reverse

from portfolio.enums import CertificateForm, OtherActivityKind, ServiceKind
from portfolio.intyg import workflow
from portfolio.models import Certificate
from portfolio.queries import trainee_goals
from tests.factories import UserFactory
from tests.portfolio.factories_activities import CourseFactory, OtherActivityFactory, persona_user
from tests.portfolio.factories_service import ServicePeriodFactory

pytestmark = pytest.mark.django_db

READERS = ["owner", "supervisor", "second_specialist", "study_director", "unit_head", "region_admin", "national_admin"]
OUTSIDERS = ["outsider", "other_supervisor", "other_study_director", "other_trainee", "other_region_admin"]
NOT_THE_TRAINEE = ["supervisor", "second_specialist", "study_director", "unit_head", "region_admin"]


@pytest.fixture
def period(trainee):
    return ServicePeriodFactory(trainee=trainee, workplace="Medicinkliniken Umeå", supervisor=trainee.main_supervisor)


@pytest.fixture
def cert(trainee, period):
    return workflow.draft_for(trainee, by=trainee.user, form=CertificateForm.S15_CLINICAL, service_period=period)


def url(name, trainee, cert=None):
    args = [trainee.pk] if cert is None else [trainee.pk, cert.pk]
    return reverse(name, args=args)


def sign(cert):
    for row in cert.signatures.all():
        workflow.sign(cert, by=row.signer, role=row.role, city="Umeå")
    cert.refresh_from_db()
    return cert


# --- Reading


@pytest.mark.parametrize("persona", READERS)
def test_every_reader_sees_the_list_and_the_preview(client, request, cert, persona):
    client.force_login(persona_user(request, persona))

    listing = client.get(url("certificate-list", cert.trainee))
    detail = client.get(url("certificate-detail", cert.trainee, cert))

    assert "Medicinkliniken Umeå" in listing.content.decode()
    body = detail.content.decode()
    assert "Klinisk tjänstgöring under handledning" in body
    assert "Delmål som intyget avser (t.ex. a1, b1, c1)" in body
    assert "SOSFS 2015:8 - Bilaga 4" in body


ALL_URLS = [
    ("certificate-list", False, "get"),
    ("certificate-create", False, "post"),
    ("certificate-detail", True, "get"),
    ("certificate-update", True, "get"),
    ("certificate-sign", True, "get"),
    ("certificate-paper", True, "get"),
    ("certificate-correct", True, "post"),
    ("certificate-pdf", True, "get"),
]


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize(("name", "with_cert", "method"), ALL_URLS)
def test_outsiders_get_404_everywhere(client, request, cert, persona, name, with_cert, method):
    sign(workflow.draft_for(cert.trainee, by=cert.trainee.user, form=CertificateForm.S15_SUMMARY))
    client.force_login(persona_user(request, persona))
    target = url(name, cert.trainee, cert if with_cert else None)

    response = getattr(client, method)(target, {"form": CertificateForm.S15_CLINICAL} if method == "post" else {})

    assert response.status_code == 404
    assert Certificate.objects.count() == 2


# --- Writing


def test_owner_creates_a_draft_from_a_tjanstgoring(client, trainee, period):
    client.force_login(trainee.user)
    listing = client.get(url("certificate-list", trainee)).content.decode()
    assert "Create intyg" in listing or "Skapa intyg" in listing

    response = client.post(url("certificate-create", trainee), {"form": "sosfs2015_b4", "service_period": period.pk})

    cert = Certificate.objects.get()
    assert response.url == url("certificate-update", trainee, cert)
    assert (cert.form, cert.service_period, cert.place) == ("sosfs2015_b4", period, "Medicinkliniken Umeå")


def test_a_form_of_the_wrong_regulation_saves_nothing(client, trainee, period):
    client.force_login(trainee.user)
    client.post(url("certificate-create", trainee), {"form": "hslf2021_b9", "service_period": period.pk})
    assert not Certificate.objects.exists()


def test_another_trainees_record_is_404(client, trainee, other_trainee):
    foreign = ServicePeriodFactory(trainee=other_trainee)
    client.force_login(trainee.user)
    response = client.post(url("certificate-create", trainee), {"form": "sosfs2015_b4", "service_period": foreign.pk})
    assert response.status_code == 404
    assert not Certificate.objects.exists()


def test_owner_edits_the_draft(client, trainee, cert):
    goal = trainee_goals(trainee).first()
    client.force_login(trainee.user)
    data = {"place": "Kirurgen", "period_start": "2024-01-01", "period_end": "2024-03-31", "description": "Avdelning 5"}
    if goal is not None:
        data["goals"] = [goal.pk]

    response = client.post(url("certificate-update", trainee, cert), data)

    assert response.status_code == 302
    cert.refresh_from_db()
    assert (cert.place, cert.period_end, cert.description) == ("Kirurgen", date(2024, 3, 31), "Avdelning 5")


def test_a_period_ending_before_it_starts_is_refused_and_nothing_saved(client, trainee, cert):
    client.force_login(trainee.user)
    data = {"place": "Kirurgen", "period_start": "2024-05-01", "period_end": "2024-03-31"}

    response = client.post(url("certificate-update", trainee, cert), data)

    assert response.status_code == 200
    assert response.context["form"].errors["period_end"]
    cert.refresh_from_db()
    assert cert.place == "Medicinkliniken Umeå"


@pytest.mark.parametrize("persona", NOT_THE_TRAINEE)
def test_others_who_see_the_trainee_may_not_write(client, request, cert, persona):
    client.force_login(persona_user(request, persona))
    assert client.post(url("certificate-create", cert.trainee), {"form": "sosfs2015_b4"}).status_code == 403
    assert client.post(url("certificate-update", cert.trainee, cert), {"place": "X"}).status_code == 403
    assert Certificate.objects.get().place == "Medicinkliniken Umeå"


# --- Signing


def test_the_named_supervisor_signs_after_confirming(client, trainee, cert):
    client.force_login(trainee.main_supervisor)
    page = client.get(url("certificate-sign", trainee, cert)).content.decode()
    assert "Medicinkliniken Umeå" in page

    refused = client.post(url("certificate-sign", trainee, cert), {"city": "Umeå", "role": "supervisor"})
    assert refused.status_code == 200 and refused.context["form"].errors["confirm"]
    assert cert.signatures.get().signed_at is None

    seen = workflow.content_fingerprint(cert)  # what the page carries, hidden
    client.post(
        url("certificate-sign", trainee, cert), {"city": "Umeå", "role": "supervisor", "confirm": "on", "seen": seen}
    )

    cert.refresh_from_db()
    assert cert.is_signed
    assert cert.signatures.get().city == "Umeå"
    detail = client.get(url("certificate-detail", trainee, cert)).content.decode()
    assert "Signerat elektroniskt i ST-portfölj" in detail


@pytest.mark.parametrize("persona", ["owner", "second_specialist", "study_director", "unit_head"])
def test_only_the_named_signer_may_sign(client, request, cert, persona):
    client.force_login(persona_user(request, persona))
    response = client.post(url("certificate-sign", cert.trainee, cert), {"city": "Umeå", "confirm": "on"})
    assert response.status_code == 403
    assert cert.signatures.get().signed_at is None


def test_study_director_records_paper_signing(client, trainee, cert, study_director):
    client.force_login(study_director)
    assert client.post(url("certificate-paper", trainee, cert), {"signed_on": "2024-07-02"}).status_code == 200
    assert not Certificate.objects.get().is_signed

    client.post(url("certificate-paper", trainee, cert), {"signed_on": "2024-07-02", "confirm": "on"})

    cert.refresh_from_db()
    assert cert.is_signed and cert.signed_on_paper


@pytest.mark.parametrize("persona", ["supervisor", "second_specialist", "unit_head", "region_admin"])
def test_paper_signing_is_403_for_other_readers(client, request, cert, persona):
    client.force_login(persona_user(request, persona))
    response = client.post(url("certificate-paper", cert.trainee, cert), {"signed_on": "2024-07-02", "confirm": "on"})
    assert response.status_code == 403
    assert not Certificate.objects.get().is_signed


def test_owner_corrects_a_signed_intyg_once(client, trainee, cert):
    sign(cert)
    client.force_login(trainee.user)

    client.post(url("certificate-correct", trainee, cert))
    client.post(url("certificate-correct", trainee, cert))

    assert Certificate.objects.count() == 2
    assert Certificate.objects.get(supersedes=cert).status == "draft"
    listing = client.get(url("certificate-list", trainee)).content.decode()
    assert "superseded" in listing or "ersatt" in listing


def test_pdf_download_has_a_neutral_name_and_no_store(client, trainee, cert):
    client.force_login(trainee.main_supervisor)
    response = client.get(url("certificate-pdf", trainee, cert))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="intyg-sosfs2015_b4-{cert.pk}.pdf"'
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"%PDF")


# --- A signer without access to the trainee


def test_a_named_external_signer_sees_only_that_intyg(client, trainee, cert):
    course = CourseFactory(trainee=trainee, provider="Kursgården")
    course_cert = workflow.draft_for(trainee, by=trainee.user, form=CertificateForm.S15_COURSE, course=course)
    leader = UserFactory(name="Łukasz Ősz")
    workflow.name_signer(course_cert, by=trainee.user, role="course_leader", signer=leader, name="")
    client.force_login(leader)

    home = client.get(reverse("home")).content.decode()
    assert url("certificate-sign", trainee, course_cert) in home
    assert client.get(url("certificate-detail", trainee, course_cert)).status_code == 200
    assert client.get(url("certificate-pdf", trainee, course_cert)).status_code == 200
    assert client.get(url("certificate-detail", trainee, cert)).status_code == 404
    assert client.get(url("certificate-list", trainee)).status_code == 404
    assert client.get(url("certificate-paper", trainee, course_cert)).status_code == 404

    seen = workflow.content_fingerprint(course_cert)
    client.post(url("certificate-sign", trainee, course_cert), {"city": "Åre", "confirm": "on", "seen": seen})

    course_cert.refresh_from_db()
    assert course_cert.is_signed


# --- Query counts


@pytest.mark.parametrize("count", [1, 3])
def test_certificate_list_query_count_does_not_grow(client, django_assert_num_queries, trainee, count):
    for n in range(count):
        period = ServicePeriodFactory(
            trainee=trainee, start=date(2024 + n, 1, 1), end=date(2024 + n, 6, 30), supervisor=trainee.main_supervisor
        )
        CourseFactory(trainee=trainee)
        OtherActivityFactory(trainee=trainee)
        sign(workflow.draft_for(trainee, by=trainee.user, form="sosfs2015_b4", service_period=period))
    client.force_login(trainee.user)

    # session, user, national-admin check, trainee, certificates (with correction),
    # signatures, tjänstgöringar, courses, activities
    with django_assert_num_queries(9):
        response = client.get(url("certificate-list", trainee))

    assert sum(len(rows) for _label, rows in response.context["groups"]) == count


def test_start_page_list_query_count_does_not_grow(client, trainee):
    signer = UserFactory(name="Extern Bedömare")
    client.force_login(signer)

    def add_intyg(count):
        for _n in range(count):
            course = CourseFactory(trainee=trainee)
            cert = workflow.draft_for(trainee, by=trainee.user, form="sosfs2015_b5", course=course)
            workflow.name_signer(cert, by=trainee.user, role="course_leader", signer=signer, name="")

    add_intyg(1)
    one, response = _home_queries(client)
    assert len(response.context["certificates_to_sign"]) == 1
    add_intyg(2)
    three, response = _home_queries(client)
    assert len(response.context["certificates_to_sign"]) == 3
    assert one == three
    assert "Sara Öberg" in response.content.decode()


def _home_queries(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("home"))
    return len(ctx.captured_queries), response


def test_owner_names_a_signer_with_an_account(client, trainee, cert, second_specialist):
    client.force_login(trainee.user)
    data = {"action": "signer", "signer-role": "supervisor", "signer-signer": second_specialist.pk}

    response = client.post(url("certificate-update", trainee, cert), data)

    assert response.status_code == 302
    row = cert.signatures.get()
    assert (row.signer, row.name) == (second_specialist, "Ingrid Lundin")


def test_naming_a_signer_without_person_or_name_saves_nothing(client, trainee, cert):
    client.force_login(trainee.user)

    response = client.post(url("certificate-update", trainee, cert), {"action": "signer", "signer-role": "supervisor"})

    assert response.status_code == 200
    assert response.context["signer_form"].non_field_errors()
    assert cert.signatures.get().name == "Erik Holmström"


@pytest.mark.parametrize("form", [f"sosfs2015_b{n}" for n in range(2, 8)])
def test_every_form_of_the_regulation_has_working_pages(client, trainee, unit_head, form):
    cert = workflow.draft_for(trainee, by=trainee.user, form=form)
    client.force_login(trainee.user)

    edit = client.get(url("certificate-update", trainee, cert))
    detail = client.get(url("certificate-detail", trainee, cert)).content.decode()

    assert edit.status_code == 200 and "bilaga_nr" in edit.content.decode()
    assert f"SOSFS 2015:8 - Bilaga {form[-1]}" in detail


def test_the_list_offers_the_right_form_per_record(client, trainee):
    ServicePeriodFactory(trainee=trainee, kind=ServiceKind.AUSKULTATION, workplace="Ögonkliniken")
    CourseFactory(trainee=trainee, title="Akut omhändertagande")
    OtherActivityFactory(trainee=trainee, kind=OtherActivityKind.WRITTEN_WORK, title="Skriftligt arbete om KOL")
    OtherActivityFactory(trainee=trainee, kind=OtherActivityKind.TEACHING, title="Undervisning")
    client.force_login(trainee.user)

    response = client.get(url("certificate-list", trainee))

    offered = {str(choice["record"]).split(" ")[0]: choice["form"] for choice in response.context["records"]}
    assert offered["Ögonkliniken"] == "sosfs2015_b3"
    assert offered["Akut"] == "sosfs2015_b5"
    assert offered["Skriftligt"] == "sosfs2015_b7"
    assert "Undervisning" not in offered
    assert f'href="{url("certificate-list", trainee)}" aria-current="page"' in response.content.decode()
