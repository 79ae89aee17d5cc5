"""Constants and helpers shared by the export and the import."""

import json

from portfolio.iup import CONTENT_FIELDS

FORMAT = "st-portfolj/portfolio"
VERSION = 1
PDF_MEDIA_TYPE = "application/pdf"
SUPERVISION_NOTES = "supervision_meetings.notes"
# The IUP's text fields; the hours of self-study are a decimal and written as a string.
PLAN_CONTENT_FIELDS = tuple(field for field in CONTENT_FIELDS if field != "self_study_hours_per_week")


class PortfolioImportError(Exception):
    """The file cannot be imported; the message says why, in the user's language."""


def dumps(data: dict) -> str:
    """The document as text: UTF-8-friendly (no \\u escapes), indented, keys sorted."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
