"""The overview of many trainees: one query for a page, whatever its size.

Every flag is a database expression over the stored status (StatusSnapshot) and the
live records, evaluated against `today` in the query itself. The snapshot holds the
figures only `build_status` can compute (time per calendar month, norms pro-rated for
part-time and leave) and the due dates; whether a date has passed is decided here,
so a snapshot computed days ago still flags the right trainees. The rule behind each
flag is the one `build_status` and `due_next` apply to a single trainee; a test walks
every demo trainee and checks that both give the same answer.
"""

import functools
from datetime import date

from django.db.models import BooleanField, Case, F, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from accounts.models import Membership
from assessments.action_plans import has_open_action_plan
from assessments.enums import MidTermStatus
from portfolio.models import StatusSnapshot, Trainee

# A stored Mitt-i-ST status that means "still to be ordered" ("" = no evaluation yet), as in
# portfolio.snapshot.due_next; the reminders and the calendar read the same constant.
MID_ST_NOT_ORDERED = ("", MidTermStatus.PLANNED)

FLAGS = {
    "iup_overdue": _("IUP försenad"),
    "supervision_below": _("Handledning under normen"),
    "assessments_below": _("Kompetensvärderingar under normen"),
    "statement_overdue": _("Handledarutlåtande försenat"),
    "statement_at_risk": _("Risk noted in handledarutlåtande"),
    "visit_overdue": _("Årsbesök försenat"),
    "mid_st_overdue": _("Mitt-i-ST not ordered in time"),
    "no_panel_this_year": _("No specialistkollegium this year"),
    "open_action_plan": _("Open åtgärdsplan"),
}


def flag_conditions(today: date) -> dict[str, Q]:
    """Each flag as a condition on a Trainee queryset, for the day `today`."""
    return {
        "iup_overdue": Q(snapshot__iup_due__lt=today),
        "supervision_below": Q(snapshot__supervision_meets_norm=False),
        "assessments_below": Q(snapshot__assessments_last_met=False),
        "statement_overdue": Q(snapshot__statement_done=False, snapshot__statement_due__lt=today),
        "statement_at_risk": Q(snapshot__statement_at_risk=True),
        "visit_overdue": Q(snapshot__next_visit_due__lt=today),
        "mid_st_overdue": Q(
            snapshot__mid_st_wanted=True,
            snapshot__mid_st_status__in=MID_ST_NOT_ORDERED,
            snapshot__mid_st_order_by__lt=today,
            snapshot__mid_st_target__gte=today,
        ),
        "no_panel_this_year": ~Q(snapshot__panel_date__gte=date(today.year, 1, 1)),
        "open_action_plan": Q(has_open_action_plan()),
    }


def _as_boolean(condition):
    # CASE, not the bare condition: a missing snapshot compares as NULL, and a flag is
    # True or False.
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def with_flags(queryset, today: date):
    """Annotate each flag and `attention` (how many are raised) on a Trainee queryset."""
    conditions = flag_conditions(today)
    flags = {name: _as_boolean(condition) for name, condition in conditions.items()}
    attention = sum(
        (
            Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())
            for condition in conditions.values()
        ),
        Value(0),
    )
    return queryset.annotate(**flags, attention=attention)


def with_flag(queryset, name: str):
    """Only the trainees with flag `name` raised ("any": at least one), on a queryset from
    `with_flags`: the filter reads its annotations, so list and filter judge the same day."""
    if name == "any":
        return queryset.filter(attention__gt=0)
    return queryset.filter(**{name: True})


SCOPES = {
    "supervised": _("ST-läkare I supervise"),
    "units": _("The units I lead"),
}


def in_scope(queryset, user, scope: str):
    """Narrow the visible trainees to the ones the user follows in one role."""
    if scope == "supervised":
        return queryset.filter(Q(main_supervisor=user) | Q(second_specialist=user))
    if scope == "units":
        led = Membership.objects.filter(user=user, role__in=[Role.STUDY_DIRECTOR, Role.UNIT_HEAD]).values("unit")
        return queryset.filter(Q(unit__in=led) | Q(study_director=user))
    return queryset


# What a row of the overview and its exports show; nothing else is read (a page is 50 rows,
# and building each model's fields is much of the page's time). The names of the person, the
# unit and the regulation come as annotations (user_name, unit_name, regulation_name), not
# as three more model instances a row.
OVERVIEW_RELATED = ["snapshot"]
OVERVIEW_NAMES = {"user_name": F("user__name"), "unit_name": F("unit__name"), "regulation_name": F("regulation__name")}
OVERVIEW_FIELDS = [
    "bt_mode",
    "bt_approved_on",
    "archived_at",
    *(f"snapshot__{field.name}" for field in StatusSnapshot._meta.concrete_fields if field.name != "trainee"),
]


@functools.lru_cache(maxsize=2)
def _flagged(today: date):
    # Building the nineteen CASE expressions costs about 2 ms a request; they depend on the
    # day only, so each day's queryset is built once and cloned (never evaluated itself), as
    # a generic view clones its class's queryset.
    rows = Trainee.objects.select_related(*OVERVIEW_RELATED).only(*OVERVIEW_FIELDS).annotate(**OVERVIEW_NAMES)
    return with_flags(rows, today)


def overview_rows(user, today: date):
    """The trainees `user` may see, with the stored status and every flag, for one query per page.
    The rule is `visible_to`'s, as the union that reads only the visible trainees."""
    return _flagged(today).visible_to_many(user)
