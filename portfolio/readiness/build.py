"""Read a trainee's records into the readiness engine's plain input.

A fixed number of queries whatever the number of intyg or of trainees: the time
figures come from `build_status` (pass the status the page already has), then
`portfolio.records.readiness_records` reads one query for the delmål with their
requirements, three for the intyg (rows, signatures, delmål; none of the last two
without intyg), one for the studierektor's end-of-ST review, and with integrated BT one
for the end of BT service. `readiness_inputs` does this for a chunk of trainees at once.
"""

from datetime import date

from django.utils import timezone

from accounts.domain import policy_for
from assessments.enums import MidTermStatus
from portfolio.enums import FinalReviewVerdict, ServiceKind, SignedStatus
from portfolio.models import Trainee
from portfolio.readiness.engine import (
    CertificateFact,
    GoalFact,
    ReadinessInput,
    Verdict,
    bt_readiness,
    specialist_readiness,
)
from portfolio.records import ReadinessRecords, readiness_records
from portfolio.snapshot import TraineeStatus, build_status

# Mitt-i-ST counts as done once the visit has taken place.
MID_ST_DONE = frozenset({MidTermStatus.VISITED, MidTermStatus.REPORT_RECEIVED, MidTermStatus.PLAN_AGREED})


def readiness_input(trainee: Trainee, status: TraineeStatus | None = None, today: date | None = None) -> ReadinessInput:
    """The engine's input for one trainee: `readiness_inputs` for a batch of one."""
    today = today or (status.today if status else timezone.localdate())
    status = status or build_status(trainee, today)
    return readiness_inputs([trainee], {trainee.pk: status}, today)[trainee.pk]


def readiness_inputs(trainees, statuses: dict[int, TraineeStatus], today: date) -> dict[int, ReadinessInput]:
    """{trainee pk: ReadinessInput} for a chunk of trainees with their statuses, each kind of
    record read once for all of them (`portfolio.records.readiness_records`)."""
    trainees = list(trainees)
    records = readiness_records(trainees)
    return {trainee.pk: _input(trainee, statuses[trainee.pk], records[trainee.pk], today) for trainee in trainees}


def _input(trainee: Trainee, status: TraineeStatus, records: ReadinessRecords, today: date) -> ReadinessInput:
    policy = policy_for(trainee.unit.region)
    return ReadinessInput(
        regulation=status.regulation,
        bt_mode=trainee.bt_mode,
        bt_approved_on=trainee.bt_approved_on,
        bt_service_end=records.bt_service_end,
        st_start=trainee.st_start,
        today=today,
        fte_months=status.fte_months,
        required_fte_months=status.required_fte_months,
        minimum_reached_on=status.minimum_reached_on,
        goals=_goals(records),
        certificates=_certificates(records),
        trainee_user_id=trainee.user_id,
        main_supervisor_id=trainee.main_supervisor_id,
        second_specialist_id=trainee.second_specialist_id,
        mid_st_required=policy.mid_st_required,
        mid_st_done=status.mid_st_status in MID_ST_DONE,
        final_review_required=policy.final_review_required,
        final_review_ready=records.final_review == FinalReviewVerdict.READY,
        region_name=trainee.unit.region.name,
        bt_primary_months=status.fte_by_kind.get(ServiceKind.BT_PRIMARY, 0.0),
        bt_acute_months=status.fte_by_kind.get(ServiceKind.BT_ACUTE, 0.0),
    )


def readiness_for(trainee: Trainee, status: TraineeStatus | None = None, today: date | None = None) -> Verdict:
    return specialist_readiness(readiness_input(trainee, status, today))


def bt_readiness_for(trainee: Trainee, status: TraineeStatus | None = None, today: date | None = None) -> Verdict:
    """The BT application (HSLF-FS 2021:8): BT time, BT delmål and bilagor 3–4."""
    return bt_readiness(readiness_input(trainee, status, today))


def _goals(records):
    """The delmål with their requirement groups in the order of the groups."""
    return [
        GoalFact(
            goal.code,
            goal.title,
            [frozenset(options) for _key, options in sorted(goal.groups.items())],
            goal.curriculum,
        )
        for goal in records.goals
    ]


def _certificates(records):
    superseded = {supersedes for _pk, _form, _status, supersedes in records.certificates if supersedes}
    return [
        CertificateFact(
            form=form,
            goal_codes=frozenset(records.certificate_goals.get(pk, ())),
            signed_roles=frozenset(records.signed_roles.get(pk, ())),
            signed=status == SignedStatus.SIGNED,
            superseded=pk in superseded,
            signer_ids=frozenset(records.signers.get(pk, ())),
        )
        for pk, form, status, _supersedes in records.certificates
    ]
