"""Validation of uploaded documents (course certificates and later intyg).

An upload is trusted neither for its name nor for the content type the browser sends:
both are chosen by the client. A PDF is recognised by its first bytes.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_PDF_MEGABYTES = 10
MAX_PDF_BYTES = MAX_PDF_MEGABYTES * 1024 * 1024
PDF_MAGIC = b"%PDF-"


def _starts_with_pdf_magic(upload) -> bool:
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    return head == PDF_MAGIC


def validate_pdf(upload):
    """Accept a PDF of at most MAX_PDF_BYTES; raise a ValidationError in Swedish otherwise.

    The size is checked first so a huge file is never read; the extension is checked so
    the stored name and the download always agree with the content.
    """
    if upload.size > MAX_PDF_BYTES:
        raise ValidationError(
            _("The file is too large: at most %(max)s MB is allowed."),
            code="too_large",
            params={"max": MAX_PDF_MEGABYTES},
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if not upload.name.lower().endswith(".pdf"):
        raise ValidationError(_("Upload the certificate as a PDF file (ending in .pdf)."), code="extension")
    if not _starts_with_pdf_magic(upload):
        raise ValidationError(
            _("The file is not a PDF, although its name may say so. Save or scan the certificate as PDF."),
            code="not_pdf",
        )
