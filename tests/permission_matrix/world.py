"""One trainee's world, with a record behind every URL, and a second unit beside it.

The trainee (Sara Öberg) trains at Björkdalens hälsocentral with a huvudhandledare, a second
specialist, a studierektor and a chef. Forsnäs hälsocentral, in the same region, has its own
ST-läkare, handledare and studierektor: the people who must not see Sara's records. The region's
administrator sees both units. Every object the URLs need belongs to Sara's side.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.domain import policy_for
from accounts.enums import Role
from accounts.preferences import issue_feed
from assessments.enums import SignedStatus
from assessments.requesting import make_token
from contracts import agreements
from contracts import survey as survey_domain
from contracts.enums import CriterionOutcome, CriterionRule, SpurArea
from contracts.models import CriterionState, HiringEndorsement, Survey
from portfolio.enums import CertificateForm, CurriculumKind
from portfolio.intyg import workflow
from portfolio.models import Curriculum
from tests.assessments.factories import (
    ActionPlanFactory,
    AssessmentFactory,
    AssessmentRequestFactory,
    MidTermEvaluationFactory,
    PanelReviewFactory,
    SpecialistPanelFactory,
    SupervisorStatementFactory,
)
from tests.contracts.factories_spur import ImprovementItemFactory, InspectionFactory, grade_all
from tests.contracts.factories_units import (
    ApprovalFactory,
    AttestationFactory,
    CriteriaSetFactory,
    CriterionFactory,
    DispensationFactory,
    HandledareStaffFactory,
    UnitActionPlanFactory,
    UnitProfileFactory,
)
from tests.factories import MembershipFactory, RegionFactory, TraineeFactory, UnitFactory, UserFactory
from tests.portfolio.factories_activities import (
    PDF_BYTES,
    AnnualReportFactory,
    AnnualVisitFactory,
    CourseFactory,
    OtherActivityFactory,
)
from tests.portfolio.factories_plans import TrainingPlanFactory
from tests.portfolio.factories_service import LeaveFactory, ServicePeriodFactory, SupervisionMeetingFactory


@dataclass
class World:
    """The people (by role name; None for the anonymous ones) and the records the URLs name."""

    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.objects[name]
        except KeyError:
            raise AttributeError(name) from None


def _member(username, name, unit, role, **fields):
    user = UserFactory(username=username, name=name, **fields)
    MembershipFactory(user=user, unit=unit, role=role)
    return user


def build_world() -> World:
    """Create the world in the database (the caller rolls it back) and return it."""
    world = World()
    o = world.objects
    region = o["region"] = RegionFactory(name="Region Norrmark", code="norrmark")
    unit = o["unit"] = UnitFactory(name="Björkdalens hälsocentral", region=region)
    other_unit = o["other_unit"] = UnitFactory(name="Forsnäs hälsocentral", region=region)

    supervisor = _member("handledare", "Erik Holmström", unit, Role.SUPERVISOR, supervisor_training_year=2018)
    second_specialist = _member("specialist", "Ingrid Lundin", unit, Role.SPECIALIST)
    study_director = _member("studierektor", "Karin Lindqvist", unit, Role.STUDY_DIRECTOR)
    unit_head = _member("chef", "Anna Berg", unit, Role.UNIT_HEAD)
    trainee = o["trainee"] = TraineeFactory(
        user=UserFactory(username="st", name="Sara Öberg"),
        unit=unit,
        main_supervisor=supervisor,
        second_specialist=second_specialist,
        study_director=study_director,
    )
    other_supervisor = _member("handledare2", "Johan Lind", other_unit, Role.SUPERVISOR)
    other_study_director = _member("studierektor2", "Per Nilsson", other_unit, Role.STUDY_DIRECTOR)
    other_trainee = o["other_trainee"] = TraineeFactory(
        user=UserFactory(username="st2", name="Lukas Andersson"), unit=other_unit, main_supervisor=other_supervisor
    )
    region_admin = UserFactory(username="admin-region", name="Regionens administratör")
    MembershipFactory(user=region_admin, role=Role.ADMINISTRATOR, unit=None, region=region)
    superuser = UserFactory(username="root", name="Driftens superanvändare", is_staff=True, is_superuser=True)

    world.users = {
        "anonymous": None,
        "assessor": None,
        "trainee": trainee.user,
        "other_trainee": other_trainee.user,
        "supervisor": supervisor,
        "other_supervisor": other_supervisor,
        "study_director": study_director,
        "other_study_director": other_study_director,
        "unit_head": unit_head,
        "region_admin": region_admin,
        "superuser": superuser,
    }
    policy_for(region)
    _trainee_records(o, trainee, supervisor)
    _assessment_records(o, trainee, supervisor, study_director, unit_head)
    _unit_records(o, unit, trainee, supervisor, study_director, unit_head)
    _admin_only_records()
    return world


def _trainee_records(o, trainee, supervisor):
    """Tjänstgöring, handledning, IUP, kurser, årsrapport, intyg and the trainee's private links."""
    o["service_period"] = ServicePeriodFactory(trainee=trainee, workplace="Medicinkliniken", supervisor=supervisor)
    o["leave"] = LeaveFactory(trainee=trainee)
    o["meeting"] = SupervisionMeetingFactory(trainee=trainee, notes="Samtal om prioritering.")
    o["plan"] = TrainingPlanFactory(trainee=trainee)
    course = o["course"] = CourseFactory(trainee=trainee)
    course.certificate.save("intyg.pdf", ContentFile(PDF_BYTES), save=True)
    o["activity"] = OtherActivityFactory(trainee=trainee)
    o["report"] = AnnualReportFactory(trainee=trainee, year=2025)
    o["visit"] = AnnualVisitFactory(trainee=trainee)
    # A draft for the tjänstgöring: the handledare and the chef are named to sign it.
    o["certificate"] = workflow.draft_for(
        trainee, by=trainee.user, form=CertificateForm.S15_CLINICAL, service_period=o["service_period"]
    )
    o["curriculum"] = Curriculum.objects.get(
        regulation=trainee.regulation, specialty=trainee.specialty, kind=CurriculumKind.ST
    )
    o["feed_token"] = issue_feed(trainee.user)


def _assessment_records(o, trainee, supervisor, study_director, unit_head):
    """Kompetensvärderingar (signed, and the handledare's draft), a request link, utlåtanden,
    specialistkollegium, Mitt-i-ST and an åtgärdsplan."""
    o["assessment"] = AssessmentFactory(trainee=trainee)
    o["draft_assessment"] = AssessmentFactory(trainee=trainee, status=SignedStatus.DRAFT, signed_at=None)
    request = o["assessment_request"] = AssessmentRequestFactory(trainee=trainee)
    o["assessor_token"] = make_token(request)
    o["statement"] = SupervisorStatementFactory(trainee=trainee)
    o["draft_statement"] = SupervisorStatementFactory(trainee=trainee, status=SignedStatus.DRAFT, signed_at=None)
    panel = o["panel"] = SpecialistPanelFactory(unit=trainee.unit, unit_head=unit_head, study_director=study_director)
    panel.specialists.set([supervisor])
    o["panel_review"] = PanelReviewFactory(panel=panel, trainee=trainee)
    # The other unit's handledare takes part in its own unit's panel, as Sara's does in hers.
    other_panel = SpecialistPanelFactory(unit=o["other_trainee"].unit)
    other_panel.specialists.set([o["other_trainee"].main_supervisor])
    midterm = o["midterm"] = MidTermEvaluationFactory(trainee=trainee)
    midterm.report_file.save("rapport.pdf", ContentFile(PDF_BYTES), save=True)
    o["action_plan"] = ActionPlanFactory(trainee=trainee, created_by=supervisor)


def _unit_records(o, unit, trainee, supervisor, study_director, unit_head):
    """The unit's register and criteria, decisions, SPUR, the contract, a tillstyrkan and a survey."""
    today = timezone.localdate()
    UnitProfileFactory(unit=unit)
    o["staff"] = HandledareStaffFactory(unit=unit, user=supervisor)
    criteria_set = CriteriaSetFactory(region=unit.region, specialty=unit.specialty)
    o["criterion"] = CriterionFactory(criteria_set=criteria_set, rule=CriterionRule.ATTESTED, parameter=None)
    CriterionState.objects.create(unit=unit, criterion=o["criterion"], outcome=CriterionOutcome.MET, since=today)
    AttestationFactory(criterion=o["criterion"], unit=unit, attested_by=study_director)
    DispensationFactory(criterion=CriterionFactory(criteria_set=criteria_set), unit=unit, granted_by=study_director)
    o["approval"] = ApprovalFactory(unit=unit, decided_by=study_director)
    o["unit_plan"] = UnitActionPlanFactory(unit=unit, created_by=unit_head)
    inspection = o["inspection"] = InspectionFactory(unit=unit, created_by=study_director)
    grades = grade_all(inspection, grades={SpurArea.H: "C"})
    o["grade"] = next(grade for grade in grades if grade.area == SpurArea.H)
    o["improvement"] = ImprovementItemFactory(inspection=inspection)
    o["contract"] = agreements.create_contract(trainee, by=study_director)
    o["endorsement"] = HiringEndorsement.objects.create(
        unit=unit,
        candidate_name="Mira Sandberg",
        planned_start=today + timedelta(days=60),
        planned_supervisor=supervisor,
    )
    survey = o["survey"] = Survey.objects.create(
        unit=unit,
        title="Enkät inför SPUR",
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=10),
        created_by=study_director,
    )
    survey_domain.invite(survey)


def _admin_only_records():
    """Rows of the models only the admin shows, so that their change pages have an object."""
    Group.objects.create(name="Kansliet")
    attempt = {"user_agent": "test", "ip_address": "192.0.2.1", "username": "okand", "path_info": "/konto/logga-in/"}
    AccessAttempt.objects.create(**attempt, http_accept="*/*", get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**attempt, http_accept="*/*")
    AccessFailureLog.objects.create(**attempt, http_accept="*/*", locked_out=False)
