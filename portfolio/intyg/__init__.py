"""Intyg on Socialstyrelsen's forms: form data, the signing workflow and the PDF."""

# The permissions live next to the workflow; importing the package registers them.
from portfolio.intyg import rules as _rules  # noqa: F401
