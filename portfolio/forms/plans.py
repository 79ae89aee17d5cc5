from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.locking import VersionedFormMixin
from portfolio import queries
from portfolio.iup import CONTENT_FIELDS
from portfolio.models import TrainingPlan


class TrainingPlanForm(VersionedFormMixin, forms.ModelForm):
    """The content of one IUP version; the view hands `cleaned_data` to `iup.update_plan`,
    with the edit counter the form was read at (hidden)."""

    version_field = "lock_version"

    class Meta:
        model = TrainingPlan
        fields = ["goals", *CONTENT_FIELDS]
        widgets = {
            "goals": forms.CheckboxSelectMultiple,
            "planned_service": forms.Textarea(attrs={"rows": 4}),
            "planned_courses": forms.Textarea(attrs={"rows": 4}),
            "internal_activities": forms.Textarea(attrs={"rows": 3}),
            "external_activities": forms.Textarea(attrs={"rows": 3}),
            "assessment_plan": forms.Textarea(attrs={"rows": 4}),
            "self_study_hours_per_week": forms.NumberInput(attrs={"step": "0.5", "min": "0", "max": "40"}),
        }
        help_texts = {
            "goals": _("The delmål this version focuses on."),
            "planned_service": _("Placements and sidotjänstgöringar, with periods."),
            "planned_courses": _("Courses and when you plan to take them."),
            "internal_activities": _("For example ST-träffar, teaching and reflection groups at the unit."),
            "external_activities": _("For example conferences, auskultationer and regional study days."),
        }

    def __init__(self, *args, trainee, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["goals"]
        field.queryset = queries.trainee_goals(trainee)
        goals = list(field.queryset)
        # Grouped choices (a, b, c … and BT), evaluated once; the template shows each group as a fieldset.
        groups = {}
        for goal in goals:
            groups.setdefault(goal.group, []).append((goal.pk, f"{goal.code} {goal.title}"))
        field.choices = [(_("Delmål %(group)s") % {"group": group}, options) for group, options in groups.items()]

    def goal_groups(self):
        """[(label, [bound checkbox, …]), …] in the order of the choices."""
        boxes = iter(self["goals"])
        return [(label, [next(boxes) for _option in options]) for label, options in self.fields["goals"].choices]


class DecisionForm(forms.Form):
    """The studierektor's comments when approving: optional."""

    comment = forms.CharField(
        label=_("Comments to the ST-läkare (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReturnForm(forms.Form):
    """The studierektor's comments when returning: required, but by iup.return_plan, whose message says what to do."""

    comment = forms.CharField(
        label=_("What should be changed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
    )


class CompareForm(forms.Form):
    a = forms.TypedChoiceField(label=_("Compare version"), coerce=int)
    b = forms.TypedChoiceField(label=_("with version"), coerce=int)

    def __init__(self, *args, plans, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(plan.pk, _("version %(version)s") % {"version": plan.version}) for plan in plans]
        self.fields["a"].choices = choices
        self.fields["b"].choices = choices
