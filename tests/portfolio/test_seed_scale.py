"""seed_scale: realistic counts, landmarks of the right kind, the real readiness engine,
determinism, refusal on a database with trainees, and records that pass full_clean."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from accounts.enums import Role
from accounts.models import Membership, User
from assessments.enums import AssessmentKind, SignedStatus, StatementKind
from assessments.models import ActionPlan, Assessment, AssessmentRequest, MidTermEvaluation, SupervisorStatement
from portfolio.models import (
    AnnualVisit,
    Certificate,
    CertificateSignature,
    Course,
    Leave,
    ServicePeriod,
    SupervisionMeeting,
    Trainee,
    TrainingPlan,
)
from portfolio.readiness.build import readiness_for
from portfolio.scale import ScaleRefused, seed_scale
from tests.factories import TraineeFactory

TODAY = date(2026, 12, 5)
N = 30  # three units: the first holds exactly 15


@pytest.fixture
def result(db):
    return seed_scale(N, seed=3, today=TODAY)


def years_in(trainee):
    return max((TODAY - trainee.st_start).days / 365.25, 0.01)


def test_counts_per_trainee_are_realistic(result):
    assert result.counts["portfolio.Trainee"] == N
    assert result.rate > 0 and result.rows == sum(result.counts.values())
    for trainee in Trainee.objects.filter(st_start__lt=date(2025, 12, 5)):
        per_year = SupervisionMeeting.objects.filter(trainee=trainee).count() / years_in(trainee)
        assert 30 <= per_year <= 52, (trainee, per_year)
        per_year = Assessment.objects.filter(trainee=trainee).count() / years_in(trainee)
        assert 6 <= per_year <= 10, (trainee, per_year)
    codes = set(Trainee.objects.values_list("regulation__code", flat=True))
    assert len(codes) == 2  # both regulations


def test_landmarks_are_the_right_people(result):
    director = User.objects.get(username=result.director_username)
    units = Membership.objects.filter(user=director, role=Role.STUDY_DIRECTOR).values("unit")
    assert Trainee.objects.filter(unit__in=units).count() == min(1000, N)
    assert 3 <= Trainee.objects.filter(main_supervisor__username=result.supervisor_username).count() <= 4
    assert Trainee.objects.filter(unit_id=result.evidence_unit_id).count() == 15
    assert Membership.objects.filter(
        user__username=result.unit_head_username, role=Role.UNIT_HEAD, unit_id=result.evidence_unit_id
    ).exists()
    assert Membership.objects.filter(user__username=result.admin_username, role=Role.ADMINISTRATOR).exists()
    veteran = Trainee.objects.get(user__username=result.trainee_username)
    assert 4.9 < years_in(veteran) < 5.1
    assert {p.percent for p in veteran.service_periods.all()} == {100}
    assert veteran.supervision_meetings.count() > 200
    assert veteran.assessments.filter(kind=AssessmentKind.SIT_IN, assessor=veteran.main_supervisor).exists()
    assert veteran.supervisor_statements.filter(kind=StatementKind.ANNUAL, status=SignedStatus.SIGNED).count() == 5
    assert veteran.courses.exists() and veteran.plans.exists() and veteran.certificates.exists()
    assert User.objects.get(username=result.trainee_username).check_password(result.password)


def test_ready_trainee_is_ready_by_the_readiness_engine(result):
    trainee = Trainee.objects.get(user__username=result.ready_trainee_username)
    verdict = readiness_for(trainee, today=TODAY)
    assert verdict.ready


def _dump():
    """Every list sorted in full (not only by its order_by), so ties compare equal whatever the ids."""
    return tuple(sorted(rows, key=repr) for rows in (
        list(Trainee.objects.order_by("user__username").values_list(
            "user__username", "user__name", "st_start", "regulation__code", "bt_mode", "unit__name",
            "main_supervisor__username",
        )),
        list(SupervisionMeeting.objects.order_by("trainee__user__username", "date").values_list(
            "trainee__user__username", "date", "minutes", "kind", "topics"
        )),
        list(Assessment.objects.order_by("trainee__user__username", "date").values_list(
            "trainee__user__username", "date", "kind", "ratings", "assessor_name"
        )),
        list(Certificate.objects.order_by("trainee__user__username", "form", "period_start").values_list(
            "trainee__user__username", "form", "period_start", "signed_at"
        )),
    ))  # fmt: skip


def test_same_seed_and_day_give_the_same_data(db):
    """Same seed and day, same data, whatever ids the database hands out."""
    dumps = []
    for attempt in range(2):
        with transaction.atomic():
            if attempt:
                # Other ids the second time (PostgreSQL never rolls a sequence back): the data must
                # not depend on them.
                for trainee in TraineeFactory.create_batch(3):
                    trainee.delete()
            first = seed_scale(12, seed=1, today=TODAY)
            dumps.append((first.counts, _dump()))
            transaction.set_rollback(True)
    assert dumps[0] == dumps[1]
    other = seed_scale(12, seed=6, today=TODAY)
    assert _dump() != dumps[0][1] and other.counts["portfolio.Trainee"] == 12


def test_refuses_a_database_with_trainees(db):
    TraineeFactory()
    with pytest.raises(ScaleRefused):
        seed_scale(5, today=TODAY)
    with pytest.raises(CommandError):
        call_command("seed_scale", "--trainees", "5")
    assert not User.objects.filter(username__startswith="scale-").exists()


def test_refuses_to_run_twice(result):
    with pytest.raises(ScaleRefused):
        seed_scale(5, today=TODAY)


def test_a_sample_of_the_records_passes_full_clean(result):
    models = (
        Trainee, ServicePeriod, Leave, SupervisionMeeting, Course, TrainingPlan, AnnualVisit, Assessment,
        AssessmentRequest, SupervisorStatement, MidTermEvaluation, ActionPlan, Certificate, CertificateSignature,
    )  # fmt: skip
    for model in models:
        # An assessment filled in from a link has no creator (requesting.complete_request).
        exclude = ["created_by"] if model is Assessment else None
        for row in model.objects.order_by("pk")[:: max(1, model.objects.count() // 15)][:15]:
            row.full_clean(exclude=exclude)
    signed = Certificate.objects.filter(status=SignedStatus.SIGNED)
    assert signed.exists() and not signed.filter(signed_at=None).exists()
    assert not Assessment.objects.exclude(status=SignedStatus.SIGNED).exists()


def test_the_command_prints_landmarks_counts_and_rate(db):
    out = StringIO()
    call_command("seed_scale", "--trainees", "16", "--today", "2026-12-05", "--refresh", stdout=out)
    text = out.getvalue()
    for expected in ("scale-sr-00", "evidence_unit_id", "portfolio.SupervisionMeeting", "rows/s", "Stored status"):
        assert expected in text
