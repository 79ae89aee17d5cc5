"""Permission predicates on organisation objects (regions, units)."""

import rules

from accounts import domain
from accounts.enums import Role

is_national_administrator = rules.predicate(domain.is_national_administrator, name="is_national_administrator")


@rules.predicate
def is_region_administrator(user, region):
    if region is None:
        return False
    return user.memberships.filter(role=Role.ADMINISTRATOR, region=region).exists()


@rules.predicate
def is_study_director_of_unit(user, unit):
    return unit is not None and user.memberships.filter(role=Role.STUDY_DIRECTOR, unit=unit).exists()


@rules.predicate
def is_unit_head_of_unit(user, unit):
    return unit is not None and user.memberships.filter(role=Role.UNIT_HEAD, unit=unit).exists()


can_administer_region = rules.is_authenticated & (is_national_administrator | is_region_administrator)

rules.add_perm("accounts.change_regionpolicy", can_administer_region)
rules.add_perm("accounts.view_region", can_administer_region)
