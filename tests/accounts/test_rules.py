import pytest

pytestmark = pytest.mark.django_db

# persona → may they change the policy of `region` (the region of unit A)?
CHANGE_POLICY = [
    ("region_admin", True),
    ("national_admin", True),
    ("other_region_admin", False),
    ("study_director", False),
    ("unit_head", False),
    ("supervisor", False),
    ("trainee_user", False),
    ("outsider", False),
]


@pytest.fixture
def personas(trainee, unit_head, region_admin, other_region_admin, national_admin, outsider):
    return {
        "region_admin": region_admin,
        "national_admin": national_admin,
        "other_region_admin": other_region_admin,
        "study_director": trainee.study_director,
        "unit_head": unit_head,
        "supervisor": trainee.main_supervisor,
        "trainee_user": trainee.user,
        "outsider": outsider,
    }


@pytest.mark.parametrize(("persona", "expected"), CHANGE_POLICY)
def test_change_region_policy_permission(personas, region, persona, expected):
    assert personas[persona].has_perm("accounts.change_regionpolicy", region) is expected


@pytest.mark.parametrize(
    ("persona", "predicate", "expected"),
    [
        ("study_director", "is_study_director_of_unit", True),
        ("unit_head", "is_study_director_of_unit", False),
        ("unit_head", "is_unit_head_of_unit", True),
        ("study_director", "is_unit_head_of_unit", False),
        ("supervisor", "is_unit_head_of_unit", False),
        ("outsider", "is_study_director_of_unit", False),
    ],
)
def test_unit_predicates(personas, unit, persona, predicate, expected):
    from accounts import rules as account_rules

    assert getattr(account_rules, predicate).test(personas[persona], unit) is expected


def test_unit_predicates_do_not_cross_units(study_director, other_unit):
    from accounts.rules import is_study_director_of_unit

    assert is_study_director_of_unit.test(study_director, other_unit) is False
