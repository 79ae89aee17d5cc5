"""The stored readiness verdict: equal to the engine's, kept current, shown and filtered on the list."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from portfolio.enums import FinalReviewVerdict, ServiceKind
from portfolio.models import FinalReview, ServicePeriod, StatusSnapshot, Trainee
from portfolio.readiness.build import readiness_for
from portfolio.readiness.store import refresh, refresh_all
from tests.factories import TraineeFactory

pytestmark = pytest.mark.django_db


def blocking(verdict):
    return sum(1 for gap in verdict.gaps if gap.severity == "blocking")


def test_the_stored_verdict_equals_the_engine_for_every_demo_trainee(settings):
    settings.DEBUG = True
    call_command("seed_demo", quiet=True)

    for trainee in Trainee.objects.select_related("snapshot"):
        verdict = readiness_for(trainee)
        stored = trainee.snapshot
        assert (stored.ready, stored.blocking_gaps, stored.earliest_application) == (
            verdict.ready,
            blocking(verdict),
            verdict.earliest_application,
        ), trainee.user.username
    assert StatusSnapshot.objects.filter(ready=True).count() == 2


def test_a_change_recomputes_the_verdict_after_the_commit(trainee, study_director, django_capture_on_commit_callbacks):
    refresh(trainee)
    before = StatusSnapshot.objects.get(trainee=trainee).blocking_gaps

    with django_capture_on_commit_callbacks(execute=False) as pending:
        ServicePeriod.objects.create(
            trainee=trainee, kind=ServiceKind.MAIN, unit=trainee.unit, start=date(2023, 9, 1), end=date(2029, 8, 31)
        )
    # Nothing is recomputed until the transaction commits.
    assert StatusSnapshot.objects.get(trainee=trainee).blocking_gaps == before
    for callback in pending:
        callback()

    stored = StatusSnapshot.objects.get(trainee=trainee)
    assert stored.blocking_gaps == blocking(readiness_for(trainee))
    assert stored.earliest_application == readiness_for(trainee).earliest_application is not None

    with django_capture_on_commit_callbacks(execute=True):
        FinalReview.objects.create(
            trainee=trainee, date=date(2026, 10, 1), verdict=FinalReviewVerdict.READY, reviewer=study_director
        )
    assert StatusSnapshot.objects.get(trainee=trainee).blocking_gaps == blocking(readiness_for(trainee))


def test_the_daily_command_recomputes_everyone(trainee, other_trainee):
    out = StringIO()

    call_command("refresh_readiness", stdout=out)

    assert StatusSnapshot.objects.count() == 2
    assert "2 ST-läkare" in out.getvalue()


def test_the_list_shows_and_filters_on_the_stored_verdict(client, study_director, trainee, unit):
    ready_one = TraineeFactory(unit=unit)
    refresh_all()
    StatusSnapshot.objects.filter(trainee=ready_one).update(ready=True, blocking_gaps=0)
    client.force_login(study_director)

    everyone = client.get(reverse("trainee-list"))
    only_ready = client.get(reverse("trainee-list"), {"ready": "true"})
    not_ready = client.get(reverse("trainee-list"), {"ready": "false"})

    assert [row.record for row in only_ready.context["table"].page.object_list] == [ready_one]
    assert [row.record for row in not_ready.context["table"].page.object_list] == [trainee]
    content = everyone.content.decode()
    assert reverse("application-detail", args=[trainee.pk]) in content
    assert f"{trainee.snapshot.blocking_gaps} saknas" in content
