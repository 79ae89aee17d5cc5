from django.db import models
from django.utils.translation import gettext_lazy as _


class CriterionRule(models.TextChoices):
    """How a regional quality criterion is evaluated (contracts/criteria.py). ATTESTED
    criteria are judged by the studierektor, with a date and a note."""

    ATTESTED = "attested", _("attested by the studierektor")
    MIN_SPECIALISTS = "min_specialists", _("at least N specialists in the unit's specialty")
    SPECIALIST_PERCENT = "specialist_percent", _("specialists together at least N percent of full time")
    SCOPE = "scope", _("the unit's scope covers BHV, MHV and care of the elderly")
    PERSONAL_SUPERVISOR = "personal_supervisor", _("every ST-läkare has a huvudhandledare at the unit")
    SUPERVISOR_QUALIFIED = "supervisor_qualified", _("every huvudhandledare is a specialist with handledarutbildning")
    SUPERVISOR_TIME = "supervisor_time", _("every handledare has time allotted for handledning")
    SUPERVISION_HOURS = "supervision_hours", _("handledning meets the norm for every ST-läkare")
    SELF_STUDY_HOURS = "self_study_hours", _("kompetensutvecklingstid at least N hours a week")
    LISTED_PER_TRAINEE = "listed_per_trainee", _("at least N listed patients per ST-läkare")


class CriterionOutcome(models.TextChoices):
    MET = "met", _("met")
    NOT_MET = "not_met", _("not met")
    DISPENSATION = "dispensation", _("not met, dispens granted")
    UNKNOWN = "unknown", _("not yet judged")


class TrainingRegulation(models.TextChoices):
    """Which regulation a person's handledarutbildning covers."""

    SOSFS_2015_8 = "SOSFS_2015_8", "SOSFS 2015:8"
    HSLF_FS_2021_8 = "HSLF_FS_2021_8", "HSLF-FS 2021:8"
    BOTH = "both", _("both")


class ContractRole(models.TextChoices):
    UNIT_HEAD = "unit_head", _("verksamhetschef/enhetschef")
    STUDY_DIRECTOR = "study_director", _("studierektor")
    MAIN_SUPERVISOR = "main_supervisor", _("huvudhandledare")
    TRAINEE = "trainee", _("ST-läkare")
    SECOND_SPECIALIST = "second_specialist", _("second specialist")


class EndorsementDecision(models.TextChoices):
    ENDORSED = "endorsed", _("endorsed")
    NOT_ENDORSED = "not_endorsed", _("not endorsed")


class SpurArea(models.TextChoices):
    """SPUR's eight areas. Areas A and C have no grade C (only föreskrift and
    kvalitetsindikatorer): see ALLOWED_GRADES."""

    A = "A", _("A. Verksamheten")
    B = "B", _("B. Medarbetarstab och interna kompetenser")
    C = "C", _("C. Lokaler och utrustning")
    D = "D", _("D. Tjänstgöringens upplägg")
    E = "E", _("E. Handledning och kompetensbedömning")
    F = "F", _("F. Teoretisk utbildning")
    G = "G", _("G. Medicinsk vetenskap och systematiskt kvalitets- och patientsäkerhetsarbete")
    H = "H", _("H. Ledarskapskompetens och kommunikativ kompetens")


class SpurGrade(models.TextChoices):
    A = "A", _("A – föreskrifter, allmänna råd and quality indicators met")
    B = "B", _("B – föreskrifter and allmänna råd followed")
    C = "C", _("C – föreskrifter followed; measures recommended")
    D = "D", _("D – deficiencies against föreskrifter; measures required")


ALLOWED_GRADES = {
    area: (("A", "B", "D") if area in (SpurArea.A, SpurArea.C) else ("A", "B", "C", "D")) for area in SpurArea
}


class InspectedRegulation(models.TextChoices):
    SOSFS_2015_8 = "SOSFS_2015_8", "SOSFS 2015:8"
    HSLF_FS_2021_8 = "HSLF_FS_2021_8", "HSLF-FS 2021:8"


class ImprovementStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    NOT_DONE = "not_done", _("not done")


class SurveyGroup(models.TextChoices):
    TRAINEE = "trainee", _("ST-läkare")
    SUPERVISOR = "supervisor", _("handledare")
    STUDY_DIRECTOR = "study_director", _("studierektor")
    UNIT_HEAD = "unit_head", _("verksamhetschef/enhetschef")
