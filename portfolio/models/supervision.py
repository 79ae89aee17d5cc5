from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portfolio.enums import SupervisionKind
from portfolio.models.curricula import Goal
from portfolio.models.trainee import Trainee


class SupervisionMeeting(models.Model):
    """One handledning: logged by the ST-läkare or the handledare."""

    trainee = models.ForeignKey(
        Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="supervision_meetings"
    )
    date = models.DateField(_("date"))
    minutes = models.PositiveSmallIntegerField(
        _("minutes"), validators=[MinValueValidator(5), MaxValueValidator(600)], default=60
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SupervisionKind.choices, default=SupervisionKind.TALK)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handledare"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    topics = models.CharField(_("topics"), max_length=300, blank=True)
    goals = models.ManyToManyField(Goal, verbose_name=_("delmål"), blank=True, related_name="+")
    notes = models.TextField(
        _("notes"), blank=True, help_text=_("Seen only by the ST-läkare and the handledare, not by the studierektor.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("logged by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("logged"), auto_now_add=True)

    class Meta:
        ordering = ["trainee_id", "-date", "-pk"]
        verbose_name = _("handledning")
        verbose_name_plural = _("handledningar")
        indexes = [models.Index(fields=["trainee", "date"], name="supervision_trainee_date_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date:%Y-%m-%d}"
