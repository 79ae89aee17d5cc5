"""The application page and pack: attachments in the form's order, numbered; one PDF."""

import time
from datetime import date, datetime
from io import BytesIO
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from portfolio.application import SPECIALIST, attachments, build_pack, order_for
from portfolio.enums import CertificateForm, RegulationCode
from portfolio.models import Trainee

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def fake(pk, form, start=None, signed=True, superseded=False):
    """A stand-in with the fields `attachments` reads (it orders what it is given)."""
    return SimpleNamespace(
        pk=pk,
        form=form,
        status="signed" if signed else "draft",
        period_start=start,
        created_at=datetime(2026, 1, 1, tzinfo=STOCKHOLM),
        superseded_by=object() if superseded else None,
    )


def test_attachments_follow_the_application_forms_list_and_skip_drafts_and_corrected_ones():
    certificates = [
        fake(1, CertificateForm.S15_COURSE, date(2022, 3, 1)),
        fake(2, CertificateForm.S15_CLINICAL, date(2021, 1, 1)),
        fake(3, CertificateForm.S15_SUMMARY),
        fake(4, CertificateForm.S15_COURSE, date(2021, 9, 1)),
        fake(5, CertificateForm.S15_CLINICAL, date(2020, 1, 1), superseded=True),
        fake(6, CertificateForm.S15_QUALITY, signed=False),
    ]

    listed = attachments(certificates, order_for(RegulationCode.SOSFS_2015_8, SPECIALIST))

    # SOSFS 2015:8 bilaga 1 lists bilaga 2 (summary), 3, 4, 5, 6, 7 in that order.
    assert [(a.number, a.certificate.pk) for a in listed] == [(1, 3), (2, 2), (3, 4), (4, 1)]


def test_bt_pack_exists_only_under_2021():
    assert order_for(RegulationCode.SOSFS_2015_8, "bt") == []
    assert order_for(RegulationCode.HSLF_FS_2021_8, "bt")[0] == CertificateForm.H21_BT_GOAL


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", quiet=True)
    return Trainee.objects.select_related("user", "regulation", "unit", "specialty").get(user__username="st-aslund")


@pytest.mark.django_db
def test_the_packs_of_the_ready_demo_trainees_hold_every_intyg_with_its_delmal(demo):
    # One ready trainee per regulation: every intyg form they use is rendered in the pack.
    rahimi = Trainee.objects.select_related("user", "regulation", "unit", "specialty").get(user__username="st-rahimi")
    for trainee in (demo, rahimi):
        started = time.perf_counter()
        content, pages = build_pack(trainee, SPECIALIST)
        seconds = time.perf_counter() - started

        reader = PdfReader(BytesIO(content))
        text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
        listed = attachments(list(trainee.certificates.all()), order_for(trainee.regulation.code, SPECIALIST))
        assert pages == len(reader.pages) > len(listed)  # the cover, then one page or more per intyg
        assert trainee.user.name in text  # "Filip Åslund", "Leila Rahimi": names and å intact
        assert "Tjänsteförteckning" in text
        forms = {attachment.certificate.form for attachment in listed}
        assert len(forms) >= 4, forms
        for attachment in listed:
            for goal in attachment.certificate.goals.all():
                assert goal.code in text, (trainee.user.username, attachment.number, goal.code)
        print(f"\napplication pack {trainee.user.username}: {pages} pages, {len(listed)} intyg, {seconds:.2f} s")


@pytest.mark.django_db
def test_the_page_and_the_download_for_those_who_see_the_trainee_and_404_for_others(client, demo):
    from accounts.models import User

    client.force_login(demo.main_supervisor)
    page = client.get(reverse("application-detail", args=[demo.pk]))
    numbers = [a.number for a in page.context["attachments"]]
    client.force_login(demo.user)
    download = client.get(reverse("application-pack", args=[demo.pk, "specialist"]))

    assert numbers == list(range(1, len(numbers) + 1)) and numbers
    assert page.context["verdict"].ready is True
    assert reverse("application-pack", args=[demo.pk, "specialist"]) in page.content.decode()
    assert download["Content-Type"] == "application/pdf"
    # No name in the file name: it may be saved on a shared computer.
    assert download["Content-Disposition"] == 'attachment; filename="ansokan-specialist.pdf"'
    assert download.content.startswith(b"%PDF")
    assert client.get(reverse("application-pack", args=[demo.pk, "bt"])).status_code == 404  # SOSFS 2015:8
    for username in ["st-karlsson", "chef-kustby"]:  # another trainee, another unit's chef
        client.force_login(User.objects.get(username=username))
        assert client.get(reverse("application-detail", args=[demo.pk])).status_code == 404
        assert client.get(reverse("application-pack", args=[demo.pk, "specialist"])).status_code == 404


@pytest.mark.django_db
def test_marking_final_needs_a_ready_pack_the_right_person_and_a_confirmation(client, demo):
    from portfolio.models import Application

    final = reverse("application-finalise", args=[demo.pk, "specialist"])
    client.force_login(demo.main_supervisor)
    assert client.get(final).status_code == 403  # the handledare reads, but does not mark final
    assert client.post(final, {"confirm": "1"}).status_code == 403
    nearly = Trainee.objects.get(user__username="st-lundgren")
    client.force_login(nearly.user)
    refused = client.post(
        reverse("application-finalise", args=[nearly.pk, "specialist"]), {"confirm": "1"}, follow=True
    )
    assert any("slutbedömning" in str(message) for message in refused.context["messages"])
    assert not Application.objects.exists()

    client.force_login(demo.user)
    unconfirmed = client.post(final)
    response = client.post(final, {"confirm": "1"})

    assert unconfirmed.status_code == 200
    assert response.status_code == 302
    application = Application.objects.get()
    listed = attachments(list(demo.certificates.all()), order_for(demo.regulation.code, SPECIALIST))
    assert (application.trainee, application.finalised_by) == (demo, demo.user)
    assert application.certificates.count() == len(listed)
    assert len(application.sha256) == 64 and application.pages > len(listed)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3])
def test_the_application_page_query_count_does_not_grow(client, trainee, count):
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from portfolio.models import Certificate, CertificateSignature

    goals = list(trainee.curriculum.goals.all()[:2])
    for n in range(count):
        certificate = Certificate.objects.create(
            trainee=trainee, form=CertificateForm.S15_COURSE, place=f"Kursgivare {n}", period_start=date(2024, 1, 1 + n)
        )
        Certificate.goals.through.objects.bulk_create(
            Certificate.goals.through(certificate=certificate, goal=goal) for goal in goals
        )
        CertificateSignature.objects.create(
            certificate=certificate,
            role="course_leader",
            name="Kursledare",
            signed_at=datetime(2024, 2, 1, tzinfo=STOCKHOLM),
        )
    Certificate.objects.update(status="signed", signed_at=F("created_at"))
    client.force_login(trainee.user)
    client.get(reverse("application-detail", args=[trainee.pk]))  # the region's policy is created on first use

    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("application-detail", args=[trainee.pk]))

    assert len(response.context["attachments"]) == count
    # The same number of queries for one intyg as for three (the readiness check included).
    # session, user, national-admin check, trainee; the readiness check (the status and its
    # reads, portfolio/records.py); the attachments with their delmål; earlier finalisations;
    # the same for 1 or 3.
    assert len(context) == 28
