"""The readiness builder on database records, the card on the trainee's page and `st_status`."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from accounts.domain import policy_for
from assessments.enums import MidTermStatus
from portfolio.enums import BTMode, FinalReviewVerdict, RegulationCode, ServiceKind, SignedStatus
from portfolio.models import Certificate, CertificateSignature, FinalReview, Goal, ServicePeriod
from portfolio.readiness.build import bt_readiness_for, readiness_for, readiness_input
from portfolio.readiness.engine import FINAL_REVIEW, GOAL_MISSING, MID_ST, SUMMARY_MISSING, TIME
from portfolio.snapshot import build_status
from tests.assessments.factories import MidTermEvaluationFactory
from tests.factories import regulation

pytestmark = pytest.mark.django_db
TODAY = date(2026, 1, 15)
ACTIVITY_FORMS_2015 = ["sosfs2015_b3", "sosfs2015_b4", "sosfs2015_b5", "sosfs2015_b6", "sosfs2015_b7"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def intyg(trainee, form, codes=(), signers=None, signed=True, supersedes=None):
    """An intyg as the intyg pages leave it: signatures per role, delmål linked, signed or draft.

    `signers` maps role → user (None: signed on paper by someone without an account)."""
    now = timezone.now()
    certificate = Certificate.objects.create(
        trainee=trainee,
        form=form,
        status=SignedStatus.SIGNED if signed else SignedStatus.DRAFT,
        signed_at=now if signed else None,
        supersedes=supersedes,
    )
    through = Certificate.goals.through
    goals = Goal.objects.filter(
        curriculum__regulation=trainee.regulation_id, curriculum__specialty=trainee.specialty_id, code__in=codes
    )
    through.objects.bulk_create(through(certificate=certificate, goal=goal) for goal in goals)
    for role, user in (signers or {}).items():
        CertificateSignature.objects.create(
            certificate=certificate,
            role=role,
            signer=user,
            name=user.name if user else "Okänd",
            signed_at=now if signed else None,
        )
    return certificate


def all_codes(trainee):
    return list(
        Goal.objects.filter(
            curriculum__regulation=trainee.regulation_id, curriculum__specialty=trainee.specialty_id
        ).values_list("code", flat=True)
    )


@pytest.fixture
def ready_trainee(trainee, supervisor, unit_head):
    """SOSFS 2015:8, 64 months of service, every activity intyg listing every delmål, bilaga 2,
    Mitt-i-ST visited and the studierektor's review "ready"."""
    trainee.st_start = date(2020, 9, 1)
    trainee.save(update_fields=["st_start"])
    ServicePeriod.objects.create(
        trainee=trainee, kind=ServiceKind.MAIN, unit=trainee.unit, start=date(2020, 9, 1), end=date(2025, 12, 31)
    )
    codes = all_codes(trainee)
    for form in ACTIVITY_FORMS_2015:
        intyg(trainee, form, codes, {"supervisor": supervisor})
    intyg(trainee, "sosfs2015_b2", signers={"unit_head": unit_head, "main_supervisor": supervisor})
    MidTermEvaluationFactory(trainee=trainee, status=MidTermStatus.VISITED)
    FinalReview.objects.create(
        trainee=trainee, date=date(2025, 12, 1), verdict=FinalReviewVerdict.READY, reviewer=trainee.study_director
    )
    return trainee


def test_fully_ready_trainee_on_database_records(ready_trainee):
    # Every rule met on real records (25 delmål of the 2015 målbeskrivning in allmänmedicin) → ready.
    verdict = readiness_for(ready_trainee, today=TODAY)

    assert verdict.gaps == []
    assert verdict.ready is True
    assert verdict.earliest_application == TODAY


def test_input_reads_goals_with_their_requirement_groups(trainee):
    data = readiness_input(trainee, today=TODAY)

    goals = {goal.code: goal for goal in data.goals}
    assert len(goals) == 25
    assert goals["b5"].groups == [frozenset({"klinisk_tjanstgoring", "auskultation"}), frozenset({"kurs"})]
    assert goals["b5"].curriculum == "st"


def test_input_reads_certificates_signatures_and_corrections(trainee, supervisor, study_director):
    intyg(trainee, "sosfs2015_b5", ["b5", "c6"], {"course_leader": None})
    intyg(trainee, "sosfs2015_b4", ["c6"], {"supervisor": supervisor}, signed=False)
    old = intyg(trainee, "sosfs2015_b6", ["a4"], {"supervisor": supervisor})
    intyg(trainee, "sosfs2015_b6", ["a4"], {"supervisor": study_director}, supersedes=old)

    facts = readiness_input(trainee, today=TODAY).certificates

    by_form = {(fact.form, fact.superseded): fact for fact in facts}
    assert by_form["sosfs2015_b5", False].goal_codes == {"b5", "c6"}
    assert by_form["sosfs2015_b5", False].signed_roles == {"course_leader"}
    assert by_form["sosfs2015_b5", False].signer_ids == {None}
    assert by_form["sosfs2015_b4", False].signed is False
    assert by_form["sosfs2015_b4", False].signed_roles == frozenset()  # named, not yet signed
    assert by_form["sosfs2015_b6", True].signer_ids == {supervisor.pk}
    assert by_form["sosfs2015_b6", False].signer_ids == {study_director.pk}
    assert len(facts) == 4


def test_signed_intyg_closes_the_groups_it_covers(trainee, supervisor):
    # b5 needs (klinisk OR auskultation) AND kurs; a signed kurs intyg for b5 leaves only the first group.
    intyg(trainee, "sosfs2015_b5", ["b5"], {"supervisor": supervisor})

    verdict = readiness_for(trainee, today=TODAY)

    b5 = [gap for gap in verdict.gaps if gap.code == GOAL_MISSING and gap.what.startswith("b5:")]
    assert len(b5) == 1
    assert "bilaga 3" in b5[0].what and "bilaga 4" in b5[0].what


def test_regional_gates_read_mid_st_and_the_latest_final_review(trainee):
    policy = policy_for(trainee.unit.region)
    assert policy.mid_st_required and policy.final_review_required
    MidTermEvaluationFactory(trainee=trainee, status=MidTermStatus.ORDERED)
    FinalReview.objects.create(
        trainee=trainee, date=date(2025, 1, 1), verdict=FinalReviewVerdict.READY, reviewer=trainee.study_director
    )
    FinalReview.objects.create(
        trainee=trainee, date=date(2025, 6, 1), verdict=FinalReviewVerdict.NOT_YET, reviewer=trainee.study_director
    )

    data = readiness_input(trainee, today=TODAY)
    codes = [gap.code for gap in readiness_for(trainee, today=TODAY).gaps]

    # Ordered is not done (the visit is what counts); the latest review says "not yet".
    assert (data.mid_st_done, data.final_review_ready) == (False, False)
    assert MID_ST in codes and FINAL_REVIEW in codes


def test_regional_gates_off_when_the_region_says_so(trainee):
    policy = policy_for(trainee.unit.region)
    policy.mid_st_required = policy.final_review_required = False
    policy.save()

    codes = [gap.code for gap in readiness_for(trainee, today=TODAY).gaps]

    assert MID_ST not in codes and FINAL_REVIEW not in codes


def test_bt_service_end_and_months_under_2021(trainee):
    trainee.regulation = regulation(RegulationCode.HSLF_FS_2021_8)
    trainee.bt_mode = BTMode.INTEGRATED
    trainee.save()
    ServicePeriod.objects.create(
        trainee=trainee, kind=ServiceKind.BT_ACUTE, workplace="Akuten", start=date(2023, 9, 1), end=date(2024, 2, 29)
    )
    ServicePeriod.objects.create(
        trainee=trainee, kind=ServiceKind.BT_PRIMARY, unit=trainee.unit, start=date(2024, 3, 1), end=date(2025, 10, 31)
    )

    data = readiness_input(trainee, today=TODAY)
    verdict = readiness_for(trainee, today=TODAY)

    assert data.bt_service_end == date(2025, 10, 31)
    assert data.bt_acute_months == pytest.approx(6)
    assert {goal.curriculum for goal in data.goals} == {"st", "bt"}
    # Not approved, and BT runs past 2025-09-01 (two years after the start of ST).
    assert [gap.code for gap in verdict.gaps][:3] == [TIME, "bt_not_approved", "bt_integrated_long"]
    # The BT delmål are the BT application's business, not the specialist application's.
    assert not any(gap.what.startswith("BT1:") for gap in verdict.gaps)


def test_bt_readiness_on_database_records(trainee, supervisor, unit_head):
    # BT application: 6 months acute + 6 primary care, every BT delmål in one signed bilaga 2,
    # bilaga 3 by the verksamhetschef and bilaga 4 by the verksamhetschef → ready.
    trainee.regulation = regulation(RegulationCode.HSLF_FS_2021_8)
    trainee.bt_mode = BTMode.INTEGRATED
    trainee.save()
    ServicePeriod.objects.create(
        trainee=trainee, kind=ServiceKind.BT_ACUTE, workplace="Akuten", start=date(2023, 9, 1), end=date(2024, 2, 29)
    )
    ServicePeriod.objects.create(
        trainee=trainee, kind=ServiceKind.BT_PRIMARY, unit=trainee.unit, start=date(2024, 3, 1), end=date(2024, 8, 31)
    )
    bt_codes = Goal.objects.filter(curriculum__kind="bt").values_list("code", flat=True)
    certificate = intyg(trainee, "hslf2021_b2", signers={"supervisor": supervisor})
    through = Certificate.goals.through
    through.objects.bulk_create(
        through(certificate=certificate, goal=goal) for goal in Goal.objects.filter(curriculum__kind="bt")
    )
    intyg(trainee, "hslf2021_b3", signers={"unit_head": unit_head})

    missing_b4 = bt_readiness_for(trainee, today=TODAY)
    intyg(trainee, "hslf2021_b4", signers={"main_supervisor": supervisor, "external": unit_head})
    verdict = bt_readiness_for(trainee, today=TODAY)

    assert len(bt_codes) == 18
    assert [gap.code for gap in missing_b4.gaps] == [SUMMARY_MISSING]
    assert verdict.ready is True, verdict.gaps


@pytest.mark.parametrize("count", [1, 3])
def test_readiness_queries_do_not_grow_with_certificates(django_assert_num_queries, trainee, supervisor, count):
    for _n in range(count):
        intyg(trainee, "sosfs2015_b4", ["c1", "c2"], {"supervisor": supervisor})
    status = build_status(trainee, TODAY)

    # Delmål with requirements, intyg, signatures, delmål of the intyg, latest review (no BT: no BT query).
    with django_assert_num_queries(5):
        verdict = readiness_for(trainee, status)

    assert not verdict.ready


def test_trainee_page_shows_the_card_with_the_gaps(client, trainee, supervisor):
    intyg(trainee, "sosfs2015_b5", ["b5"], {"supervisor": supervisor})
    client.force_login(trainee.study_director)

    response = client.get(reverse("trainee-detail", args=[trainee.pk]))

    content = response.content.decode()
    verdict = response.context["readiness"]
    assert verdict.ready is False
    assert 'id="readiness-heading"' in content
    gaps = {gap.code for gap in verdict.gaps}
    assert {TIME, GOAL_MISSING, SUMMARY_MISSING} <= gaps
    # The gap lines appear on the page: the delmål code and the form to use.
    assert "c6:" in content and "SOSFS 2015:8 bilaga 5" in content


def test_trainee_page_says_ready(client, ready_trainee):
    client.force_login(ready_trainee.user)

    response = client.get(reverse("trainee-detail", args=[ready_trainee.pk]))

    assert response.context["readiness"].ready is True
    assert 'flag-ok">✓' in response.content.decode()


def test_st_status_json_has_ready_and_gaps(trainee):
    out = StringIO()
    call_command("st_status", trainee.user.username, "--json", "--today", TODAY.isoformat(), stdout=out)

    data = json.loads(out.getvalue())

    assert data["ready"] is False
    assert data["gaps"][0]["code"] == TIME
    assert set(data["gaps"][0]) == {"code", "severity", "what", "rule", "next_step"}
    assert {gap["severity"] for gap in data["gaps"]} == {"blocking"}


def test_st_status_json_ready_trainee(ready_trainee):
    out = StringIO()
    call_command("st_status", ready_trainee.user.username, "--json", "--today", TODAY.isoformat(), stdout=out)

    data = json.loads(out.getvalue())

    assert (data["ready"], data["gaps"]) == (True, [])


def test_st_status_text_has_one_readiness_line(trainee):
    out = StringIO()
    call_command("st_status", trainee.user.username, "--today", TODAY.isoformat(), stdout=out)

    line = out.getvalue().splitlines()[-1]
    assert line.startswith("Ready to apply: no, ")
    assert "time" in line and "goal_missing" in line
