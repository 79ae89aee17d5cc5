"""Every view is CSRF-protected, in the browser tests too."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Views allowed to skip the CSRF check, each with its reason. None today: the calendar feed
# (calendar-feed) is GET-only and needs no exemption, since CSRF checks only unsafe methods.
CSRF_EXEMPT_ALLOWED: dict[str, str] = {}


def url_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def test_the_walk_sees_the_whole_project():
    names = {pattern.name for _route, pattern in url_patterns()}

    assert {"login", "home", "calendar-feed", "course-certificate"} <= names
    assert len(names) > 100


def test_no_view_is_csrf_exempt_unless_listed_with_a_reason():
    exempt = {
        pattern.name or route for route, pattern in url_patterns() if getattr(pattern.callback, "csrf_exempt", False)
    }

    assert exempt == set(CSRF_EXEMPT_ALLOWED)


def test_test_settings_keep_the_csrf_middleware():
    """The browser tests run these settings against a live server, where the check applies."""
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    assert settings.CSRF_FAILURE_VIEW == "django.views.csrf.csrf_failure"


@pytest.mark.django_db
def test_a_post_without_the_token_is_refused_in_swedish(trainee):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(trainee.user)

    response = browser.post(reverse("logout"))

    assert response.status_code == 403
    assert "Formuläret kunde inte skickas" in response.content.decode()
