"""The handledarutlåtande form: one text per delmål group of the trainee's målbeskrivning,
and the signing confirmation."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from assessments.enums import StatementKind
from assessments.models import SupervisorStatement
from assessments.statements import bt_placements
from portfolio import queries
from portfolio.enums import GoalGroup
from portfolio.forms.service import DateInput

PROGRESS_PREFIX = "progress_"
TEXT_FIELDS = ("strengths", "to_develop", "risk_note")


def goal_groups(trainee, kind):
    """[(group, codes)] for the delmål groups of the trainee, in the målbeskrivning's order.

    The BT summary is about the BT delmål only; the yearly statement covers every group.
    """
    groups = {}
    for goal in queries.trainee_goals(trainee):
        groups.setdefault(goal.group, []).append(goal.code)
    if kind == StatementKind.BT_PLACEMENT:
        groups = {group: codes for group, codes in groups.items() if group == GoalGroup.BT}
    return list(groups.items())


def group_label(group, codes):
    """ "Delmål a (a1–a6)": the group and the span of its codes."""
    span = codes[0] if len(codes) == 1 else f"{codes[0]}–{codes[-1]}"
    return _("Delmål %(group)s (%(codes)s)") % {"group": GoalGroup(group).label, "codes": span}


class StatementForm(forms.ModelForm):
    """Pass an instance with `trainee` and `kind` set (see assessments.statements.start_statement)."""

    class Meta:
        model = SupervisorStatement
        fields = [
            "period_start",
            "period_end",
            "service_period",
            "strengths",
            "to_develop",
            "on_track",
            "at_risk",
            "risk_note",
        ]
        widgets = {
            "period_start": DateInput(),
            "period_end": DateInput(),
            "on_track": forms.RadioSelect,
            **{name: forms.Textarea(attrs={"rows": 4}) for name in TEXT_FIELDS},
        }
        help_texts = {
            "risk_note": _("Required when there is a risk: what the risk is and what is being done about it."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        statement = self.instance
        self.is_bt = statement.kind == StatementKind.BT_PLACEMENT
        if self.is_bt:
            # The summary covers the placement; its period is the placement's.
            del self.fields["period_start"], self.fields["period_end"]
            field = self.fields["service_period"]
            field.queryset = bt_placements(statement.trainee)
            field.required = True
            field.empty_label = _("Choose the BT placement")
            field.label_from_instance = lambda period: (
                f"{period.get_kind_display()}, {period.place} {period.start:%Y-%m-%d}–{period.end:%Y-%m-%d}"
            )
        else:
            del self.fields["service_period"]
        self.fields["on_track"].choices = [c for c in self.fields["on_track"].choices if c[0]]
        self.progress_names = []
        stored = statement.progress or {}
        for group, codes in goal_groups(statement.trainee, statement.kind):
            name = PROGRESS_PREFIX + group
            self.fields[name] = forms.CharField(
                label=group_label(group, codes),
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial=stored.get(group, ""),
            )
            self.progress_names.append(name)
        self.order_fields(["period_start", "period_end", "service_period", *self.progress_names])

    @property
    def progress_fields(self):
        return [self[name] for name in self.progress_names]

    @property
    def other_fields(self):
        return [field for field in self if field.name not in self.progress_names]

    def clean(self):
        cleaned = super().clean()
        period = cleaned.get("service_period")
        if self.is_bt and period is not None:
            self.instance.period_start, self.instance.period_end = period.start, period.end
        if not any(cleaned.get(name, "").strip() for name in self.progress_names) and not (
            cleaned.get("strengths", "").strip() or cleaned.get("to_develop", "").strip()
        ):
            raise ValidationError(
                _("Write something about the progress, the strengths or what to develop."), code="empty"
            )
        return cleaned

    def _post_clean(self):
        # Groups no longer in the målbeskrivning keep what was written about them.
        progress = dict(self.instance.progress or {})
        for name in self.progress_names:
            group = name.removeprefix(PROGRESS_PREFIX)
            text = self.cleaned_data.get(name, "").strip()
            if text:
                progress[group] = text
            else:
                progress.pop(group, None)
        self.instance.progress = progress
        super()._post_clean()


class SignConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have read the handledarutlåtande and sign it. I understand that it cannot be changed afterwards."),
        required=True,
        error_messages={"required": _("Tick the box to confirm that you sign the handledarutlåtande.")},
    )
