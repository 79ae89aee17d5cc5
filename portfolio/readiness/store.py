"""The stored readiness verdict (ReadinessSnapshot): written here, read by lists.

`refresh` recomputes one trainee with the engine and stores the outcome. It runs after
the transaction of any change that can move the verdict (signals below, connected in
PortfolioConfig.ready), after bulk writes that bypass signals (seed_demo, the import),
and daily from `manage.py refresh_readiness`, because the passing of time alone moves
it (months of service accrue; the earliest date comes closer).
"""

import threading
from contextlib import contextmanager

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from portfolio.models import (
    Certificate,
    CertificateSignature,
    FinalReview,
    Leave,
    ReadinessSnapshot,
    ServicePeriod,
    Trainee,
)


def refresh(trainee, today=None):
    from portfolio.readiness.build import readiness_for

    today = today or timezone.localdate()
    verdict = readiness_for(trainee, today=today)
    blocking = sum(1 for gap in verdict.gaps if gap.severity == "blocking")
    ReadinessSnapshot.objects.update_or_create(
        trainee=trainee,
        defaults={
            "ready": verdict.ready,
            "blocking_gaps": blocking,
            "earliest_application": verdict.earliest_application,
            "computed_on": today,
        },
    )
    return verdict


def refresh_all(queryset=None, today=None) -> int:
    trainees = (queryset if queryset is not None else Trainee.objects.all()).select_related(
        "user", "unit__region", "regulation", "specialty"
    )
    count = 0
    for trainee in trainees.iterator(chunk_size=200):
        refresh(trainee, today)
        count += 1
    return count


def _refresh_after_commit(trainee_of):
    """After the transaction commits (a rolled-back change moves nothing), outside the
    request's own queries. A transaction that writes several records of one trainee
    recomputes more than once; correct, and cheaper than state that a rollback could
    leave behind."""

    def run():
        trainee = Trainee.objects.filter(pk=trainee_of()).first()
        if trainee is not None:
            refresh(trainee)

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
    if isinstance(instance, Trainee):
        trainee_id = instance.pk
        _refresh_after_commit(lambda: trainee_id)
    elif isinstance(instance, CertificateSignature):
        certificate_id = instance.certificate_id
        _refresh_after_commit(
            lambda: Certificate.objects.filter(pk=certificate_id).values_list("trainee_id", flat=True).first()
        )
    elif getattr(instance, "trainee_id", None) is not None:
        trainee_id = instance.trainee_id
        _refresh_after_commit(lambda: trainee_id)


WATCHED = [Trainee, ServicePeriod, Leave, Certificate, CertificateSignature, FinalReview]


def connect():
    from assessments.models import MidTermEvaluation

    for model in [*WATCHED, MidTermEvaluation]:
        post_save.connect(_changed, sender=model, dispatch_uid=f"readiness_{model._meta.label_lower}_saved")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"readiness_{model._meta.label_lower}_deleted")
