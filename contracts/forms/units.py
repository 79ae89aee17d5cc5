"""Forms of the unit pages. They check types and required fields; the rules about dates,
state and who may do what live in contracts/units.py, whose errors the views put back on
the form (keyed by these field names)."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from accounts.locking import SeenFormMixin, VersionedFormMixin
from accounts.models import User
from contracts.models import UnitActionPlan, UnitProfile, UnitStaff
from contracts.units import PLAN_FIELDS, PROFILE_FIELDS, STAFF_FIELDS
from portfolio.forms.service import DateInput

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
HOURS_ATTRS = {"min": 0, "max": 40, "step": 0.5, "inputmode": "decimal"}


def _yes_no(value):
    return {"yes": True, "no": False}.get(value)


class UnitProfileForm(VersionedFormMixin, forms.ModelForm):
    """The version the form was read at is carried hidden: saving over a newer one is refused (units.save_profile)."""

    class Meta:
        model = UnitProfile
        fields = list(PROFILE_FIELDS)
        widgets = {
            "listed_patients": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "listed_patients": _("The number of patients listed at the unit."),
            "elderly_care": _("Care of the elderly, for example at a särskilt boende (SÄBO)."),
        }


class StaffForm(forms.ModelForm):
    """A staff row; the person's account is optional (a specialist may not have one)."""

    class Meta:
        model = UnitStaff
        fields = list(STAFF_FIELDS)
        widgets = {
            "since": DateInput(),
            "percent": forms.NumberInput(attrs={"min": 1, "max": 100, "step": 1, "inputmode": "numeric"}),
            "supervision_hours_per_week": forms.NumberInput(attrs=HOURS_ATTRS),
            "supervisor_training_year": forms.NumberInput(attrs={"min": 1970, "max": 2100, "inputmode": "numeric"}),
        }
        help_texts = {
            "user": _("Choose the person if they have an account here; every handledare has one."),
            "name": _("Filled in from the account when left empty."),
            "specialty": _("Leave empty for a doctor who is not a specialist."),
            "supervisor_training_year": _("Leave empty to use the year in the person's account."),
        }

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        current = self.instance.user_id
        # The people who work at the unit (by role), not every account in the country.
        people = User.objects.filter(
            Q(memberships__unit=unit, memberships__role__in=Role.unit_roles()) | Q(pk=current)
        ).distinct()
        self.fields["user"].queryset = people.order_by("name")
        self.fields["user"].empty_label = _("– no account –")
        self.fields["specialty"].empty_label = _("– not a specialist –")


class EndStaffForm(forms.Form):
    until = forms.DateField(label=_("Last day at the unit"), widget=DateInput())


class AttestationForm(forms.Form):
    met = forms.TypedChoiceField(
        label=_("Is the criterion met?"), choices=YES_NO, coerce=_yes_no, widget=forms.RadioSelect
    )
    date = forms.DateField(label=_("Date of the judgement"), widget=DateInput())
    note = forms.CharField(
        label=_("What the judgement is based on"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example what you saw at the visit, or who you spoke to."),
    )


class DispensationForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why the unit may train ST-läkare although the criterion is not met, and what is being done."),
    )
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput())


class ApprovalForm(forms.Form):
    approved = forms.TypedChoiceField(
        label=_("Is the unit approved for training ST-läkare?"),
        choices=YES_NO,
        coerce=_yes_no,
        widget=forms.RadioSelect,
    )
    basis = forms.CharField(
        label=_("Basis for the decision"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The criteria as evaluated today are stored with the decision."),
    )


class UnitPlanForm(forms.ModelForm):
    class Meta:
        model = UnitActionPlan
        fields = list(PLAN_FIELDS)
        widgets = {
            "opened_on": DateInput(),
            "follow_up_on": DateInput(),
            "concern": forms.Textarea(attrs={"rows": 4}),
            "measures": forms.Textarea(attrs={"rows": 5}),
        }
        labels = {"criterion": _("Criterion no longer met (optional)")}
        help_texts = {
            "concern": _("What has changed, for example that a handledare has left."),
            "measures": _("What the unit will do, and by when."),
            "responsible": _("Who does what."),
        }

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["criterion"]
        field.queryset = field.queryset.filter(pk__in=[criterion.pk for criterion in criteria])
        field.empty_label = _("– no particular criterion –")
        field.label_from_instance = lambda criterion: f"{criterion.position}. {criterion.text}"


class SignPlanForm(SeenFormMixin, forms.Form):
    """The signer's confirmation, with the digest of the plan as the page showed it (hidden)."""

    confirm = forms.BooleanField(
        label=_("I have read the åtgärdsplan and sign it. I understand that it cannot be changed afterwards."),
        error_messages={"required": _("Tick the box to confirm that you sign the åtgärdsplan.")},
    )


class PlanFollowUpForm(forms.Form):
    date = forms.DateField(label=_("Date of the follow-up"), widget=DateInput())
    notes = forms.CharField(label=_("What the follow-up found"), widget=forms.Textarea(attrs={"rows": 4}))
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
        help_text=_("What the measures led to: whether the unit meets the criterion again."),
    )
