"""The assessor's link: one form, no login, nothing else of the portfolio.

The page shows only the trainee's name, the kind of assessment, the template's guidance,
the trainee's message and the suggested delmål. A link that no longer works says why,
and nothing more: 404 for a token we cannot read (mistyped, tampered, superseded),
410 Gone for one that was used, withdrawn or has expired.
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import requesting
from assessments.enums import RequestState
from assessments.forms.requests import AssessorForm

THANKS_TAG = "assessor-thanks"
CLOSED_TEMPLATES = {
    RequestState.COMPLETED: "assessments/public/completed.html",
    RequestState.REVOKED: "assessments/public/revoked.html",
    RequestState.EXPIRED: "assessments/public/expired.html",
}


def private_page(view):
    """The link is a secret: never cache it, never send it to another site as a Referer,
    never index it. (Same-origin, not no-referrer: with no-referrer browsers post the form
    with "Origin: null", which the CSRF check rightly refuses.)"""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapped


@private_page
def assessor_form(request, token):
    req = requesting.find_request(token)
    if req is None:
        return render(request, "assessments/public/invalid.html", status=404)
    state = req.state()
    if state != RequestState.OPEN:
        return _closed(request, state)
    assessment = requesting.new_assessment(req)
    if assessment is None:
        # The kind's template was removed after the request was sent; the link cannot be used.
        return render(request, "assessments/public/invalid.html", status=404)
    suggested = list(req.goals.all())
    initial = {"assessor_name": req.assessor_name}
    form = AssessorForm(request.POST or None, instance=assessment, suggested_goals=suggested, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            requesting.complete_request(req, form, assessor_name=form.cleaned_data["assessor_name"])
        except ValidationError:
            # Completed, withdrawn or expired while the form was open: the GET says which.
            return redirect("assessor-form", token=token)
        messages.success(request, _("Thank you! Your assessment has been signed and saved."), extra_tags=THANKS_TAG)
        return redirect("assessor-form", token=token)
    context = {
        "req": req,
        "trainee_name": req.trainee.user.name,
        "guidance": assessment.template.guidance,
        "suggested_goals": suggested,
        "form": form,
        "expires": timezone.localtime(req.expires_at),
    }
    return render(request, "assessments/public/form.html", context)


def _closed(request, state):
    # Right after the assessor's own submit the completed page is a success, not a dead link.
    thanked = request.method == "GET" and any(THANKS_TAG in m.tags for m in messages.get_messages(request))
    status = 200 if state == RequestState.COMPLETED and thanked else 410
    return render(request, CLOSED_TEMPLATES[state], {"thanked": thanked}, status=status)
