"""The form of the archive confirmation page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portfolio.enums import ArchiveReason


class ArchiveForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why is the ST-läkare archived?"), choices=ArchiveReason.choices, widget=forms.RadioSelect
    )
