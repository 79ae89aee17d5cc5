"""Forms of the anonymous survey: creating one for a unit, and answering it."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts import survey as domain
from contracts.models import Survey
from portfolio.forms.service import DateInput

# Long enough for people on leave or on call to find a day to answer.
DEFAULT_OPEN_DAYS = 21
FIELD_PREFIX = "q_"


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = ["title", "opens_on", "closes_on"]
        widgets = {"opens_on": DateInput(), "closes_on": DateInput()}
        labels = {"title": _("Title"), "opens_on": _("First day to answer"), "closes_on": _("Last day to answer")}
        help_texts = {
            "opens_on": _("The invited people can answer from this day."),
            "closes_on": _("Those who have not answered get a reminder during the last week."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.initial.setdefault("title", _("Survey before the SPUR inspection %(year)s") % {"year": today.year})
        self.initial.setdefault("opens_on", today)
        self.initial.setdefault("closes_on", today + timedelta(days=DEFAULT_OPEN_DAYS))

    def clean(self):
        cleaned = super().clean()
        opens_on, closes_on = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens_on and closes_on:
            try:
                domain.check_dates(opens_on, closes_on, timezone.localdate())
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


class AnswerForm(forms.Form):
    """One field per question of the group: radio buttons 1–5 (with "don't know") for a
    scale question, a text box for a comment. Every question may be left out."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        labels = domain.scale_labels()
        scale_choices = [(str(step), f"{step} – {labels[step]}") for step in domain.SCALE_STEPS]
        scale_choices.append(("", _("Don't know / not applicable")))
        for question in questions:
            self.fields[FIELD_PREFIX + question.code] = self._field(question, scale_choices)

    @staticmethod
    def _field(question, scale_choices):
        if question.is_scale:
            return forms.TypedChoiceField(
                label=question.text,
                choices=scale_choices,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
        return forms.CharField(
            label=question.text,
            required=False,
            max_length=domain.COMMENT_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 4}),
        )

    def sections(self):
        """[(area label, [bound fields])] in the order of the questions."""
        sections = {}
        for question in self.questions:
            sections.setdefault(question.area_label, []).append(self[FIELD_PREFIX + question.code])
        return list(sections.items())

    def answers(self):
        """{question code: value} of the cleaned form, for contracts.survey.submit_response."""
        return {question.code: self.cleaned_data.get(FIELD_PREFIX + question.code) for question in self.questions}

    def clean(self):
        cleaned = super().clean()
        if not any(value not in (None, "") for value in cleaned.values()):
            raise ValidationError(_("Answer at least one question before you send."), code="empty")
        return cleaned
