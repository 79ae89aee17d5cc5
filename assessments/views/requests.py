"""The ST-läkare's requests for kompetensvärdering: list, send, extend, withdraw.

Everyone who may see the trainee reads the list; only the trainee acts on it.
The links themselves are never shown here: they go to the assessor by e-mail only.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import requesting
from assessments.enums import RequestState
from assessments.forms.requests import ExtendForm, RequestForm
from assessments.models import AssessmentRequest
from portfolio.views.access import get_record, get_trainee

REQUEST_PERM = requesting.REQUEST_PERM
ACTIONABLE = {RequestState.OPEN, RequestState.EXPIRED}
STATE_FLAGS = {
    RequestState.OPEN: "flag-warn",
    RequestState.COMPLETED: "flag-ok",
    RequestState.REVOKED: "flag-error",
    RequestState.EXPIRED: "flag-error",
}


@login_required
def request_list(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk)
    now = timezone.now()
    requests = trainee.assessment_requests.prefetch_related("goals").order_by("-created_at", "-pk")
    rows = []
    for req in requests:
        state = req.state(now)
        rows.append({"req": req, "state": state, "flag": STATE_FLAGS[state], "actionable": state in ACTIONABLE})
    context = {
        "trainee": trainee,
        "rows": rows,
        "can_request": request.user.has_perm(REQUEST_PERM, trainee),
        "extend_form": ExtendForm(),
    }
    return render(request, "assessments/requests/request_list.html", context)


@login_required
def request_create(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, REQUEST_PERM)
    form = RequestForm(request.POST or None, trainee=trainee)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            req = requesting.create_request(
                trainee,
                by=request.user,
                kind=data["kind"],
                assessor_name=data["assessor_name"],
                assessor_email=data["assessor_email"],
                assessor_role=data["assessor_role"],
                message=data["message"],
                goals=data["goals"],
                valid_days=data["valid_days"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except OSError:
            # SMTP errors are OSErrors; the request was rolled back with the failed mail.
            form.add_error(None, _("The e-mail could not be sent, so the request was not saved. Try again later."))
        else:
            messages.success(
                request,
                _("The request was sent to %(name)s (%(email)s).")
                % {"name": req.assessor_name, "email": req.assessor_email},
            )
            return redirect("request-list", trainee_pk=trainee.pk)
    return render(request, "assessments/requests/request_form.html", {"trainee": trainee, "form": form})


@require_POST
@login_required
def request_extend(request, trainee_pk, pk):
    trainee, req = get_record(request, AssessmentRequest, trainee_pk, pk, REQUEST_PERM)
    form = ExtendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a number of days from 1 to 90."))
        return redirect("request-list", trainee_pk=trainee.pk)
    try:
        requesting.extend_request(req, by=request.user, days=form.cleaned_data["days"], request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except OSError:
        messages.error(request, _("The e-mail could not be sent, so the link was not extended. Try again later."))
    else:
        messages.success(
            request,
            _("The link to %(name)s is valid until %(date)s; they have been sent it again.")
            % {"name": req.assessor_name, "date": f"{timezone.localtime(req.expires_at):%Y-%m-%d}"},
        )
    return redirect("request-list", trainee_pk=trainee.pk)


@login_required
def request_revoke(request, trainee_pk, pk):
    trainee, req = get_record(request, AssessmentRequest, trainee_pk, pk, REQUEST_PERM)
    if request.method == "POST":
        try:
            requesting.revoke_request(req, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("The request to %(name)s was withdrawn; the link no longer works.") % {"name": req.assessor_name},
            )
        return redirect("request-list", trainee_pk=trainee.pk)
    context = {"trainee": trainee, "req": req, "actionable": req.state() in ACTIONABLE}
    return render(request, "assessments/requests/request_confirm_revoke.html", context)
