"""The form for logging a handledning."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portfolio import queries, service
from portfolio.forms.service import DateInput, TraineeRecordForm
from portfolio.models import Goal, SupervisionMeeting


class SupervisionMeetingForm(TraineeRecordForm):
    class Meta:
        model = SupervisionMeeting
        fields = ["date", "minutes", "kind", "supervisor", "topics", "goals", "notes"]
        widgets = {
            "date": DateInput(),
            "minutes": forms.NumberInput(attrs={"min": 5, "max": 600, "step": 5, "inputmode": "numeric"}),
            "goals": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"goals": _("The delmål you talked about, if any.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        trainee, meeting = self.trainee, self.instance
        self.fields["supervisor"].queryset = service.supervisor_candidates(
            trainee.unit.region_id, meeting.supervisor_id, trainee.main_supervisor_id
        )
        goals = queries.trainee_goals(trainee)
        if meeting.pk:
            # Delmål linked earlier stay choosable even if the målbeskrivning has changed since.
            goals = Goal.objects.filter(Q(pk__in=goals.values("pk")) | Q(pk__in=meeting.goals.values("pk"))).order_by(
                "-curriculum__kind", "position"
            )
        self.fields["goals"].queryset = goals
        if meeting.pk is None:
            # model_to_dict() put the empty values in initial; fill them unless the caller chose.
            self.initial["date"] = self.initial.get("date") or timezone.localdate()
            self.initial["supervisor"] = self.initial.get("supervisor") or trainee.main_supervisor_id

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise ValidationError(
                _("A handledning is logged once it has taken place; the date cannot be in the future."),
                code="future",
            )
        return day
