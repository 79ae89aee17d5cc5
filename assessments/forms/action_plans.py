"""Forms of the åtgärdsplan. They check types and required fields only; the rules about
dates and state live in assessments/action_plans.py, whose errors the views put back on
the form (they are keyed by these field names)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.action_plans import PLAN_FIELDS
from assessments.models import ActionPlan
from portfolio.forms.service import DateInput


class ActionPlanForm(forms.ModelForm):
    class Meta:
        model = ActionPlan
        fields = list(PLAN_FIELDS)
        widgets = {
            "opened_on": DateInput(),
            "follow_up_on": DateInput(),
            "concern": forms.Textarea(attrs={"rows": 4}),
            "iup_measures": forms.Textarea(attrs={"rows": 3}),
            "unit_measures": forms.Textarea(attrs={"rows": 3}),
            "trainee_demands": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "opened_on": _("Opened on"),
            "concern": _("Concern"),
            "iup_measures": _("Changes to the IUP"),
            "unit_measures": _("Measures by the unit"),
            "trainee_demands": _("What is required of the ST-läkare"),
            "responsible": _("Responsible"),
            "follow_up_on": _("Next follow-up"),
        }
        help_texts = {
            "concern": _("Which requirements risk not being met, and what has been seen."),
            "iup_measures": _("For example other placements, courses or more kompetensvärderingar."),
            "unit_measures": _("For example more handledning, a different schedule or another handledare."),
            "trainee_demands": _("What the ST-läkare must do, and by when."),
            "responsible": _("Who does what."),
        }


class FollowUpForm(forms.Form):
    date = forms.DateField(label=_("Date of the follow-up"), widget=DateInput())
    note = forms.CharField(label=_("What the follow-up found"), widget=forms.Textarea(attrs={"rows": 4}), strip=True)
    next_follow_up_on = forms.DateField(
        label=_("Next follow-up (optional)"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave it empty to keep the current date."),
    )


class ClosePlanForm(forms.Form):
    closed_on = forms.DateField(label=_("Closed on"), widget=DateInput())
    outcome = forms.CharField(
        label=_("Outcome"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the measures led to, and whether anything continues in the IUP."),
    )
