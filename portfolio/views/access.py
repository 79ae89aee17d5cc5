"""Access-checked getters: every view about a trainee's records starts here.

A trainee outside the user's visibility is a 404 (nobody learns that the record
exists); a visible trainee whose records the user may only read is a 403 on the
actions that change them.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from portfolio import queries


def get_trainee(request, trainee_pk, perm=None):
    """The trainee if the user may see it (else 404) and, when `perm` is given, holds it (else 403)."""
    trainee = get_object_or_404(queries.trainees_for(request.user), pk=trainee_pk)
    if perm is not None and not request.user.has_perm(perm, trainee):
        raise PermissionDenied
    return trainee


def get_record(request, model, trainee_pk, pk, perm=None):
    """A record of `model` belonging to a trainee the user may see; same 404/403 rules."""
    trainee = get_trainee(request, trainee_pk, perm)
    record = get_object_or_404(model.objects.filter(trainee=trainee), pk=pk)
    return trainee, record


def certified(request, record):
    """True (with a message) when an intyg certifies the record, which then cannot be removed.

    The database refuses too (RESTRICT); this turns the refusal into a sentence.
    """
    certificates = getattr(record, "certificates", None)
    if certificates is None or not certificates.exists():
        return False
    messages.error(
        request,
        _("An intyg certifies this record, so it can no longer be removed. If it is wrong, correct the intyg."),
    )
    return True


def posted(request):
    """The POST data to bind a form to, or None on GET: an empty POST (an unticked box
    only) is still a bound form that must show its errors."""
    return request.POST if request.method == "POST" else None
