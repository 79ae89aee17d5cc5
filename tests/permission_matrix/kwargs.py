"""Which object of the world each URL's keyword arguments name.

A value is the name of an object in the world (its pk is used) or a function of the world.
`trainee_pk` and `unit_pk` name the trainee and the trainee's unit unless a URL says otherwise.
URLs whose credential is in the URL (the assessor's link, the calendar feed, the password reset
link) are requested in variants: with the right token and with a wrong one.
"""

from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portfolio.application import SPECIALIST

DEFAULTS = {"trainee_pk": "trainee", "unit_pk": "unit"}
ONLY = ""  # the variant name of a URL requested once
# A record of Sara's side asked for under the other side's trainee or unit: the parent in the URL is
# one the user may well see, the record is not its own.
CROSSINGS = {"trainee_pk": "other_trainee", "unit_pk": "other_unit"}
# Not records of one side: the application's kind, and a criterion (the region's, shared by its units).
NOT_RECORDS = {"kind", "criterion_pk"}


def _region_code(world):
    return world.region.code


def _uidb64(world):
    return urlsafe_base64_encode(force_bytes(world.trainee.user.pk))


def _reset_token(world):
    return default_token_generator.make_token(world.trainee.user)


def _tampered(token):
    return token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")


def _in_url(value):
    return lambda _world: value


# <pk> of the URLs listed: the world's object named by the key. The signed kompetensvärdering and
# utlåtande are read; the handledare's drafts are what is changed.
PK_OF = {
    "trainee": ["trainee-detail", "trainee-archive", "trainee-restore"],
    "service_period": ["service-update", "service-delete"],
    "leave": ["leave-update", "leave-delete"],
    "meeting": ["supervision-update", "supervision-delete"],
    "plan": ["plan-detail", "plan-update", "plan-submit", "plan-approve", "plan-return", "plan-revise"],
    "course": ["course-update", "course-delete", "course-certificate"],
    "activity": ["activity-update", "activity-delete"],
    "report": ["report-update", "report-submit"],
    "visit": ["visit-update"],
    "certificate": [
        "certificate-detail",
        "certificate-update",
        "certificate-sign",
        "certificate-paper",
        "certificate-correct",
        "certificate-pdf",
    ],
    "curriculum": ["curriculum-detail"],
    "assessment": ["assessment-detail", "assessment-reflection"],
    "draft_assessment": ["assessment-update", "assessment-sign", "assessment-delete"],
    "assessment_request": ["request-extend", "request-revoke"],
    "statement": ["statement-detail"],
    "draft_statement": ["statement-update", "statement-sign", "statement-delete"],
    "action_plan": ["action-plan-detail", "action-plan-update", "action-plan-follow-up", "action-plan-close"],
    "panel": ["panel-detail", "panel-update", "panel-review", "panel-held"],
    "staff": ["unit-staff-update", "unit-staff-end"],
    "approval": ["unit-approval-detail"],
    "unit_plan": ["unit-plan-detail", "unit-plan-update", "unit-plan-sign", "unit-plan-follow-up", "unit-plan-close"],
    "inspection": [
        "spur-inspection-detail",
        "spur-inspection-update",
        "spur-item-create",
        "spur-item-update",
        "spur-grade-adjust",
    ],
    "contract": [
        "contract-detail",
        "contract-update",
        "contract-sign",
        "contract-paper",
        "contract-new-version",
        "contract-pdf",
    ],
    "endorsement": ["endorsement-detail", "endorsement-update", "endorsement-decide", "endorsement-pdf"],
}
# The other parameters, per URL.
OTHER = {
    "application-pack": {"kind": _in_url(SPECIALIST)},
    "application-finalise": {"kind": _in_url(SPECIALIST)},
    "region-policy": {"code": _region_code},
    "spur-region": {"region_code": _region_code},
    "trainee-panel-self": {"review_pk": "panel_review"},
    "panel-review": {"review_pk": "panel_review"},
    "unit-criterion-attest": {"criterion_pk": "criterion"},
    "unit-dispensation-create": {"criterion_pk": "criterion"},
    "spur-item-update": {"item_pk": "improvement"},
    "spur-grade-adjust": {"grade_pk": "grade"},
    "survey-answer": {"survey_pk": "survey"},
    "survey-results": {"survey_pk": "survey"},
}
PER_URL = {url: {"pk": name} for name, urls in PK_OF.items() for url in urls}
for url, sources in OTHER.items():
    PER_URL[url] = PER_URL.get(url, {}) | sources

VARIANTS = {
    "assessor-form": {
        "right token": {"token": lambda world: world.assessor_token},
        "tampered token": {"token": lambda world: _tampered(world.assessor_token)},
    },
    "calendar-feed": {
        "right token": {"token": lambda world: world.feed_token},
        "unknown token": {"token": lambda world: _tampered(world.feed_token)},
    },
    "password_reset_confirm": {
        "right token": {"uidb64": _uidb64, "token": _reset_token},
        "wrong token": {"uidb64": _uidb64, "token": _in_url("cz1234-0123456789abcdef0123456789abcdef")},
    },
}

# The admin's object pages: any existing row of the page's model; the rest by name.
ADMIN = {
    "id": lambda world: world.trainee.user.pk,
    "content_type_id": lambda world: ContentType.objects.get_for_model(world.trainee).pk,
    "app_label": _in_url("portfolio"),
    "url": _in_url("finns-inte/"),
}


class KwargsError(LookupError):
    """A URL parameter the declarations do not say how to fill."""


def _value(world, source):
    if callable(source):
        return source(world)
    return world.objects[source].pk


def _admin_object_id(world, pattern):
    model_admin = getattr(pattern.callback, "model_admin", None)
    if model_admin is None:
        return world.trainee.pk  # admin:view_on_site: the trainee, with the content type above
    row = model_admin.model._default_manager.order_by("pk").first()
    if row is None:
        raise KwargsError(f"the world has no {model_admin.model._meta.label} for {pattern.route}")
    return row.pk


def variant_names(pattern) -> list[str]:
    """The variants a pattern is requested in: those VARIANTS lists, else the one plain request and,
    for a record under a trainee or a unit, the request with the other side's parent."""
    if pattern.key in VARIANTS:
        return list(VARIANTS[pattern.key])
    names = pattern.kwarg_names
    has_record = bool(set(names) - set(CROSSINGS) - NOT_RECORDS)
    return [ONLY, *(crossed_variant(parent) for parent in CROSSINGS if parent in names and has_record)]


def crossed_variant(parent: str) -> str:
    return f"record under {CROSSINGS[parent]}"


def variants_for(world, pattern) -> dict[str, dict]:
    """{variant name: kwargs} for a pattern, in the order of `variant_names`."""
    declared = VARIANTS.get(pattern.key, {ONLY: PER_URL.get(pattern.key, {})})
    resolved = {}
    for variant, sources in declared.items():
        kwargs = {}
        for name in pattern.kwarg_names:
            if pattern.route.startswith("admin/") and name == "object_id":
                kwargs[name] = _admin_object_id(world, pattern)
            elif pattern.route.startswith("admin/") and name in ADMIN:
                kwargs[name] = ADMIN[name](world)
            elif name in sources:
                kwargs[name] = _value(world, sources[name])
            elif name in DEFAULTS:
                kwargs[name] = _value(world, DEFAULTS[name])
            else:
                raise KwargsError(f"no value declared for <{name}> of {pattern.key} ({pattern.route})")
        resolved[variant] = kwargs
    for parent, other in CROSSINGS.items():
        if crossed_variant(parent) in variant_names(pattern):
            resolved[crossed_variant(parent)] = resolved[ONLY] | {parent: world.objects[other].pk}
    return resolved


def declared_keys() -> set[str]:
    """The URL names kwargs.py mentions, for the check that each still exists."""
    return set(PER_URL) | set(VARIANTS)
