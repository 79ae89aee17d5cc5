"""Time the studierektor overview on a generated region of N trainees.

    .venv/bin/python bench/overview.py [--trainees 1000] [--repeat 20] [--database-url URL]

Builds a throw-away database (SQLite in a temporary directory unless --database-url
names another, which is then wiped), generates the trainees in bulk (a tjänstgöring,
an IUP version, about 45 handledning meetings a year, an åtgärdsplan for one in ten),
computes every stored status with the real `refresh_all`, and then requests the
overview through Django's test client as a studierektor who leads every unit: the
first page, a flag filter, a sort, and the CSV of all rows. Prints the median and 95th
percentile server time and the number of queries of each.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=1000)
    parser.add_argument("--units", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="")
    return parser.parse_args()


def setup(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)


def generate(trainees, units, seed):
    from django.utils import timezone

    from accounts.enums import Role, UnitKind
    from accounts.models import Membership, Region, Specialty, Unit, User
    from assessments.models import ActionPlan
    from portfolio.enums import BTMode, PlanStatus, RegulationCode, ServiceKind
    from portfolio.models import Regulation, ServicePeriod, SupervisionMeeting, Trainee, TrainingPlan

    rng = random.Random(seed)  # noqa: S311 -- repeatable test data, not a secret
    today = timezone.localdate()
    region = Region.objects.create(name="Benchmarkregionen", code="bench")
    specialty, _ = Specialty.objects.get_or_create(slug="allmanmedicin", defaults={"name": "Allmänmedicin"})
    unit_rows = Unit.objects.bulk_create(
        Unit(name=f"Vårdcentral {number:03}", kind=UnitKind.VARDCENTRAL, specialty=specialty, region=region)
        for number in range(units)
    )
    director = User.objects.create_user("bench-studierektor", "sr@bench.invalid", "bench", name="Studierektor")
    Membership.objects.bulk_create(Membership(user=director, role=Role.STUDY_DIRECTOR, unit=unit) for unit in unit_rows)
    supervisors = User.objects.bulk_create(
        User(username=f"bench-hl-{number}", email=f"hl{number}@bench.invalid", name=f"Handledare {number}")
        for number in range(trainees // 3 + 1)
    )
    people = User.objects.bulk_create(
        User(username=f"bench-st-{number}", email=f"st{number}@bench.invalid", name=f"ST-läkare {number:05}")
        for number in range(trainees)
    )
    old, new = (
        Regulation.objects.get(code=RegulationCode.SOSFS_2015_8),
        Regulation.objects.get(code=RegulationCode.HSLF_FS_2021_8),
    )
    rows = []
    for number, person in enumerate(people):
        start = today - timedelta(days=rng.randint(30, 5 * 365))
        regulation = new if start >= date(2021, 7, 1) else old
        rows.append(
            Trainee(
                user=person,
                unit=unit_rows[number % units],
                specialty=specialty,
                regulation=regulation,
                bt_mode=BTMode.INTEGRATED if regulation == new else BTMode.NONE,
                bt_approved_on=start + timedelta(days=400) if regulation == new and rng.random() < 0.5 else None,
                st_start=start,
                main_supervisor=supervisors[number // 3],
                study_director=director,
            )
        )
    trainee_rows = Trainee.objects.bulk_create(rows)
    ServicePeriod.objects.bulk_create(
        ServicePeriod(
            trainee=trainee,
            kind=ServiceKind.MAIN,
            unit=trainee.unit,
            start=trainee.st_start,
            end=trainee.st_start + timedelta(days=5 * 365 + 30),
            percent=rng.choice([100, 100, 100, 75]),
        )
        for trainee in trainee_rows
    )
    TrainingPlan.objects.bulk_create(
        TrainingPlan(
            trainee=trainee,
            version=1,
            status=PlanStatus.APPROVED if rng.random() < 0.8 else PlanStatus.SUBMITTED,
            decided_at=None,
        )
        for trainee in trainee_rows
    )
    meetings = []
    for trainee in trainee_rows:
        day = trainee.st_start
        while day < today:
            meetings.append(SupervisionMeeting(trainee=trainee, date=day, minutes=rng.choice([45, 60, 60, 90])))
            day += timedelta(days=rng.randint(5, 11))
    SupervisionMeeting.objects.bulk_create(meetings, batch_size=5000)
    ActionPlan.objects.bulk_create(
        ActionPlan(
            trainee=trainee,
            opened_on=today - timedelta(days=30),
            concern="Bench",
            responsible="Studierektor",
            follow_up_on=today + timedelta(days=rng.randint(-20, 40)),
        )
        for trainee in trainee_rows
        if rng.random() < 0.1
    )
    return director, len(meetings)


def measure(client, url, params, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params)  # warm the caches of templates and translations
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} {params} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(url, params)
    times.sort()
    return statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)], len(queries), len(response.content)


def main():
    args = parse()
    with tempfile.TemporaryDirectory() as folder:
        setup(args.database_url or f"sqlite:///{folder}/bench.sqlite3")
        from django.db import connection
        from django.test import Client
        from django.urls import reverse

        from portfolio.readiness.store import refresh_all

        started = time.perf_counter()
        director, meetings = generate(args.trainees, args.units, args.seed)
        generated = time.perf_counter() - started
        started = time.perf_counter()
        count = refresh_all()
        refreshed = time.perf_counter() - started
        print(f"database: {connection.vendor}; {args.trainees} trainees, {args.units} units, {meetings} meetings")
        print(f"generated in {generated:.1f} s; status of {count} trainees computed in {refreshed:.1f} s")

        client = Client()
        client.force_login(director)
        url = reverse("trainee-list")
        cases = {
            "first page (50 rows)": {},
            "filter: IUP försenad": {"flag": "iup_overdue"},
            "filter: any flag, sorted by flags": {"flag": "any", "sort": "attention"},
            "sorted by months": {"sort": "-months"},
            f"CSV of all {args.trainees} rows": {"_export": "csv"},
        }
        print(f"{'request':40} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'bytes':>9}")
        for name, params in cases.items():
            median, p95, queries, size = measure(client, url, params, args.repeat)
            print(f"{name:40} {median:10.1f} {p95:8.1f} {queries:8} {size:9}")


if __name__ == "__main__":
    main()
