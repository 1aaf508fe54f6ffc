"""Transfer functions: from a certificate to bounds on event probabilities.

A certificate between the laws of the unlearned model ``θ_u`` and the reference model
``θ_r`` yields a non-decreasing map ``h: [0, 1] → [0, 1]`` with

    P(θ_u ∈ E) ≤ h(P(θ_r ∈ E))   for every event E,

and the same with the two roles swapped. This module gives the tightest such ``h`` for
(ε, δ) and μ-GDP certificates and their generalised inverses

    h←(β) = sup{p ∈ [0, 1] : h(p) ≤ β},

with the usual convention ``sup ∅ = -inf`` when even ``h(0)`` exceeds β. Every function
is vectorised over numpy arrays and rounds outward: computed ``h`` values are never
below the exact ones and computed inverses are never above them. The proofs of
tightness are in ``proofs/transfer_epsilon_delta.md`` and ``proofs/transfer_gdp.md``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from .. import _numerics, _validate


def epsilon_delta_transfer(p, *, epsilon: float, delta: float):
    """Return ``h(p) = min{1, e^ε p + δ, 1 − e^{−ε}(1 − δ − p)}``.

    This is the tightest transfer function of an (ε, δ) certificate that holds in
    both directions: the boundary of the region of type I and type II errors that
    (ε, δ) allows, attained by a pair of distributions on four points
    (``proofs/transfer_epsilon_delta.md``).

    Args:
        p: probabilities in [0, 1], scalar or array.
        epsilon: ε ≥ 0 (``inf`` gives the vacuous ``h = 1`` above ``p = 0``).
        delta: δ in [0, 1].

    Returns:
        ``h(p)`` rounded up, with the shape of ``p``.
    """
    p = _validate.array_in_interval("p", p, 0.0, 1.0)
    epsilon = _validate.non_negative("epsilon", epsilon, allow_inf=True)
    delta = _validate.in_interval("delta", delta, 0.0, 1.0)
    return _numerics.scalar_or_array(epsilon_delta_transfer_raw(p, epsilon, delta))


def epsilon_delta_transfer_raw(p, epsilon, delta) -> np.ndarray:
    """Unvalidated (ε, δ) transfer, broadcast over all three arguments, rounded up."""
    p = np.asarray(p, dtype=float)
    epsilon = np.asarray(epsilon, dtype=float)
    delta = np.asarray(delta, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        scale = np.exp(epsilon)
        straight = np.where(p > 0, scale * p, 0.0) + delta
        # 1 − e^{−ε}(1 − δ − p) written with expm1 so that small ε keeps its digits.
        complement = -np.expm1(-epsilon) + np.exp(-epsilon) * (delta + p)
    # e^ε p + δ is exactly 0 only when p = δ = 0 (e^ε ≥ 1 cannot underflow p > 0 to 0).
    straight = np.where(straight == 0.0, 0.0, _numerics.pad_up(straight))
    bound = np.minimum(straight, _numerics.pad_up(complement))
    return np.minimum(bound, 1.0)


def epsilon_delta_transfer_inverse(beta, *, epsilon: float, delta: float):
    """Return ``h←(β) = sup{p ∈ [0, 1] : h(p) ≤ β}`` for the (ε, δ) transfer.

    Because ``h`` is the minimum of two increasing lines (and 1), ``h(p) ≤ β`` holds
    exactly when one of the lines is at most β, so for β < 1

        h←(β) = max{(β − δ) e^{−ε}, 1 − δ − e^{ε}(1 − β)},

    and ``-inf`` where that maximum is negative (β < h(0)); for β ≥ 1 it is 1.

    Returns:
        The inverse rounded down, with the shape of ``beta``.
    """
    beta = _validate.array_in_interval("beta", beta, 0.0, 1.0)
    epsilon = _validate.non_negative("epsilon", epsilon, allow_inf=True)
    delta = _validate.in_interval("delta", delta, 0.0, 1.0)
    return _numerics.scalar_or_array(epsilon_delta_transfer_inverse_raw(beta, epsilon, delta))


def epsilon_delta_transfer_inverse_raw(beta, epsilon, delta) -> np.ndarray:
    """Unvalidated inverse of the (ε, δ) transfer, broadcast, rounded down."""
    beta = np.asarray(beta, dtype=float)
    epsilon = np.asarray(epsilon, dtype=float)
    delta = np.asarray(delta, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        # The sign of beta − delta is exact in floating point, so the first line never
        # turns a negative value into a positive one.
        straight = _numerics.pad_down((beta - delta) * np.exp(-epsilon))
        straight = np.where(beta - delta < 0, -np.inf, np.maximum(straight, 0.0))
        retained = _numerics.down(1.0 - delta)
        pushed = _numerics.pad_up(np.exp(epsilon) * _numerics.up(1.0 - beta))
        complement = _numerics.down(retained - pushed)
        complement = np.where(complement < 0, -np.inf, complement)
    inverse = np.maximum(straight, complement)
    return np.where(beta >= 1.0, 1.0, np.minimum(inverse, 1.0))


def gdp_transfer(p, *, mu: float):
    """Return ``h(p) = Φ(Φ⁻¹(p) + μ)``, the transfer function of μ-GDP.

    μ-GDP (Dong, Roth and Su 2022) states that the trade-off function
    of the pair is at least ``G_μ(x) = Φ(Φ⁻¹(1 − x) − μ)``; ``h(p) = 1 − G_μ(p)``.

    Returns:
        ``h(p)`` rounded up, with the shape of ``p``.
    """
    p = _validate.array_in_interval("p", p, 0.0, 1.0)
    mu = _validate.non_negative("mu", mu, allow_inf=True)
    with np.errstate(over="ignore", invalid="ignore"):
        z = special.ndtri(p)
        z = z + _numerics.SPECIAL_FUNCTION_MARGIN * (1.0 + np.abs(z))
        value = _numerics.pad_up(special.ndtr(z + mu))
    value = np.where(p <= 0.0, 0.0, value)
    value = np.where(p >= 1.0, 1.0, value)
    if np.isinf(mu):
        value = np.where(p > 0.0, 1.0, 0.0)
    return _numerics.scalar_or_array(np.minimum(value, 1.0))


def gdp_transfer_inverse(beta, *, mu: float):
    """Return ``h←(β) = Φ(Φ⁻¹(β) − μ)`` for μ-GDP (exact inverse; ``h`` is a bijection).

    Returns:
        The inverse rounded down, with the shape of ``beta``.
    """
    beta = _validate.array_in_interval("beta", beta, 0.0, 1.0)
    mu = _validate.non_negative("mu", mu, allow_inf=True)
    with np.errstate(over="ignore", invalid="ignore"):
        z = special.ndtri(beta)
        z = z - _numerics.SPECIAL_FUNCTION_MARGIN * (1.0 + np.abs(z))
        value = _numerics.pad_down(special.ndtr(z - mu))
    value = np.where(beta <= 0.0, 0.0, np.maximum(value, 0.0))
    value = np.where(beta >= 1.0, 1.0, value)
    if np.isinf(mu):
        value = np.where(beta >= 1.0, 1.0, 0.0)
    return _numerics.scalar_or_array(value)
