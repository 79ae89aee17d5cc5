"""`visible_to_many` (the overview's union of indexed lookups) gives exactly the trainees of
`visible_to` (the rule every page checks), for every demo account and for people whose
roles cross: several roles at once, a role that was taken away, another region."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection

from accounts.enums import Role
from accounts.models import Membership, User
from portfolio.models import Trainee
from tests.factories import MembershipFactory, RegionFactory, TraineeFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def both(user):
    old = set(Trainee.objects.visible_to(user).values_list("pk", flat=True))
    new = list(Trainee.objects.visible_to_many(user).values_list("pk", flat=True))
    assert len(new) == len(set(new)), "a trainee listed twice"
    # The overview's unit choices come from the same rule: the units of exactly those trainees.
    units = list(Trainee.objects.units_visible_to_many(user).values_list("pk", flat=True))
    assert len(units) == len(set(units)), "a unit listed twice"
    assert set(units) == set(Trainee.objects.filter(pk__in=old).values_list("unit", flat=True)), user.username
    return old, set(new)


def test_every_demo_account_sees_the_same_trainees(settings):
    settings.DEBUG = True
    call_command("seed_demo", quiet=True)
    users = list(User.objects.all())
    seen_by_someone_not_everyone = 0
    for user in users:
        old, new = both(user)
        assert new == old, user.username
        if 0 < len(old) < Trainee.objects.count():
            seen_by_someone_not_everyone += 1
    # The demo has people who see some trainees but not all, or the check proves little.
    assert seen_by_someone_not_everyone >= 5


def test_the_same_trainees_for_the_personas(
    trainee, other_trainee, unit_head, other_study_director, region_admin, other_region_admin, national_admin, outsider
):
    people = [
        trainee.user,
        trainee.main_supervisor,
        trainee.second_specialist,
        trainee.study_director,
        unit_head,
        other_study_director,
        region_admin,
        other_region_admin,
        national_admin,
        outsider,
        other_trainee.user,
        other_trainee.main_supervisor,
    ]
    for user in people:
        old, new = both(user)
        assert new == old, user.username
    assert both(region_admin)[1] >= {trainee.pk, other_trainee.pk}
    assert both(outsider)[1] == set()
    assert list(Trainee.objects.visible_to_many(AnonymousUser())) == []
    assert list(Trainee.objects.units_visible_to_many(AnonymousUser())) == []


def test_a_person_with_several_roles_sees_each_trainee_once():
    home, elsewhere = UnitFactory(), UnitFactory()
    person = UserFactory()
    # Huvudhandledare of one trainee, second specialist of another in another region,
    # studierektor and chef of her own unit, and administrator of a third region.
    supervised = TraineeFactory(unit=home, main_supervisor=person)
    followed = TraineeFactory(unit=elsewhere, second_specialist=person)
    named = TraineeFactory(study_director=person)
    colleague = TraineeFactory(unit=home)
    MembershipFactory(user=person, unit=home, role=Role.STUDY_DIRECTOR)
    MembershipFactory(user=person, unit=home, role=Role.UNIT_HEAD)
    MembershipFactory(user=person, unit=home, role=Role.SUPERVISOR)
    third_region = RegionFactory()
    administered = TraineeFactory(unit=UnitFactory(region=third_region))
    Membership.objects.create(user=person, role=Role.ADMINISTRATOR, region=third_region)
    unseen = TraineeFactory()

    old, new = both(person)

    assert new == old == {supervised.pk, followed.pk, named.pk, colleague.pk, administered.pk}
    assert unseen.pk not in new


def test_a_role_taken_away_no_longer_shows_the_unit():
    unit = UnitFactory()
    director = UserFactory()
    membership = MembershipFactory(user=director, unit=unit, role=Role.STUDY_DIRECTOR)
    trainee = TraineeFactory(unit=unit)
    assert both(director) == ({trainee.pk}, {trainee.pk})

    membership.delete()

    assert both(director) == (set(), set())


def test_a_supervisor_membership_shows_no_colleagues_and_another_region_shows_nothing():
    unit = UnitFactory()
    supervisor = UserFactory()
    MembershipFactory(user=supervisor, unit=unit, role=Role.SUPERVISOR)
    TraineeFactory(unit=unit)
    admin = UserFactory()
    Membership.objects.create(user=admin, role=Role.ADMINISTRATOR, region=RegionFactory())
    TraineeFactory(unit=unit)

    assert both(supervisor) == (set(), set())
    assert both(admin) == (set(), set())


def test_it_narrows_a_queryset_like_visible_to(trainee, other_trainee, region_admin):
    narrowed = Trainee.objects.filter(pk=other_trainee.pk).visible_to_many(region_admin)
    assert list(narrowed) == [other_trainee]
    assert Trainee.objects.filter(pk=other_trainee.pk).visible_to_many(trainee.user).exists() is False


def test_postgresql_reads_the_union_as_an_array_and_other_databases_as_a_subquery(trainee, study_director):
    sql = str(Trainee.objects.visible_to_many(study_director).query)
    if connection.vendor == "postgresql":
        assert '"portfolio_trainee"."id" = ANY(ARRAY(SELECT id FROM portfolio_trainee WHERE user_id' in sql
    else:
        assert '"portfolio_trainee"."id" IN (SELECT id FROM portfolio_trainee WHERE user_id' in sql
    # The same rows either way, and a trainee outside the rule stays out.
    outsider = TraineeFactory()
    assert set(Trainee.objects.visible_to_many(study_director)) == {trainee}
    assert outsider not in Trainee.objects.visible_to_many(study_director)
