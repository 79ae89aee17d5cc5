from django.urls import path

from contracts.views import spur

urlpatterns = [
    path("enhet/<int:unit_pk>/", spur.unit_inspections, name="spur-unit"),
    path("enhet/<int:unit_pk>/ny/", spur.inspection_create, name="spur-inspection-create"),
    path("enhet/<int:unit_pk>/underlag.pdf", spur.evidence_pdf, name="spur-evidence"),
    path("region/<slug:region_code>/", spur.region_units, name="spur-region"),
    path("<int:pk>/", spur.inspection_detail, name="spur-inspection-detail"),
    path("<int:pk>/andra/", spur.inspection_update, name="spur-inspection-update"),
    path("<int:pk>/handlingsplan/ny/", spur.item_create, name="spur-item-create"),
    path("<int:pk>/handlingsplan/<int:item_pk>/andra/", spur.item_update, name="spur-item-update"),
    path("<int:pk>/betyg/<int:grade_pk>/justera/", spur.grade_adjust, name="spur-grade-adjust"),
]
