"""Who may see and change a unit's register, criteria, dispenser, approvals and unit åtgärdsplaner.

The object of every permission is a Unit. A unit page is for the unit's studierektor and
chef, the region's administrators and national administrators; everyone else gets a 404
(contracts/views/units.py). The studierektor judges (attestation, dispens, approval); the
chef writes the unit åtgärdsplan; both keep the register and both sign the plan.

A person's roles are read once per request and kept on the user object, so a page that
asks several questions about several units makes one query for them.
"""

import rules

from accounts.domain import is_national_administrator
from accounts.enums import Role


def _unit_roles(user):
    """{unit_id: {role, …}} of the user's unit memberships, and the regions they administer."""
    cached = getattr(user, "_contracts_unit_roles", None)
    if cached is None:
        roles, regions = {}, set()
        for role, unit_id, region_id in user.memberships.values_list("role", "unit_id", "region_id"):
            if role == Role.ADMINISTRATOR:
                regions.add(region_id)
            else:
                roles.setdefault(unit_id, set()).add(role)
        cached = user._contracts_unit_roles = (roles, regions)
    return cached


def roles_at(user, unit) -> set:
    if unit is None or not user.is_authenticated:
        return set()
    return _unit_roles(user)[0].get(unit.pk, set())


@rules.predicate
def is_unit_study_director(user, unit):
    return Role.STUDY_DIRECTOR in roles_at(user, unit)


@rules.predicate
def is_unit_head(user, unit):
    return Role.UNIT_HEAD in roles_at(user, unit)


@rules.predicate
def administers_unit_region(user, unit):
    if unit is None or not user.is_authenticated:
        return False
    return is_national_administrator(user) or unit.region_id in _unit_roles(user)[1]


can_view_unit = rules.is_authenticated & (is_unit_study_director | is_unit_head | administers_unit_region)
leads_unit = rules.is_authenticated & (is_unit_study_director | is_unit_head)
judges_unit = rules.is_authenticated & is_unit_study_director
heads_unit = rules.is_authenticated & is_unit_head

VIEW = "contracts.view_unit_register"
EDIT_REGISTER = "contracts.edit_unit_register"
ATTEST = "contracts.attest_unit_criterion"
GRANT_DISPENSATION = "contracts.grant_unit_dispensation"
DECIDE_APPROVAL = "contracts.decide_unit_approval"
WRITE_PLAN = "contracts.write_unit_action_plan"
SIGN_PLAN = "contracts.sign_unit_action_plan"
FOLLOW_UP_PLAN = "contracts.follow_up_unit_action_plan"

rules.add_perm(VIEW, can_view_unit)
rules.add_perm(EDIT_REGISTER, leads_unit)
rules.add_perm(ATTEST, judges_unit)
rules.add_perm(GRANT_DISPENSATION, judges_unit)
rules.add_perm(DECIDE_APPROVAL, judges_unit)
rules.add_perm(WRITE_PLAN, heads_unit)
rules.add_perm(SIGN_PLAN, leads_unit)
rules.add_perm(FOLLOW_UP_PLAN, leads_unit)
