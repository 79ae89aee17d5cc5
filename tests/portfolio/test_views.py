import pytest
from django.urls import reverse

from portfolio.enums import CurriculumKind, RegulationCode
from portfolio.models import Curriculum
from tests.factories import TraineeFactory, UnitFactory, UserFactory, regulation

pytestmark = pytest.mark.django_db


def trainee_url(trainee):
    return reverse("trainee-detail", args=[trainee.pk])


@pytest.mark.parametrize(
    "persona", ["owner", "supervisor", "second_specialist", "study_director", "unit_head", "region_admin"]
)
def test_trainee_page_shows_who_is_who(client, trainee, unit_head, region_admin, persona):
    user = {
        "owner": trainee.user,
        "supervisor": trainee.main_supervisor,
        "second_specialist": trainee.second_specialist,
        "study_director": trainee.study_director,
        "unit_head": unit_head,
        "region_admin": region_admin,
    }[persona]
    client.force_login(user)

    response = client.get(trainee_url(trainee))

    assert response.status_code == 200
    assert response.context["trainee"] == trainee
    content = response.content.decode()
    for name in ["Sara Öberg", "Erik Holmström", "Ingrid Lundin", "Karin Lindqvist", "Anna Berg"]:
        assert name in content
    assert "handledarutbildning 2018" in content


@pytest.mark.parametrize(
    "persona", ["outsider", "other_supervisor", "other_study_director", "other_trainee", "other_region_admin"]
)
def test_trainee_page_is_404_for_outsiders(
    client, trainee, other_trainee, other_study_director, other_region_admin, outsider, persona
):
    user = {
        "outsider": outsider,
        "other_supervisor": other_trainee.main_supervisor,
        "other_study_director": other_study_director,
        "other_trainee": other_trainee.user,
        "other_region_admin": other_region_admin,
    }[persona]
    client.force_login(user)

    response = client.get(trainee_url(trainee))

    assert response.status_code == 404
    assert "Sara Öberg" not in response.content.decode()


def test_trainee_page_redirects_anonymous_to_login(client, trainee):
    response = client.get(trainee_url(trainee))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_trainee_page_warns_when_no_supervisor(client, trainee):
    trainee.main_supervisor = None
    trainee.save(update_fields=["main_supervisor"])
    client.force_login(trainee.study_director)

    response = client.get(trainee_url(trainee))

    assert "⚠" in response.content.decode()


def test_trainee_list_shows_only_visible_trainees(client, trainee, other_trainee):
    client.force_login(trainee.study_director)

    response = client.get(reverse("trainee-list"))

    assert [row.record for row in response.context["table"].page.object_list] == [trainee]
    assert "Lukas Andersson" not in response.content.decode()


def test_trainee_list_for_trainee_is_only_themself(client, trainee, other_trainee):
    client.force_login(trainee.user)

    response = client.get(reverse("trainee-list"))

    assert [row.record for row in response.context["table"].page.object_list] == [trainee]


def test_trainee_list_filters_by_name(client, trainee, unit, study_director):
    TraineeFactory(user=UserFactory(name="Maja Karlsson"), unit=unit)
    client.force_login(study_director)

    response = client.get(reverse("trainee-list"), {"q": "öberg"})

    assert [row.record for row in response.context["table"].page.object_list] == [trainee]


def test_trainee_list_unit_filter_offers_only_visible_units(client, trainee, other_trainee, study_director):
    client.force_login(study_director)

    response = client.get(reverse("trainee-list"))

    assert list(response.context["filter"].form.fields["unit"].queryset) == [trainee.unit]


@pytest.mark.parametrize("count", [1, 3])
def test_trainee_list_query_count_does_not_grow(client, django_assert_num_queries, study_director, unit, count):
    for _ in range(count):
        TraineeFactory(unit=unit)
    client.force_login(study_director)

    # session, user, national-admin check, unit filter choices, regulation choices, and the
    # page with its total (the figures' computation date is read from the page's rows)
    with django_assert_num_queries(6):
        response = client.get(reverse("trainee-list"))

    assert len(response.context["table"].page.object_list) == count


@pytest.mark.parametrize("count", [1, 3])
def test_home_query_count_does_not_grow(client, django_assert_num_queries, supervisor, unit, count):
    for _ in range(count):
        TraineeFactory(unit=unit, main_supervisor=supervisor)
    client.force_login(supervisor)

    # session, user, own profile, the user's roles (a handledare: no led units, no regions to
    # read), supervised, intyg waiting for the user's signature
    with django_assert_num_queries(6):
        response = client.get(reverse("home"))

    assert len(response.context["supervised"]) == count


def test_curriculum_page_lists_every_goal_with_alternatives(client, outsider, django_assert_max_num_queries):
    curriculum = Curriculum.objects.get(
        regulation=regulation(RegulationCode.SOSFS_2015_8), specialty__slug="allmanmedicin", kind=CurriculumKind.ST
    )
    client.force_login(outsider)

    with django_assert_max_num_queries(6):
        response = client.get(reverse("curriculum-detail", args=[curriculum.pk]))

    content = response.content.decode()
    assert [goal.code for goal in response.context["curriculum"].goals.all()][:2] == ["a1", "a2"]
    assert 'id="c14"' in content
    assert 'id="b5"' in content


def test_curriculum_page_404_for_unknown(client, outsider):
    client.force_login(outsider)

    assert client.get(reverse("curriculum-detail", args=[99999])).status_code == 404


def test_curriculum_list_shows_the_three_loaded(client, outsider):
    client.force_login(outsider)

    response = client.get(reverse("curriculum-list"))

    assert sorted(c.title for c in response.context["curricula"]) == [
        "Allmänmedicin (HSLF-FS 2021:8)",
        "Allmänmedicin (SOSFS 2015:8)",
        "Bastjänstgöring (HSLF-FS 2021:8)",
    ]


def test_trainee_under_2021_links_bt_curriculum(client, unit):
    trainee = TraineeFactory(unit=unit, regulation=regulation(RegulationCode.HSLF_FS_2021_8), bt_mode="integrated")
    client.force_login(trainee.user)

    response = client.get(trainee_url(trainee))

    assert response.context["bt_curriculum"].goal_count == 18
    assert response.context["curriculum"].goal_count == 26
    assert "BT-läkare" in response.content.decode()


def test_trainee_without_unit_role_sees_only_own_unit_in_list(client, trainee):
    UnitFactory(name="Annan enhet")
    client.force_login(trainee.user)

    response = client.get(reverse("trainee-list"))

    assert list(response.context["filter"].form.fields["unit"].queryset) == [trainee.unit]


def test_trainee_page_names_the_study_director_once(client, trainee, unit_head):
    client.force_login(trainee.main_supervisor)

    content = client.get(trainee_url(trainee)).content.decode()

    assert content.count("Karin Lindqvist") == 1
    assert content.count("Anna Berg") == 1
