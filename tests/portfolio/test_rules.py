import pytest

from portfolio.models import Trainee

pytestmark = pytest.mark.django_db

# persona → may they see `trainee` (unit A)? `other_trainee` sits at unit B in the same region.
VIEW_TRAINEE = [
    ("trainee_user", True),
    ("supervisor", True),
    ("second_specialist", True),
    ("study_director", True),
    ("unit_head", True),
    ("region_admin", True),
    ("national_admin", True),
    ("other_trainee_user", False),
    ("other_supervisor", False),
    ("other_study_director", False),
    ("other_region_admin", False),
    ("outsider", False),
]


@pytest.fixture
def personas(
    request,
    trainee,
    other_trainee,
    unit_head,
    other_study_director,
    region_admin,
    other_region_admin,
    national_admin,
    outsider,
):
    people = {
        "trainee_user": trainee.user,
        "supervisor": trainee.main_supervisor,
        "second_specialist": trainee.second_specialist,
        "study_director": trainee.study_director,
        "unit_head": unit_head,
        "region_admin": region_admin,
        "national_admin": national_admin,
        "other_trainee_user": other_trainee.user,
        "other_supervisor": other_trainee.main_supervisor,
        "other_study_director": other_study_director,
        "other_region_admin": other_region_admin,
        "outsider": outsider,
    }
    return people


@pytest.mark.parametrize(("persona", "expected"), VIEW_TRAINEE)
def test_view_trainee_permission(personas, trainee, persona, expected):
    assert personas[persona].has_perm("portfolio.view_trainee", trainee) is expected


@pytest.mark.parametrize(("persona", "expected"), VIEW_TRAINEE)
def test_visible_to_agrees_with_permission(personas, trainee, persona, expected):
    user = personas[persona]
    assert Trainee.objects.visible_to(user).filter(pk=trainee.pk).exists() is expected


def test_study_director_of_unit_sees_trainee_without_being_named(trainee, other_study_director):
    trainee.unit = other_study_director.memberships.get().unit
    trainee.save(update_fields=["unit"])
    assert other_study_director.has_perm("portfolio.view_trainee", trainee) is True
    assert list(Trainee.objects.visible_to(other_study_director)) == [trainee]


def test_anonymous_sees_nothing(trainee):
    from django.contrib.auth.models import AnonymousUser

    assert AnonymousUser().has_perm("portfolio.view_trainee", trainee) is False
    assert list(Trainee.objects.visible_to(AnonymousUser())) == []


def test_visible_to_lists_no_duplicates_for_person_with_several_ties(trainee, supervisor, unit):
    from accounts.enums import Role
    from tests.factories import MembershipFactory

    # The huvudhandledare is also studierektor and chef of the unit: still one row.
    MembershipFactory(user=supervisor, unit=unit, role=Role.STUDY_DIRECTOR)
    MembershipFactory(user=supervisor, unit=unit, role=Role.UNIT_HEAD)
    assert list(Trainee.objects.visible_to(supervisor)) == [trainee]


# The personal copy is the data subject's right of access: hers alone, archived or not.
PERSONAL_COPY = [(persona, persona == "trainee_user") for persona, _seen in VIEW_TRAINEE]


@pytest.mark.parametrize(("persona", "expected"), PERSONAL_COPY)
def test_only_the_trainee_may_download_her_personal_copy(personas, trainee, persona, expected):
    assert personas[persona].has_perm("portfolio.download_personal_copy", trainee) is expected


def test_the_personal_copy_stays_hers_when_archived(trainee):
    from django.utils import timezone

    assert trainee.user.has_perm("portfolio.change_own_records", trainee) is True
    Trainee.objects.filter(pk=trainee.pk).update(archived_at=timezone.now())
    trainee.refresh_from_db()

    assert trainee.user.has_perm("portfolio.download_personal_copy", trainee) is True
    assert trainee.user.has_perm("portfolio.change_own_records", trainee) is False
