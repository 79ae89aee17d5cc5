"""The demo region has a complete application under each regulation, and realistic gaps elsewhere."""

import pytest
from django.core.management import call_command

from portfolio.enums import RegulationCode
from portfolio.models import Certificate, Trainee
from portfolio.readiness.build import readiness_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", quiet=True)


def verdict(username):
    return readiness_for(Trainee.objects.get(user__username=username))


def test_one_trainee_per_regulation_is_ready_to_apply(demo):
    ready = [trainee for trainee in Trainee.objects.select_related("regulation") if readiness_for(trainee).ready]

    assert {trainee.regulation.code for trainee in ready} == {
        RegulationCode.SOSFS_2015_8,
        RegulationCode.HSLF_FS_2021_8,
    }


def test_the_nearly_ready_trainee_lacks_exactly_a_signature_and_the_review(demo):
    codes = {gap.code.split(":")[0] for gap in verdict("st-lundgren").gaps if gap.severity == "blocking"}

    assert codes == {"summary_missing", "wrongly_signed", "final_review"}


def test_others_have_realistic_gaps_and_seeding_twice_adds_no_intyg(demo):
    count = Certificate.objects.count()
    call_command("seed_demo", quiet=True)

    assert Certificate.objects.count() == count
    gaps = {gap.code.split(":")[0] for gap in verdict("demo-st").gaps}
    assert {"time", "goal_missing", "summary_missing"} <= gaps


def test_the_demo_handledare_has_an_intyg_waiting_for_signature(demo):
    from accounts.models import User
    from portfolio.intyg.workflow import certificates_to_sign

    waiting = list(certificates_to_sign(User.objects.get(username="demo-handledare")))

    assert [signature.certificate.trainee.user.username for signature in waiting] == ["demo-st"]
