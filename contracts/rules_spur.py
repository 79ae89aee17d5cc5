"""Who may see and change a unit's SPUR inspections, handlingsplan and evidence pack.

The object of every permission is a Unit, except contracts.view_spur_region (a Region).

- view: the unit's studierektor and chef, the region's administrators, a national administrator;
- record an inspection and adjust a grade: the studierektor or an administrator (they hold the
  report from Lipus);
- keep the handlingsplan: also the chef, since the verksamhetschef answers for the measures.

One query answers every question about one unit: the user's memberships that matter there,
remembered on the user object for the rest of the request.
"""

import rules
from django.db.models import Q

from accounts.enums import Role
from accounts.rules import can_administer_region

ADMIN = "admin"


def roles_at(user, unit) -> frozenset:
    """The roles that count for SPUR: STUDY_DIRECTOR, UNIT_HEAD, and ADMIN for an administrator
    of the unit's region or of every region (or a superuser)."""
    if unit is None or not user.is_authenticated:
        return frozenset()
    known = user.__dict__.setdefault("_spur_roles", {})
    if unit.pk not in known:
        memberships = user.memberships.filter(
            Q(unit=unit, role__in=[Role.STUDY_DIRECTOR, Role.UNIT_HEAD])
            | Q(role=Role.ADMINISTRATOR, region=unit.region_id)
            | Q(role=Role.ADMINISTRATOR, region__isnull=True)
        )
        roles = {ADMIN if role == Role.ADMINISTRATOR else role for role in memberships.values_list("role", flat=True)}
        if user.is_superuser:
            roles.add(ADMIN)
        known[unit.pk] = frozenset(roles)
    return known[unit.pk]


@rules.predicate
def leads_unit_as_study_director(user, unit):
    return Role.STUDY_DIRECTOR in roles_at(user, unit)


@rules.predicate
def heads_unit(user, unit):
    return Role.UNIT_HEAD in roles_at(user, unit)


@rules.predicate
def administers_unit(user, unit):
    return ADMIN in roles_at(user, unit)


can_view_spur = rules.is_authenticated & (leads_unit_as_study_director | heads_unit | administers_unit)
can_record_inspection = rules.is_authenticated & (leads_unit_as_study_director | administers_unit)
can_keep_handlingsplan = rules.is_authenticated & (leads_unit_as_study_director | heads_unit | administers_unit)

rules.add_perm("contracts.view_spur", can_view_spur)
rules.add_perm("contracts.record_inspection", can_record_inspection)
rules.add_perm("contracts.keep_handlingsplan", can_keep_handlingsplan)
rules.add_perm("contracts.view_spur_region", can_administer_region)
