"""Widgets written in Python where Django's templates cost too much for their job."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class PlainSelect(forms.Select):
    """A <select> with the HTML of forms.Select, built without a template per option.

    Django renders one template for each option; for a list of a hundred units that is
    most of a filter form's time. Grouped choices (optgroups) go to Django's own template.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        if any(group_name for group_name, _options, _index in widget["optgroups"]):
            return super().render(name, value, attrs, renderer)
        options = "".join(
            format_html(
                '<option value="{}"{}>{}</option>', str(option["value"]), flatatt(option["attrs"]), option["label"]
            )
            for _group_name, group, _index in widget["optgroups"]
            for option in group
        )
        opening = format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))
        return mark_safe(f"{opening}{options}\n</select>")  # noqa: S308 -- every part is escaped by format_html  # nosec B308 B703
