from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portfolio.models.plans import FrozenRecordError
from portfolio.models.trainee import Trainee


class AnnualReport(models.Model):
    """The ST-läkare's årsrapport, written before the årsbesök."""

    trainee = models.ForeignKey(
        Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="annual_reports"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    done = models.TextField(_("what I have done"), blank=True)
    went_well = models.TextField(_("what went well"), blank=True)
    to_develop = models.TextField(_("what I need to develop"), blank=True)
    next_steps = models.TextField(_("plan for the coming year"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["trainee_id", "-year"]
        verbose_name = _("årsrapport")
        verbose_name_plural = _("årsrapporter")
        constraints = [models.UniqueConstraint(fields=["trainee", "year"], name="annual_report_unique_year")]

    def __str__(self):
        return f"{self.trainee} {self.year}"

    def save(self, *args, **kwargs):
        if self.pk is not None and AnnualReport.objects.filter(pk=self.pk, submitted_at__isnull=False).exists():
            raise FrozenRecordError("A submitted årsrapport cannot be changed.")
        super().save(*args, **kwargs)


class AnnualVisit(models.Model):
    """The studierektor's record of an årsbesök."""

    trainee = models.ForeignKey(
        Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="annual_visits"
    )
    date = models.DateField(_("date"))
    participants = models.CharField(_("participants"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["trainee_id", "-date"]
        verbose_name = _("årsbesök")
        verbose_name_plural = _("årsbesök")

    def __str__(self):
        return f"{self.trainee} {self.date:%Y-%m-%d}"
