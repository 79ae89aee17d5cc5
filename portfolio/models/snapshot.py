from django.db import models
from django.utils.translation import gettext_lazy as _

from portfolio.enums import Phase, PlanStatus
from portfolio.models.trainee import Trainee


class StatusSnapshot(models.Model):
    """A trainee's figures and readiness verdict as last computed, stored so that the
    overview can filter and sort hundreds of trainees in the database.

    Written only by portfolio/readiness/store.py from `build_status` and the readiness
    engine (so it cannot disagree with the trainee page), after every change that can
    move a figure and daily by `refresh_readiness`. It stores due dates, not "overdue"
    booleans: whether a date has passed is decided in the query, against the day the
    list is read (portfolio/overview.py), so a flag is right even on a row computed
    days ago. Figures over a moving window (handledning in the last eight weeks, the
    current half-year) are as of `computed_on`, which the overview shows.

    `mid_st_status` is the assessments app's MidTermStatus value, stored as text:
    portfolio's models do not import a higher app.
    """

    trainee = models.OneToOneField(
        Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, primary_key=True, related_name="snapshot"
    )
    computed_on = models.DateField(_("computed"))
    # readiness
    ready = models.BooleanField(_("ready to apply"))
    blocking_gaps = models.PositiveSmallIntegerField(_("things missing"))
    earliest_application = models.DateField(_("earliest application"), null=True, blank=True)
    phase = models.CharField(_("phase"), max_length=12, choices=Phase.choices, default=Phase.FIRST_HALF)
    # time
    fte_months = models.FloatField(_("months done (full-time)"), default=0)
    required_fte_months = models.PositiveSmallIntegerField(_("months required"), default=0)
    # IUP
    iup_status = models.CharField(_("IUP status"), max_length=12, choices=PlanStatus.choices, blank=True)
    iup_due = models.DateField(_("IUP due"), null=True, blank=True)
    iup_due_kind = models.CharField(_("IUP due for"), max_length=12, blank=True)
    # handledning in the last eight weeks
    supervision_hours = models.FloatField(_("handledning, hours in 8 weeks"), default=0)
    supervision_expected_hours = models.FloatField(_("handledning, expected hours in 8 weeks"), default=0)
    supervision_meets_norm = models.BooleanField(_("handledning meets the norm"), null=True)
    # kompetensvärderingar: the current half-year, and whether the last finished one met the norm
    assessments_count = models.PositiveSmallIntegerField(_("kompetensvärderingar this half-year"), default=0)
    assessments_required = models.PositiveSmallIntegerField(_("kompetensvärderingar required"), default=0)
    assessments_last_met = models.BooleanField(_("last half-year met the norm"), null=True)
    # handledarutlåtande and årsbesök
    latest_statement_on = models.DateField(_("latest handledarutlåtande"), null=True, blank=True)
    statement_at_risk = models.BooleanField(_("risk noted"), default=False)
    statement_due = models.DateField(_("handledarutlåtande due"), null=True, blank=True)
    statement_done = models.BooleanField(_("handledarutlåtande done"), default=False)
    next_visit_due = models.DateField(_("next årsbesök"), null=True, blank=True)
    # Mitt-i-ST and specialistkollegium
    mid_st_wanted = models.BooleanField(_("Mitt-i-ST applies"), default=False)
    mid_st_status = models.CharField(_("Mitt-i-ST status"), max_length=20, blank=True)
    mid_st_target = models.DateField(_("Mitt-i-ST target"), null=True, blank=True)
    mid_st_order_by = models.DateField(_("Mitt-i-ST ordered by"), null=True, blank=True)
    panel_date = models.DateField(_("latest specialistkollegium"), null=True, blank=True)

    class Meta:
        verbose_name = _("status snapshot")
        verbose_name_plural = _("status snapshots")
        indexes = [
            models.Index(fields=["ready", "blocking_gaps"], name="snapshot_ready_gaps"),
            models.Index(fields=["iup_due"], name="snapshot_iup_due"),
            models.Index(fields=["next_visit_due"], name="snapshot_visit_due"),
        ]

    def __str__(self):
        return f"{self.trainee}: {self.computed_on:%Y-%m-%d}"


class StoredStatus(models.Model):
    """A trainee's whole status but the delmål coverage (portfolio.snapshot.stored_form), as
    last computed, so that the trainee's start page reads one row instead of every record.

    Written with the snapshot (portfolio/readiness/store.py), after every change that can
    move a figure and daily. Read only on the day `computed_on`; deleted when something
    outside the trainee's records moves a figure (the region's norms, the regulation, the
    unit), so the page computes the status until the next refresh. A table of its own: the
    overview scans and sorts the snapshots, which stay narrow.
    """

    trainee = models.OneToOneField(
        Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, primary_key=True, related_name="stored_status"
    )
    computed_on = models.DateField(_("computed"))
    status = models.JSONField(_("status"), editable=False)

    class Meta:
        verbose_name = _("stored status")
        verbose_name_plural = _("stored statuses")

    def __str__(self):
        return f"{self.trainee}: {self.computed_on:%Y-%m-%d}"
