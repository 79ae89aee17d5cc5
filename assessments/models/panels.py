from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from portfolio.models import FrozenRecordError, Trainee


class SpecialistPanel(models.Model):
    """A specialistkollegium: the unit's specialists, with enhetschef and studierektor,
    assess each of the unit's ST-läkare in a structured way (about 30 minutes each).

    While it is being prepared the ST-läkare write their self-assessments; when the
    studierektor (or chef) marks it held, the panel's views become visible to each
    ST-läkare and handledare and can no longer be changed.
    """

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="specialist_panels")
    date = models.DateField(_("date"))
    specialists = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("participating specialists"), blank=True, related_name="+"
    )
    unit_head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enhetschef"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    study_director = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("studierektor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    held_at = models.DateTimeField(_("marked as held"), null=True, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked as held by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["unit_id", "-date"]
        verbose_name = _("specialistkollegium")
        verbose_name_plural = _("specialistkollegier")

    def __str__(self):
        return f"{self.unit} {self.date:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if self.pk is not None and SpecialistPanel.objects.filter(pk=self.pk, held_at__isnull=False).exists():
            raise FrozenRecordError("A specialistkollegium that has been held cannot be changed.")
        super().save(*args, **kwargs)

    @property
    def is_held(self):
        return self.held_at is not None


class PanelReview(models.Model):
    """One ST-läkare's part of a specialistkollegium."""

    panel = models.ForeignKey(
        SpecialistPanel, verbose_name=_("specialistkollegium"), on_delete=models.CASCADE, related_name="reviews"
    )
    trainee = models.ForeignKey(
        Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="panel_reviews"
    )
    self_assessment = models.TextField(_("self-assessment"), blank=True)
    self_assessment_at = models.DateTimeField(_("self-assessment submitted"), null=True, blank=True)
    area_views = models.JSONField(_("the panel's view per area"), default=dict, blank=True)
    focus_clinical = models.TextField(_("clinical focus areas until next time"), blank=True)
    focus_non_clinical = models.TextField(_("non-clinical focus areas until next time"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["panel_id", "trainee__user__name"]
        verbose_name = _("assessment in a specialistkollegium")
        verbose_name_plural = _("assessments in a specialistkollegium")
        constraints = [models.UniqueConstraint(fields=["panel", "trainee"], name="panel_review_unique_trainee")]

    def __str__(self):
        return f"{self.trainee} – {self.panel}"

    def save(self, *args, **kwargs):
        if SpecialistPanel.objects.filter(pk=self.panel_id, held_at__isnull=False).exists():
            raise FrozenRecordError("The assessments of a specialistkollegium that has been held cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if SpecialistPanel.objects.filter(pk=self.panel_id, held_at__isnull=False).exists():
            raise FrozenRecordError("The assessments of a specialistkollegium that has been held cannot be deleted.")
        return super().delete(*args, **kwargs)
