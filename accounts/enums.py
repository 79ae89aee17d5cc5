from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class UnitKind(models.TextChoices):
    VARDCENTRAL = "vardcentral", _("vårdcentral")
    HALSOCENTRAL = "halsocentral", _("hälsocentral")
    KLINIK = "klinik", _("klinik")


class Role(models.TextChoices):
    """Roles a person holds through a Membership.

    Being an ST-läkare is not a membership: it is the Trainee profile (portfolio app),
    which carries the unit, curriculum and supervisors, so it cannot disagree with them.
    """

    SUPERVISOR = "supervisor", _("handledare")
    STUDY_DIRECTOR = "study_director", _("studierektor")
    UNIT_HEAD = "unit_head", pgettext_lazy("role", "verksamhetschef/enhetschef")
    SPECIALIST = "specialist", _("specialist at the unit")
    ADMINISTRATOR = "administrator", _("administrator")

    @classmethod
    def unit_roles(cls):
        return [cls.SUPERVISOR, cls.STUDY_DIRECTOR, cls.UNIT_HEAD, cls.SPECIALIST]


class ReminderFrequency(models.TextChoices):
    """How often a person wants the reminder digest. Essential items (something waits
    for this person's signature or decision) are sent daily whatever the choice."""

    DAILY = "daily", _("every day")
    WEEKLY = "weekly", _("once a week, on Mondays")
    ESSENTIAL = "essential", _("only when something waits for my signature or decision")
