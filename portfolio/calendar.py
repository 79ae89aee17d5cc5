"""A person's private calendar feed: deadlines and meetings as all-day iCalendar events.

Which events a person gets follows their roles, always inside
`Trainee.objects.visible_to(user)`:

- their own ST: every deadline and meeting;
- as huvudhandledare: the same for each of their trainees, named in the summary;
- as studierektor or chef of a unit (or the trainee's named studierektor): the IUP,
  årsbesök and Mitt-i-ST order-by deadlines, and the unit's specialistkollegier.

Deadlines come from the stored StatusSnapshot (the same figures as the overview);
the rest from one query per kind of record, never one per trainee, so a feed for a
hundred ST-läkare costs as many queries as a feed for one. The events carry a summary
and a link only: a calendar is often synced to a third party, and the page behind the
link checks who may read it.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration

from accounts.enums import Role
from accounts.models import Membership
from assessments.models import ActionPlan, MidTermEvaluation, PanelReview, SpecialistPanel
from portfolio.models import AnnualVisit, StatusSnapshot, SupervisionMeeting, Trainee
from portfolio.overview import MID_ST_NOT_ORDERED
from portfolio.timecalc import add_months

REFRESH = timedelta(hours=12)
MONTHS_BACK, MONTHS_AHEAD = 12, 24


@dataclass(frozen=True)
class FeedEvent:
    kind: str
    pk: int  # the trainee's for a deadline, the record's for a meeting
    day: date
    summary: str
    path: str  # on this site; made absolute in the feed

    @property
    def key(self):
        return f"{self.kind}-{self.pk}-{self.day:%Y-%m-%d}"


@dataclass
class Window:
    start: date
    end: date

    def __contains__(self, day):
        return day is not None and self.start <= day <= self.end


@dataclass
class Scope:
    """The trainees a feed covers, by the reason it covers them."""

    own: list[Trainee]
    supervised: list[Trainee]
    directed: list[Trainee]
    led_unit_ids: list[int]

    @property
    def close(self):
        """Trainees whose every deadline and meeting is in the feed."""
        return self.own + self.supervised


# --- The scope


def feed_scope(user) -> Scope:
    """Two queries: the units the user leads, and the trainees in the feed with their snapshots.

    Each trainee lands in one list, the closest role first, so a huvudhandledare who is
    also the unit's studierektor gets each of the trainee's events once."""
    led = list(
        Membership.objects.filter(user=user, role__in=[Role.STUDY_DIRECTOR, Role.UNIT_HEAD])
        .values_list("unit_id", flat=True)
        .distinct()
    )
    roles = Q(user=user) | Q(main_supervisor=user) | Q(study_director=user) | Q(unit_id__in=led)
    trainees = Trainee.objects.visible_to(user).filter(roles).select_related("user", "snapshot").order_by("pk")
    scope = Scope(own=[], supervised=[], directed=[], led_unit_ids=led)
    for trainee in trainees:
        if trainee.user_id == user.pk:
            scope.own.append(trainee)
        elif trainee.main_supervisor_id == user.pk:
            scope.supervised.append(trainee)
        else:
            scope.directed.append(trainee)
    return scope


# --- Events


def feed_events(user, today=None) -> list[FeedEvent]:
    """Every event of the user's feed from a year back to two years ahead, by date."""
    today = today or timezone.localdate()
    window = Window(add_months(today, -MONTHS_BACK), add_months(today, MONTHS_AHEAD))
    scope = feed_scope(user)
    own_ids = {trainee.pk for trainee in scope.own}
    names = {trainee.pk: "" if trainee.pk in own_ids else str(trainee.user) for trainee in scope.close}
    events = []
    for trainee in scope.close:
        events += deadline_events(trainee, names[trainee.pk], window, every=True)
    for trainee in scope.directed:
        events += deadline_events(trainee, str(trainee.user), window, every=False)
    close_ids = list(names)
    if close_ids:
        events += mid_term_visits(close_ids, names, window)
        events += action_plan_follow_ups(close_ids, names, window)
        events += panel_reviews(close_ids, names, window)
        events += planned_visits(close_ids, names, today, window)
        events += supervision_meetings(close_ids, names, today, window)
    if scope.led_unit_ids:
        events += unit_panels(scope.led_unit_ids, window)
    return sorted(events, key=lambda event: (event.day, event.summary))


def _named(name, text):
    return _("%(name)s: %(what)s") % {"name": name, "what": text} if name else text


def _snapshot(trainee):
    try:
        return trainee.snapshot
    except StatusSnapshot.DoesNotExist:
        # Not computed yet (refresh_readiness runs daily): no deadlines rather than wrong ones.
        return None


def deadline_events(trainee, name, window, *, every) -> list[FeedEvent]:
    """The trainee's deadlines from the snapshot. `every` adds those that concern the
    ST-läkare and the handledare only (handledarutlåtande); the studierektor's feed has
    the IUP, the årsbesök and ordering Mitt-i-ST."""
    snap = _snapshot(trainee)
    if snap is None:
        return []
    pk = trainee.pk
    found = []
    if snap.iup_due in window:
        text = (
            _("Deadline: first IUP approved")
            if snap.iup_due_kind == "first"
            else _("Deadline: IUP revised and approved")
        )
        found.append(FeedEvent("iup", pk, snap.iup_due, _named(name, text), reverse("plan-list", args=[pk])))
    if snap.next_visit_due in window:
        text = _named(name, _("Deadline: next årsbesök"))
        found.append(FeedEvent("visit-due", pk, snap.next_visit_due, text, reverse("review-list", args=[pk])))
    ordering_wanted = snap.mid_st_wanted and snap.mid_st_status in MID_ST_NOT_ORDERED
    if ordering_wanted and snap.mid_st_order_by in window:
        text = _named(name, _("Deadline: order Mitt-i-ST"))
        found.append(FeedEvent("mid-st-order", pk, snap.mid_st_order_by, text, reverse("midterm-detail", args=[pk])))
    if every and not snap.statement_done and snap.statement_due in window:
        text = _named(name, _("Deadline: handledarutlåtande before the årsbesök"))
        found.append(FeedEvent("statement", pk, snap.statement_due, text, reverse("statement-list", args=[pk])))
    return found


def mid_term_visits(trainee_ids, names, window) -> list[FeedEvent]:
    rows = MidTermEvaluation.objects.filter(
        trainee_id__in=trainee_ids, visit_date__range=(window.start, window.end)
    ).values_list("trainee_id", "visit_date")
    return [
        FeedEvent(
            "mid-st-visit", pk, day, _named(names[pk], _("Mitt-i-ST visit")), reverse("midterm-detail", args=[pk])
        )
        for pk, day in rows
    ]


def action_plan_follow_ups(trainee_ids, names, window) -> list[FeedEvent]:
    rows = (
        ActionPlan.objects.open()
        .filter(trainee_id__in=trainee_ids, follow_up_on__range=(window.start, window.end))
        .values_list("pk", "trainee_id", "follow_up_on")
    )
    return [
        FeedEvent(
            "action-plan",
            plan_pk,
            day,
            _named(names[trainee_pk], _("Follow-up of the åtgärdsplan")),
            reverse("action-plan-detail", args=[trainee_pk, plan_pk]),
        )
        for plan_pk, trainee_pk, day in rows
    ]


def panel_reviews(trainee_ids, names, window) -> list[FeedEvent]:
    """The specialistkollegier each trainee takes part in, held or coming."""
    rows = PanelReview.objects.filter(
        trainee_id__in=trainee_ids, panel__date__range=(window.start, window.end)
    ).values_list("pk", "trainee_id", "panel__date")
    return [
        FeedEvent(
            "panel-review",
            review_pk,
            day,
            _named(names[trainee_pk], _("Specialistkollegium")),
            reverse("trainee-panel-list", args=[trainee_pk]),
        )
        for review_pk, trainee_pk, day in rows
    ]


def planned_visits(trainee_ids, names, today, window) -> list[FeedEvent]:
    """Årsbesök booked ahead (recorded with a date still to come)."""
    rows = AnnualVisit.objects.filter(trainee_id__in=trainee_ids, date__range=(today, window.end)).values_list(
        "pk", "trainee_id", "date"
    )
    return [
        FeedEvent(
            "annual-visit", pk, day, _named(names[trainee_pk], _("Årsbesök")), reverse("review-list", args=[trainee_pk])
        )
        for pk, trainee_pk, day in rows
    ]


def supervision_meetings(trainee_ids, names, today, window) -> list[FeedEvent]:
    """Handledning logged ahead. A meeting has a date but no time, so it is an all-day event."""
    rows = SupervisionMeeting.objects.filter(trainee_id__in=trainee_ids, date__range=(today, window.end)).values_list(
        "pk", "trainee_id", "date"
    )
    return [
        FeedEvent(
            "supervision",
            pk,
            day,
            _named(names[trainee_pk], _("Handledning")),
            reverse("supervision-list", args=[trainee_pk]),
        )
        for pk, trainee_pk, day in rows
    ]


def unit_panels(unit_ids, window) -> list[FeedEvent]:
    rows = SpecialistPanel.objects.filter(unit_id__in=unit_ids, date__range=(window.start, window.end)).values_list(
        "pk", "unit_id", "unit__name", "date"
    )
    return [
        FeedEvent(
            "panel",
            pk,
            day,
            _("Specialistkollegium, %(unit)s") % {"unit": unit_name},
            reverse("panel-detail", args=[unit_pk, pk]),
        )
        for pk, unit_pk, unit_name, day in rows
    ]


# --- The iCalendar document


def calendar_name(user) -> str:
    return _("ST-portfölj – %(name)s") % {"name": user.name or user.username}


def build_calendar(user, today=None) -> bytes:
    """The user's feed as an iCalendar document (RFC 5545, with RFC 7986's name and refresh interval)."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    stamp = timezone.now()
    calendar = Calendar()
    calendar.add("prodid", "-//ST-portfölj//Kalender//SV")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", calendar_name(user))
    calendar.add("x-wr-calname", calendar_name(user))
    calendar.add("x-wr-caldesc", _("Deadlines and meetings from ST-portfölj"))
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    # Outlook reads the older X-PUBLISHED-TTL; it must be the duration text.
    calendar.add("x-published-ttl", "PT12H")
    for event in feed_events(user, today):
        calendar.add_component(_ical_event(event, host, stamp))
    return calendar.to_ical()


def _ical_event(event, host, stamp) -> Event:
    url = settings.SITE_URL + event.path
    item = Event()
    item.add("uid", f"{event.key}@{host}")
    item.add("dtstamp", stamp)
    item.add("dtstart", event.day)
    item.add("dtend", event.day + timedelta(days=1))
    item.add("summary", event.summary)
    item.add("description", _("Open in ST-portfölj: %(url)s") % {"url": url})
    item.add("url", url)
    # A deadline does not make the person busy.
    item.add("transp", "TRANSPARENT")
    item.add("class", "PRIVATE")
    return item
