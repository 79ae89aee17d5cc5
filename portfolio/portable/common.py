"""Constants and helpers shared by the export and the import."""

import json

from portfolio.iup import CONTENT_FIELDS

FORMAT = "st-portfolj/portfolio"
VERSION = 2
# The versions the import reads; older ones are upgraded to the current form first.
READABLE_VERSIONS = (1, 2)
PDF_MEDIA_TYPE = "application/pdf"
SUPERVISION_NOTES = "supervision_meetings.notes"
# Drafts are private to their assessor or author; a reader's copy leaves out the others'.
ASSESSMENT_DRAFTS = "assessments.drafts"
STATEMENT_DRAFTS = "supervisor_statements.drafts"
WITHHELD_ENTRIES = (SUPERVISION_NOTES, ASSESSMENT_DRAFTS, STATEMENT_DRAFTS)
# The IUP's text fields; the hours of self-study are a decimal and written as a string.
PLAN_CONTENT_FIELDS = tuple(field for field in CONTENT_FIELDS if field != "self_study_hours_per_week")

# Mitt-i-ST's dates and texts, written as they are.
MID_TERM_DATES = (
    "desired_date",
    "ordered_on",
    "material_sent_on",
    "visit_date",
    "report_received_on",
    "plan_agreed_on",
)
MID_TERM_TEXTS = (
    "evaluator_name",
    "evaluator_email",
    "report_summary",
    "report_strengths",
    "report_to_develop",
    "report_recommendations",
    "rest_of_st_plan",
    "notes",
)


class PortfolioImportError(Exception):
    """The file cannot be imported; the message says why, in the user's language."""


def dumps(data: dict) -> str:
    """The document as text: UTF-8-friendly (no \\u escapes), indented, keys sorted."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
