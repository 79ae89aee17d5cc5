"""Who may write an ST-utbildningskontrakt and who decides a tillstyrkan.

Reading a contract follows the trainee (portfolio.view_trainee): the ST-läkare, the
huvudhandledare, the second specialist, the studierektor, the unit's chef and the
region's administrators. Signing is not a permission: only the person named on a
signature row signs that row, which contracts/agreements.py checks on the row itself.

A tillstyrkan belongs to a unit: its studierektorer and chefer and the region's
administrators read it; only a studierektor of the unit writes and decides it.
"""

import rules

from accounts.rules import (
    is_national_administrator,
    is_region_administrator,
    is_study_director_of_unit,
    is_unit_head_of_unit,
)
from portfolio.rules import is_study_director_of_trainee, is_unit_head_of_trainee_unit, may_change


@rules.predicate
def administers_unit_region(user, unit):
    return unit is not None and is_region_administrator(user, unit.region)


# Contracts: the object is the Trainee.
can_manage_contract = may_change & (is_study_director_of_trainee | is_unit_head_of_trainee_unit)
can_record_paper_signature = may_change & is_study_director_of_trainee

# Tillstyrkan: the object is the Unit.
can_view_endorsements = rules.is_authenticated & (
    is_study_director_of_unit | is_unit_head_of_unit | administers_unit_region | is_national_administrator
)
can_manage_endorsement = rules.is_authenticated & is_study_director_of_unit

rules.add_perm("contracts.manage_contract", can_manage_contract)
rules.add_perm("contracts.record_paper_signature", can_record_paper_signature)
rules.add_perm("contracts.view_endorsements", can_view_endorsements)
rules.add_perm("contracts.manage_endorsement", can_manage_endorsement)
