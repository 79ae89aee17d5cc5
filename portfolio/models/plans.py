from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from portfolio.enums import PlanStatus
from portfolio.models.curricula import Goal
from portfolio.models.trainee import Trainee


class FrozenRecordError(Exception):
    """Raised when code tries to change a record that has been approved or signed."""


class TrainingPlan(models.Model):
    """One version of an individuellt utbildningsprogram (IUP).

    A version is written as a draft, submitted, and then approved or returned with
    comments by the studierektor. An approved version never changes again; a revision
    is a new draft that points to the version it starts from. State changes go through
    the functions in portfolio/iup.py.
    """

    trainee = models.ForeignKey(Trainee, verbose_name=_("ST-läkare"), on_delete=models.CASCADE, related_name="plans")
    version = models.PositiveSmallIntegerField(_("version"))
    based_on = models.ForeignKey(
        "self", verbose_name=_("revision of"), null=True, blank=True, on_delete=models.PROTECT, related_name="revisions"
    )
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    goals = models.ManyToManyField(Goal, verbose_name=_("delmål in focus"), blank=True, related_name="+")
    planned_service = models.TextField(_("planned tjänstgöringar"), blank=True)
    planned_courses = models.TextField(_("planned courses"), blank=True)
    internal_activities = models.TextField(_("planned internal activities"), blank=True)
    external_activities = models.TextField(_("planned external activities"), blank=True)
    self_study_hours_per_week = models.DecimalField(
        _("self-study, hours per week"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("4.0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("40"))],
    )
    assessment_plan = models.TextField(
        _("kompetensvärderingsplan"), blank=True, help_text=_("Which assessments, and how often.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Optimistic locking of the content (accounts/locking.py): every saved edit moves it on by one, and an
    # edit form read at an older value is refused instead of overwriting what someone else saved.
    lock_version = models.PositiveIntegerField(_("edit counter"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("content last changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_comment = models.TextField(_("studierektor's comments"), blank=True)

    class Meta:
        ordering = ["trainee_id", "-version"]
        verbose_name = _("IUP version")
        verbose_name_plural = _("IUP versions")
        constraints = [
            models.UniqueConstraint(fields=["trainee", "version"], name="plan_version_unique"),
            # One version in progress at a time: a revision starts only from an approved one.
            models.UniqueConstraint(
                fields=["trainee"],
                condition=~models.Q(status=PlanStatus.APPROVED),
                name="plan_one_open_version",
            ),
        ]

    def __str__(self):
        return f"IUP v{self.version} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = TrainingPlan.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == PlanStatus.APPROVED:
                raise FrozenRecordError("An approved IUP version cannot be changed; start a revision.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == PlanStatus.APPROVED:
            raise FrozenRecordError("An approved IUP version cannot be deleted.")
        return super().delete(*args, **kwargs)

    @classmethod
    def create_with_goals(cls, goals=(), **fields):
        """Create a version in its final state, delmål included (imports, demo data, fixtures).

        Linking the delmål at creation goes past the guard that keeps an approved
        version's delmål from changing later.
        """
        plan = cls.objects.create(**fields)
        cls.goals.through.objects.bulk_create(cls.goals.through(trainingplan=plan, goal=goal) for goal in goals)
        return plan

    @property
    def is_editable(self):
        return self.status in PlanStatus.editable()


@receiver(m2m_changed, sender=TrainingPlan.goals.through, dispatch_uid="training_plan_goals_frozen")
def _refuse_goal_changes_on_approved_plans(sender, instance, action, **kwargs):
    """The delmål of an approved version are as final as its text: save() cannot see
    changes to a many-to-many relation, so they are refused here."""
    changing = action in {"pre_add", "pre_remove", "pre_clear"}
    if changing and isinstance(instance, TrainingPlan) and instance.status == PlanStatus.APPROVED:
        raise FrozenRecordError("The delmål of an approved IUP version cannot be changed; start a revision.")
