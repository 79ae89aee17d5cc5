from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.domain import policy_for
from accounts.models import MandatoryCourse
from portfolio.models import Course, OtherActivity
from portfolio.queries import trainee_goals
from portfolio.uploads import MAX_PDF_MEGABYTES, validate_pdf


def mandatory_courses_for(trainee):
    """The region's mandatory courses for the trainee's specialty (or for every specialty)."""
    policy = policy_for(trainee.unit.region)
    return policy.mandatory_courses.filter(Q(specialty=trainee.specialty_id) | Q(specialty__isnull=True))


def mandatory_courses_with_status(trainee):
    """Mandatory courses annotated with `done`: some course of the trainee says it fulfils it."""
    fulfilled = Course.objects.filter(trainee=trainee, mandatory_course=OuterRef("pk"))
    return mandatory_courses_for(trainee).annotate(done=Exists(fulfilled)).order_by("name")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class CourseForm(forms.ModelForm):
    remove_certificate = forms.BooleanField(label=_("Remove the uploaded certificate"), required=False)
    field_order = [
        "title",
        "provider",
        "start",
        "end",
        "mandatory_course",
        "goals",
        "certificate",
        "remove_certificate",
    ]

    class Meta:
        model = Course
        fields = ["title", "provider", "start", "end", "mandatory_course", "goals", "certificate", "notes"]
        widgets = {
            "start": DateInput(),
            "end": DateInput(),
            "goals": forms.CheckboxSelectMultiple,
            # A plain file input: the default clearable one prints the storage URL.
            "certificate": forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, trainee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goals"].queryset = trainee_goals(trainee)
        choices = Q(pk__in=mandatory_courses_for(trainee).values("pk"))
        if self.instance.mandatory_course_id:
            # Keep a choice the region has since removed, so the course can still be saved.
            choices |= Q(pk=self.instance.mandatory_course_id)
        self.fields["mandatory_course"].queryset = MandatoryCourse.objects.filter(choices).order_by("name")
        self.fields["mandatory_course"].empty_label = _("not a mandatory course")
        self.fields["certificate"].validators.append(validate_pdf)
        self.fields["certificate"].help_text = _("Optional. A PDF of at most %(max)s MB.") % {"max": MAX_PDF_MEGABYTES}
        if not self.instance.certificate:
            del self.fields["remove_certificate"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("remove_certificate") and self.new_certificate:
            self.add_error("remove_certificate", _("Either upload a new certificate or remove it, not both."))
        return cleaned

    @property
    def new_certificate(self):
        """The uploaded file when the user chose one, else None."""
        if "certificate" in self.changed_data:
            return self.cleaned_data.get("certificate") or None
        return None


class OtherActivityForm(forms.ModelForm):
    class Meta:
        model = OtherActivity
        fields = ["kind", "title", "start", "end", "goals", "description"]
        widgets = {
            "start": DateInput(),
            "end": DateInput(),
            "goals": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, trainee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goals"].queryset = trainee_goals(trainee)
