from django.urls import include, path

from portfolio.views import archive, audit, trainees

urlpatterns = [
    path("st-lakare/", trainees.TraineeListView.as_view(), name="trainee-list"),
    path("st-lakare/<int:pk>/", trainees.trainee_detail, name="trainee-detail"),
    path("st-lakare/<int:trainee_pk>/handelselogg/", audit.audit_log, name="audit-log"),
    path("st-lakare/<int:pk>/arkivera/", archive.trainee_archive, name="trainee-archive"),
    path("st-lakare/<int:pk>/ateraktivera/", archive.trainee_restore, name="trainee-restore"),
    path("st-lakare/<int:trainee_pk>/tjanstgoring/", include("portfolio.urls.service")),
    path("st-lakare/<int:trainee_pk>/handledning/", include("portfolio.urls.supervision")),
    path("st-lakare/<int:trainee_pk>/iup/", include("portfolio.urls.plans")),
    path("st-lakare/<int:trainee_pk>/kurser/", include("portfolio.urls.activities")),
    path("st-lakare/<int:trainee_pk>/arsrapport/", include("portfolio.urls.reviews")),
    path("st-lakare/<int:trainee_pk>/export/", include("portfolio.urls.portable")),
    path("st-lakare/<int:trainee_pk>/intyg/", include("portfolio.urls.certificates")),
    path("st-lakare/<int:trainee_pk>/ansokan/", include("portfolio.urls.application")),
    path("kalender/", include("portfolio.urls.calendar")),
    path("statistik/", include("portfolio.urls.statistics")),
    path("malbeskrivningar/", trainees.curriculum_list, name="curriculum-list"),
    path("malbeskrivningar/<int:pk>/", trainees.curriculum_detail, name="curriculum-detail"),
]
