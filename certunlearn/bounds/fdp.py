"""f-DP: trade-off functions and trade-off certificates.

For two laws P and Q the trade-off function ``T(P, Q)(x)`` is the least type II error
of a test of P against Q at type I error x (Dong, Roth and Su 2022). A
certificate with trade-off ``f`` in both directions bounds every event: with
``x = P(θ_r ∈ E)``, ``P(θ_u ∈ E) ≤ 1 − f(x)``, so its transfer function is
``h = 1 − f``.

Trade-off functions here:

* ``f_{ε,δ}(x) = max{0, 1 − δ − e^ε x, e^{−ε}(1 − δ − x)}`` for an (ε, δ) pair
  (Dong, Roth and Su 2022);
* ``G_μ(x) = Φ(Φ⁻¹(1 − x) − μ)`` for μ-GDP;
* the piecewise-linear ``max_i f_{ε_i, δ_i}`` of finitely many pairs, which
  :class:`TradeOffCertificate` stores. Each ``f_{ε_i, δ_i}`` is a valid lower bound on
  the true trade-off, so their maximum is too; conversely every symmetric convex
  piecewise-linear trade-off function is of this form, its supporting lines being
  paired with their mirror images.

Values of ``f`` are rounded down and values of ``h = 1 − f`` up. The privacy profile of
a trade-off certificate is its convex conjugate ``δ(ε) = 1 + f*(−e^ε)``
(Dong, Roth and Su 2022), which :class:`~certunlearn.bounds.profile.PrivacyProfileCertificate`
evaluates from the same pairs; the conversion is lossless in both directions.

Group deletion of ``g`` points under a trade-off ``f`` gives the trade-off
``1 − (1 − f)^{∘g}``: the transfer composed g times (group privacy in f-DP, Dong, Roth and Su 2022). For a
piecewise-linear ``f`` the composition is again piecewise linear and is computed exactly
on its lines (:func:`compose_transfer_lines`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from .. import _numerics, _validate
from .certificate import Certificate, EpsilonDeltaCertificate, GaussianDPCertificate, Provenance, register_notion
from .gaussian import gdp_delta
from .profile import (
    DEFAULT_EPSILONS,
    MAX_EPSILON,
    PrivacyProfileCertificate,
    max_transfer_inverse,
    min_transfer,
    pair_within_range,
)

# Envelopes larger than this are thinned before composing two of them, which keeps the
# product of line sets below a million lines. The thinning loosens h slightly.
_MAX_LINES = 1000
_MAX_SLOPE = math.exp(MAX_EPSILON)


def epsilon_delta_tradeoff(x, *, epsilon: float, delta: float):
    """Return ``f_{ε,δ}(x) = max{0, 1 − δ − e^ε x, e^{−ε}(1 − δ − x)}``, rounded down."""
    x = _validate.array_in_interval("x", x, 0.0, 1.0)
    epsilon = _validate.non_negative("epsilon", epsilon, allow_inf=True)
    delta = _validate.in_interval("delta", delta, 0.0, 1.0)
    return _numerics.scalar_or_array(_tradeoff_raw(x, np.array([epsilon]), np.array([delta])))


def gaussian_tradeoff(x, *, mu: float):
    """Return ``G_μ(x) = Φ(Φ⁻¹(1 − x) − μ) = Φ(−Φ⁻¹(x) − μ)``, rounded down."""
    x = _validate.array_in_interval("x", x, 0.0, 1.0)
    mu = _validate.non_negative("mu", mu, allow_inf=True)
    with np.errstate(over="ignore", invalid="ignore"):
        z = special.ndtri(x)
        # Round Φ⁻¹(x) up so that −Φ⁻¹(x) − μ, and with it Φ, moves down.
        z = z + _numerics.SPECIAL_FUNCTION_MARGIN * (1.0 + np.abs(z))
        value = _numerics.pad_down(special.ndtr(-z - mu))
    value = np.where(x <= 0.0, 1.0, np.maximum(value, 0.0))
    value = np.where(x >= 1.0, 0.0, value)
    if math.isinf(mu):
        # Perfectly distinguishable laws: every type I error admits type II error 0.
        value = np.zeros_like(value)
    return _numerics.scalar_or_array(value)


def _tradeoff_raw(x: np.ndarray, epsilons: np.ndarray, deltas: np.ndarray) -> np.ndarray:
    flat = np.asarray(x, dtype=float).ravel()[None, :]
    eps = np.asarray(epsilons, dtype=float)[:, None]
    dlt = np.asarray(deltas, dtype=float)[:, None]
    with np.errstate(over="ignore", invalid="ignore"):
        steep = _numerics.down(1.0 - dlt) - _numerics.pad_up(np.where(flat > 0, np.exp(eps) * flat, 0.0))
        gentle = _numerics.pad_down(np.exp(-eps) * _numerics.down(_numerics.down(1.0 - dlt) - flat))
    steep = _numerics.down(steep)
    value = np.maximum(np.maximum(steep, gentle).max(axis=0), 0.0)
    return value.reshape(np.shape(x))


@register_notion
@dataclass(frozen=True, kw_only=True)
class TradeOffCertificate(Certificate):
    """An f-DP certificate with the trade-off ``f = max_i f_{ε_i, δ_i}`` in both directions.

    Attributes:
        epsilons: strictly increasing ε_i in [0, 700].
        deltas: δ_i in [0, 1], one per ε_i. A pair dominated by an earlier one is
            tightened to the running minimum, as in a privacy profile.
    """

    notion = "f-dp"
    epsilons: tuple[float, ...]
    deltas: tuple[float, ...]
    provenance: Provenance = field(default_factory=lambda: Provenance(algorithm="a mechanism given by the user"))

    def __post_init__(self) -> None:
        # The same pairs, validated and tightened by the profile's rules.
        profile = PrivacyProfileCertificate(epsilons=self.epsilons, deltas=self.deltas)
        object.__setattr__(self, "epsilons", profile.epsilons)
        object.__setattr__(self, "deltas", profile.deltas)

    @classmethod
    def from_pairs(cls, pairs, *, provenance: Provenance | None = None) -> TradeOffCertificate:
        """Build from (ε, δ) pairs in any order; for equal ε the smallest δ is kept."""
        array = np.asarray(pairs, dtype=float).reshape(-1, 2)
        order = np.lexsort((array[:, 1], array[:, 0]))
        array = array[order]
        first = np.concatenate([[True], np.diff(array[:, 0]) > 0])
        return cls(
            epsilons=tuple(array[first, 0]),
            deltas=tuple(array[first, 1]),
            provenance=provenance or Provenance(algorithm="(epsilon, delta) pairs"),
        )

    @classmethod
    def from_gdp(cls, mu: float, *, epsilons=DEFAULT_EPSILONS, provenance: Provenance | None = None):
        """Build a piecewise-linear lower bound on ``G_μ`` from the pairs ``(ε, δ_μ(ε))`` on a grid.

        μ-GDP implies (ε, δ_μ(ε))-DP for every ε, so each line is valid.
        """
        mu = _validate.non_negative("mu", mu)
        grid = np.asarray(epsilons, dtype=float)
        return cls(
            epsilons=tuple(grid),
            deltas=tuple(np.atleast_1d(gdp_delta(grid, mu=mu))),
            provenance=provenance or Provenance(algorithm=f"{mu:g}-Gaussian-DP"),
        )

    def tradeoff(self, x):
        """Return ``f(x) = max_i f_{ε_i, δ_i}(x)`` rounded down (vectorised)."""
        x = _validate.array_in_interval("x", x, 0.0, 1.0)
        return _numerics.scalar_or_array(_tradeoff_raw(x, np.asarray(self.epsilons), np.asarray(self.deltas)))

    def transfer(self, p):
        p = _validate.array_in_interval("p", p, 0.0, 1.0)
        return _numerics.scalar_or_array(min_transfer(p, np.asarray(self.epsilons), np.asarray(self.deltas)))

    def transfer_inverse(self, beta):
        beta = _validate.array_in_interval("beta", beta, 0.0, 1.0)
        return _numerics.scalar_or_array(max_transfer_inverse(beta, np.asarray(self.epsilons), np.asarray(self.deltas)))

    def to_profile(self) -> PrivacyProfileCertificate:
        """Return the privacy profile of this trade-off (the same pairs; lossless)."""
        return PrivacyProfileCertificate(epsilons=self.epsilons, deltas=self.deltas, provenance=self.provenance)

    def parameters_dict(self) -> dict[str, Any]:
        return {"epsilons": list(self.epsilons), "deltas": list(self.deltas)}

    @classmethod
    def from_record(cls, record: dict[str, Any], provenance: Provenance) -> TradeOffCertificate:
        return cls(epsilons=tuple(record["epsilons"]), deltas=tuple(record["deltas"]), provenance=provenance)

    def guarantee_sentence(self) -> str:
        return (
            f"f-DP certified unlearning with the piecewise-linear trade-off function given by {len(self.epsilons)} "
            "(epsilon, delta) pairs: any test telling the unlearned model from a retrained one with type I error "
            "x has type II error at least f(x) = max_i max{0, 1 - delta_i - e^epsilon_i x, "
            "e^-epsilon_i (1 - delta_i - x)}, in both directions."
        )


# -- exact composition of piecewise-linear transfer functions -------------------------------


def pairs_to_lines(epsilons, deltas) -> tuple[np.ndarray, np.ndarray]:
    """Return slopes and intercepts of the lines whose minimum is the transfer ``h``.

    Each pair gives ``γp + δ`` and its mirror ``p/γ + 1 − (1 − δ)/γ``, plus the constant 1.
    """
    epsilons = np.asarray(epsilons, dtype=float)
    deltas = np.asarray(deltas, dtype=float)
    gamma = _numerics.up(np.exp(epsilons))
    inverse = _numerics.up(np.exp(-epsilons))
    slopes = np.concatenate([gamma, inverse, [0.0]])
    kept = _numerics.pad_down(np.exp(-epsilons) * _numerics.down(1.0 - deltas))
    intercepts = np.concatenate([deltas, _numerics.up(1.0 - kept), [1.0]])
    return slopes, intercepts


def lines_to_pairs(slopes: np.ndarray, intercepts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (ε, δ) pairs whose transfer is at least the minimum of the given lines.

    A line ``ap + b`` with ``a ≥ 1`` is the pair ``(log a, b)``; one with ``0 < a < 1`` is
    the mirror of ``(−log a, 1 − (1 − b)/a)``. Both directions of a symmetric certificate
    are valid, so each line may stand for its pair. Rounded up.
    """
    slopes = np.asarray(slopes, dtype=float)
    intercepts = np.asarray(intercepts, dtype=float)
    steep = slopes >= 1.0
    gentle = (slopes > 0.0) & ~steep
    eps_steep = _numerics.up(np.log(slopes[steep]))
    delta_steep = intercepts[steep]
    eps_gentle = _numerics.up(-np.log(slopes[gentle]))
    delta_gentle = _numerics.up(
        1.0 - _numerics.down(_numerics.down(1.0 - intercepts[gentle]) / _numerics.up(slopes[gentle]))
    )
    epsilons = np.concatenate([eps_steep, eps_gentle])
    deltas = np.clip(np.concatenate([delta_steep, delta_gentle]), 0.0, 1.0)
    valid = epsilons <= MAX_EPSILON
    if not np.any(valid):
        # Only the constant line h = 1 is left: the vacuous pair (0, 1).
        return np.zeros(1), np.ones(1)
    return epsilons[valid], deltas[valid]


def lower_envelope(slopes: np.ndarray, intercepts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the lines that attain ``min_i (a_i p + b_i)`` somewhere in p ∈ [0, 1].

    Dropping a line can only raise the minimum, so a rounding error in the pruning
    makes the result looser, never unsound.
    """
    order = np.lexsort((intercepts, -slopes))
    a_sorted, b_sorted = slopes[order], intercepts[order]
    stack_a: list[float] = []
    stack_b: list[float] = []
    for a, b in zip(a_sorted, b_sorted, strict=True):
        if stack_a and a == stack_a[-1]:
            continue  # same slope, larger intercept: never below the kept line
        while len(stack_a) >= 2:
            # The middle line is useless if the new line overtakes the first one no
            # later than the middle line does.
            cross_new = (b - stack_b[-2]) / (stack_a[-2] - a)
            cross_middle = (stack_b[-1] - stack_b[-2]) / (stack_a[-2] - stack_a[-1])
            if cross_new <= cross_middle:
                stack_a.pop()
                stack_b.pop()
            else:
                break
        stack_a.append(a)
        stack_b.append(b)
    a_env, b_env = np.array(stack_a), np.array(stack_b)
    if a_env.size <= 1:
        return a_env, b_env
    with np.errstate(divide="ignore", invalid="ignore"):
        crossings = (b_env[1:] - b_env[:-1]) / (a_env[:-1] - a_env[1:])
    start = np.concatenate([[-np.inf], crossings])
    end = np.concatenate([crossings, [np.inf]])
    useful = (end >= 0.0) & (start <= 1.0)
    return a_env[useful], b_env[useful]


def compose_transfer_lines(
    first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Return the lines of ``h₁ ∘ h₂`` for ``h_j = min(lines_j)`` (rounded up, pruned).

    For non-decreasing lines ``min_i L_i(min_j M_j(p)) = min_{i,j} L_i(M_j(p))``, and
    ``(a p + b) ∘ (c p + d) = ac p + (ad + b)``.
    """
    a1, b1 = _thin(*first)
    a2, b2 = _thin(*second)
    with np.errstate(over="ignore", invalid="ignore"):
        slopes = _numerics.up(np.outer(a1, a2)).ravel()
        intercepts = _numerics.up(_numerics.up(np.outer(a1, b2)) + b1[:, None]).ravel()
    # A line steeper than e^700 matters only for p below about e^-700; dropping it (or an
    # overflowed one) only raises the minimum, so h stays valid.
    keep = np.isfinite(slopes) & np.isfinite(intercepts) & (slopes <= _MAX_SLOPE)
    return lower_envelope(slopes[keep], intercepts[keep])


def _thin(slopes: np.ndarray, intercepts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep at most :data:`_MAX_LINES` lines, evenly spread; dropping lines only loosens h."""
    if slopes.size <= _MAX_LINES:
        return slopes, intercepts
    keep = np.unique(np.linspace(0, slopes.size - 1, _MAX_LINES).round().astype(int))
    return slopes[keep], intercepts[keep]


def group_pairs(epsilons, deltas, group_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (ε, δ) pairs for the g-fold composed transfer ``h^{∘g}`` (group deletion).

    Uses repeated squaring, so about ``2 log₂ g`` compositions of line sets.
    """
    base = lower_envelope(*pairs_to_lines(epsilons, deltas))
    result: tuple[np.ndarray, np.ndarray] | None = None
    power = base
    remaining = group_size
    while remaining > 0:
        if remaining & 1:
            result = power if result is None else compose_transfer_lines(result, power)
        remaining >>= 1
        if remaining:
            power = compose_transfer_lines(power, power)
    assert result is not None
    slopes, intercepts = result
    return lines_to_pairs(slopes, intercepts)


def tradeoff_from_epsilon_delta(certificate: EpsilonDeltaCertificate) -> TradeOffCertificate:
    """Return the trade-off certificate ``f_{ε,δ}`` of an (ε, δ) certificate (lossless for ε ≤ 700)."""
    epsilon, delta = pair_within_range(certificate.epsilon, certificate.delta)
    return TradeOffCertificate(epsilons=(epsilon,), deltas=(delta,), provenance=certificate.provenance)


def tradeoff_from_gdp(certificate: GaussianDPCertificate, *, epsilons=DEFAULT_EPSILONS) -> TradeOffCertificate:
    """Return a piecewise-linear lower bound on ``G_μ`` as a trade-off certificate."""
    return TradeOffCertificate.from_gdp(certificate.mu, epsilons=epsilons, provenance=certificate.provenance)
