"""Building a trainee's timeline from the records and the status figures."""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date

from django.urls import NoReverseMatch, reverse
from django.utils import dates
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.domain import policy_for
from portfolio import timecalc
from portfolio.enums import ServiceKind
from portfolio.iup import FIRST
from portfolio.models import Course, Leave, OtherActivity, ServicePeriod, SupervisionMeeting
from portfolio.service import counted_leave, what_if_start
from portfolio.timecalc import add_months
from portfolio.timeline.layout import (
    BT_KINDS,
    FONT,
    HEADER_HEIGHT,
    LABEL_WIDTH,
    LANE1_HEIGHT,
    LANE1_TOP,
    LANE2_HEIGHT,
    LANE2_TOP,
    LANE3_HEIGHT,
    LANE3_TOP,
    MARKER_CHAR_WIDTH,
    MIN_TEXT_HEIGHT,
    MIN_WIDTH,
    MONTH_WIDTH,
    RIGHT_PAD,
    ROW_HEIGHT,
    SERVICE_CSS,
    Block,
    Cell,
    LegendItem,
    Line,
    Marker,
    Stretch,
    Timeline,
    YearRow,
    _first_fitting,
    _iso,
    _months,
    _n,
    _round,
    end_x,
    find_gaps,
    find_overlaps,
    longest_free,
    mid_x,
    month_x,
    row_y,
    start_x,
    tracks,
    year_parts,
)

# --- reading the records ------------------------------------------------------


@dataclass
class _Records:
    service: list
    leave: list
    courses: list
    activities: list
    meetings: list  # (date, minutes)


def _read(trainee) -> _Records:
    """One query per kind of record, whatever their number."""
    return _Records(
        service=list(ServicePeriod.objects.filter(trainee=trainee).select_related("unit").order_by("start", "pk")),
        leave=list(Leave.objects.filter(trainee=trainee).order_by("start", "pk")),
        courses=list(Course.objects.filter(trainee=trainee).only("pk", "title", "start", "end").order_by("start")),
        activities=list(
            OtherActivity.objects.filter(trainee=trainee).only("pk", "kind", "title", "start", "end").order_by("start")
        ),
        meetings=list(SupervisionMeeting.objects.filter(trainee=trainee).values_list("date", "minutes")),
    )


def _url(name: str, *args) -> str | None:
    """The URL, or None while the view is not there yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# --- building -----------------------------------------------------------------


def build_timeline(trainee, status, today: date, *, what_if_percent: int | None = None) -> Timeline:
    """The timeline of `trainee`, with figures from `status` (`snapshot.build_status`)."""
    records = _read(trainee)
    counted = counted_leave(trainee)
    policy = policy_for(trainee.unit.region)
    service = [timecalc.Interval(p.start, p.end, p.percent, p.kind) for p in records.service]
    leave = [timecalc.Interval(lv.start, lv.end, lv.percent, lv.kind) for lv in records.leave]

    last_service_end = max((p.end for p in records.service), default=None)
    last_recorded = max((i.end for i in service + leave), default=None)
    what_if_end = None
    if what_if_percent is not None:
        what_if_end = timecalc.projected_end(
            status.fte_months_planned,
            status.required_fte_months,
            what_if_percent,
            what_if_start(last_service_end, today),
        )
    mid_target, mid_order = status.mid_st_target, status.mid_st_order_by

    first_day = min([trainee.st_start, *(i.start for i in service + leave)])
    first_year = first_day.year
    last_year = max(d.year for d in (today, last_recorded, status.minimum_reached_on, what_if_end) if d)
    rows = {
        year: YearRow(
            year=year,
            y=row_y(year, first_year),
            label_x=4,
            label_y=row_y(year, first_year) + LANE1_TOP + 15,
            months_y=row_y(year, first_year) + LANE2_TOP + 10,
        )
        for year in range(first_year, last_year + 1)
    }
    gaps = find_gaps(service + leave, trainee.st_start) if last_recorded else []
    overlaps = find_overlaps(service)

    builder = _Builder(trainee, rows, first_year, last_year, counted)
    builder.service_blocks(records.service)
    builder.leave_blocks(records.leave)
    builder.place_service_texts()
    builder.empty_cells(records.service, first_day)
    builder.activity_blocks(records.courses, records.activities)
    builder.warning_blocks(gaps, overlaps)
    builder.supervision_ticks(records.meetings)
    builder.markers(status, mid_target, mid_order, policy.mid_st_lead_time_months)
    builder.lines(trainee, status, records.service, today, what_if_percent, what_if_end)
    builder.year_figures(status)
    builder.drop_colliding_texts()

    height = HEADER_HEIGHT + len(rows) * ROW_HEIGHT + 2
    width = LABEL_WIDTH + 12 * MONTH_WIDTH + RIGHT_PAD
    return Timeline(
        dom_id=f"tl-{trainee.pk}",
        width=width,
        height=height,
        title=_("Timeline of the training, %(first)s–%(last)s") % {"first": first_year, "last": last_year},
        description=_description(status, what_if_percent, what_if_end, mid_target, gaps, overlaps),
        months=[(month_x(m) + 3, HEADER_HEIGHT - 6, str(dates.MONTHS_3[m])) for m in range(1, 13)],
        grid=_grid(len(rows), height),
        rows=list(rows.values()),
        legend=builder.legend(),
        warnings=_warnings(gaps, overlaps),
        gaps=gaps,
        overlaps=overlaps,
        first_year=first_year,
        last_year=last_year,
        mid_st_target=mid_target,
        mid_st_order_by=mid_order,
        projected_end=status.minimum_reached_on,
        what_if_percent=what_if_percent,
        what_if_end=what_if_end,
    )


def _grid(row_count: int, height: float) -> str:
    """Month lines over the whole height and a line under each row, as one path."""
    parts = [f"M{_n(month_x(m))} {HEADER_HEIGHT}V{_n(height - 2)}" for m in range(1, 14)]
    parts += [f"M0 {_n(HEADER_HEIGHT + i * ROW_HEIGHT)}H{_n(month_x(13))}" for i in range(row_count + 1)]
    return "".join(parts)


class _Builder:
    """Adds blocks, markers and lines to the year rows; remembers which kinds it drew for the legend."""

    def __init__(self, trainee, rows, first_year, last_year, counted):
        self.trainee = trainee
        self.rows = rows
        self.first_year = first_year
        self.last_year = last_year
        self.counted = counted
        self.used: set[str] = set()
        self.service_texts = defaultdict(list)  # per year, the text candidates of each service block
        self.hatch = f"url(#tl-{trainee.pk}-hatch)"
        self.cross = f"url(#tl-{trainee.pk}-cross)"

    def _parts(self, start, end):
        for year, part_start, part_end in year_parts(start, end, self.first_year, self.last_year):
            yield self.rows[year], part_start, part_end

    def _block(self, row, css, start, end, top, height, title, candidates=(), url=None, fill=None):
        x = start_x(start)
        width = _round(max(MIN_WIDTH, end_x(end) - x))
        text = _first_fitting(candidates, width) if height >= MIN_TEXT_HEIGHT else ""
        return Block(
            css=css,
            x=x,
            y=_round(row.y + top),
            width=width,
            height=_round(height),
            title=title,
            text=text,
            text_x=_round(x + 3),
            text_y=_round(row.y + top + height / 2 + FONT * 0.35),
            url=url,
            fill=fill,
        )

    # lane 1 ----------------------------------------------------------------

    def service_blocks(self, periods):
        placed = tracks([(p.start, p.end) for p in periods])
        for period, (track, count) in zip(periods, placed, strict=True):
            css = SERVICE_CSS.get(period.kind, "tl-main")
            self.used.add(period.kind)
            kind = capfirst(period.get_kind_display())
            place = period.place or kind
            title = _("%(kind)s: %(place)s, %(start)s–%(end)s, %(percent)s %% of full time") % {
                "kind": kind,
                "place": place,
                "start": _iso(period.start),
                "end": _iso(period.end),
                "percent": period.percent,
            }
            short = place.rsplit(", ", 1)[0]  # "Medicinkliniken, Norrmarks sjukhus" → "Medicinkliniken"
            candidates = [f"{place} · {period.percent} %", f"{short} · {period.percent} %", short]
            if period.percent == 100:
                candidates = [place, short]
            url = _url("service-update", self.trainee.pk, period.pk)
            height = LANE1_HEIGHT / count
            for row, start, end in self._parts(period.start, period.end):
                top = LANE1_TOP + track * height
                row.service.append(self._block(row, css, start, end, top, height, title, (), url))
                self.service_texts[row.year].append(candidates)

    def place_service_texts(self):
        """A tjänstgöring's text goes in the longest stretch of its block that no ledighet
        of half time or more hides (part-time leave only covers the bottom of the lane)."""
        for row in self.rows.values():
            hiding = sorted((b.x, b.x + b.width) for b in row.leave if b.height >= LANE1_HEIGHT / 2)
            for index, (block, candidates) in enumerate(zip(row.service, self.service_texts[row.year], strict=True)):
                if block.height < MIN_TEXT_HEIGHT:
                    continue
                left, right = longest_free(block.x, block.x + block.width, hiding)
                text = _first_fitting(candidates, right - left)
                if text:
                    row.service[index] = replace(block, text=text, text_x=_round(left + 3))

    def leave_blocks(self, leaves):
        for leave in leaves:
            counts = leave.kind in self.counted
            self.used.add("leave_counted" if counts else "leave")
            kind = capfirst(leave.get_kind_display())
            values = {"kind": kind, "start": _iso(leave.start), "end": _iso(leave.end), "percent": leave.percent}
            if counts:
                title = _("Ledighet: %(kind)s %(start)s–%(end)s, %(percent)s %%, counts as service") % values
            else:
                title = _("Ledighet: %(kind)s %(start)s–%(end)s, %(percent)s %%, does not count as service") % values
            css = "tl-leave tl-leave-counted" if counts else "tl-leave tl-leave-uncounted"
            fill = self.hatch if counts else self.cross
            url = _url("leave-update", self.trainee.pk, leave.pk)
            # Part-time leave covers its share of the lane, from the bottom, so the
            # tjänstgöring it interrupts stays visible above it.
            height = max(3.0, LANE1_HEIGHT * leave.percent / 100)
            top = LANE1_TOP + LANE1_HEIGHT - height
            for row, start, end in self._parts(leave.start, leave.end):
                row.leave.append(self._block(row, css, start, end, top, height, title, [kind], url, fill))

    def empty_cells(self, periods, first_day):
        base = _url("service-create", self.trainee.pk)
        if base is None:
            return
        covered = set()
        for period in periods:
            month = date(period.start.year, period.start.month, 1)
            while month <= period.end:
                covered.add((month.year, month.month))
                month = add_months(month, 1)
        first_month = (first_day.year, first_day.month)
        for year, row in self.rows.items():
            for month in range(1, 13):
                if (year, month) in covered or (year, month) < first_month:
                    continue
                day = date(year, month, 1)
                row.cells.append(
                    Cell(
                        x=month_x(month),
                        y=row.y + LANE1_TOP,
                        width=MONTH_WIDTH,
                        height=LANE1_HEIGHT,
                        url=f"{base}?start={day.isoformat()}",
                        title=_("Add a tjänstgöring from %(date)s") % {"date": day.isoformat()},
                        text_x=month_x(month) + MONTH_WIDTH / 2,
                        text_y=row.y + LANE1_TOP + LANE1_HEIGHT / 2 + 4,
                    )
                )

    def warning_blocks(self, gaps, overlaps):
        for gap in gaps:
            title = _gap_text(gap)
            for row, start, end in self._parts(gap.start, gap.end):
                row.warnings.append(self._block(row, "tl-gap", start, end, LANE1_TOP, LANE1_HEIGHT, title))
        for overlap in overlaps:
            title = _overlap_text(overlap)
            for row, start, end in self._parts(overlap.start, overlap.end):
                row.warnings.append(self._block(row, "tl-overlap", start, end, LANE1_TOP - 3, 3, title))
        if gaps:
            self.used.add("gap")
        if overlaps:
            self.used.add("overlap")

    # lane 2 ----------------------------------------------------------------

    def activity_blocks(self, courses, activities):
        items = [("course", c, c.start, c.end) for c in courses]
        items += [("activity", a, a.start, a.end or a.start) for a in activities]
        placed = tracks([(start, end) for _kind, _record, start, end in items])
        for (kind, record, start, end), (track, count) in zip(items, placed, strict=True):
            self.used.add(kind)
            dates_text = _iso(start) if start == end else f"{_iso(start)}–{_iso(end)}"
            if kind == "course":
                title = _("Kurs: %(title)s, %(dates)s") % {"title": record.title, "dates": dates_text}
                url = _url("course-update", self.trainee.pk, record.pk)
            else:
                title = _("%(kind)s: %(title)s, %(dates)s") % {
                    "kind": capfirst(record.get_kind_display()),
                    "title": record.title,
                    "dates": dates_text,
                }
                url = _url("activity-update", self.trainee.pk, record.pk)
            height = LANE2_HEIGHT / count
            css = "tl-course" if kind == "course" else "tl-activity"
            for row, part_start, part_end in self._parts(start, end):
                top = LANE2_TOP + track * height
                row.activities.append(
                    self._block(row, css, part_start, part_end, top, height, title, [record.title], url)
                )

    # lane 3 ----------------------------------------------------------------

    def supervision_ticks(self, meetings):
        """One element per month with handledning: a tick per meeting, drawn as one path."""
        by_month = defaultdict(list)
        for day, minutes in meetings:
            if self.first_year <= day.year <= self.last_year:
                by_month[(day.year, day.month)].append((day, minutes))
        for (year, month), items in sorted(by_month.items()):
            row = self.rows[year]
            top = row.y + LANE3_TOP
            path = "".join(f"M{_n(mid_x(day))} {_n(top)}v5" for day, _minutes in sorted(items))
            hours = number_format(sum(m for _d, m in items) / 60, 1)
            month_name = f"{dates.MONTHS[month]} {year}"
            title = ngettext(
                "Handledning %(month)s: %(count)s meeting, %(hours)s h",
                "Handledning %(month)s: %(count)s meetings, %(hours)s h",
                len(items),
            ) % {"month": month_name, "count": len(items), "hours": hours}
            row.markers.append(Marker("supervision", "tl-supervision", "ticks", title, path=path))
        if by_month:
            self.used.add("supervision")

    def _point_marker(self, day, kind, css, shape, title, text=""):
        if day is None or not self.first_year <= day.year <= self.last_year:
            return
        row = self.rows[day.year]
        x, middle = mid_x(day), row.y + LANE3_TOP + 10
        if shape == "diamond":
            points = (
                f"{_n(x)},{_n(middle - 5)} {_n(x + 5)},{_n(middle)} {_n(x)},{_n(middle + 5)} {_n(x - 5)},{_n(middle)}"
            )
        else:
            points = f"{_n(x - 5)},{_n(middle + 5)} {_n(x + 5)},{_n(middle + 5)} {_n(x)},{_n(middle - 5)}"
        row.markers.append(
            Marker(kind, css, shape, title, points=points, text=text, text_x=_round(x + 7), text_y=_round(middle + 3))
        )
        self.used.add(kind)

    def markers(self, status, mid_target, mid_order, lead_months):
        if status.iup_due:
            values = {"date": _iso(status.iup_due)}
            if status.iup_due_kind == FIRST:
                title = _("First IUP to be approved by %(date)s") % values
            else:
                title = _("IUP revision to be approved by %(date)s") % values
            if status.iup_overdue:
                title = _("%(text)s (overdue)") % {"text": title}
            css = "tl-iup tl-iup-overdue" if status.iup_overdue else "tl-iup"
            self._point_marker(status.iup_due, "iup_overdue" if status.iup_overdue else "iup", css, "diamond", title)
        if mid_target:
            title = _("Mitt-i-ST: half of the minimum time reached %(date)s") % {"date": _iso(mid_target)}
            self._point_marker(mid_target, "mid_st", "tl-mid-st", "triangle", title, _("Mitt-i-ST"))
        if mid_order:
            title = _("Order Mitt-i-ST by %(date)s (%(months)s months before)") % {
                "date": _iso(mid_order),
                "months": lead_months,
            }
            self._point_marker(mid_order, "mid_st_order", "tl-mid-st-order", "triangle", title, _("order"))

    def _line(self, day, kind, css, title, text):
        if day is None or not self.first_year <= day.year <= self.last_year:
            return
        row = self.rows[day.year]
        x = mid_x(day)
        row.lines.append(
            Line(
                kind=kind,
                css=css,
                title=title,
                x=x,
                y1=_round(row.y + 1),
                y2=_round(row.y + ROW_HEIGHT - 1),
                text=text,
                text_x=_round(x + 3),
                text_y=_round(row.y + LANE3_TOP + LANE3_HEIGHT - 2),
            )
        )
        self.used.add(kind)

    def lines(self, trainee, status, periods, today, what_if_percent, what_if_end):
        bt = [p for p in periods if p.kind in BT_KINDS]
        if bt:
            bt_start, bt_end = min(p.start for p in bt), max(p.end for p in bt)
            self._line(bt_start, "bt", "tl-line-bt", _("BT starts %(date)s") % {"date": _iso(bt_start)}, "BT")
            self._line(bt_end, "bt", "tl-line-bt", _("BT ends %(date)s") % {"date": _iso(bt_end)}, _("BT end"))
        self._line(
            trainee.st_start, "st", "tl-line-st", _("ST starts %(date)s") % {"date": _iso(trainee.st_start)}, "ST"
        )
        self._line(today, "today", "tl-line-today", _("Today, %(date)s") % {"date": _iso(today)}, _("today"))
        end = status.minimum_reached_on
        if end:
            title = _("Projected end of ST: %(months)s full-time months reached %(date)s") % {
                "months": status.required_fte_months,
                "date": _iso(end),
            }
            self._line(end, "end", "tl-line-end", title, _("ST end"))
        if what_if_end:
            title = _("At %(percent)s %% after the recorded periods: minimum reached %(date)s") % {
                "percent": what_if_percent,
                "date": _iso(what_if_end),
            }
            self._line(what_if_end, "what_if", "tl-line-what-if", title, f"{what_if_percent} %")

    def drop_colliding_texts(self):
        """Visible marker and line texts that would overlap the one before in the row lose
        their text; the `<title>` and the legend still say what they are."""
        for row in self.rows.values():
            right = -1.0
            labelled = sorted(
                [(m.text_x, i, "m") for i, m in enumerate(row.markers) if m.text]
                + [(ln.text_x, i, "l") for i, ln in enumerate(row.lines) if ln.text]
            )
            for x, index, what in labelled:
                item = row.markers[index] if what == "m" else row.lines[index]
                width = len(item.text) * MARKER_CHAR_WIDTH
                if x < right + 2 or x + width > month_x(13) + RIGHT_PAD:
                    cleared = replace(item, text="")
                    if what == "m":
                        row.markers[index] = cleared
                    else:
                        row.lines[index] = cleared
                else:
                    right = x + width

    # labels ----------------------------------------------------------------

    def year_figures(self, status):
        for year, row in self.rows.items():
            done = status.fte_by_year.get(year)
            if done:
                row.months_text = _("%(months)s mo.") % {"months": _months(done)}
                row.months_title = _("%(months)s full-time months done in %(year)s") % {
                    "months": _months(done),
                    "year": year,
                }

    def legend(self) -> list[LegendItem]:
        choices = dict(ServiceKind.choices)
        items = [
            LegendItem("rect", SERVICE_CSS[kind], capfirst(str(choices[kind])))
            for kind in SERVICE_CSS
            if kind in self.used
        ]
        optional = [
            (
                "leave_counted",
                LegendItem("rect", "tl-leave tl-leave-counted", _("ledighet that counts as service"), self.hatch),
            ),
            ("leave", LegendItem("rect", "tl-leave tl-leave-uncounted", _("ledighet that does not count"), self.cross)),
            ("gap", LegendItem("rect", "tl-gap", _("gap without tjänstgöring or ledighet"))),
            ("overlap", LegendItem("rect", "tl-overlap", _("tjänstgöringar over full time"))),
            ("course", LegendItem("rect", "tl-course", _("kurs"))),
            ("activity", LegendItem("rect", "tl-activity", _("other activity"))),
            ("supervision", LegendItem("tick", "tl-supervision", _("handledning"))),
            ("iup", LegendItem("diamond", "tl-iup", _("IUP due"))),
            ("iup_overdue", LegendItem("diamond", "tl-iup tl-iup-overdue", _("IUP overdue"))),
            ("mid_st", LegendItem("triangle", "tl-mid-st", _("Mitt-i-ST: half of the minimum time"))),
            ("mid_st_order", LegendItem("triangle", "tl-mid-st-order", _("last day to order Mitt-i-ST"))),
            ("bt", LegendItem("line", "tl-line-bt", _("start and end of BT"))),
            ("st", LegendItem("line", "tl-line-st", _("start of ST"))),
            ("today", LegendItem("line", "tl-line-today", _("today"))),
            ("end", LegendItem("line", "tl-line-end", _("projected end of ST"))),
            ("what_if", LegendItem("line", "tl-line-what-if", _("end with the what-if percentage"))),
        ]
        return items + [item for key, item in optional if key in self.used]


def _gap_text(gap: Stretch) -> str:
    return _("Gap %(start)s–%(end)s (%(days)s days) with neither tjänstgöring nor ledighet") % {
        "start": _iso(gap.start),
        "end": _iso(gap.end),
        "days": gap.days,
    }


def _overlap_text(overlap: Stretch) -> str:
    return _("Tjänstgöringar overlap %(start)s–%(end)s: %(percent)s %% of full time") % {
        "start": _iso(overlap.start),
        "end": _iso(overlap.end),
        "percent": overlap.percent,
    }


def _warnings(gaps, overlaps) -> list[str]:
    return [_gap_text(gap) for gap in gaps] + [_overlap_text(overlap) for overlap in overlaps]


def _description(status, what_if_percent, what_if_end, mid_target, gaps, overlaps) -> str:
    values = {
        "start": _iso(status.st_start),
        "done": _months(status.fte_months),
        "planned": _months(status.fte_months_planned),
        "required": status.required_fte_months,
    }
    parts = [_("ST from %(start)s. %(done)s of %(required)s full-time months done, %(planned)s planned.") % values]
    if status.minimum_reached_on:
        parts.append(_("The minimum is reached %(date)s.") % {"date": _iso(status.minimum_reached_on)})
    else:
        parts.append(_("The recorded tjänstgöringar do not reach the minimum."))
    if mid_target:
        parts.append(_("Mitt-i-ST at half the time: %(date)s.") % {"date": _iso(mid_target)})
    if what_if_end:
        parts.append(
            _("At %(percent)s %% after the recorded periods: %(date)s.")
            % {"percent": what_if_percent, "date": _iso(what_if_end)}
        )
    if gaps or overlaps:
        parts.append(
            ngettext("%(count)s warning below.", "%(count)s warnings below.", len(gaps) + len(overlaps))
            % {"count": len(gaps) + len(overlaps)}
        )
    return " ".join(parts)
