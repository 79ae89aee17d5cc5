from django.contrib import admin

from assessments.models import (
    ActionPlan,
    ActionPlanFollowUp,
    Assessment,
    AssessmentRequest,
    AssessmentTemplate,
    MidTermEvaluation,
    SpecialistPanel,
    SupervisorStatement,
)


@admin.register(AssessmentTemplate)
class AssessmentTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "scale", "verification"]
    list_filter = ["kind", "scale", "region"]


class ReadOnlyWhenSignedAdmin(admin.ModelAdmin):
    """Signed records are final; the admin shows them but cannot change or delete them."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.is_signed)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_signed)


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyWhenSignedAdmin):
    list_display = ["trainee", "kind", "date", "assessor_name", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["trainee__user"]
    raw_id_fields = ["trainee", "assessor", "created_by"]
    filter_horizontal = ["goals"]


@admin.register(SupervisorStatement)
class SupervisorStatementAdmin(ReadOnlyWhenSignedAdmin):
    list_display = ["trainee", "kind", "period_end", "on_track", "at_risk", "status"]
    list_filter = ["kind", "status", "at_risk"]
    list_select_related = ["trainee__user"]
    raw_id_fields = ["trainee", "author", "service_period"]


@admin.register(AssessmentRequest)
class AssessmentRequestAdmin(admin.ModelAdmin):
    list_display = ["trainee", "kind", "assessor_name", "created_at", "expires_at", "revoked_at"]
    list_select_related = ["trainee__user"]
    raw_id_fields = ["trainee", "assessment", "created_by"]
    readonly_fields = ["nonce"]


@admin.register(SpecialistPanel)
class SpecialistPanelAdmin(admin.ModelAdmin):
    list_display = ["unit", "date", "held_at"]
    raw_id_fields = ["unit_head", "study_director", "held_by", "created_by"]


@admin.register(MidTermEvaluation)
class MidTermEvaluationAdmin(admin.ModelAdmin):
    list_display = ["trainee", "status", "desired_date", "visit_date"]
    list_filter = ["status"]
    raw_id_fields = ["trainee", "plan_version"]


class FollowUpInline(admin.TabularInline):
    model = ActionPlanFollowUp
    extra = 0
    raw_id_fields = ["recorded_by"]


@admin.register(ActionPlan)
class ActionPlanAdmin(admin.ModelAdmin):
    list_display = ["trainee", "opened_on", "follow_up_on", "closed_on"]
    raw_id_fields = ["trainee", "created_by"]
    inlines = [FollowUpInline]
