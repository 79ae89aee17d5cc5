"""A tjänstgöring, course or activity that an intyg certifies cannot be removed."""

from datetime import date

import pytest
from django.db.models import RestrictedError
from django.urls import reverse

from portfolio.enums import CertificateForm, OtherActivityKind, ServiceKind
from portfolio.models import Certificate, Course, OtherActivity, ServicePeriod, Trainee

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(trainee):
    period = ServicePeriod.objects.create(
        trainee=trainee, kind=ServiceKind.MAIN, unit=trainee.unit, start=date(2023, 9, 1), end=date(2024, 8, 31)
    )
    course = Course.objects.create(
        trainee=trainee, title="Konsultationskurs", start=date(2024, 3, 4), end=date(2024, 3, 6)
    )
    activity = OtherActivity.objects.create(
        trainee=trainee, kind=OtherActivityKind.QUALITY_WORK, title="Hjärtsviktsuppföljning", start=date(2024, 1, 1)
    )
    Certificate.objects.create(trainee=trainee, form=CertificateForm.S15_CLINICAL, service_period=period)
    Certificate.objects.create(trainee=trainee, form=CertificateForm.S15_COURSE, course=course)
    Certificate.objects.create(trainee=trainee, form=CertificateForm.S15_QUALITY, activity=activity)
    return {"service": period, "course": course, "activity": activity}


@pytest.mark.parametrize(
    ("name", "url_name"), [("service", "service-delete"), ("course", "course-delete"), ("activity", "activity-delete")]
)
def test_the_delete_page_refuses_with_a_message_and_keeps_the_record(client, trainee, records, name, url_name):
    record = records[name]
    client.force_login(trainee.user)

    response = client.post(reverse(url_name, args=[trainee.pk, record.pk]), follow=True)

    assert type(record).objects.filter(pk=record.pk).exists()
    messages = [str(message) for message in response.context["messages"]]
    assert any("intyg" in message for message in messages)


def test_the_database_refuses_too_until_the_intyg_is_gone(trainee, records):
    with pytest.raises(RestrictedError):
        records["service"].delete()
    with pytest.raises(RestrictedError):
        records["course"].delete()

    Certificate.objects.filter(trainee=trainee).delete()  # drafts: deleting them frees the records
    records["activity"].delete()
    assert not OtherActivity.objects.filter(pk=records["activity"].pk).exists()
    assert Trainee.objects.filter(pk=trainee.pk).exists()


def test_a_record_without_intyg_is_still_removed(client, trainee):
    period = ServicePeriod.objects.create(
        trainee=trainee,
        kind=ServiceKind.SIDE,
        workplace="Medicinkliniken",
        start=date(2024, 9, 1),
        end=date(2024, 12, 31),
    )
    client.force_login(trainee.user)

    client.post(reverse("service-delete", args=[trainee.pk, period.pk]))

    assert not ServicePeriod.objects.filter(pk=period.pk).exists()
