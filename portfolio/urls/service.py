from django.urls import path

from portfolio.views import service

urlpatterns = [
    path("", service.service_list, name="service-list"),
    path("ny/", service.service_create, name="service-create"),
    path("<int:pk>/andra/", service.service_update, name="service-update"),
    path("<int:pk>/ta-bort/", service.service_delete, name="service-delete"),
    path("ledighet/ny/", service.leave_create, name="leave-create"),
    path("ledighet/<int:pk>/andra/", service.leave_update, name="leave-update"),
    path("ledighet/<int:pk>/ta-bort/", service.leave_delete, name="leave-delete"),
]
