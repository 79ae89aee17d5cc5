"""Sessions end after a period without requests; each request moves the end forward."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from config.middleware import SEEN_KEY

pytestmark = pytest.mark.django_db


def session_expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_idle_time_is_between_half_an_hour_and_an_hour_and_use_extends_it():
    assert 30 * 60 <= settings.SESSION_COOKIE_AGE <= 60 * 60
    assert "config.middleware.IdleSessionMiddleware" in settings.MIDDLEWARE


def set_last_seen(client, seconds_ago):
    session = client.session
    session[SEEN_KEY] = int(time.time()) - seconds_ago
    session.save()


def test_an_idle_session_is_logged_out(client, trainee):
    client.force_login(trainee.user)
    assert client.get(reverse("home")).status_code == 200

    # As if the person had left the computer for longer than the idle time.
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_active_session_is_kept_and_extended(client, trainee):
    client.force_login(trainee.user)
    # Almost the whole idle time has passed since the last request …
    set_last_seen(client, settings.SESSION_COOKIE_AGE - 60)
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))

    # … and a request now keeps the person logged in for another full idle time.
    assert client.get(reverse("home")).status_code == 200
    expected = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs(session_expiry(client) - expected) < timedelta(seconds=30)
    assert client.get(reverse("home")).status_code == 200


def test_requests_within_a_minute_do_not_write_the_session(client, trainee):
    client.force_login(trainee.user)
    expiry = session_expiry(client)

    client.get(reverse("home"))

    assert session_expiry(client) == expiry


def test_the_session_cookie_is_http_only_and_lives_no_longer_than_the_browser(client, trainee):
    response = client.post(reverse("login"), {"username": "st", "password": "secret-password"})

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["max-age"] == ""  # a browser-session cookie: closing the browser ends it too
    assert cookie["samesite"] == "Lax"
