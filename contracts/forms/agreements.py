"""Forms of the ST-utbildningskontrakt and the tillstyrkan: the text and parties, the
confirmation before signing, the paper signature and the decision."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.locking import SeenFormMixin
from accounts.models import User
from contracts import agreements
from contracts.enums import EndorsementDecision
from portfolio.forms.service import DateInput
from portfolio.service import supervisor_candidates

TEXTAREA = {"rows": 4}


class ContractForm(forms.Form):
    """The contract's text and parties; the huvudhandledare and the ST-läkare come from the trainee."""

    start = forms.DateField(label=_("Start of ST at the unit"), widget=DateInput)
    unit_head = forms.ModelChoiceField(
        label=_("Verksamhetschef/enhetschef"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("– not chosen –"),
    )
    unit_head_name = forms.CharField(
        label=_("Name of the chef, when they have no account"),
        max_length=200,
        required=False,
        help_text=_("A chef without an account signs on paper; the studierektor records it."),
    )
    study_director = forms.ModelChoiceField(
        label=_("Studierektor"), queryset=User.objects.none(), required=False, empty_label=_("– not chosen –")
    )
    second_specialist = forms.ModelChoiceField(
        label=_("Second specialist"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("– none –"),
        help_text=_("The specialist besides the huvudhandledare who follows the training and takes part at the end."),
    )
    unit_duties = forms.CharField(label=_("The unit undertakes"), widget=forms.Textarea(attrs=TEXTAREA))
    supervisor_duties = forms.CharField(
        label=_("The huvudhandledare undertakes"), widget=forms.Textarea(attrs=TEXTAREA)
    )
    study_director_duties = forms.CharField(
        label=_("The studierektor undertakes"), widget=forms.Textarea(attrs=TEXTAREA)
    )
    trainee_duties = forms.CharField(label=_("The ST-läkare undertakes"), widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args, trainee, **kwargs):
        super().__init__(*args, **kwargs)
        self.trainee = trainee
        self.fields["unit_head"].queryset = agreements.unit_heads(trainee.unit_id)
        directors = agreements.unit_study_directors(trainee.unit_id) | User.objects.filter(pk=trainee.study_director_id)
        self.fields["study_director"].queryset = directors.distinct().order_by("name", "pk")
        candidates = supervisor_candidates(trainee.unit.region, trainee.second_specialist_id)
        self.fields["second_specialist"].queryset = candidates.exclude(
            pk__in=[pk for pk in (trainee.user_id, trainee.main_supervisor_id) if pk]
        )

    def clean(self):
        data = super().clean()
        if data.get("unit_head") and (data.get("unit_head_name") or "").strip():
            self.add_error("unit_head_name", _("Choose the chef from the list or write a name, not both."))
        return data


class SignForm(SeenFormMixin, forms.Form):
    """The party's confirmation, with the digest of the contract as the page showed it (hidden)."""

    confirm = forms.BooleanField(
        label=_("I have read the contract and sign it. The signature cannot be withdrawn."),
        error_messages={"required": _("Tick the box to confirm that you sign the contract.")},
    )


class PaperSignatureForm(forms.Form):
    """The studierektor records that one party signed the printed contract."""

    role = forms.ChoiceField(label=_("Party"))
    confirm = forms.BooleanField(
        label=_("This party has signed the printed contract by hand. It cannot be undone."),
        error_messages={"required": _("Tick the box to confirm the signature on paper.")},
    )

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(row.role, f"{row.get_role_display()} – {row.name}") for row in rows]


class EndorsementForm(forms.Form):
    candidate_name = forms.CharField(label=_("Applicant"), max_length=200)
    candidate = forms.ModelChoiceField(
        label=_("Applicant's account, if they have one"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("– no account –"),
    )
    planned_start = forms.DateField(label=_("Planned start"), widget=DateInput)
    planned_supervisor = forms.ModelChoiceField(
        label=_("Planned huvudhandledare"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("– not yet known –"),
        help_text=_("A handledare of the unit."),
    )
    previous_supervisor_statement = forms.CharField(
        label=_("Statement of the previous handledare"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the applicant's previous handledare wrote, or a summary of it."),
    )

    def __init__(self, *args, unit, current_candidate_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["planned_supervisor"].queryset = agreements.unit_supervisors(unit.pk)
        # Someone with an account is usually already an ST- or BT-läkare in the region.
        accounts = User.objects.filter(trainee__unit__region=unit.region_id)
        if current_candidate_id:
            accounts = accounts | User.objects.filter(pk=current_candidate_id)
        self.fields["candidate"].queryset = accounts.distinct().order_by("name", "pk")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=EndorsementDecision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Required when the hiring is not endorsed."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that the decision is final and cannot be changed."),
        error_messages={"required": _("Tick the box to confirm the decision.")},
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == EndorsementDecision.NOT_ENDORSED and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason why the hiring is not endorsed."))
        return data
