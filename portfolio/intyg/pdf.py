"""The PDF of an intyg.

When the installation has downloaded Socialstyrelsen's blank fillable form
(`settings.INTYG_BLANK_FORMS_DIR/<form>.pdf`), that form is filled by its own field
names — the copy Socialstyrelsen expects. Otherwise the application prints a faithful
reproduction: the same heading, labels in the same order and the same footer.
"""

from io import BytesIO
from pathlib import Path

from django.conf import settings

from portfolio.intyg.forms import form_spec, values_for
from portfolio.pdf import render_pdf

# Push buttons of the blank forms that make no sense on a filled copy.
BUTTONS = ("Återställ formulär", "Skriv ut formulär", "Rensa", "Skriv ut")


def blank_form_path(form: str) -> Path | None:
    directory = getattr(settings, "INTYG_BLANK_FORMS_DIR", None)
    if not directory:
        return None
    path = Path(directory) / f"{form}.pdf"
    return path if path.is_file() else None


def render_certificate(cert, values=None) -> bytes:
    """The intyg's PDF. `values` (CertificateValues) may come from rows the caller has
    already loaded for many intyg at once; by default they are read for this one."""
    values = values_for(cert) if values is None else values
    blank = blank_form_path(cert.form)
    if blank is not None:
        return fill_blank_form(blank, values.pdf_values(), bilaga=cert.extra.get("bilaga_nr", ""), form=cert.form)
    return render_reproduction(cert, values)


def render_reproduction(cert, values) -> bytes:
    spec = form_spec(cert.form)
    context = {
        "cert": cert,
        "spec": spec,
        "sections": values.sections(),
        "bilaga_nr": (cert.extra or {}).get("bilaga_nr", ""),
    }
    return render_pdf("pdf/intyg/form.html", context)


def _checkbox_on_value(annotation):
    """The export name of a checkbox's 'on' state (forms use /Yes, /On, /Ja …)."""
    states = annotation.get("/AP", {}).get("/N", {})
    for state in states.keys() if hasattr(states, "keys") else []:
        if state != "/Off":
            return state
    return "/Yes"


def fill_blank_form(path: Path, values: dict, *, bilaga="", form=None) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter(clone_from=str(path))
    spec_bilaga = form_spec(form).get("bilaga_pdf_field") if form else None
    if spec_bilaga and bilaga:
        values = {**values, spec_bilaga: str(bilaga)}
    texts = {name: value for name, value in values.items() if not isinstance(value, bool)}
    checks = {name: value for name, value in values.items() if isinstance(value, bool)}
    for page in writer.pages:
        _remove_buttons(page)
        _set_checkboxes(page, checks, NameObject)
        writer.update_page_form_field_values(page, texts, auto_regenerate=False)
    writer.set_need_appearances_writer(True)
    _drop_buttons_from_acroform(writer)
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def _field_name(annotation):
    name = annotation.get("/T")
    if name is None and "/Parent" in annotation:
        name = annotation["/Parent"].get_object().get("/T")
    return name


def _remove_buttons(page):
    annotations = page.get("/Annots")
    if not annotations:
        return
    kept = [ref for ref in annotations if _field_name(ref.get_object()) not in BUTTONS]
    if len(kept) != len(annotations):
        from pypdf.generic import ArrayObject, NameObject

        page[NameObject("/Annots")] = ArrayObject(kept)


def _drop_buttons_from_acroform(writer):
    from pypdf.generic import ArrayObject, NameObject

    acroform = writer._root_object.get("/AcroForm")
    if acroform is None:
        return
    acroform = acroform.get_object()
    fields = acroform.get("/Fields", [])
    acroform[NameObject("/Fields")] = ArrayObject([ref for ref in fields if ref.get_object().get("/T") not in BUTTONS])


def _set_checkboxes(page, checks, NameObject):
    for ref in page.get("/Annots") or []:
        annotation = ref.get_object()
        name = _field_name(annotation)
        if name in checks:
            state = NameObject(_checkbox_on_value(annotation) if checks[name] else "/Off")
            annotation[NameObject("/AS")] = state
            target = annotation if "/T" in annotation else annotation["/Parent"].get_object()
            target[NameObject("/V")] = state
