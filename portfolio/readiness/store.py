"""The stored status: written here; StatusSnapshot read by the overview, StoredStatus by
the trainee's start page.

`refresh_chunk` computes the status of a chunk of trainees with `build_statuses` and
the readiness engine (each kind of record read once for the chunk) and stores the
figures the overview filters and sorts on, in one statement, and the whole status but
the delmål coverage in another; `refresh` is a chunk of
one and `refresh_all` walks every trainee in chunks. It runs after the
transaction of any change that can move a figure (signals below, connected in
PortfolioConfig.ready), after bulk writes that bypass signals (seed_demo, the import),
and daily from `manage.py refresh_readiness`, because the passing of time alone moves
some (months of service accrue; the eight-week handledning window moves).
"""

import threading
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from portfolio.enums import BTMode, Phase
from portfolio.models import (
    AnnualVisit,
    Application,
    Certificate,
    CertificateSignature,
    FinalReview,
    Leave,
    ServicePeriod,
    StatusSnapshot,
    StoredStatus,
    SupervisionMeeting,
    Trainee,
    TrainingPlan,
)

REFRESH_RELATED = ("user", "unit__region", "regulation", "specialty")
# Trainees per batch: the records of a chunk are read with one query per kind, so the
# queries do not grow with the chunk, while its rows stay a few megabytes.
CHUNK_SIZE = 500
SNAPSHOT_FIELDS = [field.name for field in StatusSnapshot._meta.concrete_fields if not field.primary_key]


def refresh(trainee, today=None):
    """Recompute and store one trainee's status: `refresh_chunk` for a chunk of one."""
    today = today or timezone.localdate()
    return refresh_chunk([trainee], today)[trainee.pk]


def refresh_all(queryset=None, today=None) -> int:
    """Recompute and store the status of every trainee in `queryset` (default: everyone),
    chunk by chunk; returns how many."""
    today = today or timezone.localdate()
    trainees = queryset if queryset is not None else Trainee.objects.all()
    pks = list(trainees.order_by("pk").values_list("pk", flat=True))
    policies = {}
    for offset in range(0, len(pks), CHUNK_SIZE):
        chunk = Trainee.objects.filter(pk__in=pks[offset : offset + CHUNK_SIZE]).select_related(*REFRESH_RELATED)
        refresh_chunk(list(chunk.order_by("pk")), today, policies)
    return len(pks)


def refresh_chunk(trainees, today, policies=None) -> dict:
    """Compute the status and verdict of each trainee with `build_statuses` and
    `readiness_inputs` (a fixed number of queries for the chunk) and store them in one
    statement. Returns {trainee pk: Verdict}."""
    from portfolio.readiness.build import readiness_inputs
    from portfolio.readiness.engine import specialist_readiness
    from portfolio.snapshot import build_statuses, stored_form

    statuses = build_statuses(trainees, today, policies)
    inputs = readiness_inputs(trainees, statuses, today)
    verdicts = {pk: specialist_readiness(data) for pk, data in inputs.items()}
    applied = set(
        Application.objects.filter(trainee__in=[trainee.pk for trainee in trainees], kind="specialist")
        .order_by()
        .values_list("trainee_id", flat=True)
    )
    snapshots = [
        StatusSnapshot(
            trainee=trainee,
            **snapshot_values(trainee, statuses[trainee.pk], verdicts[trainee.pk], trainee.pk in applied),
        )
        for trainee in trainees
    ]
    StatusSnapshot.objects.bulk_create(
        snapshots, update_conflicts=True, unique_fields=["trainee"], update_fields=SNAPSHOT_FIELDS
    )
    # The start page's whole status (without the delmål coverage it does not show).
    stored = [
        StoredStatus(trainee=trainee, computed_on=today, status=stored_form(statuses[trainee.pk]))
        for trainee in trainees
    ]
    StoredStatus.objects.bulk_create(
        stored, update_conflicts=True, unique_fields=["trainee"], update_fields=["computed_on", "status"]
    )
    return verdicts


def snapshot_values(trainee, status, verdict, applied: bool | None = None) -> dict:
    """The stored columns, from the same status and verdict the trainee page shows;
    `applied` (whether a specialist application exists) is read when not given."""
    window = status.supervision_last_8_weeks
    current = status.current_half_year
    finished = [period for period in status.assessments_by_half_year if not period.in_progress]
    if applied is None:
        applied = Application.objects.filter(trainee=trainee, kind="specialist").exists()
    return {
        "computed_on": status.today,
        "ready": verdict.ready,
        "blocking_gaps": sum(1 for gap in verdict.gaps if gap.severity == "blocking"),
        "earliest_application": verdict.earliest_application,
        "phase": phase_of(trainee, status, verdict.ready, applied),
        "fte_months": round(status.fte_months, 2),
        "required_fte_months": status.required_fte_months,
        "iup_status": status.iup_status or "",
        "iup_due": status.iup_due,
        "iup_due_kind": status.iup_due_kind or "",
        "supervision_hours": round(window.hours, 2),
        "supervision_expected_hours": round(window.expected_hours, 2),
        "supervision_meets_norm": window.meets_norm,
        "assessments_count": current.count if current else 0,
        "assessments_required": current.required if current else 0,
        "assessments_last_met": finished[-1].meets_norm if finished else None,
        "latest_statement_on": status.latest_statement.signed_on if status.latest_statement else None,
        "statement_at_risk": bool(status.latest_statement and status.latest_statement.at_risk),
        "statement_due": status.statement_due,
        "statement_done": status.statement_done,
        "next_visit_due": status.next_visit_due,
        "mid_st_wanted": status.mid_st_required or status.mid_st_status is not None,
        "mid_st_status": status.mid_st_status or "",
        "mid_st_target": status.mid_st_target,
        "mid_st_order_by": status.mid_st_order_by,
        "panel_date": status.specialist_panel_date,
    }


def phase_of(trainee, status, ready: bool, applied: bool) -> str:
    if applied:
        return Phase.APPLIED
    if ready:
        return Phase.READY
    if trainee.bt_mode != BTMode.NONE and trainee.bt_approved_on is None:
        return Phase.BT
    if status.required_fte_months and status.fte_months * 2 >= status.required_fte_months:
        return Phase.SECOND_HALF
    return Phase.FIRST_HALF


def _refresh_after_commit(trainees_of):
    """After the transaction commits (a rolled-back change moves nothing), outside the
    request's own queries. A transaction that writes several records of one trainee
    recomputes more than once; correct, and cheaper than state that a rollback could
    leave behind."""

    def run():
        refresh_all(Trainee.objects.filter(pk__in=trainees_of()))

    transaction.on_commit(run)


_local = threading.local()


@contextmanager
def deferred():
    """For bulk writers (seed_demo): no recomputation per record; the writer calls
    refresh_all for its trainees when it is done."""
    _local.deferred = True
    try:
        yield
    finally:
        _local.deferred = False


def _changed(sender, instance, **kwargs):
    if getattr(_local, "deferred", False):
        return
    if sender is get_user_model():
        # The name on the start page; a login writes only last_login, which moves nothing.
        if kwargs.get("update_fields") == frozenset({"last_login"}):
            return
        user_id = instance.pk
        _refresh_after_commit(lambda: Trainee.objects.filter(user_id=user_id).values("pk"))
    elif isinstance(instance, Trainee):
        trainee_id = instance.pk
        _refresh_after_commit(lambda: [trainee_id])
    elif isinstance(instance, CertificateSignature):
        certificate_id = instance.certificate_id
        _refresh_after_commit(lambda: Certificate.objects.filter(pk=certificate_id).values("trainee_id"))
    elif sender._meta.label == "assessments.SpecialistPanel":
        # Holding a kollegium moves the date for every trainee reviewed in it.
        from assessments.models import PanelReview

        panel_id = instance.pk
        _refresh_after_commit(lambda: PanelReview.objects.filter(panel_id=panel_id).values("trainee_id"))
    elif getattr(instance, "trainee_id", None) is not None:
        trainee_id = instance.trainee_id
        _refresh_after_commit(lambda: [trainee_id])


WATCHED = [
    Trainee,
    ServicePeriod,
    Leave,
    Certificate,
    CertificateSignature,
    FinalReview,
    Application,
    TrainingPlan,
    SupervisionMeeting,
    AnnualVisit,
]


def _norms_changed(sender, instance, **kwargs):
    """A region's norms, a regulation or a unit changed: the stored status of every trainee
    they apply to is deleted (in the same transaction, one statement), so the start page
    computes it until the next refresh. The overview's snapshots stay until then."""
    if sender._meta.label == "accounts.RegionPolicy":
        stale = StoredStatus.objects.filter(trainee__unit__region_id=instance.region_id)
    elif sender._meta.label == "accounts.Unit":
        stale = StoredStatus.objects.filter(trainee__unit_id=instance.pk)
    else:
        stale = StoredStatus.objects.filter(trainee__regulation_id=instance.pk)
    stale.delete()


def connect():
    # Records of the assessments app that move a figure; each has a trainee_id.
    from accounts.models import RegionPolicy, Unit
    from assessments.models import (
        ActionPlan,
        Assessment,
        MidTermEvaluation,
        PanelReview,
        SpecialistPanel,
        SupervisorStatement,
    )
    from portfolio.models import Regulation

    assessments = [MidTermEvaluation, Assessment, SupervisorStatement, PanelReview, SpecialistPanel, ActionPlan]
    for model in [*WATCHED, *assessments, get_user_model()]:
        post_save.connect(_changed, sender=model, dispatch_uid=f"readiness_{model._meta.label_lower}_saved")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"readiness_{model._meta.label_lower}_deleted")
    for model in (RegionPolicy, Unit, Regulation):
        post_save.connect(_norms_changed, sender=model, dispatch_uid=f"status_{model._meta.label_lower}_saved")
