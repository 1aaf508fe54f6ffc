"""Rényi certificates: ``D_α(θ_u ‖ θ_r) ≤ ρ(α)`` and ``D_α(θ_r ‖ θ_u) ≤ ρ(α)`` on a grid of orders.

The Rényi divergence of order α > 1 is ``D_α(P‖Q) = log(∫ p^α q^{1−α}) / (α − 1)``
(Mironov 2017). A certificate stores the orders and the bounds ``ρ(α)``
(the "RDP curve"). This module converts such a curve into the other notions, always
towards the safe side:

* to δ at a given ε and to ε at a given δ, by the conversion of Canonne, Kamath and
  Steinke (2020, Proposition 12), also Balle et al. (2020, Theorem 21):

      δ(ε) ≤ exp((α−1)(ρ(α) − ε)) (1 − 1/α)^{α−1} / α,
      ε(δ) ≤ ρ(α) + log(1 − 1/α) − (log δ + log α)/(α − 1),

  minimised over the orders and clamped at ε ≥ 0;
* at ε = 0 by the total-variation bound: ``D_α ≥ KL`` for α ≥ 1 and
  ``TV ≤ sqrt(1 − e^{−KL})`` (Bretagnolle and Huber 1979), so
  ``δ(ε) ≤ δ(0) = TV ≤ sqrt(1 − e^{−min_α ρ(α)})``;
* to the transfer function, as the better of probability preservation
  ``P(E) ≤ (e^{ρ(α)} Q(E))^{(α−1)/α}`` (Mironov 2017) and the infimum over
  ε of the (ε, δ(ε)) transfer lines of the conversion above, which has a closed form
  per order (``proofs/conversion_rdp_transfer.md``).

Orders must be strictly above 1: order 1 is the KL divergence, for which none of these
conversions hold in this form. When the order that attains a minimum is the first or the
last of the grid, an :class:`OrderGridWarning` is issued. The bound is valid, but a wider
grid may give a tighter one.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _numerics, _validate
from .certificate import Certificate, Provenance, register_notion

DEFAULT_ORDERS = tuple(
    float(order)
    for order in np.concatenate(
        [
            [1.01, 1.02, 1.05],
            np.round(np.arange(1.1, 11.0, 0.1), 10),
            np.arange(11, 65),
            [72, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024],
        ]
    )
)
"""Default Rényi orders: 1.01, 1.02, 1.05, 1.1 to 10.9 in steps of 0.1, every integer from
11 to 64, then 72 to 1024 in about 17 steps."""

# Relative error allowed for each floating-point piece of a log-space expression: a few
# ulps for the arithmetic plus the margin used for scipy special functions.
_LOG_MARGIN = _numerics.SPECIAL_FUNCTION_MARGIN


class OrderGridWarning(UserWarning):
    """The optimal Rényi order is the smallest or largest order of the grid.

    The bound is still valid; extending the grid past that end may tighten it.
    """


def validate_orders(orders, *, name: str = "orders") -> np.ndarray:
    """Return `orders` as a 1-D float array after checking each order is in (1, inf)."""
    array = np.atleast_1d(np.asarray(orders, dtype=float))
    if array.ndim != 1 or array.size == 0:
        raise _validate.fail(name, "a non-empty 1-D sequence of Rényi orders in (1, inf)", orders)
    bad = ~np.isfinite(array) | (array <= 1.0)
    if np.any(bad):
        raise _validate.fail(
            name,
            "in (1, inf) in every entry (order 1 is the KL divergence and orders below 1 do not give these bounds)",
            array[bad],
        )
    return array


@register_notion
@dataclass(frozen=True, kw_only=True)
class RenyiCertificate(Certificate):
    """A Rényi certificate: ``D_α ≤ ρ(α)`` in both directions for each order α given.

    Attributes:
        orders: Rényi orders, each in (1, inf), strictly increasing.
        rdp: the bounds ρ(α) ≥ 0, one per order (``inf`` where nothing is known).
    """

    notion = "renyi"
    orders: tuple[float, ...]
    rdp: tuple[float, ...]
    provenance: Provenance = field(default_factory=lambda: Provenance(algorithm="a mechanism given by the user"))

    def __post_init__(self) -> None:
        orders = validate_orders(self.orders)
        rdp = _validate.array_in_interval("rdp", self.rdp, 0.0, math.inf)
        if rdp.shape != orders.shape:
            raise _validate.fail("rdp", f"one value per order ({orders.size} values)", rdp.shape)
        if np.any(np.diff(orders) <= 0):
            raise _validate.fail("orders", "strictly increasing", orders)
        object.__setattr__(self, "orders", tuple(float(value) for value in orders))
        object.__setattr__(self, "rdp", tuple(float(value) for value in rdp))

    def epsilon(self, delta, *, warn: bool = True):
        """Return an upper bound on ε at each δ (see :func:`rdp_to_epsilon`)."""
        return rdp_to_epsilon(delta, orders=self.orders, rdp=self.rdp, warn=warn)

    def delta(self, epsilon, *, warn: bool = True):
        """Return an upper bound on δ(ε) at each ε (see :func:`rdp_to_delta`)."""
        return rdp_to_delta(epsilon, orders=self.orders, rdp=self.rdp, warn=warn)

    def transfer(self, p):
        return renyi_transfer(p, orders=self.orders, rdp=self.rdp)

    def transfer_inverse(self, beta):
        return renyi_transfer_inverse(beta, orders=self.orders, rdp=self.rdp)

    def parameters_dict(self) -> dict[str, Any]:
        return {"orders": list(self.orders), "rdp": list(self.rdp)}

    @classmethod
    def from_record(cls, record: dict[str, Any], provenance: Provenance) -> RenyiCertificate:
        rdp = tuple(math.inf if value in ("inf", None) else float(value) for value in record["rdp"])
        return cls(orders=tuple(record["orders"]), rdp=rdp, provenance=provenance)

    def guarantee_sentence(self) -> str:
        finite = [(a, r) for a, r in zip(self.orders, self.rdp, strict=True) if math.isfinite(r)]
        example = f"; for example D_{finite[0][0]:g} <= {finite[0][1]:.4g}" if finite else ""
        return (
            f"Renyi-certified unlearning at {_orders_text(self.orders)}: "
            "the Renyi divergence of each order alpha between the laws of the unlearned and the retrained "
            f"model, in both directions, is at most rho(alpha){example}."
        )


# -- conversions from an RDP curve ------------------------------------------------------


def _curve(orders, rdp) -> tuple[np.ndarray, np.ndarray]:
    orders = validate_orders(orders)
    rdp = _validate.array_in_interval("rdp", rdp, 0.0, math.inf)
    if rdp.shape != orders.shape:
        raise _validate.fail("rdp", f"one value per order ({orders.size} values)", rdp.shape)
    return orders, rdp


def total_variation_bound(rdp) -> float:
    """Return ``sqrt(1 − e^{−min ρ})`` rounded up: a bound on the total variation distance."""
    smallest = float(np.min(rdp))
    if math.isinf(smallest):
        return 1.0
    return float(min(1.0, _numerics.pad_up(math.sqrt(-math.expm1(-smallest)))))


def rdp_to_delta(epsilon, *, orders, rdp, warn: bool = True):
    """Return an upper bound on δ(ε) from an RDP curve, for each ε ≥ 0 (vectorised).

    The minimum over orders of the Canonne–Kamath–Steinke conversion (module docstring)
    and of the total-variation bound, capped at 1.
    """
    orders, rdp = _curve(orders, rdp)
    epsilon = _validate.array_in_interval("epsilon", epsilon, 0.0, math.inf)
    flat = epsilon.ravel()
    log_delta = _log_delta_per_order(flat[None, :], orders[:, None], rdp[:, None])
    best = np.argmin(log_delta, axis=0)
    value = np.exp(log_delta[best, np.arange(flat.size)])
    value = np.minimum(_numerics.pad_up(value), total_variation_bound(rdp))
    value = np.minimum(value, 1.0)
    if warn:
        _warn_if_edge(orders, best, (value < 1.0) & (value < total_variation_bound(rdp)))
    return _numerics.scalar_or_array(value.reshape(epsilon.shape))


def rdp_to_epsilon(delta, *, orders, rdp, warn: bool = True):
    """Return an upper bound on ε at each δ in (0, 1] from an RDP curve (vectorised).

    ε = 0 when δ is at least the total-variation bound (this zero is exact, not a
    rounding); otherwise the minimum over orders of the conversion in the module
    docstring, clamped at 0 and rounded up. ``inf`` when every ρ(α) is infinite.
    """
    orders, rdp = _curve(orders, rdp)
    delta = _validate.array_in_interval("delta", delta, 0.0, 1.0, low_open=True)
    flat = delta.ravel()
    alpha = orders[:, None]
    with np.errstate(invalid="ignore", over="ignore"):
        shrink = np.log1p(-1.0 / alpha)
        tail = (np.log(flat[None, :]) + np.log(alpha)) / (alpha - 1.0)
        per_order = rdp[:, None] + shrink - tail
        # Each term carries a relative error of a few ulps (log, log1p, division). The pad
        # is relative to the largest term, so cancellations stay covered.
        scale = np.abs(rdp[:, None]) + np.abs(shrink) + np.abs(tail) + 1.0
        per_order = per_order + _LOG_MARGIN * scale
    per_order = np.where(np.isinf(rdp)[:, None], np.inf, per_order)
    best = np.argmin(per_order, axis=0)
    value = np.maximum(per_order[best, np.arange(flat.size)], 0.0)
    value = _numerics.up(value)
    by_total_variation = flat >= total_variation_bound(rdp)
    value = np.where(by_total_variation, 0.0, value)
    if warn:
        _warn_if_edge(orders, best, np.isfinite(value) & (value > 0.0))
    return _numerics.scalar_or_array(value.reshape(delta.shape))


def _log_delta_per_order(epsilon: np.ndarray, alpha: np.ndarray, rdp: np.ndarray) -> np.ndarray:
    """log of the CKS δ bound for each (order, ε) pair, rounded up."""
    with np.errstate(invalid="ignore", over="ignore"):
        gap = (alpha - 1.0) * (rdp - epsilon)
        shrink = (alpha - 1.0) * np.log1p(-1.0 / alpha)
        log_alpha = np.log(alpha)
        value = gap + shrink - log_alpha
        value = value + _LOG_MARGIN * (np.abs(gap) + np.abs(shrink) + log_alpha + 1.0)
    return np.where(np.isinf(rdp), np.inf, value)


def _warn_if_edge(orders: np.ndarray, best: np.ndarray, informative: np.ndarray) -> None:
    if orders.size < 2 or not np.any(informative):
        return
    chosen = best[informative]
    if np.any(chosen == 0):
        warnings.warn(
            f"the optimal Renyi order is the smallest order of the grid ({orders[0]:g}); the bound is valid, "
            "but orders closer to 1 may give a tighter one",
            OrderGridWarning,
            stacklevel=3,
        )
    if np.any(chosen == orders.size - 1):
        warnings.warn(
            f"the optimal Renyi order is the largest order of the grid ({orders[-1]:g}); the bound is valid, "
            "but larger orders may give a tighter one",
            OrderGridWarning,
            stacklevel=3,
        )


# -- transfer function --------------------------------------------------------------------


def renyi_transfer(p, *, orders, rdp):
    """Return ``h(p)``, the least of the Rényi transfer bounds, rounded up (vectorised).

    For each order α with ``C = exp((α−1)ρ)(1 − 1/α)^{α−1}/α`` (so that the converted
    profile is ``δ(ε) = C e^{−(α−1)ε}``) the candidates are

    * probability preservation ``(e^{ρ} p)^{(α−1)/α}``;
    * ``min_{γ≥1} γp + Cγ^{1−α}``, equal to ``γ* p α/(α−1)`` with
      ``γ* = ((α−1)C/p)^{1/α}`` when ``γ* ≥ 1`` and to ``p + C`` otherwise;
    * ``min_{γ≥1} 1 − (1−p)/γ + Cγ^{−α}``, equal to ``1 − (1−p)(α−1)/(α γ*)`` with
      ``γ* = (αC/(1−p))^{1/(α−1)}`` when ``γ* ≥ 1`` and to ``p + C`` otherwise;
    * ``p + TV`` with the total-variation bound.

    The minimum over ε of the two (ε, δ(ε)) lines is attained at the stationary points
    above (``proofs/conversion_rdp_transfer.md``).
    """
    orders, rdp = _curve(orders, rdp)
    p = _validate.array_in_interval("p", p, 0.0, 1.0)
    flat = p.ravel()
    finite = np.isfinite(rdp)
    result = np.ones_like(flat)
    if np.any(finite):
        alpha = orders[finite][:, None]
        r = rdp[finite][:, None]
        log_c = _log_delta_per_order(np.zeros_like(r), alpha, r)
        inner = (flat > 0.0) & (flat < 1.0)
        if np.any(inner):
            x = flat[None, inner]
            candidates = _transfer_candidates(x, alpha, r, log_c)
            value = np.minimum(candidates.min(axis=0), _numerics.pad_up(x[0] + total_variation_bound(rdp)))
            result[inner] = np.minimum(value, 1.0)
        result[flat <= 0.0] = 0.0
    return _numerics.scalar_or_array(result.reshape(p.shape))


def _transfer_candidates(x: np.ndarray, alpha: np.ndarray, r: np.ndarray, log_c: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_x = np.log(x)
        log_complement = np.log1p(-x)
        exponent = (alpha - 1.0) / alpha
        log_pp = exponent * (r + log_x)
        preservation = np.exp(log_pp + _LOG_MARGIN * (np.abs(log_pp) + exponent * (np.abs(r) + np.abs(log_x)) + 1.0))

        at_one = np.exp(log_c) + x
        log_gamma1 = (np.log(alpha - 1.0) + log_c - log_x) / alpha
        log_line1 = log_gamma1 + log_x + np.log(alpha / (alpha - 1.0))
        line1 = np.exp(log_line1 + _LOG_MARGIN * (np.abs(log_gamma1) + np.abs(log_x) + np.abs(log_c) + 4.0))
        line1 = np.where(log_gamma1 > 0.0, line1, at_one)

        log_gamma2 = (np.log(alpha) + log_c - log_complement) / (alpha - 1.0)
        log_removed = log_complement + np.log((alpha - 1.0) / alpha) - log_gamma2
        removed = np.exp(log_removed - _LOG_MARGIN * (np.abs(log_removed) + np.abs(log_c) + 4.0))
        line2 = _numerics.up(1.0 - _numerics.down(removed))
        line2 = np.where(log_gamma2 > 0.0, line2, at_one)
    candidates = np.stack([preservation, line1, line2])
    candidates = _numerics.pad_up(np.where(np.isnan(candidates), 1.0, candidates))
    return candidates.reshape(-1, x.shape[-1])


def renyi_transfer_inverse(beta, *, orders, rdp):
    """Return ``h←(β) = sup{p : h(p) ≤ β}`` for :func:`renyi_transfer`, rounded down.

    ``h`` is a minimum of non-decreasing functions, so ``h←`` is the maximum of their
    inverses, each in closed form (``proofs/conversion_rdp_transfer.md``):
    ``e^{−ρ} β^{α/(α−1)}``; ``β(1 − 1/α)/γ*`` with ``γ* = (αC/β)^{1/(α−1)}`` (or
    ``β − C`` when ``γ* < 1``); ``1 − γ*(1−β)α/(α−1)`` with
    ``γ* = ((α−1)C/(1−β))^{1/α}`` (or ``β − C``); and ``β − TV``. ``-inf`` when none
    is non-negative.
    """
    orders, rdp = _curve(orders, rdp)
    beta = _validate.array_in_interval("beta", beta, 0.0, 1.0)
    flat = beta.ravel()
    result = np.where(flat >= 1.0, 1.0, -np.inf)
    finite = np.isfinite(rdp)
    inner = flat < 1.0
    if np.any(finite) and np.any(inner):
        alpha = orders[finite][:, None]
        r = rdp[finite][:, None]
        log_c = _log_delta_per_order(np.zeros_like(r), alpha, r)
        b = flat[None, inner]
        candidates = _inverse_candidates(b, alpha, r, log_c)
        by_total_variation = _numerics.down(b[0] - total_variation_bound(rdp))
        value = np.maximum(candidates.max(axis=0), by_total_variation)
        value = np.where(value < 0.0, -np.inf, np.minimum(value, 1.0))
        result[inner] = value
    return _numerics.scalar_or_array(result.reshape(beta.shape))


def _inverse_candidates(b: np.ndarray, alpha: np.ndarray, r: np.ndarray, log_c: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_b = np.log(b)
        log_complement = np.log1p(-b)
        power = alpha / (alpha - 1.0)
        log_pp = -r + power * log_b
        preservation = np.exp(log_pp - _LOG_MARGIN * (np.abs(r) + power * np.abs(log_b) + 1.0))
        preservation = np.where(b > 0.0, preservation, 0.0)

        at_one = _numerics.down(b - _numerics.pad_up(np.exp(log_c)))
        log_gamma1 = (np.log(alpha) + log_c - log_b) / (alpha - 1.0)
        log_line1 = log_b + np.log1p(-1.0 / alpha) - log_gamma1
        line1 = np.exp(log_line1 - _LOG_MARGIN * (np.abs(log_b) + np.abs(log_gamma1) + np.abs(log_c) + 4.0))
        line1 = np.where(log_gamma1 > 0.0, line1, at_one)
        line1 = np.where(b > 0.0, line1, -np.inf)

        log_gamma2 = (np.log(alpha - 1.0) + log_c - log_complement) / alpha
        log_used = log_gamma2 + log_complement + np.log(alpha / (alpha - 1.0))
        used = np.exp(log_used + _LOG_MARGIN * (np.abs(log_used) + np.abs(log_c) + 4.0))
        line2 = _numerics.down(1.0 - _numerics.up(used))
        line2 = np.where(log_gamma2 > 0.0, line2, at_one)
    candidates = np.stack([preservation, line1, line2])
    candidates = np.where(np.isnan(candidates), -np.inf, candidates)
    # Padding an exact zero down would turn "p = 0 qualifies" into "no p qualifies".
    candidates = np.where(candidates == 0.0, 0.0, _numerics.pad_down(candidates))
    return candidates.reshape(-1, b.shape[-1])


# -- RDP curves of basic mechanisms ----------------------------------------------------------


def gaussian_rdp(orders, *, noise_multiplier):
    """Return ``α / (2 z²)``: the exact RDP of the Gaussian mechanism (Mironov 2017).

    ``z = σ/Δ`` is the noise multiplier. Rounded up.
    """
    orders = validate_orders(orders)
    z = _validate.positive("noise_multiplier", noise_multiplier, allow_inf=True)
    if math.isinf(z):
        return np.zeros_like(orders)
    return _numerics.pad_up(orders / (2.0 * z * z))


def laplace_rdp(orders, *, noise_multiplier):
    """Return the exact RDP of the Laplace mechanism with scale ``b = noise_multiplier · Δ₁``.

    Mironov (2017, Proposition 6), with ``ε₀ = 1/b``:

        ρ(α) = ε₀ + log1p((α − 1)/(2α − 1) · expm1((1 − 2α) ε₀)) / (α − 1),

    an algebraic rewriting of ``log(α/(2α−1) e^{(α−1)ε₀} + (α−1)/(2α−1) e^{−αε₀})/(α−1)``
    that keeps its digits for small ε₀. Capped by ε₀ (pure DP) and rounded up.
    """
    orders = validate_orders(orders)
    b = _validate.positive("noise_multiplier", noise_multiplier, allow_inf=True)
    if math.isinf(b):
        return np.zeros_like(orders)
    epsilon = 1.0 / b
    inner = (orders - 1.0) / (2.0 * orders - 1.0) * np.expm1((1.0 - 2.0 * orders) * epsilon)
    value = epsilon + np.log1p(inner) / (orders - 1.0)
    # The two terms nearly cancel for small ε₀; bound the rounding error absolutely.
    error = 8 * np.finfo(float).eps * (epsilon + np.abs(np.log1p(inner)) / (orders - 1.0)) + _LOG_MARGIN * np.abs(value)
    return np.minimum(_numerics.up(np.maximum(value, 0.0) + error), _numerics.up(epsilon))


def pure_dp_rdp(orders, *, epsilon):
    """Return an RDP curve implied by pure ε-DP (both directions).

    Every ε-DP pair is a post-processing of binary randomized response with parameter ε
    (Kairouz, Oh and Viswanath 2015, the case δ = 0), so its Rényi divergence is
    at most that of randomized response:

        ρ(α) = log(cosh((α − ½)ε) / cosh(ε/2)) / (α − 1),

    which is also at most ``min(ε, αε²/2)`` (Bun and Steinke 2016); the
    least of the three is returned, rounded up (``proofs/conversion_pure_dp_rdp.md``).
    There is no such curve for δ > 0: the Rényi divergence of an (ε, δ) pair can be
    infinite.
    """
    orders = validate_orders(orders)
    epsilon = _validate.non_negative("epsilon", epsilon, allow_inf=True)
    if math.isinf(epsilon):
        return np.full_like(orders, math.inf)
    if epsilon == 0.0:
        return np.zeros_like(orders)
    wide = (orders - 0.5) * epsilon
    log_cosh_wide = np.logaddexp(wide, -wide) - math.log(2.0)
    log_cosh_half = np.logaddexp(epsilon / 2, -epsilon / 2) - math.log(2.0)
    exact = (log_cosh_wide - log_cosh_half) / (orders - 1.0)
    error = 8 * np.finfo(float).eps * (np.abs(log_cosh_wide) + abs(log_cosh_half) + wide + 1.0) / (orders - 1.0)
    exact = _numerics.up(np.maximum(exact, 0.0) + error)
    concentrated = _numerics.pad_up(orders * epsilon * epsilon / 2.0)
    return np.minimum(np.minimum(exact, concentrated), _numerics.up(epsilon))


def _orders_text(orders) -> str:
    if len(orders) == 1:
        return f"order {orders[0]:g}"
    return f"{len(orders)} orders in [{orders[0]:g}, {orders[-1]:g}]"
