from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portfolio.models import Trainee


class ActionPlanQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_on__isnull=True)


class ActionPlan(models.Model):
    """An åtgärdsplan for an ST-läkare at risk of not meeting the requirements.

    While it is open, the ST-läkare is flagged on every list the studierektor and the
    handledare see. It is closed with an outcome, never deleted.
    """

    trainee = models.ForeignKey(
        Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="action_plans"
    )
    opened_on = models.DateField(_("opened"))
    concern = models.TextField(_("the concern"))
    iup_measures = models.TextField(_("changes to the IUP"), blank=True)
    unit_measures = models.TextField(_("measures by the unit"), blank=True)
    trainee_demands = models.TextField(_("what is required of the ST-läkare"), blank=True)
    responsible = models.CharField(_("responsible"), max_length=300, help_text=_("Who does what."))
    follow_up_on = models.DateField(_("next follow-up"))
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ActionPlanQuerySet.as_manager()

    class Meta:
        ordering = ["trainee_id", "-opened_on", "-pk"]
        verbose_name = _("åtgärdsplan")
        verbose_name_plural = _("åtgärdsplaner")
        indexes = [models.Index(fields=["trainee", "closed_on"], name="action_plan_trainee_open")]

    def __str__(self):
        return f"{self.trainee} {self.opened_on:%Y-%m-%d}"

    @property
    def is_open(self):
        return self.closed_on is None


class ActionPlanFollowUp(models.Model):
    plan = models.ForeignKey(
        ActionPlan, verbose_name=_("åtgärdsplan"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    date = models.DateField(_("date"))
    note = models.TextField(_("follow-up"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["plan_id", "date", "pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self):
        return f"{self.plan} {self.date:%Y-%m-%d}"
