from django.urls import path

from assessments.views import assessments

urlpatterns = [
    path("", assessments.assessment_list, name="assessment-list"),
    path("ny/", assessments.assessment_create, name="assessment-create"),
    path("<int:pk>/", assessments.assessment_detail, name="assessment-detail"),
    path("<int:pk>/andra/", assessments.assessment_update, name="assessment-update"),
    path("<int:pk>/signera/", assessments.assessment_sign, name="assessment-sign"),
    path("<int:pk>/ta-bort/", assessments.assessment_delete, name="assessment-delete"),
    path("<int:pk>/reflektion/", assessments.assessment_reflection, name="assessment-reflection"),
]
