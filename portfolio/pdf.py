"""Rendering PDFs from Django templates with xhtml2pdf.

Every PDF of the product goes through `render_pdf`. The document may read only the
fonts shipped in static/fonts (DejaVu Sans, which has å ä ö and every name a
Swedish clinic meets: ő, ł, ç …) and nothing from the network. A failed render
raises PdfError without echoing the document's data.
"""

from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
FONTS = {"regular": FONT_DIR / "DejaVuSans.ttf", "bold": FONT_DIR / "DejaVuSans-Bold.ttf"}


class PdfError(Exception):
    """The PDF could not be made; the message never carries the document's content."""


def _link_callback(uri, rel):
    """Only the shipped fonts resolve; any other link is refused."""
    name = uri.removeprefix("font:")
    path = (FONT_DIR / name).resolve()
    if uri.startswith("font:") and path.parent == FONT_DIR.resolve() and path.is_file():
        return str(path)
    raise PdfError(f"A PDF may not load {uri!r}")


def render_pdf(template_name: str, context: dict) -> bytes:
    """The template rendered to PDF bytes. The template extends "pdf/base.html"."""
    from xhtml2pdf import pisa
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    html = render_to_string(template_name, context)
    policy = ResourceAccessPolicy(allow_remote=False, base_dir=FONT_DIR)
    output = BytesIO()
    try:
        result = pisa.CreatePDF(
            html, dest=output, encoding="utf-8", link_callback=_link_callback, resource_policy=policy
        )
    except PdfError:
        raise
    except Exception as exc:  # noqa: BLE001 -- xhtml2pdf raises many kinds; none may leak the document.
        raise PdfError(f"The PDF renderer failed ({type(exc).__name__})") from None
    if result.err:
        raise PdfError(f"The PDF renderer reported {result.err} error(s)")
    return output.getvalue()
