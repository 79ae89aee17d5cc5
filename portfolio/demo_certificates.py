"""Demo intyg for seed_demo: signed intyg for finished tjänstgöringar and courses, and
two ST-läkare with everything in place to apply (one under each regulation), so the
readiness check has both complete and realistic incomplete portfolios to show.

Each trainee's intyg are added only when the trainee has none, so running seed_demo
again adds nothing.
"""

from datetime import timedelta

from accounts.enums import Role
from accounts.models import Membership
from assessments.enums import MidTermStatus
from assessments.models import MidTermEvaluation
from portfolio.demo import aware
from portfolio.enums import (
    ActivityType,
    CertificateForm,
    FinalReviewVerdict,
    RegulationCode,
    ServiceKind,
    SignedStatus,
    SignerRole,
)
from portfolio.models import Certificate, CertificateSignature, FinalReview

# The two ST-läkare whose application is complete, and one who is nearly there: the
# summary intyg lacks the verksamhetschef's signature and the studierektor has not
# reviewed the ST yet.
READY = {"st-aslund", "st-rahimi"}
NEARLY = {"st-lundgren"}

FORMS = {
    RegulationCode.SOSFS_2015_8: {
        ActivityType.AUSKULTATION: CertificateForm.S15_AUSKULTATION,
        ActivityType.CLINICAL: CertificateForm.S15_CLINICAL,
        ActivityType.COURSE: CertificateForm.S15_COURSE,
        ActivityType.QUALITY_WORK: CertificateForm.S15_QUALITY,
        ActivityType.WRITTEN_WORK: CertificateForm.S15_WRITTEN,
    },
    RegulationCode.HSLF_FS_2021_8: {
        ActivityType.AUSKULTATION: CertificateForm.H21_AUSKULTATION,
        ActivityType.CLINICAL: CertificateForm.H21_CLINICAL,
        ActivityType.COURSE: CertificateForm.H21_COURSE,
        ActivityType.DEVELOPMENT_WORK: CertificateForm.H21_DEVELOPMENT,
        ActivityType.SCIENCE_STA3: CertificateForm.H21_STA3,
        ActivityType.BT_GOAL: CertificateForm.H21_BT_GOAL,
    },
}
SUBJECTS = {
    ActivityType.QUALITY_WORK: "Förbättrad uppföljning av patienter med hjärtsvikt på hälsocentralen",
    ActivityType.WRITTEN_WORK: "Antibiotikaförskrivning vid luftvägsinfektioner – en journalstudie",
    ActivityType.DEVELOPMENT_WORK: "Strukturerad läkemedelsgenomgång för multisjuka äldre",
    ActivityType.SCIENCE_STA3: "Antibiotikaförskrivning vid luftvägsinfektioner – en journalstudie",
    ActivityType.AUSKULTATION: "Auskultation på öron-, näs- och halsmottagningen",
    ActivityType.COURSE: "Kurs enligt målbeskrivningen",
    ActivityType.CLINICAL: "Klinisk tjänstgöring",
}


def populate(trainee, today) -> None:
    if trainee.certificates.exists() or trainee.main_supervisor is None:
        return
    forms = FORMS[trainee.regulation.code]
    for period in trainee.service_periods.filter(end__lt=today).exclude(
        kind__in=[ServiceKind.BT_PRIMARY, ServiceKind.BT_ACUTE]
    ):
        goals = list(period.goals.all())
        if goals:
            supervisor = period.supervisor or trainee.main_supervisor
            _certificate(
                trainee,
                forms[ActivityType.CLINICAL],
                goals,
                signers=[(SignerRole.SUPERVISOR, supervisor, "")],
                signed_on=period.end,
                place=period.place,
                period=(period.start, period.end),
                service_period=period,
                description="Mottagningsarbete och jourtjänstgöring under handledning.",
            )
    for course in trainee.courses.filter(end__lt=today):
        goals = list(course.goals.all())
        if goals:
            _certificate(
                trainee,
                forms[ActivityType.COURSE],
                goals,
                signers=[(SignerRole.COURSE_LEADER, None, f"Kursledare, {course.provider or course.title}")],
                signed_on=course.end,
                place=course.provider,
                period=(course.start, course.end),
                subject=course.title,
                course=course,
            )
    if trainee.user.username == "demo-st":
        _waiting_for_signature(trainee, today, forms)
    if trainee.user.username in READY | NEARLY:
        _complete(trainee, today, forms, nearly=trainee.user.username in NEARLY)


def _waiting_for_signature(trainee, today, forms):
    """A draft on the demo handledare's start page: the kvalitetsarbete waits for the signature."""
    certificate = Certificate.objects.create(
        trainee=trainee,
        form=forms[ActivityType.QUALITY_WORK],
        place=trainee.unit.name,
        period_start=today - timedelta(days=200),
        period_end=today - timedelta(days=20),
        subject=SUBJECTS[ActivityType.QUALITY_WORK],
        description="Genomgång av rutinerna, förbättringsåtgärd och uppföljning efter tre månader.",
        created_by=trainee.user,
    )
    certificate.goals.set(trainee.curriculum.goals.filter(code="a4"))
    CertificateSignature.objects.create(
        certificate=certificate,
        role=SignerRole.SUPERVISOR,
        signer=trainee.main_supervisor,
        name=trainee.main_supervisor.name,
        workplace=trainee.unit.name,
    )


def _complete(trainee, today, forms, *, nearly=False):
    """Cover every requirement group still open, add the summary intyg, Mitt-i-ST and the
    studierektor's review: a portfolio that is ready to send."""
    covered = {}
    for certificate in trainee.certificates.prefetch_related("goals"):
        for goal in certificate.goals.all():
            covered.setdefault(goal.pk, set()).add(certificate.form)
    missing = {}
    for goal in trainee.curriculum.goals.prefetch_related("requirements"):
        groups = {}
        for requirement in goal.requirements.all():
            groups.setdefault(requirement.alternative_group, []).append(requirement.activity_type)
        for options in groups.values():
            if not any(forms.get(option) in covered.get(goal.pk, set()) for option in options):
                missing.setdefault(next(option for option in options if option in forms), []).append(goal)
    last_day = today - timedelta(days=30)
    for activity_type, goals in missing.items():
        role = SignerRole.COURSE_LEADER if activity_type == ActivityType.COURSE else SignerRole.SUPERVISOR
        _certificate(
            trainee,
            forms[activity_type],
            goals,
            signers=[(role, trainee.main_supervisor if role == SignerRole.SUPERVISOR else None, "Kursledare")],
            signed_on=last_day,
            place=trainee.unit.name,
            period=(trainee.st_start, last_day),
            subject=SUBJECTS[activity_type],
            description="Genomfört enligt målbeskrivningen och IUP.",
        )
    head = Membership.objects.filter(unit=trainee.unit, role=Role.UNIT_HEAD).select_related("user").first()
    head_user = head.user if head else None
    if trainee.regulation.code == RegulationCode.SOSFS_2015_8:
        signers = [(SignerRole.UNIT_HEAD, head_user, ""), (SignerRole.MAIN_SUPERVISOR, trainee.main_supervisor, "")]
        # Nearly ready: the verksamhetschef has not signed, yet the intyg was marked signed.
        summaries = [(CertificateForm.S15_SUMMARY, signers[1:] if nearly else signers)]
    else:
        summaries = [
            (CertificateForm.H21_ST_DONE, [(SignerRole.UNIT_HEAD, head_user, "")]),
            (
                CertificateForm.H21_ST_COMPETENCE,
                [
                    (SignerRole.MAIN_SUPERVISOR, trainee.main_supervisor, ""),
                    (SignerRole.SECOND_SPECIALIST, trainee.second_specialist, ""),
                ],
            ),
        ]
    for form, signers in summaries:
        _certificate(trainee, form, [], signers=signers, signed_on=last_day, place=trainee.unit.name)

    visit = trainee.st_start + timedelta(days=900)
    MidTermEvaluation.objects.get_or_create(
        trainee=trainee,
        defaults={
            "status": MidTermStatus.PLAN_AGREED,
            "desired_date": visit,
            "ordered_on": visit - timedelta(days=210),
            "material_sent_on": visit - timedelta(days=21),
            "visit_date": visit,
            "evaluator_name": "Birgitta Sandell, Region Västermark",
            "report_received_on": visit + timedelta(days=18),
            "report_summary": "Följer planen väl.",
            "plan_agreed_on": visit + timedelta(days=30),
            "rest_of_st_plan": "Slutföra vetenskapligt arbete och sista sidotjänstgöringen.",
        },
    )
    if nearly:
        return
    FinalReview.objects.create(
        trainee=trainee,
        date=today - timedelta(days=14),
        verdict=FinalReviewVerdict.READY,
        remarks="Tjänsteförteckning, intyg och sammanfattande intyg genomgångna; klart för ansökan.",
        reviewer=trainee.study_director,
    )


def _certificate(trainee, form, goals, *, signers, signed_on, place="", period=(None, None), **fields):
    certificate = Certificate.objects.create(
        trainee=trainee,
        form=form,
        place=place,
        period_start=period[0],
        period_end=period[1],
        created_by=trainee.user,
        **fields,
    )
    # Delmål and signatures go in while it is a draft; then it is signed.
    Certificate.goals.through.objects.bulk_create(
        Certificate.goals.through(certificate=certificate, goal=goal) for goal in goals
    )
    moment = aware(signed_on, 15)
    CertificateSignature.objects.bulk_create(
        CertificateSignature(
            certificate=certificate,
            role=role,
            signer=user,
            name=user.name if user else name,
            specialty=str(user.specialist_in or "") if user else "",
            workplace=trainee.unit.name,
            city="Norrmark",
            supervisor_training_year=user.supervisor_training_year if user else None,
            signed_at=moment,
        )
        for role, user, name in signers
    )
    Certificate.objects.filter(pk=certificate.pk).update(status=SignedStatus.SIGNED, signed_at=moment)
    return certificate
