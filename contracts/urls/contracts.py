from django.urls import path

from contracts.views import agreements

urlpatterns = [
    path("st-lakare/<int:trainee_pk>/", agreements.contract_list, name="contract-list"),
    path("st-lakare/<int:trainee_pk>/nytt/", agreements.contract_create, name="contract-create"),
    path("<int:pk>/", agreements.contract_detail, name="contract-detail"),
    path("<int:pk>/andra/", agreements.contract_update, name="contract-update"),
    path("<int:pk>/signera/", agreements.contract_sign, name="contract-sign"),
    path("<int:pk>/papper/", agreements.contract_paper, name="contract-paper"),
    path("<int:pk>/ny-version/", agreements.contract_new_version, name="contract-new-version"),
    path("<int:pk>/pdf/", agreements.contract_pdf, name="contract-pdf"),
    path("enhet/<int:unit_pk>/tillstyrkan/", agreements.endorsement_list, name="endorsement-list"),
    path("enhet/<int:unit_pk>/tillstyrkan/ny/", agreements.endorsement_create, name="endorsement-create"),
    path("enhet/<int:unit_pk>/tillstyrkan/<int:pk>/", agreements.endorsement_detail, name="endorsement-detail"),
    path("enhet/<int:unit_pk>/tillstyrkan/<int:pk>/andra/", agreements.endorsement_update, name="endorsement-update"),
    path("enhet/<int:unit_pk>/tillstyrkan/<int:pk>/beslut/", agreements.endorsement_decide, name="endorsement-decide"),
    path("enhet/<int:unit_pk>/tillstyrkan/<int:pk>/pdf/", agreements.endorsement_pdf, name="endorsement-pdf"),
]
