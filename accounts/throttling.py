"""Login throttling with django-axes: the client's address and the page a locked-out login gets.

The page is the same whatever the username: it never says whether an account exists.
"""

import math

from django.conf import settings
from django.shortcuts import render

LOCKOUT_TEMPLATE = "registration/locked_out.html"
LOCKOUT_STATUS = 429  # Too Many Requests: the client may try again later


def client_ip(request) -> str | None:
    """The address a login attempt came from.

    Behind the project's proxy (DJANGO_BEHIND_PROXY=1) that is the last address in
    X-Forwarded-For, the one the proxy itself appended; anything before it was sent by the
    client and can be forged. Without a proxy it is the connection's address.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if addresses:
            return addresses[-1]
    return request.META.get("REMOTE_ADDR")


def is_single_sign_on(request, credentials=None) -> bool:
    """Whether django-axes should leave this authentication alone: the single sign-on callback.

    Only that callback (accounts.oidc) authenticates with a nonce and without a username. No
    password is guessed there (the identity provider checks the SITHS card and throttles its own
    login), and its failures would be counted under no username for the whole address: a handful
    of colleagues without an account at a hospital behind one address would lock out everyone's
    single sign-on there.
    """
    credentials = credentials or {}
    return "nonce" in credentials and not credentials.get("username")


def lockout_response(request, original_response=None, credentials=None):
    """The login page's Swedish explanation instead of axes' bare 403/429 text."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    context = {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, LOCKOUT_TEMPLATE, context, status=LOCKOUT_STATUS)
