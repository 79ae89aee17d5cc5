from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.enums import OnTrack, StatementKind
from portfolio.models import ServicePeriod, Trainee
from portfolio.models.signed import SignedRecord


class SupervisorStatement(SignedRecord):
    """A handledarutlåtande: the huvudhandledare's yearly statement, due before the
    årsbesök, or the summary at the end of a BT placement. Signed is final."""

    trainee = models.ForeignKey(
        Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="supervisor_statements"
    )
    kind = models.CharField(_("kind"), max_length=14, choices=StatementKind.choices, default=StatementKind.ANNUAL)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    service_period = models.ForeignKey(
        ServicePeriod,
        verbose_name=_("BT placement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    progress = models.JSONField(
        _("progress per delmål group"), default=dict, blank=True, help_text=_("{group code: text}")
    )
    strengths = models.TextField(_("strengths"), blank=True)
    to_develop = models.TextField(_("areas to develop"), blank=True)
    on_track = models.CharField(_("on track to meet the requirements"), max_length=8, choices=OnTrack.choices)
    at_risk = models.BooleanField(
        _("risk of not meeting the requirements"),
        default=False,
        help_text=_("Raises a flag for the studierektor; consider an åtgärdsplan."),
    )
    risk_note = models.TextField(_("about the risk"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handledare"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta(SignedRecord.Meta):
        ordering = ["trainee_id", "-period_end", "-pk"]
        verbose_name = _("handledarutlåtande")
        verbose_name_plural = _("handledarutlåtanden")
        constraints = [
            *SignedRecord.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="statement_period_order"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period_end:%Y-%m-%d}"

    def clean(self):
        super().clean()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The period cannot end before it starts.")})
        if self.kind == StatementKind.BT_PLACEMENT and self.service_period_id is None:
            raise ValidationError({"service_period": _("Choose the BT placement the statement sums up.")})
        if self.at_risk and not self.risk_note.strip():
            raise ValidationError({"risk_note": _("Say what the risk is.")})
