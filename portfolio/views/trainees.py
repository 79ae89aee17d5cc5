import tablib
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from accounts.enums import Role
from portfolio import queries
from portfolio.archive import ARCHIVE_PERM, deletion_day
from portfolio.enums import CurriculumKind
from portfolio.filters import TraineeFilter
from portfolio.forms.service import WhatIfForm
from portfolio.models import Curriculum
from portfolio.overview import overview_rows
from portfolio.pagination import CountWithPagePaginator
from portfolio.pdf import render_pdf
from portfolio.readiness.build import readiness_for
from portfolio.snapshot import build_status, due_next
from portfolio.tables import TraineeTable, export_rows, snapshot_of
from portfolio.timeline import build_timeline


class TraineeListView(LoginRequiredMixin, SingleTableMixin, FilterView):
    """The overview: every trainee the user may see, with flags computed in the query.

    The same filtered, sorted rows can be downloaded as CSV or XLSX (`?_export=`) or
    printed as a PDF list for a meeting (`?_export=pdf`).
    """

    table_class = TraineeTable
    filterset_class = TraineeFilter
    template_name = "portfolio/trainee_list.html"
    table_pagination = {"per_page": 50}
    # The page's rows and the total in one query (portfolio/pagination.py).
    paginator_class = CountWithPagePaginator
    export_param = "_export"
    export_formats = ("csv", "xlsx", "pdf")

    def get_queryset(self):
        return overview_rows(self.request.user, timezone.localdate())

    def export_format(self):
        value = self.request.GET.get(self.export_param)
        return value if value in self.export_formats else None

    def get_table_pagination(self, table):
        # An export holds every filtered row, so no page (and no count query) is made.
        return False if self.export_format() else super().get_table_pagination(table)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop(self.export_param, None)
        query.pop("page", None)
        context["export_query"] = query.urlencode()
        if not self.export_format():
            # The rows shown (the page's query, already made): how old are their figures?
            shown = [snapshot_of(row.record) for row in context["table"].paginated_rows]
            context["computed_on"] = min((snapshot.computed_on for snapshot in shown if snapshot), default=None)
        return context

    def render_to_response(self, context, **kwargs):
        export_format = self.export_format()
        if export_format is None:
            return super().render_to_response(context, **kwargs)
        # The table's data is the filtered queryset in the order the user sorted it.
        records = list(context["table"].data)
        filename = f"st-lakare-{timezone.localdate():%Y-%m-%d}.{export_format}"
        if export_format == "pdf":
            return self.pdf_response(context, records, filename)
        header, rows = export_rows(records)
        dataset = tablib.Dataset(*rows, headers=header, title=_("ST-läkare"))
        if export_format == "csv":
            # A byte-order mark, so that Excel opens å, ä and ö correctly.
            response = HttpResponse("\ufeff" + dataset.export("csv"), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(dataset.export("xlsx"), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def pdf_response(self, context, records, filename):
        limit = settings.OVERVIEW_PDF_LIMIT
        if len(records) > limit:
            message = _("The PDF list holds at most %(limit)s ST-läkare; narrow the filter first.")
            messages.error(self.request, message % {"limit": limit})
            return redirect(f"{self.request.path}?{context['export_query']}")
        header, rows = export_rows(records, flags_as_columns=False)
        context = {"header": header, "rows": rows, "today": timezone.localdate(), "filters": _active_filters(context)}
        response = HttpResponse(render_pdf("pdf/overview.html", context), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _active_filters(context):
    """The filters in use, as "label: value" for the PDF's heading."""
    form = context["filter"].form
    if not form.is_valid():
        return []
    shown = []
    for name, value in form.cleaned_data.items():
        if value in (None, "", []):
            continue
        field = form.fields[name]
        choices = dict(getattr(field, "choices", ()) or ())
        shown.append(f"{field.label}: {choices.get(value, value)}")
    return shown


@login_required
def trainee_detail(request, pk):
    trainee = get_object_or_404(
        queries.trainees_for(request.user).select_related("second_specialist", "study_director", "archived_by"),
        pk=pk,
    )
    curriculum = (
        Curriculum.objects.filter(
            regulation=trainee.regulation_id, specialty=trainee.specialty_id, kind=CurriculumKind.ST
        )
        .annotate(goal_count=Count("goals"))
        .first()
    )
    bt_curriculum = None
    if trainee.regulation.bt_required:
        bt_curriculum = (
            Curriculum.objects.filter(regulation=trainee.regulation_id, kind=CurriculumKind.BT)
            .annotate(goal_count=Count("goals"))
            .first()
        )
    today = timezone.localdate()
    what_if = WhatIfForm(request.GET or None)
    percent = what_if.cleaned_data["percent"] if what_if.is_valid() else None
    status = build_status(trainee, today)
    context = {
        "trainee": trainee,
        "status": status,
        "timeline": build_timeline(trainee, status, today, what_if_percent=percent),
        "what_if": what_if,
        "what_if_percent": percent,
        "due_next": due_next(status),
        "readiness": readiness_for(trainee, status, today),
        "may_export": request.user.has_perm("portfolio.export_portfolio", trainee),
        # The personal copy is for the data subject only (portfolio.download_personal_copy);
        # comparing the ids asks no query.
        "may_download_copy": trainee.user_id == request.user.pk,
        "may_view_audit": request.user.has_perm("portfolio.view_audit", trainee),
        # Never the trainee herself; asking the rules only for others keeps her page's queries as they were.
        "may_archive": trainee.user_id != request.user.pk and request.user.has_perm(ARCHIVE_PERM, trainee),
        "deletion_day": deletion_day(trainee),
        "curriculum": curriculum,
        "bt_curriculum": bt_curriculum,
        # The named studierektor is shown once, not again as studierektor of the unit.
        "unit_people": queries.unit_people(trainee.unit_id).exclude(
            role=Role.STUDY_DIRECTOR, user_id=trainee.study_director_id
        ),
    }
    return render(request, "portfolio/trainee_detail.html", context)


@login_required
def curriculum_list(request):
    curricula = Curriculum.objects.select_related("regulation", "specialty").annotate(goal_count=Count("goals"))
    return render(request, "portfolio/curriculum_list.html", {"curricula": curricula})


@login_required
def curriculum_detail(request, pk):
    try:
        curriculum = queries.curriculum_with_goals(pk)
    except Curriculum.DoesNotExist:
        raise Http404 from None
    return render(request, "portfolio/curriculum_detail.html", {"curriculum": curriculum})
