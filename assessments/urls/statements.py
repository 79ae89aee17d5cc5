from django.urls import path

from assessments.views import statements

urlpatterns = [
    path("", statements.statement_list, name="statement-list"),
    path("ny/", statements.statement_create, name="statement-create"),
    path("<int:pk>/", statements.statement_detail, name="statement-detail"),
    path("<int:pk>/andra/", statements.statement_update, name="statement-update"),
    path("<int:pk>/signera/", statements.statement_sign, name="statement-sign"),
    path("<int:pk>/ta-bort/", statements.statement_delete, name="statement-delete"),
]
