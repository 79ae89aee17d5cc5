from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Specialty, Unit
from portfolio.enums import LeaveKind, ServiceKind
from portfolio.models.curricula import Goal
from portfolio.models.trainee import Trainee

percent_validators = [MinValueValidator(1), MaxValueValidator(100)]


class ServicePeriod(models.Model):
    """A tjänstgöring in the tjänsteförteckning: where, when, how much, under whom."""

    trainee = models.ForeignKey(
        Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="service_periods"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ServiceKind.choices, default=ServiceKind.MAIN)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    workplace = models.CharField(
        _("workplace"), max_length=200, blank=True, help_text=_("Clinic or unit, when it is not in the list.")
    )
    specialty = models.ForeignKey(
        Specialty, verbose_name=_("specialty"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("to (inclusive)"))
    percent = models.PositiveSmallIntegerField(_("percent of full time"), default=100, validators=percent_validators)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handledare"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    supervisor_name = models.CharField(
        _("handledare (name)"), max_length=200, blank=True, help_text=_("When the handledare has no account.")
    )
    goals = models.ManyToManyField(
        Goal,
        verbose_name=_("delmål"),
        blank=True,
        related_name="+",
        help_text=_("The delmål this tjänstgöring is meant to give clinical experience for."),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["trainee_id", "start"]
        verbose_name = _("tjänstgöring")
        verbose_name_plural = _("tjänstgöringar")
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="service_end_after_start"),
            models.CheckConstraint(condition=models.Q(percent__gte=1, percent__lte=100), name="service_percent_range"),
        ]

    def __str__(self):
        return f"{self.place} {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"

    @property
    def place(self):
        return self.unit.name if self.unit_id else self.workplace

    def clean(self):
        super().clean()
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("The end date is before the start date.")})
        if not self.unit_id and not self.workplace.strip():
            raise ValidationError({"workplace": _("Choose a unit or write the name of the workplace.")})


class Leave(models.Model):
    """Ledighet: whether it counts as service depends on its kind and the regulation."""

    trainee = models.ForeignKey(Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="leaves")
    kind = models.CharField(_("kind"), max_length=20, choices=LeaveKind.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("to (inclusive)"))
    percent = models.PositiveSmallIntegerField(
        _("percent of full time"),
        default=100,
        validators=percent_validators,
        help_text=_("For part-time leave, e.g. 20 for föräldraledighet one day a week."),
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    class Meta:
        ordering = ["trainee_id", "start"]
        verbose_name = _("ledighet")
        verbose_name_plural = _("ledigheter")
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="leave_end_after_start"),
            models.CheckConstraint(condition=models.Q(percent__gte=1, percent__lte=100), name="leave_percent_range"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"

    def clean(self):
        super().clean()
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("The end date is before the start date.")})
