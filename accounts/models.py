from decimal import Decimal

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.enums import ReminderFrequency, Role, UnitKind

hsa_id_validator = RegexValidator(
    regex=r"^SE\d{10}-[A-Za-z0-9]{1,31}$",
    message=_("Enter an HSA-id of the form SE2321000016-1003."),
)


class Specialty(models.Model):
    """A medical specialty (allmänmedicin, psykiatri …).

    It lives here rather than in portfolio because a Unit has a specialty and
    accounts is the lowest layer; the curricula in portfolio point to it.
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")

    def __str__(self):
        return self.name


class AppUserManager(UserManager):
    def create_user(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("name", username)
        return super().create_user(username, email, password, **extra_fields)

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("name", username)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    first_name = None
    last_name = None
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail address"))
    hsa_id = models.CharField(
        _("HSA-id"),
        max_length=44,
        blank=True,
        validators=[hsa_id_validator],
        help_text=_("Optional. The person's id in the HSA catalogue."),
    )
    specialist_in = models.ForeignKey(
        Specialty,
        verbose_name=_("specialist in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="specialists",
    )
    supervisor_training_year = models.PositiveSmallIntegerField(
        _("handledarutbildning (year)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1970), MaxValueValidator(2100)],
        help_text=_("The year the person completed handledarutbildning, if they have."),
    )
    reminder_frequency = models.CharField(
        _("reminder e-mails"),
        max_length=12,
        choices=ReminderFrequency.choices,
        default=ReminderFrequency.WEEKLY,
        help_text=_("How often you get the e-mail about what is due. What waits for your signature comes daily."),
    )

    objects = AppUserManager()

    REQUIRED_FIELDS = ["email", "name"]

    class Meta:
        ordering = ["name"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            models.UniqueConstraint(fields=["hsa_id"], condition=~models.Q(hsa_id=""), name="user_hsa_id_unique"),
        ]

    def __str__(self):
        return self.name or self.username

    def clean(self):
        super().clean()
        self.email = self.email.strip().lower()

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name.split(" ")[0] if self.name else self.username

    @property
    def has_supervisor_training(self):
        return self.supervisor_training_year is not None


class Region(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    code = models.SlugField(_("short name"), max_length=40, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name


class Unit(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    specialty = models.ForeignKey(Specialty, verbose_name=_("specialty"), on_delete=models.PROTECT)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="units")

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="unit_name_unique_in_region")]

    def __str__(self):
        return self.name


class MembershipQuerySet(models.QuerySet):
    def of_role(self, role):
        return self.filter(role=role)


class Membership(models.Model):
    """A person's role at a unit (handledare, studierektor, chef, specialist), or an
    administrator's scope: one region, or every region when region is empty."""

    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="administrators",
        help_text=_("Only for administrators: the region they administer. Empty means every region."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["user__name", "role"]
        verbose_name = _("role membership")
        verbose_name_plural = _("role memberships")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role=Role.ADMINISTRATOR, unit__isnull=True)
                    | (~models.Q(role=Role.ADMINISTRATOR) & models.Q(unit__isnull=False, region__isnull=True))
                ),
                name="membership_scope_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit"], condition=models.Q(unit__isnull=False), name="membership_unique_unit"
            ),
            models.UniqueConstraint(
                fields=["user", "region"],
                condition=models.Q(role=Role.ADMINISTRATOR, region__isnull=False),
                name="membership_unique_region_admin",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(role=Role.ADMINISTRATOR, region__isnull=True),
                name="membership_unique_global_admin",
            ),
        ]

    def __str__(self):
        scope = self.unit or self.region or _("every region")
        return f"{self.user} – {self.get_role_display()} ({scope})"

    def clean(self):
        super().clean()
        if self.role == Role.ADMINISTRATOR:
            if self.unit_id:
                raise ValidationError({"unit": _("An administrator is tied to a region, not to a unit.")})
        else:
            if not self.unit_id:
                raise ValidationError({"unit": _("Choose the unit for this role.")})
            if self.region_id:
                raise ValidationError({"region": _("Only administrators have a region of their own.")})


def _default_revision_months():
    return [1, 5, 9]


class RegionPolicy(models.Model):
    """The regional norms that follow-up is measured against.

    Defaults come from Region Norrbotten's guide for ST in allmänmedicin (2025) and
    are not national rules: each region sets its own. Later features read these
    values instead of literals.
    """

    region = models.OneToOneField(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="policy")
    supervision_hours_per_week = models.DecimalField(
        _("handledning, hours per week"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("1.0"),
        validators=[MinValueValidator(Decimal("0.0")), MaxValueValidator(Decimal("40.0"))],
        help_text=_("Scheduled handledning per week of service. Default from Region Norrbotten (criterion 3)."),
    )
    assessments_per_half_year = models.PositiveSmallIntegerField(
        _("kompetensvärderingar per half-year"),
        default=4,
        validators=[MaxValueValidator(52)],
        help_text=_("Minimum documented kompetensvärderingar per half-year. Default from Region Norrbotten."),
    )
    sit_ins_per_quarter = models.PositiveSmallIntegerField(
        _("sit-ins by handledare per quarter"),
        default=2,
        validators=[MaxValueValidator(26)],
        help_text=_("Documented medsittningar by the handledare per quarter. Default from Region Norrbotten."),
    )
    iup_deadline_months = models.PositiveSmallIntegerField(
        _("first IUP approved within (months)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_("Months from the start of ST within which the first IUP must be approved."),
    )
    iup_revision_months = models.JSONField(
        _("IUP revision months"),
        default=_default_revision_months,
        help_text=_("Calendar months (1–12) in which the IUP is revised. Default January, May and September."),
    )
    mid_st_lead_time_months = models.PositiveSmallIntegerField(
        _("Mitt-i-ST ordered at least (months before)"),
        default=6,
        validators=[MaxValueValidator(36)],
        help_text=_("How long before the wanted date Mitt-i-ST must be ordered. Default from Region Norrbotten."),
    )
    mid_st_required = models.BooleanField(
        _("Mitt-i-ST required"),
        default=True,
        help_text=_("Whether the region requires Mitt-i-ST before the specialist application."),
    )
    final_review_required = models.BooleanField(
        _("studierektor's end-of-ST review required"),
        default=True,
        help_text=_("Whether the studierektor reviews the whole ST before the specialist application is sent."),
    )
    annual_visit_interval_months = models.PositiveSmallIntegerField(
        _("årsbesök every (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
    )
    self_study_hours_per_week = models.DecimalField(
        _("kompetensutvecklingstid, hours per week"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("4.0"),
        validators=[MinValueValidator(Decimal("0.0")), MaxValueValidator(Decimal("40.0"))],
        help_text=_("Protected time for study per week. Default from Region Norrbotten (criterion 6)."),
    )
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        User, verbose_name=_("updated by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("regional policy")
        verbose_name_plural = _("regional policies")

    def __str__(self):
        return str(self.region)

    def clean(self):
        super().clean()
        months = self.iup_revision_months
        if not isinstance(months, list) or not all(isinstance(m, int) and 1 <= m <= 12 for m in months):
            raise ValidationError({"iup_revision_months": _("Give the months as numbers from 1 to 12.")})
        self.iup_revision_months = sorted(set(months))


class MandatoryCourse(models.Model):
    policy = models.ForeignKey(
        RegionPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="mandatory_courses"
    )
    specialty = models.ForeignKey(
        Specialty,
        verbose_name=_("specialty"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Empty means every specialty."),
    )
    name = models.CharField(_("course"), max_length=200)
    note = models.CharField(_("source or note"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mandatory course")
        verbose_name_plural = _("mandatory courses")
        constraints = [
            models.UniqueConstraint(fields=["policy", "specialty", "name"], name="mandatory_course_unique"),
        ]

    def __str__(self):
        return self.name


class AuditEventQuerySet(models.QuerySet):
    def workflow(self):
        """The steps written by the domain functions (submitted, approved, signed …)."""
        from accounts.audit import RECORD_ACTIONS

        return self.exclude(action__in=RECORD_ACTIONS)

    def record_changes(self):
        """The field-level creates, changes and deletes written by accounts.audit."""
        from accounts.audit import RECORD_ACTIONS

        return self.filter(action__in=RECORD_ACTIONS)

    def update(self, **kwargs):
        raise PermissionError("Audit events cannot be changed.")

    def delete(self):
        raise PermissionError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """An append-only record of who did what to which record, and when.

    Written by the domain functions that change state (submit, approve, sign …), and for
    every create, change and delete of a registered record by accounts.audit, with the changed
    fields' values before and after in `changes`. Never updated or deleted through the
    application.
    """

    actor = models.ForeignKey(
        User, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    action = models.CharField(_("action"), max_length=60)
    target_type = models.ForeignKey("contenttypes.ContentType", verbose_name=_("record type"), on_delete=models.PROTECT)
    target_id = models.PositiveBigIntegerField(_("record"))
    # The trainee whose portfolio the record belongs to; a plain id, so that the event outlives
    # a deleted trainee (and the trainee's log can be read with one indexed lookup).
    trainee_id = models.PositiveBigIntegerField(_("ST-läkare"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["trainee_id", "-created_at"], name="audit_trainee_idx"),
        ]

    def __str__(self):
        return f"{self.action} {self.target_type.model}#{self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events cannot be deleted.")


class SentReminder(models.Model):
    """One reminder item mailed to one person on one day (`send_reminders`).

    The key names the item (e.g. "iup_overdue:trainee:42"); the unique constraint is
    what makes a second run on the same day send nothing that was already sent.
    """

    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    key = models.CharField(_("item"), max_length=120)
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-day", "user_id", "key"]
        verbose_name = _("sent reminder")
        verbose_name_plural = _("sent reminders")
        constraints = [models.UniqueConstraint(fields=["user", "day", "key"], name="sent_reminder_once_a_day")]

    def __str__(self):
        return f"{self.user_id} {self.day:%Y-%m-%d} {self.key}"


class CalendarFeed(models.Model):
    """A person's private calendar feed. The URL carries a random token; only its
    SHA-256 is stored, so a database dump reveals no working URL. Revoking deletes the
    row; a new token makes every earlier URL stop working."""

    user = models.OneToOneField(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(_("token fingerprint"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last fetched"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.user)
