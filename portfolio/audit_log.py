"""Händelselogg: a trainee's audit trail as a table, for the studierektor and the administrators.

Reads `AuditEvent` by its indexed `trainee_id`, so events of deleted records (and of a deleted
trainee's portfolio) are still found. Field names are shown with their models' Swedish
names; a changed value as "before → after".
"""

import django_filters
import django_tables2 as tables
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import CHANGED, CREATED, DELETED, RECORD_ACTIONS, registered_models
from accounts.models import AuditEvent
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


def _field_label(model, attname):
    if model is None:
        return attname
    for field in model._meta.concrete_fields + model._meta.many_to_many:
        if attname in (field.attname, field.name):
            return str(field.verbose_name)
    try:
        return str(model._meta.get_field(attname).verbose_name)
    except FieldDoesNotExist:
        return attname


def _value(value):
    if value in (None, "", [], {}):
        return EMPTY
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return str(value)


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
        return RECORD_LABELS.get(value, value)

    def render_target_type(self, record):
        model = record.target_type.model_class()
        name = str(model._meta.verbose_name).capitalize() if model else record.target_type.model
        label = (record.data or {}).get("record", "")
        return format_html("{} <span class='muted'>#{}</span><br>{}", name, record.target_id, label)

    def render_changes(self, record):
        if record.action not in RECORD_ACTIONS or not record.changes:
            return format_html_join(
                ", ", "{}: {}", ((key, _value(value)) for key, value in (record.data or {}).items() if key != "record")
            )
        model = record.target_type.model_class()
        rows = []
        for attname, change in record.changes.items():
            label = _field_label(model, attname)
            if isinstance(change, dict):  # many-to-many: ids added or removed
                text = "; ".join(
                    f"{_('added') if key == 'added' else _('removed')} {', '.join(map(str, ids))}"
                    for key, ids in change.items()
                )
            else:
                before, after = change
                if record.action == CREATED:
                    text = _value(after)
                elif record.action == DELETED:
                    text = _value(before)
                else:
                    text = f"{_value(before)} {ARROW} {_value(after)}"
            rows.append((label, text))
        return format_html("<ul class='audit-changes'>{}</ul>", format_html_join("", "<li>{}: {}</li>", rows))


def events_for(trainee):
    return AuditEvent.objects.filter(trainee_id=trainee.pk).select_related("actor", "target_type")
