"""Authentication backends for the test settings only."""

from axes.backends import AxesStandaloneBackend


class ClientLoginAxesBackend(AxesStandaloneBackend):
    """django-axes' backend, letting the test client's `client.login()` through.

    `Client.login()` calls `authenticate()` without a request, which axes refuses: there is no
    HTTP request to throttle. Every login through the login page still has one and is checked.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
