from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Lookup
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from accounts.domain import is_national_administrator
from accounts.enums import Role
from accounts.models import Membership, Specialty, Unit
from portfolio.enums import ArchiveReason, BTMode, CurriculumKind
from portfolio.models.curricula import Curriculum, Regulation


def _visible_sql(column="id") -> str:
    """The union behind `TraineeQuerySet.visible_to_many`: each part reads one index.
    `column` is what each part selects of the visible trainees: their id, or their unit_id
    for the units they belong to (without joining the trainees a second time)."""
    if column not in ("id", "unit_id"):
        raise ValueError(column)
    trainee, membership, unit = Trainee._meta.db_table, Membership._meta.db_table, Unit._meta.db_table
    # Table and column names from the code, every value a parameter.
    return (
        f"SELECT {column} FROM {trainee} WHERE user_id = %s"  # noqa: S608  # nosec B608
        f" UNION SELECT {column} FROM {trainee} WHERE main_supervisor_id = %s"
        f" UNION SELECT {column} FROM {trainee} WHERE second_specialist_id = %s"
        f" UNION SELECT {column} FROM {trainee} WHERE study_director_id = %s"
        f" UNION SELECT {column} FROM {trainee} WHERE unit_id IN"
        f" (SELECT unit_id FROM {membership} WHERE user_id = %s AND role IN (%s, %s))"
        f" UNION SELECT t.{column} FROM {trainee} t JOIN {unit} u ON u.id = t.unit_id WHERE u.region_id IN"
        f" (SELECT region_id FROM {membership} WHERE user_id = %s AND role = %s)"
    )


def _visible_params(user) -> list:
    return [
        *[user.pk] * 5,
        Role.STUDY_DIRECTOR.value,
        Role.UNIT_HEAD.value,
        user.pk,
        Role.ADMINISTRATOR.value,
    ]


class InSubquery(Lookup):
    """`lhs IN (subquery)`; on PostgreSQL `lhs = ANY(ARRAY(subquery))`, the same set.

    For the visibility union PostgreSQL then reads the visible ids first (an InitPlan, run
    once) and looks each trainee up by its primary key, instead of hash-joining them with a
    scan of every trainee and snapshot: on the overview of 1,005 of 10,000 trainees a
    page's query went from about 10 to 8.5 ms, and with "any flag" from 21 to 10 ms (the
    flags are computed for the visible rows only).
    """

    lookup_name = "in_subquery"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN {rhs}", [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        # `rhs` is the parenthesised subquery: ARRAY(...) takes it as it is.
        return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]


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

    def visible_to_many(self, user):
        """The same trainees as `visible_to`, for lists of many: the rule as a union of
        lookups that each read an index (the user's own profile, the trainees naming the
        user, the trainees of the led units, the trainees of the administered regions), so
        the database reads only the visible trainees instead of testing every trainee
        against an OR over joins. tests/portfolio/test_visible_to_many.py holds both equal.
        """
        if not user.is_authenticated:
            return self.none()
        if is_national_administrator(user):
            return self.all()
        # Written out, not as six querysets and a union(): building those costs several
        # milliseconds of Python a request, more than the database needs to answer.
        return self.filter(InSubquery(F("pk"), RawSQL(_visible_sql(), _visible_params(user))))  # noqa: S611  # nosec B611

    def units_visible_to_many(self, user):
        """The units of the trainees `visible_to_many(user)` gives, for a filter's choices:
        the same union, selecting each trainee's unit instead of the trainee."""
        if not user.is_authenticated:
            return Unit.objects.none()
        if is_national_administrator(user):
            return Unit.objects.filter(pk__in=self.values("unit"))
        return Unit.objects.filter(pk__in=RawSQL(_visible_sql("unit_id"), _visible_params(user)))  # noqa: S611  # nosec B611

    def active(self):
        """Not archived: the trainees the overview, the counts and the reminders are about."""
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)


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
    # Archived: finished or left. The portfolio is kept read-only (the change permissions in
    # portfolio/rules.py require an active trainee) until the retention job deletes it
    # (settings.ARCHIVE_RETENTION_DAYS after archived_at); restoring clears all three.
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True, db_index=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("archived by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    archive_reason = models.CharField(
        _("reason for archiving"), max_length=20, choices=ArchiveReason.choices, blank=True
    )

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
    def required_fte_months(self):
        """The regulation's minimum full-time months, shorter with a doktorsexamen."""
        regulation = self.regulation
        return regulation.min_fte_months_with_doctorate if self.has_doctorate else regulation.min_fte_months

    @property
    def is_archived(self):
        return self.archived_at is not None

    def require_active(self):
        """Refuse a change to an archived portfolio. The rules refuse it already for everyone who
        acts through a permission; the signing functions, which check that the user is the named
        signer instead, call this on the locked row so that nothing new is signed after archiving."""
        if self.archived_at is not None:
            raise ValidationError(
                _("The portfolio is archived: nothing more can be signed or changed in it."), code="archived"
            )

    @property
    def in_bt(self):
        return self.bt_mode != BTMode.NONE and self.bt_approved_on is None
