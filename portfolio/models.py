from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.domain import is_national_administrator
from accounts.enums import Role
from accounts.models import Membership, Specialty, Unit
from portfolio.enums import ActivityType, BTMode, CurriculumKind, GoalGroup, RegulationCode, Setting, Verification


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


class TraineeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Every list, page, export and PDF about trainees starts here.

        A user sees a trainee when they are the trainee, the huvudhandledare, the
        second specialist or the named studierektor; a studierektor or chef of the
        trainee's unit; an administrator of its region; or a national administrator.
        """
        if not user.is_authenticated:
            return self.none()
        if is_national_administrator(user):
            return self.all()
        unit_roles = [Role.STUDY_DIRECTOR, Role.UNIT_HEAD]
        led_units = Membership.objects.filter(user=user, role__in=unit_roles).values("unit")
        admin_regions = Membership.objects.filter(user=user, role=Role.ADMINISTRATOR).values("region")
        return self.filter(
            models.Q(user=user)
            | models.Q(main_supervisor=user)
            | models.Q(second_specialist=user)
            | models.Q(study_director=user)
            | models.Q(unit__in=led_units)
            | models.Q(unit__region__in=admin_regions)
        )


class Trainee(models.Model):
    """An ST-läkare (BT-läkare during BT): the profile that makes a user a trainee."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="trainee"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="trainees")
    specialty = models.ForeignKey(Specialty, verbose_name=_("specialty"), on_delete=models.PROTECT)
    regulation = models.ForeignKey(Regulation, verbose_name=_("regulation"), on_delete=models.PROTECT)
    bt_mode = models.CharField(_("BT"), max_length=12, choices=BTMode.choices, default=BTMode.NONE)
    bt_approved_on = models.DateField(
        _("date of intyg om godkänd BT"),
        null=True,
        blank=True,
        help_text=_("The date on Socialstyrelsen's certificate that BT is approved."),
    )
    st_start = models.DateField(_("start of ST"))
    main_supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("huvudhandledare"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_trainees",
    )
    second_specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("second specialist"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followed_trainees",
        help_text=_("The specialist named in the contract who follows the training and signs at the end."),
    )
    study_director = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("studierektor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="directed_trainees",
    )
    has_doctorate = models.BooleanField(_("doktorsexamen"), default=False)

    objects = TraineeQuerySet.as_manager()

    class Meta:
        ordering = ["user__name"]
        verbose_name = _("ST-läkare")
        verbose_name_plural = _("ST-läkare")

    def __str__(self):
        return str(self.user)

    def clean(self):
        super().clean()
        errors = {}
        has_curriculum = Curriculum.objects.filter(
            regulation_id=self.regulation_id, specialty_id=self.specialty_id, kind=CurriculumKind.ST
        ).exists()
        if self.regulation_id and self.specialty_id and not has_curriculum:
            errors["specialty"] = _("There is no målbeskrivning for this specialty under the chosen regulation.")
        bt_possible = self.regulation_id and self.regulation.bt_required
        if not bt_possible and self.bt_mode != BTMode.NONE:
            errors["bt_mode"] = _("BT exists only under HSLF-FS 2021:8.")
        if bt_possible and self.bt_mode == BTMode.NONE:
            errors["bt_mode"] = _("Under HSLF-FS 2021:8 the ST-läkare does BT, integrated or before ST.")
        if self.bt_approved_on and self.bt_mode == BTMode.NONE:
            errors["bt_approved_on"] = _("A BT approval date needs a BT.")
        if self.main_supervisor_id and self.main_supervisor_id == self.user_id:
            errors["main_supervisor"] = _("The ST-läkare cannot be their own handledare.")
        if self.second_specialist_id and self.second_specialist_id in (self.user_id, self.main_supervisor_id):
            errors["second_specialist"] = _("The second specialist must be someone other than the huvudhandledare.")
        if errors:
            raise ValidationError(errors)

    @property
    def curriculum(self):
        return Curriculum.objects.get(regulation=self.regulation, specialty=self.specialty, kind=CurriculumKind.ST)

    @property
    def in_bt(self):
        return self.bt_mode != BTMode.NONE and self.bt_approved_on is None
