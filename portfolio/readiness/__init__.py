"""Readiness for the application to Socialstyrelsen ("Vad saknas för ansökan?").

`engine` is pure (plain dataclasses in, a Verdict out); `build` reads a trainee's
records into the engine's input with a fixed number of queries.
"""

from portfolio.readiness.engine import (
    CertificateFact,
    Gap,
    GoalFact,
    ReadinessInput,
    Verdict,
    bt_readiness,
    specialist_readiness,
)

__all__ = [
    "CertificateFact",
    "Gap",
    "GoalFact",
    "ReadinessInput",
    "Verdict",
    "bt_readiness",
    "specialist_readiness",
]
