from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import MandatoryCourse, Membership, Region, RegionPolicy, Specialty, Unit, User


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["unit", "region"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "name", "email", "hsa_id", "is_active"]
    search_fields = ["username", "name", "email", "hsa_id"]
    ordering = ["name"]
    list_filter = ["is_active", "is_staff", "memberships__role"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["name", "email", "hsa_id", "specialist_in", "supervisor_training_year"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "name", "email", "hsa_id", "password1", "password2"]}),
    ]


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "specialty", "region"]
    list_filter = ["kind", "region", "specialty"]
    list_select_related = ["specialty", "region"]
    search_fields = ["name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit", "region"]
    list_filter = ["role", "unit__region"]
    list_select_related = ["user", "unit", "region"]
    search_fields = ["user__name", "unit__name"]
    autocomplete_fields = ["user", "unit", "region"]


class MandatoryCourseInline(admin.TabularInline):
    model = MandatoryCourse
    extra = 0


@admin.register(RegionPolicy)
class RegionPolicyAdmin(admin.ModelAdmin):
    list_display = ["region", "supervision_hours_per_week", "assessments_per_half_year", "updated_at"]
    inlines = [MandatoryCourseInline]
    readonly_fields = ["updated_at", "updated_by"]
