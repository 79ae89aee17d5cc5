"""Requests for kompetensvärdering by link: tokens, the assessor's page, mails, reminders and the
ST-läkare's pages."""

import base64
import html
import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail, signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import AuditEvent
from assessments import requesting
from assessments.enums import AssessmentKind, AssessorRole, RequestState, SignedStatus
from assessments.forms.requests import AssessorForm
from assessments.models import Assessment, AssessmentRequest, AssessmentTemplate
from assessments.requesting import (
    complete_request,
    create_request,
    extend_request,
    find_request,
    make_token,
    revoke_request,
    send_reminders,
)
from portfolio import queries
from portfolio.models import FrozenRecordError
from tests.assessments.factories import AssessmentFactory, AssessmentRequestFactory
from tests.portfolio.factories_activities import persona_user
from tests.portfolio.factories_service import SupervisionMeetingFactory

pytestmark = pytest.mark.django_db

READERS = ["owner", "supervisor", "second_specialist", "study_director", "unit_head", "region_admin", "national_admin"]
NOT_THE_TRAINEE = ["supervisor", "second_specialist", "study_director", "unit_head", "region_admin"]
OUTSIDERS = ["outsider", "other_supervisor"]

MESSAGE = "Patienten med yrsel på onsdagsmottagningen"
LINK_RE = re.compile(r"https?://[^/\s]+(/bedomning/[^/\s]+/)")


# --- Helpers


def goals_of(trainee, count=3):
    return list(queries.trainee_goals(trainee)[:count])


def send(trainee, *, valid_days=30, goals=None, kind=AssessmentKind.MINI_CEX, **overrides):
    data = {
        "assessor_name": "Greta Kollega",
        "assessor_email": "greta.kollega@example.se",
        "assessor_role": AssessorRole.SPECIALIST,
        "message": MESSAGE,
    }
    data.update(overrides)
    goals = goals_of(trainee, 2) if goals is None else goals
    return create_request(trainee, by=trainee.user, kind=kind, goals=goals, valid_days=valid_days, **data)


def link(req):
    return reverse("assessor-form", args=[make_token(req)])


def opens(url, req):
    """Whether the assessor link `url` opens `req` as it is now.

    Links are compared by what they name, not character by character: the token carries the
    second it was signed, so two links to the same request made a second apart differ."""
    match = resolve(url)
    return match.url_name == "assessor-form" and requesting.find_request(match.kwargs["token"]) == req


def link_from_mail(message):
    found = LINK_RE.search(message.body)
    assert found, message.body
    return found.group(1)


def form_data(req, **overrides):
    template = AssessmentTemplate.objects.get(region=None, kind=req.kind)
    data = {
        "date": timezone.localdate().isoformat(),
        "situation": "Nybesök, yrsel",
        "went_well": "Lyhörd och strukturerad anamnes.",
        "to_develop": "Sammanfatta planen för patienten.",
        "goals": [goal.pk for goal in req.goals.all()],
        "assessor_name": req.assessor_name,
        "confirm": "on",
    }
    data.update({f"rating_{domain['code']}": "6" for domain in template.domains})
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def text(response):
    return html.unescape(response.content.decode())


def events(record, action):
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(record), target_id=record.pk, action=action
    )


def tamper_payload(token, **changes):
    """Re-encode the token's signed value with changes but keep the old signature."""
    payload, signature = token.split(":", 1)
    value = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    value[0] = changes.get("pk", value[0])
    value[1] = changes.get("nonce", value[1])
    encoded = base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{encoded}:{signature}"


@pytest.fixture
def req(trainee):
    sent = send(trainee)
    mail.outbox.clear()
    return sent


# --- Tokens


def test_token_round_trip(req):
    token = make_token(req)

    assert find_request(token) == req
    assert re.fullmatch(r"[A-Za-z0-9_:-]+", token)  # safe in a URL path as it is
    assert req.nonce not in token  # the nonce is inside the signed payload, not readable as is


def test_a_changed_character_makes_the_token_unknown(req):
    token = make_token(req)
    middle = len(token) // 2
    changed = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]

    assert find_request(changed) is None
    assert find_request(token[:-1]) is None
    assert find_request("") is None
    assert find_request("not-a-token") is None


def test_a_swapped_pk_is_refused(trainee, req):
    other = send(trainee, assessor_email="annan@example.se")

    assert find_request(tamper_payload(make_token(req), pk=other.pk)) is None
    # Even correctly signed, another request's pk with this nonce is not a link to it.
    assert find_request(signing.dumps([other.pk, req.nonce], salt=requesting.TOKEN_SALT)) is None
    assert find_request(signing.dumps([req.pk, req.nonce], salt="another-salt")) is None
    assert find_request(signing.dumps({"pk": req.pk}, salt=requesting.TOKEN_SALT)) is None


def test_a_new_nonce_kills_the_old_link(client, req):
    old = make_token(req)
    AssessmentRequest.objects.filter(pk=req.pk).update(nonce="f" * 32)
    req.refresh_from_db()

    assert find_request(old) is None
    assert find_request(tamper_payload(old, nonce=req.nonce)) is None
    assert find_request(make_token(req)) == req
    assert client.get(reverse("assessor-form", args=[old])).status_code == 404


def test_tampered_link_page_says_so_and_shows_nothing(client, req):
    response = client.get(reverse("assessor-form", args=[make_token(req)[:-2] + "xx"]))

    assert response.status_code == 404
    page = text(response)
    assert gettext("The link does not work") in page
    assert (
        gettext(
            "Check that you opened the whole link from the most recent e-mail. "
            "If it still does not work, ask the ST-läkare to send you a new link."
        )
        in page
    )
    assert "Sara Öberg" not in page
    assert MESSAGE not in page
    assert "<form" not in page


# --- The assessor's page


def test_link_page_shows_the_form_and_only_what_it_needs(client, trainee, req):
    template = AssessmentTemplate.objects.get(region=None, kind=req.kind)
    suggested = list(req.goals.all())

    response = client.get(link(req))

    assert response.status_code == 200
    page = text(response)
    assert "Sara Öberg" in page
    assert str(req.get_kind_display()) in page
    assert template.guidance in page
    assert MESSAGE in page
    for goal in suggested:
        assert goal.title in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "css/assessor.css" in page
    form = response.context["form"]
    assert set(form.fields["goals"].queryset) == set(suggested)
    assert sorted(form["goals"].value()) == sorted(goal.pk for goal in suggested)  # pre-ticked
    assert form["assessor_name"].value() == "Greta Kollega"
    assert [field.label for field in form.rating_fields()] == [domain["label"] for domain in template.domains]


def test_link_page_reveals_nothing_else_of_the_portfolio(client, trainee, req):
    AssessmentFactory(trainee=trainee, went_well="HEMLIG-BEDOMNING-TEXT", situation="HEMLIG-SITUATION")
    SupervisionMeetingFactory(trainee=trainee, topics="HEMLIG-HANDLEDNING", notes="HEMLIG-ANTECKNING")
    send(trainee, assessor_name="Olle Annan", assessor_email="olle@example.se", message="HEMLIG-ANNAN-FORFRAGAN")
    unsuggested = [goal for goal in queries.trainee_goals(trainee) if goal not in set(req.goals.all())][:3]

    page = text(client.get(link(req)))

    for secret in ["HEMLIG-", "Olle Annan", "olle@example.se", trainee.user.email, "Erik Holmström"]:
        assert secret not in page
    for goal in unsuggested:
        assert goal.title not in page
    assert "<a " not in page
    assert "/st-lakare/" not in page
    assert 'class="nav"' not in page


@pytest.mark.parametrize("token_kind", ["open", "tampered"])
def test_link_pages_are_private(client, req, token_kind):
    token = make_token(req) if token_kind == "open" else "x" + make_token(req)

    response = client.get(reverse("assessor-form", args=[token]))

    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Robots-Tag"] == "noindex"


def test_the_assessor_submits_and_the_portfolio_gets_a_signed_assessment(client, trainee, req):
    chosen = list(req.goals.all())[:1]

    url = link(req)
    response = client.post(url, form_data(req, goals=[chosen[0].pk], assessor_name=" Greta Kollega-Ek "))

    assert response.status_code == 302
    assert response["Location"] == url
    assessment = Assessment.objects.get(trainee=trainee)
    assert assessment.status == SignedStatus.SIGNED
    assert assessment.signed_at is not None
    assert assessment.assessor is None
    assert (assessment.assessor_name, assessment.assessor_email, assessment.assessor_role) == (
        "Greta Kollega-Ek",
        "greta.kollega@example.se",
        AssessorRole.SPECIALIST,
    )
    assert list(assessment.goals.all()) == chosen
    assert assessment.went_well == "Lyhörd och strukturerad anamnes."
    assert set(assessment.ratings.values()) == {6}
    req.refresh_from_db()
    assert req.assessment == assessment
    assert req.state() == RequestState.COMPLETED
    assert events(req, "assessment_request.completed").get().actor is None
    assert events(assessment, "assessment.signed").exists()

    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert gettext("Thank you for your assessment") in text(thanks)
    assert "<form" not in text(thanks)


def test_the_form_is_protected_against_cross_site_posts(trainee, req):
    """A post without the page's CSRF token (another site's form) is refused; the page's own works."""
    browser = Client(enforce_csrf_checks=True)

    forged = browser.post(link(req), form_data(req), HTTP_ORIGIN="https://elsewhere.example")
    page = browser.get(link(req))
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    posted = browser.post(link(req), {**form_data(req), "csrfmiddlewaretoken": token})

    assert forged.status_code == 403
    assert posted.status_code == 302
    assert Assessment.objects.filter(trainee=trainee, status=SignedStatus.SIGNED).count() == 1


def test_the_completed_assessment_cannot_change(client, trainee, req):
    client.post(link(req), form_data(req))
    assessment = Assessment.objects.get(trainee=trainee)
    other_goal = goals_of(trainee, 5)[-1]

    assessment.went_well = "Ändrad text"
    with pytest.raises(FrozenRecordError):
        assessment.save()
    with pytest.raises(FrozenRecordError), transaction.atomic():
        assessment.goals.add(other_goal)
    with pytest.raises(FrozenRecordError):
        assessment.delete()
    assessment.refresh_from_db()
    assert assessment.went_well == "Lyhörd och strukturerad anamnes."


def test_a_second_submit_is_refused_and_creates_nothing(client, trainee, req):
    client.post(link(req), form_data(req))

    again = client.post(link(req), form_data(req, went_well="Andra försöket"))
    later = Client().get(link(req))  # the link opened again, in another browser

    assert Assessment.objects.filter(trainee=trainee).count() == 1
    assert not Assessment.objects.filter(went_well="Andra försöket").exists()
    assert again.status_code == 410
    assert later.status_code == 410
    assert gettext("The assessment has already been submitted") in text(later)
    assert "<form" not in text(later)


def test_complete_request_refuses_a_closed_request(trainee, req):
    form = AssessorForm(form_data(req), instance=requesting.new_assessment(req), suggested_goals=list(req.goals.all()))
    assert form.is_valid(), form.errors
    complete_request(req, form, assessor_name="Greta Kollega")

    stale = AssessmentRequest.objects.get(pk=req.pk)
    stale.assessment = None  # as another tab would still see it
    second = AssessorForm(
        form_data(req), instance=requesting.new_assessment(stale), suggested_goals=list(req.goals.all())
    )
    assert second.is_valid()
    with pytest.raises(ValidationError) as error:
        complete_request(stale, second, assessor_name="Greta Kollega")

    assert error.value.code == "request_completed"
    assert Assessment.objects.filter(trainee=trainee).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"confirm": None}, "confirm"),
        ({"went_well": "", "to_develop": ""}, "__all__"),
        ({"assessor_name": ""}, "assessor_name"),
    ],
)
def test_bad_input_on_the_link_form_saves_nothing(client, trainee, req, change, field):
    response = client.post(link(req), form_data(req, **change))

    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert gettext("Some answers need attention; see the marked fields below.") in text(response)
    assert not Assessment.objects.filter(trainee=trainee).exists()
    req.refresh_from_db()
    assert req.state() == RequestState.OPEN


def test_an_expired_link_says_so(client, req):
    AssessmentRequest.objects.filter(pk=req.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    req.refresh_from_db()

    get = client.get(link(req))
    post = client.post(link(req), form_data(req))

    assert req.state() == RequestState.EXPIRED
    assert get.status_code == post.status_code == 410
    assert gettext("The link has expired") in text(get)
    assert MESSAGE not in text(get)
    assert "<form" not in text(get)
    assert not Assessment.objects.exists()


def test_state_follows_the_given_time(req):
    assert req.state(now=req.expires_at - timedelta(seconds=1)) == RequestState.OPEN
    assert req.state(now=req.expires_at) == RequestState.EXPIRED


def test_a_revoked_link_says_so(client, trainee, req):
    revoke_request(req, by=trainee.user)

    response = client.get(link(req))

    assert response.status_code == 410
    assert gettext("The request has been withdrawn") in text(response)
    assert "<form" not in text(response)
    assert MESSAGE not in text(response)
    assert events(req, "assessment_request.revoked").get().actor == trainee.user


def test_extending_an_expired_link_makes_it_work_again(client, trainee, req):
    AssessmentRequest.objects.filter(pk=req.pk).update(
        expires_at=timezone.now() - timedelta(days=2), reminded_at=timezone.now() - timedelta(days=9)
    )
    req.refresh_from_db()
    assert client.get(link(req)).status_code == 410

    before = timezone.now()
    extend_request(req, by=trainee.user, days=10)

    req.refresh_from_db()
    assert before + timedelta(days=10) <= req.expires_at <= timezone.now() + timedelta(days=10)
    assert req.reminded_at is None
    assert client.get(link(req)).status_code == 200
    (message,) = mail.outbox
    assert message.to == ["greta.kollega@example.se"]
    assert opens(link_from_mail(message), req)
    assert f"{timezone.localtime(req.expires_at):%Y-%m-%d}" in message.body


def test_extending_an_open_link_adds_to_its_date(trainee, req):
    old = req.expires_at

    extend_request(req, by=trainee.user, days=5)

    assert req.expires_at == old + timedelta(days=5)


def test_completed_or_revoked_requests_cannot_be_extended_or_revoked(client, trainee, req):
    revoked = send(trainee, assessor_email="annan@example.se")
    revoke_request(revoked, by=trainee.user)
    client.post(link(req), form_data(req))
    req.refresh_from_db()
    mail.outbox.clear()

    for closed in (req, revoked):
        with pytest.raises(ValidationError):
            extend_request(closed, by=trainee.user)
        with pytest.raises(ValidationError):
            revoke_request(closed, by=trainee.user)
    assert mail.outbox == []


def test_only_the_trainee_may_act_on_requests(trainee, supervisor, req):
    with pytest.raises(PermissionDenied):
        create_request(
            trainee,
            by=supervisor,
            kind=AssessmentKind.DOPS,
            assessor_name="X",
            assessor_email="x@example.se",
            assessor_role=AssessorRole.DOCTOR,
            message="",
            goals=[],
        )
    with pytest.raises(PermissionDenied):
        extend_request(req, by=supervisor)
    with pytest.raises(PermissionDenied):
        revoke_request(req, by=supervisor)
    assert AssessmentRequest.objects.filter(trainee=trainee).count() == 1


# --- Mails


def test_creating_a_request_mails_a_working_link(client, trainee):
    goals = goals_of(trainee, 2)

    req = send(trainee, goals=goals)

    (message,) = mail.outbox
    assert message.to == ["greta.kollega@example.se"]
    assert message.reply_to == [trainee.user.email]
    assert "Sara Öberg" in message.subject
    assert "Sara Öberg" in message.body
    assert MESSAGE in message.body
    assert all(goal.code in message.body for goal in goals)
    assert f"{timezone.localtime(req.expires_at):%Y-%m-%d}" in message.body
    assert "&" not in message.body.replace(MESSAGE, "")  # plain text, nothing HTML-escaped
    response = client.get(link_from_mail(message))
    assert response.status_code == 200
    assert response.context["req"] == req
    event = events(req, "assessment_request.created").get()
    assert (event.actor, event.data["assessor_email"]) == (trainee.user, "greta.kollega@example.se")


def test_the_mail_link_starts_with_site_url_outside_a_request(settings, trainee):
    settings.SITE_URL = "https://st.example.se"

    send(trainee)

    assert "https://st.example.se/bedomning/" in mail.outbox[0].body


# --- Reminders


def make_due(trainee, *, days_left=3, sent_days_ago=5, **fields):
    req = AssessmentRequestFactory(trainee=trainee, **fields)
    now = timezone.now()
    AssessmentRequest.objects.filter(pk=req.pk).update(
        created_at=now - timedelta(days=sent_days_ago), expires_at=now + timedelta(days=days_left)
    )
    req.refresh_from_db()
    return req


def test_a_reminder_is_sent_once_within_the_window(client, trainee):
    due = make_due(trainee, assessor_email="pamint@example.se")
    make_due(trainee, days_left=20, assessor_email="senare@example.se")

    first = send_reminders()
    second = send_reminders()

    assert first == [due]
    assert second == []
    (message,) = mail.outbox
    assert message.to == ["pamint@example.se"]
    assert "Sara Öberg" in message.subject
    due.refresh_from_db()
    assert due.reminded_at is not None
    assert client.get(link_from_mail(message)).status_code == 200
    assert events(due, "assessment_request.reminded").get().actor is None


def test_no_reminder_for_completed_revoked_expired_or_just_sent_requests(trainee):
    done = make_due(trainee, assessment=AssessmentFactory(trainee=trainee))
    make_due(trainee, revoked_at=timezone.now())
    make_due(trainee, days_left=-1)
    make_due(trainee, sent_days_ago=0)
    make_due(trainee, reminded_at=timezone.now() - timedelta(days=1))

    assert send_reminders() == []
    assert mail.outbox == []
    assert done.state() == RequestState.COMPLETED


def test_the_window_is_measured_from_the_given_now(trainee):
    due = make_due(trainee, days_left=20)

    assert send_reminders(now=timezone.now() + timedelta(days=14)) == [due]
    assert len(mail.outbox) == 1


def test_dry_run_sends_nothing(trainee):
    due = make_due(trainee)

    assert send_reminders(dry_run=True) == [due]

    assert mail.outbox == []
    due.refresh_from_db()
    assert due.reminded_at is None


def test_extending_after_a_reminder_allows_a_new_reminder(trainee):
    due = make_due(trainee)
    send_reminders()
    extend_request(due, by=trainee.user, days=1)
    mail.outbox.clear()

    assert send_reminders() == [due]
    assert len(mail.outbox) == 1


def test_the_command_reports_what_it_sent(trainee):
    due = make_due(trainee, assessor_email="pamint@example.se")
    make_due(trainee, days_left=10, assessor_email="tio@example.se")
    dry, real = StringIO(), StringIO()

    call_command("remind_assessors", "--dry-run", "--days", "12", stdout=dry)
    assert mail.outbox == []
    call_command("remind_assessors", stdout=real)

    assert "pamint@example.se" in dry.getvalue()
    assert "tio@example.se" in dry.getvalue()
    assert "pamint@example.se" in real.getvalue()
    assert "tio@example.se" not in real.getvalue()
    assert [message.to for message in mail.outbox] == [["pamint@example.se"]]
    due.refresh_from_db()
    assert due.reminded_at is not None


# --- The ST-läkare's pages


def url(name, trainee, pk=None):
    return reverse(name, args=[trainee.pk] if pk is None else [trainee.pk, pk])


def create_data(trainee, **overrides):
    data = {
        "kind": AssessmentKind.DOPS,
        "assessor_name": "Nils Kirurg",
        "assessor_email": "nils.kirurg@example.se",
        "assessor_role": AssessorRole.DOCTOR,
        "message": "Suturen på akuten i tisdags",
        "goals": [goal.pk for goal in goals_of(trainee, 2)],
        "valid_days": "14",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", READERS)
def test_every_reader_sees_the_requests_and_their_state(client, request, trainee, req, persona):
    done = send(trainee, assessor_name="Klara Klar", assessor_email="klara@example.se")
    client.post(link(done), form_data(done))
    client.force_login(persona_user(request, persona))

    response = client.get(url("request-list", trainee))

    assert response.status_code == 200
    states = {row["req"].pk: row["state"] for row in response.context["rows"]}
    assert states == {req.pk: RequestState.OPEN, done.pk: RequestState.COMPLETED}
    page = text(response)
    assert "Greta Kollega" in page and "Klara Klar" in page
    assert f"{timezone.localtime(req.expires_at):%Y-%m-%d}" in page
    assert make_token(req) not in page  # the link only ever goes to the assessor
    assert (url("request-create", trainee) in page) == (persona == "owner")
    assert (url("request-revoke", trainee, req.pk) in page) == (persona == "owner")


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_get_404_on_every_request_page(client, request, trainee, req, persona):
    client.force_login(persona_user(request, persona))

    assert client.get(url("request-list", trainee)).status_code == 404
    assert client.get(url("request-create", trainee)).status_code == 404
    assert client.post(url("request-create", trainee), create_data(trainee)).status_code == 404
    assert client.post(url("request-extend", trainee, req.pk), {"days": "5"}).status_code == 404
    assert client.get(url("request-revoke", trainee, req.pk)).status_code == 404
    assert client.post(url("request-revoke", trainee, req.pk)).status_code == 404
    req.refresh_from_db()
    assert req.state() == RequestState.OPEN
    assert AssessmentRequest.objects.filter(trainee=trainee).count() == 1


@pytest.mark.parametrize("persona", NOT_THE_TRAINEE)
def test_readers_who_are_not_the_trainee_may_not_act(client, request, trainee, req, persona):
    client.force_login(persona_user(request, persona))
    expires = req.expires_at

    assert client.get(url("request-create", trainee)).status_code == 403
    assert client.post(url("request-create", trainee), create_data(trainee)).status_code == 403
    assert client.post(url("request-extend", trainee, req.pk), {"days": "5"}).status_code == 403
    assert client.get(url("request-revoke", trainee, req.pk)).status_code == 403
    assert client.post(url("request-revoke", trainee, req.pk)).status_code == 403

    req.refresh_from_db()
    assert (req.expires_at, req.revoked_at) == (expires, None)
    assert AssessmentRequest.objects.filter(trainee=trainee).count() == 1
    assert mail.outbox == []


def test_the_trainee_sends_a_request_from_the_form(client, trainee):
    client.force_login(trainee.user)
    assert client.get(url("request-create", trainee)).status_code == 200
    before = timezone.now()

    response = client.post(url("request-create", trainee), create_data(trainee))

    assert response.status_code == 302
    assert response["Location"] == url("request-list", trainee)
    req = AssessmentRequest.objects.get(trainee=trainee)
    assert (req.kind, req.assessor_name, req.assessor_email, req.assessor_role, req.created_by) == (
        AssessmentKind.DOPS,
        "Nils Kirurg",
        "nils.kirurg@example.se",
        AssessorRole.DOCTOR,
        trainee.user,
    )
    assert set(req.goals.all()) == set(goals_of(trainee, 2))
    assert before + timedelta(days=14) <= req.expires_at <= timezone.now() + timedelta(days=14)
    (message,) = mail.outbox
    assert message.to == ["nils.kirurg@example.se"]
    assert opens(link_from_mail(message), req)
    assert "Nils Kirurg" in text(client.get(response["Location"]))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"assessor_email": "inte-en-adress"}, "assessor_email"),
        ({"assessor_email": "SARA@example.se"}, "assessor_email"),
        ({"assessor_name": ""}, "assessor_name"),
        ({"valid_days": "0"}, "valid_days"),
        ({"valid_days": "91"}, "valid_days"),
        ({"kind": "okand"}, "kind"),
    ],
)
def test_bad_input_on_the_request_form_saves_and_sends_nothing(client, trainee, change, field):
    trainee.user.email = "sara@example.se"
    trainee.user.save(update_fields=["email"])
    client.force_login(trainee.user)

    response = client.post(url("request-create", trainee), create_data(trainee, **change))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not AssessmentRequest.objects.exists()
    assert mail.outbox == []


def test_the_trainee_extends_from_the_list(client, trainee, req):
    client.force_login(trainee.user)
    old = req.expires_at

    response = client.post(url("request-extend", trainee, req.pk), {"days": "7"})

    assert response.status_code == 302
    req.refresh_from_db()
    assert req.expires_at == old + timedelta(days=7)
    assert len(mail.outbox) == 1
    assert client.get(url("request-extend", trainee, req.pk)).status_code == 405


def test_extending_with_a_bad_number_changes_nothing(client, trainee, req):
    client.force_login(trainee.user)
    old = req.expires_at

    response = client.post(url("request-extend", trainee, req.pk), {"days": "500"}, follow=True)

    req.refresh_from_db()
    assert req.expires_at == old
    assert gettext("Give a number of days from 1 to 90.") in text(response)
    assert mail.outbox == []


def test_the_trainee_withdraws_after_confirming(client, trainee, req):
    client.force_login(trainee.user)

    confirm = client.get(url("request-revoke", trainee, req.pk))
    req.refresh_from_db()
    assert confirm.status_code == 200
    assert req.revoked_at is None
    assert "Greta Kollega" in text(confirm)

    response = client.post(url("request-revoke", trainee, req.pk))

    assert response.status_code == 302
    req.refresh_from_db()
    assert req.state() == RequestState.REVOKED
    assert client.get(link(req)).status_code == 410


def test_withdrawing_a_completed_request_is_refused_with_a_message(client, trainee, req):
    client.post(link(req), form_data(req))
    client.force_login(trainee.user)

    response = client.post(url("request-revoke", trainee, req.pk), follow=True)

    req.refresh_from_db()
    assert req.state() == RequestState.COMPLETED
    assert req.revoked_at is None
    refused = gettext("Only a waiting or expired request can be withdrawn; this one is %(state)s.") % {
        "state": RequestState.COMPLETED.label
    }
    assert refused in [str(message) for message in response.context["messages"]]
    assert req.assessment.is_signed


@pytest.mark.parametrize("count", [1, 3])
def test_request_list_query_count_does_not_grow(client, django_assert_num_queries, trainee, count):
    goals = goals_of(trainee, 2)
    for n in range(count):
        sent = send(trainee, assessor_email=f"kollega{n}@example.se", goals=goals)
        if n == 0:
            client.post(link(sent), form_data(sent))
    client.force_login(trainee.user)

    # session, user, national-admin check, trainee, requests, their delmål
    with django_assert_num_queries(6):
        response = client.get(url("request-list", trainee))

    assert len(response.context["rows"]) == count
