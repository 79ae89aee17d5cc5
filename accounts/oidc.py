"""Single sign-on through the region's identity provider (OpenID Connect, mozilla-django-oidc).

The provider vouches for a person's HSA-id; the portfolio logs in the one active account an
administrator gave that HSA-id. Nobody gets an account, a role or a unit by logging in: an
unknown HSA-id is turned away with the advice to contact the studierektor or the administrator.

Everything here is inert unless settings.OIDC_ENABLED: the URLs are not routed (config/urls.py)
and the backend answers no authenticate() call.
"""

import logging
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

logger = logging.getLogger(__name__)

# Why a login through the provider was turned away, set on the request by the backend for the view.
FAILURE_ATTRIBUTE = "oidc_failure"
NO_HSA_ID = "no_hsa_id"
UNKNOWN_HSA_ID = "unknown_hsa_id"
INACTIVE = "inactive"
REFUSED = "refused"


def _fail(request, reason):
    setattr(request, FAILURE_ATTRIBUTE, reason)


class HsaIdOidcBackend(OIDCAuthenticationBackend):
    """Logs in the existing, active user whose HSA-id the provider's claims carry."""

    def __init__(self, *args, **kwargs):
        # Django makes every backend for every authenticate() and session lookup; switched off, the
        # library's settings checks (endpoints, keys) must not stand in the way of a password login.
        if settings.OIDC_ENABLED:
            super().__init__(*args, **kwargs)
        else:
            self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce; a password login (username, password) is never
        # taken as a code exchange, even if someone adds ?code=…&state=… to the login page.
        if not settings.OIDC_ENABLED or request is None or "nonce" not in kwargs or "password" in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id):
        # The library's get_user skips the is_active check: a user deactivated by an administrator
        # would keep a session opened through the provider. ModelBackend's refuses them.
        return ModelBackend.get_user(self, user_id)

    def verify_token(self, token, **kwargs):
        """The library checks the signature, the algorithm and the nonce; this adds expiry, audience
        and (when configured) issuer, and turns every token error into a refusal."""
        try:
            payload = super().verify_token(token, **kwargs)
        except jwt.PyJWTError as exc:  # expired, malformed, bad signature …
            raise SuspiciousOperation(f"ID token refused: {exc}") from exc
        if "exp" not in payload:
            raise SuspiciousOperation("ID token refused: it has no expiry.")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token refused: it was issued to another client.")
        issuer = self.get_settings("OIDC_OP_ISSUER", "")
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token refused: it comes from another issuer.")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, with the userinfo endpoint's on top when one is configured.

        Some providers put the HSA-id only in the ID token, others only in userinfo. Userinfo
        about another subject than the ID token's is refused (OpenID Connect Core 5.3.2)."""
        if not self.OIDC_OP_USER_ENDPOINT:
            return dict(payload)
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("Userinfo is about another subject than the ID token.")
        return {**payload, **userinfo}

    def hsa_id_of(self, claims):
        value = claims.get(self.get_settings("OIDC_HSA_ID_CLAIM"))
        return value.strip() if isinstance(value, str) else ""

    def verify_claims(self, claims):
        if self.hsa_id_of(claims):
            return True
        _fail(self.request, NO_HSA_ID)
        return False

    def describe_user_by_claims(self, claims):
        return f"HSA-id {self.hsa_id_of(claims)}"

    def filter_users_by_claims(self, claims):
        # By HSA-id only, never by e-mail: not every provider verifies the e-mail address it sends,
        # and some let the person edit it, so matching on it would let someone log in as whoever
        # has that address here. The HSA-id comes from the HSA catalogue, tied to the SITHS card.
        hsa_id = self.hsa_id_of(claims)
        if not hsa_id:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(hsa_id=hsa_id)

    def create_user(self, claims):
        # Never reached with OIDC_CREATE_USER = False; refused here too so that a changed setting
        # cannot start handing out accounts. An administrator creates accounts and their roles.
        raise SuspiciousOperation("Accounts are not created through single sign-on.")

    def get_or_create_user(self, access_token, id_token, payload):
        user = super().get_or_create_user(access_token, id_token, payload)
        if user is None:
            if not hasattr(self.request, FAILURE_ATTRIBUTE):
                _fail(self.request, UNKNOWN_HSA_ID)
            return None
        if not self.user_can_authenticate(user):
            _fail(self.request, INACTIVE)
            return None
        return user

    def user_can_authenticate(self, user):
        return getattr(user, "is_active", False)

    def update_user(self, user, claims):
        """Name and e-mail follow the provider's, when it sends them (the HSA catalogue is the source)."""
        changed = []
        name = claims.get("name")
        if isinstance(name, str) and name.strip() and name.strip() != user.name:
            user.name = name.strip()[:200]
            changed.append("name")
        email = claims.get("email")
        if isinstance(email, str) and email.strip() and email.strip().lower() != user.email:
            email = email.strip().lower()
            # E-mail addresses are unique here; one already taken by another account stays as it is.
            if not self.UserModel.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
                user.email = email
                changed.append("email")
        if changed:
            user.save(update_fields=changed)
        return user


FAILURE_MESSAGES = {
    UNKNOWN_HSA_ID: lambda: _(
        "You were identified, but no account in the portfolio has your HSA-id. "
        "Contact your studierektor or the portfolio's administrator to get an account."
    ),
    NO_HSA_ID: lambda: _(
        "The identity provider did not send an HSA-id, so you could not be logged in. "
        "Contact the portfolio's administrator."
    ),
    INACTIVE: lambda: _(
        "Your account in the portfolio is not active. Contact your studierektor or the portfolio's administrator."
    ),
    REFUSED: lambda: _("The login through the identity provider failed. Please try again."),
}


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider's redirect back: logs the user in, or shows on the login page why not."""

    @property
    def failure_url(self):
        return resolve_url(settings.LOGIN_URL)

    def get(self, request):
        try:
            return super().get(request)
        except (SuspiciousOperation, requests.RequestException) as exc:
            # A forged or replayed state, a bad token, an unreachable provider: no login.
            logger.warning("Single sign-on refused: %s", exc)
            _fail(request, REFUSED)
            return self.login_failure()

    def login_failure(self):
        request = self.request
        if request.GET.get("error") or request.GET.get("code"):
            reason = getattr(request, FAILURE_ATTRIBUTE, REFUSED)
            messages.error(request, FAILURE_MESSAGES[reason]())
        return HttpResponseRedirect(self.failure_url)


def end_session_url(request, id_token):
    """Where the browser goes after logging out here, to end the provider's session too, or None."""
    endpoint = settings.OIDC_OP_END_SESSION_ENDPOINT
    if not (settings.OIDC_ENABLED and endpoint and id_token):
        return None
    params = {
        "id_token_hint": id_token,
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL)),
    }
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{urlencode(params)}"
