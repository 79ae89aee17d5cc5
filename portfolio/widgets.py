"""Widgets and form rendering written in Python where Django's templates cost too much for
their job: the overview's filter form is on every visit to the busiest page.
tests/portfolio/test_overview_rows.py holds each to the markup Django itself writes."""

from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import SafeString
from django.utils.translation import gettext


def html_of(value):
    """`value` as HTML: what conditional_escape gives (safe HTML as it is, anything else
    escaped), without its lazy-string wrapper, which costs more than the escaping when a
    page writes hundreds of values."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


def safe_html(markup: str) -> SafeString:
    """`markup` marked safe. Only for markup whose every value went through `html_of`."""
    return SafeString(markup)  # nosec B703 -- each caller escapes every value with html_of


class PlainSelect(forms.Select):
    """A <select> with the HTML of forms.Select, built without a template per option.

    Django renders one template for each option; for a list of a hundred units that is
    most of a filter form's time. Grouped choices (optgroups) and multiple selection go to
    Django's own template.
    """

    def render(self, name, value, attrs=None, renderer=None):
        # iter(): list() would first ask a model field's choices for their length, a COUNT query.
        choices = list(iter(self.choices))
        if self.allow_multiple_selected or any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        wanted = self.format_value(value)
        options = []
        chosen = False
        for option_value, label in choices:
            # As ChoiceWidget.optgroups: the first option whose value matches is selected.
            selected = not chosen and str(option_value) in wanted
            chosen = chosen or selected
            shown = "" if option_value is None else str(option_value)
            options.append(
                f'<option value="{escape(shown)}"{" selected" if selected else ""}>{html_of(label)}</option>'
            )
        opening = f'<select name="{escape(name)}"{flatatt(self.build_attrs(self.attrs, attrs))}>'
        return safe_html(f"{opening}{''.join(options)}\n</select>")


# Django's own msgid (in its catalogue, not ours): a label ending in one of these characters
# gets no suffix.
DJANGO_LABEL_PUNCTUATION = ":?.!"


class PlainDivForm(forms.Form):
    """A form that writes what Django's div template writes, in Python, when it has
    nothing but labelled visible fields: no errors, hidden fields, help texts, fieldsets
    or CSS classes. Anything else is rendered by Django's templates as usual."""

    def render(self, template_name=None, context=None, renderer=None):
        if template_name or context or renderer or not self._plain():
            return super().render(template_name, context, renderer)
        return safe_html("\n".join(f"<div>{self._label(bound)}\n{bound}</div>" for bound in self))

    __str__ = render
    __html__ = render

    def _plain(self):
        if self.errors or hasattr(self, "required_css_class") or hasattr(self, "error_css_class"):
            return False
        return not any(
            bound.is_hidden or bound.help_text or bound.field.widget.use_fieldset or not bound.label for bound in self
        )

    def _label(self, bound):
        # BoundField.label_tag, without its template.
        contents = html_of(bound.label)
        suffix = bound.field.label_suffix if bound.field.label_suffix is not None else self.label_suffix
        if suffix and bound.label[-1] not in gettext(DJANGO_LABEL_PUNCTUATION):
            contents += html_of(suffix)
        id_ = bound.field.widget.attrs.get("id") or bound.auto_id
        if not id_:
            return contents
        for_id = bound.field.widget.id_for_label(id_)
        return f'<label for="{escape(for_id)}">{contents}</label>' if for_id else f"<label>{contents}</label>"
