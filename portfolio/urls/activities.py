from django.urls import path

from portfolio.views import activities

urlpatterns = [
    path("", activities.activity_list, name="activity-list"),
    path("kurs/ny/", activities.course_create, name="course-create"),
    path("kurs/<int:pk>/andra/", activities.course_update, name="course-update"),
    path("kurs/<int:pk>/ta-bort/", activities.course_delete, name="course-delete"),
    path("kurs/<int:pk>/intyg/", activities.course_certificate, name="course-certificate"),
    path("aktivitet/ny/", activities.activity_create, name="activity-create"),
    path("aktivitet/<int:pk>/andra/", activities.activity_update, name="activity-update"),
    path("aktivitet/<int:pk>/ta-bort/", activities.activity_delete, name="activity-delete"),
]
