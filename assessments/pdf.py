"""PDFs of the assessments app, rendered with portfolio.pdf.render_pdf.

The Mitt-i-ST portfolio summary is what the ST-läkare sends the värderare before the
visit (SFAM's instructions; Norrbotten: "en portföljsammanställning"). Every figure
about time, handledning and delmål comes from portfolio.snapshot.build_status, the one
computation behind all figures about a trainee; this module only adds the lists.
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from assessments.enums import AssessmentKind, SignedStatus
from assessments.models import Assessment
from portfolio.enums import PlanStatus
from portfolio.models import Goal
from portfolio.pdf import render_pdf
from portfolio.service import service_periods
from portfolio.snapshot import build_status

SUMMARY_TEMPLATE = "assessments/pdf/midterm_summary.html"
SUPERVISION_WEEKS = 26


@dataclass(frozen=True)
class KindCount:
    label: str
    count: int


def _current_plan(trainee):
    """The latest approved IUP version with its delmål, or None."""
    goals = Goal.objects.select_related("curriculum").order_by("-curriculum__kind", "position")
    return (
        trainee.plans.filter(status=PlanStatus.APPROVED)
        .select_related("decided_by")
        .prefetch_related(Prefetch("goals", queryset=goals))
        .order_by("-version")
        .first()
    )


def _counts_by_kind(assessments):
    counts = Counter(assessment.kind for assessment in assessments)
    return [KindCount(label, counts[kind]) for kind, label in AssessmentKind.choices if counts[kind]]


def midterm_summary_context(trainee, today=None):
    today = today or timezone.localdate()
    status = build_status(trainee, today)
    assessments = list(Assessment.objects.filter(trainee=trainee, status=SignedStatus.SIGNED).order_by("date", "pk"))
    return {
        "trainee": trainee,
        "status": status,
        "today": today,
        "periods": service_periods(trainee),
        "courses": trainee.courses.order_by("start", "title"),
        "plan": _current_plan(trainee),
        "assessments": assessments,
        "assessment_counts": _counts_by_kind(assessments),
        "supervision": next(w for w in status.supervision if w.weeks == SUPERVISION_WEEKS),
        "goals": status.goals,
    }


def midterm_summary_pdf(trainee, today=None) -> bytes:
    """The portfolio summary for the Mitt-i-ST värderare, as PDF bytes."""
    return render_pdf(SUMMARY_TEMPLATE, midterm_summary_context(trainee, today))
