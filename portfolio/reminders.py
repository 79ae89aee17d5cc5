"""The daily reminder digest: what is due, overdue or waiting for each person.

`send_reminders` (the management command) calls `send_digests(today)`, which

1. walks `SOURCES`: each source is a function `(today) -> Iterable[ReminderItem]` that
   finds one kind of thing for everyone at once with a fixed number of queries (the
   figures come from StatusSnapshot, never from `build_status` per trainee);
2. groups the items by person and drops repeats of the same key;
3. applies each person's `reminder_frequency` (DAILY: everything; WEEKLY: everything on
   Mondays, otherwise only essential items; ESSENTIAL: only essential items), where
   essential means something waits for this person's signature or decision;
4. drops what SentReminder says was already sent to that person today, and people who
   are inactive or have no e-mail address;
5. sends one plain-text mail per person and records exactly the items that went out.
   A failed send records nothing, so the next run retries it.

Extension point: another app adds a source with `register_source(func)` from its
AppConfig.ready(), e.g. the contracts app for SPUR handlingsplan follow-ups. A source must
make a fixed number of queries whatever the number of trainees, give every item a `key`
that names the same thing the same way all day (it is what makes a second run send
nothing), and build links with `link()` so that they are absolute.

`assessments.requesting.send_reminders` (command `remind_assessors`) is separate: it mails
colleagues without an account about their expiring assessment link.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.enums import ReminderFrequency, Role
from accounts.models import Membership, SentReminder, User
from assessments.enums import AssessmentKind
from assessments.models import ActionPlan, AssessmentRequest
from portfolio.enums import CertificateForm, Phase, PlanStatus, SignedStatus
from portfolio.models import CertificateSignature, StatusSnapshot, TrainingPlan
from portfolio.overview import MID_ST_NOT_ORDERED

logger = logging.getLogger(__name__)

# How far ahead each kind of deadline is mentioned.
DUE_SOON = timedelta(days=30)
MID_ST_SOON = timedelta(days=60)
FOLLOW_UP_SOON = timedelta(days=7)
REQUEST_SOON = timedelta(days=7)


@dataclass(frozen=True)
class ReminderItem:
    """One line of a digest. `key` names the thing (e.g. "iup_overdue:42", "sign:7") and
    stays the same all day, so SentReminder can tell what was already sent."""

    user_id: int
    key: str
    text: str
    url: str
    day: date
    overdue: bool
    essential: bool = False


Source = Callable[[date], Iterable[ReminderItem]]
SOURCES: list[Source] = []


def register_source(source: Source) -> Source:
    """Add a source of reminder items (usable as a decorator); registering twice is harmless."""
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def link(name: str, *args) -> str:
    """An absolute link for a mail sent outside a request."""
    return settings.SITE_URL + reverse(name, args=args)


def settings_link() -> str:
    return link("account-settings")


def _item(user_id, kind, pk, text, url, day, today):
    """A deadline (never essential), keyed by kind, state and record, e.g. "iup_overdue:42": a
    deadline that is recomputed into the past during the day is news and goes out again."""
    overdue = day < today
    key = f"{kind}_{'overdue' if overdue else 'due'}:{pk}"
    return ReminderItem(user_id, key, text, url, day, overdue)


# --- the stored status of every trainee --------------------------------------------------

SNAPSHOT_FIELDS = (
    "trainee_id",
    "trainee__user_id",
    "trainee__user__name",
    "trainee__unit_id",
    "trainee__main_supervisor_id",
    "trainee__study_director_id",
    "iup_due",
    "iup_due_kind",
    "next_visit_due",
    "statement_due",
    "statement_done",
    "mid_st_wanted",
    "mid_st_status",
    "mid_st_target",
    "mid_st_order_by",
)


def _snapshots(*conditions):
    """Snapshot rows matching any condition, one query. A trainee whose account is closed, who
    is archived or whose specialist application is finalised has no deadlines left to remind
    anyone of."""
    return (
        StatusSnapshot.objects.filter(trainee__user__is_active=True, trainee__archived_at__isnull=True)
        .exclude(phase=Phase.APPLIED)
        .filter(reduce(or_, conditions))
        .order_by("trainee_id")
        .values(*SNAPSHOT_FIELDS)
    )


def _on_or_before(day, limit):
    return day if day is not None and day <= limit else None


def _iup_q(limit):
    return Q(iup_due__lte=limit)


def _visit_q(limit):
    return Q(next_visit_due__lte=limit)


def _statement_q(limit):
    return Q(statement_done=False, statement_due__lte=limit)


def _mid_st_q(today):
    # The rule of portfolio.snapshot.due_next: wanted, not yet ordered, and the visit still ahead.
    return Q(
        mid_st_wanted=True,
        mid_st_status__in=MID_ST_NOT_ORDERED,
        mid_st_target__gte=today,
        mid_st_order_by__lte=today + MID_ST_SOON,
    )


def _mid_st_order_by(row, today):
    wanted = row["mid_st_wanted"] and row["mid_st_status"] in MID_ST_NOT_ORDERED
    if not wanted or row["mid_st_target"] is None or row["mid_st_target"] < today:
        return None
    return _on_or_before(row["mid_st_order_by"], today + MID_ST_SOON)


def _study_directors(unit_ids) -> dict[int, set[int]]:
    """The studierektorer of each unit, one query."""
    directors = defaultdict(set)
    memberships = Membership.objects.filter(role=Role.STUDY_DIRECTOR, unit_id__in=unit_ids)
    for unit_id, user_id in memberships.values_list("unit_id", "user_id"):
        directors[unit_id].add(user_id)
    return directors


def _directors_of(trainee_study_director_id, unit_id, directors):
    """The named studierektor and every studierektor of the trainee's unit."""
    found = set(directors.get(unit_id, ()))
    if trainee_study_director_id is not None:
        found.add(trainee_study_director_id)
    return sorted(found)


# --- sources -------------------------------------------------------------------------------


@register_source
def own_deadlines(today):
    """The ST-läkare's own IUP, årsbesök and Mitt-i-ST order deadline."""
    soon = today + DUE_SOON
    for row in _snapshots(_iup_q(soon), _visit_q(soon), _mid_st_q(today)):
        trainee_id, user_id = row["trainee_id"], row["trainee__user_id"]
        if day := _on_or_before(row["iup_due"], soon):
            first = row["iup_due_kind"] == "first"
            text = _("Your first IUP is due for approval") if first else _("Your revised IUP is due for approval")
            yield _item(user_id, "iup", trainee_id, text, link("plan-list", trainee_id), day, today)
        if day := _on_or_before(row["next_visit_due"], soon):
            url = link("review-list", trainee_id)
            yield _item(user_id, "visit", trainee_id, _("Your årsbesök"), url, day, today)
        if day := _mid_st_order_by(row, today):
            url = link("midterm-detail", trainee_id)
            yield _item(user_id, "mid_st", trainee_id, _("Your Mitt-i-ST is to be ordered"), url, day, today)


@register_source
def own_action_plan_follow_ups(today):
    """The next follow-up of each open åtgärdsplan, to its ST-läkare."""
    plans = (
        ActionPlan.objects.open()
        .filter(follow_up_on__lte=today + FOLLOW_UP_SOON, trainee__archived_at__isnull=True)
        .values_list("pk", "trainee_id", "trainee__user_id", "follow_up_on")
        .order_by("pk")
    )
    for pk, trainee_id, user_id, day in plans:
        url = link("action-plan-detail", trainee_id, pk)
        yield _item(user_id, "action_plan", pk, _("Follow-up of your åtgärdsplan"), url, day, today)


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


@register_source
def own_requests_expiring(today):
    """Requests for a kompetensvärdering still unanswered whose link expires within a week."""
    # A run for a later day (--date) counts from that day's start; a normal run from now.
    now = max(timezone.now(), _start_of(today))
    requests = (
        AssessmentRequest.objects.open(now)
        .filter(expires_at__lt=_start_of(today + REQUEST_SOON + timedelta(days=1)), trainee__archived_at__isnull=True)
        .values_list("pk", "trainee_id", "trainee__user_id", "kind", "assessor_name", "expires_at")
        .order_by("pk")
    )
    for pk, trainee_id, user_id, kind, assessor, expires_at in requests:
        label = AssessmentKind(kind).label if kind in AssessmentKind.values else kind
        text = _("The link you sent %(assessor)s for a kompetensvärdering (%(kind)s) expires unanswered") % {
            "assessor": assessor,
            "kind": label,
        }
        day = timezone.localdate(expires_at)
        url = link("request-list", trainee_id)
        yield ReminderItem(user_id, f"request:{pk}", text, url, day, overdue=False)


@register_source
def signatures_waiting(today):
    """Intyg waiting for a named signer: portfolio.intyg.workflow.certificates_to_sign for
    everyone at once (same filter), one item per intyg even when the person signs two rows."""
    rows = (
        CertificateSignature.objects.filter(
            signer__isnull=False,
            signed_at__isnull=True,
            certificate__status=SignedStatus.DRAFT,
            certificate__trainee__archived_at__isnull=True,
        )
        .values_list(
            "signer_id",
            "certificate_id",
            "certificate__trainee_id",
            "certificate__trainee__user__name",
            "certificate__form",
            "certificate__created_at",
        )
        .order_by("certificate_id", "pk")
    )
    for signer_id, cert_id, trainee_id, name, form, created_at in rows:
        label = CertificateForm(form).label if form in CertificateForm.values else form
        text = _("Intyg for %(name)s waits for your signature: %(form)s") % {"name": name, "form": label}
        url = link("certificate-detail", trainee_id, cert_id)
        day = timezone.localdate(created_at)
        yield ReminderItem(signer_id, f"sign:{cert_id}", text, url, day, overdue=False, essential=True)


@register_source
def plans_to_decide(today):
    """Submitted IUP versions, to every studierektor who may decide them."""
    plans = list(
        TrainingPlan.objects.filter(status=PlanStatus.SUBMITTED, trainee__archived_at__isnull=True)
        .values_list(
            "pk",
            "version",
            "submitted_at",
            "trainee_id",
            "trainee__user__name",
            "trainee__unit_id",
            "trainee__study_director_id",
        )
        .order_by("pk")
    )
    directors = _study_directors({plan[5] for plan in plans})
    for pk, version, submitted_at, trainee_id, name, unit_id, named_director in plans:
        text = _("IUP version %(version)s for %(name)s waits for your decision") % {"version": version, "name": name}
        url = link("plan-detail", trainee_id, pk)
        day = timezone.localdate(submitted_at) if submitted_at else today
        for user_id in _directors_of(named_director, unit_id, directors):
            yield ReminderItem(user_id, f"iup_decision:{pk}", text, url, day, overdue=False, essential=True)


@register_source
def supervisor_deadlines(today):
    """To the huvudhandledare: the handledarutlåtande due, and an IUP that is overdue."""
    soon, overdue = today + DUE_SOON, today - timedelta(days=1)
    rows = _snapshots(_statement_q(soon), _iup_q(overdue))
    for row in rows.filter(trainee__main_supervisor__isnull=False):
        trainee_id, user_id, values = row["trainee_id"], row["trainee__main_supervisor_id"], _named(row)
        if not row["statement_done"] and (day := _on_or_before(row["statement_due"], soon)):
            text = _("Handledarutlåtande for %(name)s before the årsbesök") % values
            yield _item(user_id, "statement", trainee_id, text, link("statement-list", trainee_id), day, today)
        if day := _on_or_before(row["iup_due"], overdue):
            text = _("IUP for %(name)s to be approved") % values
            yield _item(user_id, "iup", trainee_id, text, link("plan-list", trainee_id), day, today)


@register_source
def study_director_deadlines(today):
    """To each studierektor of the trainee: an overdue IUP, the Mitt-i-ST order deadline and the årsbesök."""
    soon, overdue = today + DUE_SOON, today - timedelta(days=1)
    rows = list(_snapshots(_iup_q(overdue), _visit_q(soon), _mid_st_q(today)))
    directors = _study_directors({row["trainee__unit_id"] for row in rows})
    for row in rows:
        items = list(_director_items(row, today, soon, overdue))
        for user_id in _directors_of(row["trainee__study_director_id"], row["trainee__unit_id"], directors):
            for kind, text, url, day in items:
                yield _item(user_id, kind, row["trainee_id"], text, url, day, today)


def _director_items(row, today, soon, overdue):
    trainee_id, values = row["trainee_id"], _named(row)
    if day := _on_or_before(row["iup_due"], overdue):
        yield "iup", _("IUP for %(name)s to be approved") % values, link("plan-list", trainee_id), day
    if day := _mid_st_order_by(row, today):
        text = _("Mitt-i-ST for %(name)s to be ordered") % values
        yield "mid_st", text, link("midterm-detail", trainee_id), day
    if day := _on_or_before(row["next_visit_due"], soon):
        yield "visit", _("Årsbesök for %(name)s") % values, link("review-list", trainee_id), day


def _named(row):
    return {"name": row["trainee__user__name"]}


# --- gathering, choosing and sending -------------------------------------------------------


def _order(item):
    return (not item.overdue, item.day, item.text, item.key)


def collect(today: date) -> dict[int, list[ReminderItem]]:
    """Every source's items by person: one item per key (the first source wins), overdue
    first, then by date."""
    found: dict[int, dict[str, ReminderItem]] = defaultdict(dict)
    for source in SOURCES:
        for item in source(today):
            found[item.user_id].setdefault(item.key, item)
    return {user_id: sorted(items.values(), key=_order) for user_id, items in found.items()}


def wanted(items: Iterable[ReminderItem], frequency: str, today: date) -> list[ReminderItem]:
    """The items a person with this reminder frequency gets today."""
    if frequency == ReminderFrequency.DAILY or (frequency == ReminderFrequency.WEEKLY and today.weekday() == 0):
        return list(items)
    return [item for item in items if item.essential]


@dataclass
class Digest:
    user: User
    items: list[ReminderItem] = field(default_factory=list)


def pending(today: date) -> list[Digest]:
    """One digest per active person with an e-mail address and something not yet sent today."""
    by_user = collect(today)
    users = User.objects.filter(pk__in=by_user, is_active=True).exclude(email="").order_by("name", "pk")
    sent = defaultdict(set)
    for user_id, key in SentReminder.objects.filter(day=today, user_id__in=by_user).values_list("user_id", "key"):
        sent[user_id].add(key)
    digests = []
    for user in users:
        items = [
            item for item in wanted(by_user[user.pk], user.reminder_frequency, today) if item.key not in sent[user.pk]
        ]
        if items:
            digests.append(Digest(user, items))
    return digests


def render(digest: Digest) -> tuple[str, str]:
    """(subject, body) in the site's language."""
    count = len(digest.items)
    subject = ngettext("ST-portfölj: %(count)s thing to do", "ST-portfölj: %(count)s things to do", count) % {
        "count": count
    }
    context = {
        "name": digest.user.name,
        "overdue": [item for item in digest.items if item.overdue],
        "upcoming": [item for item in digest.items if not item.overdue],
        "frequency": ReminderFrequency(digest.user.reminder_frequency).label,
        "settings_url": settings_link(),
    }
    return subject, render_to_string("email/reminder_digest.txt", context)


def send(digest: Digest) -> None:
    subject, body = render(digest)
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [digest.user.email]).send()


@dataclass
class Outcome:
    sent: list[Digest] = field(default_factory=list)
    failed: list[Digest] = field(default_factory=list)

    @property
    def items(self):
        return sum(len(digest.items) for digest in self.sent)


def send_digests(today: date, dry_run: bool = False) -> Outcome:
    """Send today's digests; with dry_run only say which would go out."""
    with translation.override(settings.LANGUAGE_CODE):
        digests = pending(today)
        if dry_run:
            # Nothing is sent; the digests are what would be.
            return Outcome(sent=digests)
        outcome = Outcome()
        for digest in digests:
            try:
                send(digest)
            except OSError:  # smtplib's errors are OSErrors; one refused address must not stop the rest
                logger.exception("Reminder digest to user %s could not be sent", digest.user.pk)
                outcome.failed.append(digest)
            else:
                # Recorded as soon as it has gone out (one insert per mail), so a run that
                # stops half-way repeats nothing the next time.
                _record([digest], today)
                outcome.sent.append(digest)
        return outcome


def _record(digests, today):
    rows = [SentReminder(user=digest.user, day=today, key=item.key) for digest in digests for item in digest.items]
    # A second run at the same moment may have recorded the same rows; either record will do.
    SentReminder.objects.bulk_create(rows, ignore_conflicts=True)
