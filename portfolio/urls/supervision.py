from django.urls import path

from portfolio.views import supervision

urlpatterns = [
    path("", supervision.supervision_list, name="supervision-list"),
    path("ny/", supervision.supervision_create, name="supervision-create"),
    path("<int:pk>/andra/", supervision.supervision_update, name="supervision-update"),
    path("<int:pk>/ta-bort/", supervision.supervision_delete, name="supervision-delete"),
]
