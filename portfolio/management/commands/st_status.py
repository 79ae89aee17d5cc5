"""Print a trainee's current figures: time, IUP, handledning, evidence per delmål and follow-up.

The figures come from portfolio.snapshot.build_status, the same computation as the
trainee's page, so the two always agree. Fields are documented in docs/st-status.md.
"""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from portfolio.models import Trainee
from portfolio.readiness.build import readiness_for
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
        verdict = readiness_for(trainee, status)
        if options["json"]:
            data = status.as_json()
            data["ready"] = verdict.ready
            data["gaps"] = [_gap(gap) for gap in verdict.gaps]
            self.stdout.write(_dumps(data))
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
            _period_line("Kompetensvärderingar this half-year", status.current_half_year),
            _period_line("Medsittningar by a handledare this quarter", status.current_quarter),
            f"Latest handledarutlåtande: {_statement(status.latest_statement)}; "
            f"next due {status.statement_due}{'' if status.statement_done else ' (not yet signed)'}",
            f"Specialistkollegium: {status.specialist_panel_date or 'none'}",
            f"Mitt-i-ST: {status.mid_st_status or 'not started'}, target {status.mid_st_target or '-'}, "
            f"order by {status.mid_st_order_by or '-'}",
            f"Åtgärdsplan: {_action_plan(status)}",
            _readiness_line(verdict),
        ]
        self.stdout.write("\n".join(lines))


def _period_line(title, period):
    if period is None:
        return f"{title}: -"
    state = {True: "norm met", False: "below the norm", None: "in progress"}[period.meets_norm]
    return f"{title} ({period.label}): {period.count} of {period.required} ({state})"


def _statement(summary):
    if summary is None:
        return "none"
    risk = ", risk flagged" if summary.at_risk else ""
    return f"signed {summary.signed_on}, on track: {summary.on_track}{risk}"


def _action_plan(status):
    return f"open, follow-up {status.action_plan_follow_up}" if status.open_action_plan else "none open"


def _gap(gap):
    return {key: str(getattr(gap, key)) for key in ("code", "severity", "what", "rule", "next_step")}


def _readiness_line(verdict):
    if verdict.ready:
        return "Ready to apply: yes"
    codes = ", ".join(dict.fromkeys(gap.code for gap in verdict.blocking))
    return f"Ready to apply: no, {len(verdict.blocking)} blocking gaps ({codes})"


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
