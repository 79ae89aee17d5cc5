from django.db import models
from django.utils.translation import gettext_lazy as _

# SignedStatus lives in portfolio, since intyg are signed too; the app's modules import it from here.
from portfolio.enums import SignedStatus  # noqa: F401


class AssessmentKind(models.TextChoices):
    """The instruments for a kompetensvärdering (bedömning)."""

    MINI_CEX = "mini_cex", _("mini-CEX")
    DOPS = "dops", _("DOPS")
    CBD = "cbd", _("CbD (fallbaserad diskussion)")
    SIT_IN = "sit_in", _("medsittning")
    VIDEO = "video", _("videoinspelad konsultation")
    MSF = "msf", _("360° (MSF)")


class ScaleKind(models.TextChoices):
    """How the domains of an assessment are rated; chosen per template, since regions differ."""

    NUMERIC_1_9 = "numeric_1_9", _("1–9")
    NUMERIC_1_5 = "numeric_1_5", _("1–5")
    INDEPENDENCE = "independence", _("level of independence")
    FREE_TEXT = "free_text", _("free text only")


class AssessorRole(models.TextChoices):
    SUPERVISOR = "supervisor", _("handledare")
    SPECIALIST = "specialist", _("other specialist")
    DOCTOR = "doctor", _("other doctor")
    OTHER = "other", _("other profession")


class RequestState(models.TextChoices):
    """Derived from a request's dates; never stored."""

    OPEN = "open", _("waiting")
    COMPLETED = "completed", _("completed")
    REVOKED = "revoked", _("withdrawn")
    EXPIRED = "expired", _("expired")


class StatementKind(models.TextChoices):
    ANNUAL = "annual", _("yearly handledarutlåtande")
    BT_PLACEMENT = "bt_placement", _("summary at the end of a BT placement")


class OnTrack(models.TextChoices):
    YES = "yes", _("yes")
    PARTLY = "partly", _("partly")
    NO = "no", _("no")


class MidTermStatus(models.TextChoices):
    """The steps of Mitt-i-ST, in order."""

    PLANNED = "planned", _("planned")
    ORDERED = "ordered", _("ordered")
    MATERIAL_SENT = "material_sent", _("portfolio summary and video sent")
    VISITED = "visited", _("visit done")
    REPORT_RECEIVED = "report_received", _("report received")
    PLAN_AGREED = "plan_agreed", _("plan for the rest of ST agreed")

    @classmethod
    def order(cls):
        return list(cls.values)
