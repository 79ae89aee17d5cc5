import time

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class SwedishFirstLocaleMiddleware:
    """Swedish unless the user has chosen another language with the language switch.

    Django's LocaleMiddleware follows the browser's Accept-Language, which would show
    English to most hospital computers (set up in English); the product speaks Swedish
    first, so only the explicit choice (the language cookie) overrides it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response


SEEN_KEY = "_last_seen"
# The session's end is moved forward at most this often: a database write on every request
# would cost more than the minute of precision it buys.
SEEN_REFRESH_SECONDS = 60


def mark_seen(session) -> None:
    session[SEEN_KEY] = int(time.time())


class IdleSessionMiddleware:
    """End a session SESSION_COOKIE_AGE seconds after its last request, not after its login.

    Saving the session sets its end to now + SESSION_COOKIE_AGE, so the session is marked as
    changed once a minute of use; an idle one is never saved again and expires. Place after
    SessionMiddleware, which saves the session on the way out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if session.session_key and time.time() - session.get(SEEN_KEY, 0) >= SEEN_REFRESH_SECONDS:
            mark_seen(session)
        return self.get_response(request)
