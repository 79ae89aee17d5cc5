from django.urls import path

from assessments.views import panels

urlpatterns = [
    path("", panels.trainee_panel_list, name="trainee-panel-list"),
    path("<int:review_pk>/sjalvskattning/", panels.trainee_panel_self, name="trainee-panel-self"),
]
