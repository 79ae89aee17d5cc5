from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from accounts.models import MandatoryCourse, RegionPolicy


class RevisionMonthsField(forms.CharField):
    """Calendar months written as '1, 5, 9'; cleaned to a sorted list of ints."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(month) for month in value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return []
        months = []
        for part in value.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or not 1 <= int(part) <= 12:
                raise forms.ValidationError(
                    _("“%(value)s” is not a month; use numbers from 1 to 12."), params={"value": part}
                )
            months.append(int(part))
        return sorted(set(months))


class RegionPolicyForm(forms.ModelForm):
    iup_revision_months = RevisionMonthsField(
        label=_("IUP revision months"),
        required=False,
        help_text=_("Month numbers separated by commas, e.g. 1, 5, 9 for January, May and September."),
    )

    class Meta:
        model = RegionPolicy
        fields = [
            "supervision_hours_per_week",
            "assessments_per_half_year",
            "sit_ins_per_quarter",
            "iup_deadline_months",
            "iup_revision_months",
            "mid_st_lead_time_months",
            "mid_st_required",
            "final_review_required",
            "annual_visit_interval_months",
            "self_study_hours_per_week",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


MandatoryCourseFormSet = inlineformset_factory(
    RegionPolicy,
    MandatoryCourse,
    fields=["name", "specialty", "note"],
    extra=1,
    can_delete=True,
)
