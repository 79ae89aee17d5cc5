"""Hostile portfolio files for the import command: never a crash, a Swedish refusal that names
the place, and either nothing saved or the whole portfolio.

A valid export of a seeded portfolio is mutated by hypothesis: one value anywhere in the
document replaced by a hostile one, or the file cut short, re-encoded, or replaced whole.
"""

import json

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from portfolio.portable import dumps, export_trainee
from tests.hostile.conftest import HOSTILE
from tests.hostile.harness import ENGLISH
from tests.portfolio.test_portable import add_assessment_records, add_records, remove_trainee

pytestmark = pytest.mark.django_db

MODELS = [
    model
    for label in ("accounts", "portfolio", "assessments", "contracts")
    for model in apps.get_app_config(label).get_models()
]

HOSTILE_JSON = [
    None,
    True,
    0,
    -1,
    10**30,
    -(10**30),
    1.5,
    "",
    "\x00",
    "x" * 5000,
    "<script>alert(1)</script>",
    "'; DROP TABLE portfolio_trainee; --",
    "\u202eevil",
    "🩺",
    "2026-02-30",
    "0000-01-01",
    "99999-01-01",
    "NaN",
    [],
    {},
    [[[[[[[[[[["djup"]]]]]]]]]]],
    {"a": {"b": {"c": {"d": {}}}}},
]


def counts():
    return {model._meta.label: model.objects.count() for model in MODELS}


def paths(value, prefix=()):
    """Every place in the document: (path, value) for each object field and list item."""
    yield prefix, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


def replaced(document, path, value):
    copy = json.loads(json.dumps(document))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


@pytest.fixture
def exported(trainee):
    add_records(trainee)
    add_assessment_records(trainee, count=1)
    data = export_trainee(trainee)
    remove_trainee(trainee)
    return data


TALLY = {"tried": 0, "refused": 0, "accepted": 0}


def try_file(tmp_path, content):
    """Import `content` (bytes); a refusal must be Swedish and leave every table as it was."""
    path = tmp_path / "portfolj.json"
    path.write_bytes(content)
    TALLY["tried"] += 1
    with transaction.atomic():
        before = counts()
        try:
            call_command("import_portfolio", str(path))
        except CommandError as error:
            TALLY["refused"] += 1
            message = str(error)
            assert counts() == before, "a refused file left rows behind"
            assert not ENGLISH.search(message.replace(str(path), "")) or "JSON" in message, message
            transaction.set_rollback(True)
            return message
        after = counts()
        TALLY["accepted"] += 1
        assert after["portfolio.Trainee"] == before["portfolio.Trainee"] + 1
        transaction.set_rollback(True)
    return None


def test_one_hostile_value_anywhere(exported, tmp_path):
    places = [path for path, _value in paths(exported) if path]

    @HOSTILE
    @given(path=st.sampled_from(places), value=st.sampled_from(HOSTILE_JSON))
    def check(path, value):
        message = try_file(tmp_path, dumps(replaced(exported, path, value)).encode())
        if message is not None and len(path) > 1:
            # The refusal names where: the section, field or value that is wrong.
            named = {str(step) for step in path if isinstance(step, str)} | {"$", "people", "region", "unit"}
            assert any(word in message for word in named), (path, message)

    check()


def test_broken_files(exported, tmp_path):
    text = dumps(exported).encode()

    @HOSTILE
    @given(
        content=st.one_of(
            st.integers(0, len(text) - 1).map(lambda cut: text[:cut]),
            st.just(text.decode().encode("utf-16")),
            st.just(text.replace(b"\xc3\xb6", b"\xf6")),
            st.just(json.dumps([exported]).encode()),
            st.just(b"[" * 100000),
            st.just(b'{"format": NaN}'),
            st.just(json.dumps({**exported, "leaves": exported["leaves"] * 2000}).encode()),
            st.binary(max_size=200),
        )
    )
    def check(content):
        try_file(tmp_path, content)

    check()


def test_the_valid_file_imports_whole(exported, tmp_path):
    assert try_file(tmp_path, dumps(exported).encode()) is None
    print(f"import files: {TALLY}")
