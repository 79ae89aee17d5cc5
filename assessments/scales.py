"""The rating scales a template can use, with the words shown beside each step.

The step labels are ours: the Swedish translations of the original forms were not
found (see the templates' source notes), so they are kept short and neutral.
"""

from django.utils.translation import gettext_lazy as _

from assessments.enums import ScaleKind

_NINE = {
    1: _("1 – well below the expected level"),
    2: _("2 – below the expected level"),
    3: _("3 – just below the expected level"),
    4: _("4 – at the expected level, with gaps"),
    5: _("5 – at the expected level"),
    6: _("6 – firmly at the expected level"),
    7: _("7 – above the expected level"),
    8: _("8 – well above the expected level"),
    9: _("9 – excellent"),
}
_FIVE = {
    1: _("1 – well below expectation"),
    2: _("2 – below expectation"),
    3: _("3 – as expected"),
    4: _("4 – above expectation"),
    5: _("5 – well above expectation"),
}
_INDEPENDENCE = {
    1: _("1 – observes"),
    2: _("2 – does it with the supervisor present"),
    3: _("3 – does it with the supervisor at hand"),
    4: _("4 – does it independently"),
    5: _("5 – can supervise others"),
}

STEPS = {
    ScaleKind.NUMERIC_1_9: _NINE,
    ScaleKind.NUMERIC_1_5: _FIVE,
    ScaleKind.INDEPENDENCE: _INDEPENDENCE,
    ScaleKind.FREE_TEXT: {},
}


def steps(scale: str) -> dict[int, str]:
    """{value: label} for a scale; empty for free text."""
    return STEPS[ScaleKind(scale)]


def label(scale: str, value: int | None) -> str:
    """The label of one rating; "not assessed" for a domain left empty."""
    if value is None:
        return str(_("not assessed"))
    return str(steps(scale).get(value, value))
