from django.urls import path

from assessments.views import requests

urlpatterns = [
    path("", requests.request_list, name="request-list"),
    path("ny/", requests.request_create, name="request-create"),
    path("<int:pk>/forlang/", requests.request_extend, name="request-extend"),
    path("<int:pk>/aterkalla/", requests.request_revoke, name="request-revoke"),
]
