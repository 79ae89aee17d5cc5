"""The SPUR evidence pack: what the ST-portfölj knows about a unit, organised by SPUR's areas
A–H, for the studierektor to send the inspectors before the visit.

Everything comes from stored data: the unit profile and staff register (contracts), the
status snapshot of each ST-läkare (portfolio.StatusSnapshot: time, phase, IUP, handledning,
handledarutlåtande), signed kompetensvärderingar, courses and activities, the unit's
specialistkollegier, open åtgärdsplaner (only how many, never their text) and the latest
inspection's handlingsplan. The number of queries does not grow with the number of ST-läkare.

ST-läkare are pseudonymised by default as "ST-läkare 1, 2, …", numbered by start of ST (then
id), so the same person keeps the same number from one download to the next while the unit's
trainees stay the same; names are shown only when asked for.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from assessments.enums import AssessmentKind, SignedStatus
from assessments.models import ActionPlan, Assessment, SpecialistPanel
from contracts import criteria, spur
from contracts.enums import CriterionOutcome, SpurArea
from contracts.models import Inspection, UnitProfile, UnitStaff
from portfolio.enums import OtherActivityKind, Phase
from portfolio.models import Course, OtherActivity, StatusSnapshot, Trainee
from portfolio.pdf import render_pdf

TEMPLATE = "pdf/spur_evidence.html"

# Area G: medicinsk vetenskap and systematiskt kvalitets- och patientsäkerhetsarbete.
QUALITY_KINDS = (OtherActivityKind.QUALITY_WORK, OtherActivityKind.WRITTEN_WORK, OtherActivityKind.DEVELOPMENT_WORK)
# Area H: ledarskap and kommunikativ kompetens — teaching, supervising students and reflection
# in group (the portfolio has no kind of its own for leadership training).
LEADERSHIP_KINDS = (OtherActivityKind.TEACHING, OtherActivityKind.SUPERVISING, OtherActivityKind.GROUP_REFLECTION)


@dataclass
class TraineeEvidence:
    label: str
    trainee: Trainee
    snapshot: StatusSnapshot | None
    assessments: list = field(default_factory=list)  # [(kind label, count)]
    assessments_total: int = 0
    open_action_plans: int = 0
    courses: list = field(default_factory=list)
    quality: list = field(default_factory=list)  # [OtherActivity]
    leadership: list = field(default_factory=list)


def _snapshot(trainee):
    try:
        return trainee.snapshot
    except StatusSnapshot.DoesNotExist:
        return None


def current_trainees(unit):
    """The unit's ST-läkare in training (active account, application not yet finalised), in the
    stable order of their pseudonyms."""
    return (
        Trainee.objects.filter(unit=unit, user__is_active=True)
        .exclude(snapshot__phase=Phase.APPLIED)
        .select_related("user", "regulation", "snapshot")
        .order_by("st_start", "pk")
    )


def _label(index, trainee, names):
    return trainee.user.name if names else _("ST-läkare %(number)s") % {"number": index}


def _assessment_counts(ids):
    counts = defaultdict(Counter)
    rows = (
        Assessment.objects.filter(trainee_id__in=ids, status=SignedStatus.SIGNED)
        .values_list("trainee_id", "kind")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for trainee_id, kind, count in rows:
        counts[trainee_id][kind] += count
    return counts


def _open_action_plans(ids):
    rows = ActionPlan.objects.open().filter(trainee_id__in=ids).values_list("trainee_id").annotate(count=Count("pk"))
    return dict(rows.order_by())


def _by_trainee(queryset):
    found = defaultdict(list)
    for record in queryset:
        found[record.trainee_id].append(record)
    return found


def trainee_evidence(unit, names=False) -> list[TraineeEvidence]:
    trainees = list(current_trainees(unit))
    ids = [trainee.pk for trainee in trainees]
    counts = _assessment_counts(ids)
    plans = _open_action_plans(ids)
    courses = _by_trainee(Course.objects.filter(trainee_id__in=ids).order_by("start", "title"))
    activities = _by_trainee(
        OtherActivity.objects.filter(trainee_id__in=ids, kind__in=QUALITY_KINDS + LEADERSHIP_KINDS).order_by(
            "start", "title"
        )
    )
    rows = []
    for index, trainee in enumerate(trainees, start=1):
        kinds = counts.get(trainee.pk, Counter())
        rows.append(
            TraineeEvidence(
                label=_label(index, trainee, names),
                trainee=trainee,
                snapshot=_snapshot(trainee),
                assessments=[(label, kinds[kind]) for kind, label in AssessmentKind.choices if kinds[kind]],
                assessments_total=sum(kinds.values()),
                open_action_plans=plans.get(trainee.pk, 0),
                courses=courses.get(trainee.pk, []),
                quality=[a for a in activities.get(trainee.pk, []) if a.kind in QUALITY_KINDS],
                leadership=[a for a in activities.get(trainee.pk, []) if a.kind in LEADERSHIP_KINDS],
            )
        )
    return rows


def current_staff(unit, today):
    return (
        UnitStaff.objects.filter(unit=unit, since__lte=today)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .select_related("specialty")
        .order_by("name", "pk")
    )


def latest_inspection(unit):
    """The latest inspection with its grades and handlingsplan (two queries more), or None."""
    return (
        Inspection.objects.filter(unit=unit)
        .prefetch_related("grades", "improvements_plan")
        .order_by("-date", "-pk")
        .first()
    )


@dataclass(frozen=True)
class CriterionRow:
    text: str
    outcome: str
    outcome_label: str
    evidence: str


def criteria_status(unit, today, labels=None) -> list[CriterionRow]:
    """The region's quality criteria evaluated for the unit (contracts.criteria). The evidence
    sentences name ST-läkare; with `labels` ({trainee pk: pseudonym}) they carry the pseudonyms."""
    criteria_list = criteria.criteria_for(unit)
    if not criteria_list:
        return []
    facts = criteria.unit_facts(unit, today)
    if labels is not None:
        pseudonymised = tuple(replace(fact, name=labels.get(fact.pk, _("ST-läkare"))) for fact in facts.trainees)
        facts = replace(facts, trainees=pseudonymised)
    outcomes = dict(CriterionOutcome.choices)
    return [
        CriterionRow(
            result.criterion.text, result.outcome, outcomes.get(result.outcome, result.outcome), result.evidence
        )
        for result in criteria.evaluate(facts, criteria_list, today)
    ]


def evidence_context(unit, today: date, names: bool = False) -> dict:
    inspection = latest_inspection(unit)
    trainees = trainee_evidence(unit, names)
    labels = None if names else {row.trainee.pk: row.label for row in trainees}
    return {
        "unit": unit,
        "today": today,
        "names": names,
        "areas": dict(SpurArea.choices),
        "profile": UnitProfile.objects.filter(unit=unit).first(),
        "criteria": criteria_status(unit, today, labels),
        "staff": list(current_staff(unit, today)),
        "trainees": trainees,
        "panels": list(SpecialistPanel.objects.filter(unit=unit).order_by("-date").values_list("date", "held_at")),
        "inspection": inspection,
        "grid": spur.grade_grid(inspection) if inspection else [],
        "regulation_labels": spur.regulation_labels(inspection.regulations) if inspection else [],
        "next_due": spur.next_inspection_due(inspection.date if inspection else None),
    }


def evidence_pdf(unit, today: date, names: bool = False) -> bytes:
    """The evidence pack as PDF bytes; ST-läkare pseudonymised unless `names`."""
    return render_pdf(TEMPLATE, evidence_context(unit, today, names))
