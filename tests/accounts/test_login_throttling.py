"""Login throttling (django-axes): a username+address pair is locked after too many failures."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

pytestmark = pytest.mark.django_db

PASSWORD = "secret-password"  # the factories' password
LOCKED_TEXT = "För många misslyckade inloggningsförsök"


def attempt(client, username, password="wrong"):  # noqa: S107 -- a wrong password on purpose
    return client.post(reverse("login"), {"username": username, "password": password})


def fail_until_locked(client, username):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, username)


def without_csrf_token(response):
    """The page without what differs on every request anyway: CSRF token and CSP nonce."""
    return re.sub(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]*"', "", response.content.decode())


def is_logged_in(client):
    return client.get(reverse("home")).status_code == 200


def test_failures_below_the_limit_still_allow_the_right_password(client, trainee):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "st").status_code == 200

    attempt(client, "st", PASSWORD)

    assert is_logged_in(client)


def test_the_limit_of_failures_locks_with_a_swedish_page(client, trainee):
    fail_until_locked(client, "st")

    response = attempt(client, "st")

    assert response.status_code == 429
    content = response.content.decode()
    assert LOCKED_TEXT in content
    assert f"Vänta {settings.AXES_COOLOFF_TIME.seconds // 60} minuter" in content
    assert reverse("password_reset") in content


def test_the_right_password_is_refused_while_locked(client, trainee):
    fail_until_locked(client, "st")

    response = attempt(client, "st", PASSWORD)

    assert response.status_code == 429
    assert not is_logged_in(client)


def test_an_unknown_username_locks_the_same_way(client, trainee):
    """The lockout is no oracle: it looks the same for names that exist and names that do not."""
    fail_until_locked(client, "st")
    known = attempt(client, "st")
    fail_until_locked(client, "nobody")
    unknown = attempt(client, "nobody")

    assert known.status_code == unknown.status_code == 429
    assert without_csrf_token(known) == without_csrf_token(unknown)


def test_other_users_and_other_addresses_are_unaffected(client, trainee, supervisor):
    fail_until_locked(client, "st")

    attempt(client, "handledare", PASSWORD)
    assert is_logged_in(client)

    # The same username from another address (another computer) is not locked either.
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    elsewhere.post(reverse("login"), {"username": "st", "password": PASSWORD})
    assert is_logged_in(elsewhere)


def test_the_lock_ends_after_the_cool_off_time(client, trainee):
    fail_until_locked(client, "st")
    assert attempt(client, "st", PASSWORD).status_code == 429

    # As if the cool-off time had passed since the last failure.
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    attempt(client, "st", PASSWORD)

    assert is_logged_in(client)


def test_an_operator_can_lift_the_lock(client, trainee):
    fail_until_locked(client, "st")

    call_command("axes_reset_username", "st", stdout=StringIO())
    attempt(client, "st", PASSWORD)

    assert is_logged_in(client)


def test_a_new_password_through_the_reset_link_lifts_the_lock(client, trainee):
    fail_until_locked(client, "st")
    user = trainee.user
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)

    # The reset view first swaps the token for a session marker, then takes the new password.
    form_url = client.get(reverse("password_reset_confirm", args=[uid, token]))["Location"]
    new_password = "ett-nytt-langt-losenord"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})

    assert response["Location"] == reverse("password_reset_complete")
    attempt(client, "st", new_password)
    assert is_logged_in(client)


def test_password_reset_answers_alike_for_locked_known_and_unknown_addresses(client, trainee):
    """Asking for a reset link tells nothing about the account, locked or not."""
    fail_until_locked(client, "st")

    known = client.post(reverse("password_reset"), {"email": "st@example.se"})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.se"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1


def test_forwarded_addresses_count_only_behind_the_proxy(settings, trainee):
    """A client cannot dodge the lock by sending its own X-Forwarded-For without the proxy setting."""
    forged = Client(REMOTE_ADDR="192.0.2.1")
    for number in range(settings.AXES_FAILURE_LIMIT):
        forged.post(reverse("login"), {"username": "st", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")

    assert forged.post(reverse("login"), {"username": "st", "password": "wrong"}).status_code == 429

    settings.BEHIND_PROXY = True
    # Behind the proxy the address it appended last is the client's.
    via_proxy = Client(REMOTE_ADDR="127.0.0.1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        via_proxy.post(
            reverse("login"), {"username": "st", "password": "wrong"}, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7"
        )
    locked = via_proxy.post(
        reverse("login"), {"username": "st", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    other = via_proxy.post(
        reverse("login"), {"username": "st", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.8"
    )

    assert locked.status_code == 429
    assert other.status_code == 302
