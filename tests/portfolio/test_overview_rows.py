"""The overview's hand-written parts give what Django and django-tables2 would have given:
the table body row by row, the figures' rounding and the filter form's select boxes."""

import re
from datetime import timedelta

import pytest
from django import forms
from django.template.defaultfilters import floatformat
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import Unit
from portfolio.models import StatusSnapshot
from portfolio.overview import FLAGS, overview_rows
from portfolio.readiness.store import refresh_all
from portfolio.scale import seed_scale
from portfolio.tables import TraineeTable, _figure, export_rows
from portfolio.widgets import PlainDivForm, PlainSelect, html_of
from tests.assessments.factories import ActionPlanFactory
from tests.factories import TraineeFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def table_for(user, **kwargs):
    request = RequestFactory().get("/")
    request.user = user
    table = TraineeTable(overview_rows(user, timezone.localdate()), request=request, **kwargs)
    table.paginate(per_page=50)
    return table


def cells_by_django_tables2(table):
    """Each row as django-tables2's own cell machinery renders it (iterating a BoundRow)."""
    return [
        "<tr>" + "".join(f"<td>{conditional_escape(cell)}</td>" for cell in bound) + "</tr>"
        for bound in table.paginated_rows
    ]


def test_body_rows_are_the_cells_django_tables2_renders(study_director, unit):
    TraineeFactory(unit=unit, user=UserFactory(name="Åsa <Öberg> & Co"))
    ActionPlanFactory(trainee=TraineeFactory(unit=unit, user=UserFactory(name="Bo Ek")))
    TraineeFactory(unit=unit, user=UserFactory(name="Cecilia Ny"))  # no snapshot yet below
    refresh_all()
    StatusSnapshot.objects.filter(trainee__user__name="Cecilia Ny").delete()

    table = table_for(study_director)
    expected = cells_by_django_tables2(table)

    assert len(expected) == 3
    assert str(table.body_rows()).split("\n") == expected
    # The name is escaped, not passed through.
    assert "Åsa &lt;Öberg&gt; &amp; Co" in table.body_rows()


def test_body_rows_follow_a_sorted_table(study_director, unit):
    for name in ("Örjan Al", "Anna Berg", "Zara Dahl"):
        TraineeFactory(unit=unit, user=UserFactory(name=name))
    refresh_all()

    table = table_for(study_director, order_by="-name")

    assert str(table.body_rows()).split("\n") == cells_by_django_tables2(table)


def test_the_page_says_the_figures_date_of_the_oldest_row_shown(client, study_director, unit):
    today = timezone.localdate()
    old, new = TraineeFactory(unit=unit), TraineeFactory(unit=unit)
    refresh_all()
    StatusSnapshot.objects.filter(trainee=old).update(computed_on=today - timedelta(days=3))
    client.force_login(study_director)

    everyone = client.get(reverse("trainee-list"))
    only_new = client.get(reverse("trainee-list"), {"q": new.user.name})

    assert everyone.context["computed_on"] == today - timedelta(days=3)
    assert only_new.context["computed_on"] == today
    assert (today - timedelta(days=3)).isoformat() in everyone.content.decode()


@pytest.mark.parametrize("value", [0, 0.0, -0.04, 0.05, 0.15, 2.25, 12.35, 59.99, 7, 123.45])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_figure_rounds_as_floatformat_one(value, language):
    with override(language):
        assert _figure(value) == floatformat(value, 1)


def test_figure_uses_the_swedish_decimal_comma():
    with override("sv"):
        assert _figure(2.25) == "2,3"


def tags(html):
    """The markup without the whitespace between tags (Django's template indents options)."""
    return re.sub(r">\s+<", "><", str(html))


def plain_and_django(widget_class_args, name, value, attrs=None):
    plain = PlainSelect(**widget_class_args).render(name, value, attrs)
    django = forms.Select(**widget_class_args).render(name, value, attrs)
    return tags(plain), tags(django)


@pytest.mark.parametrize("value", [None, "", "b", "<x>"])
def test_plain_select_renders_what_forms_select_renders(value):
    choices = [("", "Alla"), ("a", "Ja & nej"), ("b", "Å <ö>"), ("<x>", '"citat"')]

    plain, django = plain_and_django({"choices": choices}, "flagga", value, {"id": "id_flagga"})

    assert plain == django
    if value == "b":
        assert '<option value="b" selected>Å &lt;ö&gt;</option>' in plain


def test_plain_select_for_a_model_choice_field(unit):
    UnitFactory(region=unit.region, name="Vårdcentralen Öst")
    field = forms.ModelChoiceField(queryset=Unit.objects.order_by("name"), widget=PlainSelect)
    reference = forms.ModelChoiceField(queryset=Unit.objects.order_by("name"))

    plain = field.widget.render("unit", unit.pk, {"id": "id_unit"})
    django = reference.widget.render("unit", unit.pk, {"id": "id_unit"})

    assert tags(plain) == tags(django)
    assert "Vårdcentralen Öst" in plain
    assert f'value="{unit.pk}" selected' in plain


def test_plain_select_leaves_grouped_choices_to_django():
    choices = [("Norr", [("a", "Luleå"), ("b", "Kiruna")]), ("Syd", [("c", "Malmö")])]

    plain, django = plain_and_django({"choices": choices}, "ort", "c")

    assert plain == django
    assert "<optgroup" in plain


def test_body_rows_match_django_tables2_on_seeded_data_with_every_flag(national_admin):
    today = timezone.localdate()
    seed_scale(40, seed=2, today=today)
    refresh_all()
    # The flags the seeded data does not raise, each on a trainee of its own.
    first, second, third, fourth = StatusSnapshot.objects.order_by("trainee_id")[:4]
    past = today - timedelta(days=3)
    StatusSnapshot.objects.filter(pk=first.pk).update(statement_done=False, statement_due=past, statement_at_risk=True)
    StatusSnapshot.objects.filter(pk=second.pk).update(next_visit_due=past)
    StatusSnapshot.objects.filter(pk=third.pk).update(
        mid_st_wanted=True, mid_st_status="", mid_st_order_by=past, mid_st_target=today + timedelta(days=90)
    )
    ActionPlanFactory(trainee=fourth.trainee)

    table = table_for(national_admin, order_by="-attention")
    raised = {name for bound in table.paginated_rows for name in FLAGS if getattr(bound.record, name)}

    assert raised == set(FLAGS)
    assert str(table.body_rows()).split("\n") == cells_by_django_tables2(table)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_cell_escaping_is_conditional_escape(text):
    assert html_of(text) == conditional_escape(text)
    assert html_of(mark_safe(text)) == text  # noqa: S308 -- the point: safe HTML passes as it is  # nosec B308 B703


def test_cell_escaping_of_a_lazy_label():
    with override("sv"):
        assert html_of(gettext_lazy("Name")) == conditional_escape(gettext_lazy("Name")) == "Namn"


class Search(PlainDivForm):
    q = forms.CharField(label="Sök <namn>", required=False)
    ort = forms.ChoiceField(choices=[("", "Alla"), ("a", "Luleå")], required=False, widget=PlainSelect)
    fraga = forms.CharField(label="Vem?", required=False)
    antal = forms.IntegerField(required=False, label_suffix=" →")


def by_django(form):
    return forms.Form.render(form)


@pytest.mark.parametrize("data", [None, {}, {"q": "<b>", "ort": "a", "antal": "3"}])
def test_plain_div_form_writes_what_django_writes(data):
    form = Search(data)

    assert tags(str(form)).strip() == tags(by_django(form)).strip()
    assert "Vem?</label>" in str(form)  # no suffix after punctuation
    assert "Antal →</label>" in str(form)


def test_plain_div_form_leaves_errors_help_and_hidden_fields_to_django():
    class WithHelp(Search):
        antal = forms.IntegerField(required=False, help_text="Hur många")

    class WithHidden(Search):
        token = forms.CharField(widget=forms.HiddenInput, required=False)

    invalid = Search({"antal": "tre"})
    for form in (invalid, WithHelp(), WithHidden()):
        assert str(form) == by_django(form)
    assert "errorlist" in str(invalid)


def test_the_overview_filter_form_is_a_plain_div_form(client, study_director, unit):
    unit.name = "Vårdcentralen <Öst>"
    unit.save()
    TraineeFactory(unit=unit)
    client.force_login(study_director)

    response = client.get(reverse("trainee-list"), {"flag": "any", "q": "<a"})
    form = response.context["filter"].form

    assert isinstance(form, PlainDivForm)
    assert tags(str(form)).strip() == tags(by_django(form)).strip()
    assert "Vårdcentralen &lt;Öst&gt;" in str(form)
    assert 'value="&lt;a"' in response.content.decode()


def test_each_rendering_translates_in_its_own_language(study_director, unit):
    # body_rows remembers each translated text while it writes one page; the next page, in
    # another language, must not get the first one's words.
    TraineeFactory(unit=unit)
    refresh_all()
    rows = {}
    for language in ("sv", "en", "sv"):
        with override(language):
            rows.setdefault(language, []).append(str(table_for(study_director).body_rows()))
            header, exported = export_rows(overview_rows(study_director, timezone.localdate()))
            rows[language].append(" ".join(map(str, [*header, *exported[0]])))

    assert rows["sv"][0] == rows["sv"][2] and rows["sv"][1] == rows["sv"][3]
    assert "saknas" in rows["sv"][0] and "missing" in rows["en"][0]
    assert "Namn" in rows["sv"][1] and "Name" in rows["en"][1]
