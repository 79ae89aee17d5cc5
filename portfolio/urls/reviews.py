from django.urls import path

from portfolio.views import reviews

urlpatterns = [
    path("", reviews.review_list, name="review-list"),
    path("rapport/ny/", reviews.report_create, name="report-create"),
    path("rapport/<int:pk>/andra/", reviews.report_update, name="report-update"),
    path("rapport/<int:pk>/lamna-in/", reviews.report_submit, name="report-submit"),
    path("besok/ny/", reviews.visit_create, name="visit-create"),
    path("besok/<int:pk>/andra/", reviews.visit_update, name="visit-update"),
    path("slutbedomning/ny/", reviews.final_review_create, name="final-review-create"),
]
