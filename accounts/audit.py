"""The record-change half of the audit trail: every create, change and delete of a registered model.

The domain functions already write the workflow steps (`iup.submitted`, `certificate.signed` …)
through `accounts.domain.record_event`. This module adds what a step does not say: which fields a
save changed, from what to what, and what a deleted record held — for every registered model,
whatever code path saved it (a view, the admin, an import, a management command).

How: a registered model's instances remember the values they were loaded with (post_init); after
a save the new values are compared with them and the difference is written as one `AuditEvent`
(`record.created`, `record.changed`, `record.deleted`) in the same transaction as the save, so a
rolled-back change leaves no event. A save that changes nothing writes nothing.

The person is taken from the request (`AuditActorMiddleware`) or from `acting_as(user)` around
code that runs outside one; without either the event has no person ("systemet" in the log).

Not recorded, because no per-row signal exists for them: `bulk_create`, `QuerySet.update()` and
`QuerySet.delete()`. The application uses those only for derived tables, seeding and the
conditional UPDATE of optimistic locking, whose caller writes its own workflow step.
"""

import contextlib
import contextvars
import copy
import datetime
import decimal
import uuid
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save

CREATED = "record.created"
CHANGED = "record.changed"
DELETED = "record.deleted"
RECORD_ACTIONS = (CREATED, CHANGED, DELETED)

# Shown instead of the value of a private field (e.g. the notes of a handledning, which only the
# trainee and the supervisor read): the log says that the field changed, not what it says.
HIDDEN = "(dold)"
# Fields never written to the log at all, not even as changed: secrets and their derivatives.
SECRET_PARTS = ("token", "nonce", "digest", "hash", "password", "secret")
# A long text is cut in the log; the record itself keeps all of it.
MAX_TEXT = 2000

_SNAPSHOT = "_audit_snapshot"
_actor = contextvars.ContextVar("audit_actor", default=None)


@dataclass(frozen=True)
class Registration:
    trainee: str | None  # dotted attribute path from the instance to the trainee's id
    fields: tuple  # (attname, private) of the recorded concrete fields
    m2m: frozenset  # names of the recorded many-to-many fields


_registry: dict[type, Registration] = {}


def register(model, *, trainee: str | None = "trainee_id", private=(), exclude=()):
    """Record every create, change and delete of `model`.

    `trainee` names the attribute path to the trainee's id (e.g. "plan.trainee_id"), so that the
    event can be found per trainee even after the record is gone; None for records of a unit.
    `private` fields are logged as changed but their values hidden; `exclude` fields not at all.
    """
    recorded = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in exclude or any(part in field.name for part in SECRET_PARTS):
            continue
        recorded.append((field.attname, field.name in private))
    m2m = frozenset(field.name for field in model._meta.many_to_many if field.name not in exclude)
    _registry[model] = Registration(trainee=trainee, fields=tuple(recorded), m2m=m2m)
    uid = f"audit:{model._meta.label}"
    post_init.connect(_remember, sender=model, dispatch_uid=uid, weak=False)
    post_save.connect(_saved, sender=model, dispatch_uid=uid, weak=False)
    post_delete.connect(_deleted, sender=model, dispatch_uid=uid, weak=False)
    for field in model._meta.many_to_many:
        if field.name in m2m:
            m2m_changed.connect(
                _m2m_changed_for(model, field.name),
                sender=field.remote_field.through,
                dispatch_uid=f"{uid}.{field.name}",
                weak=False,  # the receiver is a closure: a weak reference would let it vanish
            )


def registered_models():
    return list(_registry)


def current_actor():
    return _actor.get()


@contextlib.contextmanager
def acting_as(user):
    """Attribute the changes made inside the block to `user` (a command, a cron job, a test)."""
    token = _actor.set(user if user is not None and getattr(user, "is_authenticated", False) else None)
    try:
        yield
    finally:
        _actor.reset(token)


class AuditActorMiddleware:
    """Make the logged-in person the author of every change made while handling the request.

    Place after AuthenticationMiddleware. `request.user` is read lazily, when a change is made.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _actor.set(_LazyRequestUser(request))
        try:
            return self.get_response(request)
        finally:
            _actor.reset(token)


class _LazyRequestUser:
    __slots__ = ("request",)

    def __init__(self, request):
        self.request = request

    def resolve(self):
        user = getattr(self.request, "user", None)
        return user if user is not None and user.is_authenticated else None


def _resolve_actor():
    actor = _actor.get()
    if isinstance(actor, _LazyRequestUser):
        return actor.resolve()
    return actor


def trainee_id_of(instance):
    """The trainee the record belongs to, by the path it was registered with (None if unknown)."""
    registration = _registry.get(type(instance))
    if registration is None:
        return getattr(instance, "trainee_id", None)
    if registration.trainee is None:
        return None
    value = instance
    try:
        for part in registration.trainee.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
    except ObjectDoesNotExist:  # the parent went first (a cascade, a rolled-back import)
        return None
    return value


def _json_value(value):
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "…"
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID | datetime.timedelta):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or None
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_value(item) for key, item in value.items()}
    return str(value)


def _values(instance, registration):
    """The recorded fields' current values; deferred (not loaded) fields are left out."""
    loaded = instance.__dict__
    return {attname: loaded[attname] for attname, _private in registration.fields if attname in loaded}


def _frozen(values):
    # JSON fields hold dicts and lists that code may change in place: keep a copy of them, or
    # "before" would change with "after".
    return {key: copy.deepcopy(value) if isinstance(value, dict | list) else value for key, value in values.items()}


def _remember(sender, instance, **kwargs):
    registration = _registry.get(sender)
    if registration is not None:
        instance.__dict__[_SNAPSHOT] = _frozen(_values(instance, registration)) if instance.pk is not None else {}


def _shown(registration, attname, value):
    private = dict(registration.fields).get(attname, False)
    if private:
        return HIDDEN if value not in (None, "", [], {}) else None
    return _json_value(value)


def _write(action, instance, changes):
    from accounts.models import AuditEvent

    AuditEvent.objects.create(
        actor=_resolve_actor(),
        action=action,
        target_type=ContentType.objects.get_for_model(type(instance)),
        target_id=instance.pk,
        trainee_id=trainee_id_of(instance),
        changes=changes,
        data={"record": _label(instance)},
    )


def _label(instance):
    try:
        return str(instance)[:200]
    except ObjectDoesNotExist:  # its __str__ reads a parent that a cascade has already removed
        return f"{instance._meta.verbose_name} #{instance.pk}"


def _saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:  # loaddata: fixtures, not a person's change
        return
    registration = _registry[sender]
    before = {} if created else instance.__dict__.get(_SNAPSHOT, {})
    after = _values(instance, registration)
    changes = {}
    for attname, value in after.items():
        if created:
            if value in (None, "", [], {}):
                continue
            changes[attname] = [None, _shown(registration, attname, value)]
        elif attname in before and before[attname] != value:
            changes[attname] = [_shown(registration, attname, before[attname]), _shown(registration, attname, value)]
    instance.__dict__[_SNAPSHOT] = _frozen(after)
    if created or changes:
        _write(CREATED if created else CHANGED, instance, changes)


def _deleted(sender, instance, **kwargs):
    registration = _registry[sender]
    held = instance.__dict__.get(_SNAPSHOT) or _values(instance, registration)
    changes = {
        attname: [_shown(registration, attname, value), None]
        for attname, value in held.items()
        if value not in (None, "", [], {})
    }
    _write(DELETED, instance, changes)


def _m2m_changed_for(model, field_name):
    def changed(sender, instance, action, reverse, pk_set, **kwargs):
        if reverse or not isinstance(instance, model):
            return
        if action == "pre_clear":
            # The ids are gone by post_clear; remember them now.
            instance.__dict__[f"_audit_clear_{field_name}"] = sorted(
                getattr(instance, field_name).values_list("pk", flat=True)
            )
            return
        if action == "post_clear":
            removed = instance.__dict__.pop(f"_audit_clear_{field_name}", [])
            if removed:
                _write(CHANGED, instance, {field_name: {"removed": removed}})
        elif action in ("post_add", "post_remove") and pk_set:
            key = "added" if action == "post_add" else "removed"
            _write(CHANGED, instance, {field_name: {key: sorted(pk_set)}})

    return changed
