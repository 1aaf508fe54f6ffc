"""The Laplace mechanism: exact profile, composition over steps, and calibration.

A release ``f(D) + Lap(b)`` per coordinate with ``‖f(D) − f(D')‖₁ ≤ Δ₁`` is ε₀-DP with
``ε₀ = Δ₁/b``; ``noise_multiplier`` is ``b/Δ₁``. Its exact privacy profile is

    δ(ε) = max(0, 1 − e^{(ε − ε₀)/2})

(the privacy loss is ``ε₀`` on one half-line, ``−ε₀`` on the other and linear between;
``proofs/laplace_profile.md``), so one release meets (ε, δ) exactly when
``ε ≥ ε₀ + 2 log(1 − δ)``. Over T releases the better of two sound routes is used: the
exact composition of T ε₀-DP steps (:mod:`.dp_composition`) and Rényi accounting with
the exact Laplace curve (Mironov 2017) converted to (ε, δ).
"""

from __future__ import annotations

import math

import numpy as np

from .. import _numerics, _validate
from . import _search
from .dp_composition import optimal_composition_delta, optimal_composition_epsilon
from .renyi import DEFAULT_ORDERS, laplace_rdp, rdp_to_delta, rdp_to_epsilon

# Upward nudges of b (a relative 1e-9 each) allowed by the round-trip check.
_ROUND_TRIP_STEPS = 8


def laplace_delta(epsilon, *, noise_multiplier: float):
    """Return the exact δ(ε) of one Laplace release, ``max(0, 1 − e^{(ε − ε₀)/2})``, rounded up."""
    b = _validate.positive("noise_multiplier", noise_multiplier)
    epsilon = _validate.array_in_interval("epsilon", epsilon, 0.0, math.inf)
    # ε₀ = 1/b rounded up: the value is zero only where ε is at least the exact ε₀.
    pure = float(_numerics.up(1.0 / b, ulps=1))
    with np.errstate(over="ignore"):
        value = np.maximum(-np.expm1((epsilon - pure) / 2.0), 0.0)
    # Zero is exact beyond ε₀ (no outcome has a larger privacy loss), so it is not padded.
    value = np.where(value > 0.0, _numerics.pad_up(value), 0.0)
    return _numerics.scalar_or_array(np.minimum(value, 1.0))


def laplace_epsilon(*, noise_multiplier: float, delta=0.0, steps: int = 1, orders=DEFAULT_ORDERS):
    """Return an upper bound on ε of T Laplace releases with scale ``b = noise_multiplier · Δ₁``.

    One step: the exact profile, ``ε(δ) = max(0, 1/b + 2 log(1 − δ))``. T steps: the
    least of the exact T-fold composition of (1/b)-DP and the Rényi route (δ > 0 only);
    δ = 0 gives ``T/b``. Vectorised over δ.
    """
    b = _validate.positive("noise_multiplier", noise_multiplier)
    delta = _validate.array_in_interval("delta", delta, 0.0, 1.0, high_open=True)
    steps = _validate.integer_at_least("steps", steps, 1)
    pure = 1.0 / b
    flat = delta.ravel()
    if steps == 1:
        # The two terms can cancel, so each is rounded up before the sum, not only after it.
        with np.errstate(divide="ignore"):
            shrink = _numerics.up(2.0 * np.log1p(-flat), ulps=2)
        value = _numerics.up(np.maximum(_numerics.up(pure, ulps=1) + shrink, 0.0), ulps=2)
        return _numerics.scalar_or_array(value.reshape(delta.shape))
    result = np.full(flat.shape, float(_numerics.up(steps * pure)))
    positive = flat > 0.0
    if np.any(positive):
        composed = np.atleast_1d(optimal_composition_epsilon(flat[positive], epsilon=pure, delta=0.0, requests=steps))
        rdp = _numerics.pad_up(steps * laplace_rdp(orders, noise_multiplier=b))
        renyi = np.atleast_1d(rdp_to_epsilon(flat[positive], orders=orders, rdp=rdp, warn=False))
        result[positive] = np.minimum(np.minimum(composed, renyi), result[positive])
    return _numerics.scalar_or_array(result.reshape(delta.shape))


def calibrate_laplace(*, epsilon, delta=0.0, steps: int = 1, orders=DEFAULT_ORDERS):
    """Return the least noise multiplier ``b/Δ₁`` (rounded up) meeting (ε, δ) over T steps.

    One step is closed form, ``b = 1/(ε − 2 log(1 − δ))``; T steps use bisection on b
    with the δ of :func:`laplace_epsilon`'s two routes at the target ε. Vectorised over ε
    and δ.
    """
    epsilon = _validate.array_in_interval("epsilon", epsilon, 0.0, math.inf, low_open=True, high_open=True)
    delta = _validate.array_in_interval("delta", delta, 0.0, 1.0, high_open=True)
    steps = _validate.integer_at_least("steps", steps, 1)
    epsilon, delta = np.broadcast_arrays(epsilon, delta)
    flat_epsilon, flat_delta = epsilon.ravel(), delta.ravel()
    # The one-step closed form is the result for one step and the starting point of the
    # search for several.
    single = _numerics.pad_up(1.0 / _numerics.pad_down(flat_epsilon - 2.0 * np.log1p(-flat_delta)))
    if steps == 1:
        return _numerics.scalar_or_array(single.reshape(epsilon.shape))

    def unsafe(b: np.ndarray, index: np.ndarray) -> np.ndarray:
        # (ε, δ) is met when either route's δ at the target ε is at most δ; comparing δ
        # avoids a nested search for ε at every step.
        result = np.empty(b.size, dtype=bool)
        for position, (value, i) in enumerate(zip(b, index, strict=True)):
            result[position] = _delta_of_steps(flat_epsilon[i], float(value), steps, orders) > flat_delta[i]
        return result

    start = steps / flat_epsilon
    b = _search.smallest_safe(start, unsafe, np.arange(flat_epsilon.size))
    # The forward bound rounds its own search up; raise b until it meets the target too.
    for _ in range(_ROUND_TRIP_STEPS):
        over = np.array(
            [
                laplace_epsilon(noise_multiplier=float(value), delta=float(d), steps=steps, orders=orders) > e
                for value, d, e in zip(b, flat_delta, flat_epsilon, strict=True)
            ],
            dtype=bool,
        )
        if not np.any(over):
            break
        b = np.where(over, _numerics.pad_up(b, 1e-9), b)
    return _numerics.scalar_or_array(b.reshape(epsilon.shape))


def _delta_of_steps(epsilon: float, noise_multiplier: float, steps: int, orders) -> float:
    """Return the least δ of the two routes of :func:`laplace_epsilon` at ε, for T steps."""
    pure = 1.0 / noise_multiplier
    composed = float(optimal_composition_delta(epsilon, epsilon=pure, delta=0.0, requests=steps))
    rdp = _numerics.pad_up(steps * laplace_rdp(orders, noise_multiplier=noise_multiplier))
    return min(composed, float(rdp_to_delta(epsilon, orders=orders, rdp=rdp, warn=False)))
