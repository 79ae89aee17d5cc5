from django import forms
from django.utils.translation import gettext_lazy as _

from portfolio.forms.activities import DateInput
from portfolio.models import AnnualReport, AnnualVisit, FinalReview


class AnnualReportForm(forms.ModelForm):
    class Meta:
        model = AnnualReport
        fields = ["year", "done", "went_well", "to_develop", "next_steps"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4}) for name in ["done", "went_well", "to_develop", "next_steps"]
        }

    def clean(self):
        cleaned = super().clean()
        if self.instance.submitted_at is not None:
            raise forms.ValidationError(_("A submitted årsrapport cannot be changed."), code="submitted")
        return cleaned

    def clean_year(self):
        # The unique constraint names the trainee, which is not a form field, so the
        # form would not check it and the database would answer with an error page.
        year = self.cleaned_data["year"]
        duplicate = AnnualReport.objects.filter(trainee=self.instance.trainee_id, year=year).exclude(
            pk=self.instance.pk
        )
        if duplicate.exists():
            raise forms.ValidationError(
                _("There is already an årsrapport for %(year)s; edit that one instead."),
                code="duplicate",
                params={"year": year},
            )
        return year


class AnnualVisitForm(forms.ModelForm):
    class Meta:
        model = AnnualVisit
        fields = ["date", "participants", "notes", "decisions"]
        widgets = {
            "date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 4}),
            "decisions": forms.Textarea(attrs={"rows": 4}),
        }


class FinalReviewForm(forms.ModelForm):
    class Meta:
        model = FinalReview
        fields = ["date", "verdict", "remarks"]
        widgets = {"date": DateInput(), "verdict": forms.RadioSelect, "remarks": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"remarks": _("What the review found, and what remains if the ST-läkare is not yet ready.")}
