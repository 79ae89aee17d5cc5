"""Händelselogg: a trainee's audit trail as a table, for the studierektor and the administrators.

Reads `AuditEvent` by its indexed `trainee_id`, so events of deleted records (and of a deleted
trainee's portfolio) are still found. Field names are shown with their models' Swedish
names; a changed value as "before → after".
"""

import django_filters
import django_tables2 as tables
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.audit import CHANGED, CREATED, DELETED, RECORD_ACTIONS, registered_models
from accounts.models import AuditEvent
from portfolio.models import Goal
from portfolio.widgets import PlainSelect

KINDS = {
    "changes": gettext_lazy("Changes to records"),
    "steps": gettext_lazy("Steps (submitted, signed, approved …)"),
}
RECORD_LABELS = {
    CREATED: gettext_lazy("Created"),
    CHANGED: gettext_lazy("Changed"),
    DELETED: gettext_lazy("Deleted"),
}
ARROW = "→"
EMPTY = "–"

# What a workflow step did, by the last part of its code ("iup.approved" → approved). The record
# column already names the kind of record. tests/portfolio/test_audit_log.py checks that every
# step the code writes has a label here; an unknown one is shown by its code, never hidden.
STEP_LABELS = {
    "added": pgettext_lazy("audit step", "Added"),
    "advanced": pgettext_lazy("audit step", "Moved to the next step"),
    "approved": pgettext_lazy("audit step", "Approved"),
    "archived": pgettext_lazy("audit step", "Archived"),
    "attested": pgettext_lazy("audit step", "Attested"),
    "changed": pgettext_lazy("audit step", "Changed"),
    "closed": pgettext_lazy("audit step", "Closed"),
    "completed": pgettext_lazy("audit step", "Completed"),
    "corrected": pgettext_lazy("audit step", "Corrected"),
    "create": pgettext_lazy("audit step", "Created"),
    "created": pgettext_lazy("audit step", "Created"),
    "decided": pgettext_lazy("audit step", "Decided"),
    "deleted": pgettext_lazy("audit step", "Deleted"),
    "draft_deleted": pgettext_lazy("audit step", "Draft deleted"),
    "drafted": pgettext_lazy("audit step", "Draft written"),
    "ended": pgettext_lazy("audit step", "Ended"),
    "evidence_downloaded": pgettext_lazy("audit step", "Evidence pack downloaded"),
    "exported": pgettext_lazy("audit step", "Portfolio exported (JSON)"),
    "extended": pgettext_lazy("audit step", "Extended"),
    "finalised": pgettext_lazy("audit step", "Finalised"),
    "followed_up": pgettext_lazy("audit step", "Followed up"),
    "grade_adjusted": pgettext_lazy("audit step", "Grade adjusted"),
    "granted": pgettext_lazy("audit step", "Granted"),
    "held": pgettext_lazy("audit step", "Held"),
    "imported": pgettext_lazy("audit step", "Portfolio imported"),
    "inspection_recorded": pgettext_lazy("audit step", "Inspection recorded"),
    "inspection_updated": pgettext_lazy("audit step", "Inspection updated"),
    "new_version": pgettext_lazy("audit step", "New version"),
    "opened": pgettext_lazy("audit step", "Opened"),
    "pack_downloaded": pgettext_lazy("audit step", "Application pack downloaded"),
    "personal_copy": pgettext_lazy("audit step", "Personal copy downloaded"),
    "plan_item_added": pgettext_lazy("audit step", "Plan item added"),
    "plan_item_updated": pgettext_lazy("audit step", "Plan item updated"),
    "recorded": pgettext_lazy("audit step", "Recorded"),
    "reflection_written": pgettext_lazy("audit step", "Reflection written"),
    "reminded": pgettext_lazy("audit step", "Reminder sent"),
    "restored": pgettext_lazy("audit step", "Restored"),
    "returned": pgettext_lazy("audit step", "Returned"),
    "review_saved": pgettext_lazy("audit step", "Review saved"),
    "reflection_changed": pgettext_lazy("audit step", "Reflection changed"),
    "revision_started": pgettext_lazy("audit step", "Revision started"),
    "revoke": pgettext_lazy("audit step", "Revoked"),
    "rotate": pgettext_lazy("audit step", "New link made"),
    "revoked": pgettext_lazy("audit step", "Revoked"),
    "saved": pgettext_lazy("audit step", "Saved"),
    "self_assessment_saved": pgettext_lazy("audit step", "Self-assessment saved"),
    "self_assessment_submitted": pgettext_lazy("audit step", "Self-assessment submitted"),
    "signature": pgettext_lazy("audit step", "Signature"),
    "signed": pgettext_lazy("audit step", "Signed"),
    "signed_on_paper": pgettext_lazy("audit step", "Signed on paper"),
    "signer_named": pgettext_lazy("audit step", "Signer named"),
    "started": pgettext_lazy("audit step", "Started"),
    "submit": pgettext_lazy("audit step", "Submitted"),
    "submitted": pgettext_lazy("audit step", "Submitted"),
    "summary_downloaded": pgettext_lazy("audit step", "Summary downloaded"),
    "updated": pgettext_lazy("audit step", "Updated"),
}

# The details a step carries, by their Swedish names (unknown keys are shown as they are).
DATA_LABELS = {
    "comment": gettext_lazy("comment"),
    "fields": gettext_lazy("fields"),
    "version": gettext_lazy("version"),
    "withheld": gettext_lazy("withheld"),
    "reason": gettext_lazy("reason"),
}


def _record_types():
    """The kinds of record a trainee's log can hold, by their Swedish names."""
    models = [model for model in registered_models() if model._meta.app_label != "accounts"]
    types = ContentType.objects.get_for_models(*models)
    return sorted(
        ((types[model].pk, str(model._meta.verbose_name).capitalize()) for model in models),
        key=lambda item: item[1],
    )


class AuditFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label=gettext_lazy("Show"),
        choices=list(KINDS.items()),
        empty_label=gettext_lazy("Everything"),
        method="filter_kind",
        widget=PlainSelect,
    )
    record_type = django_filters.ChoiceFilter(
        label=gettext_lazy("Record"),
        field_name="target_type",
        choices=_record_types,
        empty_label=gettext_lazy("All kinds"),
        widget=PlainSelect,
    )

    class Meta:
        model = AuditEvent
        fields = []

    def filter_kind(self, queryset, name, value):
        return queryset.record_changes() if value == "changes" else queryset.workflow()


def _field(model, attname):
    if model is None:
        return None
    for field in model._meta.concrete_fields + model._meta.many_to_many:
        if attname in (field.attname, field.name):
            return field
    return None


def _field_label(model, attname):
    field = _field(model, attname)
    if field is not None:
        return str(field.verbose_name)
    try:
        return str(model._meta.get_field(attname).verbose_name) if model is not None else attname
    except FieldDoesNotExist:
        return attname


def _value(value):
    if value in (None, "", [], {}):
        return EMPTY
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


# Related records the log names instead of showing their ids: people by name, delmål by code.
NAMED = {
    "user": lambda ids: dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "name")),
    "goal": lambda ids: dict(Goal.objects.filter(pk__in=ids).values_list("pk", "code")),
}


def _named_kind(field):
    related = getattr(field, "related_model", None)
    if related is None:
        return None
    if related is get_user_model():
        return "user"
    if related is Goal:
        return "goal"
    return "other"


class References:
    """The names behind the ids of one page of events, fetched in one query per kind."""

    def __init__(self, events):
        wanted = {kind: set() for kind in NAMED}
        for event in events:
            if event.action not in RECORD_ACTIONS or not event.changes:
                continue
            model = event.target_type.model_class()
            for attname, change in event.changes.items():
                kind = _named_kind(_field(model, attname))
                if kind not in wanted:
                    continue
                values = [i for ids in change.values() for i in ids] if isinstance(change, dict) else change
                wanted[kind].update(value for value in values if isinstance(value, int))
        self.names = {kind: NAMED[kind](ids) if ids else {} for kind, ids in wanted.items()}

    def show(self, field, value):
        """A stored value as a reader wants it: the choice's label, the person's name, the delmål's code."""
        if value in (None, "", [], {}):
            return EMPTY
        kind = _named_kind(field)
        if kind in self.names:
            return self.names[kind].get(value, f"#{value}")
        if kind == "other":
            return f"#{value}"
        if field is not None and field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(field, models.DateTimeField) and isinstance(value, str):
            moment = parse_datetime(value)
            if moment is not None:
                return date_format(timezone.localtime(moment), "Y-m-d H:i")
        return _value(value)


class AuditTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name=gettext_lazy("When"), format="Y-m-d H:i")
    actor = tables.Column(verbose_name=gettext_lazy("By"), orderable=False, empty_values=())
    action = tables.Column(verbose_name=gettext_lazy("What"), orderable=False)
    target_type = tables.Column(verbose_name=gettext_lazy("Record"), orderable=False)
    changes = tables.Column(verbose_name=gettext_lazy("Before → after"), orderable=False, empty_values=())

    class Meta:
        model = AuditEvent
        fields = ("created_at", "actor", "action", "target_type", "changes")
        order_by = ("-created_at",)
        attrs = {"class": "table audit-log"}
        empty_text = gettext_lazy("Nothing has been recorded for this ST-läkare.")

    def render_actor(self, record):
        return record.actor.name if record.actor_id else _("the system")

    def value_actor(self, record):
        return self.render_actor(record)

    def render_action(self, value):
        if value in RECORD_LABELS:
            return RECORD_LABELS[value]
        return STEP_LABELS.get(value.rpartition(".")[2], value)

    def value_action(self, value):
        return str(self.render_action(value))

    def _references(self, record):
        if not hasattr(self, "_page_references"):
            page = getattr(self, "page", None)
            events = [row.record for row in page.object_list] if page is not None else [record]
            self._page_references = References(events)
        return self._page_references

    def render_target_type(self, record):
        model = record.target_type.model_class()
        name = str(model._meta.verbose_name).capitalize() if model else record.target_type.model
        label = (record.data or {}).get("record", "")
        return format_html("{} <span class='muted'>#{}</span><br>{}", name, record.target_id, label)

    def render_changes(self, record):
        if record.action not in RECORD_ACTIONS or not record.changes:
            return format_html_join(
                ", ",
                "{}: {}",
                (
                    (DATA_LABELS.get(key, key), _value(value))
                    for key, value in (record.data or {}).items()
                    if key != "record"
                ),
            )
        model = record.target_type.model_class()
        references = self._references(record)
        rows = []
        for attname, change in record.changes.items():
            label = _field_label(model, attname)
            field = _field(model, attname)
            if isinstance(change, dict):  # many-to-many: ids added or removed
                text = "; ".join(
                    f"{_('added') if key == 'added' else _('removed')} "
                    + ", ".join(references.show(field, value) for value in ids)
                    for key, ids in change.items()
                )
            else:
                before, after = change
                if record.action == CREATED:
                    text = references.show(field, after)
                elif record.action == DELETED:
                    text = references.show(field, before)
                else:
                    text = f"{references.show(field, before)} {ARROW} {references.show(field, after)}"
            rows.append((label, text))
        return format_html("<ul class='audit-changes'>{}</ul>", format_html_join("", "<li>{}: {}</li>", rows))


def events_for(trainee):
    return AuditEvent.objects.filter(trainee_id=trainee.pk).select_related("actor", "target_type")
