"""Print a trainee's current figures: time, IUP, handledning and evidence per delmål.

The figures come from portfolio.snapshot.build_status, the same computation as the
trainee's page, so the two always agree. Fields are documented in docs/st-status.md.
"""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from portfolio.models import Trainee
from portfolio.snapshot import build_status


class Command(BaseCommand):
    help = "Show a trainee's current figures (time, IUP, handledning, evidence per delmål)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of text.")
        parser.add_argument("--today", type=date.fromisoformat, help="Compute as of this date (YYYY-MM-DD).")

    def handle(self, *args, username, today=None, **options):
        trainee = (
            Trainee.objects.select_related("user", "regulation", "unit__region", "specialty")
            .filter(user__username=username)
            .first()
        )
        if trainee is None:
            raise CommandError(f"No ST-läkare with the username {username!r}.")
        status = build_status(trainee, today)
        if options["json"]:
            self.stdout.write(_dumps(status.as_json()))
            return
        window = status.supervision_last_8_weeks
        overdue = " (overdue)" if status.iup_overdue else ""
        with_evidence = sum(1 for goal in status.goals if goal.courses or goal.activities)
        lines = [
            f"{status.name} ({status.username}), {status.regulation}, BT: {status.bt_mode}",
            f"Time: {status.fte_months:.1f} of {status.required_fte_months} full-time months "
            f"({status.fte_months_planned:.1f} with planned service); minimum reached "
            f"{status.minimum_reached_on or 'not with the recorded plan'}",
            f"IUP: {status.iup_status or 'none'}, due {status.iup_due or '-'}{overdue}",
            f"Handledning last 8 weeks: {window.hours:.1f} h of {window.expected_hours:.1f} h expected",
            f"Delmål with any evidence: {with_evidence} of {len(status.goals)}",
        ]
        self.stdout.write("\n".join(lines))


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
