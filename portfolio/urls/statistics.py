from django.urls import path

from portfolio.views import statistics

urlpatterns = [
    path("", statistics.statistics, name="statistics"),
]
