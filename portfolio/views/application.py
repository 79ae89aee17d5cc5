"""The specialist (and BT) application: what is missing, the numbered attachments, the pack."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.domain import record_event
from portfolio.application import BT, FINALISE_PERM, SPECIALIST, build_pack, finalise, pack_attachments
from portfolio.enums import BTMode
from portfolio.readiness.build import readiness_for
from portfolio.views.access import get_trainee


@login_required
def application_detail(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk)
    has_bt = trainee.regulation.bt_required and trainee.bt_mode != BTMode.NONE
    context = {
        "trainee": trainee,
        "verdict": readiness_for(trainee),
        "attachments": pack_attachments(trainee, SPECIALIST),
        "bt_attachments": pack_attachments(trainee, BT) if has_bt else None,
        "finalised": list(trainee.applications.select_related("finalised_by").order_by("-finalised_at")),
        "may_finalise": request.user.has_perm(FINALISE_PERM, trainee),
    }
    return render(request, "portfolio/application/detail.html", context)


@never_cache
@login_required
def application_pack(request, trainee_pk, kind):
    trainee = get_trainee(request, trainee_pk)
    if kind not in (SPECIALIST, BT) or (kind == BT and not trainee.regulation.bt_required):
        raise Http404
    content, pages = build_pack(trainee, kind)
    record_event(request.user, "application.pack_downloaded", trainee, kind=kind, pages=pages)
    response = HttpResponse(content, content_type="application/pdf")
    # No name in the file name: it may be saved on a shared computer.
    response["Content-Disposition"] = f'attachment; filename="ansokan-{kind}.pdf"'
    return response


@login_required
def application_finalise(request, trainee_pk, kind):
    trainee = get_trainee(request, trainee_pk, FINALISE_PERM)
    if kind not in (SPECIALIST, BT) or (kind == BT and not trainee.regulation.bt_required):
        raise Http404
    if request.method == "POST":
        if not request.POST.get("confirm"):
            messages.error(request, _("Tick the box to confirm that the pack is final."))
        else:
            try:
                application = finalise(trainee, by=request.user, kind=kind)
            except ValidationError as error:
                messages.error(request, error.messages[0])
            else:
                messages.success(
                    request,
                    _("The application pack was marked final (%(pages)s pages).") % {"pages": application.pages},
                )
                return redirect("application-detail", trainee_pk=trainee.pk)
    context = {"trainee": trainee, "kind": kind, "attachments": pack_attachments(trainee, kind)}
    return render(request, "portfolio/application/finalise.html", context)
