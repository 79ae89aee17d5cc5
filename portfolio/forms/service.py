"""Forms of the tjänsteförteckning: tjänstgöring, ledighet and the what-if percentage."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from portfolio import queries, service
from portfolio.models import Leave, ServicePeriod


class DateInput(forms.DateInput):
    """The browser's date picker; the value is always ISO (YYYY-MM-DD), whatever the locale."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


PERCENT_ATTRS = {"min": 1, "max": 100, "step": 1, "inputmode": "numeric"}


class TraineeRecordForm(forms.ModelForm):
    """A record of one trainee: the trainee is set on the instance before the model validates it."""

    def __init__(self, *args, trainee, **kwargs):
        super().__init__(*args, **kwargs)
        self.trainee = trainee
        self.instance.trainee = trainee

    def _dates(self):
        """(start, end) when both are valid and in order, else None (the model reports the order)."""
        start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        if start and end and start <= end:
            return start, end
        return None


class ServicePeriodForm(TraineeRecordForm):
    class Meta:
        model = ServicePeriod
        fields = [
            "kind",
            "unit",
            "workplace",
            "specialty",
            "start",
            "end",
            "percent",
            "supervisor",
            "supervisor_name",
            "goals",
            "notes",
        ]
        widgets = {
            "start": DateInput(),
            "end": DateInput(),
            "percent": forms.NumberInput(attrs=PERCENT_ATTRS),
            "goals": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Unit names are unique only within a region, so the region is part of the label.
        self.fields["unit"].queryset = Unit.objects.select_related("region").order_by("name", "region__name")
        self.fields["unit"].label_from_instance = lambda unit: f"{unit.name} ({unit.region.name})"
        self.fields["supervisor"].queryset = service.supervisor_candidates(
            self.trainee.unit.region_id, self.instance.supervisor_id, self.trainee.main_supervisor_id
        )
        self.fields["goals"].queryset = queries.trainee_goals(self.trainee)
        self.fields["goals"].label_from_instance = lambda goal: f"{goal.code} {goal.title}"

    def clean(self):
        cleaned = super().clean()
        dates, percent = self._dates(), cleaned.get("percent")
        if dates and percent:
            clash = service.service_clash(self.trainee, *dates, percent, exclude_pk=self.instance.pk)
            if clash:
                day, periods = clash
                raise ValidationError(
                    _(
                        "This tjänstgöring overlaps %(periods)s, and together they come to more than full time "
                        "on %(day)s. Change the dates or the percentage."
                    ),
                    code="overlap",
                    params={"periods": ", ".join(str(p) for p in periods), "day": f"{day:%Y-%m-%d}"},
                )
        return cleaned


class LeaveForm(TraineeRecordForm):
    class Meta:
        model = Leave
        fields = ["kind", "start", "end", "percent", "notes"]
        widgets = {
            "start": DateInput(),
            "end": DateInput(),
            "percent": forms.NumberInput(attrs=PERCENT_ATTRS),
        }

    def clean(self):
        cleaned = super().clean()
        dates = self._dates()
        if dates:
            other = service.leave_clash(self.trainee, *dates, exclude_pk=self.instance.pk)
            if other:
                raise ValidationError(
                    _("This ledighet overlaps %(leave)s. Change the dates, or change the other ledighet first."),
                    code="overlap",
                    params={"leave": str(other)},
                )
        return cleaned


class WhatIfForm(forms.Form):
    """The what-if on the tjänsteförteckning: a percentage to work after the last recorded period."""

    percent = forms.IntegerField(
        label=_("Percent of full time after the last recorded tjänstgöring"),
        min_value=1,
        max_value=100,
        initial=100,
        widget=forms.NumberInput(attrs=PERCENT_ATTRS),
    )
