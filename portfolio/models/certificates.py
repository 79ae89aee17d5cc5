from django.conf import settings
from django.db import models
from django.db.models.signals import m2m_changed
from django.utils.translation import gettext_lazy as _

from portfolio.enums import CertificateForm, FinalReviewVerdict, SignerRole
from portfolio.models.activities import Course, OtherActivity
from portfolio.models.curricula import Goal
from portfolio.models.plans import FrozenRecordError
from portfolio.models.service import ServicePeriod
from portfolio.models.signed import SignedRecord, refuse_m2m_change_when_signed
from portfolio.models.trainee import Trainee


class Certificate(SignedRecord):
    """An intyg on one of Socialstyrelsen's forms.

    It is written as a draft (pre-filled from the tjänstgöring, course or activity it
    certifies), then signed by every signer it names (CertificateSignature) in the
    application, or printed and signed on paper. Signed is final: a correction is a new
    intyg that `supersedes` the old one, and the records it certifies can no longer be
    deleted on their own (RESTRICT; deleting the whole trainee still works).
    """

    trainee = models.ForeignKey(
        Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="certificates"
    )
    form = models.CharField(_("form"), max_length=14, choices=CertificateForm.choices)
    goals = models.ManyToManyField(Goal, verbose_name=_("delmål"), blank=True, related_name="+")
    place = models.CharField(_("place"), max_length=300, blank=True, help_text=_("Tjänstgöringsställe or kursgivare."))
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    subject = models.CharField(
        _("subject"), max_length=300, blank=True, help_text=_("The course's or the work's subject.")
    )
    description = models.TextField(_("description"), blank=True)
    extra = models.JSONField(_("other fields of the form"), default=dict, blank=True)
    service_period = models.ForeignKey(
        ServicePeriod,
        verbose_name=_("tjänstgöring"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="certificates",
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), null=True, blank=True, on_delete=models.RESTRICT, related_name="certificates"
    )
    activity = models.ForeignKey(
        OtherActivity,
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="certificates",
    )
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="superseded_by",
    )
    signed_on_paper = models.BooleanField(_("signed on paper"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta(SignedRecord.Meta):
        ordering = ["trainee_id", "form", "period_start", "pk"]
        verbose_name = _("intyg")
        verbose_name_plural = _("intyg")
        constraints = [
            *SignedRecord.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(period_start__isnull=True)
                | models.Q(period_end__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="certificate_period_order",
            ),
        ]

    def __str__(self):
        return f"{self.get_form_display()} ({self.pk})"


m2m_changed.connect(
    refuse_m2m_change_when_signed, sender=Certificate.goals.through, dispatch_uid="certificate_goals_frozen"
)


class CertificateSignature(models.Model):
    """One signer of an intyg: named when the draft is written, signed later.

    The row is final once signed; the intyg counts as signed when all its rows are.
    """

    certificate = models.ForeignKey(
        Certificate, verbose_name=_("intyg"), on_delete=models.CASCADE, related_name="signatures"
    )
    role = models.CharField(_("role"), max_length=20, choices=SignerRole.choices)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificate_signatures",
        help_text=_("Empty when the intyg is signed on paper by someone without an account."),
    )
    name = models.CharField(_("name"), max_length=200)
    specialty = models.CharField(_("specialty"), max_length=200, blank=True)
    workplace = models.CharField(_("tjänsteställe"), max_length=200, blank=True)
    city = models.CharField(_("ort"), max_length=100, blank=True)
    supervisor_training_year = models.PositiveSmallIntegerField(_("handledarutbildning (year)"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)

    class Meta:
        ordering = ["certificate_id", "pk"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [models.UniqueConstraint(fields=["certificate", "role"], name="certificate_signature_role")]

    def __str__(self):
        return f"{self.get_role_display()}: {self.name}"

    def save(self, *args, **kwargs):
        if self.pk is not None and CertificateSignature.objects.filter(pk=self.pk, signed_at__isnull=False).exists():
            raise FrozenRecordError("A signature that has been given cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.signed_at is not None or self.certificate.is_signed:
            raise FrozenRecordError("The signature of a signed intyg cannot be removed.")
        return super().delete(*args, **kwargs)


class FinalReview(models.Model):
    """The studierektor's review at the end of ST, before the application is sent."""

    trainee = models.ForeignKey(
        Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="final_reviews"
    )
    date = models.DateField(_("date"))
    verdict = models.CharField(_("verdict"), max_length=8, choices=FinalReviewVerdict.choices)
    remarks = models.TextField(_("remarks"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("studierektor"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["trainee_id", "-date", "-pk"]
        verbose_name = _("end-of-ST review")
        verbose_name_plural = _("end-of-ST reviews")

    def __str__(self):
        return f"{self.trainee} {self.date:%Y-%m-%d}"


class Application(models.Model):
    """A specialist (or BT) application pack marked final: who did it, when, and a
    fingerprint of the PDF as it was then, so a later download can be compared.

    Marking final needs a ready verdict, which includes the studierektor's end-of-ST
    review where the region requires it (portfolio/application.py).
    """

    trainee = models.ForeignKey(
        Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="applications"
    )
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=[("specialist", _("specialist application")), ("bt", _("BT application"))],
    )
    finalised_at = models.DateTimeField(_("marked final"))
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("marked final by"), on_delete=models.PROTECT, related_name="+"
    )
    pages = models.PositiveSmallIntegerField(_("pages"))
    sha256 = models.CharField(_("SHA-256 of the pack"), max_length=64)
    certificates = models.ManyToManyField(Certificate, verbose_name=_("intyg"), related_name="+")

    class Meta:
        ordering = ["trainee_id", "-finalised_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def __str__(self):
        return f"{self.trainee} {self.kind} {self.finalised_at:%Y-%m-%d}"
