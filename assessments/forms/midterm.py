"""Forms of Mitt-i-ST: start, one form per step, and the edit form.

They only collect and convert the input. The rules (what each step needs, dates not in
the future, dates in order, the report as a PDF) are checked by assessments/midterm.py,
whose errors the views put back on these forms' fields. The fields are built from the
model's fields, with the labels the domain module uses in its messages.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.midterm import ALWAYS_EDITABLE, STEPS, editable_fields, field_label, reached_steps
from assessments.models import MidTermEvaluation
from portfolio.forms.service import DateInput
from portfolio.uploads import MAX_PDF_MEGABYTES

TEXT_ROWS = {"report_summary": 5, "rest_of_st_plan": 6}


def _plan_label(plan):
    return _("version %(version)s (%(status)s)") % {"version": plan.version, "status": plan.get_status_display()}


def model_field(name, *, trainee, required=False):
    """A form field for one of MidTermEvaluation's fields, with the widget the page uses."""
    source = MidTermEvaluation._meta.get_field(name)
    if name == "plan_version":
        field = forms.ModelChoiceField(
            queryset=trainee.plans.order_by("-version"),
            empty_label=_("no IUP version chosen"),
            help_text=_("The IUP version in which the plan for the rest of ST is written."),
        )
        field.label_from_instance = _plan_label
    elif name == "report_file":
        # A plain file input: the default clearable one prints the storage URL.
        field = forms.FileField(
            widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
            help_text=_("Optional. A PDF of at most %(max)s MB.") % {"max": MAX_PDF_MEGABYTES},
        )
    else:
        field = source.formfield()
        if isinstance(field, forms.DateField):
            field.widget = DateInput()
        elif isinstance(field.widget, forms.Textarea):
            field.widget.attrs["rows"] = TEXT_ROWS.get(name, 3)
        elif name == "video_consultations":
            field.widget.attrs.update({"min": 0, "inputmode": "numeric"})
    field.label = field_label(name)
    field.required = required
    return field


def _initial(mid, names):
    if mid is None:
        return {}
    initial = {name: getattr(mid, name) for name in names if name not in ("report_file", "plan_version")}
    if "plan_version" in names:
        initial["plan_version"] = mid.plan_version_id
    return initial


class StartForm(forms.Form):
    desired_date = forms.DateField(
        label=field_label("desired_date"),
        required=False,
        widget=DateInput(),
        help_text=_("Optional. Leave it empty to plan for the computed target date."),
    )


class StepForm(forms.Form):
    """The fields of one step; `step` is posted back so a second click cannot record the next step."""

    step = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, step, trainee, mid=None, **kwargs):
        spec = STEPS[step]
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {"step": step, **_initial(mid, spec.fields), **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        self.spec = spec
        for name in spec.fields:
            self.fields[name] = model_field(name, trainee=trainee, required=name in spec.required)

    @property
    def values(self):
        """The step's fields from the cleaned data, for `midterm.advance`."""
        return {name: self.cleaned_data.get(name) for name in self.spec.fields}


class EditForm(forms.Form):
    """The details of the steps reached so far, and the notes."""

    def __init__(self, *args, trainee, mid, **kwargs):
        names = editable_fields(mid.status)
        kwargs["initial"] = {**_initial(mid, names), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        required = {name for step in reached_steps(mid.status) for name in step.required}
        for name in names:
            self.fields[name] = model_field(name, trainee=trainee, required=name in required)
        if "report_file" in self.fields and mid.report_file:
            self.fields["report_file"].help_text = _("Upload a new PDF only to replace the report that is stored.")
        self.order_fields([*names[len(ALWAYS_EDITABLE) :], *ALWAYS_EDITABLE])

    @property
    def values(self):
        """The edited fields for `midterm.update_details`; a file only when a new one was chosen."""
        values = dict(self.cleaned_data)
        if not values.get("report_file"):
            values.pop("report_file", None)
        return values
