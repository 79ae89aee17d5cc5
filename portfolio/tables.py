import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from portfolio.models import Trainee


class TraineeTable(tables.Table):
    name = tables.Column(
        verbose_name=_("Name"), accessor="user__name", linkify=("trainee-detail", {"pk": tables.A("pk")})
    )
    unit = tables.Column(verbose_name=_("Unit"), accessor="unit__name", order_by=("unit__name", "user__name"))
    regulation = tables.Column(verbose_name=_("Regulation"), accessor="regulation__name")
    bt_mode = tables.Column(verbose_name=_("BT"))
    st_start = tables.DateColumn(verbose_name=_("Start of ST"), format="Y-m-d")
    main_supervisor = tables.Column(verbose_name=_("Huvudhandledare"), accessor="main_supervisor__name", default="–")
    # Annotated by the view (assessments.action_plans.has_open_action_plan), so no query per row.
    action_plan = tables.TemplateColumn(
        verbose_name=_("Åtgärdsplan"),
        accessor="has_open_action_plan",
        template_code='{% include "assessments/action_plans/_flag.html" with trainee=record %}',
        order_by=("-has_open_action_plan", "user__name"),
    )

    # The stored verdict (portfolio/readiness/store.py), read in the same query as the page.
    readiness = tables.TemplateColumn(
        verbose_name=_("Application"),
        accessor="snapshot__blocking_gaps",
        template_name="portfolio/_readiness_cell.html",
        order_by=("snapshot__blocking_gaps", "user__name"),
        default="–",
    )

    class Meta:
        model = Trainee
        fields = ["name", "unit", "regulation", "bt_mode", "st_start", "main_supervisor", "action_plan", "readiness"]
        order_by = ["name"]
        attrs = {"class": "table"}
