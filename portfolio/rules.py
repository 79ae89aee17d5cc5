"""Permission predicates on a trainee's records, tested table-style in tests/portfolio/test_rules.py.

`can_view_trainee` must agree with `Trainee.objects.visible_to` (a test checks both
for every persona): the predicate answers for one object, the queryset for lists.
"""

import rules

from accounts.enums import Role
from accounts.rules import is_national_administrator


@rules.predicate
def is_trainee_owner(user, trainee):
    return trainee is not None and trainee.user_id == user.pk


@rules.predicate
def is_main_supervisor(user, trainee):
    return trainee is not None and trainee.main_supervisor_id == user.pk


@rules.predicate
def is_second_specialist(user, trainee):
    return trainee is not None and trainee.second_specialist_id == user.pk


@rules.predicate
def is_named_study_director(user, trainee):
    return trainee is not None and trainee.study_director_id == user.pk


@rules.predicate
def is_study_director_of_trainee_unit(user, trainee):
    return trainee is not None and user.memberships.filter(role=Role.STUDY_DIRECTOR, unit=trainee.unit_id).exists()


@rules.predicate
def is_unit_head_of_trainee_unit(user, trainee):
    return trainee is not None and user.memberships.filter(role=Role.UNIT_HEAD, unit=trainee.unit_id).exists()


@rules.predicate
def is_region_administrator_of_trainee(user, trainee):
    return (
        trainee is not None and user.memberships.filter(role=Role.ADMINISTRATOR, region__units=trainee.unit_id).exists()
    )


@rules.predicate
def is_active_trainee(user, trainee):
    """Not archived. An archived portfolio is read-only for everyone: every permission to
    change a trainee's records requires this, so the views refuse (403) and hide their
    buttons exactly as they do for a reader, and nothing else needs to know about archiving."""
    return trainee is not None and trainee.archived_at is None


is_study_director_of_trainee = is_named_study_director | is_study_director_of_trainee_unit

can_view_trainee = rules.is_authenticated & (
    is_trainee_owner
    | is_main_supervisor
    | is_second_specialist
    | is_study_director_of_trainee
    | is_unit_head_of_trainee_unit
    | is_region_administrator_of_trainee
    | is_national_administrator
)

rules.add_perm("portfolio.view_trainee", can_view_trainee)

# What each role may change on a visible trainee. A visible trainee whose records the
# user may only read gets 403 on these actions; an invisible one is 404 before that.
# `may_change` is the start of each: signed in, and the trainee not archived.
may_change = rules.is_authenticated & is_active_trainee
can_change_own_records = may_change & is_trainee_owner
can_log_supervision = may_change & (is_trainee_owner | is_main_supervisor)
can_edit_plan = may_change & (is_trainee_owner | is_main_supervisor)
can_decide_plan = may_change & is_study_director_of_trainee
can_record_annual_visit = may_change & is_study_director_of_trainee

rules.add_perm("portfolio.change_own_records", can_change_own_records)
rules.add_perm("portfolio.log_supervision", can_log_supervision)
rules.add_perm("portfolio.edit_plan", can_edit_plan)
rules.add_perm("portfolio.decide_plan", can_decide_plan)
rules.add_perm("portfolio.record_annual_visit", can_record_annual_visit)
# The whole portfolio as a file: the trainee's own copy, or the studierektor's when the
# trainee moves to another region.
rules.add_perm("portfolio.export_portfolio", rules.is_authenticated & (is_trainee_owner | is_study_director_of_trainee))
# The personal copy (ZIP with the JSON, the intyg as PDF and the uploaded files): the GDPR
# right of access of the data subject, so the trainee only. Not `may_change`: an archived
# trainee keeps the right until the portfolio is deleted.
rules.add_perm("portfolio.download_personal_copy", rules.is_authenticated & is_trainee_owner)
# The audit trail (Händelselogg): for the trainee's studierektor and the administrators, who
# answer for the training; not for the handledare, whose own steps it records.
rules.add_perm(
    "portfolio.view_audit",
    rules.is_authenticated
    & (is_study_director_of_trainee | is_region_administrator_of_trainee | is_national_administrator),
)
# Marking the application pack final: the applicant, or the studierektor who reviewed the ST.
rules.add_perm("portfolio.finalise_application", may_change & (is_trainee_owner | is_study_director_of_trainee))
# Archiving (and restoring) a trainee who finished or left: the studierektor of the trainee's
# unit, who follows the unit's trainees on the overview, and the region's administrators.
# Not a named studierektor of another unit: archiving takes the trainee off the unit's lists.
can_archive_trainee = rules.is_authenticated & (
    is_study_director_of_trainee_unit | is_region_administrator_of_trainee | is_national_administrator
)
rules.add_perm("portfolio.archive_trainee", can_archive_trainee)


@rules.predicate
def may_read_supervision_notes(user, meeting):
    """Notes of a handledning are for the ST-läkare and the handledare only."""
    if meeting is None:
        return False
    return user.pk in {meeting.trainee.user_id, meeting.supervisor_id, meeting.trainee.main_supervisor_id}


rules.add_perm("portfolio.view_supervision_notes", rules.is_authenticated & may_read_supervision_notes)
