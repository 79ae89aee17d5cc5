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
