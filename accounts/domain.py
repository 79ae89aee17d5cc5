"""Queries and small operations on people, units and regional policy."""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

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
    cached = getattr(user, "_is_national_administrator", None)
    if cached is None:
        cached = user.is_superuser or user.memberships.filter(role=Role.ADMINISTRATOR, region__isnull=True).exists()
        user._is_national_administrator = cached
    return cached


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
        data=data,
    )
