"""The content of a kompetensvärdering, shared by the in-app form and the link form.

The rating fields are built from the assessment's own copy of its template's domains
and scale, one choice per domain with "not assessed" as the empty choice.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments import scales
from assessments.enums import ScaleKind
from assessments.models import Assessment
from portfolio import queries
from portfolio.forms.service import DateInput

RATING_PREFIX = "rating_"


class AssessmentContentForm(forms.ModelForm):
    """Pass an Assessment instance whose `scale` and `domains` are set (from its template)
    and whose `trainee` is set; the form adds a rating field per domain."""

    class Meta:
        model = Assessment
        fields = ["date", "situation", "goals", "went_well", "to_develop"]
        widgets = {
            "date": DateInput(),
            "goals": forms.CheckboxSelectMultiple,
            "went_well": forms.Textarea(attrs={"rows": 4}),
            "to_develop": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"goals": _("The delmål this assessment gives evidence for.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        assessment = self.instance
        self.fields["goals"].queryset = queries.trainee_goals(assessment.trainee)
        self.fields["goals"].required = False
        self.fields["went_well"].required = False
        self.fields["to_develop"].required = False
        if assessment.pk is None:
            self.initial["date"] = self.initial.get("date") or timezone.localdate()
        choices = [("", _("not assessed"))] + [(str(v), label) for v, label in scales.steps(assessment.scale).items()]
        for domain in self.domains:
            name = RATING_PREFIX + domain["code"]
            self.fields[name] = forms.TypedChoiceField(
                label=domain["label"],
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial=(assessment.ratings or {}).get(domain["code"]),
            )

    @property
    def domains(self):
        if self.instance.scale == ScaleKind.FREE_TEXT:
            return []
        return self.instance.domains or []

    def rating_fields(self):
        return [self[RATING_PREFIX + domain["code"]] for domain in self.domains]

    def content_fields(self):
        """The fields that are not ratings, in the Meta order, for templates that lay them out."""
        return [self[name] for name in self._meta.fields if name in self.fields]

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise ValidationError(_("An assessment is recorded after it took place; the date cannot be in the future."))
        return day

    def clean(self):
        cleaned = super().clean()
        went_well, to_develop = cleaned.get("went_well", "").strip(), cleaned.get("to_develop", "").strip()
        if not went_well and not to_develop:
            raise ValidationError(_("Write the feedback: what went well, what to develop, or both."))
        return cleaned

    def save(self, commit=True):
        ratings = {domain["code"]: self.cleaned_data.get(RATING_PREFIX + domain["code"]) for domain in self.domains}
        self.instance.ratings = ratings
        return super().save(commit=commit)
