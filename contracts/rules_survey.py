"""Who may create a unit's survey and who may read its results (the object is the Unit).

Answering is not a permission: it is having an invitation (contracts.survey.invitation_for).
"""

import rules

from accounts.domain import is_national_administrator
from accounts.enums import Role
from accounts.rules import is_study_director_of_unit, is_unit_head_of_unit


@rules.predicate
def administers_unit(user, unit):
    """An administrator of the unit's region, or of every region."""
    if unit is None:
        return False
    if is_national_administrator(user):
        return True
    return user.memberships.filter(role=Role.ADMINISTRATOR, region_id=unit.region_id).exists()


can_create_survey = rules.is_authenticated & is_study_director_of_unit
can_view_survey_results = rules.is_authenticated & (is_study_director_of_unit | is_unit_head_of_unit | administers_unit)

rules.add_perm("contracts.create_survey", can_create_survey)
rules.add_perm("contracts.view_survey_results", can_view_survey_results)
