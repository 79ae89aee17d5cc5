"""The intyg workflow: write a draft, name the signers, sign, and correct.

Same shape as portfolio/iup.py: each transition locks the row it changes, checks the
actor (PermissionDenied) and the stored state (ValidationError with a Swedish message
and a `code`), saves only what it changes and writes an audit event.

A draft is pre-filled from the record it certifies. Each signer row names one person;
only that person (by their account) signs the row in the application. The intyg
becomes signed when every signer group of its form has a signed row — or all at once
when the ST-läkare or studierektor records that it was signed on paper. Signed is
final; `correct` starts a new draft that supersedes it.

The sign page carries the digest of what it showed (`content_fingerprint`); `sign` refuses
(code "changed") when the draft was changed between reading and signing.
"""

from datetime import datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import locking
from accounts.domain import record_event
from accounts.enums import Role
from accounts.models import Membership
from portfolio.enums import CertificateForm, SignedStatus, SignerRole
from portfolio.intyg import forms
from portfolio.models import Certificate, CertificateSignature

WRITE_PERM = "portfolio.write_certificate"
PAPER_PERM = "portfolio.sign_on_paper"

# The fields of the intyg itself that the ST-läkare writes (besides the delmål).
CONTENT_FIELDS = ("place", "period_start", "period_end", "subject", "description", "extra")


def _require(user, perm, trainee):
    if not user.has_perm(perm, trainee):
        raise PermissionDenied(f"{user} lacks {perm} for trainee {trainee.pk}")


def _locked(cert):
    return Certificate.objects.select_for_update(of=("self",)).select_related("trainee").get(pk=cert.pk)


def _require_draft(cert):
    if cert.status != SignedStatus.DRAFT:
        raise ValidationError(_("This intyg has been signed and can no longer be changed."), code="signed")


def _require_unsigned_rows(cert):
    if cert.signatures.filter(signed_at__isnull=False).exists():
        raise ValidationError(
            _("Someone has already signed this intyg; it can no longer be changed."), code="partly_signed"
        )


# --- Pre-filling


def _specialty_of(user):
    return user.specialist_in.name if user is not None and user.specialist_in_id else ""


def _signer_row(role, user=None, name="", workplace=""):
    return {
        "role": role,
        "signer": user,
        "name": user.name if user is not None else name,
        "specialty": _specialty_of(user),
        "workplace": workplace,
        "supervisor_training_year": user.supervisor_training_year if user is not None else None,
    }


def _unit_head(trainee):
    heads = Membership.objects.filter(role=Role.UNIT_HEAD, unit=trainee.unit_id).select_related("user")
    membership = heads.order_by("pk").first()
    return membership.user if membership else None


def _candidates(trainee, *, service_period, course, activity):
    """Who would naturally sign each role, as (role → signer-row values)."""
    unit_name = trainee.unit.name
    found = {}
    # A tjänstgöring without a named handledare falls back to the huvudhandledare below.
    if service_period is not None and (service_period.supervisor_id or service_period.supervisor_name):
        user = service_period.supervisor
        found[SignerRole.SUPERVISOR] = _signer_row(
            SignerRole.SUPERVISOR, user, service_period.supervisor_name, service_period.place
        )
    if course is not None and course.provider:
        found[SignerRole.COURSE_LEADER] = _signer_row(SignerRole.COURSE_LEADER, name=course.provider)
    main = trainee.main_supervisor
    if main is not None:
        found.setdefault(SignerRole.SUPERVISOR, _signer_row(SignerRole.SUPERVISOR, main, "", unit_name))
        found[SignerRole.MAIN_SUPERVISOR] = _signer_row(SignerRole.MAIN_SUPERVISOR, main, "", unit_name)
    if trainee.second_specialist_id:
        found[SignerRole.SECOND_SPECIALIST] = _signer_row(
            SignerRole.SECOND_SPECIALIST, trainee.second_specialist, "", unit_name
        )
    head = _unit_head(trainee)
    if head is not None:
        found[SignerRole.UNIT_HEAD] = _signer_row(SignerRole.UNIT_HEAD, head, "", unit_name)
    # A course is signed by its kursledare; the handledare is only the fallback when no provider is known.
    if course is not None and SignerRole.COURSE_LEADER in found:
        found.pop(SignerRole.SUPERVISOR, None)
    return found


def _initial_signers(form, candidates):
    rows = []
    for group in forms.signer_groups(form):
        for role in group:
            if role in candidates and candidates[role]["name"]:
                rows.append({**candidates[role], "role": role})
                break
    return rows


def _content_from(service_period, course, activity):
    if service_period is not None:
        record = service_period
        return record, {
            "place": record.place,
            "period_start": record.start,
            "period_end": record.end,
            "description": record.notes,
        }
    if course is not None:
        record = course
        return record, {
            "place": record.provider,
            "period_start": record.start,
            "period_end": record.end,
            "subject": record.title,
            "description": record.notes,
        }
    if activity is not None:
        record = activity
        return record, {
            "period_start": record.start,
            "period_end": record.end,
            "subject": record.title,
            "description": record.description,
        }
    return None, {}


def _check_form(trainee, form, records):
    if form not in CertificateForm.values:
        raise ValidationError(_("Unknown intyg form."), code="unknown_form")
    if forms.regulation_of(form) != trainee.regulation.code:
        raise ValidationError(
            _("This form belongs to another regulation than the ST-läkare's (%(regulation)s).")
            % {"regulation": trainee.regulation.name},
            code="wrong_regulation",
        )
    given = [record for record in records if record is not None]
    if len(given) > 1:
        raise ValidationError(_("An intyg certifies one record at a time."), code="several_records")
    if given and given[0].trainee_id != trainee.pk:
        raise ValidationError(_("The record belongs to another ST-läkare."), code="other_trainee")


@transaction.atomic
def draft_for(trainee, *, by, form, service_period=None, course=None, activity=None):
    """A new draft of `form`, pre-filled from the record it certifies (or from the trainee for a summary)."""
    _require(by, WRITE_PERM, trainee)
    _check_form(trainee, form, [service_period, course, activity])
    record, content = _content_from(service_period, course, activity)
    cert = Certificate.objects.create(
        trainee=trainee,
        form=form,
        service_period=service_period,
        course=course,
        activity=activity,
        created_by=by,
        **{key: value or "" if key in {"place", "subject", "description"} else value for key, value in content.items()},
    )
    if record is not None:
        cert.goals.set(record.goals.all())
    candidates = _candidates(trainee, service_period=service_period, course=course, activity=activity)
    for row in _initial_signers(form, candidates):
        CertificateSignature.objects.create(certificate=cert, **row)
    record_event(by, "certificate.drafted", cert, form=form)
    return cert


# --- Editing a draft


@transaction.atomic
def update_draft(cert, *, by, goals=None, **fields):
    """Change the content of a draft that nobody has signed yet."""
    unknown = set(fields) - set(CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"Not content fields of an intyg: {sorted(unknown)}")
    locked = _locked(cert)
    _require(by, WRITE_PERM, locked.trainee)
    _require_draft(locked)
    _require_unsigned_rows(locked)
    start = fields.get("period_start", locked.period_start)
    end = fields.get("period_end", locked.period_end)
    if start and end and end < start:
        raise ValidationError(_("The period must end on or after its start."), code="period_order")
    changed = [name for name, value in fields.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, fields[name])
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
        for name in [*changed, "updated_at"]:
            setattr(cert, name, getattr(locked, name))
    goal_changes = {}
    if goals is not None:
        old, new = set(locked.goals.values_list("pk", flat=True)), {goal.pk for goal in goals}
        if old != new:
            locked.goals.set(goals)
            goal_changes = {"goals_added": sorted(new - old), "goals_removed": sorted(old - new)}
    if changed or goal_changes:
        record_event(by, "certificate.updated", cert, fields=changed, **goal_changes)
    return cert


def _group_of(form, role):
    for group in forms.signer_groups(form):
        if role in group:
            return group
    raise ValidationError(_("This form has no signer with that role."), code="unknown_role")


@transaction.atomic
def name_signer(cert, *, by, role, name, signer=None, specialty="", workplace="", supervisor_training_year=None):
    """Name who signs `role` (replacing an unsigned alternative of the same group)."""
    locked = _locked(cert)
    _require(by, WRITE_PERM, locked.trainee)
    _require_draft(locked)
    group = _group_of(locked.form, role)
    rows = list(locked.signatures.select_for_update().filter(role__in=group))
    if any(row.signed_at for row in rows):
        raise ValidationError(_("This signer has already signed."), code="already_signed")
    if signer is not None and signer.pk == locked.trainee.user_id:
        raise ValidationError(_("The ST-läkare cannot sign their own intyg."), code="own_intyg")
    name = (name or (signer.name if signer else "")).strip()
    if not name:
        raise ValidationError(_("Give the signer's name."), code="no_name")
    for row in rows:
        if row.role != role:
            row.delete()
    if signer is not None and supervisor_training_year is None:
        supervisor_training_year = signer.supervisor_training_year
    row, _created = CertificateSignature.objects.update_or_create(
        certificate=locked,
        role=role,
        defaults={
            "signer": signer,
            "name": name,
            "specialty": specialty or _specialty_of(signer),
            "workplace": workplace,
            "supervisor_training_year": supervisor_training_year,
        },
    )
    record_event(by, "certificate.signer_named", cert, role=role, signer=signer.pk if signer else None)
    return row


# --- Signing


def all_groups_signed(form, signatures) -> bool:
    signed = {row.role for row in signatures if row.signed_at is not None}
    return all(signed & set(group) for group in forms.signer_groups(form))


def content_fingerprint(cert) -> str:
    """The digest of what a signer reads and signs: the form, the content, the record and the delmål it
    certifies, and who signs in which role (read from the database, not from caches)."""
    return locking.fingerprint(
        {
            "form": cert.form,
            "content": {name: getattr(cert, name) for name in CONTENT_FIELDS},
            "records": [cert.service_period_id, cert.course_id, cert.activity_id],
            "goals": sorted(cert.goals.values_list("pk", flat=True)),
            "signers": list(cert.signatures.order_by("role").values_list("role", "signer_id", "name")),
        }
    )


def changed_error():
    return ValidationError(
        _(
            "The intyg was changed while you were reading it, so you have not signed it. "
            "It is shown again below as it is now: read it through and sign if it is right."
        ),
        code=locking.CHANGED,
    )


@transaction.atomic
def sign(cert, *, by, role, city, seen=None):
    """The named signer signs their row; the intyg is signed when every group has signed.

    `seen` is the `content_fingerprint` the sign page was shown with (None from code that shows no page).
    """
    locked = _locked(cert)
    locked.trainee.require_active()
    _require_draft(locked)
    row = locked.signatures.select_for_update().filter(role=role).first()
    if row is None or row.signer_id is None or row.signer_id != by.pk:
        raise PermissionDenied(f"{by} is not the named {role} of certificate {cert.pk}")
    if by.pk == locked.trainee.user_id:  # a row named before this rule existed, or written directly
        raise PermissionDenied(f"{by} cannot sign their own certificate {cert.pk}")
    if row.signed_at is not None:
        raise ValidationError(_("You have already signed this intyg."), code="already_signed")
    locking.require_seen(seen, content_fingerprint(locked), changed_error())
    city = (city or "").strip()
    if not city:
        raise ValidationError(_("Give the city (ort) where you sign."), code="no_city")
    row.city = city
    row.specialty = row.specialty or _specialty_of(by)
    row.workplace = row.workplace or locked.trainee.unit.name
    if row.supervisor_training_year is None:
        row.supervisor_training_year = by.supervisor_training_year
    row.signed_at = timezone.now()
    row.save(update_fields=["city", "specialty", "workplace", "supervisor_training_year", "signed_at"])
    record_event(by, "certificate.signature", cert, role=role)
    if all_groups_signed(locked.form, locked.signatures.all()):
        fields = locked.mark_signed()
        for name in fields:
            setattr(cert, name, getattr(locked, name))
        record_event(by, "certificate.signed", cert, form=locked.form)
    return row


@transaction.atomic
def mark_signed_on_paper(cert, *, by, signed_on):
    """Record that the printed intyg was signed by hand on `signed_on`; the intyg is then final."""
    locked = _locked(cert)
    _require(by, PAPER_PERM, locked.trainee)
    _require_draft(locked)
    if signed_on is None or signed_on > timezone.localdate():
        raise ValidationError(_("The date of signing cannot be in the future."), code="future_date")
    moment = timezone.make_aware(datetime.combine(signed_on, time(12)))
    locked.signatures.filter(signed_at__isnull=True).update(signed_at=moment)
    locked.signed_on_paper = True
    locked.save(update_fields=["signed_on_paper", "updated_at"])
    fields = locked.mark_signed()
    for name in ["signed_on_paper", *fields]:
        setattr(cert, name, getattr(locked, name))
    record_event(by, "certificate.signed_on_paper", cert, signed_on=signed_on.isoformat())
    return cert


# --- Correcting


@transaction.atomic
def correct(cert, *, by):
    """A new draft with the same content that supersedes the signed `cert` (once only)."""
    locked = _locked(cert)
    _require(by, WRITE_PERM, locked.trainee)
    if not locked.is_signed:
        raise ValidationError(_("Only a signed intyg can be corrected; change the draft instead."), code="not_signed")
    if Certificate.objects.filter(supersedes=locked).exists():
        raise ValidationError(_("This intyg has already been corrected."), code="already_corrected")
    copy = {name: getattr(locked, name) for name in CONTENT_FIELDS}
    try:
        with transaction.atomic():
            new = Certificate.objects.create(
                trainee=locked.trainee,
                form=locked.form,
                service_period=locked.service_period,
                course=locked.course,
                activity=locked.activity,
                supersedes=locked,
                created_by=by,
                **copy,
            )
    except IntegrityError as exc:
        raise ValidationError(_("This intyg has already been corrected."), code="already_corrected") from exc
    new.goals.set(locked.goals.all())
    for row in locked.signatures.all():
        CertificateSignature.objects.create(
            certificate=new,
            role=row.role,
            signer=row.signer,
            name=row.name,
            specialty=row.specialty,
            workplace=row.workplace,
            supervisor_training_year=row.supervisor_training_year,
        )
    record_event(by, "certificate.corrected", new, supersedes=locked.pk)
    return new


# --- Reading


def certificates_to_sign(user):
    """The signer rows waiting for this user's signature, on drafts, with what the list shows."""
    if not user.is_authenticated:
        return CertificateSignature.objects.none()
    return (
        CertificateSignature.objects.filter(signer=user, signed_at__isnull=True, certificate__status=SignedStatus.DRAFT)
        .select_related("certificate__trainee__user")
        .order_by("certificate__created_at", "pk")
    )


def is_named_signer(user, cert) -> bool:
    return user.is_authenticated and cert.signatures.filter(signer=user).exists()


def signer_visible_certificates(user):
    """Certificates a user may open because they are named on them, whoever the trainee is."""
    return Certificate.objects.filter(Q(signatures__signer=user)).distinct()


STATE_DRAFT, STATE_WAITING, STATE_SIGNED, STATE_PAPER, STATE_SUPERSEDED = (
    "draft",
    "waiting",
    "signed",
    "paper",
    "superseded",
)


def state_of(cert, signatures, superseded: bool):
    """(state code, names still to sign) from rows already loaded: the list page makes no query per row."""
    if cert.is_signed:
        if superseded:
            return STATE_SUPERSEDED, []
        return (STATE_PAPER if cert.signed_on_paper else STATE_SIGNED), []
    waiting = [row.name for row in signatures if row.signed_at is None and row.signer_id]
    return (STATE_WAITING if waiting else STATE_DRAFT), waiting
