"""The records behind a trainee's figures, read for a chunk of trainees at once.

`status_records` and `readiness_records` read each kind of record with one query for
the whole chunk (`trainee_id__in`) and group the rows by trainee in Python, so the
number of queries does not grow with the number of trainees. `build_status` and the
readiness input take their data from here; one trainee is a chunk of one, so the
trainee page and the nightly batch read and compute the same way.

The rows are plain values (dates, numbers, codes), not model instances, except the
IUP versions, which `iup_due` takes as they are. Every query names its order: the
models' default orderings start with the trainee and would join its table.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Max, Min, Q

from assessments.enums import SignedStatus, StatementKind
from assessments.models import ActionPlan, Assessment, MidTermEvaluation, PanelReview, SupervisorStatement
from portfolio.enums import BTMode, CurriculumKind, ServiceKind
from portfolio.models import (
    AnnualVisit,
    Certificate,
    CertificateSignature,
    Course,
    FinalReview,
    Goal,
    Leave,
    OtherActivity,
    ServicePeriod,
    SupervisionMeeting,
    TrainingPlan,
)
from portfolio.timecalc import Interval

BT_KINDS = (ServiceKind.BT_PRIMARY, ServiceKind.BT_ACUTE)


@dataclass(frozen=True)
class MidTermRow:
    status: str
    desired_date: date | None
    visit_date: date | None


@dataclass(frozen=True)
class GoalRow:
    pk: int
    code: str
    title: str
    curriculum: str  # CurriculumKind
    # {alternative group: activity types}; read only for the readiness input
    groups: dict = field(default_factory=dict, compare=False)


@dataclass
class StatusRecords:
    """What `build_status` reads for one trainee."""

    service: list[Interval] = field(default_factory=list)
    leave: list[Interval] = field(default_factory=list)
    meetings: list[tuple[date, int]] = field(default_factory=list)  # (date, minutes) since `meetings_since`
    mid_term: MidTermRow | None = None
    last_visit: date | None = None
    signed_assessments: list[tuple] = field(default_factory=list)  # (date, kind, assessor_role)
    statements: list[tuple] = field(default_factory=list)  # signed yearly ones, newest first
    panel_date: date | None = None
    action_plan_follow_up: date | None = None  # the earliest follow-up of an open åtgärdsplan
    open_action_plan: bool = False
    plans: list[TrainingPlan] = field(default_factory=list)  # by version
    plan_goals: dict[int, set[int]] = field(default_factory=dict)  # plan pk → delmål pks
    goals: list[GoalRow] = field(default_factory=list)
    # Evidence linked to delmål, in the order the page lists it: (label, delmål pks)
    periods: list[tuple[str, set[int]]] = field(default_factory=list)
    courses: list[tuple[str, set[int]]] = field(default_factory=list)
    activities: list[tuple[str, set[int]]] = field(default_factory=list)
    assessments_per_goal: dict[int, int] = field(default_factory=dict)  # signed ones
    meetings_per_goal: dict[int, int] = field(default_factory=dict)


@dataclass
class ReadinessRecords:
    """What the readiness input reads for one trainee beyond its status."""

    goals: list[GoalRow] = field(default_factory=list)
    certificates: list[tuple] = field(default_factory=list)  # (pk, form, status, supersedes_id)
    signed_roles: dict[int, set[str]] = field(default_factory=dict)  # certificate pk → roles
    signers: dict[int, set] = field(default_factory=dict)  # certificate pk → signer ids
    certificate_goals: dict[int, set[str]] = field(default_factory=dict)  # certificate pk → delmål codes
    final_review: str | None = None  # the latest verdict
    bt_service_end: date | None = None  # integrated BT only


def status_records(trainees, meetings_since: date, evidence: bool = True) -> dict[int, StatusRecords]:
    """{trainee pk: StatusRecords}, about twenty queries whatever the number of trainees.

    Handledning is read from `meetings_since` on: only the recent windows are figured.
    Without `evidence`, what only the delmål coverage uses is not read (the delmål and the
    records linked to each: six queries fewer): a page that shows no coverage needs none."""
    ids = [trainee.pk for trainee in trainees]
    records = {pk: StatusRecords() for pk in ids}
    _read_service(ids, records)
    for trainee_id, *row in (
        Leave.objects.filter(trainee_id__in=ids).order_by().values_list("trainee_id", "start", "end", "percent", "kind")
    ):
        records[trainee_id].leave.append(Interval(*row))
    meetings = SupervisionMeeting.objects.filter(trainee_id__in=ids, date__gte=meetings_since).order_by()
    for trainee_id, day, minutes in meetings.values_list("trainee_id", "date", "minutes"):
        records[trainee_id].meetings.append((day, minutes))
    mid_terms = MidTermEvaluation.objects.filter(trainee_id__in=ids).order_by()
    for trainee_id, *row in mid_terms.values_list("trainee_id", "status", "desired_date", "visit_date"):
        records[trainee_id].mid_term = MidTermRow(*row)
    _read_reviews(ids, records)
    _read_assessments(ids, records, evidence)
    _read_plans(ids, records, evidence)
    if evidence:
        goals = goal_rows(trainees)
        for trainee in trainees:
            records[trainee.pk].goals = goals[trainee.pk]
        _read_evidence(ids, records)
    return records


def _read_service(ids, records):
    # One row per tjänstgöring and linked delmål (a left join), in the order of the list.
    rows = (
        ServicePeriod.objects.filter(trainee_id__in=ids)
        .order_by("trainee_id", "start", "pk")
        .values_list(
            "trainee_id", "pk", "start", "end", "percent", "kind", "unit_id", "unit__name", "workplace", "goals"
        )
    )
    seen = {}
    for trainee_id, pk, start, end, percent, kind, unit_id, unit_name, workplace, goal_id in rows:
        if pk not in seen:
            records[trainee_id].service.append(Interval(start, end, percent, kind))
            seen[pk] = (unit_name if unit_id else workplace, set())
            records[trainee_id].periods.append(seen[pk])
        if goal_id is not None:
            seen[pk][1].add(goal_id)


def _read_reviews(ids, records):
    for trainee_id, last in (
        AnnualVisit.objects.filter(trainee_id__in=ids).order_by().values("trainee_id").annotate(last=Max("date"))
    ).values_list("trainee_id", "last"):
        records[trainee_id].last_visit = last
    statements = SupervisorStatement.objects.filter(
        trainee_id__in=ids, kind=StatementKind.ANNUAL, status=SignedStatus.SIGNED
    ).order_by("trainee_id", "-signed_at", "-pk")
    for trainee_id, *row in statements.values_list("trainee_id", "period_end", "signed_at", "on_track", "at_risk"):
        records[trainee_id].statements.append(tuple(row))
    panels = (
        PanelReview.objects.filter(trainee_id__in=ids, panel__held_at__isnull=False)
        .order_by()
        .values("trainee_id")
        .annotate(last=Max("panel__date"))
    )
    for trainee_id, last in panels.values_list("trainee_id", "last"):
        records[trainee_id].panel_date = last
    plans = ActionPlan.objects.open().filter(trainee_id__in=ids).order_by().values("trainee_id")
    for trainee_id, follow_up in plans.annotate(first=Min("follow_up_on")).values_list("trainee_id", "first"):
        records[trainee_id].open_action_plan = True
        records[trainee_id].action_plan_follow_up = follow_up


def _read_assessments(ids, records, evidence=True):
    signed = Assessment.objects.filter(trainee_id__in=ids, status=SignedStatus.SIGNED).order_by()
    for trainee_id, *row in signed.values_list("trainee_id", "date", "kind", "assessor_role"):
        records[trainee_id].signed_assessments.append(tuple(row))
    if not evidence:
        return
    links = (
        Assessment.goals.through.objects.filter(assessment__trainee_id__in=ids, assessment__status=SignedStatus.SIGNED)
        .order_by()
        .values("assessment__trainee_id", "goal_id")
        .annotate(count=Count("pk"))
    )
    for trainee_id, goal_id, count in links.values_list("assessment__trainee_id", "goal_id", "count"):
        records[trainee_id].assessments_per_goal[goal_id] = count


def _read_plans(ids, records, evidence=True):
    plans = list(
        TrainingPlan.objects.filter(trainee_id__in=ids)
        .order_by("trainee_id", "version")
        .only("trainee_id", "version", "status", "decided_at")
    )
    for plan in plans:
        records[plan.trainee_id].plans.append(plan)
    if not plans or not evidence:
        return
    links = TrainingPlan.goals.through.objects.filter(trainingplan__trainee_id__in=ids).order_by()
    for trainee_id, plan_id, goal_id in links.values_list("trainingplan__trainee_id", "trainingplan_id", "goal_id"):
        records[trainee_id].plan_goals.setdefault(plan_id, set()).add(goal_id)


def _read_evidence(ids, records):
    for model, attribute in ((Course, "courses"), (OtherActivity, "activities")):
        rows = (
            model.objects.filter(trainee_id__in=ids)
            .order_by("trainee_id", "start", "pk")
            .values_list("trainee_id", "pk", "title", "goals")
        )
        seen = {}
        for trainee_id, pk, title, goal_id in rows:
            if pk not in seen:
                seen[pk] = (title, set())
                getattr(records[trainee_id], attribute).append(seen[pk])
            if goal_id is not None:
                seen[pk][1].add(goal_id)
    links = (
        SupervisionMeeting.goals.through.objects.filter(supervisionmeeting__trainee_id__in=ids)
        .order_by()
        .values("supervisionmeeting__trainee_id", "goal_id")
        .annotate(count=Count("pk"))
    )
    for trainee_id, goal_id, count in links.values_list("supervisionmeeting__trainee_id", "goal_id", "count"):
        records[trainee_id].meetings_per_goal[goal_id] = count


def goal_rows(trainees, requirements=False) -> dict[int, list[GoalRow]]:
    """{trainee pk: the delmål of the trainee's målbeskrivning, plus BT's when the regulation
    has BT}, in the order of `portfolio.queries.trainee_goals`, in one query for all trainees.
    With `requirements`, each delmål's requirement groups too (a row per requirement)."""
    st_keys = {(trainee.regulation_id, trainee.specialty_id) for trainee in trainees}
    bt_regulations = {trainee.regulation_id for trainee in trainees if trainee.regulation.bt_required}
    wanted = Q(
        curriculum__kind=CurriculumKind.ST,
        curriculum__regulation__in={regulation for regulation, _specialty in st_keys},
        curriculum__specialty__in={specialty for _regulation, specialty in st_keys},
    )
    if bt_regulations:
        wanted |= Q(curriculum__kind=CurriculumKind.BT, curriculum__regulation__in=bt_regulations)
    columns = ["pk", "code", "title", "curriculum__kind", "curriculum__regulation_id", "curriculum__specialty_id"]
    order = ["-curriculum__kind", "position", "pk"]
    if requirements:
        columns += ["requirements__alternative_group", "requirements__activity_type"]
        order += ["requirements__alternative_group"]
    st_goals, bt_goals, rows = defaultdict(list), defaultdict(list), {}
    for pk, code, title, kind, regulation, specialty, *requirement in (
        Goal.objects.filter(wanted).order_by(*order).values_list(*columns)
    ):
        if pk not in rows:
            rows[pk] = GoalRow(pk, code, title, kind, {})
            if kind == CurriculumKind.ST:
                st_goals[(regulation, specialty)].append(rows[pk])
            else:
                bt_goals[regulation].append(rows[pk])
        if requirement and requirement[1] is not None:
            rows[pk].groups.setdefault(requirement[0], set()).add(requirement[1])
    # The specialty's delmål come first ("st" sorts after "bt", descending), then BT's.
    return {
        trainee.pk: st_goals[(trainee.regulation_id, trainee.specialty_id)]
        + (bt_goals[trainee.regulation_id] if trainee.regulation.bt_required else [])
        for trainee in trainees
    }


def readiness_records(trainees) -> dict[int, ReadinessRecords]:
    """{trainee pk: ReadinessRecords}: delmål with requirements, intyg with their signatures and
    delmål, the latest end-of-ST review, and the end of BT service for integrated BT; at most
    seven queries whatever the number of trainees or intyg."""
    ids = [trainee.pk for trainee in trainees]
    records = {pk: ReadinessRecords() for pk in ids}
    goals = goal_rows(trainees, requirements=True)
    for trainee in trainees:
        records[trainee.pk].goals = goals[trainee.pk]
    _read_certificates(ids, records)
    reviews = FinalReview.objects.filter(trainee_id__in=ids).order_by("trainee_id", "-date", "-pk")
    for trainee_id, verdict in reviews.values_list("trainee_id", "verdict"):
        if records[trainee_id].final_review is None:
            records[trainee_id].final_review = verdict
    # Only the two-year advice for integrated BT reads it; no query for anyone else.
    integrated = [trainee.pk for trainee in trainees if trainee.bt_mode == BTMode.INTEGRATED]
    if integrated:
        ends = (
            ServicePeriod.objects.filter(trainee_id__in=integrated, kind__in=BT_KINDS)
            .order_by()
            .values("trainee_id")
            .annotate(end=Max("end"))
        )
        for trainee_id, end in ends.values_list("trainee_id", "end"):
            records[trainee_id].bt_service_end = end
    return records


def _read_certificates(ids, records):
    rows = list(
        Certificate.objects.filter(trainee_id__in=ids)
        .order_by("trainee_id", "form", "period_start", "pk")
        .values_list("trainee_id", "pk", "form", "status", "supersedes_id")
    )
    if not rows:
        return
    owner = {}
    for trainee_id, *row in rows:
        records[trainee_id].certificates.append(tuple(row))
        owner[row[0]] = records[trainee_id]
    signatures = CertificateSignature.objects.filter(
        certificate__trainee_id__in=ids, signed_at__isnull=False
    ).order_by()
    for certificate_id, role, signer_id in signatures.values_list("certificate_id", "role", "signer_id"):
        owner[certificate_id].signed_roles.setdefault(certificate_id, set()).add(role)
        owner[certificate_id].signers.setdefault(certificate_id, set()).add(signer_id)
    links = Certificate.goals.through.objects.filter(certificate__trainee_id__in=ids).order_by()
    for certificate_id, code in links.values_list("certificate_id", "goal__code"):
        owner[certificate_id].certificate_goals.setdefault(certificate_id, set()).add(code)
