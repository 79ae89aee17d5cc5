from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("", include("portfolio.urls")),
    path("", include("assessments.urls")),
    path("", include("contracts.urls")),
    path("admin/", admin.site.urls),
]

if settings.OIDC_ENABLED:
    # Single sign-on (accounts/oidc.py): routed only when enabled, so a password-only installation
    # has none of it. The redirect URI registered at the identity provider is /oidc/callback/.
    urlpatterns += [path("oidc/", include("accounts.oidc_urls"))]
