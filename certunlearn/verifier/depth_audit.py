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
    )


def _detectable_ceiling(unlearned: CdfBand, reference: CdfBand, delta: float) -> float:
    """The largest ε_lb these sample sizes can show: all of one side at a radius, none of the other."""
    extreme = np.array([0.0])
    full = empirical_cdf_band(np.zeros(unlearned.n), extreme, alpha=unlearned.alpha)
    empty = empirical_cdf_band(np.ones(reference.n), extreme, alpha=reference.alpha)
    numerator = float(full.lower[0]) - delta
    if numerator <= 0:
        return 0.0
    return max(0.0, math.log(numerator / float(empty.upper[0])))


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
