from django.db import models
from django.utils.translation import gettext_lazy as _


class RegulationCode(models.TextChoices):
    SOSFS_2015_8 = "SOSFS_2015_8", "SOSFS 2015:8"
    HSLF_FS_2021_8 = "HSLF_FS_2021_8", "HSLF-FS 2021:8"


class CurriculumKind(models.TextChoices):
    ST = "st", _("ST (specialiseringstjänstgöring)")
    BT = "bt", _("BT (bastjänstgöring)")


class GoalGroup(models.TextChoices):
    A = "a", "a"
    B = "b", "b"
    C = "c", "c"
    STA = "STa", "STa"
    STB = "STb", "STb"
    STC = "STc", "STc"
    BT = "BT", "BT"


class ActivityType(models.TextChoices):
    """Kinds of utbildningsaktivitet that have their own intyg form."""

    CLINICAL = "klinisk_tjanstgoring", _("klinisk tjänstgöring under handledning")
    AUSKULTATION = "auskultation", _("auskultation")
    COURSE = "kurs", _("kurs")
    QUALITY_WORK = "kvalitetsarbete", _("kvalitets- och utvecklingsarbete")
    WRITTEN_WORK = "skriftligt_arbete", _("självständigt skriftligt arbete enligt vetenskapliga principer")
    DEVELOPMENT_WORK = "utvecklingsarbete", _("deltagande i utvecklingsarbete")
    SCIENCE_STA3 = "medicinsk_vetenskap", _("intyg för delmål STa3 medicinsk vetenskap")
    BT_GOAL = "bt_delmal", _("intyg om delmål i bastjänstgöringen")


class Setting(models.TextChoices):
    """Where a clinical activity must take place, when the målbeskrivning says so."""

    ANY = "any", _("any unit")
    RELEVANT = "relevant", _("a unit with relevant work")
    PRIMARY_CARE = "primary_care", _("primary care with reception work")


class Verification(models.TextChoices):
    """How well a fact in the reference data is backed (tags from the domain reference)."""

    OFFICIAL = "V", _("verified in official text")
    SOURCE = "S", _("from a primary source document")
    PROFESSIONAL = "P", _("professional or regional page")
    THIRD_PARTY = "T", _("third-party data, not verified")
    INFERRED = "I", _("inferred, not verified")


class BTMode(models.TextChoices):
    NONE = "none", _("no BT")
    INTEGRATED = "integrated", _("integrated in ST")
    SEPARATE = "separate", _("separate, before ST")


class ServiceKind(models.TextChoices):
    MAIN = "main", _("huvudtjänstgöring")
    SIDE = "side", _("sidotjänstgöring")
    BT_PRIMARY = "bt_primary", _("BT primärvård")
    BT_ACUTE = "bt_acute", _("BT akut sjukvård")
    AUSKULTATION = "auskultation", _("auskultation")


class LeaveKind(models.TextChoices):
    VACATION = "semester", _("semester")
    ON_CALL_COMPENSATION = "jourkomp", _("jourkompensation")
    PARENTAL = "parental", _("föräldraledighet")
    SICK = "sick", _("sjukdom")
    LEAVE_OF_ABSENCE = "tjanstledighet", _("tjänstledighet")
    OTHER = "other", _("other leave")


class SupervisionKind(models.TextChoices):
    TALK = "talk", _("handledarsamtal")
    IUP_REVIEW = "iup_review", _("IUP-genomgång")
    SIT_IN = "sit_in", _("medsittning by handledare")
    OTHER = "other", _("other handledning")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    RETURNED = "returned", _("returned with comments")
    APPROVED = "approved", _("approved")

    @classmethod
    def editable(cls):
        return [cls.DRAFT, cls.RETURNED]


class OtherActivityKind(models.TextChoices):
    QUALITY_WORK = "quality_work", _("kvalitets- och utvecklingsarbete")
    WRITTEN_WORK = "written_work", _("självständigt skriftligt arbete enligt vetenskapliga principer")
    DEVELOPMENT_WORK = "development_work", _("deltagande i utvecklingsarbete")
    AUSKULTATION = "auskultation", _("auskultation")
    TEACHING = "teaching", _("teaching")
    SUPERVISING = "supervising", _("supervising students")
    ST_MEETING = "st_meeting", _("ST-träff")
    GROUP_REFLECTION = "group_reflection", _("reflection in group")
    OTHER = "other", _("other activity")


class SignedStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SIGNED = "signed", _("signed")


class CertificateForm(models.TextChoices):
    """Socialstyrelsen's forms (bilagor) that the application can fill in, per regulation.

    The text and fields of each form are reference data in portfolio/data/intyg-forms.json.
    """

    S15_SUMMARY = "sosfs2015_b2", _("SOSFS 2015:8 bilaga 2: intyg om uppnådd specialistkompetens")
    S15_AUSKULTATION = "sosfs2015_b3", _("SOSFS 2015:8 bilaga 3: auskultation")
    S15_CLINICAL = "sosfs2015_b4", _("SOSFS 2015:8 bilaga 4: klinisk tjänstgöring under handledning")
    S15_COURSE = "sosfs2015_b5", _("SOSFS 2015:8 bilaga 5: kurs")
    S15_QUALITY = "sosfs2015_b6", _("SOSFS 2015:8 bilaga 6: kvalitets- och utvecklingsarbete")
    S15_WRITTEN = "sosfs2015_b7", _("SOSFS 2015:8 bilaga 7: självständigt skriftligt arbete")
    H21_BT_GOAL = "hslf2021_b2", _("HSLF-FS 2021:8 bilaga 2: intyg om delmål i bastjänstgöringen")
    H21_BT_DONE = "hslf2021_b3", _("HSLF-FS 2021:8 bilaga 3: intyg om fullgjord bastjänstgöring")
    H21_BT_COMPETENCE = "hslf2021_b4", _("HSLF-FS 2021:8 bilaga 4: intyg om uppnådd baskompetens")
    H21_ST_DONE = "hslf2021_b6", _("HSLF-FS 2021:8 bilaga 6: intyg om fullgjord specialiseringstjänstgöring")
    H21_ST_COMPETENCE = "hslf2021_b7", _("HSLF-FS 2021:8 bilaga 7: intyg om uppnådd specialistkompetens")
    H21_AUSKULTATION = "hslf2021_b8", _("HSLF-FS 2021:8 bilaga 8: auskultation")
    H21_CLINICAL = "hslf2021_b9", _("HSLF-FS 2021:8 bilaga 9: klinisk tjänstgöring under handledning")
    H21_COURSE = "hslf2021_b10", _("HSLF-FS 2021:8 bilaga 10: kurs")
    H21_DEVELOPMENT = "hslf2021_b11", _("HSLF-FS 2021:8 bilaga 11: deltagande i utvecklingsarbete")
    H21_STA3 = "hslf2021_b12", _("HSLF-FS 2021:8 bilaga 12: delmål STa3 medicinsk vetenskap")


class SignerRole(models.TextChoices):
    """Who signs an intyg, as the forms name them."""

    SUPERVISOR = "supervisor", _("handledare")
    COURSE_LEADER = "course_leader", _("kursledare")
    UNIT_HEAD = "unit_head", _("verksamhetschef")
    APPOINTED_SPECIALIST = "appointed", _("specialist appointed by the verksamhetschef")
    MAIN_SUPERVISOR = "main_supervisor", _("huvudansvarig handledare")
    SECOND_SPECIALIST = "second_specialist", _("second specialist")
    EXTERNAL_ASSESSOR = "external", _("external assessor")


class FinalReviewVerdict(models.TextChoices):
    READY = "ready", _("ready to apply")
    NOT_YET = "not_yet", _("not yet")


class Phase(models.TextChoices):
    """Where a trainee is in the training, as the overview shows it (portfolio/readiness/store.py)."""

    BT = "bt", _("BT")
    FIRST_HALF = "first_half", _("ST, first half")
    SECOND_HALF = "second_half", _("ST, second half")
    READY = "ready", _("ready to apply")
    APPLIED = "applied", _("application finalised")


class ArchiveReason(models.TextChoices):
    """Why a trainee's portfolio was archived (portfolio/archive.py)."""

    FINISHED = "finished", _("Finished: bevis om specialistkompetens")
    LEFT_REGION = "left_region", _("Left the region")
    OTHER = "other", _("Other reason")
