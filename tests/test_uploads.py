"""Uploaded documents are kept outside the web root and leave only through a checked download view."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.static import serve

from tests.portfolio.factories_activities import CourseFactory, pdf_upload


def callbacks(resolver=None):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from callbacks(pattern)
        elif isinstance(pattern, URLPattern):
            yield pattern.callback


def test_media_root_is_outside_every_folder_served_as_static_files():
    media = Path(settings.MEDIA_ROOT).resolve()
    served = [Path(settings.STATIC_ROOT), *map(Path, settings.STATICFILES_DIRS)]
    if getattr(settings, "WHITENOISE_ROOT", None):
        served.append(Path(settings.WHITENOISE_ROOT))

    for folder in served:
        folder = folder.resolve()
        assert not media.is_relative_to(folder), folder
        assert not folder.is_relative_to(media), folder


def test_no_url_serves_the_media_folder():
    assert settings.MEDIA_URL in {"", "/"}  # nothing names a public address for uploads
    assert all(callback is not serve for callback in callbacks())


@pytest.fixture
def certified_course(trainee):
    course = CourseFactory(trainee=trainee, title="Konsultationskurs")
    course.certificate.save("intyg.pdf", pdf_upload(), save=True)
    return course


@pytest.mark.django_db
def test_a_download_is_an_attachment_the_browser_may_not_sniff(client, certified_course):
    client.force_login(certified_course.trainee.user)

    response = client.get(reverse("course-certificate", args=[certified_course.trainee.pk, certified_course.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_an_outsider_gets_404_for_the_download(client, certified_course, outsider):
    client.force_login(outsider)

    response = client.get(reverse("course-certificate", args=[certified_course.trainee.pk, certified_course.pk]))

    assert response.status_code == 404
    assert "Content-Disposition" not in response


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, certified_course):
    response = client.get(reverse("course-certificate", args=[certified_course.trainee.pk, certified_course.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_no_model_stores_a_personnummer():
    """docs/security.md: the forms' personnummer is written by hand on the printout, never stored."""
    from django.apps import apps

    suspicious = ("personnummer", "personal_number", "personal_identity", "ssn", "pnr")
    fields = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if any(word in field.name.lower() for word in suspicious)
    ]

    assert fields == []
