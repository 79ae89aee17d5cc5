# Placeholder while this section is built; replaced by the section's own views.
from django.http import Http404
from django.urls import path


def _not_yet(request, trainee_pk):
    raise Http404


urlpatterns = [path("", _not_yet, name="service-list")]
