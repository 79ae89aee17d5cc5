"""The personal settings page: reminder e-mails and the private calendar feed.

The feed's URL carries a random token; only its SHA-256 is stored (CalendarFeed),
so the full URL can be shown once, right after it is made, and never again. Between
the POST that makes it and the page that shows it, the URL waits in the session and
is removed on the first read.
"""

import hashlib
import secrets
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.domain import record_event
from accounts.models import CalendarFeed, User

NEW_FEED_URL = "calendar_feed_url"  # session key: the URL waiting to be shown once
FETCH_MARK_INTERVAL = timedelta(hours=1)


# --- The token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_url(token: str) -> str:
    return settings.SITE_URL + reverse("calendar-feed", args=[token])


def issue_feed(user) -> str:
    """Give the user a feed with a new token and return the token.

    An existing feed keeps its row but gets the new fingerprint, so every earlier URL
    stops working at once.
    """
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        feed, created = CalendarFeed.objects.update_or_create(
            user=user,
            defaults={"token_hash": token_hash(token), "created_at": timezone.now(), "last_used_at": None},
        )
        record_event(user, "calendar_feed.create" if created else "calendar_feed.rotate", feed)
    return token


def revoke_feed(user) -> bool:
    """Delete the user's feed; False when there was none."""
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
        if feed is None:
            return False
        record_event(user, "calendar_feed.revoke", feed)
        feed.delete()
    return True


def feed_for_token(token: str):
    """The active person's feed for this token, or None."""
    return (
        CalendarFeed.objects.select_related("user").filter(token_hash=token_hash(token), user__is_active=True).first()
    )


def mark_fetched(feed, now=None) -> None:
    """Note when the feed was last fetched, at most once an hour: calendar clients poll
    often, and a write per poll would tell us nothing more."""
    now = now or timezone.now()
    if feed.last_used_at is not None and now - feed.last_used_at < FETCH_MARK_INTERVAL:
        return
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    feed.last_used_at = now


# --- Forms


class ReminderFrequencyForm(forms.ModelForm):
    # The section's heading already says "Reminder e-mails".
    class Meta:
        model = User
        fields = ["reminder_frequency"]
        labels = {"reminder_frequency": gettext_lazy("How often")}
        widgets = {"reminder_frequency": forms.RadioSelect}


# --- Views


def _feed_of(user):
    return CalendarFeed.objects.filter(user=user).first()


def _render(request, form=None, confirm=None):
    context = {
        "form": form or ReminderFrequencyForm(instance=request.user),
        "feed": _feed_of(request.user),
        "confirm": confirm,
        "new_feed_url": None,
    }
    if confirm is None:
        context["new_feed_url"] = request.session.pop(NEW_FEED_URL, None) if context["feed"] else None
    return render(request, "accounts/settings.html", context)


@never_cache
@login_required
def settings_page(request):
    if request.method != "POST":
        return _render(request)
    form = ReminderFrequencyForm(request.POST, instance=request.user)
    if not form.is_valid():
        return _render(request, form=form)
    user = form.save(commit=False)
    user.save(update_fields=["reminder_frequency"])
    messages.success(request, _("Your choice of reminder e-mails was saved."))
    return redirect("account-settings")


@require_POST
@login_required
def feed_create(request):
    if _feed_of(request.user) is not None:
        messages.error(request, _("You already have a calendar link. Change it below if you need a new one."))
        return redirect("account-settings")
    request.session[NEW_FEED_URL] = feed_url(issue_feed(request.user))
    messages.success(request, _("Your calendar link was created. Copy it now: it is shown only this once."))
    return redirect("account-settings")


@never_cache
@login_required
def feed_rotate(request):
    if _feed_of(request.user) is None:
        messages.error(request, _("You have no calendar link to change."))
        return redirect("account-settings")
    if request.method != "POST":
        return _render(request, confirm="rotate")
    request.session[NEW_FEED_URL] = feed_url(issue_feed(request.user))
    messages.success(request, _("You have a new calendar link and the old one no longer works. Copy the new one now."))
    return redirect("account-settings")


@never_cache
@login_required
def feed_delete(request):
    if _feed_of(request.user) is None:
        messages.error(request, _("You have no calendar link to remove."))
        return redirect("account-settings")
    if request.method != "POST":
        return _render(request, confirm="delete")
    revoke_feed(request.user)
    request.session.pop(NEW_FEED_URL, None)
    messages.success(request, _("Your calendar link was removed. Calendars that used it will no longer be updated."))
    return redirect("account-settings")
