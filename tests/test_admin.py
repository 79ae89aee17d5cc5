"""The admin is where superusers edit people, units and the reference data."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize(
    "model",
    [m for m in admin.site._registry if m._meta.app_label in {"accounts", "portfolio", "assessments"}],
    ids=lambda m: m._meta.label,
)
def test_admin_changelist_and_add_pages_load(client, superuser, trainee, model):
    client.force_login(superuser)
    opts = model._meta

    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))

    assert changelist.status_code == 200
    assert add.status_code == 200
    assert changelist.context["cl"].result_count == model.objects.count()


def test_goal_is_editable_in_admin(client, superuser):
    from portfolio.models import Goal

    goal = Goal.objects.get(curriculum__regulation__code="SOSFS_2015_8", code="c14")
    client.force_login(superuser)

    response = client.get(reverse("admin:portfolio_goal_change", args=[goal.pk]))

    assert response.status_code == 200
    assert response.context["original"] == goal


def test_admin_is_closed_to_non_staff(client, trainee):
    client.force_login(trainee.user)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_password_change_for_logged_in_user(client, trainee):
    client.force_login(trainee.user)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": "secret-password",
            "new_password1": "Ny-lösenordsfras-2026",
            "new_password2": "Ny-lösenordsfras-2026",
        },
    )

    assert response["Location"] == reverse("password_change_done")
    trainee.user.refresh_from_db()
    assert trainee.user.check_password("Ny-lösenordsfras-2026")
