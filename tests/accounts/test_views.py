import dataclasses
from datetime import date

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.domain import policy_for
from accounts.enums import Role
from accounts.models import RegionPolicy
from assessments.models import SpecialistPanel
from portfolio.enums import ServiceKind
from portfolio.models import ServicePeriod, StoredStatus, SupervisionMeeting
from portfolio.snapshot import build_status
from tests.assessments.factories import SpecialistPanelFactory
from tests.factories import MembershipFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_login_with_password_lands_on_start_page(client, trainee):
    response = client.post(reverse("login"), {"username": "st", "password": "secret-password"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.context["own_trainee"] == trainee


def test_login_with_wrong_password_says_so_in_swedish(client, trainee):
    response = client.post(reverse("login"), {"username": "st", "password": "wrong"})

    assert response.status_code == 200
    assert "Ange ett korrekt användarnamn och lösenord" in response.content.decode()


def test_logout_is_post_only_and_ends_session(client, trainee):
    client.force_login(trainee.user)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response["Location"] == reverse("login")
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_password_reset_sends_swedish_mail_with_link(client, trainee):
    response = client.post(reverse("password_reset"), {"email": "st@example.se"})

    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["st@example.se"]
    assert message.subject == "Nytt lösenord till ST-portfölj"
    assert "/konto/aterstall/" in message.body
    assert "Sara Öberg" in message.body


def test_password_reset_for_unknown_address_sends_nothing_and_reveals_nothing(client, trainee):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.se"})

    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_home_for_user_without_role_explains_what_to_do(client, outsider):
    client.force_login(outsider)

    response = client.get(reverse("home"))

    assert "Ingen roll ännu" in response.content.decode()


def test_home_for_study_director_lists_units_with_counts(client, trainee, other_trainee, study_director):
    client.force_login(study_director)

    response = client.get(reverse("home"))

    assert [(unit.name, unit.trainee_count) for unit in response.context["led_units"]] == [
        ("Björkdalens hälsocentral", 1)
    ]


def test_home_for_supervisor_lists_own_trainees_only(client, trainee, other_trainee, supervisor):
    client.force_login(supervisor)

    response = client.get(reverse("home"))

    assert list(response.context["supervised"]) == [trainee]
    assert "Lukas Andersson" not in response.content.decode()


def policy_url(region):
    return reverse("region-policy", args=[region.code])


def test_region_admin_edits_policy(client, region, region_admin):
    client.force_login(region_admin)
    policy = policy_for(region)
    course = policy.mandatory_courses.first()
    data = {
        "supervision_hours_per_week": "1.5",
        "assessments_per_half_year": "6",
        "sit_ins_per_quarter": "2",
        "iup_deadline_months": "6",
        "iup_revision_months": "9, 1, 5, 1",
        "mid_st_lead_time_months": "6",
        "mid_st_required": "on",
        "annual_visit_interval_months": "12",
        "self_study_hours_per_week": "4",
        "notes": "",
        "courses-TOTAL_FORMS": "2",
        "courses-INITIAL_FORMS": "1",
        "courses-MIN_NUM_FORMS": "0",
        "courses-MAX_NUM_FORMS": "1000",
        "courses-0-id": str(course.pk),
        "courses-0-name": course.name,
        "courses-0-specialty": str(course.specialty_id),
        "courses-0-note": course.note,
        "courses-0-DELETE": "on",
        "courses-1-name": "Kurs i försäkringsmedicin",
        "courses-1-specialty": "",
        "courses-1-note": "Regionbeslut 2026",
    }

    response = client.post(policy_url(region), data)

    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.assessments_per_half_year == 6
    assert str(policy.supervision_hours_per_week) == "1.5"
    assert policy.iup_revision_months == [1, 5, 9]
    assert policy.updated_by == region_admin
    assert "Kurs i försäkringsmedicin" in set(policy.mandatory_courses.values_list("name", flat=True))
    assert not policy.mandatory_courses.filter(pk=course.pk).exists()


def test_policy_rejects_bad_month_in_swedish_and_saves_nothing(client, region, region_admin):
    client.force_login(region_admin)
    policy_for(region)

    response = client.post(
        policy_url(region),
        {
            "supervision_hours_per_week": "1.0",
            "assessments_per_half_year": "9",
            "sit_ins_per_quarter": "2",
            "iup_deadline_months": "6",
            "iup_revision_months": "1, 13",
            "mid_st_lead_time_months": "6",
            "annual_visit_interval_months": "12",
            "self_study_hours_per_week": "4",
            "courses-TOTAL_FORMS": "0",
            "courses-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "”13” är inte en månad" in response.content.decode()
    assert RegionPolicy.objects.get(region=region).assessments_per_half_year == 4


def test_new_policy_has_reference_defaults(region):
    from tests.factories import SpecialtyFactory

    SpecialtyFactory()
    policy = policy_for(region)

    assert (policy.supervision_hours_per_week, policy.assessments_per_half_year, policy.sit_ins_per_quarter) == (
        1,
        4,
        2,
    )
    assert policy.iup_deadline_months == 6
    assert policy.iup_revision_months == [1, 5, 9]
    assert policy.mid_st_lead_time_months == 6
    assert policy.annual_visit_interval_months == 12
    assert policy.mandatory_courses.count() == 4
    assert policy_for(region) == policy


@pytest.mark.parametrize("persona", ["other_region_admin", "study_director", "trainee_user", "outsider"])
def test_policy_page_is_404_for_others(client, region, trainee, other_region_admin, outsider, persona):
    user = {
        "other_region_admin": other_region_admin,
        "study_director": trainee.study_director,
        "trainee_user": trainee.user,
        "outsider": outsider,
    }[persona]
    client.force_login(user)

    assert client.get(policy_url(region)).status_code == 404
    regions_page = client.get(reverse("region-list"))
    if persona == "other_region_admin":
        assert region not in regions_page.context["regions"]
    else:
        assert regions_page.status_code == 404


def test_national_admin_sees_every_region(client, region, other_region_admin, national_admin):
    client.force_login(national_admin)

    response = client.get(reverse("region-list"))

    assert len(response.context["regions"]) == 2
    assert client.get(policy_url(region)).status_code == 200


def test_policy_page_redirects_anonymous(client, region):
    assert client.get(policy_url(region))["Location"].startswith(reverse("login"))


def test_home_for_trainee_leads_with_time_and_what_is_due(client, trainee):
    client.force_login(trainee.user)

    response = client.get(reverse("home"))

    content = response.content.decode()
    assert response.context["own_status"].required_fte_months == 60
    # No IUP yet and ST started 2023-09-01: the first IUP was due 2024-03-01.
    first = response.context["own_due_next"][0]
    assert (first.day.isoformat(), first.overdue) == ("2024-03-01", True)
    assert "Första IUP godkänd" in content
    assert "Att göra härnäst" in content


def test_home_for_study_director_shows_each_units_last_held_panel(client, trainee, unit, other_unit, study_director):
    held = SpecialistPanelFactory(unit=unit, date=date(2025, 11, 12))
    SpecialistPanel.objects.filter(pk=held.pk).update(held_at=timezone.now())
    SpecialistPanelFactory(unit=unit, date=date(2026, 12, 1))  # planned, not held
    other = SpecialistPanelFactory(unit=other_unit, date=date(2026, 3, 3))
    SpecialistPanel.objects.filter(pk=other.pk).update(held_at=timezone.now())
    client.force_login(study_director)

    response = client.get(reverse("home"))

    assert [unit.last_panel for unit in response.context["led_units"]] == [date(2025, 11, 12)]
    content = response.content.decode()
    assert reverse("panel-list", args=[unit.pk]) in content
    assert reverse("panel-list", args=[other_unit.pk]) not in content


def test_home_shows_the_trainees_status_without_reading_the_coverage(client, django_assert_num_queries, trainee):
    ServicePeriod.objects.create(
        trainee=trainee,
        kind=ServiceKind.MAIN,
        unit=trainee.unit,
        start=trainee.st_start,
        end=date(2028, 8, 31),
        percent=100,
    )
    SupervisionMeeting.objects.create(trainee=trainee, date=timezone.localdate(), minutes=60)
    client.force_login(trainee.user)
    client.get(reverse("home"))  # the first visit stores the region's default policy

    # session, user, own profile, the user's roles (none: no led units or regions to read),
    # intyg to sign, the stored status (none: nothing has stored one), then the region's
    # policy and ten for the status computed (no delmål coverage), supervised
    assert not StoredStatus.objects.filter(trainee=trainee).exists()
    with django_assert_num_queries(18):
        response = client.get(reverse("home"))

    full = build_status(trainee)
    assert full.goals, "the trainee's målbeskrivning has delmål, or the comparison proves little"
    assert response.context["own_status"] == dataclasses.replace(full, goals=[])


def test_home_lists_what_each_role_leads_and_administers(
    client, trainee, unit, study_director, unit_head, region_admin, national_admin
):
    # The start page reads the user's roles once and skips the lists a role cannot fill; each
    # role must still get its own.
    other_region = RegionFactory()
    superuser_with_no_roles = UserFactory(username="root", is_superuser=True)
    MembershipFactory(user=study_director, role=Role.ADMINISTRATOR, unit=None, region=unit.region)
    seen = {}
    for user in (study_director, unit_head, region_admin, national_admin, superuser_with_no_roles, trainee.user):
        client.force_login(user)
        context = client.get(reverse("home")).context
        seen[user.username] = (
            [led.pk for led in context["led_units"]],
            sorted(region.pk for region in context["regions"]),
        )

    every_region = sorted([unit.region.pk, other_region.pk])
    assert seen[study_director.username] == ([unit.pk], [unit.region.pk])
    assert seen[unit_head.username] == ([unit.pk], [])
    assert seen[region_admin.username] == ([], [unit.region.pk])
    assert seen[national_admin.username] == ([], every_region)
    assert seen[superuser_with_no_roles.username] == ([], every_region)
    assert seen[trainee.user.username] == ([], [])
