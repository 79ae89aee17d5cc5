from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Specialty, Unit
from contracts.enums import TrainingRegulation


class UnitProfile(models.Model):
    """What a unit is, as the quality criteria and SPUR read it."""

    unit = models.OneToOneField(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="profile")
    listed_patients = models.PositiveIntegerField(_("listed patients"), null=True, blank=True)
    child_health = models.BooleanField(_("barnhälsovård (BHV)"), default=False)
    maternal_health = models.BooleanField(_("mödrahälsovård (MHV)"), default=False)
    elderly_care = models.BooleanField(_("äldrevård/SÄBO"), default=False)
    on_call = models.BooleanField(_("jour"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    # Optimistic locking: a form carries the version it was read at; saving an older one is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("unit profile")
        verbose_name_plural = _("unit profiles")

    def __str__(self):
        return str(self.unit)


class UnitStaff(models.Model):
    """A doctor employed at the unit: a specialist, a handledare, or both.

    `user` is set when the person has an account (a handledare always has one); the
    name is kept for those who do not. Someone who leaves gets `until`, not deletion,
    so earlier criteria checks and SPUR evidence still read true.
    """

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff_rows",
    )
    name = models.CharField(_("name"), max_length=200)
    specialty = models.ForeignKey(
        Specialty, verbose_name=_("specialist in"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    percent = models.PositiveSmallIntegerField(
        _("employment, percent of full time"), default=100, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    is_supervisor = models.BooleanField(_("handledare"), default=False)
    supervisor_training_year = models.PositiveSmallIntegerField(
        _("handledarutbildning (year)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1970), MaxValueValidator(2100)],
    )
    supervisor_training_regulation = models.CharField(
        _("handledarutbildning covers"), max_length=16, choices=TrainingRegulation.choices, blank=True
    )
    supervision_hours_per_week = models.DecimalField(
        _("time for handledning, hours per week"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(40)],
    )
    supervisor_meetings_last_year = models.PositiveSmallIntegerField(
        _("handledarträffar attended in the last 12 months"), default=0
    )
    since = models.DateField(_("from"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["unit", "name"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(until__isnull=True) | models.Q(until__gte=models.F("since")),
                name="unit_staff_until_after_since",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.unit})"
