from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import MandatoryCourse
from portfolio.enums import OtherActivityKind
from portfolio.models.curricula import Goal
from portfolio.models.trainee import Trainee


def certificate_path(instance, filename):
    # Never the uploaded name: it may carry personal data; the record id is enough.
    return f"kursintyg/{instance.trainee_id}/{instance.pk or 'ny'}.pdf"


class Course(models.Model):
    trainee = models.ForeignKey(Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="courses")
    title = models.CharField(_("course"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    start = models.DateField(_("from"))
    end = models.DateField(_("to (inclusive)"))
    mandatory_course = models.ForeignKey(
        MandatoryCourse,
        verbose_name=_("mandatory course it fulfils"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    goals = models.ManyToManyField(Goal, verbose_name=_("delmål"), blank=True, related_name="+")
    certificate = models.FileField(
        _("course certificate (PDF)"),
        upload_to=certificate_path,
        blank=True,
        validators=[FileExtensionValidator(["pdf"])],
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["trainee_id", "start"]
        verbose_name = _("kurs")
        verbose_name_plural = _("kurser")
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="course_end_after_start")
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("The end date is before the start date.")})


class OtherActivity(models.Model):
    """Kvalitetsarbete, skriftligt arbete, auskultation, teaching, ST-träffar, reflection …"""

    trainee = models.ForeignKey(
        Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="other_activities"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=OtherActivityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    start = models.DateField(_("from"))
    end = models.DateField(_("to (inclusive)"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    goals = models.ManyToManyField(Goal, verbose_name=_("delmål"), blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["trainee_id", "start"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("The end date is before the start date.")})
