"""The application pack: every intyg in Socialstyrelsen's order, numbered, behind a
cover with the checklist and the tjänsteförteckning, as one PDF.

`attachments` is pure (it orders what it is given); `build_pack` reads the records,
renders each intyg (portfolio.intyg.pdf) and joins the pages with pypdf.
"""

import hashlib
from dataclasses import dataclass
from io import BytesIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.domain import record_event
from portfolio.enums import CertificateForm, RegulationCode, SignedStatus
from portfolio.models import Application

# The order of the application form's list of attached intyg ("Förteckning över bifogade
# intyg"): SOSFS 2015:8 bilaga 1 page 3, HSLF-FS 2021:8 bilaga 5 page 2 and, for the BT
# application, bilaga 1 page 2 (intyg-forms.md).
SPECIALIST_ORDER = {
    RegulationCode.SOSFS_2015_8: [
        CertificateForm.S15_SUMMARY,
        CertificateForm.S15_AUSKULTATION,
        CertificateForm.S15_CLINICAL,
        CertificateForm.S15_COURSE,
        CertificateForm.S15_QUALITY,
        CertificateForm.S15_WRITTEN,
    ],
    RegulationCode.HSLF_FS_2021_8: [
        CertificateForm.H21_ST_DONE,
        CertificateForm.H21_ST_COMPETENCE,
        CertificateForm.H21_AUSKULTATION,
        CertificateForm.H21_CLINICAL,
        CertificateForm.H21_COURSE,
        CertificateForm.H21_DEVELOPMENT,
        CertificateForm.H21_STA3,
    ],
}
BT_ORDER = [CertificateForm.H21_BT_GOAL, CertificateForm.H21_BT_DONE, CertificateForm.H21_BT_COMPETENCE]
SPECIALIST, BT = "specialist", "bt"


@dataclass(frozen=True)
class Attachment:
    number: int
    certificate: object
    form_label: str


def order_for(regulation_code: str, kind: str) -> list[str]:
    if kind == BT:
        return BT_ORDER if regulation_code == RegulationCode.HSLF_FS_2021_8 else []
    return SPECIALIST_ORDER[regulation_code]


def attachments(certificates, order: list[str]) -> list[Attachment]:
    """The signed intyg that are still in force, in the form's order and numbered from 1;
    within one form by period, then as written."""
    rank = {form: position for position, form in enumerate(order)}
    current = [
        cert
        for cert in certificates
        if cert.status == SignedStatus.SIGNED and cert.form in rank and not _superseded(cert)
    ]
    current.sort(key=lambda cert: (rank[cert.form], cert.period_start or cert.created_at.date(), cert.pk))
    return [Attachment(number, cert, CertificateForm(cert.form).label) for number, cert in enumerate(current, start=1)]


def _superseded(cert):
    try:
        return cert.superseded_by is not None
    except type(cert).superseded_by.RelatedObjectDoesNotExist:
        return False


def pack_attachments(trainee, kind=SPECIALIST) -> list[Attachment]:
    certificates = trainee.certificates.select_related("superseded_by").prefetch_related("goals").order_by("pk")
    return attachments(list(certificates), order_for(trainee.regulation.code, kind))


def build_pack(trainee, kind=SPECIALIST) -> tuple[bytes, int]:
    """The pack as PDF bytes and its number of pages."""
    from pypdf import PdfReader, PdfWriter

    from portfolio.intyg.forms import service_rows_for
    from portfolio.intyg.pdf import render_certificate
    from portfolio.pdf import render_pdf
    from portfolio.readiness.build import readiness_for

    listed = pack_attachments(trainee, kind)
    rows = service_rows_for(trainee) if kind == SPECIALIST else []
    cover = render_pdf(
        "pdf/application/cover.html",
        {
            "trainee": trainee,
            "kind": kind,
            "attachments": listed,
            "verdict": readiness_for(trainee) if kind == SPECIALIST else None,
            "service_rows": rows,
            "service_total": sum(float(row["months"]) for row in rows),
            "today": timezone.localdate(),
        },
    )
    writer = PdfWriter()
    writer.append(PdfReader(BytesIO(cover)))
    for attachment in listed:
        cert = attachment.certificate
        # The number goes on the intyg's "Bilaga nr" in this copy only; the record is not changed.
        cert.extra = {**(cert.extra or {}), "bilaga_nr": str(attachment.number)}
        writer.append(PdfReader(BytesIO(render_certificate(cert))))
    output = BytesIO()
    writer.write(output)
    return output.getvalue(), len(writer.pages)


FINALISE_PERM = "portfolio.finalise_application"


def verdict_for(trainee, kind):
    from portfolio.readiness.build import bt_readiness_for, readiness_for

    return bt_readiness_for(trainee) if kind == BT else readiness_for(trainee)


def finalise(trainee, *, by, kind=SPECIALIST) -> Application:
    """Mark the pack final: only when nothing blocks it (which includes the studierektor's
    end-of-ST review where the region requires it). Keeps the PDF's fingerprint and the
    intyg it held; the pack itself is rebuilt from the records on every download.

    The pack is rendered (seconds) before the transaction, which holds only the writes."""
    if not by.has_perm(FINALISE_PERM, trainee):
        raise PermissionDenied(f"{by} may not finalise an application for trainee {trainee.pk}")
    verdict = verdict_for(trainee, kind)
    if not verdict.ready:
        raise ValidationError(
            _("The application cannot be marked final while something is missing: %(what)s")
            % {"what": "; ".join(gap.what for gap in verdict.gaps if gap.severity == "blocking")},
            code="not_ready",
        )
    content, pages = build_pack(trainee, kind)
    listed = pack_attachments(trainee, kind)
    with transaction.atomic():
        application = Application.objects.create(
            trainee=trainee,
            kind=kind,
            finalised_at=timezone.now(),
            finalised_by=by,
            pages=pages,
            sha256=hashlib.sha256(content).hexdigest(),
        )
        application.certificates.set([attachment.certificate for attachment in listed])
        record_event(by, "application.finalised", application, kind=kind, pages=pages, sha256=application.sha256)
    return application
