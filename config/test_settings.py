"""Settings for the test suite: fast hashing, mail kept in memory, no HTTPS redirect."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key")

from config.settings import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Serve static files from the finders as in development; no collectstatic before tests.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# client.login() authenticates without a request; the login page is still throttled
# (tests/accounts/test_login_throttling.py).
AUTHENTICATION_BACKENDS = [
    "tests.auth_backends.ClientLoginAxesBackend" if backend == "axes.backends.AxesStandaloneBackend" else backend
    for backend in AUTHENTICATION_BACKENDS
]
