from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from contracts.enums import ContractRole, EndorsementDecision
from portfolio.models import Trainee


class TrainingContract(models.Model):
    """The ST-utbildningskontrakt between the unit, the studierektor, the huvudhandledare
    and the ST-läkare, with the second specialist who follows the development.

    It is final once every party has signed (ContractSignature); a change after that is
    a new contract that `supersedes` the old one.
    """

    trainee = models.ForeignKey(
        Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="contracts"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("start of ST at the unit"))
    second_specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("second specialist"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit_duties = models.TextField(_("the unit undertakes"))
    supervisor_duties = models.TextField(_("the huvudhandledare undertakes"))
    study_director_duties = models.TextField(_("the studierektor undertakes"))
    trainee_duties = models.TextField(_("the ST-läkare undertakes"))
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    completed_at = models.DateTimeField(_("signed by every party"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["trainee", "-start", "-pk"]
        verbose_name = _("ST-utbildningskontrakt")
        verbose_name_plural = _("ST-utbildningskontrakt")

    def __str__(self):
        return f"{self.trainee} {self.start:%Y-%m-%d}"


class ContractSignature(models.Model):
    contract = models.ForeignKey(
        TrainingContract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="signatures"
    )
    role = models.CharField(_("role"), max_length=20, choices=ContractRole.choices)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=200)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    on_paper = models.BooleanField(_("signed on paper"), default=False)

    class Meta:
        ordering = ["contract", "role"]
        verbose_name = _("contract signature")
        verbose_name_plural = _("contract signatures")
        constraints = [models.UniqueConstraint(fields=["contract", "role"], name="contract_signature_per_role")]

    def __str__(self):
        return f"{self.contract} {self.role}"


class HiringEndorsement(models.Model):
    """The studierektor's tillstyrkan before a unit hires an ST-läkare: the previous
    handledare's statement, the unit's criteria as evaluated that day, and the decision."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="endorsements")
    candidate_name = models.CharField(_("applicant"), max_length=200)
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant's account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    planned_start = models.DateField(_("planned start"))
    planned_supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned huvudhandledare"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    previous_supervisor_statement = models.TextField(_("statement of the previous handledare"), blank=True)
    criteria_check = models.JSONField(_("the unit's criteria as evaluated"), default=list)
    decision = models.CharField(_("decision"), max_length=14, choices=EndorsementDecision.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_on = models.DateField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["unit", "-created_at"]
        verbose_name = _("tillstyrkan")
        verbose_name_plural = _("tillstyrkanden")

    def __str__(self):
        return f"{self.candidate_name} ({self.unit})"
