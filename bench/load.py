"""The load test: gunicorn with production settings, PostgreSQL, and people logging in at once.

    .venv/bin/python bench/load.py --database-url URL [--users 40] [--spawn-rate 4]
                                   [--run-time 60s] [--workers N] [--settings production|bench]
                                   [--output FILE]

The database must already hold the seeded data (bench/run.py makes it; bench/postgres.sh
runs both). This starts gunicorn on a free loopback port and runs locust headless
against it for a bounded time with a mix of ST-läkare, handledare and studierektorer
(bench/locustfile.py), then stops both. With `--settings production` (the default) the
server runs config.settings as a region would: DEBUG off, HTTPS only (gunicorn serves
TLS with a certificate made for the run), secure cookies, HSTS, collected static
files. Reports the throughput, the median and 95th percentile per page and in all, and
the number of errors: failed requests as locust counts them (a status of 400 or more,
or a page that sent the person back to the login form) and the server errors gunicorn
logged. Exits non-zero when there was any error.
"""

import argparse
import csv
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=40, help="people logged in at once")
    parser.add_argument("--spawn-rate", type=float, default=4, help="people starting per second")
    parser.add_argument("--run-time", default="60s", help="how long the load lasts (locust's format: 60s, 3m)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--settings", choices=["production", "bench"], default="production")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "load.json"))
    return parser.parse_args(argv)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_accounts(path, database_url):
    """The people locust plays, from the data: trainees, handledare with their trainees,
    studierektorer with some of theirs."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from portfolio.models import Trainee

    rows = list(
        Trainee.objects.order_by("pk").values_list(
            "pk", "user__username", "main_supervisor__username", "study_director__username"
        )
    )
    if not rows:
        raise SystemExit("The database holds no trainees: seed it first (bench/run.py or manage.py seed_scale).")
    supervisors, directors = {}, {}
    for pk, _username, supervisor, director in rows:
        if supervisor:
            supervisors.setdefault(supervisor, []).append(pk)
        if director:
            directors.setdefault(director, []).append(pk)
    accounts = {
        "password": "scale",
        "trainees": [{"username": name, "trainee": pk} for pk, name, _s, _d in rows[:: max(1, len(rows) // 500)]],
        "supervisors": [{"username": name, "trainees": pks} for name, pks in list(supervisors.items())[:200]],
        "directors": [{"username": name, "trainees": pks[:100]} for name, pks in directors.items()],
    }
    Path(path).write_text(json.dumps(accounts), encoding="utf-8")
    return {role: len(accounts[role]) for role in ("trainees", "supervisors", "directors")}


def server_environment(args, database_url, folder):
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("DJANGO_DEBUG", None)
    if args.settings == "bench":
        env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
        return env, "http", []
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    key, certificate = folder / "key.pem", folder / "certificate.pem"
    openssl = shutil.which("openssl") or "openssl"
    subprocess.run(  # noqa: S603 -- a fixed command line
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )  # fmt: skip
    # As at an installation: static files collected once, served by whitenoise from the manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    return env, "https", ["--certfile", str(certificate), "--keyfile", str(key)]


def wait_until_up(url, process, seconds=60):
    import ssl

    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped before it answered; see its log above.")
        try:
            with urllib.request.urlopen(url + "/konto/logga-in/", timeout=5, context=context) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer on {url} within {seconds} s.")


def read_stats(prefix):
    with open(f"{prefix}_stats.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    pages = []
    for row in rows:
        pages.append(
            {
                "name": row["Name"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "median_ms": float(row["Median Response Time"] or 0),
                "p95_ms": float(row["95%"] or 0) if row["95%"] != "N/A" else None,
                "requests_per_second": round(float(row["Requests/s"] or 0), 2),
            }
        )
    total = next(page for page in pages if page["name"] == "Aggregated")
    failures_path = Path(f"{prefix}_failures.csv")
    failures = list(csv.DictReader(failures_path.open(encoding="utf-8"))) if failures_path.exists() else []
    return total, [page for page in pages if page["name"] != "Aggregated"], failures


def main(argv=None):
    args = parse(argv)
    folder = Path(tempfile.mkdtemp(prefix="st-portfolj-load-"))
    accounts = folder / "accounts.json"
    people = write_accounts(accounts, args.database_url)
    env, scheme, tls = server_environment(args, args.database_url, folder)
    port = free_port()
    url = f"{scheme}://127.0.0.1:{port}"
    server_log = folder / "gunicorn.log"
    command = [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
               "--timeout", "60", "--error-logfile", str(server_log), *tls]  # fmt: skip
    print(f"gunicorn ({args.workers} workers, {args.settings} settings) on {url}", flush=True)
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 -- our own fixed command line
    try:
        wait_until_up(url, server)
        print(
            f"locust: {args.users} people ({people['trainees']} ST-läkare, {people['supervisors']} handledare and "
            f"{people['directors']} studierektorer to draw from), {args.spawn_rate}/s, for {args.run_time}",
            flush=True,
        )
        prefix = folder / "locust"
        locust = subprocess.run(  # noqa: S603 -- our own fixed command line
            [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--host", url,
             "--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--run-time", args.run_time,
             "--stop-timeout", "10", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT, env={**os.environ, "BENCH_ACCOUNTS": str(accounts)}, check=False,
        )  # fmt: skip
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    total, pages, failures = read_stats(prefix)
    log = server_log.read_text(encoding="utf-8", errors="replace")
    server_errors = log.count("Internal Server Error") + log.count("WORKER TIMEOUT")
    result = {
        "command": " ".join(["load.py", *(argv or sys.argv[1:])]),
        "settings": args.settings,
        "workers": args.workers,
        "users": args.users,
        "run_time": args.run_time,
        "requests": total["requests"],
        "failures": total["failures"],
        "server_errors": server_errors,
        "requests_per_second": total["requests_per_second"],
        "median_ms": total["median_ms"],
        "p95_ms": total["p95_ms"],
        "pages": pages,
        "failure_samples": failures[:20],
        "locust_exit_code": locust.returncode,
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\n{'page':28} {'requests':>9} {'failures':>9} {'median ms':>10} {'p95 ms':>8}")
    for page in sorted(pages, key=lambda page: -page["requests"]):
        name, requests, failed = page["name"], page["requests"], page["failures"]
        print(f"{name:28} {requests:9} {failed:9} {page['median_ms']:10.0f} {page['p95_ms']!s:>8}")
    print(
        f"\nin all: {total['requests']} requests, {total['requests_per_second']} per second, median "
        f"{total['median_ms']:.0f} ms, p95 {total['p95_ms']} ms; failures {total['failures']}, server errors "
        f"{server_errors}"
    )
    for failure in failures[:5]:
        print(f"  failure: {failure}")
    print(f"written: {output}")
    errors = total["failures"] + server_errors
    if errors:
        print(f"server log: {server_log}")
    else:
        shutil.rmtree(folder)
    return 1 if errors or total["requests"] == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
