"""The depth audit: empirical depth CDFs checked against Theorem 1.

Given depths of ``N`` unlearned models and ``N`` reference models on a fixed grid, and
the certificate's transfer function ``h``, the audit builds simultaneous bands
(:mod:`.bands`) for both CDFs at level ``α/2`` each, so that both cover their true CDFs at every radius simultaneously
with probability at least ``1 − α`` (Bonferroni). On that event a correct certificate
gives, at every radius r (Theorem 1, and the same with the roles swapped),

    L_u(r) ≤ F_u(r) ≤ h(F_r(r)) ≤ h(U_r(r)),

because h is non-decreasing. A **violation** is a radius where ``L_u(r) > h(U_r(r))``
or ``L_r(r) > h(U_u(r))``; for a correct implementation it occurs with probability at
most α (the audit's false-alarm rate).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .. import _validate
from ..bounds import Certificate, EpsilonDeltaCertificate
from .bands import CdfBand, empirical_cdf_band


@dataclass(frozen=True)
class DepthAudit:
    """Result of checking depth samples against a certificate's transfer function."""

    radii: np.ndarray
    unlearned: CdfBand
    reference: CdfBand
    alpha: float
    bound_on_unlearned: np.ndarray | None
    bound_on_reference: np.ndarray | None
    violations: list[dict] = field(default_factory=list)
    epsilon_lower_bound: float | None = None
    detectable_epsilon_ceiling: float | None = None
    guarantee_beta: float = 0.05
    guaranteed_depth: float | None = None
    detectable: bool | None = None
    minimum_seeds_to_detect: int | None = None
    minimum_seeds_for_guarantee: int | None = None

    @property
    def violated(self) -> bool:
        return bool(self.violations)


def weakest_transfer(certificates: Sequence[Certificate]):
    """Return ``p ↦ max_c h_c(p)``: a transfer function valid under every given certificate."""

    def transfer(p):
        return np.maximum.reduce([np.atleast_1d(c.transfer(p)) for c in certificates])

    return transfer


def audit_depths(
    unlearned_depths,
    reference_depths,
    radii,
    certificates: Sequence[Certificate],
    *,
    alpha: float = 0.05,
    beta: float = 0.05,
    delta: float | None = None,
) -> DepthAudit:
    """Check Theorem 1 at every grid radius, at confidence ``1 − alpha``.

    Args:
        unlearned_depths: depths of the unlearned models (grid values or inf).
        reference_depths: depths of the reference models.
        radii: the probe's grid.
        certificates: the certificates issued (an empty sequence for uncertified
            methods: then only the CDFs and bands are computed).
        alpha: false-alarm rate of the check, in (0, 1).
        beta: level of the guaranteed-depth statement (Theorem 1, quantile form).
        delta: δ at which to state the ε lower bound when no certificate is given (for
            uncertified methods); with (ε, δ) certificates their δ is used.
    """
    alpha = _validate.probability_open("alpha", alpha)
    beta = _validate.probability_open("beta", beta)
    radii = np.asarray(radii, dtype=float)
    unlearned = empirical_cdf_band(unlearned_depths, radii, alpha=alpha / 2)
    reference = empirical_cdf_band(reference_depths, radii, alpha=alpha / 2)
    if not certificates:
        epsilon_lb = ceiling = None
        if delta is not None:
            delta = _validate.in_interval("delta", delta, 0.0, 1.0, high_open=True)
            epsilon_lb = _epsilon_lower_bound(unlearned, reference, delta)
            ceiling = _detectable_ceiling(unlearned, reference, delta)
        return DepthAudit(
            radii=radii,
            unlearned=unlearned,
            reference=reference,
            alpha=alpha,
            bound_on_unlearned=None,
            bound_on_reference=None,
            epsilon_lower_bound=epsilon_lb,
            detectable_epsilon_ceiling=ceiling,
            guarantee_beta=beta,
        )

    transfer = weakest_transfer(certificates)
    bound_u = transfer(reference.upper)
    bound_r = transfer(unlearned.upper)
    violations = []
    for index, radius in enumerate(radii):
        for direction, lower, bound in (
            ("unlearned", unlearned.lower[index], bound_u[index]),
            ("reference", reference.lower[index], bound_r[index]),
        ):
            if lower > bound:
                violations.append(
                    {"radius": float(radius), "direction": direction, "lower_band": float(lower), "bound": float(bound)}
                )

    epsilon_lb = ceiling = None
    deltas = [c.delta for c in certificates if isinstance(c, EpsilonDeltaCertificate)]
    if deltas and len(deltas) == len(certificates):
        delta = max(deltas)
        epsilon_lb = _epsilon_lower_bound(unlearned, reference, delta)
        ceiling = _detectable_ceiling(unlearned, reference, delta)
    detectable = violation_detectable(certificates, unlearned.n, reference.n, radii.size, alpha=alpha)

    return DepthAudit(
        radii=radii,
        unlearned=unlearned,
        reference=reference,
        alpha=alpha,
        bound_on_unlearned=bound_u,
        bound_on_reference=bound_r,
        violations=violations,
        epsilon_lower_bound=epsilon_lb,
        detectable_epsilon_ceiling=ceiling,
        guarantee_beta=beta,
        guaranteed_depth=_guaranteed_depth(radii, bound_u, beta),
        detectable=detectable,
        minimum_seeds_to_detect=None if detectable else minimum_seeds_to_detect(certificates, radii.size, alpha=alpha),
        minimum_seeds_for_guarantee=minimum_seeds_for_guarantee(certificates, radii.size, alpha=alpha, beta=beta),
    )


def extreme_bands(n_full: int, n_empty: int, grid_size: int, *, alpha: float) -> tuple[float, float]:
    """Return the most separated bands N seeds can produce on a grid of `grid_size` radii.

    These are the lower band at a radius below which all ``n_full`` samples lie, and the
    upper band at a radius below which none of the ``n_empty`` samples lie. Each band has
    level ``α/2`` as in :func:`audit_depths`, and its width depends on the grid size
    through the Bonferroni correction.
    """
    radii = np.linspace(0.0, 1.0, grid_size)
    full = empirical_cdf_band(np.zeros(n_full), radii, alpha=alpha / 2)
    empty = empirical_cdf_band(np.full(n_empty, np.inf), radii, alpha=alpha / 2)
    return float(full.lower[0]), float(empty.upper[0])


def violation_detectable(
    certificates: Sequence[Certificate], n_unlearned: int, n_reference: int, grid_size: int, *, alpha: float
) -> bool:
    """Return whether these sample sizes can show any violation of the certificates at all.

    Even perfectly separated depth samples (every model of one group at depth 0, none of
    the other) are flagged only if their bands cross the bound, ``L_full > h(U_empty)``.
    With fewer seeds every audit passes.
    """
    if not certificates:
        return False
    return _separated_bands_violate(weakest_transfer(certificates), n_unlearned, n_reference, grid_size, alpha)


def _separated_bands_violate(transfer, n_unlearned: int, n_reference: int, grid_size: int, alpha: float) -> bool:
    lower, upper = extreme_bands(n_unlearned, n_reference, grid_size, alpha=alpha)
    lower_r, upper_u = extreme_bands(n_reference, n_unlearned, grid_size, alpha=alpha)
    return bool(lower > transfer(upper)[0] or lower_r > transfer(upper_u)[0])


def minimum_seeds_to_detect(
    certificates: Sequence[Certificate], grid_size: int, *, alpha: float, limit: int = 100_000
) -> int | None:
    """Return the least number of seeds (per group) at which a violation can be detected.

    ``None`` when no number up to `limit` suffices (for example ε of 4 or more).
    """
    if not certificates:
        return None
    transfer = weakest_transfer(certificates)
    return _least_satisfying(lambda n: _separated_bands_violate(transfer, n, n, grid_size, alpha), limit)


def minimum_seeds_for_guarantee(
    certificates: Sequence[Certificate], grid_size: int, *, alpha: float, beta: float, limit: int = 1_000_000
) -> int | None:
    """Return the least number of reference seeds that can give a non-trivial guaranteed depth.

    In the best case no reference model is recovered at the smallest positive radius, and
    the guarantee is non-trivial when ``h(U_empty) ≤ β`` there. ``None`` beyond `limit`.
    """
    if not certificates:
        return None
    transfer = weakest_transfer(certificates)

    def enough(n: int) -> bool:
        _, upper = extreme_bands(1, n, grid_size, alpha=alpha)
        return bool(transfer(upper)[0] <= beta)

    return _least_satisfying(enough, limit)


def _least_satisfying(predicate, limit: int) -> int | None:
    """Return the least n in [1, limit] with `predicate(n)`, for a predicate monotone in n."""
    if not predicate(limit):
        return None
    low, high = 1, limit
    while low < high:
        middle = (low + high) // 2
        if predicate(middle):
            high = middle
        else:
            low = middle + 1
    return low


def _detectable_ceiling(unlearned: CdfBand, reference: CdfBand, delta: float) -> float:
    """The largest ε_lb these sample sizes can show: all of one group at a radius, none of the other."""
    radii = unlearned.radii
    full = empirical_cdf_band(np.zeros(unlearned.n), radii, alpha=unlearned.alpha)
    empty = empirical_cdf_band(np.full(reference.n, np.inf), radii, alpha=reference.alpha)
    return _epsilon_lower_bound(full, empty, delta)


def _guaranteed_depth(radii: np.ndarray, bound_u: np.ndarray, beta: float) -> float:
    # Depths take grid values, so P(d_u < r_j) = P(d_u ≤ r_{j−1}) ≤ bound_u[j−1].
    exceeded = bound_u > beta
    if not exceeded.any():
        return math.inf
    return float(radii[int(np.argmax(exceeded))])


def _epsilon_lower_bound(unlearned: CdfBand, reference: CdfBand, delta: float) -> float:
    """Largest ε that the bands show some event {d ≤ r} or {d > r} to exceed at this δ.

    For an (ε, δ) pair, ``P_a(E) ≤ e^ε P_b(E) + δ`` for every event E and both orders
    (a, b); on the event that the bands hold, ``(L_a(E) − δ)/U_b(E) ≤ e^ε``.
    """
    candidates = [0.0]
    pairs = (
        (unlearned.lower, reference.upper),
        (reference.lower, unlearned.upper),
        (1.0 - unlearned.upper, 1.0 - reference.lower),
        (1.0 - reference.upper, 1.0 - unlearned.lower),
    )
    for lower, upper in pairs:
        numerator = lower - delta
        positive = numerator > 0
        if np.any(positive & (upper <= 0)):
            return math.inf
        with np.errstate(divide="ignore"):
            ratios = numerator[positive] / upper[positive]
        if ratios.size:
            candidates.append(float(np.log(ratios.max())))
    return max(candidates)
