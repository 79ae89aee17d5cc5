"""Read a trainee's records into the readiness engine's plain input.

A fixed number of queries whatever the number of intyg: the time figures come from
`build_status` (pass the status the page already has), then one query for the delmål
with their requirements, three for the intyg (rows, signatures, delmål), one for the
studierektor's end-of-ST review, and with integrated BT one for the end of BT service.
"""

from datetime import date

from django.db.models import Max
from django.utils import timezone

from accounts.domain import policy_for
from assessments.enums import MidTermStatus
from portfolio.enums import BTMode, FinalReviewVerdict, ServiceKind, SignedStatus
from portfolio.models import Certificate, CertificateSignature, FinalReview, ServicePeriod, Trainee
from portfolio.queries import trainee_goals
from portfolio.readiness.engine import (
    CertificateFact,
    GoalFact,
    ReadinessInput,
    Verdict,
    bt_readiness,
    specialist_readiness,
)
from portfolio.snapshot import TraineeStatus, build_status

# Mitt-i-ST counts as done once the visit has taken place.
MID_ST_DONE = frozenset({MidTermStatus.VISITED, MidTermStatus.REPORT_RECEIVED, MidTermStatus.PLAN_AGREED})
BT_KINDS = (ServiceKind.BT_PRIMARY, ServiceKind.BT_ACUTE)


def readiness_input(trainee: Trainee, status: TraineeStatus | None = None, today: date | None = None) -> ReadinessInput:
    today = today or (status.today if status else timezone.localdate())
    status = status or build_status(trainee, today)
    policy = policy_for(trainee.unit.region)
    return ReadinessInput(
        regulation=status.regulation,
        bt_mode=trainee.bt_mode,
        bt_approved_on=trainee.bt_approved_on,
        bt_service_end=_bt_service_end(trainee),
        st_start=trainee.st_start,
        today=today,
        fte_months=status.fte_months,
        required_fte_months=status.required_fte_months,
        minimum_reached_on=status.minimum_reached_on,
        goals=_goals(trainee),
        certificates=_certificates(trainee),
        trainee_user_id=trainee.user_id,
        main_supervisor_id=trainee.main_supervisor_id,
        second_specialist_id=trainee.second_specialist_id,
        mid_st_required=policy.mid_st_required,
        mid_st_done=status.mid_st_status in MID_ST_DONE,
        final_review_required=policy.final_review_required,
        final_review_ready=_final_review_ready(trainee),
        region_name=trainee.unit.region.name,
        bt_primary_months=status.fte_by_kind.get(ServiceKind.BT_PRIMARY, 0.0),
        bt_acute_months=status.fte_by_kind.get(ServiceKind.BT_ACUTE, 0.0),
    )


def readiness_for(trainee: Trainee, status: TraineeStatus | None = None, today: date | None = None) -> Verdict:
    return specialist_readiness(readiness_input(trainee, status, today))


def bt_readiness_for(trainee: Trainee, status: TraineeStatus | None = None, today: date | None = None) -> Verdict:
    """The BT application (HSLF-FS 2021:8): BT time, BT delmål and bilagor 3–4."""
    return bt_readiness(readiness_input(trainee, status, today))


def _goals(trainee):
    """The delmål with their requirement groups, in one query (a row per requirement)."""
    rows = trainee_goals(trainee).values_list(
        "pk", "code", "title", "curriculum__kind", "requirements__alternative_group", "requirements__activity_type"
    )
    goals, groups = {}, {}
    for pk, code, title, kind, group, activity in rows.order_by(
        "-curriculum__kind", "position", "requirements__alternative_group"
    ):
        goals.setdefault(pk, (code, title, kind))
        if activity is not None:
            groups.setdefault(pk, {}).setdefault(group, set()).add(activity)
    return [
        GoalFact(code, title, [frozenset(options) for _key, options in sorted(groups.get(pk, {}).items())], kind)
        for pk, (code, title, kind) in goals.items()
    ]


def _certificates(trainee):
    rows = list(Certificate.objects.filter(trainee=trainee).values_list("pk", "form", "status", "supersedes_id"))
    superseded = {supersedes for _pk, _form, _status, supersedes in rows if supersedes}
    roles, signers = {}, {}
    signatures = CertificateSignature.objects.filter(certificate__trainee=trainee, signed_at__isnull=False)
    for certificate_id, role, signer_id in signatures.values_list("certificate_id", "role", "signer_id"):
        roles.setdefault(certificate_id, set()).add(role)
        signers.setdefault(certificate_id, set()).add(signer_id)
    codes = {}
    links = Certificate.goals.through.objects.filter(certificate__trainee=trainee)
    for certificate_id, code in links.values_list("certificate_id", "goal__code"):
        codes.setdefault(certificate_id, set()).add(code)
    return [
        CertificateFact(
            form=form,
            goal_codes=frozenset(codes.get(pk, ())),
            signed_roles=frozenset(roles.get(pk, ())),
            signed=status == SignedStatus.SIGNED,
            superseded=pk in superseded,
            signer_ids=frozenset(signers.get(pk, ())),
        )
        for pk, form, status, _supersedes in rows
    ]


def _bt_service_end(trainee):
    # Only the two-year advice for integrated BT reads it; no query for anyone else.
    if trainee.bt_mode != BTMode.INTEGRATED:
        return None
    return ServicePeriod.objects.filter(trainee=trainee, kind__in=BT_KINDS).aggregate(end=Max("end"))["end"]


def _final_review_ready(trainee):
    latest = FinalReview.objects.filter(trainee=trainee).order_by("-date", "-pk").values_list("verdict", flat=True)
    return latest.first() == FinalReviewVerdict.READY
