from contracts.models.agreements import ContractSignature, HiringEndorsement, TrainingContract
from contracts.models.criteria import (
    CriteriaSet,
    Criterion,
    CriterionAttestation,
    CriterionState,
    Dispensation,
    UnitActionPlan,
    UnitActionPlanFollowUp,
    UnitApproval,
)
from contracts.models.spur import AreaGrade, ImprovementItem, Inspection
from contracts.models.survey import Survey, SurveyAnswer, SurveyInvitation, SurveyResponse
from contracts.models.units import UnitProfile, UnitStaff

__all__ = [
    "AreaGrade",
    "ContractSignature",
    "CriteriaSet",
    "Criterion",
    "CriterionAttestation",
    "CriterionState",
    "Dispensation",
    "HiringEndorsement",
    "ImprovementItem",
    "Inspection",
    "Survey",
    "SurveyAnswer",
    "SurveyInvitation",
    "SurveyResponse",
    "TrainingContract",
    "UnitActionPlan",
    "UnitActionPlanFollowUp",
    "UnitApproval",
    "UnitProfile",
    "UnitStaff",
]
