"""Forms of the SPUR pages: the inspection with its grade grid, a handlingsplan item and the
adjustment of a grade. They validate; the views save through contracts.spur."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts import spur
from contracts.enums import ALLOWED_GRADES, InspectedRegulation, SpurArea, SpurGrade
from contracts.models import ImprovementItem
from portfolio.forms.service import DateInput

TEXT_ROWS = {"rows": 3}


def grade_field_name(area, regulation):
    return f"grade_{area}_{regulation}"


def _grade_choices(grades):
    labels = dict(SpurGrade.choices)
    return [("", _("– not graded –")), *((grade, labels[grade]) for grade in grades)]


class InspectionForm(forms.Form):
    """The report on one page: the visit, a grade per area under each regulation (a select
    offering only the grades that area allows), the inspectors' text per area and the summary."""

    date = forms.DateField(label=_("Date of the visit"), widget=DateInput())
    inspectors = forms.CharField(
        label=_("Inspectors"), max_length=400, help_text=_("Names, separated by commas, as in the report.")
    )
    regulations = forms.MultipleChoiceField(
        label=_("Regulations assessed"),
        choices=InspectedRegulation.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A unit with ST-läkare under both regulations is assessed against both."),
        error_messages={"required": _("Choose one or both regulations.")},
    )
    report_received_on = forms.DateField(label=_("Report received"), required=False, widget=DateInput())
    strengths = forms.CharField(label=_("Styrkor"), required=False, widget=forms.Textarea(attrs=TEXT_ROWS))
    weaknesses = forms.CharField(label=_("Svagheter"), required=False, widget=forms.Textarea(attrs=TEXT_ROWS))
    improvements = forms.CharField(
        label=_("Förbättringspotential"), required=False, widget=forms.Textarea(attrs=TEXT_ROWS)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for area in SpurArea.values:
            for regulation, regulation_label in InspectedRegulation.choices:
                self.fields[grade_field_name(area, regulation)] = forms.ChoiceField(
                    label=_("Grade under %(regulation)s") % {"regulation": regulation_label},
                    choices=_grade_choices(ALLOWED_GRADES[area]),
                    required=False,
                )
            self.fields[f"narrative_{area}"] = forms.CharField(
                label=_("The inspectors' text"), required=False, widget=forms.Textarea(attrs=TEXT_ROWS)
            )

    @classmethod
    def initial_for(cls, inspection):
        initial = {name: getattr(inspection, name) for name in spur.INSPECTION_FIELDS}
        for grade in inspection.grades.all():
            initial[grade_field_name(grade.area, grade.regulation)] = grade.grade
            if grade.narrative:
                initial[f"narrative_{grade.area}"] = grade.narrative
        return initial

    def area_rows(self):
        """Per area: its label, the grade selects (one per regulation) and the text box."""
        return [
            (
                area,
                label,
                [self[grade_field_name(area, regulation)] for regulation in InspectedRegulation.values],
                self[f"narrative_{area}"],
            )
            for area, label in SpurArea.choices
        ]

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Record the inspection once the visit has taken place."))
        return day

    def clean(self):
        data = super().clean()
        day, received = data.get("date"), data.get("report_received_on")
        if day and received and received < day:
            self.add_error("report_received_on", _("The report cannot arrive before the visit."))
        if "regulations" in data:
            try:
                spur.check_grades(data["regulations"], self.grades())
            except forms.ValidationError as error:
                self.add_error(None, error)
        return data

    def grades(self):
        return {
            (area, regulation): self.cleaned_data.get(grade_field_name(area, regulation), "")
            for area in SpurArea.values
            for regulation in InspectedRegulation.values
        }

    def narratives(self):
        return {area: self.cleaned_data.get(f"narrative_{area}", "").strip() for area in SpurArea.values}

    def inspection_fields(self):
        data = self.cleaned_data
        fields = {name: data[name] for name in spur.INSPECTION_FIELDS}
        for name in ("inspectors", "strengths", "weaknesses", "improvements"):
            fields[name] = fields[name].strip()
        return fields


class ItemForm(forms.ModelForm):
    """One line of the handlingsplan. The rules tying status, outcome and dates together live
    in contracts.spur (the view shows their errors on the fields)."""

    class Meta:
        model = ImprovementItem
        fields = list(spur.ITEM_FIELDS)
        widgets = {
            "criterion": forms.Textarea(attrs={"rows": 2}),
            "planned_action": forms.Textarea(attrs=TEXT_ROWS),
            "outcome": forms.Textarea(attrs=TEXT_ROWS),
            "due_on": DateInput(),
            "follow_up_on": DateInput(),
            "done_on": DateInput(),
        }
        help_texts = {
            "criterion": _("The criterion the inspectors found lacking, in your words or the report's."),
            "responsible": _("Who carries the measure out, e.g. huvudhandledare, verksamhetschef."),
            "outcome": _("What the follow-up showed. Required when the measure is done."),
            "done_on": _("Only when the status is done. A done measure can no longer be changed."),
        }

    def item_fields(self):
        return {name: self.cleaned_data[name] for name in spur.ITEM_FIELDS}


class AdjustGradeForm(forms.Form):
    """The grade after Lipus accepted the handlingsplan: only better grades the area allows."""

    adjusted_grade = forms.ChoiceField(label=_("Adjusted grade"))
    adjusted_on = forms.DateField(label=_("Adjusted on"), widget=DateInput())
    adjustment_note = forms.CharField(
        label=_("Why adjusted"),
        widget=forms.Textarea(attrs=TEXT_ROWS),
        help_text=_("E.g. Lipus's decision after the handlingsplan was received."),
    )

    def __init__(self, *args, grade, **kwargs):
        super().__init__(*args, **kwargs)
        better = spur.GRADE_ORDER[: spur.GRADE_ORDER.index(grade.grade)]
        self.fields["adjusted_grade"].choices = _grade_choices(
            [value for value in better if value in ALLOWED_GRADES[grade.area]]
        )
