"""Factories for kurser, other activities, årsrapporter and årsbesök (kept beside the shared ones)."""

import datetime

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.domain import policy_for
from accounts.models import MandatoryCourse
from portfolio.enums import OtherActivityKind
from portfolio.models import AnnualReport, AnnualVisit, Course, OtherActivity
from tests.factories import SpecialtyFactory, TraineeFactory

# The smallest file our validation accepts as a PDF: the header, one empty page, the trailer.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
    b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>> endobj\n"
    b"trailer <</Root 1 0 R>>\n%%EOF\n"
)
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def pdf_upload(name="intyg.pdf", content=PDF_BYTES, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


class MandatoryCourseFactory(factory.django.DjangoModelFactory):
    """A mandatory course in the policy of `region` (created with its defaults if needed)."""

    class Meta:
        model = MandatoryCourse
        exclude = ["region"]

    region = None
    policy = factory.LazyAttribute(lambda o: policy_for(o.region))
    specialty = factory.LazyFunction(lambda: SpecialtyFactory())
    name = factory.Sequence(lambda n: f"Obligatorisk kurs {n}")


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    trainee = factory.SubFactory(TraineeFactory)
    title = factory.Sequence(lambda n: f"Kurs i akut omhändertagande {n}")
    provider = "Regionens FoU-enhet"
    start = datetime.date(2024, 3, 4)
    end = datetime.date(2024, 3, 6)
    created_by = factory.LazyAttribute(lambda o: o.trainee.user)


class OtherActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OtherActivity

    trainee = factory.SubFactory(TraineeFactory)
    kind = OtherActivityKind.QUALITY_WORK
    title = factory.Sequence(lambda n: f"Förbättringsarbete om läkemedelsgenomgångar {n}")
    start = datetime.date(2024, 9, 1)
    end = datetime.date(2025, 2, 28)
    created_by = factory.LazyAttribute(lambda o: o.trainee.user)


class AnnualReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualReport

    trainee = factory.SubFactory(TraineeFactory)
    year = factory.Sequence(lambda n: 2024 + n)
    done = "Huvudtjänstgöring på hälsocentralen, två kurser."
    went_well = "Konsultationerna."
    to_develop = "Handläggning av multisjuka äldre."
    next_steps = "Sidotjänstgöring på medicinkliniken."


class AnnualVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualVisit

    trainee = factory.SubFactory(TraineeFactory)
    date = datetime.date(2024, 10, 15)
    participants = "ST-läkare, huvudhandledare, studierektor"
    notes = "Genomgång av IUP och årsrapport."
    decisions = "Sidotjänstgöring i psykiatri under våren."
    recorded_by = factory.LazyAttribute(lambda o: o.trainee.study_director)


def persona_user(request, name):
    """The user behind a persona name, built from the fixtures in tests/conftest.py."""
    if name == "owner":
        return request.getfixturevalue("trainee").user
    if name == "other_trainee":
        return request.getfixturevalue("other_trainee").user
    if name == "other_supervisor":
        return request.getfixturevalue("other_trainee").main_supervisor
    return request.getfixturevalue(name)
