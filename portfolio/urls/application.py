from django.urls import path

from portfolio.views import application

urlpatterns = [
    path("", application.application_detail, name="application-detail"),
    path("<str:kind>.pdf", application.application_pack, name="application-pack"),
    path("<str:kind>/slutfor/", application.application_finalise, name="application-finalise"),
]
