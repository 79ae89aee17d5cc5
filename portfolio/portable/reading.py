"""Reading a portfolio file: every field is checked and every unknown field refused."""

import base64
import binascii
import hashlib
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolio.portable.common import (
    FORMAT,
    PDF_MEDIA_TYPE,
    READABLE_VERSIONS,
    PortfolioImportError,
)
from portfolio.uploads import PDF_MAGIC

# --------------------------------------------------------------------------- reading a file


def _fail(message, **params):
    raise PortfolioImportError(message % params)


class _Row:
    """One JSON object of the file, read field by field with its place in the file for errors.

    Every field must be read exactly by the code that knows it, and `done()` refuses any
    field left over: a version-1 file with a field we do not know is not a version-1 file,
    and importing it would silently drop data.
    """

    def __init__(self, value, where):
        if not isinstance(value, dict):
            _fail(_("%(where)s must be an object."), where=where)
        self.data = value
        self.where = where
        self.read = set()

    def _get(self, key):
        self.read.add(key)
        if key not in self.data:
            _fail(_("%(where)s: the field %(field)s is missing."), where=self.where, field=key)
        return self.data[key]

    def _wrong(self, key, expected):
        _fail(_("%(where)s: %(field)s must be %(expected)s."), where=self.where, field=key, expected=expected)

    def text(self, key, *, null=False):
        value = self._get(key)
        if value is None and null:
            return None
        if not isinstance(value, str):
            self._wrong(key, _("text"))
        return value

    def integer(self, key, *, null=False):
        value = self._get(key)
        if value is None and null:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong(key, _("a whole number"))
        return value

    def boolean(self, key):
        value = self._get(key)
        if not isinstance(value, bool):
            self._wrong(key, _("true or false"))
        return value

    def date(self, key, *, null=False):
        value = self._get(key)
        if value is None and null:
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self._wrong(key, _("a date (YYYY-MM-DD)"))

    def datetime(self, key, *, null=False):
        value = self._get(key)
        if value is None and null:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            self._wrong(key, _("a time with time zone (ISO 8601)"))
        return parsed

    def decimal(self, key):
        value = self._get(key)
        try:
            parsed = Decimal(value) if isinstance(value, str) else None
        except InvalidOperation:
            parsed = None
        if parsed is None or not parsed.is_finite():
            self._wrong(key, _("a decimal number written as text"))
        return parsed

    def choice(self, key, choices, *, null=False):
        """A stored value of a choice field (an enum of the app, or the list of its values):
        anything else is refused."""
        value = self._get(key)
        if value is None and null:
            return None
        values = list(getattr(choices, "values", choices))
        if value not in values:
            self._wrong(key, _("one of %(values)s") % {"values": ", ".join(values)})
        return value

    def json_object(self, key):
        """A JSON object with values of any kind (the other fields of an intyg's form)."""
        value = self._get(key)
        if not isinstance(value, dict):
            self._wrong(key, _("an object"))
        return value

    def mapping(self, key, *, values=(str,)):
        """A JSON object whose values are of the given types (`type(None)` for null)."""
        value = self._get(key)
        if not isinstance(value, dict) or any(
            isinstance(item, bool) or not isinstance(item, values) for item in value.values()
        ):
            self._wrong(key, _("an object"))
        return value

    def rows(self, key):
        value = self._get(key)
        if not isinstance(value, list):
            self._wrong(key, _("a list"))
        return [_Row(item, f"{self.where}.{key}[{index}]") for index, item in enumerate(value)]

    def row(self, key, *, null=False):
        value = self._get(key)
        if value is None and null:
            return None
        return _Row(value, f"{self.where}.{key}")

    def texts(self, key):
        value = self._get(key)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self._wrong(key, _("a list of texts"))
        return value

    def integers(self, key):
        value = self._get(key)
        if not isinstance(value, list) or any(isinstance(item, bool) or not isinstance(item, int) for item in value):
            self._wrong(key, _("a list of whole numbers"))
        return value

    def done(self):
        unknown = sorted(set(self.data) - self.read)
        if unknown:
            _fail(_("%(where)s: unknown field %(field)s."), where=self.where, field=", ".join(unknown))


def _goal_list(row, key="goals"):
    refs = []
    for ref in row.rows(key):
        refs.append((ref.text("curriculum"), ref.text("code"), ref.where))
        ref.done()
    return refs


def _certificate(row, key="certificate"):
    """The decoded PDF (a certificate, a report), verified against its size, sha256 and signature."""
    cert = row.row(key, null=True)
    if cert is None:
        return None
    encoded = cert.text("base64")
    digest = cert.text("sha256")
    size = cert.integer("size")
    media_type = cert.text("media_type")
    cert.done()
    if media_type != PDF_MEDIA_TYPE:
        cert._wrong("media_type", PDF_MEDIA_TYPE)
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        _fail(_("%(where)s: the certificate is not valid base64."), where=cert.where)
    if len(content) != size or hashlib.sha256(content).hexdigest() != digest.lower():
        _fail(_("%(where)s: the certificate does not match its checksum (sha256)."), where=cert.where)
    if not content.startswith(PDF_MAGIC):
        _fail(_("%(where)s: the certificate is not a PDF."), where=cert.where)
    return content


def _domains(row):
    """The domains an assessment was rated on: [{"code", "label"}], as copied from its template."""
    domains = []
    for domain in row.rows("domains"):
        domains.append({"code": domain.text("code"), "label": domain.text("label")})
        domain.done()
    return domains


# The sections version 2 added, with their value in a version-1 file (which predates them).
_ADDED_IN_2 = {
    "assessments": [],
    "supervisor_statements": [],
    "mid_term": None,
    "action_plans": [],
    "panel_reviews": [],
    "certificates": [],
    "final_reviews": [],
    "applications": [],
}


def upgrade(data: dict) -> dict:
    """The document in the current version's form: an older file gains the sections it lacks."""
    if data["version"] == 1:
        later = sorted(set(_ADDED_IN_2) & set(data))
        if later:
            _fail(_("%(where)s: unknown field %(field)s."), where="$", field=", ".join(later))
        data = {**_ADDED_IN_2, **data, "version": 2}
    return data


NUL_MESSAGE = gettext_lazy("%(where)s: the text contains a NUL character (character 0), which no field may hold.")


def check_no_nul(data) -> None:
    """Refuse a NUL character (\\u0000) in any text or key of the file.

    No field may hold one, and PostgreSQL cannot store one in text or JSON at all: without
    this check such a file reached the database and failed there instead of with a message.
    Walked without recursion, so a deeply nested file cannot exhaust the stack here.
    """
    stack = [(data, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                _fail(NUL_MESSAGE, where=where)
        elif isinstance(value, dict):
            for key, item in value.items():
                place = f"{where}.{key}" if where else str(key)
                if "\x00" in str(key):
                    _fail(
                        NUL_MESSAGE,
                        where=where or "/",
                    )
                stack.append((item, place))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{index}]") for index, item in enumerate(value))


def check_format(data) -> int:
    """The file's version; refuse anything that is not a portfolio document of a version this code reads."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        _fail(_("This is not an ST-portfölj portfolio file (format: %(format)s)."), format=found)
    version = data.get("version")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        _fail(
            _("Unsupported portfolio format version %(version)s; this installation reads versions %(supported)s."),
            version=version,
            supported=", ".join(str(number) for number in READABLE_VERSIONS),
        )
    return version
