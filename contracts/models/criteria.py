from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Region, Specialty, Unit
from contracts.enums import CriterionOutcome, CriterionRule


class CriteriaSet(models.Model):
    """A region's quality criteria for units that train ST-läkare in one specialty
    (reference data in contracts/data/criteria.json, editable in the admin)."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="criteria_sets")
    specialty = models.ForeignKey(Specialty, verbose_name=_("specialty"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("source"), max_length=300, blank=True)
    verification = models.CharField(
        _("how well verified"), max_length=300, blank=True, help_text=_("What the source is and how sure it is.")
    )

    class Meta:
        ordering = ["region", "specialty"]
        verbose_name = _("criteria set")
        verbose_name_plural = _("criteria sets")
        constraints = [models.UniqueConstraint(fields=["region", "specialty"], name="criteria_set_per_region")]

    def __str__(self):
        return self.name


class Criterion(models.Model):
    criteria_set = models.ForeignKey(
        CriteriaSet, verbose_name=_("criteria set"), on_delete=models.CASCADE, related_name="criteria"
    )
    position = models.PositiveSmallIntegerField(_("order"))
    code = models.SlugField(_("code"), max_length=40)
    text = models.TextField(_("criterion"))
    rule = models.CharField(_("evaluated as"), max_length=24, choices=CriterionRule.choices)
    parameter = models.DecimalField(
        _("number in the rule"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("N in the rule, e.g. 2 specialists, 1500 listed patients, 4 hours."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["criteria_set", "position"]
        verbose_name = _("quality criterion")
        verbose_name_plural = _("quality criteria")
        constraints = [models.UniqueConstraint(fields=["criteria_set", "code"], name="criterion_code_unique")]

    def __str__(self):
        return f"{self.position}. {self.text[:60]}"


class CriterionAttestation(models.Model):
    """The studierektor's judgement of a criterion that data cannot show (the latest counts)."""

    criterion = models.ForeignKey(Criterion, verbose_name=_("criterion"), on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="attestations")
    met = models.BooleanField(_("met"))
    date = models.DateField(_("date"))
    note = models.TextField(_("note"))
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("attested by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["unit", "criterion", "-date", "-pk"]
        verbose_name = _("attestation")
        verbose_name_plural = _("attestations")

    def __str__(self):
        return f"{self.unit} {self.criterion.code} {self.date:%Y-%m-%d}"


class Dispensation(models.Model):
    """Permission to train although a criterion is not met, with a reason and an end."""

    criterion = models.ForeignKey(Criterion, verbose_name=_("criterion"), on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="dispensations")
    reason = models.TextField(_("reason"))
    granted_on = models.DateField(_("granted"))
    valid_until = models.DateField(_("valid until"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["unit", "-valid_until"]
        verbose_name = _("dispens")
        verbose_name_plural = _("dispenser")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("granted_on")), name="dispensation_ends_after_start"
            )
        ]

    def __str__(self):
        return f"{self.unit} {self.criterion.code} → {self.valid_until:%Y-%m-%d}"


class CriterionState(models.Model):
    """The last evaluated outcome per unit and criterion, so a change (met → not met)
    can be noticed and the studierektor alerted once, not every day."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    criterion = models.ForeignKey(Criterion, verbose_name=_("criterion"), on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=14, choices=CriterionOutcome.choices)
    since = models.DateField(_("since"))

    class Meta:
        verbose_name = _("criterion state")
        verbose_name_plural = _("criterion states")
        constraints = [models.UniqueConstraint(fields=["unit", "criterion"], name="criterion_state_once")]

    def __str__(self):
        return f"{self.unit_id} {self.criterion_id} {self.outcome}"


class UnitApproval(models.Model):
    """The studierektor's decision on a unit's training assignment, with its basis: the
    evaluation of every criterion as it was that day (stored, never recomputed)."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="approvals")
    date = models.DateField(_("date"))
    approved = models.BooleanField(_("approved"))
    basis = models.TextField(_("basis"))
    evaluation = models.JSONField(_("criteria as evaluated"), default=list)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["unit", "-date", "-pk"]
        verbose_name = _("unit approval")
        verbose_name_plural = _("unit approvals")

    def __str__(self):
        return f"{self.unit} {self.date:%Y-%m-%d}"


class UnitActionPlan(models.Model):
    """An åtgärdsplan for a unit that no longer meets a criterion: written by the
    enhetschef, signed by both the chef and the studierektor, followed up, closed."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="action_plans")
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_on = models.DateField(_("opened"))
    concern = models.TextField(_("the concern"))
    measures = models.TextField(_("measures"))
    responsible = models.CharField(_("responsible"), max_length=300)
    follow_up_on = models.DateField(_("next follow-up"))
    head_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by the chef"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    head_signed_at = models.DateTimeField(_("signed by the chef at"), null=True, blank=True)
    director_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by the studierektor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    director_signed_at = models.DateTimeField(_("signed by the studierektor at"), null=True, blank=True)
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["unit", "-opened_on"]
        verbose_name = _("unit åtgärdsplan")
        verbose_name_plural = _("unit åtgärdsplaner")

    def __str__(self):
        return f"{self.unit} {self.opened_on:%Y-%m-%d}"


class UnitActionPlanFollowUp(models.Model):
    plan = models.ForeignKey(
        UnitActionPlan, verbose_name=_("åtgärdsplan"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    date = models.DateField(_("date"))
    notes = models.TextField(_("notes"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["plan", "date", "pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self):
        return f"{self.plan} {self.date:%Y-%m-%d}"
