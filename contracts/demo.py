"""The contracts app's part of the demo region, in the order each part needs the one before."""

from contracts import demo_agreements, demo_spur, demo_survey, demo_units


def seed(today):
    demo_units.seed(today)  # criteria, profiles and staff: the others read them
    demo_agreements.seed(today)
    demo_spur.seed(today)
    demo_survey.seed(today)
