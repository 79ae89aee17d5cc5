"""Archiving a trainee who finished or left, and restoring one (portfolio/archive.py).

Both are a confirmation page (GET) and the change (POST), for the studierektor of the
trainee's unit and the region's administrators (`portfolio.archive_trainee`); others who
see the trainee get 403, everyone else 404. Archiving an archived trainee, or restoring an
active one, goes back to the trainee's page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portfolio import archive
from portfolio.forms.archive import ArchiveForm
from portfolio.views.access import get_trainee, posted


@login_required
def trainee_archive(request, pk):
    trainee = get_trainee(request, pk, archive.ARCHIVE_PERM)
    if trainee.is_archived:
        return redirect("trainee-detail", pk=trainee.pk)
    form = ArchiveForm(posted(request))
    if form.is_valid():
        archive.archive(trainee, request.user, form.cleaned_data["reason"])
        messages.success(request, _("%(name)s is archived.") % {"name": trainee.user.name})
        return redirect("trainee-detail", pk=trainee.pk)
    context = {"trainee": trainee, "form": form, "retention_days": archive.retention_days()}
    return render(request, "portfolio/archive/archive_confirm.html", context)


@login_required
def trainee_restore(request, pk):
    trainee = get_trainee(request, pk, archive.ARCHIVE_PERM)
    if not trainee.is_archived:
        return redirect("trainee-detail", pk=trainee.pk)
    if request.method == "POST":
        archive.restore(trainee, request.user)
        messages.success(request, _("%(name)s is active again.") % {"name": trainee.user.name})
        return redirect("trainee-detail", pk=trainee.pk)
    context = {"trainee": trainee, "deletion_day": archive.deletion_day(trainee)}
    return render(request, "portfolio/archive/restore_confirm.html", context)
