from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from accounts.enums import Role
from assessments.action_plans import has_open_action_plan
from portfolio import queries
from portfolio.enums import CurriculumKind
from portfolio.filters import TraineeFilter
from portfolio.forms.service import WhatIfForm
from portfolio.models import Curriculum
from portfolio.readiness.build import readiness_for
from portfolio.snapshot import build_status, due_next
from portfolio.tables import TraineeTable
from portfolio.timeline import build_timeline


class TraineeListView(LoginRequiredMixin, SingleTableMixin, FilterView):
    table_class = TraineeTable
    filterset_class = TraineeFilter
    template_name = "portfolio/trainee_list.html"
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        # The åtgärdsplan flag is computed in the same query as the page of trainees.
        return (
            queries.trainees_for(self.request.user)
            .select_related("snapshot")
            .annotate(has_open_action_plan=has_open_action_plan())
        )


@login_required
def trainee_detail(request, pk):
    trainee = get_object_or_404(
        queries.trainees_for(request.user).select_related("second_specialist", "study_director"), pk=pk
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
