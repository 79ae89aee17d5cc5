"""The ST-läkare's personal copy (GDPR right of access): one ZIP with the JSON, the intyg and the files."""

import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from assessments.models import MidTermEvaluation
from portfolio.archive import archive
from portfolio.enums import ArchiveReason
from portfolio.models import Certificate
from portfolio.portable import dumps, export_trainee
from portfolio.portable.personal_copy import build_personal_copy
from tests.portfolio.test_portable import (
    PDF,
    REPORT_PDF,
    add_assessment_records,
    add_certificate_records,
    add_records,
)

pytestmark = pytest.mark.django_db


def copy_url(trainee):
    return reverse("portfolio-personal-copy", args=[trainee.pk])


def unzip(content):
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    return archive


@pytest.fixture
def full(trainee):
    """Three of everything, intyg (signed, a draft, a correction), Mitt-i-ST with its report."""
    add_records(trainee, count=3)
    add_assessment_records(trainee, count=2)
    add_certificate_records(trainee, count=3)
    return trainee


def download(client, trainee, user=None):
    client.force_login(user or trainee.user)
    response = client.get(copy_url(trainee))
    assert response.status_code == 200, response.status_code
    return response, unzip(b"".join(response.streaming_content))


def test_the_copy_holds_the_json_every_intyg_and_every_file(client, full):
    expected_json = dumps(export_trainee(full, reader=full.user)).encode()

    response, archive = download(client, full)

    assert response["Content-Type"] == "application/zip"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="portfoljkopia-st-{today}.zip"'
    assert "no-store" in response["Cache-Control"]
    names = archive.namelist()
    assert names[:2] == ["LASMIG.txt", "portfolj.json"]
    assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())
    assert archive.read("portfolj.json") == expected_json
    # One PDF per intyg, numbered by the intyg's position in the JSON (the draft has no period: first).
    intyg = [name for name in names if name.startswith("intyg/")]
    assert len(intyg) == Certificate.objects.filter(trainee=full).count() == 5
    assert intyg == sorted(intyg)
    assert intyg[0] == "intyg/01-sosfs2015_b6-forbattrad-uppfoljning-av-diabetes-utkast.pdf"
    assert intyg[3].endswith("-ersatt.pdf") and intyg[4].endswith("-signerat.pdf")
    assert [name.rsplit("-", 1)[1] for name in intyg] == [
        "utkast.pdf",
        "signerat.pdf",
        "signerat.pdf",
        "ersatt.pdf",
        "signerat.pdf",
    ]
    assert all(archive.read(name).startswith(b"%PDF") for name in intyg)
    # The uploaded files, byte for byte.
    files = [name for name in names if name.startswith("filer/")]
    assert files == [
        "filer/kurser/01-kurs-0.pdf",
        "filer/kurser/02-kurs-1.pdf",
        "filer/kurser/03-kurs-2.pdf",
        "filer/mitt-i-st/rapport.pdf",
    ]
    assert all(archive.read(name) == PDF for name in files[:3])
    assert archive.read("filer/mitt-i-st/rapport.pdf") == REPORT_PDF


def test_the_readme_names_the_person_the_counts_and_what_is_withheld(client, full):
    _response, archive = download(client, full)
    text = archive.read("LASMIG.txt").decode("utf-8")

    assert "Kopian gäller: Sara Öberg (användarnamn st)" in text
    assert f"Gjord: {timezone.localdate().isoformat()}" in text
    assert "varje intyg som PDF, 5 st: 3 signerade, 1 ersatta och 1 utkast." in text
    assert "de uppladdade filerna som de lämnades in, 4 st:" in text
    assert "filer/kurser/: kursintyg, 3 st;" in text
    assert "filer/mitt-i-st/: rapporten från Mitt-i-ST, 1 st." in text
    assert "docs/portfolio-format.md" in text
    # The assessor's and the author's unsigned drafts are theirs until signed: withheld from her copy too.
    withheld = archive.read("portfolj.json").decode()
    assert '"assessments.drafts"' in withheld and '"supervisor_statements.drafts"' in withheld
    assert "- assessments.drafts: utkast till kompetensvärderingar" in text
    assert "- supervisor_statements.drafts: utkast till handledarutlåtanden" in text
    assert "supervision_meetings.notes" not in text  # her own notes are in the copy
    assert "Saknade filer" not in text


def test_a_portfolio_without_anything_withheld_says_so(client, trainee):
    add_records(trainee, count=1)

    _response, archive = download(client, trainee)
    text = archive.read("LASMIG.txt").decode("utf-8")

    assert "Inget: kopian innehåller allt i portföljen." in text
    assert "0 st: 0 signerade, 0 ersatta och 0 utkast." in text
    assert "filer/kurser/: kursintyg, 1 st;" in text
    assert not [name for name in archive.namelist() if name.startswith("intyg/")]


def test_a_file_missing_from_the_storage_is_listed_not_fatal(client, full):
    gone = full.courses.order_by("start").all()[1]
    default_storage.delete(gone.certificate.name)
    report = MidTermEvaluation.objects.get(trainee=full).report_file.name
    default_storage.delete(report)

    _response, archive = download(client, full)

    names = archive.namelist()
    assert "filer/kurser/02-kurs-1.pdf" not in names and "filer/mitt-i-st/rapport.pdf" not in names
    assert archive.read("filer/kurser/01-kurs-0.pdf") == PDF
    text = archive.read("LASMIG.txt").decode("utf-8")
    assert "Saknade filer" in text
    assert "- filer/kurser/02-kurs-1.pdf: kursintyget för kursen ”Kurs 1”" in text
    assert "- filer/mitt-i-st/rapport.pdf: rapporten från Mitt-i-ST" in text
    assert "de uppladdade filerna som de lämnades in, 2 st:" in text
    data = archive.read("portfolj.json").decode()
    courses = {row["title"]: row["certificate"] for row in json.loads(data)["courses"]}
    assert courses["Kurs 1"] is None and courses["Kurs 0"]["size"] == len(PDF)
    assert AuditEvent.objects.get(action="portfolio.personal_copy").data["missing"] == 2


def test_the_plain_export_still_fails_on_a_missing_file(full):
    """Only the personal copy turns a missing file into null: a move between regions must not lose one silently."""
    default_storage.delete(full.courses.order_by("start").first().certificate.name)

    with pytest.raises(FileNotFoundError):
        export_trainee(full)


def test_an_archived_trainee_keeps_the_right_of_access(client, full, study_director):
    archive(full, by=study_director, reason=ArchiveReason.FINISHED)
    full.refresh_from_db()
    assert full.is_archived

    _response, archive_zip = download(client, full)

    assert len([name for name in archive_zip.namelist() if name.startswith("intyg/")]) == 5


def test_the_download_is_audited(client, full):
    download(client, full)

    event = AuditEvent.objects.get(action="portfolio.personal_copy")
    assert event.actor == full.user and event.target_id == full.pk
    assert event.data == {
        "files": 4,
        "intyg": 5,
        "missing": 0,
        "withheld": ["assessments.drafts", "supervisor_statements.drafts"],
    }


@pytest.mark.parametrize("persona", ["supervisor", "second_specialist", "study_director", "unit_head", "region_admin"])
def test_others_who_see_the_trainee_get_403(client, full, unit_head, region_admin, persona):
    user = {
        "supervisor": full.main_supervisor,
        "second_specialist": full.second_specialist,
        "study_director": full.study_director,
        "unit_head": unit_head,
        "region_admin": region_admin,
    }[persona]
    client.force_login(user)

    response = client.get(copy_url(full))

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="portfolio.personal_copy").exists()


@pytest.mark.parametrize("persona", ["other_trainee", "outsider", "other_study_director"])
def test_outsiders_get_404(client, full, other_trainee, outsider, other_study_director, persona):
    user = {"other_trainee": other_trainee.user, "outsider": outsider, "other_study_director": other_study_director}[
        persona
    ]
    client.force_login(user)

    response = client.get(copy_url(full))

    assert response.status_code == 404
    assert "Sara Öberg" not in response.content.decode()
    # Her own copy is hers alone: the other trainee's URL gives her own, not Sara's.
    if persona == "other_trainee":
        own = client.get(copy_url(other_trainee))
        assert own.status_code == 200
        assert "Sara Öberg" not in unzip(b"".join(own.streaming_content)).read("LASMIG.txt").decode()


def test_get_only_and_login_required(client, full):
    assert client.get(copy_url(full))["Location"].startswith(reverse("login"))
    client.force_login(full.user)
    assert client.post(copy_url(full)).status_code == 405


def test_the_link_is_on_her_own_page_only(client, full):
    link = copy_url(full)
    client.force_login(full.user)
    assert link in client.get(reverse("trainee-detail", args=[full.pk])).content.decode()

    client.force_login(full.study_director)
    page = client.get(reverse("trainee-detail", args=[full.pk]))
    assert page.status_code == 200
    assert link not in page.content.decode()
    assert reverse("portfolio-export", args=[full.pk]) in page.content.decode()  # her JSON, for a move


# --------------------------------------------------------------------------- queries


@pytest.mark.parametrize("count", [1, 5])
def test_the_queries_do_not_grow_with_the_records(django_assert_num_queries, trainee, count):
    add_records(trainee, count=count)
    add_assessment_records(trainee, count=count)
    add_certificate_records(trainee, count=count)

    # The JSON export (27), the trainee, the intyg (+ signatures, + delmål), the service rows of
    # the summary forms (none here), the courses with files and Mitt-i-ST.
    with django_assert_num_queries(PERSONAL_COPY_QUERIES):
        copy = build_personal_copy(trainee)

    copy.file.close()
    assert copy.intyg_count == count + 2
    assert copy.files == {"kurser": count, "mitt-i-st": 1}


PERSONAL_COPY_QUERIES = 33
