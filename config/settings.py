"""Settings for ST-portfölj, read from the environment (see docs/deployment.md).

Development: DJANGO_DEBUG=1 gives a throw-away secret key and SQLite.
Production: DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE), DJANGO_ALLOWED_HOSTS and
DATABASE_URL (postgres://…) must be set; the process refuses to start without them.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env_secret("DJANGO_SECRET_KEY", "insecure-development-key-only" if DEBUG else None)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tables2",
    "django_filters",
    "django_htmx",
    "axes",
    "accounts",
    "portfolio",
    "assessments",
    "contracts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.IdleSessionMiddleware",
    "config.middleware.SwedishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.audit.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite by default so that `make run` needs nothing installed; production sets
# DATABASE_URL=postgres://user:password@host:5432/name (psycopg 3).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# QuerySet.iterator() (every model <select> of a form reads its options so) fetches in one
# round trip instead of opening a server-side cursor: three round trips on PostgreSQL for
# a list of a few hundred options, and a cursor would not survive a transaction-mode pooler
# such as PgBouncer. No view here iterates more rows than it shows.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every login for a username+address that is locked out, before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on through the region's identity provider; answers nothing unless DJANGO_OIDC_ENABLED.
    "accounts.oidc.HsaIdOidcBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): after DJANGO_LOGIN_FAILURE_LIMIT failed logins for one username
# from one address, that pair is refused for DJANGO_LOGIN_COOLOFF_MINUTES (every further try restarts
# the wait). Locking the pair, not the username alone, keeps an attacker from locking a colleague
# out from elsewhere; the same lockout page for known and unknown usernames reveals no accounts.
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.throttling.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
# The single sign-on callback is not throttled here: see accounts.throttling.is_single_sign_on.
AXES_WHITELIST_CALLABLE = "accounts.throttling.is_single_sign_on"
# Only failures are stored: a record of every successful login is personal data the product does not need.
AXES_DISABLE_ACCESS_LOG = True

# Single sign-on with OpenID Connect (mozilla-django-oidc, docs/deployment.md#single-sign-on): off
# by default, when password login is all there is. When on, /oidc/authenticate/ sends the browser to
# the region's identity provider and /oidc/callback/ logs in the user whose HSA-id the provider
# vouches for; nobody gets an account this way (an administrator creates accounts and roles).
OIDC_ENABLED = env_bool("DJANGO_OIDC_ENABLED", default=False)
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("DJANGO_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("DJANGO_OIDC_TOKEN_ENDPOINT", "")
# Optional: without it the HSA-id is read from the ID token alone.
OIDC_OP_USER_ENDPOINT = env_str("DJANGO_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("DJANGO_OIDC_JWKS_ENDPOINT", "") or None
# The provider's issuer identifier; when set, an ID token from any other issuer is refused.
OIDC_OP_ISSUER = env_str("DJANGO_OIDC_ISSUER", "")
# Optional: logging out here then also ends the session at the provider.
OIDC_OP_END_SESSION_ENDPOINT = env_str("DJANGO_OIDC_END_SESSION_ENDPOINT", "")
OIDC_RP_CLIENT_ID = env_str("DJANGO_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_secret("DJANGO_OIDC_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = env_str("DJANGO_OIDC_SIGN_ALGORITHM", "RS256")
OIDC_RP_SCOPES = env_str("DJANGO_OIDC_SCOPES", "openid profile email")
# The claim that carries the person's HSA-id. Regions' providers name it differently (hsa_id,
# hsaIdentity, urn:sambi:names:attribute:employeeHsaId …): ask the region which one theirs sends.
OIDC_HSA_ID_CLAIM = env_str("DJANGO_OIDC_HSA_ID_CLAIM", "hsa_id")
# The login page's button; empty gives the Swedish default ("Logga in med SITHS/e-tjänstekort").
OIDC_BUTTON_TEXT = env_str("DJANGO_OIDC_BUTTON_TEXT", "")
OIDC_CREATE_USER = False
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
OIDC_STORE_ID_TOKEN = bool(OIDC_OP_END_SESSION_ENDPOINT)  # sent back as id_token_hint at logout
OIDC_CALLBACK_CLASS = "accounts.oidc.CallbackView"
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
OIDC_REDIRECT_FIELD_NAME = "next"
if OIDC_ENABLED:
    _missing = [
        name
        for name, value in [
            ("DJANGO_OIDC_AUTHORIZATION_ENDPOINT", OIDC_OP_AUTHORIZATION_ENDPOINT),
            ("DJANGO_OIDC_TOKEN_ENDPOINT", OIDC_OP_TOKEN_ENDPOINT),
            ("DJANGO_OIDC_CLIENT_ID", OIDC_RP_CLIENT_ID),
            ("DJANGO_OIDC_CLIENT_SECRET", OIDC_RP_CLIENT_SECRET),
            ("DJANGO_OIDC_HSA_ID_CLAIM", OIDC_HSA_ID_CLAIM),
            ("DJANGO_OIDC_JWKS_ENDPOINT", OIDC_OP_JWKS_ENDPOINT or OIDC_RP_SIGN_ALGO.startswith("HS")),
        ]
        if not value
    ]
    if _missing:
        raise ImproperlyConfigured(f"DJANGO_OIDC_ENABLED=1 needs {', '.join(_missing)}.")

# Logged out after DJANGO_SESSION_IDLE_MINUTES without a request: portfolios are opened on shared
# ward and clinic computers. Use moves the end forward (config.middleware.IdleSessionMiddleware,
# at most once a minute rather than a write on every request), so only idle sessions end.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_IDLE_MINUTES", 30) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic writes and whitenoise reads the static files; outside the checkout in production.
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))

if DEBUG and not env_str("DJANGO_EMAIL_HOST", ""):
    # Development: mail (password reset links …) is printed on the console.
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("DJANGO_EMAIL_HOST", "localhost"),
                "port": env_int("DJANGO_EMAIL_PORT", 25),
                "username": env_str("DJANGO_EMAIL_HOST_USER", ""),
                "password": env_secret("DJANGO_EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", default=False),
            },
        }
    }
# Socialstyrelsen's blank fillable forms (<form code>.pdf, e.g. hslf2021_b9.pdf), downloaded by each
# installation; without them the intyg are printed as faithful reproductions.
INTYG_BLANK_FORMS_DIR = env_str("DJANGO_INTYG_BLANK_FORMS_DIR", "") or None

# The address links in e-mails sent outside a request (reminders from cron) start with.
# The overview's printable list: past this many rows a PDF is neither readable nor quick to make.
OVERVIEW_PDF_LIMIT = env_int("DJANGO_OVERVIEW_PDF_LIMIT", 500)
# How long an archived trainee's portfolio is kept before the daily job `purge_archived` deletes
# it, in days. No law sets this for a training portfolio (the patient-record rules of
# Patientdatalagen do not apply to it), so it is each region's own decision: ten years by default,
# long enough to answer a question about a specialist application after it was granted; change it
# to what the region decides. 0 deletes an archived trainee on the next run.
ARCHIVE_RETENTION_DAYS = env_int("DJANGO_ARCHIVE_RETENTION_DAYS", 3650)
if ARCHIVE_RETENTION_DAYS < 0:
    raise ImproperlyConfigured("DJANGO_ARCHIVE_RETENTION_DAYS must be 0 or more.")
SITE_URL = env_str("DJANGO_SITE_URL", "http://localhost:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "ST-portfölj <noreply@localhost>")


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# No inline script or style anywhere: every asset is served from static/.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    # The logout form's redirect to the identity provider counts as a form action for browsers.
    "form-action": [CSP.SELF, *([_origin(OIDC_OP_END_SESSION_ENDPOINT)] if OIDC_OP_END_SESSION_ENDPOINT else [])],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
}

# HTTPS only in production (docs/security.md). Behind a TLS-terminating proxy set
# DJANGO_BEHIND_PROXY=1 so that X-Forwarded-Proto (set by the proxy, never by the client) counts.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: every form (htmx's too) carries the token in a hidden field.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
# Preloading is a promise to browser vendors that cannot quickly be taken back: the operator's call.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Checks of `manage.py check --deploy` that are silenced, each with its reason (tested).
SILENCED_SYSTEM_CHECKS = [
    # security.W021 (HSTS preload) is a deliberate operator decision, see SECURE_HSTS_PRELOAD above.
    "security.W021",
]

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"
# The empty choice of a filter: Swedish, where django-filter's default is "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("All")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}
