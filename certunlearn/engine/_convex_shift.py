"""Privacy amplification by iteration for two projected noisy gradient chains.

Pure arithmetic on numbers (no torch). Two chains run N steps

    x ← Π(ψ_t(x) + N(0, s² I)),   y ← Π(φ_t(y) + N(0, s² I)),

with Π the projection onto a closed convex set, every map c-Lipschitz, and
``sup_x ||ψ_t(x) − φ_t(x)|| ≤ d_t`` (the drift). If the starting laws are within
``z₀`` in ∞-Wasserstein distance, then for every order α > 1 and in both directions
(``proofs/langevin_unlearning.md``, statements 1 to 6)

    D_α(x_N ‖ y_N) ≤ α Σ_t a_t² / (2 s²)

for every allocation ``a_t ≥ 0`` whose shifts ``z_{t+1} = c z_t + d_t − a_t`` stay
non-negative and end at ``z_N = 0``. :func:`shift_cost` returns ``Σ a_t²`` for the
allocation given by the lower convex hull of the cumulative drift (statement 7). In the
variables ``τ_j = Σ_{t<j} c^{2(N−1−t)}`` and ``P_j = c^N z₀ + Σ_{t<j} c^{N−1−t} d_t``, the
cumulative discounted reduction must stay below ``P_j`` and reach ``P_N``. The hull of the
points ``(0, 0), (τ_j, P_j)`` does so at cost ``Σ (ΔP)²/Δτ`` over its segments.

The bound is linear in α, ``D_α ≤ α ρ``; :func:`epsilon_for_rdp_slope` converts the whole
curve ``α ↦ αρ`` to (ε, δ) with :func:`certunlearn.bounds.renyi.rdp_to_epsilon`.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _numerics, _validate
from ..bounds.renyi import rdp_to_epsilon

# Rényi orders on which α ↦ αρ is converted. The curve is known at every order, so a
# dense grid only tightens the result; 1 + 1e-3 to 1 + 1e5 contains the optimal order
# for every ε between about 1e-3 and 1e3 at δ ≥ 1e-30.
ORDERS = 1.0 + np.geomspace(1e-3, 1e5, 1201)

# Relative padding of the hull cost. The cost sums at most a few thousand terms of one
# sign, each with a relative rounding error of a few ulps, and the hull's vertices are
# exact input points, so 1e-9 covers the accumulated error with a wide margin.
_COST_MARGIN = 1e-9

# Steps whose discount c^{N−1−t} is below this floor are left out of a window. A window
# truncated there starts from two laws in the projection ball, whose distance (at most
# the ball's diameter) is then discounted by a factor below this floor.
DISCOUNT_FLOOR = 1e-100


def window_steps(contraction: float) -> int:
    """Return the number of final steps N with ``c^N ≥`` :data:`DISCOUNT_FLOOR` (at least 1)."""
    return max(1, int(math.floor(math.log(DISCOUNT_FLOOR) / math.log(contraction))))


def shift_cost(drifts, *, contraction: float, initial_shift: float) -> float:
    """Return ``Σ a_t²`` of the hull allocation for the given drifts, rounded up.

    Args:
        drifts: ``d_0, …, d_{N−1}`` ≥ 0, one per step, in the order the steps run.
        contraction: c in (0, 1], the Lipschitz constant of every map.
        initial_shift: z₀ ≥ 0, the ∞-Wasserstein distance of the starting laws.
    """
    drifts = _validate.array_in_interval("drifts", drifts, 0.0, math.inf)
    contraction = _validate.in_interval("contraction", contraction, 0.0, 1.0, low_open=True)
    initial_shift = _validate.non_negative("initial_shift", initial_shift)
    steps = drifts.size
    if steps == 0 or steps > window_steps(contraction) + 1:
        # Longer windows would underflow the discounts; callers truncate them first.
        raise _validate.fail("drifts", f"between 1 and {window_steps(contraction) + 1} steps", steps)
    discount = contraction ** np.arange(steps - 1, -1, -1, dtype=float)
    tau = np.concatenate([[0.0], np.cumsum(discount**2)])
    available = np.concatenate([[0.0], contraction**steps * initial_shift + np.cumsum(discount * drifts)])
    if available[-1] == 0.0:
        return 0.0
    hull = _lower_hull(tau, available)
    rise = np.diff(available[hull])
    run = np.diff(tau[hull])
    return float(_numerics.pad_up(np.sum(rise * rise / run), _COST_MARGIN))


def _lower_hull(x: np.ndarray, y: np.ndarray) -> list[int]:
    """Return the indices of the lower convex hull of points with strictly increasing x."""
    hull: list[int] = []
    for index in range(x.size):
        while len(hull) >= 2:
            first, second = hull[-2], hull[-1]
            # Drop `second` when it lies on or above the chord from `first` to `index`.
            left = (y[second] - y[first]) * (x[index] - x[first])
            right = (y[index] - y[first]) * (x[second] - x[first])
            if left >= right:
                hull.pop()
            else:
                break
        hull.append(index)
    return hull


def rdp_slope(cost: float, *, sigma: float) -> float:
    """Return ``ρ = cost / (2σ²)`` rounded up, so that ``D_α ≤ αρ`` for per-step noise σ."""
    return float(_numerics.pad_up(cost / (2.0 * sigma * sigma)))


def epsilon_for_rdp_slope(slope: float, *, delta: float) -> float:
    """Return ε (rounded up) that ``D_α ≤ αρ`` for every α > 1 gives at δ."""
    slope = _validate.non_negative("slope", slope)
    if slope == 0.0:
        return 0.0
    curve = _numerics.pad_up(ORDERS * slope)
    return float(rdp_to_epsilon(delta, orders=ORDERS, rdp=curve, warn=False))


def largest_rdp_slope(*, epsilon: float, delta: float) -> float:
    """Return the largest ρ (rounded down) with ``epsilon_for_rdp_slope(ρ) ≤ ε``.

    Bracketed bisection on a monotone predicate; the end returned is one at which the
    conversion was evaluated and met the target.
    """
    epsilon = _validate.positive("epsilon", epsilon)
    delta = _validate.probability_open("delta", delta)
    low, high = 0.0, epsilon
    while epsilon_for_rdp_slope(high, delta=delta) <= epsilon:
        low, high = high, 2.0 * high
    for _ in range(200):
        if high - low <= 1e-12 * high:
            break
        middle = 0.5 * (low + high)
        if epsilon_for_rdp_slope(middle, delta=delta) <= epsilon:
            low = middle
        else:
            high = middle
    return low
