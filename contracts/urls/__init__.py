from django.urls import include, path

urlpatterns = [
    path("enheter/", include("contracts.urls.units")),
    path("spur/", include("contracts.urls.spur")),
    path("kontrakt/", include("contracts.urls.contracts")),
    path("enkat/", include("contracts.urls.survey")),
]
