from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.enums import AssessmentKind, AssessorRole, RequestState
from assessments.models.instruments import Assessment
from portfolio.models import Goal, Trainee


class AssessmentRequestQuerySet(models.QuerySet):
    def open(self, now=None):
        now = now or timezone.now()
        return self.filter(assessment__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


class AssessmentRequest(models.Model):
    """The ST-läkare's request to a named colleague to fill in one kompetensvärdering.

    The colleague needs no account: the e-mail carries a link whose token is signed
    with the site's secret and names this request and its `nonce`. Nothing secret is
    stored, yet a reminder can rebuild the same link; changing the nonce (or revoking)
    kills every earlier link. The link opens one form, once, until `expires_at`.
    """

    trainee = models.ForeignKey(
        Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="assessment_requests"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AssessmentKind.choices)
    assessor_name = models.CharField(_("assessor's name"), max_length=200)
    assessor_email = models.EmailField(_("assessor's e-mail"))
    assessor_role = models.CharField(
        _("assessor's role"), max_length=12, choices=AssessorRole.choices, default=AssessorRole.SPECIALIST
    )
    message = models.TextField(
        _("message to the assessor"),
        blank=True,
        help_text=_("Which encounter or case to assess. Nothing that identifies the patient."),
    )
    goals = models.ManyToManyField(Goal, verbose_name=_("delmål"), blank=True, related_name="+")
    nonce = models.CharField(max_length=32, editable=False)
    expires_at = models.DateTimeField(_("link valid until"))
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    assessment = models.OneToOneField(
        Assessment,
        verbose_name=_("kompetensvärdering"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="request",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    objects = AssessmentRequestQuerySet.as_manager()

    class Meta:
        ordering = ["trainee_id", "-created_at"]
        verbose_name = _("request for assessment")
        verbose_name_plural = _("requests for assessment")
        indexes = [models.Index(fields=["expires_at"], name="assessment_request_expires")]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.assessor_name}"

    def state(self, now=None):
        now = now or timezone.now()
        if self.assessment_id is not None:
            return RequestState.COMPLETED
        if self.revoked_at is not None:
            return RequestState.REVOKED
        if self.expires_at <= now:
            return RequestState.EXPIRED
        return RequestState.OPEN
