"""The private calendar feed. No login: the token in the URL is the credential, and
an unknown or revoked token is a plain 404."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from accounts.preferences import feed_for_token, mark_fetched
from portfolio.calendar import build_calendar

# Private: never in a shared cache. A short max-age spares a client that polls twice
# in a row; Outlook and Google poll every few hours whatever we say.
CACHE_CONTROL = "private, max-age=900"


@require_safe
def calendar_feed(request, token):
    feed = feed_for_token(token)
    if feed is None:
        raise Http404
    mark_fetched(feed)
    response = HttpResponse(build_calendar(feed.user), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = CACHE_CONTROL
    response["Content-Disposition"] = 'inline; filename="st-portfolj.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
