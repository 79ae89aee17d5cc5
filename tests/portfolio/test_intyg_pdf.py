"""The intyg PDF: Socialstyrelsen's blank form filled by field name, or the reproduction."""

from io import BytesIO

import pytest
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from portfolio.enums import CertificateForm, RegulationCode
from portfolio.intyg import workflow
from portfolio.intyg.forms import form_spec
from portfolio.intyg.pdf import render_certificate
from portfolio.models import Goal
from tests.factories import regulation
from tests.portfolio.factories_service import ServicePeriodFactory

pytestmark = pytest.mark.django_db


def goals(trainee, count=2):
    return list(Goal.objects.filter(curriculum__regulation=trainee.regulation).order_by("pk")[:count])


@pytest.fixture
def cert(trainee):
    period = ServicePeriodFactory(trainee=trainee, workplace="Medicinkliniken, Umeå", notes="Akutflödet på Öst")
    period.goals.set(goals(trainee))
    cert = workflow.draft_for(trainee, by=trainee.user, form=CertificateForm.S15_CLINICAL, service_period=period)
    workflow.name_signer(cert, by=trainee.user, role="supervisor", name="Łukasz Ősz", workplace="Kirurgen, Skellefteå")
    return cert


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_the_reproduction_has_the_forms_text_and_the_values(cert, settings, tmp_path):
    settings.INTYG_BLANK_FORMS_DIR = str(tmp_path)  # empty: no blank form downloaded

    pdf = render_certificate(cert)

    text = text_of(pdf)
    assert "INTYG" in text and "Klinisk tjänstgöring under handledning" in text
    assert "Öberg" in text and "Sara" in text
    for goal in cert.goals.all():
        assert goal.code in text
    assert "Łukasz Ősz" in text and "Kirurgen, Skellefteå" in text
    assert "Delmål som intyget avser (t.ex. a1, b1, c1)" in text
    assert "SOSFS 2015:8 - Bilaga 4" in text
    assert any("DejaVu" in name for name in font_names(pdf))


def test_the_reproduction_shows_the_electronic_signature(cert, trainee):
    workflow.name_signer(cert, by=trainee.user, role="supervisor", signer=trainee.main_supervisor, name="")
    workflow.sign(cert, by=trainee.main_supervisor, role="supervisor", city="Umeå")
    cert.refresh_from_db()

    text = text_of(render_certificate(cert))

    assert "Signerat elektroniskt i ST-portfölj" in text
    assert "Erik Holmström" in text and "Umeå" in text


def make_blank_form(path, form_code):
    """A small fillable PDF with the same field names as the real form, and a print button."""
    names = [
        field["pdf_field"]
        for section in form_spec(form_code)["sections"]
        for field in section["fields"]
        if field["pdf_field"]
    ]
    pdf = canvas.Canvas(str(path))
    for index, name in enumerate(names):
        pdf.acroForm.textfield(name=name, x=40, y=800 - index * 30, width=400, height=20, fontName="Helvetica")
    pdf.acroForm.checkbox(name="Skriv ut", x=40, y=40, size=12)
    pdf.showPage()
    pdf.save()
    return names


def test_the_blank_form_is_filled_by_its_field_names(trainee, settings, tmp_path):
    trainee.regulation = regulation(RegulationCode.HSLF_FS_2021_8)
    trainee.save()
    period = ServicePeriodFactory(trainee=trainee, workplace="Vårdcentralen Åsele")
    period.goals.set(goals(trainee))
    cert = workflow.draft_for(trainee, by=trainee.user, form=CertificateForm.H21_CLINICAL, service_period=period)
    make_blank_form(tmp_path / "hslf2021_b9.pdf", "hslf2021_b9")
    settings.INTYG_BLANK_FORMS_DIR = str(tmp_path)

    reader = PdfReader(BytesIO(render_certificate(cert)))

    fields = {name: field.get("/V") for name, field in reader.get_fields().items()}
    assert fields["Efternamn"] == "Öberg" and fields["Förnamn"] == "Sara"
    assert fields["Tjänstgöringsställe för klinisk tjänstgöring"] == "Vårdcentralen Åsele"
    assert fields["Period ååmmdd  ååmmdd"] == "240101 – 240630"
    assert fields["Delmål som intyget avser tex STa1 STb1 STc1"] == ", ".join(g.code for g in cert.goals.all())
    assert fields["Namnförtydligande"] == "Erik Holmström"
    assert "Skriv ut" not in fields
    assert reader.trailer["/Root"]["/AcroForm"]["/NeedAppearances"]


@pytest.mark.parametrize("form", CertificateForm.values)
def test_every_form_renders_its_heading_labels_and_footer(trainee, form):
    spec = form_spec(form)
    trainee.regulation = regulation(spec["regulation"])
    trainee.save()
    ServicePeriodFactory(trainee=trainee, workplace="Hälsocentralen Öjebyn")
    cert = workflow.draft_for(trainee, by=trainee.user, form=form)

    text = " ".join(text_of(render_certificate(cert)).split())

    assert spec["heading"][1] in text
    assert spec["footer"] in text
    assert "Öberg" in text
    if spec.get("service_table"):
        assert "Hälsocentralen Öjebyn" in text
