"""Requests for a kompetensvärdering sent to a colleague without an account.

The colleague gets an e-mail with a link to one form. The link's token is the request's
pk and nonce, signed with the site's secret (`django.core.signing`), so the database
holds nothing that would let anyone rebuild a link, yet a reminder can send the same
link again. The request's dates decide whether the link still works (`state`).

Each transition follows the pattern of portfolio.iup: lock the row, check the actor's
permission and the stored state (ValidationError with a Swedish message and a `code`),
save with `update_fields`, write an audit event. The assessor who completes the form has
no account, so their events are recorded with no actor.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from accounts.domain import record_event
from assessments.assessing import template_for
from assessments.enums import RequestState, SignedStatus
from assessments.models import Assessment, AssessmentRequest, AssessmentTemplate

REQUEST_PERM = "assessments.request_assessment"
TOKEN_SALT = "assessments.request-link"  # noqa: S105 -- a namespace for the signature, not a secret  # nosec B105
MAX_VALID_DAYS = 90
# A reminder the same day as the request itself is only noise.
REMINDER_QUIET_PERIOD = timedelta(days=1)


# --- the link


def make_token(req) -> str:
    return signing.dumps([req.pk, req.nonce], salt=TOKEN_SALT)


def find_request(token):
    """The request a token names, or None when it is tampered with, unknown or superseded."""
    try:
        value = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not (isinstance(value, list) and len(value) == 2):
        return None
    pk, nonce = value
    if not isinstance(pk, int) or not isinstance(nonce, str):
        return None
    req = AssessmentRequest.objects.select_related("trainee__user", "trainee__unit__region").filter(pk=pk).first()
    if req is None or not constant_time_compare(req.nonce, nonce):
        return None
    return req


def link_for(req, request=None) -> str:
    """The absolute link; from the current request in a view, from settings.SITE_URL in a command."""
    path = reverse("assessor-form", args=[make_token(req)])
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL + path


def _template_for(trainee, kind):
    """The template the form uses (the region's own, else the national one), or None."""
    try:
        return template_for(trainee.unit.region, kind)
    except AssessmentTemplate.DoesNotExist:
        return None


# --- mail


def _send(req, template, subject, request=None):
    """One plain-text mail to the assessor, in the site's language whatever the sender's."""
    trainee_user = req.trainee.user
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "req": req,
            "trainee_name": trainee_user.name,
            "kind": req.get_kind_display(),
            "link": link_for(req, request),
            "expires": f"{timezone.localtime(req.expires_at):%Y-%m-%d}",
            "goals": list(req.goals.all()),
            "reply_to": bool(trainee_user.email),
        }
        body = render_to_string(f"assessments/email/{template}.txt", context)
        subject = subject % {"name": trainee_user.name, "date": context["expires"]}
    reply_to = [trainee_user.email] if trainee_user.email else []
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [req.assessor_email], reply_to=reply_to).send()


# --- the ST-läkare's actions


def _require(user, trainee):
    if not user.has_perm(REQUEST_PERM, trainee):
        raise PermissionDenied(f"{user} lacks {REQUEST_PERM} for trainee {trainee.pk}")


def _check_days(days):
    if not 1 <= days <= MAX_VALID_DAYS:
        raise ValidationError(
            _("A link can be valid for 1 to %(max)s days.") % {"max": MAX_VALID_DAYS}, code="invalid_days"
        )


def _locked(req):
    return AssessmentRequest.objects.select_for_update(of=("self",)).select_related("trainee__user").get(pk=req.pk)


def _copy_back(req, locked, fields):
    for name in fields:
        setattr(req, name, getattr(locked, name))


def create_request(
    trainee,
    *,
    by,
    kind,
    assessor_name,
    assessor_email,
    assessor_role,
    message,
    goals,
    valid_days=30,
    request=None,
):
    """Save the request, link its delmål and e-mail the assessor the link.

    The mail is sent inside the transaction: if it cannot be sent, no request is left
    behind that the assessor never heard of (the error reaches the caller).
    """
    _require(by, trainee)
    _check_days(valid_days)
    if _template_for(trainee, kind) is None:
        raise ValidationError(_("There is no form for this kind of assessment."), code="no_template")
    with transaction.atomic():
        req = AssessmentRequest.objects.create(
            trainee=trainee,
            kind=kind,
            assessor_name=assessor_name,
            assessor_email=assessor_email,
            assessor_role=assessor_role,
            message=message,
            nonce=secrets.token_hex(16),
            expires_at=timezone.now() + timedelta(days=valid_days),
            created_by=by,
        )
        req.goals.set(goals)
        record_event(by, "assessment_request.created", req, kind=kind, assessor_email=assessor_email, days=valid_days)
        _send(req, "request", _("Request for a kompetensvärdering from %(name)s"), request)
    return req


@transaction.atomic
def extend_request(req, *, by, days=30, request=None):
    """Keep the same link working `days` more (from now if it had expired) and tell the assessor."""
    locked = _locked(req)
    _require(by, locked.trainee)
    _check_days(days)
    if locked.state() not in {RequestState.OPEN, RequestState.EXPIRED}:
        raise ValidationError(
            _("Only a waiting or expired request can be extended; this one is %(state)s.")
            % {"state": locked.state().label},
            code="not_extendable",
        )
    locked.expires_at = max(timezone.now(), locked.expires_at) + timedelta(days=days)
    locked.reminded_at = None
    locked.save(update_fields=["expires_at", "reminded_at"])
    _copy_back(req, locked, ["expires_at", "reminded_at"])
    record_event(by, "assessment_request.extended", locked, days=days, expires_at=locked.expires_at.isoformat())
    _send(locked, "extended", _("The link for the kompetensvärdering of %(name)s is valid until %(date)s"), request)
    return req


@transaction.atomic
def revoke_request(req, *, by):
    """Withdraw a request that has not been completed; its link stops working at once."""
    locked = _locked(req)
    _require(by, locked.trainee)
    if locked.state() not in {RequestState.OPEN, RequestState.EXPIRED}:
        raise ValidationError(
            _("Only a waiting or expired request can be withdrawn; this one is %(state)s.")
            % {"state": locked.state().label},
            code="not_revocable",
        )
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    _copy_back(req, locked, ["revoked_at"])
    record_event(by, "assessment_request.revoked", locked)
    return req


# --- the assessor's form


def new_assessment(req):
    """The unsaved assessment the link form fills in (the request's trainee and kind, a copy of the
    template's scale and domains), or None when there is no template for the kind any more."""
    template = _template_for(req.trainee, req.kind)
    if template is None:
        return None
    return Assessment(
        trainee=req.trainee,
        kind=req.kind,
        template=template,
        scale=template.scale,
        domains=template.domains,
        assessor_name=req.assessor_name,
        assessor_email=req.assessor_email,
        assessor_role=req.assessor_role,
    )


def complete_request(req, form, *, assessor_name):
    """Save the filled-in form as a signed assessment by the request's assessor.

    The request row is locked while its state is checked and the assessment linked, so a
    second submit (a double click, a second tab) finds it completed and creates nothing.
    The assessment is saved as a draft first so its delmål can be attached, then signed.
    """
    with transaction.atomic():
        locked = _locked(req)
        if locked.state() != RequestState.OPEN:
            raise ValidationError(_closed_message(locked.state()), code=f"request_{locked.state()}")
        locked.trainee.require_active()  # archiving withdraws open requests; this is the last guard
        assessment = form.save(commit=False)
        assessment.assessor = None
        assessment.assessor_name = assessor_name.strip() or locked.assessor_name
        assessment.assessor_email = locked.assessor_email
        assessment.assessor_role = locked.assessor_role
        assessment.created_by = None
        assessment.status = SignedStatus.DRAFT
        assessment.save()
        form.save_m2m()
        assessment.mark_signed()
        locked.assessment = assessment
        locked.save(update_fields=["assessment"])
        req.assessment = assessment
        record_event(None, "assessment_request.completed", locked, assessment=assessment.pk)
        record_event(None, "assessment.signed", assessment, request=locked.pk, assessor_name=assessment.assessor_name)
    return assessment


def _closed_message(state):
    messages = {
        RequestState.COMPLETED: _("This assessment has already been submitted."),
        RequestState.REVOKED: _("The ST-läkare has withdrawn this request."),
        RequestState.EXPIRED: _("The link has expired."),
    }
    return messages[state]


# --- reminders


def send_reminders(now=None, days_before=7, dry_run=False):
    """E-mail each open request that expires within `days_before` days and has had no reminder.

    A request sent less than a day ago gets none. Setting `reminded_at` makes a second
    run a no-op; extending a request clears it, so the new date gets its own reminder.
    """
    now = now or timezone.now()
    due = (
        AssessmentRequest.objects.open(now)
        .filter(
            reminded_at__isnull=True,
            expires_at__lte=now + timedelta(days=days_before),
            created_at__lte=now - REMINDER_QUIET_PERIOD,
        )
        .select_related("trainee__user")
        .order_by("expires_at", "pk")
    )
    if dry_run:
        return list(due)
    return [req for req in due if _remind(req, now)]


def _remind(req, now):
    with transaction.atomic():
        locked = _locked(req)
        # Another run may have reminded it since the list was read.
        if locked.reminded_at is not None or locked.state(now) != RequestState.OPEN:
            return False
        locked.reminded_at = now
        locked.save(update_fields=["reminded_at"])
        _copy_back(req, locked, ["reminded_at"])
        record_event(None, "assessment_request.reminded", locked)
        _send(locked, "reminder", _("Reminder: kompetensvärdering for %(name)s, the link is valid until %(date)s"))
    return True
