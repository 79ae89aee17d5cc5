"""The overview table (portfolio/overview.py annotates what it reads).

Cells are built as strings, each value escaped by `html_of` as conditional_escape would, not
with a template per cell or format_html: a page of 50 trainees has some 800 cells.
django-tables2 orders, paginates and writes the header; the body's rows are written by
`body_rows`, which calls the same render methods directly (django-tables2's cell
machinery inspects each render method's signature for each of the 800 cells, most of
the page's time). Each flag shows an icon and a word, never colour alone.
`export_rows` gives the same rows as plain values for CSV, XLSX and the PDF list,
without the table's per-cell machinery (a thousand rows in milliseconds).
"""

import contextlib
import contextvars
from decimal import ROUND_HALF_UP, Decimal

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.translation import gettext, gettext_lazy

from assessments.enums import MidTermStatus
from portfolio.enums import BTMode, Phase, PlanStatus
from portfolio.models import Trainee
from portfolio.overview import FLAGS
from portfolio.widgets import html_of as _h
from portfolio.widgets import safe_html

DASH = "–"
TENTH = Decimal("0.1")

# While a page's rows or an export are written, each text is translated once: the same dozen
# texts recur in every row, and a gettext call costs more than the rest of a cell.
_translated = contextvars.ContextVar("overview_translated", default=None)


@contextlib.contextmanager
def _one_language():
    token = _translated.set({})
    try:
        yield
    finally:
        _translated.reset(token)


def _remembered(key, compute):
    """compute(), remembered under `key` while `_one_language` lasts (one request, so one language)."""
    memory = _translated.get()
    if memory is None:
        return compute()
    try:
        return memory[key]
    except KeyError:
        memory[key] = value = compute()
        return value


def _(message):
    """gettext, remembered while `_one_language` lasts."""
    return _remembered(message, lambda: gettext(message))


def _label(choices, value):
    """str(choices(value).label), remembered as `_` is."""
    return _remembered((choices, value), lambda: str(choices(value).label))


def _warn(text, extra=""):
    return safe_html(f'<span class="flag flag-warn"><span aria-hidden="true">⚠</span> {_h(text)}</span>{_h(extra)}')


def _ok(text):
    return safe_html(f'<span class="flag flag-ok"><span aria-hidden="true">✓</span> {_h(text)}</span>')


def _day(value):
    return value.isoformat() if value else DASH


def _figure(value):
    """What floatformat:1 gives (one decimal, rounded half up, the language's decimal
    separator), at a tenth of its cost: the page has three figures a row."""
    rounded = Decimal(str(value)).quantize(TENTH, ROUND_HALF_UP)
    separator = _remembered(_figure, lambda: get_format("DECIMAL_SEPARATOR"))
    return str(rounded or abs(rounded)).replace(".", separator)


def snapshot_of(record):
    # A trainee added a moment ago may not have one yet (it is written after commit).
    return getattr(record, "snapshot", None)


def _with_snapshot(record, text_of, missing=DASH):
    snapshot = snapshot_of(record)
    return missing if snapshot is None else str(text_of(snapshot))


class TraineeTable(tables.Table):
    name = tables.Column(
        verbose_name=gettext_lazy("Name"),
        accessor="user_name",
        linkify=("trainee-detail", {"pk": tables.A("pk")}),
        attrs={"th": {"scope": "col"}},
    )
    unit = tables.Column(verbose_name=gettext_lazy("Unit"), accessor="unit_name", order_by=("unit_name", "user_name"))
    regulation = tables.Column(verbose_name=gettext_lazy("Regulation"), accessor="regulation_name")
    bt = tables.Column(verbose_name=gettext_lazy("BT"), accessor="bt_mode", order_by=("bt_mode", "bt_approved_on"))
    months = tables.Column(
        verbose_name=gettext_lazy("Months (full-time)"),
        accessor="snapshot__fte_months",
        order_by=("snapshot__fte_months", "user_name"),
        empty_values=(),
    )
    phase = tables.Column(verbose_name=gettext_lazy("Phase"), accessor="snapshot__phase", empty_values=())
    iup = tables.Column(
        verbose_name=gettext_lazy("IUP"), accessor="snapshot__iup_due", order_by=("snapshot__iup_due",), empty_values=()
    )
    supervision = tables.Column(
        verbose_name=gettext_lazy("Handledning, 8 weeks"),
        accessor="snapshot__supervision_hours",
        order_by=("supervision_below", "snapshot__supervision_hours"),
        empty_values=(),
    )
    assessments = tables.Column(
        verbose_name=gettext_lazy("Kompetensvärderingar, half-year"),
        accessor="snapshot__assessments_count",
        order_by=("assessments_below", "snapshot__assessments_count"),
        empty_values=(),
    )
    statement = tables.Column(
        verbose_name=gettext_lazy("Handledarutlåtande"),
        accessor="snapshot__latest_statement_on",
        order_by=("statement_overdue", "snapshot__latest_statement_on"),
        empty_values=(),
    )
    visit = tables.Column(
        verbose_name=gettext_lazy("Next årsbesök"),
        accessor="snapshot__next_visit_due",
        order_by=("snapshot__next_visit_due",),
        empty_values=(),
    )
    mid_st = tables.Column(
        verbose_name=gettext_lazy("Mitt-i-ST"),
        accessor="snapshot__mid_st_order_by",
        order_by=("mid_st_overdue", "snapshot__mid_st_order_by"),
        empty_values=(),
    )
    panel = tables.Column(
        verbose_name=gettext_lazy("Specialistkollegium"),
        accessor="snapshot__panel_date",
        order_by=("no_panel_this_year", "snapshot__panel_date"),
        empty_values=(),
    )
    action_plan = tables.Column(
        verbose_name=gettext_lazy("Åtgärdsplan"),
        accessor="open_action_plan",
        order_by=("-open_action_plan", "user_name"),
    )
    readiness = tables.Column(
        verbose_name=gettext_lazy("Application"),
        accessor="snapshot__blocking_gaps",
        order_by=("snapshot__blocking_gaps", "user_name"),
        empty_values=(),
    )
    attention = tables.Column(verbose_name=gettext_lazy("Flags"), order_by=("-attention", "user_name"))

    class Meta:
        model = Trainee
        fields = []
        sequence = [
            "name",
            "unit",
            "regulation",
            "bt",
            "months",
            "phase",
            "iup",
            "supervision",
            "assessments",
            "statement",
            "visit",
            "mid_st",
            "panel",
            "action_plan",
            "readiness",
            "attention",
        ]
        order_by = ["name"]
        attrs = {"class": "table overview"}
        template_name = "portfolio/_overview_table.html"

    # --- text shared by the page and the exports ---------------------------------

    @staticmethod
    def bt_text(record):
        if record.bt_mode == BTMode.NONE:
            return DASH
        if record.bt_approved_on:
            return _("approved %(date)s") % {"date": record.bt_approved_on.isoformat()}
        return _("in progress (%(mode)s)") % {"mode": _label(BTMode, record.bt_mode)}

    @staticmethod
    def months_text(snapshot):
        return f"{_figure(snapshot.fte_months)} / {snapshot.required_fte_months}"

    @staticmethod
    def iup_text(snapshot):
        status = _label(PlanStatus, snapshot.iup_status) if snapshot.iup_status else _("none yet")
        if snapshot.iup_due:
            return _("%(status)s, due %(date)s") % {"status": status, "date": snapshot.iup_due.isoformat()}
        return str(status)

    @staticmethod
    def supervision_text(snapshot):
        return _("%(hours)s of %(expected)s h") % {
            "hours": _figure(snapshot.supervision_hours),
            "expected": _figure(snapshot.supervision_expected_hours),
        }

    @staticmethod
    def assessments_text(snapshot):
        return _("%(count)s of %(required)s") % {
            "count": snapshot.assessments_count,
            "required": snapshot.assessments_required,
        }

    @staticmethod
    def mid_st_text(snapshot):
        if snapshot.mid_st_status:
            return _label(MidTermStatus, snapshot.mid_st_status)
        if snapshot.mid_st_wanted and snapshot.mid_st_order_by:
            return _("order by %(date)s") % {"date": snapshot.mid_st_order_by.isoformat()}
        return DASH

    @staticmethod
    def readiness_text(snapshot):
        if snapshot.ready:
            return _("ready")
        return _("%(count)s missing") % {"count": snapshot.blocking_gaps}

    # --- the page ------------------------------------------------------------------

    def render_name(self, record, value):
        if record.archived_at is None:
            return value
        return safe_html(f'{_h(value)} <span class="flag">{_h(_("archived"))}</span>')

    def render_bt(self, record):
        return self.bt_text(record)

    def render_months(self, record):
        return _with_snapshot(record, self.months_text)

    def render_phase(self, record):
        return _with_snapshot(record, lambda snapshot: _label(Phase, snapshot.phase))

    def render_iup(self, record):
        text = _with_snapshot(record, self.iup_text)
        return _warn(_("Overdue: %(text)s") % {"text": text}) if record.iup_overdue else text

    def render_supervision(self, record):
        text = _with_snapshot(record, self.supervision_text)
        return _warn(text) if record.supervision_below else text

    def render_assessments(self, record):
        text = _with_snapshot(record, self.assessments_text)
        if record.assessments_below:
            return _warn(text, safe_html(f" <small>{_h(_('last half-year below the norm'))}</small>"))
        return text

    def render_statement(self, record):
        snapshot = snapshot_of(record)
        if snapshot is None:
            return DASH
        parts = [_day(snapshot.latest_statement_on)]
        if record.statement_at_risk:
            parts.append(_warn(_("risk noted")))
        if record.statement_overdue:
            parts.append(_warn(_("due %(date)s") % {"date": snapshot.statement_due.isoformat()}))
        return safe_html(" ".join(_h(part) for part in parts))

    def render_visit(self, record, value):
        if record.visit_overdue:
            return _warn(_("Overdue: %(date)s") % {"date": value.isoformat()})
        return _day(value)

    def render_mid_st(self, record):
        text = _with_snapshot(record, self.mid_st_text)
        return _warn(text) if record.mid_st_overdue else text

    def render_panel(self, record, value):
        if not record.no_panel_this_year:
            return _ok(_day(value))
        return _warn(_day(value) if value else _("none this year"))

    def render_action_plan(self, record, value):
        # The same flag as on the start page (assessments/action_plans/_flag.html).
        if not value:
            return DASH
        url = self._url("action-plan-list", record.pk)
        return safe_html(
            f'<a class="flag flag-warn action-plan-flag" href="{_h(url)}"><span aria-hidden="true">⚑</span> '
            f'{_h(_("Åtgärdsplan"))}<span class="visually-hidden">, {_h(record.user_name)}</span></a>'
        )

    def render_readiness(self, record):
        snapshot = snapshot_of(record)
        if snapshot is None:
            return DASH
        url = self._url("application-detail", record.pk)
        cell = _ok(_("ready")) if snapshot.ready else _warn(self.readiness_text(snapshot))
        return safe_html(f'<a href="{_h(url)}">{_h(cell)}</a>')

    def render_attention(self, value):
        return value or DASH

    def _url(self, name, pk):
        # reverse(name, args=[pk]), one reverse per name and table.
        patterns = self.__dict__.setdefault("_url_patterns", {})
        if name not in patterns:
            patterns[name] = _url_pattern(name)
        return patterns[name](pk)

    # --- the body, row by row ------------------------------------------------------

    def body_rows(self):
        """The current page's rows as HTML, one string per <tr>, cell for cell what
        django-tables2 would write for this table (tests/portfolio/test_overview_rows.py)."""
        with _one_language():
            return safe_html("\n".join(self._body_row(bound.record) for bound in self.paginated_rows))

    def _body_row(self, record):
        snapshot = snapshot_of(record)
        cells = (
            safe_html(
                f'<a href="{_h(self._url("trainee-detail", record.pk))}">'
                f"{_h(self.render_name(record, record.user_name))}</a>"
            ),
            record.unit_name,
            record.regulation_name,
            self.render_bt(record),
            self.render_months(record),
            self.render_phase(record),
            self.render_iup(record),
            self.render_supervision(record),
            self.render_assessments(record),
            self.render_statement(record),
            self.render_visit(record, getattr(snapshot, "next_visit_due", None)),
            self.render_mid_st(record),
            self.render_panel(record, getattr(snapshot, "panel_date", None)),
            self.render_action_plan(record, record.open_action_plan),
            self.render_readiness(record),
            self.render_attention(record.attention),
        )
        return "<tr>" + "".join(f"<td>{_h(cell)}</td>" for cell in cells) + "</tr>"


def _url_pattern(name):
    """reverse(name, args=[pk]) for many pks at the price of one reverse."""
    marker = 2_147_483_647
    prefix, suffix = reverse(name, args=[marker]).rsplit(str(marker), 1)
    return lambda pk: f"{prefix}{pk}{suffix}"


def _text(record, text_of):
    return _with_snapshot(record, text_of, "")


def _iso(value):
    return value.isoformat() if value else ""


def _snapshot_field(name):
    return lambda record: getattr(snapshot_of(record), name, None)


# (header, value) per exported column, in the order of the page; then one column per flag.
EXPORT_COLUMNS = [
    (gettext_lazy("Name"), lambda record: record.user_name),
    (gettext_lazy("Unit"), lambda record: record.unit_name),
    (gettext_lazy("Regulation"), lambda record: record.regulation_name),
    (gettext_lazy("BT"), TraineeTable.bt_text),
    (gettext_lazy("Months (full-time)"), lambda record: round(_snapshot_field("fte_months")(record) or 0, 1)),
    (gettext_lazy("Months required"), lambda record: _snapshot_field("required_fte_months")(record) or ""),
    (gettext_lazy("Phase"), lambda record: _text(record, lambda snapshot: _label(Phase, snapshot.phase))),
    (gettext_lazy("IUP"), lambda record: _text(record, TraineeTable.iup_text)),
    (gettext_lazy("Handledning, 8 weeks"), lambda record: _text(record, TraineeTable.supervision_text)),
    (gettext_lazy("Kompetensvärderingar, half-year"), lambda record: _text(record, TraineeTable.assessments_text)),
    (gettext_lazy("Handledarutlåtande"), lambda record: _iso(_snapshot_field("latest_statement_on")(record))),
    (gettext_lazy("Next årsbesök"), lambda record: _iso(_snapshot_field("next_visit_due")(record))),
    (gettext_lazy("Mitt-i-ST"), lambda record: _text(record, TraineeTable.mid_st_text)),
    (gettext_lazy("Specialistkollegium"), lambda record: _iso(_snapshot_field("panel_date")(record))),
    (gettext_lazy("Application"), lambda record: _text(record, TraineeTable.readiness_text)),
    (gettext_lazy("Flags"), lambda record: record.attention),
]


def export_rows(records, flags_as_columns=True):
    """The header and one row of plain values per record (a Trainee from
    `overview.with_flags`). Each flag is a column of its own ("yes" or blank), or with
    `flags_as_columns=False` one last column naming the raised flags (for paper)."""
    with _one_language():
        return _export_rows(records, flags_as_columns)


def _export_rows(records, flags_as_columns):
    header = [str(title) for title, _value in EXPORT_COLUMNS]
    yes = _("yes")
    if flags_as_columns:
        header += [str(label) for label in FLAGS.values()]
    else:
        header.append(_("Needs attention"))
    rows = []
    for record in records:
        row = [value(record) for _title, value in EXPORT_COLUMNS]
        raised = [str(label) for name, label in FLAGS.items() if getattr(record, name)]
        if flags_as_columns:
            row += [yes if getattr(record, name) else "" for name in FLAGS]
        else:
            row.append("; ".join(raised))
        rows.append(row)
    return header, rows
