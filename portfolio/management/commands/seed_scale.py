"""Generate national-scale data for benchmarks (see docs/performance.md)."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from portfolio.readiness import store
from portfolio.scale import ScaleRefused, seed_scale


class Command(BaseCommand):
    help = "Fill an empty database with N generated ST-läkare and their records (deterministic)."

    def add_arguments(self, parser):
        parser.add_argument("--trainees", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--refresh", action="store_true", help="Compute every stored status afterwards (as of --today)."
        )

    def handle(self, *args, trainees, seed, today, refresh, **options):
        if trainees < 1:
            raise CommandError("--trainees must be at least 1")
        try:
            result = seed_scale(trainees, seed=seed, today=today)
        except ScaleRefused as refused:
            raise CommandError(str(refused)) from refused
        out = self.stdout
        out.write(f"Password of every generated account: {result.password}")
        for name in (
            "director_username",
            "supervisor_username",
            "trainee_username",
            "ready_trainee_username",
            "unit_head_username",
            "evidence_unit_id",
            "admin_username",
        ):
            out.write(f"  {name:24} {getattr(result, name)}")
        for label, count in sorted(result.counts.items()):
            out.write(f"  {label:45} {count:>10}")
        out.write(f"{result.rows} rows in {result.seconds:.1f} s: {result.rate:,.0f} rows/s")
        if refresh:
            started = time.perf_counter()
            count = store.refresh_all(today=today)
            out.write(f"Stored status of {count} trainees computed in {time.perf_counter() - started:.1f} s")
