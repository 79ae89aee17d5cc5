"""Hypothesis settings for the hostile-input tests.

Deterministic (the same inputs on every run, no example database on disk) so that a
failure is reproducible from the test's name alone, and small enough that the whole
folder runs in about a minute on SQLite.
"""

import pytest
from hypothesis import HealthCheck, settings

from tests.portfolio.factories_service import ServicePeriodFactory, SupervisionMeetingFactory

settings.register_profile(
    "hostile",
    derandomize=True,
    deadline=None,
    database=None,
    max_examples=30,
    # The Django test database and the logged-in client are function-scoped fixtures on
    # purpose: every example runs inside a savepoint that is rolled back (see harness.py).
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
HOSTILE = settings.get_profile("hostile")


@pytest.fixture
def foreign(other_trainee, other_supervisor):
    """Primary keys of records that belong to someone else, to be slipped into the posts."""
    period = ServicePeriodFactory(trainee=other_trainee)
    meeting = SupervisionMeetingFactory(trainee=other_trainee, supervisor=other_supervisor)
    return [other_trainee.pk, other_supervisor.pk, period.pk, meeting.pk, 10**19]
