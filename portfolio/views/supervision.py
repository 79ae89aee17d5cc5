"""Handledning: the meetings, and the hours against the region's norm (figures from `timecalc`)."""

import math
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from portfolio import service
from portfolio.forms.supervision import SupervisionMeetingForm
from portfolio.models import SupervisionMeeting
from portfolio.views.access import get_record, get_trainee

LOG = "portfolio.log_supervision"
NOTES = "portfolio.view_supervision_notes"
PER_PAGE = 25


@login_required
def supervision_list(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk)
    today = timezone.localdate()
    overview = service.supervision_overview(trainee, today)
    page = Paginator(service.supervision_meetings(trainee), PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for meeting in page:
        meeting.trainee = trainee  # the predicate reads the trainee; this saves a query per row
        rows.append((meeting, request.user.has_perm(NOTES, meeting)))
    context = {
        "trainee": trainee,
        "overview": overview,
        "chart": bar_chart(overview.months),
        "page": page,
        "rows": rows,
        "notes_column": any(shown for _meeting, shown in rows),
        "can_log": request.user.has_perm(LOG, trainee),
    }
    return render(request, "portfolio/supervision/supervision_list.html", context)


def _edit(request, trainee, meeting):
    form = SupervisionMeetingForm(request.POST or None, instance=meeting, trainee=trainee)
    if request.method == "POST" and form.is_valid():
        service.save_record(form, request.user)
        messages.success(request, _("The handledning was saved."))
        return redirect("supervision-list", trainee_pk=trainee.pk)
    context = {"trainee": trainee, "form": form, "meeting": meeting}
    return render(request, "portfolio/supervision/meeting_form.html", context)


@login_required
def supervision_create(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, LOG)
    return _edit(request, trainee, SupervisionMeeting(trainee=trainee, created_by=request.user))


@login_required
def supervision_update(request, trainee_pk, pk):
    return _edit(request, *get_record(request, SupervisionMeeting, trainee_pk, pk, LOG))


@login_required
def supervision_delete(request, trainee_pk, pk):
    trainee, meeting = get_record(request, SupervisionMeeting, trainee_pk, pk, LOG)
    if request.method == "POST":
        service.delete_record(meeting, request.user)
        messages.success(request, _("The handledning was deleted."))
        return redirect("supervision-list", trainee_pk=trainee.pk)
    return render(
        request, "portfolio/supervision/meeting_confirm_delete.html", {"trainee": trainee, "meeting": meeting}
    )


# --- the month chart: geometry for an inline SVG, drawn server-side ------------

WIDTH, HEIGHT = 560, 250
LEFT, RIGHT, TOP, BOTTOM = 36, 6, 12, 54
NICE_STEPS = (0.5, 1, 2, 5, 10, 20, 50, 100)


@dataclass(frozen=True)
class Bar:
    month: object  # date: the first day of the month
    figure: object  # timecalc.SupervisionFigure
    x: float
    y: float
    width: float
    height: float
    centre: float
    expected_y: float | None
    expected_x1: float
    expected_x2: float


@dataclass(frozen=True)
class Tick:
    value: float
    y: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: float
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]


def _scale_top(largest: float) -> tuple[float, float]:
    """A round top for the y axis and the step between its ticks (at most five steps)."""
    largest = max(largest, 1.0)
    step = next(step for step in NICE_STEPS if largest / step <= 5)
    return math.ceil(largest / step - 1e-9) * step, step


def bar_chart(months) -> Chart:
    """Bars for the hours of each month and a marker for the expected hours, in SVG user units."""
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = HEIGHT - BOTTOM
    top, step = _scale_top(max((max(m.figure.hours, m.figure.expected_hours) for m in months), default=0))
    slot = (WIDTH - LEFT - RIGHT) / max(len(months), 1)
    bar_width = slot * 0.6

    def y(value):
        return round(baseline - value / top * plot_height, 1)

    bars = []
    for index, month in enumerate(months):
        figure = month.figure
        x = LEFT + index * slot + (slot - bar_width) / 2
        bars.append(
            Bar(
                month=month.month,
                figure=figure,
                x=round(x, 1),
                y=y(figure.hours),
                width=round(bar_width, 1),
                height=round(baseline - y(figure.hours), 1),
                centre=round(x + bar_width / 2, 1),
                expected_y=y(figure.expected_hours) if figure.expected_hours else None,
                expected_x1=round(x - slot * 0.12, 1),
                expected_x2=round(x + bar_width + slot * 0.12, 1),
            )
        )
    ticks = []
    value = 0.0
    while value <= top + 1e-9:
        ticks.append(Tick(value, y(value)))
        value += step
    return Chart(WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, baseline, bars, ticks)
