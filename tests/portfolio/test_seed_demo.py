import pytest
from django.core.management import call_command

from accounts.models import Membership, Unit, User
from portfolio.enums import BTMode, RegulationCode
from portfolio.models import Trainee

pytestmark = pytest.mark.django_db


def table_counts():
    return (User.objects.count(), Unit.objects.count(), Membership.objects.count(), Trainee.objects.count())


def test_seed_demo_twice_does_not_duplicate(settings):
    settings.DEBUG = True
    call_command("seed_demo", quiet=True)
    first = table_counts()

    call_command("seed_demo", quiet=True)

    assert table_counts() == first
    assert first[3] == 20


def test_seed_demo_covers_both_regulations_and_integrated_bt(settings):
    settings.DEBUG = True
    call_command("seed_demo", quiet=True)

    trainees = Trainee.objects.all()
    assert trainees.filter(regulation__code=RegulationCode.SOSFS_2015_8).count() >= 5
    assert trainees.filter(regulation__code=RegulationCode.HSLF_FS_2021_8, bt_mode=BTMode.INTEGRATED).count() >= 3
    assert trainees.filter(bt_mode=BTMode.INTEGRATED, bt_approved_on__isnull=True).exists()
    for trainee in trainees:
        trainee.clean()


def test_demo_logins_work_only_with_debug(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", quiet=True)
    for username in ["demo-st", "demo-handledare", "demo-studierektor", "demo-chef", "demo-admin"]:
        assert User.objects.get(username=username).check_password("demo"), username
    assert not User.objects.get(username="st-andersson").has_usable_password()

    settings.DEBUG = False
    call_command("seed_demo", quiet=True)

    assert not User.objects.get(username="demo-st").has_usable_password()
    assert client.login(username="demo-st", password="demo") is False


def test_demo_study_director_sees_exactly_the_trainees_of_her_units(settings):
    settings.DEBUG = True
    call_command("seed_demo", quiet=True)
    director = User.objects.get(username="demo-studierektor")

    visible = Trainee.objects.visible_to(director)

    assert set(visible.values_list("unit__name", flat=True)) == {
        "Björkdalens hälsocentral",
        "Forsnäs hälsocentral",
        "Kustby hälsocentral",
    }
    assert visible.count() == Trainee.objects.filter(unit__memberships__user=director).distinct().count()


def test_seed_demo_gives_every_stage_a_portfolio(settings):
    from portfolio.enums import PlanStatus
    from portfolio.models import Leave, ServicePeriod, SupervisionMeeting, TrainingPlan

    settings.DEBUG = True
    call_command("seed_demo", quiet=True)
    counts = (ServicePeriod.objects.count(), SupervisionMeeting.objects.count(), TrainingPlan.objects.count())

    call_command("seed_demo", quiet=True)

    assert (ServicePeriod.objects.count(), SupervisionMeeting.objects.count(), TrainingPlan.objects.count()) == counts
    assert Trainee.objects.filter(service_periods__isnull=True).count() == 0
    statuses = set(TrainingPlan.objects.values_list("status", flat=True))
    assert {PlanStatus.APPROVED, PlanStatus.RETURNED, PlanStatus.SUBMITTED} <= statuses
    assert TrainingPlan.objects.filter(version__gte=2, based_on__isnull=False).exists()
    # Demo records obey the same rules as the forms: no two leaves of a trainee overlap.
    for leave in Leave.objects.all():
        overlapping = Leave.objects.filter(trainee=leave.trainee, start__lte=leave.end, end__gte=leave.start)
        assert overlapping.exclude(pk=leave.pk).count() == 0
