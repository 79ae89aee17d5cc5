"""Install ST-portfölj as docs/deployment.md says, on loopback, and check that it answers.

    DATABASE_URL=postgres://user@127.0.0.1:5432/any .venv/bin/python tools/deploy_smoke.py
    make deploy-smoke

The server named by DATABASE_URL must let that user create databases. The steps, in the
order of the guide, each printed with its time:

 1. create an empty database (a fresh name on the same server) with the Swedish collation;
 2. `migrate`, `collectstatic` into a temporary STATIC_ROOT and `check --deploy` (which must
    report nothing), all with the production settings (config.settings, DEBUG off);
 3. create the first administrator with `createsuperuser --no-input`;
 4. run the daily jobs of the crontab once each (dry runs where they mail);
 5. start gunicorn on a free loopback port with two workers;
 6. as the reverse proxy would send it (Host, X-Forwarded-Proto: https, X-Forwarded-For):
    the login page with its security headers and secure cookies, a login, the start page
    with the user's name, one static file with a long cache lifetime, the logout, and the
    start page refused afterwards;
 7. stop gunicorn and drop the database.

Exits 1 with the reason at the first failure; the database and the temporary files are
removed whatever happens.
"""

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess  # nosec B404 -- runs manage.py and gunicorn with fixed arguments, no shell
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "st-portfolj.test"
USERNAME, NAME = "smoke-admin", "Sara Smoketest Åström"


class SmokeFailure(Exception):
    pass


def step(title):
    """Print a step's title now and its time when it ends."""

    class Step:
        def __enter__(self):
            self.start = time.monotonic()
            print(f"--> {title}", flush=True)

        def __exit__(self, kind, value, traceback):
            took = time.monotonic() - self.start
            print(f"    {'ok' if kind is None else 'FAILED'} ({took:.1f} s)", flush=True)

    return Step()


def check(condition, message):
    if not condition:
        raise SmokeFailure(message)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_connection(url):
    """A connection to the server's maintenance database, for CREATE/DROP DATABASE."""
    import psycopg

    return psycopg.connect(with_database(url, "postgres"), autocommit=True)


def production_env(database_url, folder, media):
    """The environment of a production installation on loopback: the settings docs/deployment.md lists."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_") and key != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_CSRF_TRUSTED_ORIGINS=f"https://{HOST}",
        DJANGO_BEHIND_PROXY="1",
        DJANGO_SITE_URL=f"https://{HOST}",
        DJANGO_STATIC_ROOT=str(folder / "static"),
        DJANGO_MEDIA_ROOT=str(media),
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT="2525",
        DATABASE_URL=database_url,
    )
    return env


def manage(env, *args, capture=False):
    command = [sys.executable, "manage.py", *args]
    result = subprocess.run(  # noqa: S603  # nosec B603
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=600
    )
    if result.returncode != 0:
        raise SmokeFailure(f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout + result.stderr if capture else None


class Browser:
    """Just enough of a browser behind a TLS-terminating proxy: cookies, Host and the
    X-Forwarded-* headers nginx adds, on plain HTTP to gunicorn on loopback."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "192.0.2.10",
            "Accept-Language": "sv",
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        sent.update(headers or {})
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        content = response.read()
        set_cookies = response.headers.get_all("Set-Cookie") or []
        for header in set_cookies:
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
        connection.close()
        return response, content.decode("utf-8", "replace"), set_cookies

    def post_form(self, path, fields, referer):
        return self.request(
            "POST",
            path,
            body=urlencode(fields),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{HOST}",
                "Referer": f"https://{HOST}{referer}",
            },
        )


def csrf_token(html):
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    check(found, "the page has no CSRF token in its form")
    return found.group(1)


def cookie_flags(set_cookies, name):
    for header in set_cookies:
        if header.startswith(f"{name}="):
            return {part.strip().lower() for part in header.split(";")[1:]}
    raise SmokeFailure(f"the response set no {name} cookie")


def wait_until_up(port, process, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SmokeFailure("gunicorn stopped before it answered (its log is above)")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SmokeFailure(f"gunicorn did not listen on 127.0.0.1:{port} within {seconds} s")


def web_checks(port, password):
    browser = Browser(port)
    with step("login page through the proxy: security headers and secure cookies"):
        response, html, set_cookies = browser.request("GET", "/konto/logga-in/")
        check(response.status == 200, f"GET /konto/logga-in/ gave {response.status}, expected 200")
        hsts = response.getheader("Strict-Transport-Security", "")
        check("max-age=31536000" in hsts, f"no one-year HSTS header (got {hsts!r})")
        csp = response.getheader("Content-Security-Policy", "")
        check("script-src 'self'" in csp and "unsafe-inline" not in csp, f"unexpected CSP: {csp!r}")
        check(response.getheader("X-Frame-Options") == "DENY", "X-Frame-Options is not DENY")
        check(response.getheader("X-Content-Type-Options") == "nosniff", "X-Content-Type-Options is not nosniff")
        flags = cookie_flags(set_cookies, "csrftoken")
        check({"secure", "httponly"} <= flags, f"the CSRF cookie is not Secure and HttpOnly: {sorted(flags)}")
        check('lang="sv"' in html, "the login page is not in Swedish")
        token = csrf_token(html)

    with step("a request without X-Forwarded-Proto is sent to HTTPS"):
        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        plain.request("GET", "/konto/logga-in/", headers={"Host": HOST})
        answer = plain.getresponse()
        answer.read()
        plain.close()
        location = answer.getheader("Location", "")
        check(answer.status == 301 and location.startswith(f"https://{HOST}/"), f"got {answer.status} {location!r}")

    with step("log in"):
        response, _html, set_cookies = browser.post_form(
            "/konto/logga-in/",
            {"csrfmiddlewaretoken": token, "username": USERNAME, "password": password},
            referer="/konto/logga-in/",
        )
        check(response.status == 302, f"the login POST gave {response.status}, expected a redirect")
        check(response.getheader("Location") == "/", f"the login sent to {response.getheader('Location')!r}")
        flags = cookie_flags(set_cookies, "sessionid")
        check({"secure", "httponly", "samesite=lax"} <= flags, f"the session cookie lacks flags: {sorted(flags)}")

    with step("start page shows the user's name"):
        response, html, _ = browser.request("GET", "/")
        check(response.status == 200, f"GET / gave {response.status}")
        check(NAME in html, "the start page does not show the user's name")
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+\.css)"', html)
        check(stylesheet, "the start page links no stylesheet")

    with step("static file from the collected, hashed files with a long cache lifetime"):
        path = stylesheet.group(1)
        check(re.search(r"\.[0-9a-f]{12}\.css$", path), f"the stylesheet {path!r} is not the hashed copy")
        response, css, _ = browser.request("GET", path)
        check(response.status == 200, f"GET {path} gave {response.status}")
        check(len(css) > 100, "the stylesheet is empty")
        cache = response.getheader("Cache-Control", "")
        check("max-age=315360000" in cache and "immutable" in cache, f"unexpected Cache-Control: {cache!r}")

    with step("log out, and the start page is refused afterwards"):
        response, html, _ = browser.request("GET", "/konto/installningar/")
        check(response.status == 200, f"the settings page gave {response.status}")
        token = csrf_token(html)
        response, _html, _ = browser.post_form(
            "/konto/logga-ut/", {"csrfmiddlewaretoken": token}, referer="/konto/installningar/"
        )
        check(response.status == 302, f"the logout POST gave {response.status}")
        response, _html, _ = browser.request("GET", "/")
        location = response.getheader("Location", "")
        check(response.status == 302 and location.startswith("/konto/logga-in/"), f"after logout / gave {location!r}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL=postgres://user@host:port/any (a server where the user may create databases).")
        return 2
    password = secrets.token_urlsafe(16)
    database = f"stportfolj_smoke_{secrets.token_hex(4)}"
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="st-portfolj-smoke-"))
    env = production_env(with_database(args.database_url, database), folder, folder / "media")
    env["DJANGO_SUPERUSER_PASSWORD"] = password
    server = None
    created = False
    try:
        with step(f"create the database {database}"):
            with admin_connection(args.database_url) as connection:
                connection.execute(f"CREATE DATABASE \"{database}\" ENCODING 'UTF8'")
            created = True
        with step("migrate"):
            manage(env, "migrate", "--no-input", "--verbosity", "0")
        with step("collectstatic"):
            manage(env, "collectstatic", "--no-input", "--verbosity", "0")
            check(any((folder / "static").rglob("staticfiles.json")), "collectstatic wrote no manifest")
        with step("check --deploy reports nothing"):
            output = manage(env, "check", "--deploy", "--fail-level", "DEBUG", capture=True)
            check("no issues" in output, f"check --deploy said:\n{output}")
        with step("create the first administrator"):
            manage(env, "createsuperuser", "--no-input", "--username", USERNAME, "--email", "smoke@example.org",
                   "--name", NAME)  # fmt: skip
        with step("the daily jobs, once each"):
            manage(env, "refresh_readiness")
            manage(env, "send_reminders", "--dry-run")
            manage(env, "remind_assessors", "--dry-run")
            manage(env, "check_unit_criteria")
        port = free_port()
        with step(f"start gunicorn on 127.0.0.1:{port} (2 workers)"):
            server = subprocess.Popen(  # noqa: S603  # nosec B603
                [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--workers", "2", "--access-logfile", "-", "--log-level", "warning"],
                cwd=ROOT, env=env,
            )  # fmt: skip
            wait_until_up(port, server)
        web_checks(port, password)
    except SmokeFailure as failure:
        print(f"\nDEPLOY SMOKE FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if created:
            with step(f"drop the database {database}"), admin_connection(args.database_url) as connection:
                connection.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\ndeploy smoke: every step passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
