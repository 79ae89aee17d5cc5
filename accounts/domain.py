"""Queries and small operations on people, units and regional policy."""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from accounts.audit import trainee_id_of
from accounts.enums import Role
from accounts.models import AuditEvent, MandatoryCourse, Region, RegionPolicy, Specialty, Unit

# Region Norrbotten's mandatory courses for ST in allmänmedicin (guide 2025), the
# default for a new region's policy; an administrator edits them per region.
DEFAULT_MANDATORY_COURSES = {
    "allmanmedicin": [
        "BHV-kurs",
        "Kurs i allmänmedicinskt förhållningssätt",
        "Konsultationskurs",
        "Kurs i lagar, föreskrifter och myndighetsutövning",
    ],
}
DEFAULT_COURSE_NOTE = "Standardvärde från Region Norrbottens ST-guide (2025); ändra efter regionens regler."


def policy_for(region: Region) -> RegionPolicy:
    """The region's policy, created with the default norms the first time it is asked for.

    Kept on the region object, so the several figures of one page read it once.
    """
    cached = getattr(region, "_policy_cache", None)
    if cached is not None:
        return cached
    policy = RegionPolicy.objects.filter(region=region).first() or _create_policy(region)
    region._policy_cache = policy
    return policy


def prime_policies(regions, known: dict | None = None) -> dict:
    """`policy_for` for many region objects at once (each trainee of a batch holds its own
    copy of the region): one query for the regions not in `known` (region pk → policy),
    and each object's cache set, so that `policy_for` on any of them asks nothing more.
    Returns `known`, extended; pass it back for the next batch."""
    known = {} if known is None else known
    for region in regions:
        cached = getattr(region, "_policy_cache", None)
        if cached is not None:
            known.setdefault(region.pk, cached)
    missing = {region.pk for region in regions if region.pk not in known}
    if missing:
        known.update((policy.region_id, policy) for policy in RegionPolicy.objects.filter(region_id__in=missing))
    for region in regions:
        if region.pk not in known:
            known[region.pk] = policy_for(region)  # the region's first use creates it
        region._policy_cache = known[region.pk]
    return known


@transaction.atomic
def _create_policy(region: Region) -> RegionPolicy:
    policy, created = RegionPolicy.objects.get_or_create(region=region)
    if created:
        for specialty in Specialty.objects.filter(slug__in=DEFAULT_MANDATORY_COURSES):
            MandatoryCourse.objects.bulk_create(
                MandatoryCourse(policy=policy, specialty=specialty, name=name, note=DEFAULT_COURSE_NOTE)
                for name in DEFAULT_MANDATORY_COURSES[specialty.slug]
            )
    return policy


def units_with_role(user, role: Role):
    """Units where the user holds the given role (a queryset, usable as a subquery)."""
    return Unit.objects.filter(memberships__user=user, memberships__role=role)


def is_national_administrator(user) -> bool:
    """Superuser or administrator of every region; cached on the user object per request."""
    if not user.is_authenticated:
        return False
    if getattr(user, "_is_national_administrator", None) is None:
        roles_of(user)
    return user._is_national_administrator


def roles_of(user) -> set[tuple[str, int | None]]:
    """(role, region pk) of each of the user's memberships, in one query. It settles (and
    defines) `is_national_administrator` for the request too, so that check costs no query
    of its own."""
    if not user.is_authenticated:
        return set()
    roles = set(user.memberships.order_by().values_list("role", "region_id"))
    user._is_national_administrator = user.is_superuser or (Role.ADMINISTRATOR, None) in roles
    return roles


def administered_regions(user):
    """Regions the user may administer: all for a superuser or a national administrator."""
    if not user.is_authenticated:
        return Region.objects.none()
    if is_national_administrator(user):
        return Region.objects.all()
    return Region.objects.filter(administrators__user=user, administrators__role=Role.ADMINISTRATOR)


def record_event(actor, action: str, target, **data) -> AuditEvent:
    """Append an audit event for `target` (any model instance)."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        trainee_id=trainee_id_of(target),
        data=data,
    )
