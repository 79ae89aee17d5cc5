"""The assessments app's part of seed_scale (portfolio/scale.py): kompetensvärderingar
(about eight a year, medsittning by the huvudhandledare), yearly handledarutlåtanden and
one per finished BT placement, Mitt-i-ST for those past half time, some open åtgärdsplaner, and the complete
application of the trainees portfolio/scale.py marked ready. Signed rows are written
as signing leaves them: status signed, signed_at and the signer set.
"""

from datetime import timedelta

from assessments.demo import COLLEAGUES, SITUATIONS, TO_DEVELOP, WENT_WELL, YEAR_PLAN, _rating
from assessments.enums import AssessmentKind, AssessorRole, MidTermStatus, OnTrack, SignedStatus, StatementKind
from assessments.models import (
    ActionPlan,
    Assessment,
    AssessmentRequest,
    AssessmentTemplate,
    MidTermEvaluation,
    SupervisorStatement,
)
from portfolio import demo_certificates
from portfolio.demo import aware
from portfolio.enums import ServiceKind
from portfolio.models import Certificate, CertificateSignature, FinalReview
from portfolio.timecalc import add_months


def part(scale):
    templates = {t.kind: t for t in AssessmentTemplate.objects.filter(region=None)}
    assessments, links, statements, midterms, plans = [], [], [], [], []
    ready = {trainee.pk for trainee in scale.ready}
    for trainee in scale.trainees:
        rng = scale.rng("assessments", trainee.user.username)
        goals = [goal.pk for goal in scale.goals.get(trainee.regulation.code, {}).values()]
        _assessments(scale, trainee, rng, templates, goals, assessments, links)
        statements.extend(_statements(scale, trainee))
        months = (scale.today - trainee.st_start).days // 30
        if trainee.pk not in ready and months > 30 and rng.random() < 0.7:
            midterms.append(_mid_term(trainee, add_months(trainee.st_start, 30), scale.today))
        if rng.random() < 0.04:
            plans.append(
                ActionPlan(
                    trainee=trainee,
                    opened_on=scale.today - timedelta(days=rng.randint(10, 90)),
                    concern="Få dokumenterade kompetensvärderingar och oklar progression i c-delmålen.",
                    iup_measures="IUP revideras med en kompetensvärderingsplan.",
                    unit_measures="Schemalagd handledning varje vecka.",
                    trainee_demands="Begär kompetensvärderingar löpande.",
                    responsible="Huvudhandledaren och studierektorn",
                    follow_up_on=scale.today + timedelta(days=rng.randint(-20, 40)),
                    created_by=trainee.study_director,
                )
            )
    created = scale.add(Assessment, assessments)
    # A colleague assessed from a link: the completed request that led to it, as
    # requesting.complete_request leaves it (the assessment itself has no creator).
    scale.add(
        AssessmentRequest,
        (
            AssessmentRequest(
                trainee=a.trainee,
                kind=a.kind,
                assessor_name=a.assessor_name,
                assessor_email=a.assessor_email,
                assessor_role=a.assessor_role,
                message="",
                nonce=f"{scale.rng('nonce', a.pk).getrandbits(128):032x}",
                expires_at=aware(a.date + timedelta(days=30)),
                assessment=a,
                created_by=a.trainee.user,
            )
            for a in created
            if a.assessor_id is None
        ),
    )
    scale.link(
        Assessment.goals,
        ((a.pk, g) for a, picked in zip(created, links, strict=True) for g in picked),
        "assessment_id",
        "goal_id",
    )
    scale.add(SupervisorStatement, statements)
    scale.add(MidTermEvaluation, midterms)
    scale.add(ActionPlan, plans)
    _ready(scale)


def _assessments(scale, trainee, rng, templates, goals, rows, links):
    supervisor = trainee.main_supervisor
    day = trainee.st_start + timedelta(days=20)
    index = rng.randrange(len(YEAR_PLAN))
    while day < scale.today:
        kind = YEAR_PLAN[index % len(YEAR_PLAN)]
        index += 1
        template = templates[kind]
        by_supervisor = kind in (AssessmentKind.SIT_IN, AssessmentKind.VIDEO) or rng.random() < 0.7
        name, email, role = (
            (supervisor.name, supervisor.email, AssessorRole.SUPERVISOR) if by_supervisor else rng.choice(COLLEAGUES)
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
                assessor=supervisor if by_supervisor else None,
                assessor_name=name,
                assessor_email=email,
                assessor_role=role,
                ratings={d["code"]: _rating(template.scale, day, trainee, rng) for d in template.domains},
                went_well=rng.choice(WENT_WELL),
                to_develop=rng.choice(TO_DEVELOP),
                status=SignedStatus.SIGNED,
                signed_at=aware(day, 16),
                created_by=supervisor if by_supervisor else None,
            )
        )
        links.append(rng.sample(goals, k=min(2, len(goals))))
        day += timedelta(days=rng.randint(40, 52))


def _statements(scale, trainee):
    progress = {"c": "Utvecklas enligt plan.", "b": "Utvecklas enligt plan.", "a": "Utvecklas enligt plan."}
    start, end = trainee.st_start, add_months(trainee.st_start, 11) - timedelta(days=7)
    while end < scale.today:
        yield SupervisorStatement(
            trainee=trainee,
            kind=StatementKind.ANNUAL,
            period_start=start,
            period_end=end,
            progress=progress,
            strengths="Trygg i mötet med patienten, gott samarbete i teamet.",
            to_develop="Struktur vid många sökorsaker; vetenskapligt arbete.",
            on_track=OnTrack.YES,
            author=trainee.main_supervisor,
            status=SignedStatus.SIGNED,
            signed_at=aware(end, 15),
        )
        start, end = end + timedelta(days=1), add_months(end, 12)
    for period in scale.periods.get(trainee.pk, ()):
        if period.kind in (ServiceKind.BT_PRIMARY, ServiceKind.BT_ACUTE) and period.end < scale.today:
            yield SupervisorStatement(
                trainee=trainee,
                kind=StatementKind.BT_PLACEMENT,
                period_start=period.start,
                period_end=period.end,
                service_period=period,
                progress={"BT": "Delmålen för placeringen uppnådda enligt plan."},
                strengths="Gott omhändertagande av akut sjuka patienter.",
                to_develop="Prioritering vid hög belastning.",
                on_track=OnTrack.YES,
                author=trainee.main_supervisor,
                status=SignedStatus.SIGNED,
                signed_at=aware(period.end, 15),
            )


def _mid_term(trainee, visit, today):
    done = visit + timedelta(days=30) < today
    return MidTermEvaluation(
        trainee=trainee,
        status=MidTermStatus.PLAN_AGREED if done else MidTermStatus.ORDERED,
        desired_date=visit,
        ordered_on=visit - timedelta(days=210),
        material_sent_on=visit - timedelta(days=21) if done else None,
        visit_date=visit if done else None,
        evaluator_name="Birgitta Sandell, Region Västermark",
        report_received_on=visit + timedelta(days=18) if done else None,
        report_summary="Följer planen väl." if done else "",
        plan_agreed_on=visit + timedelta(days=30) if done else None,
        rest_of_st_plan="Slutföra vetenskapligt arbete och sista sidotjänstgöringen." if done else "",
    )


def _ready(scale):
    """The demo's own completion: the intyg still missing, the summary intyg, Mitt-i-ST and
    the studierektor's final review. Record by record, but for a few hundred trainees."""
    before = _counted()
    for trainee in scale.ready:
        demo_certificates._complete(trainee, scale.today, demo_certificates.FORMS[trainee.regulation.code])
    for label, count in _counted().items():
        scale.counts[label] = scale.counts.get(label, 0) + count - before.get(label, 0)


def _counted():
    models = [Certificate, Certificate.goals.through, CertificateSignature, FinalReview, MidTermEvaluation]
    return {model._meta.label: model.objects.count() for model in models}
