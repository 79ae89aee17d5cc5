"""Single sign-on through OpenID Connect (accounts/oidc.py), against a local fake identity provider.

The provider is real cryptography at the HTTP boundary: an RSA key made for the test run signs
the ID tokens, and its JWKS, token and userinfo endpoints answer the library's `requests` calls.
Everything on our side of that boundary (the library, our backend and views) runs for real.
"""

import base64
import hashlib
import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from axes.models import AccessAttempt
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import clear_url_caches, reverse

import config.urls
from accounts.models import User
from tests.factories import UserFactory
from tests.permission_matrix import table
from tests.permission_matrix.patterns import all_patterns
from tests.permission_matrix.world import build_world

pytestmark = pytest.mark.django_db

ISSUER = "https://idp.region.example"
CLIENT_ID = "st-portfolj"
HSA_ID = "SE2321000016-1234"
PASSWORD = "secret-password"  # the factories' password
UNKNOWN_TEXT = "ingen användare i portföljen har ditt HSA-id"
INACTIVE_TEXT = "Ditt konto i portföljen är inte aktivt"
REFUSED_TEXT = "Inloggningen via identitetsleverantören misslyckades"
DEFAULT_BUTTON = "Logga in med SITHS/e-tjänstekort"


def _new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


PROVIDER_KEY = _new_key()
OTHER_KEY = _new_key()


def _response(url, status=200, body=None, content_type="application/json"):
    response = requests.Response()
    response.status_code = status
    response.url = url
    response.headers["Content-Type"] = content_type
    response._content = json.dumps(body or {}).encode()
    return response


class FakeProvider:
    """The identity provider's three back-channel endpoints, with what a test wants to vary."""

    def __init__(self):
        self.code = "the-authorization-code"
        self.claims = {"sub": "subject-1", "name": "Sara Öberg", HSA_CLAIM: HSA_ID}
        self.userinfo = {"sub": "subject-1", "email": "sara.oberg@region.example"}
        self.token_overrides = {}
        self.signing_key = PROVIDER_KEY
        self.nonce = None
        self.code_challenge = None
        self.token_requests = []

    def authorize(self, client, next_url=None):
        """The browser's visit to /oidc/authenticate/ and the provider's answer: the callback URL."""
        query = f"?next={next_url}" if next_url else ""
        response = client.get("/oidc/authenticate/" + query)
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        params = {key: values[0] for key, values in parse_qs(location.query).items()}
        assert f"{location.scheme}://{location.netloc}{location.path}" == AUTHORIZATION_ENDPOINT
        self.nonce = params["nonce"]
        self.code_challenge = params["code_challenge"]
        return params

    def id_token(self):
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": self.nonce}
        claims |= self.claims | self.token_overrides
        return jwt.encode(claims, self.signing_key, algorithm="RS256", headers={"kid": "key-1"})

    def post(self, url, data=None, **kwargs):
        assert url == TOKEN_ENDPOINT
        self.token_requests.append(data)
        verifier = data.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if data.get("code") != self.code or challenge != self.code_challenge or data.get("client_id") != CLIENT_ID:
            return _response(url, 400, {"error": "invalid_grant"})
        return _response(url, body={"access_token": "access-1", "token_type": "Bearer", "id_token": self.id_token()})

    def get(self, url, headers=None, **kwargs):
        if url == JWKS_ENDPOINT:
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(PROVIDER_KEY.public_key()))
            return _response(url, body={"keys": [jwk | {"kid": "key-1", "alg": "RS256", "use": "sig"}]})
        assert url == USERINFO_ENDPOINT
        assert headers == {"Authorization": "Bearer access-1"}
        return _response(url, body=self.userinfo)


AUTHORIZATION_ENDPOINT = f"{ISSUER}/authorize"
TOKEN_ENDPOINT = f"{ISSUER}/token"
USERINFO_ENDPOINT = f"{ISSUER}/userinfo"
JWKS_ENDPOINT = f"{ISSUER}/jwks"
END_SESSION_ENDPOINT = f"{ISSUER}/logout"
HSA_CLAIM = "hsa_id"


def _reload_urls():
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def sso(settings):
    """Single sign-on switched on, as DJANGO_OIDC_ENABLED=1 and the endpoints would; the fake provider."""
    settings.OIDC_ENABLED = True
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = AUTHORIZATION_ENDPOINT
    settings.OIDC_OP_TOKEN_ENDPOINT = TOKEN_ENDPOINT
    settings.OIDC_OP_USER_ENDPOINT = USERINFO_ENDPOINT
    settings.OIDC_OP_JWKS_ENDPOINT = JWKS_ENDPOINT
    settings.OIDC_OP_ISSUER = ISSUER
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "client-secret"
    settings.OIDC_HSA_ID_CLAIM = HSA_CLAIM
    _reload_urls()
    provider = FakeProvider()
    with (
        mock.patch("mozilla_django_oidc.auth.requests.post", side_effect=provider.post),
        mock.patch("mozilla_django_oidc.auth.requests.get", side_effect=provider.get),
    ):
        yield provider
    settings.OIDC_ENABLED = False
    _reload_urls()


@pytest.fixture
def sara(db):
    return UserFactory(username="st", name="Sara Ö", email="sara@old.example", hsa_id=HSA_ID)


def logged_in_user(client):
    pk = client.session.get(SESSION_KEY)
    return User.objects.get(pk=pk) if pk else None


def callback(client, params, **extra):
    query = {"code": "the-authorization-code", "state": params["state"]} | extra
    return client.get("/oidc/callback/", query)


def login_page_text(client, response):
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    return client.get(response["Location"]).content.decode()


# --- the whole flow


def test_the_login_goes_to_the_provider_with_state_nonce_and_pkce(client, sso):
    params = sso.authorize(client)

    assert params["client_id"] == CLIENT_ID
    assert params["response_type"] == "code"
    assert params["redirect_uri"] == "http://testserver/oidc/callback/"
    assert params["scope"].split() == ["openid", "profile", "email"]
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert params["code_challenge_method"] == "S256"
    assert logged_in_user(client) is None


def test_the_callback_logs_in_the_user_with_that_hsa_id(client, sso, sara):
    UserFactory(username="other", hsa_id="SE2321000016-9999")
    params = sso.authorize(client, next_url="/konto/installningar/")

    response = callback(client, params)

    assert response.status_code == 302
    assert response["Location"] == "/konto/installningar/"
    assert logged_in_user(client) == sara
    assert client.get(reverse("home")).status_code == 200
    # The code was exchanged with the secret and the PKCE verifier, once.
    [token_request] = sso.token_requests
    assert token_request["client_secret"] == "client-secret"
    assert token_request["redirect_uri"] == "http://testserver/oidc/callback/"


def test_name_and_email_follow_the_provider(client, sso, sara):
    callback(client, sso.authorize(client))

    sara.refresh_from_db()
    assert sara.name == "Sara Öberg"
    assert sara.email == "sara.oberg@region.example"


def test_an_email_taken_by_another_account_is_left_alone(client, sso, sara):
    UserFactory(username="namne", email="sara.oberg@region.example")

    callback(client, sso.authorize(client))

    sara.refresh_from_db()
    assert logged_in_user(client) == sara
    assert sara.email == "sara@old.example"


def test_the_hsa_id_may_come_from_userinfo_alone(client, sso, sara):
    del sso.claims[HSA_CLAIM]
    sso.userinfo[HSA_CLAIM] = HSA_ID

    callback(client, sso.authorize(client))

    assert logged_in_user(client) == sara


def test_the_claim_name_is_a_setting(client, sso, sara, settings):
    settings.OIDC_HSA_ID_CLAIM = "urn:sambi:names:attribute:employeeHsaId"
    sso.claims = {"sub": "subject-1", "urn:sambi:names:attribute:employeeHsaId": HSA_ID}

    callback(client, sso.authorize(client))

    assert logged_in_user(client) == sara


# --- who is turned away


def test_an_unknown_hsa_id_gets_no_login_and_no_account(client, sso, sara):
    sso.claims[HSA_CLAIM] = "SE2321000016-0000"
    users_before = User.objects.count()

    response = callback(client, sso.authorize(client))

    assert logged_in_user(client) is None
    assert User.objects.count() == users_before
    page = login_page_text(client, response)
    assert UNKNOWN_TEXT in page
    assert "studierektor" in page


def test_a_matching_email_without_the_hsa_id_is_not_enough(client, sso):
    # The provider sends Sara's e-mail address, which an account here has, but no HSA-id matches.
    UserFactory(username="st", email="sara.oberg@region.example", hsa_id="")
    sso.claims[HSA_CLAIM] = "SE2321000016-0000"

    response = callback(client, sso.authorize(client))

    assert logged_in_user(client) is None
    assert UNKNOWN_TEXT in login_page_text(client, response)


def test_claims_without_an_hsa_id_are_refused(client, sso, sara):
    del sso.claims[HSA_CLAIM]

    response = callback(client, sso.authorize(client))

    assert logged_in_user(client) is None
    assert "skickade inget HSA-id" in login_page_text(client, response)


def test_an_inactive_user_is_refused(client, sso, sara):
    sara.is_active = False
    sara.save()

    response = callback(client, sso.authorize(client))

    assert logged_in_user(client) is None
    assert INACTIVE_TEXT in login_page_text(client, response)


def test_a_user_deactivated_after_logging_in_loses_the_session(client, sso, sara):
    callback(client, sso.authorize(client))
    assert client.get(reverse("home")).status_code == 200

    User.objects.filter(pk=sara.pk).update(is_active=False)

    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda provider: provider.token_overrides.update(nonce="another-nonce"), id="wrong nonce"),
        pytest.param(lambda provider: provider.token_overrides.update(exp=int(time.time()) - 600), id="expired"),
        pytest.param(lambda provider: setattr(provider, "signing_key", OTHER_KEY), id="bad signature"),
        pytest.param(lambda provider: provider.token_overrides.update(aud="another-client"), id="other audience"),
        pytest.param(lambda provider: provider.token_overrides.update(iss="https://evil.example"), id="other issuer"),
        pytest.param(lambda provider: provider.userinfo.update(sub="someone-else"), id="userinfo of another"),
        pytest.param(lambda provider: setattr(provider, "code", "another-code"), id="code refused by provider"),
    ],
)
def test_a_bad_answer_from_the_provider_is_refused(client, sso, sara, tamper):
    params = sso.authorize(client)
    tamper(sso)

    response = callback(client, params)

    assert logged_in_user(client) is None
    assert REFUSED_TEXT in login_page_text(client, response)


def test_a_token_without_expiry_is_refused(client, sso, sara):
    params = sso.authorize(client)
    sso.id_token = lambda: jwt.encode(
        {"iss": ISSUER, "aud": CLIENT_ID, "nonce": sso.nonce, **sso.claims},
        PROVIDER_KEY,
        algorithm="RS256",
        headers={"kid": "key-1"},
    )

    callback(client, params)

    assert logged_in_user(client) is None


def test_a_wrong_state_is_refused_without_asking_the_provider(client, sso, sara):
    params = sso.authorize(client)

    response = callback(client, params, state="forged-state")

    assert logged_in_user(client) is None
    assert sso.token_requests == []
    assert REFUSED_TEXT in login_page_text(client, response)


def test_a_state_is_used_once(client, sso, sara):
    params = sso.authorize(client)
    callback(client, params)
    client.post(reverse("logout"))
    assert logged_in_user(client) is None

    callback(client, params)

    assert logged_in_user(client) is None
    assert len(sso.token_requests) == 1


def test_a_callback_from_another_browser_is_refused(client, sso, sara):
    params = sso.authorize(client)
    other_browser = Client()

    callback(other_browser, params)

    assert logged_in_user(other_browser) is None
    assert sso.token_requests == []


def test_an_error_from_the_provider_is_shown(client, sso, sara):
    params = sso.authorize(client)

    response = client.get("/oidc/callback/", {"error": "access_denied", "state": params["state"]})

    assert logged_in_user(client) is None
    assert REFUSED_TEXT in login_page_text(client, response)


# --- the login page, password login and logout


def test_the_login_page_has_the_button_above_the_password_form(client, sso):
    page = client.get(reverse("login") + "?next=/konto/installningar/").content.decode()

    assert DEFAULT_BUTTON in page
    assert page.index(DEFAULT_BUTTON) < page.index('name="password"')
    assert 'href="/oidc/authenticate/?next=/konto/installningar/"' in page


def test_the_button_text_is_a_setting(client, sso, settings):
    settings.OIDC_BUTTON_TEXT = "Logga in med Region Norrmarks e-legitimation"

    page = client.get(reverse("login")).content.decode()

    assert "Logga in med Region Norrmarks e-legitimation" in page
    assert DEFAULT_BUTTON not in page


def test_password_login_still_works_with_sso_on(client, sso, sara):
    response = client.post(reverse("login"), {"username": "st", "password": PASSWORD})

    assert response.status_code == 302
    assert logged_in_user(client) == sara


def test_a_password_login_never_becomes_a_code_exchange(client, sso, sara):
    url = reverse("login") + "?code=the-authorization-code&state=whatever"

    client.post(url, {"username": "st", "password": "wrong-password"})

    assert logged_in_user(client) is None
    assert sso.token_requests == []


def test_failed_single_sign_ons_do_not_lock_out_a_password_login(client, sso, sara, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        params = sso.authorize(client)
        sso.token_overrides["nonce"] = "another-nonce"
        callback(client, params)

    client.post(reverse("login"), {"username": "st", "password": PASSWORD})

    assert logged_in_user(client) == sara


def test_logout_ends_the_local_session(client, sso, sara):
    callback(client, sso.authorize(client))

    response = client.post(reverse("logout"))

    assert response["Location"] == reverse("login")
    assert logged_in_user(client) is None


def test_logout_also_ends_the_providers_session_when_configured(client, sso, sara, settings):
    settings.OIDC_OP_END_SESSION_ENDPOINT = END_SESSION_ENDPOINT
    settings.OIDC_STORE_ID_TOKEN = True
    callback(client, sso.authorize(client))
    id_token = client.session["oidc_id_token"]

    response = client.post(reverse("logout"))

    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == END_SESSION_ENDPOINT
    query = parse_qs(location.query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == ["http://testserver/konto/logga-in/"]
    assert logged_in_user(client) is None


def test_logout_after_a_password_login_stays_here(client, sso, sara, settings):
    settings.OIDC_OP_END_SESSION_ENDPOINT = END_SESSION_ENDPOINT
    client.post(reverse("login"), {"username": "st", "password": PASSWORD})

    response = client.post(reverse("logout"))

    assert response["Location"] == reverse("login")


# --- switched off


def test_switched_off_there_are_no_sso_urls_and_no_button(client, sara):
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/", {"code": "c", "state": "s"}).status_code == 404
    page = client.get(reverse("login")).content.decode()
    assert DEFAULT_BUTTON not in page
    assert "oidc" not in page
    assert not any(pattern.route.startswith("oidc/") for pattern in all_patterns())
    client.post(reverse("login"), {"username": "st", "password": PASSWORD})
    assert logged_in_user(client) == sara


def test_switched_on_without_its_endpoints_the_settings_refuse_to_load():
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env |= {"DJANGO_DEBUG": "1", "DJANGO_OIDC_ENABLED": "1", "DJANGO_OIDC_CLIENT_ID": CLIENT_ID}
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_OIDC_TOKEN_ENDPOINT" in result.stderr
    assert "DJANGO_OIDC_JWKS_ENDPOINT" in result.stderr
    assert "DJANGO_OIDC_CLIENT_ID" not in result.stderr.split("needs", 1)[1]


# --- the permission matrix, with single sign-on switched on


def test_the_sso_urls_answer_every_role_as_declared(sso):
    """The patterns that only exist with single sign-on on: each has a rule, and each role gets it."""
    added = [pattern for pattern in all_patterns() if pattern.route.startswith("oidc/")]
    assert {pattern.key for pattern in added} == set(table.SSO_EXPECTED)
    world = build_world()
    mismatches = []
    for pattern in added:
        rule = table.expectation(pattern)
        assert set(rule) == set(table.ROLES)
        for role in table.ROLES:
            user = world.users[role]
            browser = Client()
            if user is not None:
                browser.force_login(user)
            response = browser.get("/" + pattern.route)
            problem = rule[role].mismatch(response, "/" + pattern.route, {})
            if problem:
                mismatches.append(f"{pattern.key} {role}: {response.status_code} {problem}")
    assert not mismatches


def test_turned_away_single_sign_ons_do_not_lock_the_address(client, sso, sara, settings):
    # People without an account at a hospital behind one address must not lock its single sign-on.
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        params = sso.authorize(client)
        sso.claims[HSA_CLAIM] = "SE2321000016-0000"
        callback(client, params)
    sso.claims[HSA_CLAIM] = HSA_ID

    response = callback(client, sso.authorize(client))

    assert response.status_code == 302
    assert logged_in_user(client) == sara
    assert not AccessAttempt.objects.exists()
