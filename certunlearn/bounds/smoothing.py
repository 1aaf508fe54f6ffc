"""Theorem 4: the smoothed depth radius of a model released with Gaussian weight noise.

If the released model is ``θ_u = θ̄ + ξ`` with ``ξ ~ N(0, σ² I_p)`` and
``p(θ) = P_ξ(m(θ + ξ) ≥ τ)`` is the probability that the memorization score reaches its
threshold, then for every fixed shift Δ with ``‖Δ‖₂ ≤ r``

    p(θ̄ + Δ) ≤ Φ(Φ⁻¹(p(θ̄)) + r/σ),

because ``N(θ̄, σ²I)`` and ``N(θ̄ + Δ, σ²I)`` are ``(‖Δ‖/σ)``-GDP and the event
``{m ≥ τ}`` is fixed (``proofs/theorem4_smoothed_radius.md``; the same Lipschitz
property of ``Φ⁻¹ ∘ p`` underlies randomized smoothing, Cohen, Rosenfeld and Kolter
2019). So no shift of norm below

    R = σ (Φ⁻¹(q) − Φ⁻¹(p̄))

raises the memorization probability to q, where ``p̄ ≥ p(θ̄)``. Two sources of ``p̄``:

* Monte Carlo: n draws of ξ, k of them memorizing, and the one-sided Clopper–Pearson
  upper bound at confidence c; the radius then holds with probability at least c over
  the draws (:func:`smoothed_depth_radius`);
* Theorem 1: ``p̄ = h(p_r)`` with h the transfer function of the unlearning certificate
  and ``p_r`` (an upper bound on) the reference model's probability
  (:func:`smoothed_depth_radius_from_reference`).

When ``p̄ ≥ q`` no positive radius can be certified; the result then abstains
(``abstained=True``, radius 0) instead of raising. This module is pure mathematics on
counts; it draws no noise and evaluates no model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from .. import _numerics, _validate
from .certificate import Certificate
from .transfer import gdp_transfer

# Attempts at nudging a Clopper–Pearson bound up until the binomial tail confirms it.
_CONFIRMATION_STEPS = 60


@dataclass(frozen=True, kw_only=True)
class SmoothedRadius:
    """A certified smoothed depth radius, or an abstention.

    Attributes:
        radius: ℓ2 norm below which no weight shift raises the memorization probability
            to `target` (rounded down); 0 when abstained.
        probability_upper: the upper bound p̄ on ``p(θ̄)`` the radius was computed from.
        target: the memorization probability q the radius protects against.
        sigma: the noise standard deviation σ of the released model.
        confidence: the confidence of p̄ over the Monte Carlo draws (``None`` when p̄
            came from a certificate and holds with certainty).
        abstained: whether no positive radius could be certified (p̄ ≥ q).
        reason: why the result abstained, in words ("" when it did not).
    """

    radius: float
    probability_upper: float
    target: float
    sigma: float
    confidence: float | None
    abstained: bool
    reason: str = ""

    def to_dict(self) -> dict:
        return {
            "radius": self.radius,
            "probability_upper": self.probability_upper,
            "target": self.target,
            "sigma": self.sigma,
            "confidence": self.confidence,
            "abstained": self.abstained,
            "reason": self.reason,
        }


def clopper_pearson_upper(successes, trials, *, confidence: float):
    """Return the one-sided Clopper–Pearson upper confidence bound on a binomial proportion.

    ``p̄ = Beta⁻¹(c; k + 1, n − k)`` for ``k < n`` and 1 for ``k = n``: with probability at
    least c over the draws, the true proportion is at most p̄. The value from scipy's
    ``betaincinv`` is rounded up and then raised until ``betainc(k + 1, n − k, p̄) ≥ c``
    holds in floating point, so a solver error can only make it larger.

    Args:
        successes: k, integers in [0, n] (scalar or array).
        trials: n ≥ 1 (scalar or array).
        confidence: c in (0, 1).
    """
    confidence = _validate.probability_open("confidence", confidence)
    k, n = _counts(successes, trials)
    k, n = np.broadcast_arrays(k, n)
    upper = np.ones(k.shape, dtype=float)
    partial = k < n
    if np.any(partial):
        a = k[partial] + 1.0
        b = (n[partial] - k[partial]).astype(float)
        value = np.minimum(_numerics.pad_up(special.betaincinv(a, b, confidence)), 1.0)
        for _ in range(_CONFIRMATION_STEPS):
            short = special.betainc(a, b, value) < confidence
            if not np.any(short):
                break
            value = np.where(short, np.minimum(value + np.maximum((1.0 - value) * 1e-9, 1e-300), 1.0), value)
        upper[partial] = value
    return _numerics.scalar_or_array(upper)


def smoothed_radius(*, probability_upper, sigma, target):
    """Return ``σ (Φ⁻¹(q) − Φ⁻¹(p̄))`` rounded down, and 0 where it is not positive.

    Vectorised over all three arguments.
    """
    probability_upper = _validate.array_in_interval("probability_upper", probability_upper, 0.0, 1.0)
    sigma = _validate.array_in_interval("sigma", sigma, 0.0, math.inf, low_open=True, high_open=True)
    target = _validate.array_in_interval("target", target, 0.0, 1.0, low_open=True, high_open=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Φ⁻¹(q) rounded down and Φ⁻¹(p̄) rounded up.
        z_target = special.ndtri(target)
        z_target = z_target - _numerics.SPECIAL_FUNCTION_MARGIN * (1.0 + np.abs(z_target))
        z_upper = special.ndtri(probability_upper)
        z_upper = z_upper + _numerics.SPECIAL_FUNCTION_MARGIN * (1.0 + np.abs(z_upper))
        radius = _numerics.pad_down(sigma * _numerics.down(z_target - z_upper))
    radius = np.where(np.isnan(radius), 0.0, radius)
    return _numerics.scalar_or_array(np.maximum(radius, 0.0))


def smoothed_probability_bound(*, probability, radius, sigma):
    """Return ``Φ(Φ⁻¹(p) + r/σ)``: the bound on ``p(θ̄ + Δ)`` for ``‖Δ‖ ≤ r`` (rounded up)."""
    radius = _validate.non_negative("radius", radius)
    sigma = _validate.positive("sigma", sigma)
    return gdp_transfer(probability, mu=radius / sigma if radius > 0 else 0.0)


def smoothed_depth_radius(*, successes: int, trials: int, sigma: float, target: float, confidence: float = 0.99):
    """Return the Theorem 4 radius from Monte Carlo counts, or an abstention.

    Args:
        successes: k, the number of the n noise draws ξ with ``m(θ̄ + ξ) ≥ τ``.
        trials: n ≥ 1, the number of independent draws.
        sigma: σ > 0, the standard deviation of the released model's weight noise.
        target: q in (0, 1), the memorization probability to protect against.
        confidence: c in (0, 1), the confidence of the Clopper–Pearson bound.

    Returns:
        A :class:`SmoothedRadius`; with probability at least c over the draws, no shift of
        norm below its radius raises the memorization probability to q.
    """
    k, n = _counts(successes, trials)
    if k.ndim or n.ndim:
        raise _validate.fail("successes and trials", "integers (call once per model)", (successes, trials))
    sigma = _validate.positive("sigma", sigma)
    target = _validate.probability_open("target", target)
    confidence = _validate.probability_open("confidence", confidence)
    upper = float(clopper_pearson_upper(int(k), int(n), confidence=confidence))
    reason = ""
    if upper >= target:
        reason = (
            f"the {confidence:g}-confidence upper bound {upper:.4g} on the memorization probability from "
            f"{int(k)} of {int(n)} draws is not below the target {target:g}; more draws, a smaller confidence "
            "or a larger target are needed"
        )
    return _result(upper, sigma, target, confidence, reason)


def smoothed_depth_radius_from_reference(
    *, reference_probability: float, certificate: Certificate, sigma: float, target: float
):
    """Return the Theorem 4 radius with ``p̄ = h(p_r)`` from Theorem 1, or an abstention.

    Args:
        reference_probability: ``p_r``, the reference model's probability of the event
            ``m(θ̄_r + ξ) ≥ τ`` (or an upper bound on it, e.g. a Clopper–Pearson bound, in
            which case the result holds at that bound's confidence).
        certificate: the certificate of the unlearning mechanism against the reference.
        sigma: σ > 0 of the released model's weight noise.
        target: q in (0, 1).
    """
    reference_probability = _validate.in_interval("reference_probability", reference_probability, 0.0, 1.0)
    sigma = _validate.positive("sigma", sigma)
    target = _validate.probability_open("target", target)
    upper = float(certificate.transfer(reference_probability))
    reason = ""
    if upper >= target:
        reason = (
            f"the certificate's bound h({reference_probability:.4g}) = {upper:.4g} on the memorization probability "
            f"is not below the target {target:g}"
        )
    return _result(upper, sigma, target, None, reason)


def _result(upper: float, sigma: float, target: float, confidence: float | None, reason: str) -> SmoothedRadius:
    if reason:
        return SmoothedRadius(
            radius=0.0,
            probability_upper=upper,
            target=target,
            sigma=sigma,
            confidence=confidence,
            abstained=True,
            reason=reason,
        )
    radius = float(smoothed_radius(probability_upper=upper, sigma=sigma, target=target))
    if radius <= 0.0:
        return _result(
            upper,
            sigma,
            target,
            confidence,
            f"the upper bound {upper:.6g} is too close to the target {target:g} for a positive radius in "
            "double precision",
        )
    return SmoothedRadius(
        radius=radius,
        probability_upper=upper,
        target=target,
        sigma=sigma,
        confidence=confidence,
        abstained=False,
    )


def _counts(successes, trials) -> tuple[np.ndarray, np.ndarray]:
    k = np.asarray(successes)
    n = np.asarray(trials)
    for name, value in (("successes", k), ("trials", n)):
        if value.dtype.kind not in "iu" and not (
            value.dtype.kind == "f" and np.all(np.isfinite(value)) and np.all(value == np.round(value))
        ):
            raise _validate.fail(name, "integers", value if value.ndim else value.item())
    k = k.astype(np.int64)
    n = n.astype(np.int64)
    if np.any(n < 1):
        raise _validate.fail("trials", "an integer >= 1", n if n.ndim else int(n))
    if np.any(k < 0) or np.any(k > n):
        raise _validate.fail("successes", "an integer in [0, trials]", k if k.ndim else int(k))
    return k, n
