from django.urls import path

from assessments.views import action_plans

urlpatterns = [
    path("", action_plans.plan_list, name="action-plan-list"),
    path("ny/", action_plans.plan_create, name="action-plan-create"),
    path("<int:pk>/", action_plans.plan_detail, name="action-plan-detail"),
    path("<int:pk>/andra/", action_plans.plan_update, name="action-plan-update"),
    path("<int:pk>/uppfoljning/", action_plans.plan_follow_up, name="action-plan-follow-up"),
    path("<int:pk>/avsluta/", action_plans.plan_close, name="action-plan-close"),
]
