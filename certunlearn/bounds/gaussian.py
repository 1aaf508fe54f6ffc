"""The Gaussian mechanism: its exact privacy profile and noise calibration.

A mechanism that releases ``f(D) + N(0, σ² I)`` with ``||f(D) − f(D')||_2 ≤ Δ`` has the
privacy profile (Balle and Wang 2018, Theorem 8)

    δ(ε) = Φ(Δ/(2σ) − εσ/Δ) − e^ε Φ(−Δ/(2σ) − εσ/Δ),

which is tight: the mechanism is (ε, δ)-DP exactly when ``δ ≥ δ(ε)``. It is also the
profile of μ-GDP with ``μ = Δ/σ``. The functions here evaluate ``δ(ε)`` as an upper
bound, and invert it with bracketed bisection whose answer always lies on the safe side:
a calibrated σ is never below the exact one, and a computed ε never below the exact one.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
from scipy import special

from .. import _numerics, _validate
from ._search import largest_safe as _largest_safe
from ._search import smallest_safe as _smallest_safe

_SQRT2 = math.sqrt(2.0)

# Beyond this amplification of relative error (the ratio of erfcx(u1) to the difference
# erfcx(u1) − erfcx(u2)) the double-precision formula is not trusted and the element is
# recomputed with mpmath at a working precision that covers the cancellation.
_MAX_AMPLIFICATION = 1e4


def gaussian_delta(epsilon, *, sigma, sensitivity=1.0):
    """Return an upper bound on the exact δ(ε) of the Gaussian mechanism.

    Args:
        epsilon: ε ≥ 0, scalar or array (``inf`` gives δ = 0).
        sigma: noise standard deviation σ > 0 (``inf`` gives δ = 0).
        sensitivity: ℓ2 sensitivity Δ > 0.

    Returns:
        δ(ε), rounded up, broadcast over the three arguments.
    """
    epsilon = _validate.array_in_interval("epsilon", epsilon, 0.0, math.inf)
    sigma = _validate.array_in_interval("sigma", sigma, 0.0, math.inf, low_open=True)
    sensitivity = _validate.array_in_interval("sensitivity", sensitivity, 0.0, math.inf, low_open=True, high_open=True)
    ratio = sensitivity / sigma
    return _numerics.scalar_or_array(_delta_upper(*np.broadcast_arrays(epsilon, ratio)))


def gdp_delta(epsilon, *, mu):
    """Return an upper bound on δ(ε) for μ-GDP: the Gaussian profile with ``Δ/σ = μ``."""
    mu = _validate.array_in_interval("mu", mu, 0.0, math.inf)
    epsilon = _validate.array_in_interval("epsilon", epsilon, 0.0, math.inf)
    return _numerics.scalar_or_array(_delta_upper(*np.broadcast_arrays(epsilon, mu)))


def _delta_upper(epsilon: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """δ(ε) for noise-to-sensitivity ``1/ratio``, rounded up, elementwise."""
    epsilon = np.asarray(epsilon, dtype=float)
    ratio = np.asarray(ratio, dtype=float)
    result = np.empty(np.broadcast(epsilon, ratio).shape)
    epsilon, ratio = np.broadcast_to(epsilon, result.shape), np.broadcast_to(ratio, result.shape)

    zero = (ratio == 0.0) | np.isinf(epsilon)
    certain = np.isinf(ratio) & ~zero
    regular = ~(zero | certain)
    result[zero] = 0.0
    result[certain] = 1.0
    if np.any(regular):
        result[regular] = _delta_regular(epsilon[regular], ratio[regular])
    return np.minimum(result, 1.0)


def _delta_regular(epsilon: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    # x1 = ε/r − r/2 and x2 = ε/r + r/2 with r = Δ/σ. Since e^ε φ(x2) = φ(x1), the profile
    # is δ = ½ e^{−u1²} (erfcx(u1) − erfcx(u2)) with u = x/√2, which avoids the underflow
    # of the two tail probabilities. Far in the left (x1 < −20) the second term is below
    # e^{−200} and the direct form has no cancellation.
    x1 = epsilon / ratio - ratio / 2.0
    x2 = epsilon / ratio + ratio / 2.0
    u1, u2 = x1 / _SQRT2, x2 / _SQRT2
    value = np.empty_like(x1)
    margin = np.full_like(x1, _numerics.SPECIAL_FUNCTION_MARGIN)

    left = x1 < -20.0
    if np.any(left):
        with np.errstate(under="ignore"):
            second = np.exp(epsilon[left] + special.log_ndtr(-x2[left]))
        value[left] = special.ndtr(-x1[left]) - second

    middle = ~left
    fallback = np.zeros_like(left)
    if np.any(middle):
        first = special.erfcx(u1[middle])
        gap = first - special.erfcx(u2[middle])
        with np.errstate(divide="ignore", invalid="ignore"):
            amplification = np.where(gap > 0, first / gap, np.inf)
        with np.errstate(under="ignore", divide="ignore"):
            log_value = -(u1[middle] ** 2) + np.log(0.5 * gap)
            value[middle] = np.exp(log_value)
        margin[middle] = _numerics.SPECIAL_FUNCTION_MARGIN * (1.0 + amplification)
        fallback[middle] = amplification > _MAX_AMPLIFICATION

    for index in np.flatnonzero(fallback):
        value[index] = _delta_mpmath(float(epsilon[index]), float(ratio[index]))
        margin[index] = _numerics.SPECIAL_FUNCTION_MARGIN

    value = np.maximum(value, 0.0)
    return _numerics.up(value + value * margin)


def _delta_mpmath(epsilon: float, ratio: float) -> float:
    """δ(ε) at high precision for the cancellation-prone corner (tiny Δ/σ)."""
    # The two terms agree to about log10(σ/Δ · (1 + ε)) digits; carry 40 more.
    digits = 40 + int(max(0.0, math.log10(1.0 / ratio) + math.log10(1.0 + epsilon)))
    with mpmath.workdps(digits):
        eps = mpmath.mpf(epsilon)
        r = mpmath.mpf(ratio)
        x1 = eps / r - r / 2
        x2 = eps / r + r / 2
        exact = mpmath.ncdf(-x1) - mpmath.exp(eps) * mpmath.ncdf(-x2)
        return float(mpmath.nstr(exact, 20)) if exact > 0 else 0.0


def calibrate_analytic_gaussian(*, epsilon, delta, sensitivity=1.0):
    """Return the least σ (rounded up) for which the Gaussian mechanism is (ε, δ)-DP.

    The analytic Gaussian mechanism of Balle and Wang (2018): the smallest σ
    with ``δ(ε; σ) ≤ δ``, valid for every ε > 0. The root is bracketed and bisected in
    ``log(Δ/σ)``; the end kept is always one where the upper bound on ``δ(ε; σ)`` is at
    most the target, so the result is never below the exact σ and exceeds it by a
    relative 1e-12 or less in the double-precision range.

    Args:
        epsilon: ε > 0, scalar or array.
        delta: δ in (0, 1), scalar or array.
        sensitivity: Δ > 0, scalar or array.

    Returns:
        σ with the broadcast shape of the arguments.
    """
    epsilon = _validate.array_in_interval("epsilon", epsilon, 0.0, math.inf, low_open=True, high_open=True)
    delta = _validate.array_in_interval("delta", delta, 0.0, 1.0, low_open=True, high_open=True)
    sensitivity = _validate.array_in_interval("sensitivity", sensitivity, 0.0, math.inf, low_open=True, high_open=True)
    epsilon, delta, sensitivity = np.broadcast_arrays(epsilon, delta, sensitivity)

    # δ(ε; r) increases with r = Δ/σ, so find the largest r whose δ bound is ≤ target.
    def too_large(ratio: np.ndarray, index: np.ndarray) -> np.ndarray:
        return _delta_upper(epsilon.ravel()[index], ratio) > delta.ravel()[index]

    guess = epsilon / np.sqrt(2.0 * np.log(1.25 / delta))
    ratio = _largest_safe(guess.ravel(), too_large)
    sigma = _numerics.up(sensitivity.ravel() / ratio).reshape(epsilon.shape)
    return _numerics.scalar_or_array(sigma)


def calibrate_classical_gaussian(*, epsilon, delta, sensitivity=1.0):
    """Return ``σ = Δ sqrt(2 ln(1.25/δ)) / ε`` (Dwork and Roth 2014, Theorem A.1).

    The rule is proven only for ε < 1, and it fails beyond: at ε = 10, δ = 1e-5 it gives
    σ = 0.4845 where the exact requirement is σ = 0.4999. Calls with ε ≥ 1 are rejected;
    :func:`calibrate_analytic_gaussian` is valid for every ε and never larger.
    """
    allowed = "in (0, 1) for the classical Gaussian rule (use the analytic method for epsilon >= 1)"
    epsilon = np.asarray(epsilon, dtype=float)
    bad = np.isnan(epsilon) | (epsilon <= 0) | (epsilon >= 1)
    if np.any(bad):
        raise _validate.fail("epsilon", allowed, epsilon[bad] if epsilon.ndim else float(epsilon))
    delta = _validate.array_in_interval("delta", delta, 0.0, 1.0, low_open=True, high_open=True)
    sensitivity = _validate.array_in_interval("sensitivity", sensitivity, 0.0, math.inf, low_open=True, high_open=True)
    sigma = _numerics.pad_up(sensitivity * np.sqrt(2.0 * np.log(1.25 / delta)) / epsilon)
    return _numerics.scalar_or_array(sigma)


def gaussian_epsilon(*, sigma, delta, sensitivity=1.0, requests=1, group_size=1):
    """Return the least ε ≥ 0 (rounded up) with ``δ(ε; σ) ≤ δ`` for the Gaussian mechanism.

    ε is 0 exactly when the total variation distance ``δ(0) = 2Φ(Δ/(2σ)) − 1`` is at
    most δ; that case is decided before any root finding.

    With ``requests = k`` sequential releases and groups of ``group_size = g`` points
    the result stays exact: k Gaussian releases of sensitivity gΔ compose to one of
    sensitivity ``sqrt(k) g Δ`` (exact GDP composition, Dong, Roth and Su 2022), so the
    ratio ``Δ/σ`` is replaced by ``sqrt(k) g Δ/σ`` (rounded up).
    """
    sigma = _validate.array_in_interval("sigma", sigma, 0.0, math.inf, low_open=True, high_open=True)
    delta = _validate.array_in_interval("delta", delta, 0.0, 1.0, low_open=True, high_open=True)
    sensitivity = _validate.array_in_interval("sensitivity", sensitivity, 0.0, math.inf, low_open=True, high_open=True)
    requests = _validate.integer_at_least("requests", requests, 1)
    group_size = _validate.integer_at_least("group_size", group_size, 1)
    sigma, delta, sensitivity = np.broadcast_arrays(sigma, delta, sensitivity)
    ratio = (sensitivity / sigma).ravel()
    if requests > 1 or group_size > 1:
        ratio = _numerics.pad_up(ratio * (math.sqrt(requests) * group_size))
    target = delta.ravel()

    # δ(ε) decreases in ε: find the smallest ε whose δ bound is ≤ target.
    def unsafe(eps: np.ndarray, index: np.ndarray) -> np.ndarray:
        return _delta_upper(eps, ratio[index]) > target[index]

    epsilon = np.zeros_like(ratio)
    positive = _delta_upper(np.zeros_like(ratio), ratio) > target
    if np.any(positive):
        index = np.flatnonzero(positive)
        # ε = r²/2 + r sqrt(2 ln(1/δ)) is the zCDP bound, a safe starting point.
        start = ratio[index] ** 2 / 2 + ratio[index] * np.sqrt(2 * np.log(1 / target[index]))
        epsilon[index] = _smallest_safe(start, unsafe, index)
    return _numerics.scalar_or_array(epsilon.reshape(sigma.shape))


def gdp_epsilon(*, mu, delta):
    """Return the least ε ≥ 0 (rounded up) with ``δ_μ(ε) ≤ δ`` for a μ-GDP certificate.

    μ-GDP is equivalent to (ε, δ_μ(ε))-DP for every ε ≥ 0, with δ_μ the Gaussian profile
    at ``Δ/σ = μ`` (Dong, Roth and Su 2022), so this is the exact ε of
    μ-GDP at δ, rounded up. ``mu = 0`` gives 0; ``mu = inf`` gives ``inf``.
    """
    mu = _validate.array_in_interval("mu", mu, 0.0, math.inf)
    delta = _validate.array_in_interval("delta", delta, 0.0, 1.0, low_open=True, high_open=True)
    mu, delta = np.broadcast_arrays(mu, delta)
    ratio = mu.ravel().astype(float)
    target = delta.ravel().astype(float)
    epsilon = np.zeros_like(ratio)
    epsilon[np.isinf(ratio)] = math.inf

    def unsafe(eps: np.ndarray, index: np.ndarray) -> np.ndarray:
        return _delta_upper(eps, ratio[index]) > target[index]

    finite = np.isfinite(ratio)
    positive = finite & (_delta_upper(np.zeros_like(ratio), np.where(finite, ratio, 0.0)) > target)
    if np.any(positive):
        index = np.flatnonzero(positive)
        start = ratio[index] ** 2 / 2 + ratio[index] * np.sqrt(2 * np.log(1 / target[index]))
        epsilon[index] = _smallest_safe(start, unsafe, index)
    return _numerics.scalar_or_array(epsilon.reshape(mu.shape))


def calibrate_gdp_mu(*, epsilon, delta):
    """Return the largest μ (rounded down) for which μ-GDP implies (ε, δ)-DP.

    This is the inverse of :func:`gdp_epsilon` in μ: the largest μ with
    ``δ_μ(ε) ≤ δ``. A Gaussian mechanism with noise ``σ ≥ Δ/μ`` then meets (ε, δ), and
    ``k`` such releases meet it when ``σ ≥ Δ sqrt(k)/μ`` (exact GDP composition).
    """
    epsilon = _validate.array_in_interval("epsilon", epsilon, 0.0, math.inf, low_open=True, high_open=True)
    delta = _validate.array_in_interval("delta", delta, 0.0, 1.0, low_open=True, high_open=True)
    epsilon, delta = np.broadcast_arrays(epsilon, delta)

    def too_large(ratio: np.ndarray, index: np.ndarray) -> np.ndarray:
        return _delta_upper(epsilon.ravel()[index], ratio) > delta.ravel()[index]

    guess = epsilon / np.sqrt(2.0 * np.log(1.25 / delta))
    mu = _largest_safe(guess.ravel().astype(float), too_large)
    return _numerics.scalar_or_array(mu.reshape(epsilon.shape))
