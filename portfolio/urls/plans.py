"""IUP pages, under st-lakare/<trainee_pk>/iup/."""

from django.urls import path

from portfolio.views import plans

urlpatterns = [
    path("", plans.plan_list, name="plan-list"),
    path("ny/", plans.plan_start, name="plan-start"),
    path("jamfor/", plans.plan_compare, name="plan-compare"),
    path("<int:pk>/", plans.plan_detail, name="plan-detail"),
    path("<int:pk>/andra/", plans.plan_update, name="plan-update"),
    path("<int:pk>/skicka/", plans.plan_submit, name="plan-submit"),
    path("<int:pk>/godkann/", plans.plan_approve, name="plan-approve"),
    path("<int:pk>/returnera/", plans.plan_return, name="plan-return"),
    path("<int:pk>/revidera/", plans.plan_revise, name="plan-revise"),
]
