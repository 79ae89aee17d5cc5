"""Read-side queries that take the user; every one starts from a visibility query."""

from django.db.models import Count, Prefetch, Q

from accounts.enums import Role
from accounts.models import Membership, Unit
from portfolio.enums import CurriculumKind
from portfolio.models import Curriculum, Goal, GoalRequirement, Trainee

TRAINEE_RELATED = ["user", "unit", "unit__region", "specialty", "regulation", "main_supervisor"]


def trainees_for(user):
    return Trainee.objects.visible_to(user).select_related(*TRAINEE_RELATED)


def own_trainee(user):
    """The user's own ST profile, or None. The user is the one given, not read again: each
    table joined costs PostgreSQL time to plan, on every start page."""
    related = [name for name in TRAINEE_RELATED if name != "user"]
    # One row at most (the profile is one to one): no ordering to sort it by.
    trainee = Trainee.objects.select_related(*related).filter(user=user).order_by().first()
    if trainee is not None:
        trainee.user = user
    return trainee


def supervised_trainees(user):
    """Trainees the user supervises or follows as the second specialist, with what the start
    page lists of each (name, unit, regulation): every table joined costs PostgreSQL time to
    plan, even when, as for most users, no trainee matches."""
    return (
        Trainee.objects.active()
        .filter(Q(main_supervisor=user) | Q(second_specialist=user))
        .select_related("user", "unit", "regulation")
        .order_by("user__name")
    )


def led_units(user):
    """Units where the user is studierektor or chef, with the number of active (not archived)
    trainees in each."""
    active = Q(trainees__archived_at__isnull=True)
    return (
        Unit.objects.filter(memberships__user=user, memberships__role__in=[Role.STUDY_DIRECTOR, Role.UNIT_HEAD])
        .annotate(trainee_count=Count("trainees", filter=active, distinct=True))
        .select_related("region")
        .distinct()
        .order_by("name")
    )


def unit_people(unit_id):
    """Studierektorer and chefer of a unit, for the trainee page's who-is-who."""
    return (
        Membership.objects.filter(unit_id=unit_id, role__in=[Role.STUDY_DIRECTOR, Role.UNIT_HEAD])
        .select_related("user")
        .order_by("role", "user__name")
    )


def curriculum_with_goals(curriculum_id):
    requirements = GoalRequirement.objects.order_by("alternative_group", "pk")
    goals = Goal.objects.order_by("position").prefetch_related(Prefetch("requirements", queryset=requirements))
    return (
        Curriculum.objects.select_related("regulation", "specialty")
        .prefetch_related(Prefetch("goals", queryset=goals))
        .get(pk=curriculum_id)
    )


def trainee_goals(trainee):
    """The delmål of the trainee's målbeskrivning, plus BT's when the regulation has BT, in order
    (one query; "st" sorts after "bt" descending, so the specialty's delmål come first)."""
    wanted = Q(curriculum__kind=CurriculumKind.ST, curriculum__specialty=trainee.specialty_id)
    if trainee.regulation.bt_required:
        wanted |= Q(curriculum__kind=CurriculumKind.BT)
    return (
        Goal.objects.filter(wanted, curriculum__regulation=trainee.regulation_id)
        .select_related("curriculum")
        .order_by("-curriculum__kind", "position")
    )
