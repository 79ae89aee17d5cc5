"""ST-utbildningskontrakt pages (list, write, sign, paper, new version, PDF) and the
studierektor's tillstyrkan pages of a unit.

A contract is read by whoever sees the ST-läkare; a party named on the contract who
cannot otherwise see the ST-läkare (a chef who has moved on) may open exactly that
contract to read and sign it. Everyone else gets 404. A tillstyrkan is read by the
unit's studierektorer and chefer and the region's administrators; 404 for others.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import locking
from accounts.models import Unit
from contracts import agreements
from contracts.forms.agreements import ContractForm, DecisionForm, EndorsementForm, PaperSignatureForm, SignForm
from contracts.models import HiringEndorsement, TrainingContract
from portfolio import queries
from portfolio.pdf import render_pdf
from portfolio.views.access import get_trainee, posted

MANAGE = agreements.MANAGE_PERM
PAPER = agreements.PAPER_PERM
VIEW_ENDORSEMENTS = agreements.VIEW_ENDORSEMENTS_PERM
MANAGE_ENDORSEMENT = agreements.MANAGE_ENDORSEMENT_PERM

CONTRACT_RELATED = ["trainee__user", "trainee__unit__region", "unit", "second_specialist", "supersedes", "created_by"]


# --- Contracts: reading


def _contract(request, pk, *, allow_party=False):
    """(contract, is_reader): 404 unless the user sees the trainee or, when allowed, is a party."""
    contract = get_object_or_404(TrainingContract.objects.select_related(*CONTRACT_RELATED), pk=pk)
    if queries.trainees_for(request.user).filter(pk=contract.trainee_id).exists():
        return contract, True
    if allow_party and contract.signatures.filter(signer=request.user).exists():
        return contract, False
    raise Http404


def _state_label(state, signatures):
    if state == agreements.STATE_WAITING:
        waiting = [row.name or row.get_role_display() for row in signatures if row.signed_at is None]
        return _("waiting for %(names)s") % {"names": ", ".join(waiting)}
    labels = {
        agreements.STATE_DRAFT: _("not signed yet"),
        agreements.STATE_COMPLETED: _("signed by every party"),
        agreements.STATE_SUPERSEDED: _("replaced by a newer version"),
    }
    return labels[state]


def _superseded_by(contract):
    try:
        return contract.superseded_by
    except TrainingContract.DoesNotExist:
        return None


def _describe(contract, signatures=None):
    """What the pages show about a contract: rows in signing order, state and its label."""
    signatures = agreements.ordered(signatures if signatures is not None else contract.signatures.all())
    successor = _superseded_by(contract)
    state = agreements.state_of(contract, signatures, successor is not None)
    return {
        "contract": contract,
        "signatures": signatures,
        "successor": successor,
        "state": state,
        "state_label": _state_label(state, signatures),
        "frozen": agreements.is_frozen(contract, signatures),
        "missing": agreements.missing_parties(signatures),
    }


@login_required
def contract_list(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk)
    contracts = [_describe(contract, list(contract.signatures.all())) for contract in agreements.contracts_for(trainee)]
    context = {
        "trainee": trainee,
        "contracts": contracts,
        "can_create": not contracts and request.user.has_perm(MANAGE, trainee),
    }
    return render(request, "contracts/agreements/contract_list.html", context)


def _detail_context(request, contract, is_reader):
    described = _describe(contract, list(contract.signatures.select_related("signer")))
    user, trainee = request.user, contract.trainee
    current = described["successor"] is None and contract.completed_at is None
    can_manage = is_reader and user.has_perm(MANAGE, trainee)
    return {
        **described,
        "trainee": trainee,
        "is_reader": is_reader,
        "my_rows": [row for row in described["signatures"] if row.signer_id == user.pk and row.signed_at is None]
        if current and not described["missing"]
        else [],
        "can_edit": can_manage and current and not described["frozen"],
        "can_paper": is_reader and current and user.has_perm(PAPER, trainee) and not described["missing"],
        "can_new_version": can_manage and described["successor"] is None and described["frozen"],
    }


@login_required
def contract_detail(request, pk):
    contract, is_reader = _contract(request, pk, allow_party=True)
    return render(request, "contracts/agreements/contract_detail.html", _detail_context(request, contract, is_reader))


# --- Contracts: writing


def _form_values(form):
    return dict(form.cleaned_data)


@login_required
def contract_create(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, MANAGE)
    if TrainingContract.objects.filter(trainee=trainee).exists():
        messages.error(request, _("This ST-läkare already has a contract; make a new version of it instead."))
        return redirect("contract-list", trainee_pk=trainee.pk)
    form = ContractForm(posted(request), initial=agreements.contract_defaults(trainee), trainee=trainee)
    if request.method == "POST" and form.is_valid():
        try:
            contract = agreements.create_contract(trainee, by=request.user, **_form_values(form))
        except ValidationError as error:
            form.add_error(None, error)  # a dict of field errors lands on its fields
        else:
            messages.success(request, _("The contract was created. Each party can now sign it."))
            return redirect("contract-detail", pk=contract.pk)
    return render(request, "contracts/agreements/contract_form.html", {"trainee": trainee, "form": form})


@login_required
def contract_update(request, pk):
    contract, _reader = _contract(request, pk)
    trainee = contract.trainee
    if not request.user.has_perm(MANAGE, trainee):
        raise PermissionDenied
    if _superseded_by(contract) is not None or agreements.is_frozen(contract):
        messages.error(request, _("A party has signed this contract, so it can no longer be changed."))
        return redirect("contract-detail", pk=contract.pk)
    form = ContractForm(posted(request), initial=agreements.current_fields(contract), trainee=trainee)
    if request.method == "POST" and form.is_valid():
        try:
            agreements.update_contract(contract, by=request.user, **_form_values(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The contract was saved."))
            return redirect("contract-detail", pk=contract.pk)
    context = {"trainee": trainee, "form": form, "contract": contract}
    return render(request, "contracts/agreements/contract_form.html", context)


@login_required
def contract_sign(request, pk):
    contract, is_reader = _contract(request, pk, allow_party=True)
    context = _detail_context(request, contract, is_reader)
    role = request.POST.get("role") or request.GET.get("role") or None
    own = [row for row in context["signatures"] if row.signer_id == request.user.pk and role in (None, row.role)]
    if not own:
        raise PermissionDenied
    rows = [row for row in context["my_rows"] if row in own]
    if not rows:
        messages.error(request, _("There is nothing for you to sign on this contract now."))
        return redirect("contract-detail", pk=contract.pk)
    row = rows[0]
    form = SignForm(posted(request), seen=agreements.contract_fingerprint(contract))
    if request.method == "POST" and form.is_valid():
        try:
            agreements.sign_contract(contract, by=request.user, role=row.role, seen=form.seen)
        except ValidationError as error:
            if locking.is_changed(error):
                # Show the contract as it is now, with its new digest: signing it is a new decision.
                contract, is_reader = _contract(request, pk, allow_party=True)
                context = _detail_context(request, contract, is_reader)
                form.reread(agreements.contract_fingerprint(contract), error)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("You signed the contract."))
            return redirect("contract-detail", pk=contract.pk)
    context.update(form=form, row=row)
    return render(request, "contracts/agreements/contract_sign.html", context)


@login_required
def contract_paper(request, pk):
    contract, is_reader = _contract(request, pk)
    if not request.user.has_perm(PAPER, contract.trainee):
        raise PermissionDenied
    context = _detail_context(request, contract, is_reader)
    unsigned = [row for row in context["signatures"] if row.signed_at is None]
    if not context["can_paper"] or not unsigned:
        messages.error(request, _("No signature can be recorded on this contract now."))
        return redirect("contract-detail", pk=contract.pk)
    form = PaperSignatureForm(posted(request), rows=unsigned)
    if request.method == "POST" and form.is_valid():
        try:
            row = agreements.record_paper_signature(contract, by=request.user, role=form.cleaned_data["role"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The signature of %(name)s on paper was recorded.") % {"name": row.name})
            return redirect("contract-detail", pk=contract.pk)
    context["form"] = form
    return render(request, "contracts/agreements/contract_paper.html", context)


@require_POST
@login_required
def contract_new_version(request, pk):
    contract, _reader = _contract(request, pk)
    if not request.user.has_perm(MANAGE, contract.trainee):
        raise PermissionDenied
    try:
        new = agreements.new_version(contract, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("contract-detail", pk=contract.pk)
    messages.success(request, _("A new version was created from this contract. Check it; then each party signs it."))
    return redirect("contract-update", pk=new.pk)


def _pdf_response(content, filename):
    response = HttpResponse(content, content_type="application/pdf")
    # The file name carries no personal data: it may end up in a shared downloads folder.
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def contract_pdf(request, pk):
    contract, _reader = _contract(request, pk, allow_party=True)
    context = {**_describe(contract, list(contract.signatures.all())), "today": timezone.localdate()}
    return _pdf_response(render_pdf("pdf/contract.html", context), f"utbildningskontrakt-{contract.pk}.pdf")


# --- Tillstyrkan


def _unit(request, unit_pk, perm=None):
    """The unit if the user may read its tillstyrkanden (else 404) and holds `perm` (else 403)."""
    unit = get_object_or_404(Unit.objects.select_related("region", "specialty"), pk=unit_pk)
    if not request.user.has_perm(VIEW_ENDORSEMENTS, unit):
        raise Http404
    if perm is not None and not request.user.has_perm(perm, unit):
        raise PermissionDenied
    return unit


def _endorsement(request, unit_pk, pk, perm=None):
    unit = _unit(request, unit_pk, perm)
    related = ("candidate", "planned_supervisor", "decided_by")
    endorsement = get_object_or_404(HiringEndorsement.objects.select_related(*related).filter(unit=unit), pk=pk)
    return unit, endorsement


def with_labels(check):
    """Stored criteria rows with the outcome's label for the page."""
    return [{**row, "label": agreements.outcome_label(row.get("outcome"))} for row in check]


@login_required
def endorsement_list(request, unit_pk):
    unit = _unit(request, unit_pk)
    context = {
        "unit": unit,
        "endorsements": list(agreements.endorsements_for(unit)),
        "criteria": with_labels(agreements.criteria_check(unit, timezone.localdate())),
        "today": timezone.localdate(),
        "can_manage": request.user.has_perm(MANAGE_ENDORSEMENT, unit),
    }
    return render(request, "contracts/agreements/endorsement_list.html", context)


def _endorsement_form_page(request, unit, form, endorsement=None):
    context = {
        "unit": unit,
        "form": form,
        "endorsement": endorsement,
        "criteria": with_labels(agreements.criteria_check(unit, timezone.localdate())),
        "today": timezone.localdate(),
    }
    return render(request, "contracts/agreements/endorsement_form.html", context)


@login_required
def endorsement_create(request, unit_pk):
    unit = _unit(request, unit_pk, MANAGE_ENDORSEMENT)
    form = EndorsementForm(posted(request), unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            endorsement = agreements.create_endorsement(unit, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The tillstyrkan was saved. Record the decision when you have made it."))
            return redirect("endorsement-detail", unit_pk=unit.pk, pk=endorsement.pk)
    return _endorsement_form_page(request, unit, form)


@login_required
def endorsement_update(request, unit_pk, pk):
    unit, endorsement = _endorsement(request, unit_pk, pk, MANAGE_ENDORSEMENT)
    if endorsement.decision:
        messages.error(request, _("The tillstyrkan has been decided and can no longer be changed."))
        return redirect("endorsement-detail", unit_pk=unit.pk, pk=endorsement.pk)
    initial = {name: getattr(endorsement, name) for name in agreements.ENDORSEMENT_INPUTS}
    form = EndorsementForm(posted(request), initial=initial, unit=unit, current_candidate_id=endorsement.candidate_id)
    if request.method == "POST" and form.is_valid():
        try:
            agreements.update_endorsement(endorsement, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The tillstyrkan was saved."))
            return redirect("endorsement-detail", unit_pk=unit.pk, pk=endorsement.pk)
    return _endorsement_form_page(request, unit, form, endorsement)


def _criteria_shown(unit, endorsement, today):
    """Decided: the criteria the decision was based on. Undecided: what it would store today."""
    return endorsement.criteria_check if endorsement.decision else agreements.criteria_check(unit, today)


def _endorsement_page(request, unit, endorsement, decision_form=None):
    can_manage = request.user.has_perm(MANAGE_ENDORSEMENT, unit)
    today = timezone.localdate()
    check = _criteria_shown(unit, endorsement, today)
    context = {
        "unit": unit,
        "endorsement": endorsement,
        "criteria": with_labels(check),
        "today": today,
        "can_manage": can_manage and not endorsement.decision,
        "decision_form": decision_form or (DecisionForm() if can_manage and not endorsement.decision else None),
    }
    return render(request, "contracts/agreements/endorsement_detail.html", context)


@login_required
def endorsement_detail(request, unit_pk, pk):
    unit, endorsement = _endorsement(request, unit_pk, pk)
    return _endorsement_page(request, unit, endorsement)


@require_POST
@login_required
def endorsement_decide(request, unit_pk, pk):
    unit, endorsement = _endorsement(request, unit_pk, pk, MANAGE_ENDORSEMENT)
    if endorsement.decision:
        messages.error(request, _("The tillstyrkan has been decided and can no longer be changed."))
        return redirect("endorsement-detail", unit_pk=unit.pk, pk=endorsement.pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            agreements.decide_endorsement(
                endorsement, by=request.user, decision=form.cleaned_data["decision"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("endorsement-detail", unit_pk=unit.pk, pk=endorsement.pk)
    return _endorsement_page(request, unit, endorsement, form)


@login_required
def endorsement_pdf(request, unit_pk, pk):
    unit, endorsement = _endorsement(request, unit_pk, pk)
    today = timezone.localdate()
    check = _criteria_shown(unit, endorsement, today)
    context = {"unit": unit, "endorsement": endorsement, "criteria": with_labels(check), "today": today}
    return _pdf_response(render_pdf("pdf/endorsement.html", context), f"tillstyrkan-{endorsement.pk}.pdf")
