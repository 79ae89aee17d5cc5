"""Specialistkollegium: once a year the unit's specialists, with the enhetschef and the
studierektor, assess each of the unit's ST-läkare in a structured way.

A panel is created for a unit with one review per ST-läkare of the unit. Before the
session each ST-läkare writes and submits a self-assessment; during or after it the
studierektor or chef records the panel's view per area and 1–2 clinical and 1–2
non-clinical focus areas until next time, and marks the panel held. From then on the
panel and its reviews are frozen (the models refuse to save them), and each ST-läkare
and their huvudhandledare can read the panel's views.

Each change locks the stored panel row, checks the actor (PermissionDenied) and the
state (ValidationError with a Swedish message and a `code`), saves only the fields it
changes and writes an audit event. `panel_due` is pure.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.domain import administered_regions, is_national_administrator, record_event
from accounts.enums import Role
from accounts.models import User
from assessments.models import PanelReview, SpecialistPanel
from portfolio.models import Trainee
from portfolio.timecalc import add_months

MANAGE_PERM = "assessments.manage_panel"

# The areas the panel gives its view on, in the order of the form.
AREAS = (
    ("medical_knowledge", gettext_lazy("medical knowledge and clinical skills")),
    ("communication", gettext_lazy("communication")),
    ("leadership", gettext_lazy("leadership and collaboration")),
    ("science_quality", gettext_lazy("scientific approach and quality work")),
    ("professionalism", gettext_lazy("professionalism and ethics")),
)
AREA_CODES = tuple(code for code, _label in AREAS)

# How many focus areas of each kind are agreed until next time.
MAX_FOCUS = 2
INTERVAL_MONTHS = 12
PANEL_FIELDS = ("date", "unit_head", "study_director", "notes")


def focus_list(text: str) -> list[str]:
    """The focus areas stored one a line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def focus_text(items) -> str:
    return "\n".join(item.strip() for item in items if item and item.strip())


# --- who --------------------------------------------------------------------


def specialist_candidates(unit):
    """The people who may take part as specialists: the unit's specialists and handledare."""
    return (
        User.objects.filter(memberships__unit=unit, memberships__role__in=[Role.SPECIALIST, Role.SUPERVISOR])
        .distinct()
        .order_by("name")
    )


def people_with_role(unit, role):
    return User.objects.filter(memberships__unit=unit, memberships__role=role).distinct().order_by("name")


def can_manage(user, unit) -> bool:
    """Studierektor or chef of the unit; remembered on the user object, as one page asks several times."""
    known = user.__dict__.setdefault("_manages_units", {})
    if unit.pk not in known:
        known[unit.pk] = user.has_perm(MANAGE_PERM, unit)
    return known[unit.pk]


def may_open_unit(user, unit) -> bool:
    """Who may open the unit's specialistkollegium pages (the rest get 404): its studierektor
    or chef, a specialist taking part in one of its panels, or an administrator of its region."""
    if not user.is_authenticated:
        return False
    if can_manage(user, unit) or is_national_administrator(user):
        return True
    if SpecialistPanel.objects.filter(unit=unit, specialists=user).exists():
        return True
    return _administers(user, unit)


def visible_panels(user, unit):
    """The unit's panels the user may open: all of them for its leaders and administrators,
    the ones they take part in for a specialist."""
    panels = SpecialistPanel.objects.filter(unit=unit)
    if not (can_manage(user, unit) or is_national_administrator(user) or _administers(user, unit)):
        panels = panels.filter(specialists=user)
    return panels


def panels_for(user, unit):
    """`visible_panels`, newest first, with the number of reviews and submitted self-assessments."""
    return (
        visible_panels(user, unit)
        .select_related("held_by")
        .annotate(
            review_count=Count("reviews", distinct=True),
            self_assessment_count=Count("reviews", filter=Q(reviews__self_assessment_at__isnull=False), distinct=True),
        )
        .order_by("-date", "-pk")
    )


def _administers(user, unit):
    return administered_regions(user).filter(pk=unit.region_id).exists()


def sees_everything(user, panel) -> bool:
    """The unit's studierektor or chef and the panel's participating specialists see the
    self-assessments and the panel's views before the panel is held."""
    return can_manage(user, panel.unit) or panel.specialists.filter(pk=user.pk).exists()


# --- changes ----------------------------------------------------------------


def _require_manager(user, unit):
    if not can_manage(user, unit):
        raise PermissionDenied(f"{user} lacks {MANAGE_PERM} for unit {unit.pk}")


def _locked_panel(panel):
    return SpecialistPanel.objects.select_for_update(of=("self",)).select_related("unit").get(pk=panel.pk)


def _require_not_held(panel):
    if panel.is_held:
        raise ValidationError(_("This specialistkollegium has been held and can no longer be changed."), code="held")


def _add_missing_reviews(panel):
    """One review per ST-läkare of the unit; those already in the panel keep theirs."""
    present = PanelReview.objects.filter(panel=panel).values("trainee")
    missing = Trainee.objects.filter(unit=panel.unit_id).exclude(pk__in=present).values_list("pk", flat=True)
    PanelReview.objects.bulk_create(PanelReview(panel=panel, trainee_id=pk) for pk in missing)


@transaction.atomic
def create_panel(unit, *, by, date, specialists=(), unit_head=None, study_director=None, notes=""):
    """A new panel for `unit`, with one review for each of the unit's ST-läkare."""
    _require_manager(by, unit)
    panel = SpecialistPanel.objects.create(
        unit=unit, date=date, unit_head=unit_head, study_director=study_director, notes=notes, created_by=by
    )
    panel.specialists.set(specialists)
    _add_missing_reviews(panel)
    record_event(by, "panel.created", panel, date=f"{date:%Y-%m-%d}", reviews=panel.reviews.count())
    return panel


@transaction.atomic
def update_panel(panel, *, by, specialists, **fields):
    """Change a panel that has not been held; ST-läkare who joined the unit since get a review."""
    unknown = set(fields) - set(PANEL_FIELDS)
    if unknown:
        raise TypeError(f"Not fields of a specialistkollegium: {sorted(unknown)}")
    locked = _locked_panel(panel)
    _require_manager(by, locked.unit)
    _require_not_held(locked)
    changed = [name for name, value in fields.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, fields[name])
        setattr(panel, name, fields[name])
    if changed:
        locked.save(update_fields=changed)
    locked.specialists.set(specialists)
    _add_missing_reviews(locked)
    record_event(by, "panel.updated", panel, fields=changed)
    return panel


def _locked_review(review):
    """The review and its panel, the panel row locked: holding it and writing a review cannot cross."""
    panel = _locked_panel(review.panel)
    return PanelReview.objects.select_related("trainee").get(pk=review.pk), panel


@transaction.atomic
def save_review(review, *, by, area_views, focus_clinical, focus_non_clinical):
    """The panel's view per area and the focus areas for one ST-läkare (the unit's leaders only)."""
    stored, panel = _locked_review(review)
    _require_manager(by, panel.unit)
    _require_not_held(panel)
    unknown = set(area_views) - set(AREA_CODES)
    if unknown:
        raise TypeError(f"Not areas of a specialistkollegium: {sorted(unknown)}")
    if len(focus_clinical) > MAX_FOCUS or len(focus_non_clinical) > MAX_FOCUS:
        raise ValidationError(_("Agree on at most two focus areas of each kind."), code="too_many_focus_areas")
    stored.area_views = {code: text.strip() for code, text in area_views.items() if text and text.strip()}
    stored.focus_clinical = focus_text(focus_clinical)
    stored.focus_non_clinical = focus_text(focus_non_clinical)
    fields = ["area_views", "focus_clinical", "focus_non_clinical", "updated_at"]
    stored.save(update_fields=fields)
    for name in fields:
        setattr(review, name, getattr(stored, name))
    record_event(by, "panel.review_saved", review, panel=panel.pk, trainee=stored.trainee_id)
    return review


@transaction.atomic
def save_self_assessment(review, *, by, text, submit=False):
    """The ST-läkare's own self-assessment: editable until submitted or until the panel is held."""
    stored, panel = _locked_review(review)
    if stored.trainee.user_id != by.pk:
        raise PermissionDenied(f"{by} is not the ST-läkare of review {review.pk}")
    _require_not_held(panel)
    if stored.self_assessment_at is not None:
        raise ValidationError(
            _("Your self-assessment has been submitted and can no longer be changed."), code="submitted"
        )
    text = (text or "").strip()
    if submit and not text:
        raise ValidationError(_("Write your self-assessment before you submit it."), code="empty")
    stored.self_assessment = text
    fields = ["self_assessment", "updated_at"]
    if submit:
        stored.self_assessment_at = timezone.now()
        fields.append("self_assessment_at")
    stored.save(update_fields=fields)
    for name in fields:
        setattr(review, name, getattr(stored, name))
    record_event(by, "panel.self_assessment_submitted" if submit else "panel.self_assessment_saved", review)
    return review


def missing_focus(reviews) -> list:
    """The reviews that still lack a clinical or a non-clinical focus area."""
    return [r for r in reviews if not focus_list(r.focus_clinical) or not focus_list(r.focus_non_clinical)]


@transaction.atomic
def mark_held(panel, *, by):
    """Mark the panel held: every ST-läkare must have at least one focus area of each kind.
    From now on the panel and its reviews cannot change, and the views become visible."""
    locked = _locked_panel(panel)
    _require_manager(by, locked.unit)
    _require_not_held(locked)
    today = timezone.localdate()
    if locked.date > today:
        raise ValidationError(
            _("The specialistkollegium is planned for %(date)s and cannot be marked as held before then.")
            % {"date": f"{locked.date:%Y-%m-%d}"},
            code="not_yet",
        )
    reviews = PanelReview.objects.filter(panel=locked).select_related("trainee__user")
    lacking = missing_focus(reviews)
    if lacking:
        raise ValidationError(
            _(
                "Every ST-läkare needs at least one clinical and one non-clinical focus area before the "
                "specialistkollegium can be marked as held. Still missing for: %(names)s."
            )
            % {"names": ", ".join(r.trainee.user.name for r in lacking)},
            code="focus_missing",
        )
    locked.held_at = timezone.now()
    locked.held_by = by
    locked.save(update_fields=["held_at", "held_by"])
    panel.held_at, panel.held_by = locked.held_at, by
    record_event(by, "panel.held", panel, reviews=len(reviews))
    return panel


# --- when the next one is due -----------------------------------------------


def panel_due(last_held: date | None, today: date) -> date:
    """The next specialistkollegium is due a year after the last one held; a unit that has
    never held one is due now (`today`)."""
    if last_held is None:
        return today
    return add_months(last_held, INTERVAL_MONTHS)


def last_panel_date(unit) -> date | None:
    """The date of the unit's latest held specialistkollegium, or None."""
    return SpecialistPanel.objects.filter(unit=unit, held_at__isnull=False).aggregate(last=Max("date"))["last"]


# --- reading a review -------------------------------------------------------


def area_rows(review):
    """[(label, text)] for every area, in order; an area without a view has ""."""
    views = review.area_views or {}
    return [(label, views.get(code, "")) for code, label in AREAS]
