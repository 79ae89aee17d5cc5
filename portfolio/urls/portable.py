"""Included at st-lakare/<int:trainee_pk>/export/ by portfolio/urls/__init__.py."""

from django.urls import path

from portfolio.views import portable

urlpatterns = [
    path("", portable.export_download, name="portfolio-export"),
    path("kopia.zip", portable.personal_copy_download, name="portfolio-personal-copy"),
]
