from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import preferences, views

urlpatterns = [
    path("", views.home, name="home"),
    path("konto/logga-in/", views.LoginView.as_view(), name="login"),
    path("konto/logga-ut/", views.LogoutView.as_view(), name="logout"),
    path("konto/losenord/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("konto/losenord/klart/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("konto/aterstall/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("konto/aterstall/skickat/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "konto/aterstall/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("konto/aterstall/klart/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("konto/installningar/", preferences.settings_page, name="account-settings"),
    path("konto/installningar/kalender/skapa/", preferences.feed_create, name="calendar-feed-create"),
    path("konto/installningar/kalender/byt/", preferences.feed_rotate, name="calendar-feed-rotate"),
    path("konto/installningar/kalender/ta-bort/", preferences.feed_delete, name="calendar-feed-delete"),
    path("regioner/", views.region_list, name="region-list"),
    path("regioner/<slug:code>/policy/", views.region_policy_edit, name="region-policy"),
    path("i18n/", include("django.conf.urls.i18n")),
]
