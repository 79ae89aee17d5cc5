"""The ST-läkare's request form and the assessor's link form."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from assessments.forms.content import AssessmentContentForm
from assessments.models import AssessmentRequest
from assessments.requesting import MAX_VALID_DAYS
from portfolio import queries

DAYS_ATTRS = {"min": 1, "max": MAX_VALID_DAYS, "step": 1, "inputmode": "numeric"}


def _days_field(label):
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=MAX_VALID_DAYS,
        initial=30,
        widget=forms.NumberInput(attrs=DAYS_ATTRS),
        help_text=_("1–90 days."),
    )


class RequestForm(forms.ModelForm):
    """Whom to ask for which kind of kompetensvärdering, and for how long the link works."""

    valid_days = _days_field(_("Link valid for (days)"))

    class Meta:
        model = AssessmentRequest
        fields = ["kind", "assessor_name", "assessor_email", "assessor_role", "message", "goals"]
        widgets = {
            "message": forms.Textarea(attrs={"rows": 4}),
            "goals": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "assessor_email": _("The link is sent here. It works once, without an account."),
            "goals": _("The delmål you suggest the assessment gives evidence for; the assessor confirms them."),
        }

    def __init__(self, *args, trainee, **kwargs):
        super().__init__(*args, **kwargs)
        self.trainee = trainee
        self.instance.trainee = trainee
        self.fields["goals"].queryset = queries.trainee_goals(trainee)
        self.fields["goals"].required = False
        self.fields["assessor_name"].widget.attrs["autocomplete"] = "off"

    def clean_assessor_email(self):
        email = self.cleaned_data["assessor_email"].strip()
        own = (self.trainee.user.email or "").strip()
        if own and email.lower() == own.lower():
            raise ValidationError(_("Ask a colleague: you cannot assess yourself."), code="own_email")
        return email


class ExtendForm(forms.Form):
    days = _days_field(_("Extend by (days)"))


class AssessorForm(AssessmentContentForm):
    """The form behind the link: the kompetensvärdering itself, the assessor's name as it
    should stand in the portfolio, and a required confirmation that signs it.

    Only the delmål the ST-läkare suggested are offered (nothing else of the portfolio is
    shown on the link page); the assessor unticks those the assessment does not support.
    """

    assessor_name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        help_text=_("As it should stand on the signed assessment. Correct it if it is wrong."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    confirm = forms.BooleanField(
        label=_("I confirm that this is my assessment and sign it."),
        required=True,
        error_messages={"required": _("Tick the box to sign the assessment.")},
    )

    def __init__(self, *args, suggested_goals, **kwargs):
        super().__init__(*args, **kwargs)
        goal_ids = [goal.pk for goal in suggested_goals]
        if goal_ids:
            self.fields["goals"].queryset = self.fields["goals"].queryset.filter(pk__in=goal_ids)
            # Pre-ticked: an unsaved instance gives an empty list as the model's initial value.
            self.initial["goals"] = goal_ids
        else:
            del self.fields["goals"]
