from django.contrib import admin

from portfolio.models import Curriculum, Goal, GoalRequirement, Regulation, Trainee


@admin.register(Regulation)
class RegulationAdmin(admin.ModelAdmin):
    list_display = ["name", "in_force_from", "min_fte_months", "min_fte_months_with_doctorate", "verification"]


class GoalInline(admin.TabularInline):
    model = Goal
    fields = ["position", "code", "group", "title", "verification"]
    extra = 0
    show_change_link = True


@admin.register(Curriculum)
class CurriculumAdmin(admin.ModelAdmin):
    list_display = ["title", "regulation", "kind", "specialty", "verification"]
    list_filter = ["regulation", "kind"]
    list_select_related = ["regulation", "specialty"]
    inlines = [GoalInline]


class GoalRequirementInline(admin.TabularInline):
    model = GoalRequirement
    extra = 0


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "curriculum", "group", "verification"]
    list_filter = ["curriculum", "group", "verification"]
    list_select_related = ["curriculum"]
    search_fields = ["code", "title"]
    inlines = [GoalRequirementInline]


@admin.register(Trainee)
class TraineeAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "specialty", "regulation", "bt_mode", "st_start"]
    list_filter = ["regulation", "bt_mode", "unit__region", "unit"]
    list_select_related = ["user", "unit", "specialty", "regulation"]
    search_fields = ["user__name"]
    autocomplete_fields = ["user", "unit", "main_supervisor", "second_specialist", "study_director"]
