from django.urls import path

from assessments.views import public

urlpatterns = [
    path("<str:token>/", public.assessor_form, name="assessor-form"),
]
