"""Noise calibration in both directions, for every notion, over k requests and groups.

Every calibration returns the noise on the safe side: the ε (or δ, or Rényi bound) of
the returned noise never exceeds the target, because each search keeps the safe end of a
bracket (:mod:`._search`) around a bound that is itself rounded up. The inverse
functions (ε for a given noise) are the bounds the searches use, so a round trip never
overshoots.

Routes, the exact one wherever it exists:

* Gaussian, k requests, groups of g: k releases of sensitivity gΔ compose exactly to
  μ-GDP with ``μ = sqrt(k) g Δ/σ``, so σ for a target (ε, δ) is ``sqrt(k) g Δ/μ*`` with
  μ* the largest μ whose exact profile meets the target
  (:func:`~certunlearn.bounds.gaussian.calibrate_gdp_mu`);
* Gaussian against a target profile, trade-off function, Rényi curve or μ: the largest μ
  meeting every point of the target, each exact;
* Poisson-subsampled Gaussian over T steps (noisy SGD): Rényi accounting
  (:mod:`.subsampled_gaussian`) and the conversion of :mod:`.renyi`;
* Laplace: :mod:`.laplace`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from .. import _numerics, _validate
from . import _search
from .gaussian import calibrate_gdp_mu, gaussian_epsilon
from .renyi import DEFAULT_ORDERS, rdp_to_epsilon, validate_orders
from .subsampled_gaussian import subsampled_gaussian_rdp

# Upward nudges of σ allowed by the round-trip check of calibrate_gaussian; each is a
# relative 1e-12, and one is enough in every case seen.
_ROUND_TRIP_STEPS = 8


def _scale(requests: int, group_size: int) -> float:
    requests = _validate.integer_at_least("requests", requests, 1)
    group_size = _validate.integer_at_least("group_size", group_size, 1)
    return math.sqrt(requests) * group_size


# -- Gaussian mechanism, exact --------------------------------------------------------------


def calibrate_gaussian(*, epsilon, delta, sensitivity=1.0, requests: int = 1, group_size: int = 1):
    """Return the least σ (rounded up) for k Gaussian releases to be (ε, δ) for groups of g.

    Exact: the composed mechanism is ``sqrt(k) g Δ/σ``-GDP. With ``requests = 1`` and
    ``group_size = 1`` this is the analytic Gaussian mechanism of Balle and Wang (2018).
    Vectorised over ε, δ and the sensitivity.
    """
    epsilon = _validate.array_in_interval("epsilon", epsilon, 0.0, math.inf, low_open=True, high_open=True)
    delta = _validate.array_in_interval("delta", delta, 0.0, 1.0, low_open=True, high_open=True)
    sensitivity = _validate.array_in_interval("sensitivity", sensitivity, 0.0, math.inf, low_open=True, high_open=True)
    scale = _scale(requests, group_size)
    epsilon, delta, sensitivity = np.broadcast_arrays(epsilon, delta, sensitivity)
    mu = np.asarray(calibrate_gdp_mu(epsilon=epsilon, delta=delta))
    sigma = _numerics.pad_up(scale * sensitivity / mu)
    # gaussian_epsilon rounds the composed ratio sqrt(k) g Δ/σ up, which can undo the
    # rounding of σ by an ulp or two. Raising σ until the forward bound meets the target
    # keeps the round trip from overshooting.
    for _ in range(_ROUND_TRIP_STEPS):
        achieved = np.asarray(
            gaussian_epsilon(
                sigma=sigma, delta=delta, sensitivity=sensitivity, requests=requests, group_size=group_size
            )
        )
        over = achieved > epsilon
        if not np.any(over):
            break
        sigma = np.where(over, _numerics.pad_up(sigma), sigma)
    return _numerics.scalar_or_array(sigma)


def calibrate_gaussian_to_mu(*, mu, sensitivity=1.0, requests: int = 1, group_size: int = 1):
    """Return σ = sqrt(k) g Δ/μ (rounded up): the least σ for a μ-GDP target."""
    mu = _validate.array_in_interval("mu", mu, 0.0, math.inf, low_open=True, high_open=True)
    sensitivity = _validate.array_in_interval("sensitivity", sensitivity, 0.0, math.inf, low_open=True, high_open=True)
    return _numerics.scalar_or_array(_numerics.pad_up(_scale(requests, group_size) * sensitivity / mu))


def calibrate_gaussian_to_profile(
    *, epsilons, deltas, sensitivity=1.0, requests: int = 1, group_size: int = 1
) -> float:
    """Return the least σ (rounded up) whose composed Gaussian meets every (ε_i, δ_i).

    Meeting every pair of a profile grid is the same as dominating the trade-off function
    ``max_i f_{ε_i, δ_i}``, so this also calibrates to an f-DP target. A pair with
    ``δ_i = 0`` cannot be met by Gaussian noise and gives ``inf``.
    """
    epsilons = _validate.array_in_interval("epsilons", epsilons, 0.0, math.inf).ravel()
    deltas = _validate.array_in_interval("deltas", deltas, 0.0, 1.0).ravel()
    if epsilons.shape != deltas.shape or epsilons.size == 0:
        raise _validate.fail("epsilons and deltas", "non-empty sequences of equal length", (epsilons.size, deltas.size))
    sensitivity = _validate.positive("sensitivity", sensitivity)
    scale = _scale(requests, group_size)
    constrained = deltas < 1.0
    if np.any(constrained & (deltas <= 0.0)):
        return math.inf
    mu_limits = [math.inf]
    at_zero = constrained & (epsilons == 0.0)
    if np.any(at_zero):
        # δ_μ(0) = 2Φ(μ/2) − 1 ≤ δ  ⇔  μ ≤ 2Φ⁻¹((1 + δ)/2); rounded down.
        z = special.ndtri((1.0 + deltas[at_zero]) / 2.0)
        mu_limits.append(float(np.min(_numerics.pad_down(2.0 * (z - _numerics.SPECIAL_FUNCTION_MARGIN * (1 + z))))))
    positive = constrained & (epsilons > 0.0)
    if np.any(positive):
        mu_limits.append(float(np.min(calibrate_gdp_mu(epsilon=epsilons[positive], delta=deltas[positive]))))
    mu = min(mu_limits)
    if mu <= 0.0:
        return math.inf
    if math.isinf(mu):
        return 0.0
    return float(_numerics.pad_up(scale * sensitivity / mu))


def calibrate_gaussian_to_renyi(*, orders, rdp, sensitivity=1.0, requests: int = 1, group_size: int = 1) -> float:
    """Return the least σ (rounded up) with ``k α (gΔ)²/(2σ²) ≤ ρ(α)`` at every order.

    The Gaussian mechanism's Rényi curve is exact, so this is the least such σ:
    ``σ = g Δ max_α sqrt(k α / (2 ρ(α)))``.
    """
    orders = validate_orders(orders)
    rdp = _validate.array_in_interval("rdp", rdp, 0.0, math.inf)
    if rdp.shape != orders.shape:
        raise _validate.fail("rdp", f"one value per order ({orders.size} values)", rdp.shape)
    sensitivity = _validate.positive("sensitivity", sensitivity)
    requests = _validate.integer_at_least("requests", requests, 1)
    group_size = _validate.integer_at_least("group_size", group_size, 1)
    if np.any(rdp == 0.0):
        return math.inf
    with np.errstate(divide="ignore"):
        needed = np.sqrt(_numerics.pad_up(requests * orders / (2.0 * rdp)))
    return float(_numerics.pad_up(group_size * sensitivity * np.max(_numerics.pad_up(needed))))


# -- Poisson-subsampled Gaussian (noisy SGD), Rényi accounting ----------------------------------


def subsampled_gaussian_epsilon(
    *, noise_multiplier: float, sampling_probability: float, steps: int, delta, orders=DEFAULT_ORDERS, warn: bool = True
):
    """Return an upper bound on ε after T steps of the Poisson-subsampled Gaussian (RDP).

    Vectorised over δ. ``sampling_probability = 1`` is full-batch noisy gradient descent.
    """
    steps = _validate.integer_at_least("steps", steps, 1)
    rdp = steps * subsampled_gaussian_rdp(
        orders, noise_multiplier=noise_multiplier, sampling_probability=sampling_probability
    )
    return rdp_to_epsilon(delta, orders=orders, rdp=_numerics.pad_up(rdp), warn=warn)


def subsampled_gaussian_rdp_total(
    *, noise_multiplier: float, sampling_probability: float, steps: int, orders=DEFAULT_ORDERS
):
    """Return the Rényi curve of T steps (rounded up): T times the one-step curve."""
    steps = _validate.integer_at_least("steps", steps, 1)
    rdp = subsampled_gaussian_rdp(orders, noise_multiplier=noise_multiplier, sampling_probability=sampling_probability)
    return _numerics.pad_up(steps * rdp)


def calibrate_subsampled_gaussian(*, epsilon, delta, sampling_probability: float, steps: int, orders=DEFAULT_ORDERS):
    """Return the least noise multiplier z (rounded up) whose RDP ε after T steps meets (ε, δ).

    Bracketed bisection on z; the returned z is on the safe side of the bracket, so its ε
    by :func:`subsampled_gaussian_epsilon` never exceeds the target. Vectorised over ε and
    δ (one RDP evaluation per element and step of the search). Groups are not scaled
    here: under Poisson sampling the members of a group enter a batch independently, so
    the group mechanism is not a subsampled Gaussian of sensitivity gΔ; use
    :func:`~certunlearn.bounds.composition.group_deletion` on the Rényi certificate.
    """
    epsilon = _validate.array_in_interval("epsilon", epsilon, 0.0, math.inf, low_open=True, high_open=True)
    delta = _validate.array_in_interval("delta", delta, 0.0, 1.0, low_open=True, high_open=True)
    q = _validate.in_interval("sampling_probability", sampling_probability, 0.0, 1.0, low_open=True)
    steps = _validate.integer_at_least("steps", steps, 1)
    orders = validate_orders(orders)
    epsilon, delta = np.broadcast_arrays(epsilon, delta)
    target_epsilon = epsilon.ravel()
    target_delta = delta.ravel()

    def unsafe(z: np.ndarray, index: np.ndarray) -> np.ndarray:
        result = np.empty(z.size, dtype=bool)
        for position, (value, element) in enumerate(zip(z, index, strict=True)):
            achieved = subsampled_gaussian_epsilon(
                noise_multiplier=float(value),
                sampling_probability=q,
                steps=steps,
                delta=float(target_delta[element]),
                orders=orders,
                warn=False,
            )
            result[position] = achieved > target_epsilon[element]
        return result

    # The full-batch Gaussian needs z = sqrt(T)/μ*; subsampling never needs more.
    start = np.sqrt(steps) / np.asarray(calibrate_gdp_mu(epsilon=target_epsilon, delta=target_delta)).ravel()
    z = _search.smallest_safe(np.maximum(start, 1e-3), unsafe, np.arange(target_epsilon.size))
    return _numerics.scalar_or_array(z.reshape(epsilon.shape))


__all__ = [
    "calibrate_gaussian",
    "calibrate_gaussian_to_mu",
    "calibrate_gaussian_to_profile",
    "calibrate_gaussian_to_renyi",
    "calibrate_subsampled_gaussian",
    "gaussian_epsilon",
    "subsampled_gaussian_epsilon",
    "subsampled_gaussian_rdp_total",
]
