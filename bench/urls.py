"""The project's URLs and the floor view, which only the benchmark serves."""

from django.urls import path

from bench.floor import floor
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("bench/golv/", floor, name="bench-floor"), *project_urlpatterns]
