from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.enums import MidTermStatus
from portfolio.models import Trainee, TrainingPlan


def report_path(instance, filename):
    # Never the uploaded name: it may carry personal data.
    return f"mitt-i-st/{instance.trainee_id}/rapport.pdf"


class MidTermEvaluation(models.Model):
    """Mitt-i-ST: SFAM's external assessment halfway through ST.

    The steps are in MidTermStatus and move forward one at a time through the
    functions in assessments/midterm.py, each with the date it needs. The target
    and order-by dates are computed from the tjänsteförteckning, not stored.
    """

    trainee = models.OneToOneField(
        Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="mid_term"
    )
    status = models.CharField(_("status"), max_length=16, choices=MidTermStatus.choices, default=MidTermStatus.PLANNED)
    desired_date = models.DateField(_("wanted date of the visit"), null=True, blank=True)
    ordered_on = models.DateField(_("ordered"), null=True, blank=True)
    material_sent_on = models.DateField(_("portfolio summary and video sent"), null=True, blank=True)
    video_consultations = models.PositiveSmallIntegerField(
        _("video-recorded consultations sent"), null=True, blank=True
    )
    visit_date = models.DateField(_("date of the visit"), null=True, blank=True)
    evaluator_name = models.CharField(_("värderare"), max_length=200, blank=True)
    evaluator_email = models.EmailField(_("värderare's e-mail"), blank=True)
    report_received_on = models.DateField(_("report received"), null=True, blank=True)
    report_summary = models.TextField(_("the report's overall assessment"), blank=True)
    report_strengths = models.TextField(_("strengths"), blank=True)
    report_to_develop = models.TextField(_("areas to develop"), blank=True)
    report_recommendations = models.TextField(_("recommendations for the rest of ST"), blank=True)
    report_file = models.FileField(_("the report (PDF)"), upload_to=report_path, blank=True)
    plan_agreed_on = models.DateField(_("plan agreed"), null=True, blank=True)
    rest_of_st_plan = models.TextField(_("plan for the rest of ST"), blank=True)
    plan_version = models.ForeignKey(
        TrainingPlan,
        verbose_name=_("IUP version with the plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("Mitt-i-ST")
        verbose_name_plural = _("Mitt-i-ST")

    def __str__(self):
        return f"Mitt-i-ST {self.trainee}"

    @property
    def is_done(self):
        return self.status == MidTermStatus.PLAN_AGREED
