"""tools/backup_restore_check.py notices what a broken restore would change, and runs what the guide says.

The table, sequence and schema comparisons read PostgreSQL's catalog, so those tests run only
when the suite runs on PostgreSQL (`make test-pg`, or `bash bench/postgres.sh .venv/bin/python
-m pytest tests/test_backup_restore.py`); the file comparison and the guide's commands are
checked everywhere.
"""

import re
import shutil
from pathlib import Path

import pytest
from django.db import connection

from accounts.enums import Role
from accounts.models import User
from tests.factories import MembershipFactory, UserFactory
from tools.backup_restore_check import (
    DUMP_OPTIONS,
    RESTORE_OPTIONS,
    file_digests,
    first_difference,
    schema_definitions,
    sequence_positions,
    table_digests,
)

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "deployment.md"

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="compares PostgreSQL's catalog: run on PostgreSQL (make test-pg)"
)


def raw_connection():
    """The psycopg connection of the test database, inside the test's transaction."""
    connection.ensure_connection()
    return connection.connection


def backup_section():
    text = GUIDE.read_text(encoding="utf-8")
    return text.split("## Backups and restore", 1)[1].split("\n## ", 1)[0]


def command_lines(section, program):
    """The lines of the section's code blocks that run program."""
    code = "\n".join(re.findall(r"^```[a-z]*\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL))
    return [line for line in code.splitlines() if re.search(rf"(^|[\s;&]){program}\s", line)]


def test_the_guide_backs_up_and_restores_with_the_options_the_check_uses():
    section = backup_section()
    (dump,) = command_lines(section, "pg_dump")
    (restore,) = command_lines(section, "pg_restore")
    tars = command_lines(section, "tar")

    assert all(option in dump.split() for option in DUMP_OPTIONS), dump
    assert all(option in restore.split() for option in RESTORE_OPTIONS), restore
    assert any("-czf" in line and line.rstrip().endswith(" media") for line in tars), tars
    assert any("-xzf" in line for line in tars), tars
    assert "tools/backup_restore_check.py" in section


def test_identical_folders_have_no_difference_and_one_changed_byte_is_named(tmp_path):
    a, b = tmp_path / "a" / "media", tmp_path / "b" / "media"
    (a / "kursintyg" / "7").mkdir(parents=True)
    (a / "kursintyg" / "7" / "12.pdf").write_bytes(b"%PDF-1.4\nett intyg\n%%EOF\n")
    (a / "mitt-i-st.pdf").write_bytes(b"%PDF-1.4\nen rapport\n%%EOF\n")
    shutil.copytree(a, b)
    assert first_difference("file", file_digests(a), file_digests(b)) is None

    changed = bytearray((b / "kursintyg" / "7" / "12.pdf").read_bytes())
    changed[10] ^= 0x01
    (b / "kursintyg" / "7" / "12.pdf").write_bytes(bytes(changed))

    difference = first_difference("file", file_digests(a), file_digests(b))
    assert difference.startswith("file kursintyg/7/12.pdf differs: A ")
    assert file_digests(a)["mitt-i-st.pdf"] == file_digests(b)["mitt-i-st.pdf"]


def test_a_missing_and_an_extra_file_are_named(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "intyg.pdf").write_bytes(b"%PDF-1.4\n")
    assert first_difference("file", file_digests(a), file_digests(b)) == "file intyg.pdf is in A but not in B"

    (b / "intyg.pdf").write_bytes(b"%PDF-1.4\n")
    (b / "okänd.pdf").write_bytes(b"%PDF-1.4\n")
    assert first_difference("file", file_digests(a), file_digests(b)) == "file okänd.pdf is in B but not in A"


@postgresql
@pytest.mark.django_db
def test_every_table_of_the_schema_is_compared():
    digests = table_digests(raw_connection())

    assert {name.removeprefix("public.") for name in digests} == set(connection.introspection.table_names())
    assert len(digests) > 50


@postgresql
@pytest.mark.django_db
def test_a_changed_row_changes_its_table_digest_and_no_other(trainee):
    before = table_digests(raw_connection())
    assert first_difference("table", before, table_digests(raw_connection())) is None

    User.objects.filter(pk=trainee.user_id).update(name="Sara Öberg-Lind")
    after = table_digests(raw_connection())

    assert {name for name in before if before[name] != after[name]} == {"public.accounts_user"}
    assert before["public.accounts_user"][0] == after["public.accounts_user"][0]  # same count, other rows
    assert first_difference("table", before, after).startswith("table public.accounts_user differs")


@postgresql
@pytest.mark.django_db
def test_a_deleted_row_changes_the_count(trainee, unit):
    leaving = UserFactory(username="slutar", name="Per Slutar")
    MembershipFactory(user=leaving, unit=unit, role=Role.SPECIALIST)
    before = table_digests(raw_connection())

    User.objects.filter(pk=leaving.pk).delete()
    after = table_digests(raw_connection())

    assert after["public.accounts_user"][0] == before["public.accounts_user"][0] - 1
    assert after["public.accounts_membership"][0] == before["public.accounts_membership"][0] - 1


@postgresql
@pytest.mark.django_db
def test_a_sequence_that_moved_is_named(trainee):
    before = sequence_positions(raw_connection())

    User.objects.create(username="ny", name="Ny Användare")

    difference = first_difference("sequence", before, sequence_positions(raw_connection()))
    assert difference.startswith("sequence public.accounts_user_id_seq differs")


@postgresql
@pytest.mark.django_db
def test_a_missing_index_or_constraint_is_named():
    before = schema_definitions(raw_connection())

    with connection.cursor() as cursor:  # DDL is transactional: the test's rollback undoes it
        cursor.execute("CREATE INDEX backup_check_probe ON accounts_user (name)")
        cursor.execute("ALTER TABLE portfolio_course DROP CONSTRAINT course_end_after_start")
    after = schema_definitions(raw_connection())

    assert first_difference("schema:", before, after) == (
        "schema: constraint portfolio_course.course_end_after_start is in A but not in B"
    )
    assert "index public.backup_check_probe" in after.keys() - before.keys()
