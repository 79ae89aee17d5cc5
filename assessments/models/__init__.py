from assessments.models.action_plans import ActionPlan, ActionPlanFollowUp
from assessments.models.instruments import Assessment, AssessmentReflection, AssessmentTemplate
from assessments.models.midterm import MidTermEvaluation
from assessments.models.panels import PanelReview, SpecialistPanel
from assessments.models.requests import AssessmentRequest
from assessments.models.statements import SupervisorStatement

__all__ = [
    "ActionPlan",
    "ActionPlanFollowUp",
    "Assessment",
    "AssessmentReflection",
    "AssessmentRequest",
    "AssessmentTemplate",
    "MidTermEvaluation",
    "PanelReview",
    "SpecialistPanel",
    "SupervisorStatement",
]
