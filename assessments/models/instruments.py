from django.conf import settings
from django.db import models
from django.db.models.signals import m2m_changed
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from assessments.enums import AssessmentKind, AssessorRole, ScaleKind
from portfolio.enums import Verification
from portfolio.models import Goal, Trainee
from portfolio.models.signed import SignedRecord, refuse_m2m_change_when_signed


class AssessmentTemplate(models.Model):
    """The form for one kind of kompetensvärdering: its domains and its rating scale.

    A template without a region is the national default; a region may have its own
    (regions have changed scales, e.g. from 1–9 to levels of independence). The
    templates are reference data loaded by migration from assessments/data/, and
    editable in the admin. A signed assessment keeps its own copy of the scale and
    the domain labels, so a later change to a template never rewrites old forms.
    """

    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assessment_templates",
        help_text=_("Empty: the default for every region without its own template."),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AssessmentKind.choices)
    name = models.CharField(_("name"), max_length=120)
    scale = models.CharField(_("scale"), max_length=16, choices=ScaleKind.choices)
    domains = models.JSONField(
        _("domains"),
        default=list,
        blank=True,
        help_text=_('A list of {"code": …, "label": …}: what is rated, in order.'),
    )
    guidance = models.TextField(_("guidance for the assessor"), blank=True)
    verification = models.CharField(
        _("verification"), max_length=1, choices=Verification.choices, default=Verification.INFERRED
    )
    source_note = models.TextField(_("source and verification note"), blank=True)

    class Meta:
        ordering = ["kind", "region_id"]
        verbose_name = _("assessment template")
        verbose_name_plural = _("assessment templates")
        constraints = [
            models.UniqueConstraint(fields=["region", "kind"], name="assessment_template_region_kind"),
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(region__isnull=True), name="assessment_template_default_kind"
            ),
        ]

    def __str__(self):
        return self.name


class Assessment(SignedRecord):
    """A kompetensvärdering: one observed encounter (or case, procedure, video, 360°
    response), rated on its template's domains with written feedback, signed by the
    assessor. Signed is final (SignedRecord)."""

    trainee = models.ForeignKey(
        Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="assessments"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AssessmentKind.choices)
    template = models.ForeignKey(
        AssessmentTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="assessments"
    )
    scale = models.CharField(_("scale"), max_length=16, choices=ScaleKind.choices)
    domains = models.JSONField(_("domains"), default=list, blank=True)
    date = models.DateField(_("date"))
    situation = models.CharField(
        _("situation"),
        max_length=300,
        blank=True,
        help_text=_("What was assessed, without anything that identifies the patient."),
    )
    goals = models.ManyToManyField(Goal, verbose_name=_("delmål"), blank=True, related_name="+")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments_made",
        help_text=_("Empty when the assessor filled in the form from a link, without an account."),
    )
    assessor_name = models.CharField(_("assessor's name"), max_length=200)
    assessor_email = models.EmailField(_("assessor's e-mail"), blank=True)
    assessor_role = models.CharField(
        _("assessor's role"), max_length=12, choices=AssessorRole.choices, default=AssessorRole.SUPERVISOR
    )
    ratings = models.JSONField(_("ratings"), default=dict, blank=True, help_text=_("{domain code: rating or null}"))
    went_well = models.TextField(_("what went well"), blank=True)
    to_develop = models.TextField(_("what to develop"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta(SignedRecord.Meta):
        ordering = ["trainee_id", "-date", "-pk"]
        verbose_name = _("kompetensvärdering")
        verbose_name_plural = _("kompetensvärderingar")
        indexes = [models.Index(fields=["trainee", "status", "date"], name="assessment_trainee_status_date")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date:%Y-%m-%d}"


m2m_changed.connect(
    refuse_m2m_change_when_signed, sender=Assessment.goals.through, dispatch_uid="assessment_goals_frozen"
)


class AssessmentReflection(models.Model):
    """The ST-läkare's own reflection on a kompetensvärdering.

    Kept apart from the assessment so the assessor's signed text stays untouched while
    the trainee may write and revise their reflection at any time.
    """

    assessment = models.OneToOneField(
        Assessment, verbose_name=_("kompetensvärdering"), on_delete=models.CASCADE, related_name="reflection"
    )
    text = models.TextField(_("reflection"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")

    def __str__(self):
        return str(self.assessment)
