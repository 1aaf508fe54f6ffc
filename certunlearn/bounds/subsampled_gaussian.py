"""Rényi divergence of the Poisson-subsampled Gaussian mechanism, as a sound upper bound.

Each record enters the batch independently with probability q, and the sum of the
batch (records of ℓ2 norm at most Δ) is released with ``N(0, σ² I)`` noise,
``z = σ/Δ``. Under add-or-remove neighbours the Rényi divergence of order α is
``log A_α / (α − 1)`` with

    A_α = E_{x ~ N(0, z²)} [ ((1 − q) + q exp((2x − 1)/(2z²)))^α ],

the divergence of the mixture ``(1−q)N(0, z²) + qN(1, z²)`` from ``N(0, z²)``, which is at
least the divergence in the other direction (Mironov, Talwar and Zhang 2019),
so one curve bounds both directions.

* Integer α: the binomial expansion is finite,
  ``A_α − 1 = Σ_{k=2}^{α} C(α,k) (1−q)^{α−k} q^k (e^{k(k−1)/(2z²)} − 1)``, a sum of
  positive terms (the k = 0 and k = 1 terms of ``A_α`` add up to the same as the
  expansion of 1, and cancel). Binomial coefficients come from log-gamma, never from
  ``binom``, so α = 1024 and beyond do not overflow.
* Fractional α: the integral is split at ``z₀`` where the two terms of the mixture
  ratio are equal, and each side expanded in a binomial series whose ratio is at most 1.
  From ``k = ⌈α⌉`` on the terms alternate in sign and decrease in magnitude pointwise,
  so the truncation error has the sign of the first omitted term and is smaller than it
  (Leibniz); adding that term when it is positive gives an upper bound. The result is
  also capped by log-convex interpolation between the neighbouring integer orders:
  ``log A_α`` is convex in α (a cumulant generating function) and ``log A_1 = 0``
  (``proofs/subsampled_gaussian_rdp.md``).

Every floating-point piece is padded by a relative error bound, so the returned values
are upper bounds.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from .. import _numerics, _validate
from .renyi import gaussian_rdp, validate_orders

_LOG_MARGIN = _numerics.SPECIAL_FUNCTION_MARGIN
_EPS = np.finfo(float).eps
# Terms of each fractional series before the remainder bound; the remainder decays like
# k^{-(α+2)}, so this leaves a remainder far below the other error terms for the
# parameters of practice, and the remainder is added (not ignored) in any case.
_SERIES_TERMS = 600


def subsampled_gaussian_rdp(orders, *, noise_multiplier, sampling_probability):
    """Return upper bounds on the RDP of one step of the Poisson-subsampled Gaussian.

    Args:
        orders: Rényi orders, each in (1, inf).
        noise_multiplier: ``z = σ/Δ`` > 0 (``inf`` gives 0).
        sampling_probability: q in [0, 1].

    Returns:
        ρ(α) for each order, rounded up; ``inf`` only where no finite bound could be
        computed in double precision.
    """
    orders = validate_orders(orders)
    z = _validate.positive("noise_multiplier", noise_multiplier, allow_inf=True)
    q = _validate.in_interval("sampling_probability", sampling_probability, 0.0, 1.0)
    if q == 0.0 or math.isinf(z):
        return np.zeros_like(orders)
    if q == 1.0:
        return gaussian_rdp(orders, noise_multiplier=z)

    log_a = np.empty_like(orders)
    integer = orders == np.round(orders)
    known: dict[int, float] = {1: 0.0}

    def at_integer(alpha: int) -> float:
        if alpha not in known:
            known[alpha] = log_a_integer(alpha, q=q, z=z)
        return known[alpha]

    for index in np.flatnonzero(integer):
        log_a[index] = at_integer(int(orders[index]))
    for index in np.flatnonzero(~integer):
        alpha = float(orders[index])
        below = math.floor(alpha)
        log_below = at_integer(below)
        log_above = at_integer(below + 1)
        weight = alpha - below
        # Convexity of log A in α between two integer orders.
        interpolated = float(_numerics.pad_up((1.0 - weight) * log_below + weight * log_above))
        log_a[index] = min(interpolated, log_a_fractional(alpha, q=q, z=z))
    rdp = _numerics.pad_up(np.maximum(log_a, 0.0) / (orders - 1.0))
    return rdp


def log_a_integer(alpha: int, *, q: float, z: float) -> float:
    """Return an upper bound on ``log A_α`` for an integer order α ≥ 2."""
    k = np.arange(2, alpha + 1, dtype=float)
    log_binomial = special.gammaln(alpha + 1.0) - special.gammaln(k + 1.0) - special.gammaln(alpha - k + 1.0)
    log_keep = (alpha - k) * math.log1p(-q)
    log_take = k * math.log(q)
    exponent = k * (k - 1.0) / (2.0 * z * z)
    log_growth = _log_expm1(exponent)
    terms = log_binomial + log_keep + log_take + log_growth
    scale = (
        special.gammaln(alpha + 1.0)
        + np.abs(special.gammaln(k + 1.0))
        + np.abs(special.gammaln(alpha - k + 1.0))
        + np.abs(log_keep)
        + np.abs(log_take)
        + exponent
        + np.abs(log_growth)
        + 1.0
    )
    log_excess = _logsumexp(terms + _LOG_MARGIN * scale) + alpha * 4 * _EPS
    return float(_numerics.up(np.logaddexp(0.0, log_excess)))


def log_a_fractional(alpha: float, *, q: float, z: float, terms: int = _SERIES_TERMS) -> float:
    """Return an upper bound on ``log A_α`` for a non-integer order α > 1 (``inf`` if none).

    The two half-line series of the module docstring, each truncated after
    ``max(terms, ⌈α⌉ + 1)`` terms plus the positive part of its first omitted term.
    """
    count = max(terms, math.ceil(alpha) + 1)
    k = np.arange(count + 1, dtype=float)
    log_q, log_keep = math.log(q), math.log1p(-q)
    split = z * z * (log_keep - log_q) + 0.5

    log_abs_binomial = special.gammaln(alpha + 1.0) - special.gammaln(k + 1.0) - special.gammaln(alpha - k + 1.0)
    negative_factors = np.maximum(0.0, k - math.ceil(alpha))
    sign = np.where(negative_factors % 2 == 0, 1.0, -1.0)

    # Left of the split: E[(1−q)^{α−k} q^k e^{k(2x−1)/(2z²)} ; x ≤ z₀].
    growth_left = k * (k - 1.0) / (2.0 * z * z)
    tail_left = special.log_ndtr((split - k) / z)
    left = log_abs_binomial + (alpha - k) * log_keep + k * log_q + growth_left + tail_left
    scale_left = np.abs(log_abs_binomial) + np.abs((alpha - k) * log_keep) + np.abs(k * log_q) + growth_left
    scale_left = scale_left + np.abs(tail_left) + 1.0

    # Right of the split: E[q^{m} (1−q)^k e^{m(2x−1)/(2z²)} ; x > z₀] with m = α − k.
    m = alpha - k
    growth_right = m * (m - 1.0) / (2.0 * z * z)
    tail_right = special.log_ndtr((m - split) / z)
    right = log_abs_binomial + m * log_q + k * log_keep + growth_right + tail_right
    scale_right = np.abs(log_abs_binomial) + np.abs(m * log_q) + np.abs(k * log_keep) + np.abs(growth_right)
    scale_right = scale_right + np.abs(tail_right) + 1.0

    log_terms = np.concatenate([left[:count], right[:count]])
    signs = np.concatenate([sign[:count], sign[:count]])
    pads = _LOG_MARGIN * np.concatenate([scale_left[:count], scale_right[:count]])
    # Leibniz remainder: add the first omitted term of each series when it is positive.
    if sign[count] > 0:
        log_terms = np.append(log_terms, [left[count], right[count]])
        signs = np.append(signs, [1.0, 1.0])
        pads = np.append(pads, _LOG_MARGIN * np.array([scale_left[count], scale_right[count]]))

    # A term that underflowed to -inf in log space has no rounding error to pad.
    pads = np.where(np.isfinite(log_terms), pads, 0.0)
    positive = signs > 0
    log_positive = _logsumexp(log_terms[positive] + pads[positive]) + log_terms.size * 2 * _EPS
    if not np.any(~positive):
        return float(_numerics.up(log_positive))
    log_negative = _logsumexp(log_terms[~positive] - pads[~positive]) - log_terms.size * 2 * _EPS
    if not np.isfinite(log_positive) or log_negative >= log_positive:
        return math.inf
    value = log_positive + math.log1p(-math.exp(log_negative - log_positive))
    return float(_numerics.up(value + 4 * _EPS * abs(value)))


def _logsumexp(values: np.ndarray) -> float:
    """log Σ exp(values), shifted by the maximum; -inf for an empty or all -inf input."""
    if values.size == 0:
        return -math.inf
    top = float(np.max(values))
    if not math.isfinite(top):
        return top
    return top + math.log(float(np.sum(np.exp(values - top))))


def _log_expm1(x: np.ndarray) -> np.ndarray:
    """log(e^x − 1) for x > 0 without overflow; relative error of a few ulps."""
    with np.errstate(over="ignore", divide="ignore"):
        small = np.log(np.expm1(np.minimum(x, 30.0)))
        large = x + np.log1p(-np.exp(-x))
    return np.where(x < 30.0, small, large)
