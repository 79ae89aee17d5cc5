from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Specialty
from portfolio.enums import ActivityType, CurriculumKind, GoalGroup, RegulationCode, Setting, Verification


class Regulation(models.Model):
    """A föreskrift and the parameters the readiness check reads (loaded from data/regulations.json)."""

    code = models.CharField(_("code"), max_length=20, choices=RegulationCode.choices, unique=True)
    name = models.CharField(_("name"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    in_force_from = models.DateField(_("in force from"))
    min_fte_months = models.PositiveSmallIntegerField(_("minimum full-time months"))
    min_fte_months_with_doctorate = models.PositiveSmallIntegerField(_("minimum full-time months with doktorsexamen"))
    bt_required = models.BooleanField(_("BT required"), default=False)
    bt_min_months = models.PositiveSmallIntegerField(_("BT minimum months"), null=True, blank=True)
    counted_leave_kinds = models.JSONField(
        _("leave that counts as service"),
        default=list,
        blank=True,
        help_text=_("Kinds of leave that count towards the minimum time (semester, jourkomp …)."),
    )
    leave_note = models.TextField(_("note on leave"), blank=True)
    verification = models.CharField(_("verification"), max_length=1, choices=Verification.choices)
    source_note = models.TextField(_("source and verification note"), blank=True)

    class Meta:
        ordering = ["in_force_from"]
        verbose_name = _("regulation")
        verbose_name_plural = _("regulations")

    def __str__(self):
        return self.name


class Curriculum(models.Model):
    """A målbeskrivning: one per regulation and specialty, plus the BT målbeskrivning."""

    regulation = models.ForeignKey(
        Regulation, verbose_name=_("regulation"), on_delete=models.PROTECT, related_name="curricula"
    )
    kind = models.CharField(_("kind"), max_length=2, choices=CurriculumKind.choices, default=CurriculumKind.ST)
    specialty = models.ForeignKey(
        Specialty,
        verbose_name=_("specialty"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="curricula",
    )
    title = models.CharField(_("title"), max_length=200)
    verification = models.CharField(_("verification"), max_length=1, choices=Verification.choices)
    source_note = models.TextField(_("source and verification note"), blank=True)

    class Meta:
        ordering = ["regulation__in_force_from", "kind", "specialty__name"]
        verbose_name = _("målbeskrivning")
        verbose_name_plural = _("målbeskrivningar")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=CurriculumKind.BT, specialty__isnull=True)
                | models.Q(kind=CurriculumKind.ST, specialty__isnull=False),
                name="curriculum_specialty_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["regulation", "specialty"],
                condition=models.Q(kind=CurriculumKind.ST),
                name="curriculum_unique_st",
            ),
            models.UniqueConstraint(
                fields=["regulation"], condition=models.Q(kind=CurriculumKind.BT), name="curriculum_unique_bt"
            ),
        ]

    def __str__(self):
        return self.title


class Goal(models.Model):
    """A delmål of a målbeskrivning, with the activities it requires.

    Required activities are stored as GoalRequirement rows grouped into alternative
    groups: the delmål is covered when every group has at least one of its options
    covered (b5: klinisk tjänstgöring or auskultation, and a kurs).
    """

    curriculum = models.ForeignKey(
        Curriculum, verbose_name=_("målbeskrivning"), on_delete=models.CASCADE, related_name="goals"
    )
    code = models.CharField(_("code"), max_length=10)
    group = models.CharField(_("group"), max_length=3, choices=GoalGroup.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    title_is_official = models.BooleanField(
        _("official title"),
        default=True,
        help_text=_("c- and STc-delmål have no official titles; their short titles are ours."),
    )
    summary = models.TextField(_("content in brief"), blank=True)
    recommended_activities = models.JSONField(_("recommended activities (allmänna råd)"), default=list, blank=True)
    verification = models.CharField(_("verification"), max_length=1, choices=Verification.choices)
    source_note = models.TextField(_("source and verification note"), blank=True)

    class Meta:
        ordering = ["curriculum", "position"]
        verbose_name = _("delmål")
        verbose_name_plural = _("delmål")
        constraints = [models.UniqueConstraint(fields=["curriculum", "code"], name="goal_code_unique")]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def course_required(self):
        """True when some requirement group can only be met by a course."""
        groups = {}
        for requirement in self.requirements.all():
            groups.setdefault(requirement.alternative_group, set()).add(requirement.activity_type)
        return any(options == {ActivityType.COURSE} for options in groups.values())

    def requirement_groups(self):
        """The required activities as a list of alternative groups, in order."""
        groups = {}
        for requirement in self.requirements.all():
            groups.setdefault(requirement.alternative_group, []).append(requirement)
        return [groups[key] for key in sorted(groups)]


class GoalRequirement(models.Model):
    goal = models.ForeignKey(Goal, verbose_name=_("delmål"), on_delete=models.CASCADE, related_name="requirements")
    alternative_group = models.PositiveSmallIntegerField(
        _("group"), help_text=_("Options in the same group are alternatives; every group must be met.")
    )
    activity_type = models.CharField(_("activity"), max_length=30, choices=ActivityType.choices)
    setting = models.CharField(_("where"), max_length=20, choices=Setting.choices, default=Setting.ANY)

    class Meta:
        ordering = ["goal", "alternative_group", "pk"]
        verbose_name = _("required activity")
        verbose_name_plural = _("required activities")
        constraints = [
            models.UniqueConstraint(
                fields=["goal", "alternative_group", "activity_type", "setting"], name="goal_requirement_unique"
            )
        ]

    def __str__(self):
        label = self.get_activity_type_display()
        if self.setting != Setting.ANY:
            label = f"{label} ({self.get_setting_display()})"
        return label
