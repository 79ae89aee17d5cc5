"""Admin for the unit register and the regional quality criteria.

Criteria sets are reference data per region: an administrator loads Region Norrbotten's
or Västra Götaland's set onto chosen regions with an action on the region list (the
region admin of the accounts app, extended here) and edits the criteria inline. Approval
decisions are final and shown read-only.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

import contracts.units  # noqa: F401 -- the approval guard and the reminders source
from accounts.admin import RegionAdmin as AccountsRegionAdmin
from accounts.models import Region
from contracts.models import (
    CriteriaSet,
    Criterion,
    CriterionAttestation,
    CriterionState,
    Dispensation,
    UnitActionPlan,
    UnitActionPlanFollowUp,
    UnitApproval,
    UnitProfile,
    UnitStaff,
)
from contracts.reference import NORRBOTTEN, VASTRA_GOTALAND, load_criteria


def _load_action(source_code, description):
    def action(modeladmin, request, queryset):
        try:
            loaded = [load_criteria(region, source_code) for region in queryset]
        except ValueError as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
            return
        count = len(loaded)
        modeladmin.message_user(
            request,
            ngettext(
                "The criteria were loaded for %(count)s region.",
                "The criteria were loaded for %(count)s regions.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    action.__name__ = f"load_{source_code.replace('-', '_')}_criteria"
    action.short_description = description
    return action


admin.site.unregister(Region)


@admin.register(Region)
class RegionAdmin(AccountsRegionAdmin):
    actions = [
        _load_action(NORRBOTTEN, _("Load Region Norrbotten's criteria for the chosen regions")),
        _load_action(VASTRA_GOTALAND, _("Load Västra Götaland's criteria for the chosen regions")),
    ]


class CriterionInline(admin.TabularInline):
    model = Criterion
    fields = ["position", "code", "text", "rule", "parameter", "note"]
    extra = 0


@admin.register(CriteriaSet)
class CriteriaSetAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "specialty"]
    list_filter = ["region", "specialty"]
    list_select_related = ["region", "specialty"]
    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "criteria_set", "code", "rule", "parameter"]
    list_filter = ["criteria_set__region", "rule"]
    list_select_related = ["criteria_set"]
    search_fields = ["text", "code"]


@admin.register(UnitProfile)
class UnitProfileAdmin(admin.ModelAdmin):
    list_display = ["unit", "listed_patients", "child_health", "maternal_health", "elderly_care", "version"]
    list_select_related = ["unit"]
    readonly_fields = ["version", "updated_at", "updated_by"]
    autocomplete_fields = ["unit"]

    def save_model(self, request, obj, form, change):
        # An admin edit is a new version too, so a form open on the unit page does not overwrite it.
        if change:
            obj.version += 1
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(UnitStaff)
class UnitStaffAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "specialty", "percent", "is_supervisor", "since", "until"]
    list_filter = ["unit__region", "is_supervisor", "specialty"]
    list_select_related = ["unit", "specialty"]
    search_fields = ["name", "unit__name"]
    autocomplete_fields = ["unit", "user"]

    def has_delete_permission(self, request, obj=None):
        return False  # a person who leaves gets a last day; the row stays


@admin.register(CriterionAttestation)
class CriterionAttestationAdmin(admin.ModelAdmin):
    list_display = ["unit", "criterion", "date", "met", "attested_by"]
    list_select_related = ["unit", "criterion", "attested_by"]
    raw_id_fields = ["unit", "criterion", "attested_by"]


@admin.register(Dispensation)
class DispensationAdmin(admin.ModelAdmin):
    list_display = ["unit", "criterion", "granted_on", "valid_until", "granted_by"]
    list_select_related = ["unit", "criterion", "granted_by"]
    raw_id_fields = ["unit", "criterion", "granted_by"]


@admin.register(CriterionState)
class CriterionStateAdmin(admin.ModelAdmin):
    list_display = ["unit", "criterion", "outcome", "since"]
    list_filter = ["outcome"]
    list_select_related = ["unit", "criterion"]
    raw_id_fields = ["unit", "criterion"]


@admin.register(UnitApproval)
class UnitApprovalAdmin(admin.ModelAdmin):
    """Decisions are final: shown, never changed or deleted here."""

    list_display = ["unit", "date", "approved", "decided_by"]
    list_filter = ["approved", "unit__region"]
    list_select_related = ["unit", "decided_by"]
    raw_id_fields = ["unit", "decided_by"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class FollowUpInline(admin.TabularInline):
    model = UnitActionPlanFollowUp
    extra = 0
    raw_id_fields = ["by"]


@admin.register(UnitActionPlan)
class UnitActionPlanAdmin(admin.ModelAdmin):
    list_display = ["unit", "opened_on", "follow_up_on", "closed_on"]
    list_filter = ["unit__region"]
    list_select_related = ["unit"]
    raw_id_fields = ["unit", "criterion", "head_signed_by", "director_signed_by", "created_by"]
    inlines = [FollowUpInline]
