"""Property checks a user can run on their own bounds.

Each check raises ``AssertionError`` with the worst offending value and returns nothing
when the property holds. The checks are deterministic. The tolerances cover only the
rounding of the exact reference values (scipy's normal CDF is accurate to a few ulps), so
a bound that is sound by a margin smaller than ``tolerance`` can still fail them.
"""

from __future__ import annotations

import numpy as np

# Relative tolerance granted to the reference probabilities and values.
DEFAULT_TOLERANCE = 1e-13


def check_transfer_sound(certificate, mechanism, *, thresholds=None, tolerance: float = DEFAULT_TOLERANCE) -> None:
    """Check ``P(E) ≤ h(Q(E))`` and ``Q(E) ≤ h(P(E))`` on the mechanism's events.

    Args:
        certificate: anything with a vectorised ``transfer(p)``.
        mechanism: a pair from :mod:`certunlearn.testing.mechanisms` (or anything with
            ``event_probabilities(thresholds)`` returning two arrays).
        thresholds: event thresholds; the mechanism's defaults when omitted.
        tolerance: relative slack for the reference probabilities.

    Events whose reference probability is below the mechanism's ``underflow_floor``
    (1e-280 for the continuous pairs, where the normal CDF underflows; 0 for finite pairs)
    are skipped.
    """
    if thresholds is None:
        thresholds = mechanism.default_thresholds()
    first, second = mechanism.event_probabilities(thresholds)
    floor = getattr(mechanism, "underflow_floor", 0.0)
    for observed, reference, direction in (
        (first, second, "first <= h(second)"),
        (second, first, "second <= h(first)"),
    ):
        bound = np.asarray(certificate.transfer(np.clip(reference, 0.0, 1.0)), dtype=float)
        excess = observed - bound - tolerance * np.maximum(observed, 1e-300)
        # Below the floor the reference probability may have underflowed in double
        # precision, so the comparison would test the oracle rather than the bound.
        excess = np.where(reference < floor, -1.0, excess)
        if np.any(excess > 0):
            worst = int(np.argmax(excess))
            raise AssertionError(
                f"transfer not sound ({direction}) for {mechanism}: event probability {observed[worst]!r} exceeds "
                f"h({reference[worst]!r}) = {bound[worst]!r}"
            )


def check_transfer_shape(certificate, *, grid=None, tolerance: float = 1e-12) -> None:
    """Check that h maps [0, 1] into [0, 1], is non-decreasing, concave, and ``h(1) = 1``.

    Concavity is what lets Theorem 2 use h itself as its own least concave majorant; it is
    checked at midpoints with an absolute tolerance for rounding.
    """
    if grid is None:
        grid = np.unique(np.concatenate([np.linspace(0.0, 1.0, 401), np.geomspace(1e-12, 1.0, 200)]))
    grid = np.asarray(grid, dtype=float)
    values = np.asarray(certificate.transfer(grid), dtype=float)
    if np.any((values < 0.0) | (values > 1.0)) or np.any(np.isnan(values)):
        raise AssertionError(f"transfer values outside [0, 1]: {values[(values < 0) | (values > 1)][:3]}")
    steps = np.diff(values)
    if np.any(steps < -tolerance):
        worst = int(np.argmin(steps))
        raise AssertionError(f"transfer decreases between p={grid[worst]!r} and p={grid[worst + 1]!r}")
    if float(certificate.transfer(1.0)) != 1.0:
        raise AssertionError(f"h(1) = {float(certificate.transfer(1.0))!r}, expected 1")
    middle = (grid[:-1] + grid[1:]) / 2.0
    at_middle = np.asarray(certificate.transfer(middle), dtype=float)
    chord = (values[:-1] + values[1:]) / 2.0
    dent = chord - at_middle
    if np.any(dent > tolerance):
        worst = int(np.argmax(dent))
        raise AssertionError(
            f"transfer not concave near p={middle[worst]!r}: chord {chord[worst]!r} > h {at_middle[worst]!r}"
        )


def check_inverse_consistent(certificate, *, betas=None, tolerance: float = 1e-9) -> None:
    """Check ``h(h←(β)) ≤ β`` and that ``h←(β)`` is not far below the true supremum.

    Both h and its inverse are rounded outward, so ``h(h←(β))`` may exceed β by the
    rounding margin of h; the first check allows a relative ``tolerance``. The second
    evaluates h a little above the inverse: ``h(h←(β) + tolerance)`` must exceed
    ``β − tolerance`` unless the inverse is already 1.
    """
    if betas is None:
        betas = np.unique(np.concatenate([np.linspace(0.0, 1.0, 201), np.geomspace(1e-12, 1.0, 100)]))
    betas = np.asarray(betas, dtype=float)
    inverse = np.asarray(certificate.transfer_inverse(betas), dtype=float)
    if np.any(np.isnan(inverse)):
        raise AssertionError("transfer_inverse returned NaN")
    defined = inverse >= 0.0
    if np.any(defined):
        back = np.asarray(certificate.transfer(inverse[defined]), dtype=float)
        over = back - betas[defined] * (1.0 + tolerance) - 1e-300
        if np.any(over > 0.0):
            worst = int(np.argmax(over))
            raise AssertionError(f"h(h_inverse({betas[defined][worst]!r})) = {back[worst]!r} exceeds beta")
        below_one = inverse[defined] < 1.0
        if np.any(below_one):
            nudged = np.minimum(inverse[defined][below_one] + tolerance, 1.0)
            ahead = np.asarray(certificate.transfer(nudged), dtype=float)
            lagging = ahead < betas[defined][below_one] - tolerance
            if np.any(lagging):
                where = int(np.argmax(lagging))
                raise AssertionError(
                    f"h_inverse({betas[defined][below_one][where]!r}) = {inverse[defined][below_one][where]!r} "
                    "is not the supremum: h stays below beta just above it"
                )
    undefined = ~defined
    if np.any(undefined):
        at_zero = float(certificate.transfer(0.0))
        if np.any(betas[undefined] >= at_zero):
            raise AssertionError("h_inverse is -inf at a beta >= h(0)")


def check_profile_sound(delta_upper, exact_delta, epsilons, *, tolerance: float = DEFAULT_TOLERANCE) -> None:
    """Check ``delta_upper(ε) ≥ exact_delta(ε)`` at every ε given."""
    epsilons = np.asarray(epsilons, dtype=float)
    claimed = np.asarray(delta_upper(epsilons), dtype=float)
    exact = np.asarray(exact_delta(epsilons), dtype=float)
    short = exact - claimed - tolerance * exact
    if np.any(short > 0):
        worst = int(np.argmax(short))
        raise AssertionError(
            f"delta bound {claimed[worst]!r} below the exact {exact[worst]!r} at epsilon={epsilons[worst]!r}"
        )


def check_calibration_safe(calibrate, achieved_epsilon, targets) -> None:
    """Check that the noise returned for each target never overshoots it.

    Args:
        calibrate: maps a target ε (array) to a noise parameter (array).
        achieved_epsilon: maps the noise parameter back to its ε (array).
        targets: the target ε values.
    """
    targets = np.asarray(targets, dtype=float)
    noise = calibrate(targets)
    achieved = np.asarray(achieved_epsilon(noise), dtype=float)
    if np.any(np.isnan(achieved)) or np.any(achieved > targets):
        worst = int(np.nanargmax(achieved - targets))
        raise AssertionError(
            f"calibrated noise {np.ravel(noise)[worst]!r} gives epsilon {achieved[worst]!r} > target {targets[worst]!r}"
        )
