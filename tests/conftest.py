"""Shared test settings.

Hypothesis runs derandomised (a fixed seed per test), so every run of the suite checks
the same examples; the `slow` profile raises the example counts for `pytest -m slow`.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "slow", derandomize=True, deadline=None, max_examples=10_000, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("CERTUNLEARN_HYPOTHESIS_PROFILE", "default"))
