"""Forms for kompetensvärderingar written in the app: the content with the assessor's
role, the confirmation before signing, the trainee's reflection and the kind filter."""

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.enums import AssessmentKind
from assessments.forms.content import AssessmentContentForm


class AssessmentForm(AssessmentContentForm):
    """The shared content form plus the assessor's role; the delmål are grouped (a, b, c … BT)."""

    class Meta(AssessmentContentForm.Meta):
        fields = [*AssessmentContentForm.Meta.fields, "assessor_role"]
        labels = {"assessor_role": _("Your role in this assessment")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["goals"]
        groups = {}
        for goal in field.queryset:
            groups.setdefault(goal.group, []).append((goal.pk, f"{goal.code} {goal.title}"))
        # Grouped choices, evaluated once; validation still runs against the queryset.
        field.choices = [(_("Delmål %(group)s") % {"group": group}, options) for group, options in groups.items()]

    def goal_groups(self):
        """[(label, [bound checkbox, …]), …] in the order of the choices."""
        boxes = iter(self["goals"])
        return [(label, [next(boxes) for _option in options]) for label, options in self.fields["goals"].choices]


class SignConfirmForm(forms.Form):
    """The assessor's explicit confirmation: signing is final."""

    # The box is only required for "Save and sign"; the browser must not block "Save draft".
    use_required_attribute = False

    confirm = forms.BooleanField(
        label=_("I confirm that this is my assessment; once signed it cannot be changed."),
        error_messages={"required": _("Tick the box to confirm before you sign.")},
    )


class ReflectionForm(forms.Form):
    text = forms.CharField(
        label=_("Your reflection"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What you learnt and what you will do differently. Only you can change it."),
        error_messages={"required": _("Write your reflection.")},
    )


class KindFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *AssessmentKind.choices])
