"""The permission matrix: a GET of every URL pattern of the project by every role, against the table.

Each URL pattern is one test. It is requested by each role with its parameters naming objects of
the trainee's side of one world (tests/permission_matrix/world.py), built once for the module and
rolled back at its end; each request is rolled back too, so no request changes what the next sees.
A test fails with the list of roles whose status code (and, for a redirect, its target) differs
from tests/permission_matrix/table.py, and a pattern without a declared rule fails by its name.
"""

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections, transaction
from django.test import Client
from django.urls import resolve

from tests.permission_matrix import kwargs as url_kwargs
from tests.permission_matrix import table
from tests.permission_matrix.patterns import all_patterns
from tests.permission_matrix.world import build_world

pytestmark = pytest.mark.django_db

PATTERNS = all_patterns()


def roles_for(pattern):
    return (*table.ROLES, table.SUPERUSER) if table.is_admin(pattern) else table.ROLES


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """The world and one client per role, logged in (or, for the assessor, having opened the link)."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        clients = {}
        for role, user in world.users.items():
            clients[role] = Client(raise_request_exception=False)
            if user is not None:
                clients[role].force_login(user)
        opened = _get(clients["assessor"], f"/bedomning/{world.assessor_token}/")
        assert opened.status_code == 200, "the assessor's link must work for the matrix to mean anything"
        yield world, clients
        transaction.set_rollback(True)


def _get(client, path):
    with transaction.atomic():
        response = client.get(path)
        transaction.set_rollback(True)
    # A streamed file (FileResponse) is not read here; closing releases it. Content stays readable.
    # Closing sends request_finished, which would close the database connection of the test's
    # transaction (PostgreSQL; SQLite's in-memory one ignores it): detached here as the test client does.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    return response


def _got(response):
    """What a response was, for the failure message."""
    if response.status_code == 500 and getattr(response, "exc_info", None):
        return f"500 ({response.exc_info[0].__name__}: {response.exc_info[1]})"
    if response.status_code in (301, 302):
        return f"{response.status_code} to {response['Location']}"
    return str(response.status_code)


def _untranslated(pattern, response):
    """Django's and django-filter's empty choice "---------" is no Swedish; the admin keeps Django's own."""
    if response.status_code != 200 or table.is_admin(pattern):
        return None
    if "text/html" in response.get("Content-Type", "") and b">---------<" in response.content:
        return 'shows the untranslated empty choice "---------"'
    return None


def _rule(pattern, declared, variant):
    if isinstance(declared, table.Variants):
        return declared.rules.get(variant)
    if variant == url_kwargs.ONLY:
        return declared
    return table.crossed(declared, pattern.key)


def _same_route(path, pattern):
    # Django leaves out the ^ of a regular expression inside an include when it names the route.
    return resolve(path).route == pattern.route.replace("/^", "/")


@pytest.mark.parametrize("pattern", PATTERNS, ids=[pattern.key for pattern in PATTERNS])
def test_url_answers_every_role_as_declared(matrix, pattern):
    """Every role gets the declared outcome on a GET of this pattern, in each of its variants."""
    declared = table.expectation(pattern)
    if declared is None:
        pytest.fail(
            f"No expectation declared for the URL pattern {pattern.key!r} ({pattern.route}): "
            "add it to EXPECTED in tests/permission_matrix/table.py"
        )
    world, clients = matrix
    try:
        variants = url_kwargs.variants_for(world, pattern)
    except url_kwargs.KwargsError as error:
        pytest.fail(f"{error}: say which object it names in tests/permission_matrix/kwargs.py")
    mismatches = []
    for variant, kwargs in variants.items():
        rule = _rule(pattern, declared, variant)
        if rule is None:
            pytest.fail(f"{pattern.key}: no expectation declared for the variant {variant!r}")
        path = pattern.path(kwargs)
        assert _same_route(path, pattern), f"{path} does not reach {pattern.route}"
        for role in roles_for(pattern):
            response = _get(clients[role], path)
            problem = rule[role].mismatch(response, path, kwargs) or _untranslated(pattern, response)
            if problem is not None:
                where = f" [{variant}]" if variant else ""
                mismatches.append(f"{role}{where}: got {_got(response)}, {problem}")
    assert not mismatches, f"GET {pattern.key} (/{pattern.route}):\n  " + "\n  ".join(mismatches)


def test_every_declared_url_name_still_exists():
    """A rule, a parameter or a variant declared for a URL that is gone fails here by its name."""
    keys = {pattern.key for pattern in PATTERNS}
    stale = (table.declared_keys() | url_kwargs.declared_keys()) - keys
    assert not stale, f"Declared for URL patterns that no longer exist: {sorted(stale)}"


def test_variants_agree_between_table_and_kwargs():
    """A URL requested in variants (right and wrong token) has an expectation for each, and no other."""
    for pattern in PATTERNS:
        declared = table.expectation(pattern)
        if isinstance(declared, table.Variants):
            assert set(declared.rules) == set(url_kwargs.variant_names(pattern)), pattern.key
        else:
            assert pattern.key not in url_kwargs.VARIANTS, pattern.key


def test_every_rule_names_every_role():
    """Each declared rule answers for each role the pattern is requested by, with a known outcome."""
    outcome_types = (table.Status, table.ToLogin, table.Redirect)
    for pattern in PATTERNS:
        declared = table.expectation(pattern)
        rules = declared.rules.values() if isinstance(declared, table.Variants) else [declared] if declared else []
        for rule in rules:
            assert set(rule) == set(roles_for(pattern)), pattern.key
            assert all(isinstance(outcome, outcome_types) for outcome in rule.values()), pattern.key


def test_matrix_size():
    """The matrix covers every pattern for every role: report the number of URL × role cases."""
    cases = sum(len(url_kwargs.variant_names(pattern)) * len(roles_for(pattern)) for pattern in PATTERNS)
    admin = sum(1 for pattern in PATTERNS if table.is_admin(pattern))
    print(f"\n{len(PATTERNS)} URL patterns ({admin} under admin/), {cases} URL × role cases")
    assert cases >= len(PATTERNS) * len(table.ROLES)
