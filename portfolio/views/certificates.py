"""Intyg pages: the list, writing a draft, the preview, signing, paper, correction and the PDF.

Whoever may see the ST-läkare reads the intyg. A signer named on an intyg who cannot
otherwise see the ST-läkare (a kursledare with an account, an external assessor) may
open exactly the intyg that names them; everyone else gets 404.
"""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import locking
from accounts.enums import Role
from accounts.models import User
from portfolio import queries
from portfolio.enums import CertificateForm, SignerRole
from portfolio.forms.certificates import CertificateContentForm, PaperForm, SignerForm, SignForm, extra_keys
from portfolio.intyg import forms as intyg_forms
from portfolio.intyg import workflow
from portfolio.intyg.pdf import render_certificate
from portfolio.models import Certificate, Course, OtherActivity, ServicePeriod
from portfolio.service import supervisor_candidates
from portfolio.views.access import get_trainee

WRITE = workflow.WRITE_PERM
PAPER = workflow.PAPER_PERM


def _certificate(request, trainee_pk, pk, *, allow_signer=False):
    """(trainee, intyg, is_reader): 404 unless the user sees the trainee or, when allowed, is named on it."""
    trainee = queries.trainees_for(request.user).filter(pk=trainee_pk).first()
    certs = Certificate.objects.select_related("trainee__user", "trainee__unit", "trainee__specialty")
    if trainee is not None:
        return trainee, get_object_or_404(certs.filter(trainee=trainee), pk=pk), True
    if allow_signer and request.user.is_authenticated:
        cert = certs.filter(pk=pk, trainee_id=trainee_pk, signatures__signer=request.user).distinct().first()
        if cert is not None:
            return cert.trainee, cert, False
    raise Http404


def _state_label(state, waiting):
    labels = {
        workflow.STATE_DRAFT: _("draft"),
        workflow.STATE_SIGNED: _("signed"),
        workflow.STATE_PAPER: _("signed on paper"),
        workflow.STATE_SUPERSEDED: _("superseded"),
    }
    if state == workflow.STATE_WAITING:
        return _("waiting for %(names)s") % {"names": ", ".join(waiting)}
    return labels[state]


def _rows(certs):
    """Each intyg with its state, from rows loaded with the list (no query per intyg)."""
    rows = []
    for cert in certs:
        signatures = list(cert.signatures.all())
        superseded = hasattr(cert, "superseded_by")
        state, waiting = workflow.state_of(cert, signatures, superseded)
        rows.append({"cert": cert, "state": state, "state_label": _state_label(state, waiting)})
    return rows


def _record_choices(trainee):
    """The trainee's records with the form each one gets under the trainee's regulation."""
    code = trainee.regulation.code
    choices = []
    for period in ServicePeriod.objects.filter(trainee=trainee).select_related("unit").order_by("start", "pk"):
        form = intyg_forms.form_for_service_period(code, period)
        choices.append({"kind": _("tjänstgöring"), "param": "service_period", "record": period, "form": form})
    for course in Course.objects.filter(trainee=trainee).order_by("start", "pk"):
        form = intyg_forms.form_for_course(code, course)
        choices.append({"kind": _("course"), "param": "course", "record": course, "form": form})
    for activity in OtherActivity.objects.filter(trainee=trainee).order_by("start", "pk"):
        form = intyg_forms.form_for_activity(code, activity)
        if form is not None:
            choices.append({"kind": activity.get_kind_display(), "param": "activity", "record": activity, "form": form})
    for choice in choices:
        choice["form_label"] = CertificateForm(choice["form"]).label if choice["form"] else ""
    return choices


@login_required
def certificate_list(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk)
    certs = (
        Certificate.objects.filter(trainee=trainee)
        .select_related("superseded_by")
        .prefetch_related("signatures")
        .order_by("form", "created_at", "pk")
    )
    groups = defaultdict(list)
    for row in _rows(certs):
        groups[row["cert"].form].append(row)
    can_write = request.user.has_perm(WRITE, trainee)
    code = trainee.regulation.code
    context = {
        "trainee": trainee,
        "groups": [(CertificateForm(form).label, rows) for form, rows in groups.items()],
        "can_write": can_write,
        "records": _record_choices(trainee) if can_write else [],
        "summary_forms": [(form, CertificateForm(form).label) for form in intyg_forms.summary_forms(code)],
    }
    return render(request, "portfolio/certificates/certificate_list.html", context)


def _record_from(request, trainee):
    """(service_period, course, activity) from the request; 404 for a record of someone else."""
    found = {"service_period": None, "course": None, "activity": None}
    models = {"service_period": ServicePeriod, "course": Course, "activity": OtherActivity}
    for param, model in models.items():
        value = request.POST.get(param) or request.GET.get(param)
        if value:
            if not value.isdigit():
                raise Http404
            found[param] = get_object_or_404(model.objects.filter(trainee=trainee), pk=value)
    return found


@login_required
def certificate_create(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, WRITE)
    form_code = request.POST.get("form") or request.GET.get("form") or ""
    records = _record_from(request, trainee)
    if form_code not in CertificateForm.values:
        messages.error(request, _("Choose an intyg form."))
        return redirect("certificate-list", trainee_pk=trainee.pk)
    if request.method != "POST":
        record = next((value for value in records.values() if value is not None), None)
        context = {"trainee": trainee, "form_code": form_code, "form_label": CertificateForm(form_code).label}
        context.update(record=record, records=records)
        return render(request, "portfolio/certificates/certificate_create.html", context)
    try:
        cert = workflow.draft_for(trainee, by=request.user, form=form_code, **records)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("certificate-list", trainee_pk=trainee.pk)
    messages.success(request, _("A draft intyg was created. Check the content before asking for signatures."))
    return redirect("certificate-update", trainee_pk=trainee.pk, pk=cert.pk)


def _initial(cert):
    initial = {name: getattr(cert, name) for name in ("place", "period_start", "period_end", "subject", "description")}
    initial["goals"] = list(cert.goals.all())
    for key in [*extra_keys(cert.form), "bilaga_nr"]:
        initial[key] = (cert.extra or {}).get(key, "")
    return initial


@login_required
def certificate_update(request, trainee_pk, pk):
    trainee, cert, _reader = _certificate(request, trainee_pk, pk)
    if not request.user.has_perm(WRITE, trainee):
        raise PermissionDenied
    if cert.is_signed or cert.signatures.filter(signed_at__isnull=False).exists():
        messages.error(request, _("This intyg has been signed and can no longer be changed."))
        return redirect("certificate-detail", trainee_pk=trainee.pk, pk=cert.pk)
    if request.method == "POST" and request.POST.get("action") == "signer":
        return _name_signer(request, trainee, cert)
    form = CertificateContentForm(request.POST or None, initial=_initial(cert), trainee=trainee, form_code=cert.form)
    if request.method == "POST" and form.is_valid():
        fields, goals = form.content(cert)
        try:
            workflow.update_draft(cert, by=request.user, goals=goals, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The intyg was saved."))
            return redirect("certificate-detail", trainee_pk=trainee.pk, pk=cert.pk)
    return _render_update(request, trainee, cert, form, _signer_form(trainee, cert))


def _signer_candidates(trainee):
    """Handledare and specialists of the region, the unit's chef and the trainee's own supervisors."""
    people = supervisor_candidates(trainee.unit.region, trainee.main_supervisor_id, trainee.second_specialist_id)
    heads = User.objects.filter(memberships__role=Role.UNIT_HEAD, memberships__unit=trainee.unit_id)
    return (people | heads).distinct().order_by("name")


def _signer_form(trainee, cert, data=None):
    return SignerForm(data, form_code=cert.form, candidates=_signer_candidates(trainee))


def _render_update(request, trainee, cert, form, signer_form):
    context = {
        "trainee": trainee,
        "cert": cert,
        "form": form,
        "signer_form": signer_form,
        "signatures": list(cert.signatures.all()),
    }
    return render(request, "portfolio/certificates/certificate_form.html", context)


def _name_signer(request, trainee, cert):
    signer_form = _signer_form(trainee, cert, request.POST)
    if signer_form.is_valid():
        data = signer_form.cleaned_data
        try:
            workflow.name_signer(
                cert,
                by=request.user,
                role=data["role"],
                signer=data["signer"],
                name=data["name"],
                workplace=data["workplace"],
            )
        except ValidationError as error:
            signer_form.add_error(None, error)
        else:
            messages.success(request, _("The signer was named."))
            return redirect("certificate-update", trainee_pk=trainee.pk, pk=cert.pk)
    form = CertificateContentForm(initial=_initial(cert), trainee=trainee, form_code=cert.form)
    return _render_update(request, trainee, cert, form, signer_form)


def _preview_context(request, trainee, cert, is_reader):
    values = intyg_forms.values_for(cert)
    signatures = list(values.signatures.values())
    superseded = Certificate.objects.filter(supersedes=cert).first()
    state, waiting = workflow.state_of(cert, signatures, superseded is not None)
    user = request.user
    return {
        "trainee": trainee,
        "cert": cert,
        "spec": intyg_forms.form_spec(cert.form),
        "sections": values.sections(),
        "signatures": signatures,
        "state": state,
        "state_label": _state_label(state, waiting),
        "superseded_by": superseded,
        "is_reader": is_reader,
        "my_rows": [row for row in signatures if row.signer_id == user.pk and row.signed_at is None],
        "can_write": is_reader and user.has_perm(WRITE, trainee),
        "can_paper": is_reader and user.has_perm(PAPER, trainee),
    }


@login_required
def certificate_detail(request, trainee_pk, pk):
    trainee, cert, is_reader = _certificate(request, trainee_pk, pk, allow_signer=True)
    context = _preview_context(request, trainee, cert, is_reader)
    return render(request, "portfolio/certificates/certificate_detail.html", context)


@login_required
def certificate_sign(request, trainee_pk, pk):
    trainee, cert, is_reader = _certificate(request, trainee_pk, pk, allow_signer=True)
    role = request.POST.get("role") or request.GET.get("role")
    if role and role not in SignerRole.values:
        raise PermissionDenied  # no row has that role; never sent to the database (PostgreSQL refuses a NUL)
    mine = cert.signatures.filter(signer=request.user)
    mine = mine.filter(role=role) if role else mine
    row = mine.filter(signed_at__isnull=True).first()
    if row is None or cert.is_signed:
        if mine.exists():
            # A page read before the intyg was signed (by this person in another tab, or on paper).
            messages.error(request, _("There is nothing left for you to sign on this intyg."))
            return redirect("certificate-detail", trainee_pk=trainee.pk, pk=cert.pk)
        raise PermissionDenied
    form = SignForm(request.POST or None, seen=workflow.content_fingerprint(cert))
    if request.method == "POST" and form.is_valid():
        try:
            workflow.sign(cert, by=request.user, role=row.role, city=form.cleaned_data["city"], seen=form.seen)
        except ValidationError as error:
            if locking.is_changed(error):
                # Show the intyg as it is now, with its new digest: signing it is a new decision.
                trainee, cert, is_reader = _certificate(request, trainee_pk, pk, allow_signer=True)
                form.reread(workflow.content_fingerprint(cert), error)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("You signed the intyg."))
            return redirect("certificate-detail", trainee_pk=trainee.pk, pk=cert.pk)
    context = _preview_context(request, trainee, cert, is_reader)
    context.update(form=form, row=row)
    return render(request, "portfolio/certificates/certificate_sign.html", context)


@login_required
def certificate_paper(request, trainee_pk, pk):
    trainee, cert, is_reader = _certificate(request, trainee_pk, pk)
    if not request.user.has_perm(PAPER, trainee):
        raise PermissionDenied
    if cert.is_signed:
        messages.error(request, _("This intyg has already been signed."))
        return redirect("certificate-detail", trainee_pk=trainee.pk, pk=cert.pk)
    form = PaperForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.mark_signed_on_paper(cert, by=request.user, signed_on=form.cleaned_data["signed_on"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The intyg was recorded as signed on paper."))
            return redirect("certificate-detail", trainee_pk=trainee.pk, pk=cert.pk)
    context = _preview_context(request, trainee, cert, is_reader)
    context["form"] = form
    return render(request, "portfolio/certificates/certificate_paper.html", context)


@require_POST
@login_required
def certificate_correct(request, trainee_pk, pk):
    trainee, cert, _reader = _certificate(request, trainee_pk, pk)
    if not request.user.has_perm(WRITE, trainee):
        raise PermissionDenied
    try:
        new = workflow.correct(cert, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("certificate-detail", trainee_pk=trainee.pk, pk=cert.pk)
    messages.success(request, _("A corrected draft was created; it replaces the signed intyg once it is signed."))
    return redirect("certificate-update", trainee_pk=trainee.pk, pk=new.pk)


@login_required
def certificate_pdf(request, trainee_pk, pk):
    _trainee, cert, _reader = _certificate(request, trainee_pk, pk, allow_signer=True)
    response = HttpResponse(render_certificate(cert), content_type="application/pdf")
    # The file name carries no personal data: it may end up in a shared downloads folder.
    response["Content-Disposition"] = f'attachment; filename="intyg-{cert.form}-{cert.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
