"""Statistik: the follow-up figures of the units a person leads or administers, as charts,
tables and CSV (portfolio/statistics.py computes them)."""

import csv
from dataclasses import dataclass
from io import StringIO

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolio import statistics as stats

FIRST_YEAR = 2000


class StatisticsFilterForm(forms.Form):
    """Unit and years. Anything invalid falls back to its default (all units, the last five
    years) and the form says why, so the page always shows figures."""

    unit = forms.TypedChoiceField(label=gettext_lazy("Unit"), coerce=int, required=False, empty_value=None)
    year_from = forms.IntegerField(label=gettext_lazy("From year"), required=False)
    year_to = forms.IntegerField(label=gettext_lazy("To year"), required=False)

    def __init__(self, data, *, units, today):
        super().__init__(data)
        self.units, self.today = units, today
        with_region = len({unit.region_id for unit in units}) > 1
        self.fields["unit"].choices = [("", _("All units")), *((u.pk, stats.unit_label(u, with_region)) for u in units)]
        for name in ("year_from", "year_to"):
            self.fields[name].widget.attrs.update({"min": FIRST_YEAR, "max": today.year})

    def clean(self):
        data = super().clean()
        first, last = stats.default_years(self.today)
        year_from = data.get("year_from") or first
        year_to = data.get("year_to") or last
        if not FIRST_YEAR <= year_from <= self.today.year:
            self.add_error("year_from", _("Give a year from %(first)s to %(last)s.") % self._bounds())
        elif not FIRST_YEAR <= year_to <= self.today.year:
            self.add_error("year_to", _("Give a year from %(first)s to %(last)s.") % self._bounds())
        elif year_from > year_to:
            self.add_error("year_to", _("The last year comes before the first."))
        elif year_to - year_from + 1 > stats.MAX_YEARS:
            self.add_error("year_from", _("Choose at most %(count)s years.") % {"count": stats.MAX_YEARS})
        return data

    def _bounds(self):
        return {"first": FIRST_YEAR, "last": self.today.year}

    def selection(self) -> stats.Selection:
        """What to show: the valid choices, and the defaults in place of the others."""
        self.is_valid()
        data = self.cleaned_data
        unit_id = data.get("unit")
        units = [unit for unit in self.units if unit.pk == unit_id] if unit_id else self.units
        first, last = stats.default_years(self.today)
        if "year_from" not in self.errors and "year_to" not in self.errors:
            first, last = data.get("year_from") or first, data.get("year_to") or last
        return stats.Selection(units, first, last)


@dataclass(frozen=True)
class FigureText:
    title: str
    period: str  # the column the periods are in
    value: str
    numerator: str | None  # CSV column for what was counted; None when it is not a count
    denominator: str
    excluded: str | None = None
    norm: str | None = None


FIGURE_TEXTS = {
    "supervision": FigureText(
        gettext_lazy("Handledning per ST-läkare and year"),
        gettext_lazy("Year"),
        gettext_lazy("Hours per ST-läkare"),
        gettext_lazy("Hours of handledning"),
        gettext_lazy("ST-läkare in service or with handledning"),
        norm=gettext_lazy("Norm, hours per year"),
    ),
    "supervision_now": FigureText(
        gettext_lazy("Handledning now: meeting the norm in the last 8 weeks"),
        gettext_lazy("Period"),
        gettext_lazy("Share meeting the norm (per cent)"),
        gettext_lazy("ST-läkare meeting the norm"),
        gettext_lazy("ST-läkare with a norm to meet"),
        excluded=gettext_lazy("ST-läkare without a norm to meet"),
    ),
    "assessments": FigureText(
        gettext_lazy("Kompetensvärderingar per ST-läkare and half-year"),
        gettext_lazy("Half-year"),
        gettext_lazy("Signed per ST-läkare"),
        gettext_lazy("Signed kompetensvärderingar"),
        gettext_lazy("ST-läkare in service or with a kompetensvärdering"),
        norm=gettext_lazy("Norm per half-year"),
    ),
    "iup": FigureText(
        gettext_lazy("First IUP approved on time"),
        gettext_lazy("ST started"),
        gettext_lazy("Share on time (per cent)"),
        gettext_lazy("Approved on time"),
        gettext_lazy("ST-läkare whose deadline has passed or who have an approved IUP"),
        excluded=gettext_lazy("Not yet due"),
    ),
    "midterm": FigureText(
        gettext_lazy("Mitt-i-ST on time"),
        gettext_lazy("Year of the visit"),
        gettext_lazy("Share on time (per cent)"),
        gettext_lazy("Visits on or before the target date"),
        gettext_lazy("Visits with a target date"),
        excluded=gettext_lazy("Visits without a target date"),
    ),
    "application": FigureText(
        gettext_lazy("Time to the specialist application"),
        gettext_lazy("Year of the application"),
        gettext_lazy("Median months from the start of ST"),
        None,
        gettext_lazy("Applications"),
    ),
}


@dataclass(frozen=True)
class Section:
    name: str
    figure: stats.Figure
    text: FigureText
    chart: stats.Chart
    csv_url: str


def _query(selection: stats.Selection, unit_filtered: bool, **extra) -> str:
    params = QueryDict(mutable=True)
    if unit_filtered:
        params["unit"] = selection.units[0].pk
    params["year_from"], params["year_to"] = selection.first_year, selection.last_year
    params.update(extra)
    return params.urlencode()


@login_required
def statistics(request):
    if not stats.may_see_statistics(request.user):
        raise Http404
    today = timezone.localdate()
    units = list(stats.units_in_scope(request.user))
    data = request.GET.copy()
    first, last = stats.default_years(today)
    data.setdefault("year_from", str(first))
    data.setdefault("year_to", str(last))
    form = StatisticsFilterForm(data, units=units, today=today)
    selection = form.selection()
    unit_filtered = len(selection.units) == 1 and len(units) > 1
    if request.GET.get("format") == "csv":
        return _csv_response(request.GET.get("figure"), selection, today)
    figures = stats.all_figures(selection, today) if units else {}
    sections = {
        name: Section(
            name,
            figure,
            FIGURE_TEXTS[name],
            stats.bar_chart(figure),
            "?" + _query(selection, unit_filtered, format="csv", figure=name),
        )
        for name, figure in figures.items()
    }
    context = {
        "form": form,
        "units": units,
        "selection": selection,
        "sections": sections,
        "working_weeks": stats.WORKING_WEEKS_PER_YEAR,
    }
    return render(request, "portfolio/statistics/statistics.html", context)


def _csv_response(name, selection, today) -> HttpResponse:
    if name not in stats.FIGURES or not selection.units:
        raise Http404
    figure = stats.figure(name, selection, today)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"statistik-{name}-{selection.first_year}-{selection.last_year}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A byte-order mark, so Excel opens å, ä and ö correctly (as the overview's export).
    response.write("\ufeff" + csv_text(figure, FIGURE_TEXTS[name]))
    return response


def csv_text(figure: stats.Figure, text: FigureText) -> str:
    """One line per unit and period, the numbers formatted as in the table."""
    header = [_("Unit"), text.period, text.value]
    header += [text.numerator] if text.numerator else []
    header += [text.denominator]
    header += [text.excluded] if text.excluded else []
    header += [text.norm] if text.norm else []
    out = StringIO()
    writer = csv.writer(out)
    writer.writerow([str(column) for column in header])
    for row in figure.rows:
        for period, cell in zip(figure.periods, row.cells, strict=True):
            line = [_spreadsheet_safe(row.label), period.label, cell.text]
            line += [cell.numerator_text] if text.numerator else []
            line += [cell.denominator]
            line += [cell.excluded] if text.excluded else []
            line += [row.norm_text] if text.norm else []
            writer.writerow(line)
    return out.getvalue()


def _spreadsheet_safe(text: str) -> str:
    """A unit name that a spreadsheet would read as a formula is kept as text."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
