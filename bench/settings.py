"""Settings for the benchmark and the load test: production's, with the floor view added.

DEBUG is off, as in production, so templates are cached and nothing is collected per
query. What differs from production is only what a loopback measurement cannot have:
plain HTTP (no redirect to HTTPS, cookies not marked secure), static files from the
folders without a manifest (no collectstatic before a run; pages are timed, not their
assets), and mail that goes nowhere.
"""

import os
import warnings

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-never-used-in-production-0123456789")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from config.settings import *

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # A 404 or a slow request is a finding the benchmark itself reports; no log line per request.
    "root": {"handlers": ["console"], "level": "ERROR"},
}

# WhiteNoise serves from STATIC_ROOT, which a benchmark never collects; its warning at start
# says only that.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
