"""Testing helpers for bounds: exact mechanisms, property checks, hypothesis strategies.

* :mod:`certunlearn.testing.mechanisms`: pairs of laws with exact event probabilities
  and privacy profiles (Gaussian, Laplace, Poisson-subsampled Gaussian, randomized
  response, the canonical (ε, δ) pair).
* :mod:`certunlearn.testing.checks`: deterministic checks of soundness, shape,
  inverse consistency and calibration that users can run on their own bounds.
* :mod:`certunlearn.testing.strategies`: hypothesis strategies; it needs hypothesis
  (``pip install certunlearn[test]``) and is imported only when accessed.

Example:

    >>> from certunlearn import bounds
    >>> from certunlearn.testing import GaussianPair, check_transfer_sound
    >>> check_transfer_sound(bounds.GaussianDPCertificate(mu=1.0), GaussianPair(1.0))
"""

from __future__ import annotations

from .checks import (
    check_calibration_safe,
    check_inverse_consistent,
    check_profile_sound,
    check_transfer_shape,
    check_transfer_sound,
)
from .mechanisms import (
    FinitePair,
    GaussianPair,
    LaplacePair,
    SubsampledGaussianPair,
    canonical_pair,
    composed_canonical_delta,
    randomized_response_pair,
)

__all__ = [
    "FinitePair",
    "GaussianPair",
    "LaplacePair",
    "SubsampledGaussianPair",
    "canonical_pair",
    "check_calibration_safe",
    "check_inverse_consistent",
    "check_profile_sound",
    "check_transfer_shape",
    "check_transfer_sound",
    "composed_canonical_delta",
    "randomized_response_pair",
    "strategies",
]


def __getattr__(name: str):
    if name == "strategies":
        import importlib

        return importlib.import_module(f"{__name__}.strategies")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
