"""Hostile input to every form a user posts: no server error, a Swedish refusal, nothing half-saved.

Each test reads the form from its page as the person who may use it, then lets hypothesis
replace, drop or multiply its fields with hostile values (NUL bytes, 5,000 characters,
markup, SQL, control and direction characters, 400-digit and non-finite numbers,
impossible dates, other people's ids, lists where one value is expected). Every post must
answer below 500; a refusal re-renders the page in Swedish with an error and leaves the
database as it was; an acceptance creates exactly the expected row.
"""

from datetime import date

import pytest
from django.urls import reverse
from hypothesis import given

from assessments.enums import SignedStatus
from assessments.models import ActionPlan, ActionPlanFollowUp, Assessment, AssessmentRequest, SupervisorStatement
from assessments.requesting import make_token
from portfolio.models import AnnualReport, AnnualVisit, Course, Leave, OtherActivity, ServicePeriod, SupervisionMeeting
from tests.assessments.factories import (
    ActionPlanFactory,
    AssessmentRequestFactory,
    SupervisorStatementFactory,
)
from tests.hostile.conftest import HOSTILE
from tests.hostile.harness import Outcome, browser_body, error_texts, form_fields, hostile_post, post_hostile
from tests.portfolio.factories_activities import (
    AnnualReportFactory,
    AnnualVisitFactory,
    CourseFactory,
    OtherActivityFactory,
)
from tests.portfolio.factories_service import LeaveFactory, ServicePeriodFactory, SupervisionMeetingFactory

pytestmark = pytest.mark.django_db


def run(client, user, url, *, models, watched=(), created=0, valid=None, keep=(), foreign_ids=(), page=None):
    """A hypothesis-driven test body: read the form, then post hostile variants of it."""
    if user is not None:
        client.force_login(user)
    fields = form_fields(client, url, page)
    fields.update(valid or {})
    outcome = Outcome()

    @HOSTILE
    @given(data=hostile_post(fields, foreign_ids, keep))
    def check(data):
        post_hostile(client, url, data, models=models, watched=watched, created=created, outcome=outcome)

    check()
    # The valid form itself is accepted: the hostile runs were not all refused for another reason.
    if valid is not None:
        response = post_hostile(client, url, browser_body(fields), models=models, watched=watched, created=created)
        assert response.status_code == 302, error_texts(response.content.decode())
    assert outcome.tried >= 20
    print(f"{url}: {outcome}")
    return outcome


VALID_PERIOD = {
    "kind": "main",
    "workplace": "Björkdalens hälsocentral",
    "start": "2024-01-01",
    "end": "2024-06-30",
    "percent": "100",
}


def test_service_period_create(client, trainee, foreign):
    url = reverse("service-create", args=[trainee.pk])
    run(client, trainee.user, url, models=[ServicePeriod, Leave], created=1, valid=VALID_PERIOD, foreign_ids=foreign)


def test_service_period_edit(client, trainee, foreign):
    period = ServicePeriodFactory(trainee=trainee, start=date(2024, 1, 1), end=date(2024, 6, 30))
    url = reverse("service-update", args=[trainee.pk, period.pk])
    run(client, trainee.user, url, models=[ServicePeriod], watched=[period], foreign_ids=foreign)


def test_leave_create(client, trainee, foreign):
    url = reverse("leave-create", args=[trainee.pk])
    valid = {"kind": "semester", "start": "2024-02-01", "end": "2024-02-10", "percent": "100"}
    run(client, trainee.user, url, models=[Leave], created=1, valid=valid, foreign_ids=foreign)


def test_leave_edit(client, trainee, foreign):
    leave = LeaveFactory(trainee=trainee)
    url = reverse("leave-update", args=[trainee.pk, leave.pk])
    run(client, trainee.user, url, models=[Leave], watched=[leave], foreign_ids=foreign)


def test_supervision_create(client, trainee, supervisor, foreign):
    url = reverse("supervision-create", args=[trainee.pk])
    valid = {"date": "2024-03-01", "minutes": "60", "kind": "talk", "supervisor": str(supervisor.pk)}
    run(client, trainee.user, url, models=[SupervisionMeeting], created=1, valid=valid, foreign_ids=foreign)


def test_supervision_edit(client, trainee, supervisor, foreign):
    meeting = SupervisionMeetingFactory(trainee=trainee, supervisor=supervisor)
    url = reverse("supervision-update", args=[trainee.pk, meeting.pk])
    run(client, supervisor, url, models=[SupervisionMeeting], watched=[meeting], foreign_ids=foreign)


# --------------------------------------------------------------------------- kurser, aktiviteter, årsrapport


def test_course_create(client, trainee, foreign):
    url = reverse("course-create", args=[trainee.pk])
    valid = {"title": "Konsultationskurs", "provider": "Regionen", "start": "2024-03-04", "end": "2024-03-06"}
    run(client, trainee.user, url, models=[Course], created=1, valid=valid, foreign_ids=foreign)


def test_course_edit(client, trainee, foreign):
    course = CourseFactory(trainee=trainee)
    url = reverse("course-update", args=[trainee.pk, course.pk])
    run(client, trainee.user, url, models=[Course], watched=[course], foreign_ids=foreign)


def test_other_activity_create(client, trainee, foreign):
    url = reverse("activity-create", args=[trainee.pk])
    valid = {"kind": "quality_work", "title": "Förbättringsarbete", "start": "2024-09-01", "end": "2025-02-28"}
    run(client, trainee.user, url, models=[OtherActivity], created=1, valid=valid, foreign_ids=foreign)


def test_other_activity_edit(client, trainee, foreign):
    activity = OtherActivityFactory(trainee=trainee)
    url = reverse("activity-update", args=[trainee.pk, activity.pk])
    run(client, trainee.user, url, models=[OtherActivity], watched=[activity], foreign_ids=foreign)


def test_annual_report_create(client, trainee, foreign):
    url = reverse("report-create", args=[trainee.pk])
    valid = {"year": "2024", "done": "Huvudtjänstgöring.", "went_well": "Mötet.", "to_develop": "Prioritering."}
    run(client, trainee.user, url, models=[AnnualReport], created=1, valid=valid, foreign_ids=foreign)


def test_annual_report_edit(client, trainee, foreign):
    report = AnnualReportFactory(trainee=trainee, year=2024)
    url = reverse("report-update", args=[trainee.pk, report.pk])
    run(client, trainee.user, url, models=[AnnualReport], watched=[report], foreign_ids=foreign)


def test_annual_visit_create(client, trainee, study_director, foreign):
    url = reverse("visit-create", args=[trainee.pk])
    valid = {"date": "2024-10-15", "participants": "ST-läkare, studierektor", "notes": "IUP."}
    run(client, study_director, url, models=[AnnualVisit], created=1, valid=valid, foreign_ids=foreign)


def test_annual_visit_edit(client, trainee, study_director, foreign):
    visit = AnnualVisitFactory(trainee=trainee)
    url = reverse("visit-update", args=[trainee.pk, visit.pk])
    run(client, study_director, url, models=[AnnualVisit], watched=[visit], foreign_ids=foreign)


# --------------------------------------------------------------------------- kompetensvärdering and utlåtanden


def test_assessment_request_create(client, trainee, foreign):
    url = reverse("request-create", args=[trainee.pk])
    valid = {
        "kind": "mini_cex",
        "assessor_name": "Greta Kollega",
        "assessor_email": "greta@example.se",
        "assessor_role": "specialist",
        "message": "Konsultationen i förmiddags.",
    }
    run(client, trainee.user, url, models=[AssessmentRequest, Assessment], created=1, valid=valid, foreign_ids=foreign)


def test_assessment_create_by_the_supervisor(client, trainee, supervisor, foreign):
    url = reverse("assessment-create", args=[trainee.pk]) + "?kind=mini_cex"
    run(client, supervisor, url, models=[Assessment], created=1, foreign_ids=foreign)


def test_external_assessor_link_without_login(client, trainee, foreign):
    """The token page of a request: no account, the only protection is the form itself."""
    req = AssessmentRequestFactory(trainee=trainee)
    url = reverse("assessor-form", args=[make_token(req)])
    run(client, None, url, models=[Assessment], created=1, watched=[req], foreign_ids=foreign)


def test_supervisor_statement_create(client, trainee, supervisor, foreign):
    url = reverse("statement-create", args=[trainee.pk])
    run(client, supervisor, url, models=[SupervisorStatement], created=1, foreign_ids=foreign)


def test_supervisor_statement_edit(client, trainee, supervisor, foreign):
    statement = SupervisorStatementFactory(trainee=trainee, status=SignedStatus.DRAFT, signed_at=None)
    url = reverse("statement-update", args=[trainee.pk, statement.pk])
    run(client, supervisor, url, models=[SupervisorStatement], watched=[statement], foreign_ids=foreign)


def test_supervisor_statement_sign(client, trainee, supervisor, foreign):
    statement = SupervisorStatementFactory(trainee=trainee, status=SignedStatus.DRAFT, signed_at=None)
    url = reverse("statement-sign", args=[trainee.pk, statement.pk])
    run(client, supervisor, url, models=[SupervisorStatement], watched=[statement], valid={"confirm": "on"})


def test_action_plan_create(client, trainee, study_director, foreign):
    url = reverse("action-plan-create", args=[trainee.pk])
    run(client, study_director, url, models=[ActionPlan], created=1, foreign_ids=foreign)


def test_action_plan_edit_follow_up_and_close(client, trainee, study_director, foreign):
    plan = ActionPlanFactory(trainee=trainee, created_by=study_director)
    edit = reverse("action-plan-update", args=[trainee.pk, plan.pk])
    run(client, study_director, edit, models=[ActionPlan], watched=[plan], foreign_ids=foreign)
    detail = reverse("action-plan-detail", args=[trainee.pk, plan.pk])
    follow_up = reverse("action-plan-follow-up", args=[trainee.pk, plan.pk])
    run(client, study_director, follow_up, models=[ActionPlanFollowUp], created=1, page=detail, watched=[plan])
    close = reverse("action-plan-close", args=[trainee.pk, plan.pk])
    run(client, study_director, close, models=[ActionPlan], watched=[plan])
