from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from contracts.enums import ALLOWED_GRADES, ImprovementStatus, InspectedRegulation, SpurArea, SpurGrade


class Inspection(models.Model):
    """A SPUR inspection of a unit, as its report records it."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="inspections")
    date = models.DateField(_("date of the visit"))
    inspectors = models.CharField(_("inspectors"), max_length=400)
    regulations = models.JSONField(
        _("regulations assessed"), default=list, help_text=_("One or both of SOSFS 2015:8 and HSLF-FS 2021:8.")
    )
    strengths = models.TextField(_("styrkor"), blank=True)
    weaknesses = models.TextField(_("svagheter"), blank=True)
    improvements = models.TextField(_("förbättringspotential"), blank=True)
    report_received_on = models.DateField(_("report received"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["unit", "-date"]
        verbose_name = _("SPUR inspection")
        verbose_name_plural = _("SPUR inspections")

    def __str__(self):
        return f"{self.unit} {self.date:%Y-%m-%d}"

    def clean(self):
        super().clean()
        allowed = set(InspectedRegulation.values)
        if not self.regulations or not set(self.regulations) <= allowed:
            raise ValidationError({"regulations": _("Choose one or both regulations.")})


class AreaGrade(models.Model):
    """The grade in one area under one regulation. The scale depends on the area: A and C
    have no C (ALLOWED_GRADES), enforced here and by a database constraint. A grade can
    be adjusted after an accepted handlingsplan; the original stays."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="grades"
    )
    area = models.CharField(_("area"), max_length=1, choices=SpurArea.choices)
    regulation = models.CharField(_("regulation"), max_length=16, choices=InspectedRegulation.choices)
    grade = models.CharField(_("grade"), max_length=1, choices=SpurGrade.choices)
    narrative = models.TextField(_("the inspectors' text"), blank=True)
    adjusted_grade = models.CharField(_("adjusted grade"), max_length=1, choices=SpurGrade.choices, blank=True)
    adjusted_on = models.DateField(_("adjusted"), null=True, blank=True)
    adjustment_note = models.TextField(_("why adjusted"), blank=True)

    class Meta:
        ordering = ["inspection", "area", "regulation"]
        verbose_name = _("area grade")
        verbose_name_plural = _("area grades")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "area", "regulation"], name="area_grade_once"),
            models.CheckConstraint(
                condition=~models.Q(area__in=["A", "C"], grade="C"), name="area_grade_no_c_in_a_and_c"
            ),
            models.CheckConstraint(
                condition=~models.Q(area__in=["A", "C"], adjusted_grade="C"), name="area_adjusted_no_c_in_a_and_c"
            ),
        ]

    def __str__(self):
        return f"{self.area} {self.regulation}: {self.grade}"

    def clean(self):
        super().clean()
        allowed = ALLOWED_GRADES.get(self.area, ())
        for field in ("grade", "adjusted_grade"):
            value = getattr(self, field)
            if value and value not in allowed:
                message = _("Area %(area)s is graded %(grades)s; it has no grade %(grade)s.") % {
                    "area": self.area,
                    "grades": ", ".join(allowed),
                    "grade": value,
                }
                raise ValidationError({field: message})


class ImprovementItem(models.Model):
    """One line of the handlingsplan after an inspection."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="improvements_plan"
    )
    area = models.CharField(_("area"), max_length=1, choices=SpurArea.choices)
    criterion = models.TextField(_("criterion"))
    planned_action = models.TextField(_("planned action"))
    due_on = models.DateField(_("to be done by"))
    responsible = models.CharField(_("responsible"), max_length=300)
    follow_up_on = models.DateField(_("follow-up"))
    follow_up_responsible = models.CharField(_("responsible for the follow-up"), max_length=300)
    status = models.CharField(
        _("status"), max_length=12, choices=ImprovementStatus.choices, default=ImprovementStatus.PLANNED
    )
    outcome = models.TextField(_("outcome"), blank=True)
    done_on = models.DateField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["inspection", "area", "due_on", "pk"]
        verbose_name = _("handlingsplan item")
        verbose_name_plural = _("handlingsplan")

    def __str__(self):
        return f"{self.area}: {self.planned_action[:60]}"
