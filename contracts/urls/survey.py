from django.urls import path

from contracts.views import survey

urlpatterns = [
    path("", survey.survey_home, name="survey-home"),
    path("enhet/<int:unit_pk>/", survey.survey_list, name="survey-list"),
    path("enhet/<int:unit_pk>/ny/", survey.survey_create, name="survey-create"),
    path("<int:survey_pk>/svara/", survey.survey_answer, name="survey-answer"),
    path("<int:survey_pk>/resultat/", survey.survey_results, name="survey-results"),
]
