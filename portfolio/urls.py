from django.urls import path

from portfolio import views

urlpatterns = [
    path("st-lakare/", views.TraineeListView.as_view(), name="trainee-list"),
    path("st-lakare/<int:pk>/", views.trainee_detail, name="trainee-detail"),
    path("malbeskrivningar/", views.curriculum_list, name="curriculum-list"),
    path("malbeskrivningar/<int:pk>/", views.curriculum_detail, name="curriculum-detail"),
]
