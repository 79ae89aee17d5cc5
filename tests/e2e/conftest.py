"""Browser tests: Playwright's sync API driving Debian's chromium against pytest-django's live_server.

Playwright's own browser downloads are never used (no `playwright install`): the tests
run Debian's `chromium` package. Without it the tests are skipped, unless E2E_REQUIRED=1
(as in CI and `make test-e2e`), where a missing browser is a failure.
"""

import os
import shutil
import threading
from pathlib import Path

import pytest

E2E_DIR = Path(__file__).resolve().parent

# Playwright's sync API keeps an asyncio event loop running in the main thread, so Django
# takes every ORM call there (seeding, the database flush, live_server) for one made from
# async code and raises SynchronousOnlyOperation. None of it actually runs inside a
# coroutine: the check is a false alarm here, so it is switched off for this session.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000


def _e2e_required():
    return os.environ.get("E2E_REQUIRED", "") == "1"


def _skip_or_fail(reason):
    if _e2e_required():
        pytest.fail(f"{reason} (E2E_REQUIRED=1, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Every test under tests/e2e is an e2e test, so `-m "not e2e"` leaves them all out.

    tryfirst: the marker must be on the items before pytest deselects by -m.
    """
    for item in items:
        if item.path.is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    """One headless chromium (Debian's package) for the whole session."""
    executable = shutil.which("chromium")
    if executable is None:
        _skip_or_fail(
            "Browser tests need Debian's chromium: `apt-get install chromium` "
            "(no `chromium` on PATH; Playwright's own browser downloads are not used)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("Browser tests need the Python package playwright (see requirements.txt)")

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live_server, started only after the test database exists.

    Session fixtures are set up before function ones, so without this the server starts
    while DATABASES still names db.sqlite3; it then does not share the in-memory test
    database's connection with its request threads, which open connections of their own
    that are never closed (Python 3.13's ResourceWarning, an error under filterwarnings).
    """
    return live_server


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (cookies, storage) per test.

    The browser asks for English, as many hospital computers do: the pages must still
    come in Swedish (config.middleware.SwedishFirstLocaleMiddleware).
    """
    context = browser.new_context(base_url=live_server.url, locale="en-US", timezone_id="Europe/Stockholm")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()
    _wait_for_live_server_requests()


def _wait_for_live_server_requests(timeout=10.0):
    """Let the live server's request threads end before the database is flushed or the server stops.

    Chromium keeps HTTP connections alive; each one holds a request thread of the live
    server. Closing the context closes them, but the threads finish on their own time,
    and one still running when the session's live_server stops fails in close_all()
    (the in-memory SQLite connection is no longer shared). Python names a thread created
    with a target "Thread-N (target)", so these are the ones named after
    ThreadedWSGIServer.process_request_thread.
    """
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout)
            if thread.is_alive():
                pytest.fail(f"The live server's {thread.name} did not finish within {timeout} s", pytrace=False)


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """The regulations, målbeskrivningar and assessment templates the migrations load, present in every browser test.

    Transactional tests flush the database afterwards, and serialized_rollback cannot
    always restore it here: Playwright's sync API runs an event loop in the main thread,
    which makes Django's connection handler context-local, so a database set up before
    the browser started is seen through a new connection object without the serialized
    copy. Loading the reference data again is idempotent and does not depend on that.
    """
    from assessments.reference import load_templates
    from portfolio.curricula import load_reference_data

    load_reference_data()
    load_templates()
