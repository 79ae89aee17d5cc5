"""Download of a trainee's whole portfolio as a portable JSON file (docs/portfolio-format.md).

Who may download: the trainee (their own copy of their data) and the trainee's
studierektor (named, or studierektor of the trainee's unit: `portfolio.decide_plan`),
who moves the portfolio when a trainee changes region. Other people who can see the
trainee (huvudhandledare, chef, administrators) get 403; people who cannot see the
trainee get 404, as everywhere.

The personal copy (a ZIP with that JSON, every intyg as PDF and the uploaded files) is the
trainee's right of access as the data subject: only she may download it, archived or not;
everyone else who sees her gets 403, others 404.

The notes of a handledning are only for the ST-läkare and the handledare: a copy made
for someone else leaves them out and says so in the file's "withheld" list.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.domain import record_event
from portfolio import portable
from portfolio.portable.personal_copy import build_personal_copy
from portfolio.views.access import get_trainee


@require_GET
@never_cache
@login_required
def export_download(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, "portfolio.export_portfolio")
    data = portable.export_trainee(trainee, reader=request.user)
    # Not a change of state, but a copy of a whole portfolio leaving the system: audited.
    record_event(request.user, "portfolio.exported", trainee, withheld=data["withheld"])
    filename = f"portfolj-{trainee.user.username}-{timezone.localdate().isoformat()}.json"
    response = HttpResponse(portable.dumps(data).encode(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@require_GET
@never_cache
@login_required
def personal_copy_download(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, "portfolio.download_personal_copy")
    copy = build_personal_copy(trainee)
    record_event(
        request.user,
        "portfolio.personal_copy",
        trainee,
        files=copy.file_count,
        intyg=copy.intyg_count,
        missing=len(copy.missing),
        withheld=copy.withheld,
    )
    filename = f"portfoljkopia-{trainee.user.username}-{copy.made_at.date().isoformat()}.zip"
    # FileResponse streams the spooled file in blocks and closes it at the end.
    return FileResponse(copy.file, as_attachment=True, filename=filename, content_type="application/zip")
