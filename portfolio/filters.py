import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from portfolio import overview
from portfolio.enums import BTMode, Phase
from portfolio.models import Regulation, Trainee
from portfolio.widgets import PlainDivForm, PlainSelect


def _units_of_request(request):
    if request is None:
        return Unit.objects.none()
    # The units of the visible trainees, read from the indexed rule itself (no DISTINCT, no
    # second pass over the trainees); an option needs the name only.
    return Trainee.objects.units_visible_to_many(request.user).only("name")


class TraineeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search by name"), method="search")
    unit = django_filters.ModelChoiceFilter(label=_("Unit"), queryset=_units_of_request, widget=PlainSelect)
    regulation = django_filters.ModelChoiceFilter(
        label=_("Regulation"), queryset=Regulation.objects.all(), widget=PlainSelect
    )
    bt_mode = django_filters.ChoiceFilter(label=_("BT"), choices=BTMode.choices, widget=PlainSelect)
    phase = django_filters.ChoiceFilter(
        label=_("Phase"), field_name="snapshot__phase", choices=Phase.choices, widget=PlainSelect
    )
    flag = django_filters.ChoiceFilter(
        label=_("Needs attention"),
        method="filter_flag",
        choices=[("any", _("Any flag")), *overview.FLAGS.items()],
        widget=PlainSelect,
    )
    scope = django_filters.ChoiceFilter(
        label=_("Show"),
        method="filter_scope",
        choices=list(overview.SCOPES.items()),
        empty_label=_("Everyone I may see"),
        widget=PlainSelect,
    )
    open_action_plan = django_filters.BooleanFilter(
        label=_("Open åtgärdsplan"),
        method="filter_open_action_plan",
        widget=PlainSelect(choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))]),
    )

    ready = django_filters.BooleanFilter(
        label=_("Ready to apply"),
        field_name="snapshot__ready",
        widget=PlainSelect(choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))]),
    )

    # Archived trainees (finished or left) are left out unless asked for.
    archived = django_filters.ChoiceFilter(
        label=_("Show archived"),
        method="filter_archived",
        choices=[("with", _("Active and archived")), ("only", _("Only archived"))],
        empty_label=_("No, only active"),
        widget=PlainSelect,
    )

    class Meta:
        model = Trainee
        form = PlainDivForm
        fields = [
            "q",
            "scope",
            "unit",
            "regulation",
            "bt_mode",
            "phase",
            "flag",
            "open_action_plan",
            "ready",
            "archived",
        ]

    @property
    def qs(self):
        # Also on the unfiltered first visit (an unbound filter), hence here and not in a method.
        if not hasattr(self, "_archived_applied"):
            queryset = super().qs
            if not (self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("archived")):
                queryset = queryset.filter(archived_at__isnull=True)
            self._qs = queryset
            self._archived_applied = True
        return self._qs

    def filter_archived(self, queryset, name, value):
        return queryset.filter(archived_at__isnull=False) if value == "only" else queryset

    def search(self, queryset, name, value):
        # SQLite's LIKE folds case for ASCII only, so "öberg" would miss "Öberg";
        # matching the capitalised form as well covers names on every backend.
        query = Q()
        for term in value.split():
            query &= Q(user__name__icontains=term) | Q(user__name__contains=term[:1].upper() + term[1:])
        return queryset.filter(query)

    def filter_open_action_plan(self, queryset, name, value):
        return queryset.filter(open_action_plan=value)

    def filter_flag(self, queryset, name, value):
        return overview.with_flag(queryset, value)

    def filter_scope(self, queryset, name, value):
        return overview.in_scope(queryset, self.request.user, value)
