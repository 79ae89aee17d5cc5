from django.urls import path

from contracts.views import units

urlpatterns = [
    path("", units.unit_list, name="unit-list"),
    path("<int:unit_pk>/", units.unit_detail, name="unit-detail"),
    path("<int:unit_pk>/profil/", units.profile_edit, name="unit-profile-edit"),
    path("<int:unit_pk>/personal/ny/", units.staff_create, name="unit-staff-create"),
    path("<int:unit_pk>/personal/<int:pk>/andra/", units.staff_update, name="unit-staff-update"),
    path("<int:unit_pk>/personal/<int:pk>/avsluta/", units.staff_end, name="unit-staff-end"),
    path("<int:unit_pk>/kriterier/<int:criterion_pk>/bedom/", units.criterion_attest, name="unit-criterion-attest"),
    path(
        "<int:unit_pk>/kriterier/<int:criterion_pk>/dispens/",
        units.dispensation_create,
        name="unit-dispensation-create",
    ),
    path("<int:unit_pk>/beslut/nytt/", units.approval_create, name="unit-approval-create"),
    path("<int:unit_pk>/beslut/<int:pk>/", units.approval_detail, name="unit-approval-detail"),
    path("<int:unit_pk>/atgardsplan/ny/", units.plan_create, name="unit-plan-create"),
    path("<int:unit_pk>/atgardsplan/<int:pk>/", units.plan_detail, name="unit-plan-detail"),
    path("<int:unit_pk>/atgardsplan/<int:pk>/andra/", units.plan_update, name="unit-plan-update"),
    path("<int:unit_pk>/atgardsplan/<int:pk>/signera/", units.plan_sign, name="unit-plan-sign"),
    path("<int:unit_pk>/atgardsplan/<int:pk>/uppfoljning/", units.plan_follow_up, name="unit-plan-follow-up"),
    path("<int:unit_pk>/atgardsplan/<int:pk>/avsluta/", units.plan_close, name="unit-plan-close"),
]
