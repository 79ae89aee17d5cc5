"""The two single sign-on URLs, included by config/urls.py only when settings.OIDC_ENABLED.

Logging out is the ordinary logout (accounts.views.LogoutView), which also ends the provider's
session when an end-session endpoint is configured; the library's own logout URL is not used.
"""

from django.urls import path
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from accounts.oidc import CallbackView

urlpatterns = [
    path("authenticate/", OIDCAuthenticationRequestView.as_view(), name="oidc_authentication_init"),
    path("callback/", CallbackView.as_view(), name="oidc_authentication_callback"),
]
