from django.urls import path

from assessments.views import panels

urlpatterns = [
    path("", panels.panel_list, name="panel-list"),
    path("ny/", panels.panel_create, name="panel-create"),
    path("<int:pk>/", panels.panel_detail, name="panel-detail"),
    path("<int:pk>/andra/", panels.panel_update, name="panel-update"),
    path("<int:pk>/st-lakare/<int:review_pk>/", panels.panel_review, name="panel-review"),
    path("<int:pk>/genomford/", panels.panel_held, name="panel-held"),
]
