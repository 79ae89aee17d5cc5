"""Back up an installation as docs/deployment.md says, restore it into a fresh one, and compare.

    DATABASE_URL=postgres://user@127.0.0.1:5432/any .venv/bin/python tools/backup_restore_check.py
    make backup-check

The server named by DATABASE_URL must let that user create databases. The steps, each
printed with its time:

 1. installation A: a fresh database with the Swedish collation, `migrate` with the production
    settings (config.settings, DEBUG off), `seed_demo`, and a course certificate uploaded by a
    trainee through the course form's view, so it lands in media folder A as any upload would;
 2. the backup, as the guide's cron line takes it: `pg_dump --format=custom`, then a tar of the
    media folder;
 3. the restore, as the guide says: a fresh database B, `pg_restore --no-owner --no-privileges`,
    and the tar unpacked into a fresh media folder B;
 4. installation B: `migrate --plan` has nothing to apply and `check --deploy` reports nothing;
 5. A and B compared: the schema (every table, column, constraint and index the catalog lists),
    every table's row count and a SHA-256 of all its rows in primary-key order, every sequence's
    position, and the SHA-256 of every file under the two media folders;
 6. last, because logging in writes to B: the trainee downloads the certificate from B through
    its view and gets the bytes that were uploaded to A.

Exits 1 with the first difference (or the failed step); both databases and the temporary
folders are removed whatever happens. `--after-restore COMMAND` runs a shell command between
the restore and the comparison, with BACKUP_CHECK_B_URL and BACKUP_CHECK_B_MEDIA naming
installation B, to see for oneself that a changed row or file is caught.
"""

import argparse
import hashlib
import os
import secrets
import shutil
import subprocess  # nosec B404 -- runs manage.py, pg_dump, pg_restore and tar with fixed arguments
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if not __package__:  # run as a script: the checkout's packages (tools, config …) are importable
    sys.path.insert(0, str(ROOT))

from tools.deploy_smoke import (  # noqa: E402
    HOST,
    SmokeFailure,
    admin_connection,
    check,
    production_env,
    step,
    with_database,
)

# The options docs/deployment.md gives (tests/test_backup_restore.py keeps the two in step).
DUMP_OPTIONS = ["--format=custom"]
RESTORE_OPTIONS = ["--no-owner", "--no-privileges", "--exit-on-error"]

# Session settings under which a row's text form is the same on every connection.
SESSION = [
    "SET TIME ZONE 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'postgres'",
    "SET extra_float_digits = 1",
    "SET bytea_output = 'hex'",
]
# The schemas compared are every one but PostgreSQL's own (pg_catalog, pg_toast, pg_temp_N … and
# information_schema): each query below says so with `nspname !~ '^(pg_|information_schema$)'`.

CERTIFICATE_TITLE = "Kurs i säkerhetskopiering"
# A one-page PDF, small enough to write out here; the random comment makes each run's file new.
PDF_TEMPLATE = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    b"% {nonce}\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)

# Run by `manage.py shell` in installation A: the trainee adds a course with its certificate
# through the same view and form a browser would post to.
UPLOAD = """
from django.test import Client
from django.urls import reverse
from portfolio.models import Course, Trainee

trainee = Trainee.objects.get(user__username="demo-st")
client = Client(HTTP_HOST={host!r})
client.force_login(trainee.user)
with open({path!r}, "rb") as upload:
    response = client.post(
        reverse("course-create", args=[trainee.pk]),
        {{"title": {title!r}, "provider": "Regionen", "start": {start!r}, "end": {start!r}, "certificate": upload}},
        secure=True,
    )
assert response.status_code == 302, f"the course form answered {{response.status_code}}, not a redirect"
course = Course.objects.get(trainee=trainee, title={title!r})
assert course.certificate, "the course was saved without its certificate"
print(course.pk, course.certificate.name)
"""

# Run in installation B: the same trainee downloads the certificate through its view.
DOWNLOAD = """
import hashlib
from django.test import Client
from django.urls import reverse
from portfolio.models import Course

course = Course.objects.select_related("trainee__user").get(pk={pk})
client = Client(HTTP_HOST={host!r})
client.force_login(course.trainee.user)
response = client.get(reverse("course-certificate", args=[course.trainee_id, course.pk]), secure=True)
assert response.status_code == 200, f"the certificate download answered {{response.status_code}}"
print(hashlib.sha256(b"".join(response.streaming_content)).hexdigest())
"""


def run(command, env=None, cwd=ROOT):
    result = subprocess.run(  # noqa: S603  # nosec B603
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=600
    )
    if result.returncode != 0:
        raise SmokeFailure(f"{' '.join(map(str, command))} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout + result.stderr


def manage(env, *args):
    return run([sys.executable, "manage.py", *args], env=env)


def client_program(name):
    """pg_dump/pg_restore from PATH, else from PG_BIN (as bench/postgres.sh finds the server)."""
    found = shutil.which(name) or str(Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")) / name)
    check(Path(found).is_file(), f"{name} is not on PATH nor in PG_BIN: install PostgreSQL's client programs")
    return found


def create_database(url, name):
    """An empty database as the guide creates one: from template0, UTF-8, Swedish ICU collation."""
    with admin_connection(url) as connection:
        connection.execute(
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8' "
            "LOCALE_PROVIDER icu ICU_LOCALE 'sv-SE'"
        )


def drop_database(url, name):
    with admin_connection(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the comparison ----------------------------------------------------------


def _session(connection):
    for statement in SESSION:
        connection.execute(statement)


def user_tables(connection):
    """(schema, table, primary-key columns) of every ordinary or partitioned table, from the catalog."""
    rows = connection.execute(
        """
        SELECT n.nspname, c.relname,
               coalesce((SELECT array_agg(a.attname::text ORDER BY k.ord)
                         FROM pg_index i
                         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                         WHERE i.indrelid = c.oid AND i.indisprimary), '{}')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname !~ '^(pg_|information_schema$)'
        ORDER BY 1, 2
        """
    ).fetchall()
    return [(schema, table, list(key)) for schema, table, key in rows]


def table_digests(connection):
    """{"schema.table": (row count, digest of all its rows in primary-key order)} for every table.

    The digest is the SHA-256 of the rows' MD5s in order (each row in its text form), so a table
    of millions of rows stays far below PostgreSQL's 1 GB limit for one text value. A table
    without a primary key is ordered by the rows' text itself.
    """
    from psycopg import sql

    _session(connection)
    row = sql.Identifier("backup_check_row")  # the table's alias: a name no column of ours has
    digests = {}
    for schema, table, key in user_tables(connection):
        order = sql.SQL(", ").join(sql.Identifier("backup_check_row", column) for column in key) if key else None
        query = sql.SQL(
            "SELECT count(*), encode(sha256(convert_to(coalesce(string_agg(md5({row}::text), '' ORDER BY {order}),"
            " ''), 'UTF8')), 'hex') FROM {table} AS {row}"
        ).format(row=row, order=order or sql.SQL("{}::text").format(row), table=sql.Identifier(schema, table))
        count, digest = connection.execute(query).fetchone()
        digests[f"{schema}.{table}"] = (count, digest)
    return digests


def sequence_positions(connection):
    """{"schema.sequence": its last value (None when never used)} for every sequence."""
    rows = connection.execute(
        "SELECT schemaname, sequencename, last_value FROM pg_sequences"
        " WHERE schemaname IN (SELECT nspname FROM pg_namespace WHERE nspname !~ '^(pg_|information_schema$)')"
    ).fetchall()
    return {f"{schema}.{name}": last for schema, name, last in rows}


def schema_definitions(connection):
    """{what: definition} for every column, constraint and index outside the system schemas."""
    _session(connection)
    definitions = {}
    for schema, table, column, kind, nullable, default, identity in connection.execute(
        """
        SELECT table_schema, table_name, column_name, data_type, is_nullable, column_default, is_identity
        FROM information_schema.columns
        WHERE table_schema IN (SELECT nspname FROM pg_namespace WHERE nspname !~ '^(pg_|information_schema$)')
        """
    ).fetchall():
        definitions[f"column {schema}.{table}.{column}"] = f"{kind} null={nullable} default={default} id={identity}"
    # A constraint by what it binds, not by its text: PostgreSQL prints some CHECK expressions
    # differently once they have been dumped and read back (`area IN ('A', 'C')` on a varchar
    # column moves its casts into the array), though they mean the same.
    for table, name, definition in connection.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname,
               concat_ws(' ', c.contype, c.convalidated, c.condeferrable, c.condeferred,
                         (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
                          WHERE attrelid = c.conrelid AND attnum = ANY (c.conkey)),
                         nullif(c.confrelid, 0)::regclass::text,
                         (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
                          WHERE attrelid = c.confrelid AND attnum = ANY (c.confkey)),
                         c.confupdtype, c.confdeltype, c.conindid::regclass::text)
        FROM pg_constraint c
        WHERE c.connamespace IN (SELECT oid FROM pg_namespace WHERE nspname !~ '^(pg_|information_schema$)')
        """
    ).fetchall():
        definitions[f"constraint {table}.{name}"] = definition
    for schema, name, definition in connection.execute(
        "SELECT schemaname, indexname, indexdef FROM pg_indexes"
        " WHERE schemaname IN (SELECT nspname FROM pg_namespace WHERE nspname !~ '^(pg_|information_schema$)')"
    ).fetchall():
        definitions[f"index {schema}.{name}"] = definition
    return definitions


def file_digests(folder):
    """{path relative to folder: SHA-256 of its content} for every file under folder."""
    folder = Path(folder)
    digests = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digests[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def first_difference(kind, a, b, describe=repr):
    """The first difference between two {name: value} maps, in words, or None when they are equal."""
    for name in sorted(a.keys() | b.keys()):
        if name not in b:
            return f"{kind} {name} is in A but not in B"
        if name not in a:
            return f"{kind} {name} is in B but not in A"
        if a[name] != b[name]:
            return f"{kind} {name} differs: A {describe(a[name])}; B {describe(b[name])}"
    return None


def describe_table(figures):
    count, digest = figures
    return f"{count:,} rows, SHA-256 {digest}"


def compare(url_a, url_b, media_a, media_b):
    """Compare the two installations; raise SmokeFailure at the first difference, else return the figures."""
    import psycopg

    with psycopg.connect(url_a, autocommit=True) as a, psycopg.connect(url_b, autocommit=True) as b:
        schema = schema_definitions(a)
        check(not (why := first_difference("schema:", schema, schema_definitions(b))), why)
        tables = table_digests(a)
        check(not (why := first_difference("table", tables, table_digests(b), describe_table)), why)
        sequences = sequence_positions(a)
        check(not (why := first_difference("sequence", sequences, sequence_positions(b))), why)
    files = file_digests(media_a)
    check(not (why := first_difference("file", files, file_digests(media_b), "SHA-256 {}".format)), why)
    check(tables, "the database has no tables: nothing was compared")
    check(files, "the media folder has no files: nothing was compared")
    return {
        "tables": len(tables),
        "rows": sum(count for count, _digest in tables.values()),
        "sequences": len(sequences),
        "definitions": len(schema),
        "files": len(files),
        "bytes": sum(path.stat().st_size for path in Path(media_a).rglob("*") if path.is_file()),
    }


# --- the run -------------------------------------------------------------------


def plural(count, word):
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument(
        "--after-restore",
        metavar="COMMAND",
        help="a shell command run before the comparison, with BACKUP_CHECK_B_URL and BACKUP_CHECK_B_MEDIA set",
    )
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL=postgres://user@host:port/any (a server where the user may create databases).")
        return 2
    started = time.monotonic()
    token = secrets.token_hex(4)
    names = {"A": f"stportfolj_backup_a_{token}", "B": f"stportfolj_backup_b_{token}"}
    urls = {side: with_database(args.database_url, name) for side, name in names.items()}
    folder = Path(tempfile.mkdtemp(prefix="st-portfolj-backup-"))
    # /srv/stportfolj/media in the guide: the tar names the folder "media" inside its parent.
    media = {"A": folder / "a" / "media", "B": folder / "b" / "media"}
    backup = folder / "backup"
    for path in (media["A"], media["B"].parent, backup):  # B's media folder comes from the archive
        path.mkdir(parents=True)
    env = {side: production_env(urls[side], folder / side.lower(), media[side]) for side in names}
    stamp = date.today().isoformat()  # noqa: DTZ011 -- the cron line's $(date +%F), local time
    dump, archive = backup / f"stportfolj-{stamp}.dump", backup / f"media-{stamp}.tar.gz"
    created = []
    try:
        with step(f"installation A: create the database {names['A']}"):
            create_database(args.database_url, names["A"])
            created.append(names["A"])
        with step("installation A: migrate (production settings)"):
            manage(env["A"], "migrate", "--no-input", "--verbosity", "0")
        with step("installation A: seed_demo"):
            manage(env["A"], "seed_demo", "--verbosity", "0")
        with step("installation A: a trainee uploads a course certificate through the course form"):
            pdf = folder / "intyg.pdf"
            pdf.write_bytes(PDF_TEMPLATE.replace(b"{nonce}", secrets.token_hex(16).encode()))
            code = UPLOAD.format(host=HOST, path=str(pdf), title=CERTIFICATE_TITLE, start=stamp)
            course_pk, stored = manage(env["A"], "shell", "--no-imports", "-c", code).split()[:2]
            uploaded = hashlib.sha256(pdf.read_bytes()).hexdigest()
            check((media["A"] / stored).is_file(), f"the certificate is not in media folder A as {stored}")
            check(file_digests(media["A"])[stored] == uploaded, "the stored certificate is not the uploaded file")
        with step("backup: pg_dump --format=custom, then tar of the media folder"):
            run([client_program("pg_dump"), *DUMP_OPTIONS, f"--file={dump}", urls["A"]])
            run(["tar", "-C", str(media["A"].parent), "-czf", str(archive), "media"])
            print(f"    {dump.name} {dump.stat().st_size:,} bytes, {archive.name} {archive.stat().st_size:,} bytes")
        with step(f"restore: create the database {names['B']}, pg_restore, untar into a fresh media folder"):
            create_database(args.database_url, names["B"])
            created.append(names["B"])
            role = urlsplit(args.database_url).username  # the guide's --role: the application's owner role
            run([client_program("pg_restore"), *RESTORE_OPTIONS, *([f"--role={role}"] if role else []),
                 f"--dbname={urls['B']}", str(dump)])  # fmt: skip
            run(["tar", "-C", str(media["B"].parent), "-xzf", str(archive)])
        with step("installation B: migrate --plan has nothing to apply"):
            plan = manage(env["B"], "migrate", "--plan")
            check("No planned migration operations" in plan, f"migrate --plan on B would apply:\n{plan}")
        with step("installation B: check --deploy reports nothing"):
            output = manage(env["B"], "check", "--deploy", "--fail-level", "DEBUG")
            check("no issues" in output, f"check --deploy said:\n{output}")
        if args.after_restore:
            with step(f"after the restore: {args.after_restore}"):
                hook = {**os.environ, "BACKUP_CHECK_B_URL": urls["B"], "BACKUP_CHECK_B_MEDIA": str(media["B"])}
                print(run(["sh", "-c", args.after_restore], env=hook).rstrip())
        with step("compare A and B: schema, rows, sequences, files"):
            figures = compare(urls["A"], urls["B"], media["A"], media["B"])
        with step("installation B, last as a login writes to it: the certificate downloads as uploaded"):
            downloaded = manage(env["B"], "shell", "--no-imports", "-c", DOWNLOAD.format(pk=int(course_pk), host=HOST))
            check(downloaded.split()[0] == uploaded, "the certificate downloaded from B is not the uploaded file")
    except SmokeFailure as failure:
        print(f"\nBACKUP CHECK FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        for name in created:
            with step(f"drop the database {name}"):
                drop_database(args.database_url, name)
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"\nalso identical: {plural(figures['sequences'], 'sequence')} and "
        f"{plural(figures['definitions'], 'schema definition')}; media {figures['bytes']:,} bytes"
    )
    print(
        f"backup check: {plural(figures['tables'], 'table')}, {plural(figures['rows'], 'row')} and "
        f"{plural(figures['files'], 'file')} identical, {time.monotonic() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
