"""Forms of the intyg pages: the draft's content, signing, and signed on paper."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.locking import SeenFormMixin
from portfolio.enums import SignerRole
from portfolio.forms.service import DateInput
from portfolio.intyg.forms import all_roles, form_spec
from portfolio.queries import trainee_goals

# Fields of some forms that have no column of their own: they live in Certificate.extra.
EXTRA_FIELDS = {
    "verification": _("How it was checked that the delmål was reached"),
    "primary_care": _("Part of the service in primary care"),
    "acute_care": _("Part of the service in acute care"),
    "course_leader": _("Kursledare"),
}


def extra_keys(form_code):
    """The extra fields a form prints, in the form's order."""
    sources = [field["source"] for section in form_spec(form_code)["sections"] for field in section["fields"]]
    keys = [source.removeprefix("extra:") for source in sources if source.startswith("extra:")]
    if "course_leader" in sources:
        keys.append("course_leader")
    return keys


def _used_sources(form_code):
    return {field["source"] for section in form_spec(form_code)["sections"] for field in section["fields"]}


class CertificateContentForm(forms.Form):
    """What the ST-läkare writes on the intyg; only the fields the form prints are shown."""

    goals = forms.ModelMultipleChoiceField(
        label=_("delmål"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    place = forms.CharField(label=_("Place (tjänstgöringsställe or kursgivare)"), max_length=300, required=False)
    period_start = forms.DateField(label=_("Period from"), required=False, widget=DateInput)
    period_end = forms.DateField(label=_("Period to"), required=False, widget=DateInput)
    subject = forms.CharField(label=_("Subject (as a heading)"), max_length=300, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    bilaga_nr = forms.CharField(
        label=_("Bilaga nr"),
        max_length=10,
        required=False,
        help_text=_("The number of this bilaga in your application, if you know it."),
    )

    def __init__(self, *args, trainee, form_code, **kwargs):
        super().__init__(*args, **kwargs)
        sources = _used_sources(form_code)
        self.fields["goals"].queryset = trainee_goals(trainee)
        keep = {"bilaga_nr"}
        if "goal_codes" in sources:
            keep.add("goals")
        if sources & {"place", "place_and_period", "course_leader"}:
            keep.add("place")
        if sources & {"period", "place_and_period", "subject_and_period"}:
            keep |= {"period_start", "period_end"}
        if sources & {"subject", "subject_and_period"}:
            keep.add("subject")
        if "description" in sources:
            keep.add("description")
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        for key in extra_keys(form_code):
            widget = forms.TextInput if key == "course_leader" else forms.Textarea(attrs={"rows": 4})
            self.fields[key] = forms.CharField(label=EXTRA_FIELDS[key], required=False, widget=widget)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period must end on or after its start."))
        return data

    def content(self, cert):
        """(fields for update_draft, goals or None) from the cleaned data."""
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in ("place", "period_start", "period_end", "subject", "description")
            if name in data
        }
        extra = dict(cert.extra or {})
        for key in [*extra_keys(cert.form), "bilaga_nr"]:
            if key in data:
                extra[key] = data[key].strip()
        fields["extra"] = extra
        return fields, data.get("goals") if "goals" in self.fields else None


class SignForm(SeenFormMixin, forms.Form):
    """The signer's city and confirmation, with the digest of the intyg as the page showed it (hidden)."""

    city = forms.CharField(label=_("Ort (city)"), max_length=100)
    confirm = forms.BooleanField(
        label=_("I have read the intyg and sign it. The signature cannot be withdrawn."), required=True
    )


class PaperForm(forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput)
    confirm = forms.BooleanField(
        label=_("The printed intyg has been signed by hand by every signer. It can no longer be changed."),
        required=True,
    )

    def clean_signed_on(self):
        day = self.cleaned_data["signed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date of signing cannot be in the future."))
        return day


class SignerForm(forms.Form):
    """Name who signs one role of the intyg: a person with an account, or a name for paper signing."""

    role = forms.ChoiceField(label=_("Role"))
    signer = forms.ModelChoiceField(
        label=_("Person with an account"),
        queryset=None,
        required=False,
        help_text=_("Only a person with an account can sign in the application."),
    )
    name = forms.CharField(label=_("Name, when the person has no account"), max_length=200, required=False)
    workplace = forms.CharField(label=_("Tjänsteställe"), max_length=200, required=False)

    def __init__(self, *args, form_code, candidates, **kwargs):
        super().__init__(*args, prefix="signer", **kwargs)
        self.fields["role"].choices = [(role, SignerRole(role).label) for role in all_roles(form_code)]
        self.fields["signer"].queryset = candidates

    def clean(self):
        data = super().clean()
        if not data.get("signer") and not (data.get("name") or "").strip():
            raise forms.ValidationError(_("Choose a person or write the signer's name."))
        return data
