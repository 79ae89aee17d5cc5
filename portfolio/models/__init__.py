from portfolio.models.activities import Course, OtherActivity
from portfolio.models.certificates import (
    Application,
    Certificate,
    CertificateSignature,
    FinalReview,
)
from portfolio.models.curricula import Curriculum, Goal, GoalRequirement, Regulation
from portfolio.models.plans import FrozenRecordError, TrainingPlan
from portfolio.models.reviews import AnnualReport, AnnualVisit
from portfolio.models.service import Leave, ServicePeriod
from portfolio.models.snapshot import StatusSnapshot, StoredStatus
from portfolio.models.supervision import SupervisionMeeting
from portfolio.models.trainee import Trainee, TraineeQuerySet

__all__ = [
    "AnnualReport",
    "AnnualVisit",
    "Application",
    "Certificate",
    "CertificateSignature",
    "Course",
    "Curriculum",
    "FinalReview",
    "FrozenRecordError",
    "Goal",
    "GoalRequirement",
    "Leave",
    "OtherActivity",
    "Regulation",
    "ServicePeriod",
    "StatusSnapshot",
    "StoredStatus",
    "SupervisionMeeting",
    "Trainee",
    "TraineeQuerySet",
    "TrainingPlan",
]
