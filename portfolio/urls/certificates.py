from django.urls import path

from portfolio.views import certificates

urlpatterns = [
    path("", certificates.certificate_list, name="certificate-list"),
    path("nytt/", certificates.certificate_create, name="certificate-create"),
    path("<int:pk>/", certificates.certificate_detail, name="certificate-detail"),
    path("<int:pk>/andra/", certificates.certificate_update, name="certificate-update"),
    path("<int:pk>/signera/", certificates.certificate_sign, name="certificate-sign"),
    path("<int:pk>/papper/", certificates.certificate_paper, name="certificate-paper"),
    path("<int:pk>/rattelse/", certificates.certificate_correct, name="certificate-correct"),
    path("<int:pk>/pdf/", certificates.certificate_pdf, name="certificate-pdf"),
]
