"""Demo records of the assessments app for seed_demo: kompetensvärderingar of every kind,
requests (open, expired, completed), handledarutlåtanden, specialistkollegier, a
trainee in each Mitt-i-ST state and åtgärdsplaner.

Deterministic for a given day, and each kind of record is added only when the trainee
(or unit) has none yet, so running seed_demo again adds nothing.
"""

import random
import secrets
from datetime import date, timedelta

from django.utils import timezone

from accounts.enums import Role
from accounts.models import Membership
from assessments.enums import (
    AssessmentKind,
    AssessorRole,
    MidTermStatus,
    OnTrack,
    SignedStatus,
    StatementKind,
)
from assessments.models import (
    ActionPlan,
    ActionPlanFollowUp,
    Assessment,
    AssessmentRequest,
    AssessmentTemplate,
    MidTermEvaluation,
    PanelReview,
    SpecialistPanel,
    SupervisorStatement,
)
from assessments.panels import AREAS as PANEL_AREAS
from portfolio.demo import aware
from portfolio.enums import PlanStatus, ServiceKind
from portfolio.timecalc import add_months

# A year's kompetensvärderingar: two medsittningar a quarter, and the other instruments
# spread over the year (as in Region Norrbotten's norm of four per half-year).
YEAR_PLAN = [
    AssessmentKind.SIT_IN,
    AssessmentKind.MINI_CEX,
    AssessmentKind.SIT_IN,
    AssessmentKind.CBD,
    AssessmentKind.SIT_IN,
    AssessmentKind.DOPS,
    AssessmentKind.SIT_IN,
    AssessmentKind.VIDEO,
    AssessmentKind.SIT_IN,
    AssessmentKind.MINI_CEX,
    AssessmentKind.SIT_IN,
    AssessmentKind.MSF,
    AssessmentKind.SIT_IN,
    AssessmentKind.CBD,
    AssessmentKind.SIT_IN,
    AssessmentKind.SIT_IN,
]
SITUATIONS = {
    AssessmentKind.MINI_CEX: ["Nybesök, bröstsmärta hos medelålders man", "Återbesök, diabetes typ 2 med högt HbA1c"],
    AssessmentKind.DOPS: ["Excision av hudförändring", "Ledpunktion av knä"],
    AssessmentKind.CBD: ["Journal: yrsel hos äldre kvinna", "Journal: utdragen hosta hos rökare"],
    AssessmentKind.SIT_IN: ["Förmiddagsmottagning, fyra besök", "Akutmottagning på hälsocentralen"],
    AssessmentKind.VIDEO: ["Inspelad konsultation: trötthet", "Inspelad konsultation: ryggsmärta"],
    AssessmentKind.MSF: ["360° vårterminen", "360° hösttermin"],
}
WENT_WELL = [
    "Lyhörd för patientens farhågor och tydlig sammanfattning.",
    "Strukturerad undersökning och bra tidshållning.",
    "Välgrundad bedömning och tydlig plan för uppföljning.",
]
TO_DEVELOP = [
    "Stäm av patientens förväntningar tidigare i samtalet.",
    "Dokumentera differentialdiagnoserna i journalen.",
    "Prioritera bland sökorsakerna när tiden är knapp.",
]
COLLEAGUES = [
    ("Greta Wallin", "greta.wallin@example.se", AssessorRole.SPECIALIST),
    ("Tomas Rehn", "tomas.rehn@example.se", AssessorRole.DOCTOR),
    ("Birgitta Holm", "birgitta.holm@example.se", AssessorRole.OTHER),
]

# username → Mitt-i-ST state: one ST-läkare in each state.
MID_TERM_STATES = {
    "st-persson": MidTermStatus.PLANNED,
    "st-sundqvist": MidTermStatus.ORDERED,
    "st-blom": MidTermStatus.MATERIAL_SENT,
    "st-eriksson": MidTermStatus.VISITED,
    "st-andersson": MidTermStatus.REPORT_RECEIVED,
    "demo-st": MidTermStatus.PLAN_AGREED,
}
AT_RISK = "st-eriksson"


def populate(trainee, today: date) -> None:
    rng = random.Random(f"assessments:{trainee.user.username}:{today.isoformat()}")  # noqa: S311 -- demo data  # nosec B311
    templates = {t.kind: t for t in AssessmentTemplate.objects.filter(region=None)}
    goals = list(trainee.curriculum.goals.order_by("position"))
    if not trainee.assessments.exists():
        _assessments(trainee, today, rng, templates, goals)
    if not trainee.assessment_requests.exists():
        _requests(trainee, today, templates, goals)
    if not trainee.supervisor_statements.exists() and trainee.main_supervisor_id:
        _statements(trainee, today)
    if trainee.user.username in MID_TERM_STATES and not MidTermEvaluation.objects.filter(trainee=trainee).exists():
        _mid_term(trainee, today, MID_TERM_STATES[trainee.user.username])
    if trainee.user.username == AT_RISK and not trainee.action_plans.exists():
        _action_plan(trainee, today)


def _assessments(trainee, today, rng, templates, goals):
    """About sixteen a year from the start of ST, mostly by the huvudhandledare; the demo
    ST-läkare keeps the norms, others now and then fall behind."""
    if trainee.main_supervisor is None:
        return
    keeps_norm = trainee.user.username == "demo-st" or rng.random() < 0.6
    rows, links = [], []
    day = trainee.st_start + timedelta(days=20)
    index = 0
    while day < today:
        kind = YEAR_PLAN[index % len(YEAR_PLAN)]
        index += 1
        skip = not keeps_norm and rng.random() < 0.35
        if not skip:
            template = templates[kind]
            by_supervisor = kind in (AssessmentKind.SIT_IN, AssessmentKind.VIDEO) or rng.random() < 0.7
            name, email, role = (
                (trainee.main_supervisor.name, trainee.main_supervisor.email, AssessorRole.SUPERVISOR)
                if by_supervisor
                else rng.choice(COLLEAGUES)
            )
            rows.append(
                Assessment(
                    trainee=trainee,
                    kind=kind,
                    template=template,
                    scale=template.scale,
                    domains=template.domains,
                    date=day,
                    situation=rng.choice(SITUATIONS[kind]),
                    assessor=trainee.main_supervisor if by_supervisor else None,
                    assessor_name=name,
                    assessor_email=email,
                    assessor_role=role,
                    ratings={d["code"]: _rating(template.scale, day, trainee, rng) for d in template.domains},
                    went_well=rng.choice(WENT_WELL),
                    to_develop=rng.choice(TO_DEVELOP),
                    status=SignedStatus.SIGNED,
                    signed_at=aware(day, 16),
                    created_by=trainee.main_supervisor if by_supervisor else None,
                )
            )
            links.append(rng.sample(goals, k=min(2, len(goals))))
        day += timedelta(days=rng.randint(19, 26))
    created = Assessment.objects.bulk_create(rows)
    through = Assessment.goals.through
    through.objects.bulk_create(
        through(assessment_id=row.pk, goal_id=goal.pk)
        for row, picked in zip(created, links, strict=True)
        for goal in picked
    )


def _rating(scale, day, trainee, rng):
    """Ratings rise with the years in ST; some domains are left unassessed."""
    if rng.random() < 0.1:
        return None
    years = (day - trainee.st_start).days / 365
    if scale == "numeric_1_9":
        return max(1, min(9, round(3 + years * 1.1 + rng.uniform(-1, 1))))
    return max(1, min(5, round(2 + years * 0.6 + rng.uniform(-0.7, 0.7))))


def _requests(trainee, today, templates, goals):
    """One waiting, one expired (demo-st also one completed); nobody else is asked."""
    if trainee.user.username not in {"demo-st", "st-hakansson", "st-lindberg", "st-nordin"}:
        return
    now = timezone.now()
    name, email, role = COLLEAGUES[0]
    waiting = AssessmentRequest.objects.create(
        trainee=trainee,
        kind=AssessmentKind.MINI_CEX,
        assessor_name=name,
        assessor_email=email,
        assessor_role=role,
        message="Patienten med bröstsmärta på tisdagens mottagning.",
        nonce=secrets.token_hex(16),
        expires_at=now + timedelta(days=24),
        created_by=trainee.user,
    )
    waiting.goals.set(goals[:1])
    name, email, role = COLLEAGUES[1]
    AssessmentRequest.objects.create(
        trainee=trainee,
        kind=AssessmentKind.DOPS,
        assessor_name=name,
        assessor_email=email,
        assessor_role=role,
        message="Excisionen på mottagningen i september.",
        nonce=secrets.token_hex(16),
        expires_at=now - timedelta(days=12),
        reminded_at=now - timedelta(days=19),
        created_by=trainee.user,
    )
    completed = trainee.assessments.filter(assessor__isnull=True).order_by("-date").first()
    if completed is not None:
        AssessmentRequest.objects.create(
            trainee=trainee,
            kind=completed.kind,
            assessor_name=completed.assessor_name,
            assessor_email=completed.assessor_email,
            assessor_role=completed.assessor_role,
            message="",
            nonce=secrets.token_hex(16),
            expires_at=aware(completed.date + timedelta(days=30)),
            assessment=completed,
            created_by=trainee.user,
        )


def _statements(trainee, today):
    """A signed yearly statement before each årsbesök, a draft for the coming one, and the
    summary of each finished BT placement."""
    supervisor = trainee.main_supervisor
    groups = list(dict.fromkeys(trainee.curriculum.goals.order_by("position").values_list("group", flat=True)))
    progress = {group: f"Delmål {group}: utvecklas enligt plan." for group in groups}
    end = add_months(trainee.st_start, 11) - timedelta(days=7)
    start = trainee.st_start
    rows = []
    while end < today:
        at_risk = trainee.user.username == AT_RISK and end > add_months(today, -12)
        rows.append(
            SupervisorStatement(
                trainee=trainee,
                kind=StatementKind.ANNUAL,
                period_start=start,
                period_end=end,
                progress=progress,
                strengths="Trygg i mötet med patienten, gott samarbete i teamet.",
                to_develop="Struktur vid många sökorsaker; vetenskapligt arbete.",
                on_track=OnTrack.PARTLY if at_risk else OnTrack.YES,
                at_risk=at_risk,
                risk_note="Få dokumenterade kompetensvärderingar och sen planering av sidotjänstgöring."
                if at_risk
                else "",
                author=supervisor,
                status=SignedStatus.SIGNED,
                signed_at=aware(end, 15),
            )
        )
        start, end = end + timedelta(days=1), add_months(end, 12)
    if trainee.user.username == "demo-st":
        rows.append(
            SupervisorStatement(
                trainee=trainee,
                kind=StatementKind.ANNUAL,
                period_start=start,
                period_end=today,
                strengths="Självständig på mottagningen.",
                on_track=OnTrack.YES,
                author=supervisor,
            )
        )
    for period in trainee.service_periods.filter(
        kind__in=[ServiceKind.BT_PRIMARY, ServiceKind.BT_ACUTE], end__lt=today
    ):
        rows.append(
            SupervisorStatement(
                trainee=trainee,
                kind=StatementKind.BT_PLACEMENT,
                period_start=period.start,
                period_end=period.end,
                service_period=period,
                progress={"BT": "Delmålen för placeringen uppnådda enligt plan."},
                strengths="Gott omhändertagande av akut sjuka patienter.",
                to_develop="Prioritering vid hög belastning.",
                on_track=OnTrack.YES,
                author=supervisor,
                status=SignedStatus.SIGNED,
                signed_at=aware(period.end, 15),
            )
        )
    SupervisorStatement.objects.bulk_create(rows)


def _mid_term(trainee, today, state):
    order = MidTermStatus.order()
    reached = order.index(state)
    visit = today - timedelta(days=40) if reached >= order.index(MidTermStatus.VISITED) else add_months(today, 5)
    fields = {"status": state, "desired_date": visit, "evaluator_name": "Birgitta Sandell, Region Västermark"}
    steps = [
        ("ordered_on", add_months(visit, -7)),
        ("material_sent_on", visit - timedelta(days=21)),
        ("visit_date", visit),
        ("report_received_on", visit + timedelta(days=18)),
        ("plan_agreed_on", visit + timedelta(days=30)),
    ]
    for position, (name, day) in enumerate(steps, start=1):
        if reached >= position:
            fields[name] = min(day, today)
    if reached >= order.index(MidTermStatus.MATERIAL_SENT):
        fields["video_consultations"] = 3
    if reached >= order.index(MidTermStatus.REPORT_RECEIVED):
        fields.update(
            report_summary="ST-läkaren ligger väl i fas för halva utbildningstiden.",
            report_strengths="Patientcentrerat förhållningssätt, god medicinsk kunskap.",
            report_to_develop="Ledarskap i teamet och det vetenskapliga arbetet.",
            report_recommendations="Planera det vetenskapliga arbetet under nästa termin.",
        )
    if state == MidTermStatus.PLAN_AGREED:
        fields["rest_of_st_plan"] = "Vetenskapligt arbete startar i vår; ledarskapskurs under hösten."
        fields["plan_version"] = trainee.plans.filter(status=PlanStatus.APPROVED).order_by("-version").first()
    MidTermEvaluation.objects.create(trainee=trainee, **fields)


def _action_plan(trainee, today):
    plan = ActionPlan.objects.create(
        trainee=trainee,
        opened_on=today - timedelta(days=60),
        concern="Få dokumenterade kompetensvärderingar och oklar progression i c-delmålen.",
        iup_measures="IUP revideras med en kompetensvärderingsplan: minst två medsittningar per månad.",
        unit_measures="Schemalagd handledning varje vecka och tid för kompetensutveckling.",
        trainee_demands="Begär kompetensvärderingar löpande och för in dem i portföljen.",
        responsible="Huvudhandledaren och studierektorn",
        follow_up_on=today - timedelta(days=5),
        created_by=trainee.study_director,
    )
    ActionPlanFollowUp.objects.create(
        plan=plan,
        date=today - timedelta(days=30),
        note="Fyra medsittningar dokumenterade; fortsatt uppföljning.",
        recorded_by=trainee.main_supervisor,
    )


def populate_panels(units, trainees_by_unit, today: date) -> None:
    """Each hälsocentral held a specialistkollegium about a year ago; the demo unit has
    the next one coming, with a self-assessment already written."""
    for index, unit in enumerate(units):
        trainees = trainees_by_unit.get(unit.pk, [])
        if not trainees or unit.specialist_panels.exists():
            continue
        people = Membership.objects.filter(unit=unit).select_related("user")
        by_role = {}
        for membership in people:
            by_role.setdefault(membership.role, []).append(membership.user)
        director = (by_role.get(Role.STUDY_DIRECTOR) or [None])[0]
        head = (by_role.get(Role.UNIT_HEAD) or [None])[0]
        specialists = {u.pk: u for role in (Role.SPECIALIST, Role.SUPERVISOR) for u in by_role.get(role, [])}
        held_on = add_months(today, -11) - timedelta(days=index * 9)
        panel = SpecialistPanel.objects.create(
            unit=unit, date=held_on, unit_head=head, study_director=director, notes="Ordinarie årligt kollegium."
        )
        panel.specialists.set(specialists.values())
        PanelReview.objects.bulk_create(
            PanelReview(
                panel=panel,
                trainee=trainee,
                self_assessment="Tryggare på mottagningen; vill utveckla ledarskap och vetenskapligt arbete.",
                self_assessment_at=aware(held_on - timedelta(days=7)),
                area_views={code: "Utvecklas enligt plan." for code, _label in PANEL_AREAS},
                focus_clinical="Multisjuka äldre: läkemedelsgenomgångar.",
                focus_non_clinical="Leda ett teammöte på vårdcentralen.",
            )
            for trainee in trainees
            if trainee.st_start < held_on
        )
        SpecialistPanel.objects.filter(pk=panel.pk).update(held_at=aware(held_on, 17), held_by=director)
        if index == 0:
            upcoming = SpecialistPanel.objects.create(
                unit=unit, date=today + timedelta(days=21), unit_head=head, study_director=director
            )
            upcoming.specialists.set(specialists.values())
            PanelReview.objects.bulk_create(
                PanelReview(
                    panel=upcoming,
                    trainee=trainee,
                    self_assessment="Självständig på mottagningen; vill fördjupa mig i barnmedicin."
                    if trainee.user.username == "demo-st"
                    else "",
                    self_assessment_at=aware(today - timedelta(days=2)) if trainee.user.username == "demo-st" else None,
                )
                for trainee in trainees
            )
