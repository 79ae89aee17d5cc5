"""Forms of the specialistkollegium: the session, the panel's view on one ST-läkare, the
ST-läkare's self-assessment and the confirmation that the panel was held."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from assessments import panels
from assessments.models import SpecialistPanel
from portfolio.forms.service import DateInput


class PanelForm(forms.ModelForm):
    """The session: only people of the unit can be chosen. Validation only; the view saves
    through assessments.panels.create_panel / update_panel."""

    class Meta:
        model = SpecialistPanel
        fields = ["date", "specialists", "unit_head", "study_director", "notes"]
        widgets = {
            "date": DateInput(),
            "specialists": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "specialists": _("The unit's specialists and handledare who take part."),
            "notes": _("Practical notes, e.g. the order of the ST-läkare. Everyone taking part can read them."),
        }

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.unit = unit
        self.fields["specialists"].queryset = panels.specialist_candidates(unit)
        self.fields["unit_head"].queryset = panels.people_with_role(unit, Role.UNIT_HEAD)
        self.fields["study_director"].queryset = panels.people_with_role(unit, Role.STUDY_DIRECTOR)
        for name in ("specialists", "unit_head", "study_director"):
            self.fields[name].label_from_instance = lambda user: user.name or user.username
        self.fields["unit_head"].empty_label = _("No enhetschef taking part")
        self.fields["study_director"].empty_label = _("No studierektor taking part")


class PanelReviewForm(forms.Form):
    """The panel's view per area, and up to two focus areas of each kind."""

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        views = review.area_views or {}
        for code, label in panels.AREAS:
            self.fields["area_" + code] = forms.CharField(
                label=label, required=False, widget=forms.Textarea(attrs={"rows": 3}), initial=views.get(code, "")
            )
        for kind, stored, labels in (
            ("clinical", review.focus_clinical, (_("Clinical focus area 1"), _("Clinical focus area 2"))),
            (
                "non_clinical",
                review.focus_non_clinical,
                (_("Non-clinical focus area 1"), _("Non-clinical focus area 2")),
            ),
        ):
            items = panels.focus_list(stored)
            for index, label in enumerate(labels):
                self.fields[f"focus_{kind}_{index + 1}"] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=300,
                    initial=items[index] if index < len(items) else "",
                )

    @property
    def area_fields(self):
        return [self["area_" + code] for code in panels.AREA_CODES]

    @property
    def focus_fields(self):
        return [self[name] for name in self.fields if name.startswith("focus_")]

    def domain_data(self):
        """Keyword arguments for assessments.panels.save_review."""
        data = self.cleaned_data
        return {
            "area_views": {code: data["area_" + code] for code in panels.AREA_CODES},
            "focus_clinical": [data["focus_clinical_1"], data["focus_clinical_2"]],
            "focus_non_clinical": [data["focus_non_clinical_1"], data["focus_non_clinical_2"]],
        }


class SelfAssessmentForm(forms.Form):
    text = forms.CharField(
        label=_("My self-assessment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "About one page: what you have done since the last specialistkollegium, where you stand in each "
            "area and what you want to develop. Save as often as you like; submit it when it is ready."
        ),
    )
    submit = forms.BooleanField(
        label=_("Submit it to the specialistkollegium now. After that it can no longer be changed."),
        required=False,
    )


class HeldConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("The specialistkollegium has been held. I understand that nothing in it can be changed afterwards."),
        required=True,
        error_messages={"required": _("Tick the box to confirm that the specialistkollegium has been held.")},
    )
