from django.urls import include, path

TRAINEE = "st-lakare/<int:trainee_pk>/"

urlpatterns = [
    path(TRAINEE + "bedomningar/", include("assessments.urls.assessments")),
    path(TRAINEE + "forfragningar/", include("assessments.urls.requests")),
    path(TRAINEE + "utlatanden/", include("assessments.urls.statements")),
    path(TRAINEE + "specialistkollegium/", include("assessments.urls.trainee_panels")),
    path(TRAINEE + "mitt-i-st/", include("assessments.urls.midterm")),
    path(TRAINEE + "atgardsplaner/", include("assessments.urls.action_plans")),
    path("enheter/<int:unit_pk>/specialistkollegium/", include("assessments.urls.panels")),
    # The assessor's link: no login, no navigation, one form.
    path("bedomning/", include("assessments.urls.public")),
]
