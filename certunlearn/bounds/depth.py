"""Depth guarantees: Theorems 1 and 2 of the theory.

Let ``d(θ)`` be the depth of a model: the smallest probe budget at which a fixed
memorization score reaches its threshold. When the probe and the score use only fixed
data and randomness independent of the unlearning and reference mechanisms, the event
``{d(θ) ≤ r}`` is a fixed event for each ``r``, so a certificate with transfer ``h``
bounds it (``proofs/theorem1_depth_transfer.md``):

    P(d(θ_u) ≤ r) ≤ h(P(d(θ_r) ≤ r))   for every r ≥ 0.           (Theorem 1)

For a score in [0, 1], ``E[m(π_r(θ_u))] ≤ ĥ(E[m(π_r(θ_r))])`` with ``ĥ`` the least
concave majorant of ``h``; every transfer function in :mod:`certunlearn.bounds.transfer`
is concave, so ``ĥ = h`` (``proofs/theorem2_expected_score.md``).          (Theorem 2)
"""

from __future__ import annotations

import math

import numpy as np

from .. import _validate
from .certificate import Certificate


def depth_cdf_bound(reference_cdf, certificate: Certificate):
    """Return the Theorem 1 upper bound ``h(F_r(r))`` on the unlearned depth CDF.

    Args:
        reference_cdf: values ``F_r(r) = P(d(θ_r) ≤ r)`` (or upper bounds on them) at
            any radii, as an array.
        certificate: the certificate of the unlearning mechanism.

    Returns:
        Upper bounds on ``P(d(θ_u) ≤ r)`` at the same radii.
    """
    return certificate.transfer(reference_cdf)


def depth_quantile_level(certificate: Certificate, beta):
    """Return the reference quantile level ``p = h←(β)`` of Theorem 1, quantile form.

    With probability at least ``1 − β``, ``d(θ_u) ≥ Q_r(p)`` where
    ``Q_r(p) = sup{r : P(d(θ_r) ≤ r) ≤ p}``. A value of ``-inf`` means β is below
    ``h(0)`` and no quantile of the reference is guaranteed at that level.
    """
    beta = _validate.array_in_interval("beta", beta, 0.0, 1.0)
    return certificate.transfer_inverse(beta)


def guaranteed_grid_depth(radii, reference_cdf_upper, certificate: Certificate, *, beta: float) -> float:
    """Return the largest grid radius the unlearned depth exceeds with probability ≥ 1 − β.

    For a probe whose depth takes values on the grid ``r_1 < ... < r_G`` (or +inf),
    ``P(d(θ_u) < r_j) = P(d(θ_u) ≤ r_{j−1}) ≤ h(F_r⁺(r_{j−1}))``; the answer is the
    largest ``r_j`` for which every earlier grid point has ``h(F_r⁺) ≤ β``. Pass upper
    confidence bounds ``F_r⁺`` to make the statement hold at their confidence level.

    Returns:
        That radius; ``inf`` when the depth exceeds the whole grid with probability
        at least ``1 − β``; the first grid radius when only the trivial statement holds.
    """
    radii = np.asarray(radii, dtype=float)
    upper = _validate.array_in_interval("reference_cdf_upper", reference_cdf_upper, 0.0, 1.0)
    beta = _validate.in_interval("beta", beta, 0.0, 1.0, low_open=True, high_open=True)
    if radii.shape != upper.shape or radii.ndim != 1 or radii.size == 0:
        raise _validate.fail("radii", "a non-empty 1-D array of the same length as reference_cdf_upper", radii.shape)
    if np.any(np.diff(radii) <= 0):
        raise _validate.fail("radii", "strictly increasing", radii)
    exceeded = np.asarray(certificate.transfer(upper)) > beta
    if not np.any(exceeded):
        # Even the last grid point is reached with probability at most β.
        return math.inf
    return float(radii[int(np.argmax(exceeded))])


def expected_score_bound(reference_mean, certificate: Certificate):
    """Return the Theorem 2 bound ``h(E[m(π_r(θ_r))])`` on ``E[m(π_r(θ_u))]``.

    Valid for scores in [0, 1] and concave ``h``, which holds for every notion here.
    """
    return certificate.transfer(reference_mean)
