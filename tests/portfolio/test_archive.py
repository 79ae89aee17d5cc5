"""Archiving a trainee, restoring one, what an archived portfolio allows, and the retention job."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, User
from portfolio import archive
from portfolio.enums import ArchiveReason, ServiceKind
from portfolio.models import Course, ServicePeriod, Trainee
from tests.factories import TraineeFactory, UserFactory
from tests.portfolio.test_portable import add_records

pytestmark = pytest.mark.django_db


def archive_url(trainee):
    return reverse("trainee-archive", args=[trainee.pk])


def restore_url(trainee):
    return reverse("trainee-restore", args=[trainee.pk])


def archived(trainee, by, days_ago=0):
    archive.archive(trainee, by, ArchiveReason.FINISHED)
    Trainee.objects.filter(pk=trainee.pk).update(archived_at=timezone.now() - timedelta(days=days_ago))
    trainee.refresh_from_db()
    return trainee


@pytest.mark.parametrize("persona", ["study_director", "region_admin"])
def test_archive_and_restore_by_the_allowed_roles(client, trainee, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    page = client.get(archive_url(trainee))
    assert "3650" in page.content.decode()
    response = client.post(archive_url(trainee), {"reason": ArchiveReason.LEFT_REGION})

    assert response.status_code == 302
    trainee.refresh_from_db()
    assert trainee.archived_by == user and trainee.archive_reason == ArchiveReason.LEFT_REGION
    assert trainee.archived_at is not None
    assert AuditEvent.objects.filter(action="trainee.archived", target_id=trainee.pk).count() == 1

    client.post(restore_url(trainee))
    trainee.refresh_from_db()
    assert trainee.archived_at is None and trainee.archived_by is None and trainee.archive_reason == ""
    assert AuditEvent.objects.filter(action="trainee.restored", target_id=trainee.pk).count() == 1


def test_archive_needs_a_reason(client, trainee, study_director):
    client.force_login(study_director)
    response = client.post(archive_url(trainee), {"reason": "tired"})
    assert response.status_code == 200
    trainee.refresh_from_db()
    assert trainee.archived_at is None


@pytest.mark.parametrize("persona", ["trainee", "supervisor", "unit_head"])
def test_others_who_see_the_trainee_may_not_archive(client, trainee, persona, request):
    user = trainee.user if persona == "trainee" else request.getfixturevalue(persona)
    client.force_login(user)
    assert client.post(archive_url(trainee), {"reason": ArchiveReason.OTHER}).status_code == 403
    trainee.refresh_from_db()
    assert trainee.archived_at is None


@pytest.mark.parametrize("persona", ["outsider", "other_study_director"])
def test_archive_and_restore_are_404_for_outsiders(client, trainee, study_director, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(archive_url(trainee), {"reason": ArchiveReason.OTHER}).status_code == 404
    archived(trainee, study_director)
    assert client.post(restore_url(trainee)).status_code == 404
    trainee.refresh_from_db()
    assert trainee.archived_at is not None


def test_overview_hides_archived_unless_asked(client, trainee, study_director, unit):
    kept = TraineeFactory(user=UserFactory(name="Aktiv Person"), unit=unit)
    archived(trainee, study_director)
    client.force_login(study_director)
    url = reverse("trainee-list")

    default = client.get(url).content.decode()
    both = client.get(url, {"archived": "with"}).content.decode()
    only = client.get(url, {"archived": "only"}).content.decode()

    assert kept.user.name in default and trainee.user.name not in default
    assert kept.user.name in both and trainee.user.name in both
    assert trainee.user.name in only and kept.user.name not in only
    home = client.get(reverse("home"))
    assert [unit.trainee_count for unit in home.context["led_units"]] == [1]


def test_archived_trainee_reads_but_cannot_add_records(client, trainee, study_director):
    archived(trainee, study_director)
    client.force_login(trainee.user)
    today = timezone.localdate()

    assert client.get(reverse("trainee-detail", args=[trainee.pk])).status_code == 200
    assert client.get(reverse("portfolio-export", args=[trainee.pk])).status_code == 200
    response = client.post(
        reverse("service-create", args=[trainee.pk]),
        {"kind": ServiceKind.MAIN, "workplace": "VC", "start": today, "end": today, "percent": 100},
    )
    assert response.status_code == 403
    assert not ServicePeriod.objects.filter(trainee=trainee).exists()
    assert not trainee.user.has_perm("portfolio.change_own_records", trainee)


def test_retention_job_deletes_only_those_past_the_limit(
    settings, django_capture_on_commit_callbacks, trainee, study_director, unit
):
    settings.ARCHIVE_RETENTION_DAYS = 30
    add_records(trainee)
    files = list(Course.objects.filter(trainee=trainee).values_list("certificate", flat=True))
    assert files and all(default_storage.exists(name) for name in files)
    archived(trainee, study_director, days_ago=30)
    young = archived(TraineeFactory(user=UserFactory(name="Nyss Arkiverad"), unit=unit), study_director, days_ago=29)

    dry = StringIO()
    call_command("purge_archived", "--dry-run", stdout=dry)
    assert "Would delete 1 " in dry.getvalue() and trainee.user.username in dry.getvalue()
    assert Trainee.objects.filter(pk=trainee.pk).exists()

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # the files go after the commit
        call_command("purge_archived", stdout=out)

    assert "Deleted 1 " in out.getvalue()
    assert not Trainee.objects.filter(pk=trainee.pk).exists()
    assert not User.objects.filter(username="st").exists()
    assert not any(default_storage.exists(name) for name in files)
    assert Trainee.objects.filter(pk=young.pk).exists()
    # The studierektor, who signed and decided things in the portfolio, is untouched.
    assert User.objects.filter(pk=study_director.pk, is_active=True).exists()


def test_retention_job_keeps_the_account_of_someone_with_another_role(settings, trainee, study_director, unit):
    from accounts.enums import Role
    from tests.factories import MembershipFactory

    settings.ARCHIVE_RETENTION_DAYS = 0
    MembershipFactory(user=trainee.user, unit=unit, role=Role.SUPERVISOR)
    archived(trainee, study_director, days_ago=1)

    call_command("purge_archived", stdout=StringIO())

    assert not Trainee.objects.filter(pk=trainee.pk).exists()
    assert User.objects.filter(pk=trainee.user_id).exists()
