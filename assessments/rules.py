"""Permission predicates for assessments, tested table-style in tests/assessments/test_rules.py.

Seeing a trainee (portfolio.view_trainee) lets a user read the trainee's assessments,
statements, Mitt-i-ST and åtgärdsplaner. The predicates here say who may write them.
"""

import rules

from accounts.enums import Role
from portfolio.rules import (
    is_main_supervisor,
    is_second_specialist,
    is_study_director_of_trainee,
    is_trainee_owner,
    may_change,
)


@rules.predicate
def leads_unit(user, unit):
    """Studierektor or chef of the unit: they run its specialistkollegium."""
    if unit is None:
        return False
    return user.memberships.filter(role__in=[Role.STUDY_DIRECTOR, Role.UNIT_HEAD], unit=unit).exists()


# A kompetensvärdering written in the app by a specialist who follows the trainee;
# anyone else assesses from a request link.
can_assess = may_change & (is_main_supervisor | is_second_specialist | is_study_director_of_trainee)
can_request_assessment = may_change & is_trainee_owner
can_reflect = may_change & is_trainee_owner
can_write_statement = may_change & is_main_supervisor
can_manage_midterm = may_change & (is_trainee_owner | is_main_supervisor | is_study_director_of_trainee)
can_manage_action_plan = may_change & (is_main_supervisor | is_study_director_of_trainee)
can_manage_panel = rules.is_authenticated & leads_unit

rules.add_perm("assessments.assess", can_assess)
rules.add_perm("assessments.request_assessment", can_request_assessment)
rules.add_perm("assessments.reflect", can_reflect)
rules.add_perm("assessments.write_statement", can_write_statement)
rules.add_perm("assessments.manage_midterm", can_manage_midterm)
rules.add_perm("assessments.manage_action_plan", can_manage_action_plan)
rules.add_perm("assessments.manage_panel", can_manage_panel)
