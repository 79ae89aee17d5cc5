"""The personal settings page (/konto/installningar/): reminder frequency and the
calendar link, which is shown once and stored only as a fingerprint."""

import hashlib
import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from accounts.enums import ReminderFrequency
from accounts.models import AuditEvent, CalendarFeed
from accounts.preferences import NEW_FEED_URL, issue_feed, token_hash

pytestmark = pytest.mark.django_db

SETTINGS = reverse("account-settings")
CREATE = reverse("calendar-feed-create")
ROTATE = reverse("calendar-feed-rotate")
DELETE = reverse("calendar-feed-delete")
FEED_URL = re.compile(r'value="(' + re.escape(settings.SITE_URL) + r'/kalender/([A-Za-z0-9_-]+)\.ics)"')


def shown_url(response):
    """The feed URL in the page (the read-only field), or None."""
    match = FEED_URL.search(response.content.decode())
    return match.groups() if match else None


def feed_path(url):
    return url.removeprefix(settings.SITE_URL)


@pytest.fixture
def logged_in(client, trainee):
    client.force_login(trainee.user)
    return client


# --- The page


@pytest.mark.parametrize("url", [SETTINGS, ROTATE, DELETE])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_post_creates_nothing(client, trainee):
    response = client.post(CREATE)

    assert response["Location"].startswith(reverse("login"))
    assert not CalendarFeed.objects.exists()


def test_every_page_links_to_the_settings(logged_in):
    assert f'href="{SETTINGS}"' in logged_in.get(reverse("home")).content.decode()


@pytest.mark.parametrize("persona", ["supervisor", "study_director", "outsider"])
def test_every_person_has_the_page(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    response = client.get(SETTINGS)

    assert response.status_code == 200
    assert response.context["form"].instance == user
    assert 'type="radio"' in response.content.decode()
    assert response.context["feed"] is None
    assert f'action="{CREATE}"' in response.content.decode()


def test_settings_page_is_not_cached(logged_in):
    assert "no-store" in logged_in.get(SETTINGS)["Cache-Control"]


def test_frequency_is_saved(logged_in, trainee):
    assert trainee.user.reminder_frequency == ReminderFrequency.WEEKLY

    response = logged_in.post(SETTINGS, {"reminder_frequency": ReminderFrequency.ESSENTIAL}, follow=True)

    trainee.user.refresh_from_db()
    assert trainee.user.reminder_frequency == ReminderFrequency.ESSENTIAL
    assert response.redirect_chain[-1][0] == SETTINGS
    assert len(list(response.context["messages"])) == 1
    assert 'value="essential" required id="id_reminder_frequency_2" checked' in response.content.decode()


def test_unknown_frequency_shows_an_error_and_saves_nothing(logged_in, trainee):
    response = logged_in.post(SETTINGS, {"reminder_frequency": "hourly"})

    assert response.status_code == 200
    assert response.context["form"].errors["reminder_frequency"]
    assert 'class="errorlist' in response.content.decode()
    trainee.user.refresh_from_db()
    assert trainee.user.reminder_frequency == ReminderFrequency.WEEKLY


def test_saving_the_frequency_changes_no_other_field(logged_in, trainee):
    trainee.user.name = "Sara Öberg-Lind"
    trainee.user.save(update_fields=["name"])  # changed elsewhere after the request loaded the user

    logged_in.post(SETTINGS, {"reminder_frequency": ReminderFrequency.DAILY})

    trainee.user.refresh_from_db()
    assert trainee.user.name == "Sara Öberg-Lind"
    assert trainee.user.reminder_frequency == ReminderFrequency.DAILY


# --- Creating the link


def test_create_is_post_only(logged_in):
    assert logged_in.get(CREATE).status_code == 405
    assert not CalendarFeed.objects.exists()


def test_created_link_is_shown_once_and_only_its_fingerprint_is_stored(logged_in, trainee):
    response = logged_in.post(CREATE, follow=True)

    _url, token = shown_url(response)
    feed = CalendarFeed.objects.get(user=trainee.user)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (feed.token_hash, str(feed.pk))
    assert not AuditEvent.objects.filter(data__icontains=token).exists()
    assert AuditEvent.objects.filter(action="calendar_feed.create", target_id=feed.pk).exists()
    # The session no longer holds it either once the page has shown it.
    assert not any(token in str(session.get_decoded()) for session in Session.objects.all())
    assert NEW_FEED_URL not in logged_in.session

    again = logged_in.get(SETTINGS)

    assert shown_url(again) is None
    assert token not in again.content.decode()
    assert again.context["feed"] == feed


def test_shown_link_works(logged_in, client, trainee):
    url, _token = shown_url(logged_in.post(CREATE, follow=True))
    logged_in.logout()

    response = client.get(feed_path(url))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"X-WR-CALNAME:ST-portf" in response.content


def test_page_with_a_link_shows_created_and_last_fetched(logged_in, client, trainee):
    url, _token = shown_url(logged_in.post(CREATE, follow=True))
    logged_in.get(feed_path(url))

    response = logged_in.get(SETTINGS)

    feed = CalendarFeed.objects.get(user=trainee.user)
    content = response.content.decode()
    assert feed.last_used_at is not None
    assert f"{feed.created_at.astimezone():%Y-%m-%d}" in content
    assert f'href="{ROTATE}"' in content
    assert f'href="{DELETE}"' in content
    assert f'action="{CREATE}"' not in content


def test_second_create_keeps_the_existing_link(logged_in, trainee):
    token = issue_feed(trainee.user)

    response = logged_in.post(CREATE, follow=True)

    assert shown_url(response) is None
    assert CalendarFeed.objects.get(user=trainee.user).token_hash == token_hash(token)


# --- Changing and removing it


def test_change_asks_first_and_changes_nothing_on_get(logged_in, trainee):
    token = issue_feed(trainee.user)

    response = logged_in.get(ROTATE)

    assert response.status_code == 200
    assert response.context["confirm"] == "rotate"
    assert f'action="{ROTATE}"' in response.content.decode()
    assert CalendarFeed.objects.get(user=trainee.user).token_hash == token_hash(token)


def test_after_change_the_old_link_is_404_and_the_new_works(logged_in, client, trainee):
    old_url, _old = shown_url(logged_in.post(CREATE, follow=True))

    response = logged_in.post(ROTATE, follow=True)

    new_url, new_token = shown_url(response)
    assert new_url != old_url
    assert CalendarFeed.objects.get(user=trainee.user).token_hash == token_hash(new_token)
    assert CalendarFeed.objects.count() == 1
    assert AuditEvent.objects.filter(action="calendar_feed.rotate").count() == 1
    assert client.get(feed_path(old_url)).status_code == 404
    assert client.get(feed_path(new_url)).status_code == 200


def test_change_starts_the_last_fetched_afresh(logged_in, client, trainee):
    url, _token = shown_url(logged_in.post(CREATE, follow=True))
    client.get(feed_path(url))

    logged_in.post(ROTATE)

    assert CalendarFeed.objects.get(user=trainee.user).last_used_at is None


def test_remove_asks_first_and_changes_nothing_on_get(logged_in, trainee):
    issue_feed(trainee.user)

    response = logged_in.get(DELETE)

    assert response.context["confirm"] == "delete"
    assert f'action="{DELETE}"' in response.content.decode()
    assert CalendarFeed.objects.filter(user=trainee.user).exists()


def test_after_remove_the_link_is_404(logged_in, client, trainee):
    url, _token = shown_url(logged_in.post(CREATE, follow=True))

    response = logged_in.post(DELETE, follow=True)

    assert not CalendarFeed.objects.exists()
    assert client.get(feed_path(url)).status_code == 404
    assert AuditEvent.objects.filter(action="calendar_feed.revoke").count() == 1
    assert f'action="{CREATE}"' in response.content.decode()


@pytest.mark.parametrize("url", [ROTATE, DELETE])
def test_change_or_remove_without_a_link_does_nothing(logged_in, url):
    response = logged_in.post(url, follow=True)

    assert response.redirect_chain[-1][0] == SETTINGS
    assert not CalendarFeed.objects.exists()
    assert len(list(response.context["messages"])) == 1


def test_one_persons_actions_never_touch_anothers_link(client, trainee, supervisor):
    token = issue_feed(supervisor)
    client.force_login(trainee.user)

    client.post(ROTATE)
    client.post(DELETE)

    assert CalendarFeed.objects.get(user=supervisor).token_hash == token_hash(token)
