from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("", include("portfolio.urls")),
    path("", include("assessments.urls")),
    path("", include("contracts.urls")),
    path("admin/", admin.site.urls),
]
