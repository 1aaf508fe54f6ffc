"""Privacy-profile certificates: δ(ε) stored on a finite grid of ε.

A privacy profile states that for every ε ≥ 0 and every event E,

    P(θ_u ∈ E) ≤ e^ε P(θ_r ∈ E) + δ(ε),   and the same with the roles swapped.

A certificate stores finitely many pairs ``(ε_i, δ_i)``, each a valid (ε_i, δ_i)
statement, so it round-trips through JSON. Between grid points three rules are sound
(``proofs/conversion_profile_interpolation.md``):

* *step from the left*: δ is non-increasing in ε, so ``δ(ε) ≤ δ_i`` for ``ε ≥ ε_i``;
* *chord in e^ε*: a convex combination of two valid statements is valid, so with
  ``γ = e^ε`` between ``γ_i`` and ``γ_j`` the chord through ``(γ_i, δ_i)`` and
  ``(γ_j, δ_j)`` is a valid δ; taking the lower convex hull of all grid points in the
  ``(e^ε, δ)`` plane applies this to every pair at once and is never worse than the step;
* *mirror points*: the statement holds in both directions, so applying it to the
  complement of an event gives the valid pair ``(e^{−ε_i}, 1 − e^{−ε_i}(1 − δ_i))``;
  together with ``(0, 1)`` these extend the hull below ε_0 and make it tighter near 0
  (it also dominates the left-shift rule ``δ(ε) ≤ δ_j + e^{ε_j} − e^ε``).

:meth:`PrivacyProfileCertificate.delta` evaluates the hull, which is never above the
other rules; for ε ≥ 0 it equals the profile of the trade-off function
``max_i f_{ε_i, δ_i}`` (Dong, Roth and Su 2022). The transfer
function is the minimum over the grid of the (ε_i, δ_i) transfer functions; no
interpolated point improves it, because on a chord the (ε, δ) lines are affine in e^ε.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .. import _numerics, _validate
from . import _search
from .certificate import Certificate, EpsilonDeltaCertificate, Provenance, register_notion
from .transfer import epsilon_delta_transfer_inverse_raw, epsilon_delta_transfer_raw

# The transfer is a minimum over the grid. Arrays of p are processed in blocks, so the
# (grid × p) matrix stays below this many entries.
_BLOCK_ENTRIES = 4_000_000

# e^ε must stay finite in double precision for the chord rule; a statement at ε = 700
# (a likelihood ratio of 1e304) is vacuous for any practical purpose.
MAX_EPSILON = 700.0


def pair_within_range(epsilon: float, delta: float) -> tuple[float, float]:
    """Return an (ε′, δ′) pair with ε′ ≤ 700 that an (ε, δ) guarantee implies.

    A pair with ε ≤ 700 is returned as it is. Above, (ε, δ) implies
    ``δ(ε′) ≤ δ + (1 − δ)(e^ε − e^ε′)/(1 + e^ε) ≤ 1 − (1 − δ) e^{ε′ − ε}`` for every
    ε′ < ε, the profile of the worst-case pair of an (ε, δ) guarantee (Kairouz, Oh and
    Viswanath 2015; proved in proofs/conversion_epsilon_cap.md). The pair at ε′ = 700 is
    rounded up. Clipping ε to 700 and keeping δ would claim more than the certificate states.
    """
    if epsilon <= MAX_EPSILON:
        return float(epsilon), float(delta)
    if not math.isfinite(epsilon):
        return MAX_EPSILON, 1.0
    complement_lower = _numerics.down(
        _numerics.down(1.0 - delta, ulps=1) * _numerics.down(math.exp(MAX_EPSILON - epsilon))
    )
    return MAX_EPSILON, float(min(1.0, _numerics.up(1.0 - complement_lower, ulps=2)))


DEFAULT_EPSILONS = tuple(np.concatenate([[0.0], np.geomspace(1e-3, 1e-1, 21)[:-1], np.geomspace(0.1, 100.0, 121)]))
"""Default ε grid for profiles built from a function: 0, then 20 points per decade
from 1e-3 to 0.1 and 40 per decade from 0.1 to 100."""


@register_notion
@dataclass(frozen=True, kw_only=True)
class PrivacyProfileCertificate(Certificate):
    """A privacy-profile certificate: valid (ε_i, δ_i) pairs on a grid of ε.

    Attributes:
        epsilons: strictly increasing ε_i in [0, 700].
        deltas: δ_i in [0, 1]. On construction each δ_i is replaced by the running
            minimum of δ_0 … δ_i, which an earlier pair already implies.
    """

    notion = "privacy-profile"
    epsilons: tuple[float, ...]
    deltas: tuple[float, ...]
    provenance: Provenance = field(default_factory=lambda: Provenance(algorithm="a mechanism given by the user"))

    def __post_init__(self) -> None:
        epsilons = _validate.array_in_interval("epsilons", self.epsilons, 0.0, MAX_EPSILON)
        deltas = _validate.array_in_interval("deltas", self.deltas, 0.0, 1.0)
        if epsilons.ndim != 1 or epsilons.size == 0 or deltas.shape != epsilons.shape:
            raise _validate.fail(
                "epsilons and deltas", "non-empty 1-D sequences of equal length", (epsilons.shape, deltas.shape)
            )
        if np.any(np.diff(epsilons) <= 0):
            raise _validate.fail("epsilons", "strictly increasing", epsilons)
        deltas = np.minimum.accumulate(deltas)
        object.__setattr__(self, "epsilons", tuple(float(value) for value in epsilons))
        object.__setattr__(self, "deltas", tuple(float(value) for value in deltas))

    @classmethod
    def from_function(cls, delta_upper, *, epsilons=DEFAULT_EPSILONS, provenance: Provenance | None = None):
        """Build a profile from a function returning upper bounds on δ(ε) for an array of ε."""
        grid = np.asarray(epsilons, dtype=float)
        values = np.minimum(np.asarray(delta_upper(grid), dtype=float), 1.0)
        return cls(
            epsilons=tuple(grid),
            deltas=tuple(values),
            provenance=provenance or Provenance(algorithm="privacy profile"),
        )

    # -- the profile itself --------------------------------------------------------

    def delta(self, epsilon):
        """Return an upper bound on δ(ε) at any ε ≥ 0 (vectorised), by the rules above."""
        epsilon = _validate.array_in_interval("epsilon", epsilon, 0.0, math.inf)
        return _numerics.scalar_or_array(_profile_delta(epsilon, *self._hull()))

    def epsilon(self, delta):
        """Return the least ε ≥ 0 (rounded up) with ``self.delta(ε) ≤ δ``.

        Returns ``inf`` where δ is below every grid value: the certificate states
        nothing at that δ.
        """
        delta = _validate.array_in_interval("delta", delta, 0.0, 1.0)
        gammas, hull_deltas = self._hull()
        flat = delta.ravel()
        result = np.zeros_like(flat)
        at_zero = _profile_delta(np.zeros(1), gammas, hull_deltas)[0]
        unreachable = flat < hull_deltas[-1]
        result[unreachable] = math.inf
        search = (flat < at_zero) & ~unreachable
        if np.any(search):
            index = np.flatnonzero(search)
            target = flat[index]

            def unsafe(eps: np.ndarray, where: np.ndarray) -> np.ndarray:
                return _profile_delta(eps, gammas, hull_deltas) > target[where]

            start = np.full(index.size, max(self.epsilons[-1], 1e-6))
            result[index] = _search.smallest_safe(start, unsafe, np.arange(index.size))
        return _numerics.scalar_or_array(result.reshape(delta.shape))

    def to_epsilon_delta(self, *, delta: float) -> EpsilonDeltaCertificate:
        """Return the (ε, δ) certificate this profile implies at the given δ."""
        delta = _validate.in_interval("delta", delta, 0.0, 1.0)
        epsilon = float(self.epsilon(delta))
        return EpsilonDeltaCertificate(
            epsilon=epsilon,
            delta=delta,
            provenance=_with_note(self.provenance, f"read from a privacy profile at delta={delta:.3g}"),
        )

    # -- transfer --------------------------------------------------------------------

    def transfer(self, p):
        p = _validate.array_in_interval("p", p, 0.0, 1.0)
        epsilons, deltas = self._hull_pairs()
        return _numerics.scalar_or_array(min_transfer(p, epsilons, deltas))

    def transfer_inverse(self, beta):
        beta = _validate.array_in_interval("beta", beta, 0.0, 1.0)
        epsilons, deltas = self._hull_pairs()
        return _numerics.scalar_or_array(max_transfer_inverse(beta, epsilons, deltas))

    # -- records -----------------------------------------------------------------------

    def parameters_dict(self) -> dict[str, Any]:
        return {"epsilons": list(self.epsilons), "deltas": list(self.deltas)}

    @classmethod
    def from_record(cls, record: dict[str, Any], provenance: Provenance) -> PrivacyProfileCertificate:
        return cls(epsilons=tuple(record["epsilons"]), deltas=tuple(record["deltas"]), provenance=provenance)

    def guarantee_sentence(self) -> str:
        index = int(np.argmin(np.abs(np.asarray(self.epsilons) - 1.0)))
        return (
            f"Privacy-profile certified unlearning on {len(self.epsilons)} values of epsilon in "
            f"[{self.epsilons[0]:.4g}, {self.epsilons[-1]:.4g}] (for example delta({self.epsilons[index]:.4g}) = "
            f"{self.deltas[index]:.3g}): for every such epsilon and every set E of models, P(unlearned in E) <= "
            "e^epsilon * P(retrained in E) + delta(epsilon), and the same with the two models swapped."
        )

    # -- helpers -------------------------------------------------------------------------

    def _hull(self) -> tuple[np.ndarray, np.ndarray]:
        return extended_hull(self.epsilons, self.deltas)

    def _hull_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        gammas, deltas = extended_hull(self.epsilons, self.deltas)
        # Vertices with γ ≥ 1 are grid points; their lines give the whole transfer.
        keep = gammas >= 1.0
        epsilons = np.maximum(np.log(gammas[keep]), 0.0)
        return epsilons, deltas[keep]


def extended_hull(epsilons, deltas) -> tuple[np.ndarray, np.ndarray]:
    """Return the vertices ``(γ, δ)`` of the lower convex hull of every valid point.

    The points are the grid ``(e^{ε_i}, δ_i)``, their mirror images
    ``(e^{−ε_i}, 1 − e^{−ε_i}(1 − δ_i))`` (the statement in the other direction, applied
    to the complement of the event) and ``(0, 1)``. Each is a valid pair
    ``P(E) ≤ γ Q(E) + δ`` for every event, and so is every convex combination, so the
    hull is a valid profile; for ε ≥ 0 it is the conjugate of the trade-off function
    ``max_i f_{ε_i, δ_i}`` (``proofs/conversion_profile_interpolation.md``). Vertices
    are returned in increasing γ, and the δ values never increase along them.
    """
    epsilons = np.asarray(epsilons, dtype=float)
    deltas = np.asarray(deltas, dtype=float)
    forward = np.exp(epsilons)
    positive = epsilons > 0
    mirror_gamma = np.exp(-epsilons[positive])[::-1]
    # 1 − e^{−ε}(1 − δ), rounded up: the subtracted product is rounded down.
    kept = _numerics.pad_down(np.exp(-epsilons[positive]) * _numerics.down(1.0 - deltas[positive]))
    mirror_delta = _numerics.up(1.0 - kept)[::-1]
    gammas = np.concatenate([[0.0], mirror_gamma, forward])
    values = np.concatenate([[1.0], np.minimum(mirror_delta, 1.0), deltas])
    keep = _lower_hull(gammas, values)
    return gammas[keep], values[keep]


def lower_hull_indices(epsilons, deltas) -> np.ndarray:
    """Return the indices of the lower convex hull of the points ``(e^ε_i, δ_i)``, ε sorted."""
    return _lower_hull(np.exp(np.asarray(epsilons, dtype=float)), np.asarray(deltas, dtype=float))


def _lower_hull(gammas: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Monotone-chain lower hull of points sorted by γ; equal γ keeps the lower δ."""
    keep: list[int] = []
    for index in range(gammas.size):
        if keep and gammas[index] <= gammas[keep[-1]]:
            if values[index] < values[keep[-1]]:
                keep.pop()
            else:
                continue
        while len(keep) >= 2:
            first, middle = keep[-2], keep[-1]
            # Drop the middle vertex when it lies on or above the chord from `first` to
            # `index`: the two edges do not turn left.
            cross = (gammas[middle] - gammas[first]) * (values[index] - values[first]) - (
                values[middle] - values[first]
            ) * (gammas[index] - gammas[first])
            if cross <= 0:
                keep.pop()
            else:
                break
        keep.append(index)
    return np.asarray(keep, dtype=int)


def _profile_delta(epsilon: np.ndarray, gammas: np.ndarray, deltas: np.ndarray) -> np.ndarray:
    """δ(ε) on the hull: the chord between neighbouring vertices, rounded up."""
    flat = np.asarray(epsilon, dtype=float).ravel()
    with np.errstate(over="ignore"):
        # The query γ and the vertices come from the same exp, so a query at a grid ε lands
        # exactly on its vertex. The slack below covers the few ulps by which either may
        # differ from the exact e^ε.
        gamma = np.exp(flat)
    result = np.full_like(flat, deltas[-1])
    # Index of the first vertex with γ_j > γ; vertex 0 is γ = 0, so j ≥ 1.
    right = np.searchsorted(gammas, gamma, side="right")
    inside = right < gammas.size
    if np.any(inside):
        j = right[inside]
        i = j - 1
        g = gamma[inside]
        span = gammas[j] - gammas[i]
        weight = np.clip((gammas[j] - g) / span, 0.0, 1.0)
        # An error of a few ulps of γ_j in the numerator γ_j − γ or in the span is large
        # relative to them when they are small. The slack bounds its effect on the chord
        # absolutely, allowing 4 ulps in each of the numerator and the span.
        slack = (deltas[i] - deltas[j]) * 16 * np.finfo(float).eps * gammas[j] / span
        chord = _numerics.pad_up(deltas[j] + (deltas[i] - deltas[j]) * weight + slack)
        # Step from the left: δ_i itself.
        result[inside] = np.minimum(chord, deltas[i])
    return np.clip(result, 0.0, 1.0).reshape(np.shape(epsilon))


def min_transfer(p: np.ndarray, epsilons: np.ndarray, deltas: np.ndarray) -> np.ndarray:
    """Return ``min_i h_{ε_i, δ_i}(p)``, elementwise in p, rounded up."""
    flat = np.asarray(p, dtype=float).ravel()
    epsilons = np.asarray(epsilons, dtype=float)[:, None]
    deltas = np.asarray(deltas, dtype=float)[:, None]
    result = np.empty_like(flat)
    block = max(1, _BLOCK_ENTRIES // max(1, epsilons.shape[0]))
    for start in range(0, flat.size, block):
        chunk = flat[None, start : start + block]
        result[start : start + block] = epsilon_delta_transfer_raw(chunk, epsilons, deltas).min(axis=0)
    return result.reshape(np.shape(p))


def max_transfer_inverse(beta: np.ndarray, epsilons: np.ndarray, deltas: np.ndarray) -> np.ndarray:
    """Return ``max_i h←_{ε_i, δ_i}(β)``: the inverse of :func:`min_transfer`, rounded down."""
    flat = np.asarray(beta, dtype=float).ravel()
    epsilons = np.asarray(epsilons, dtype=float)[:, None]
    deltas = np.asarray(deltas, dtype=float)[:, None]
    result = np.empty_like(flat)
    block = max(1, _BLOCK_ENTRIES // max(1, epsilons.shape[0]))
    for start in range(0, flat.size, block):
        chunk = flat[None, start : start + block]
        result[start : start + block] = epsilon_delta_transfer_inverse_raw(chunk, epsilons, deltas).max(axis=0)
    return result.reshape(np.shape(beta))


def _with_note(provenance: Provenance, note: str) -> Provenance:
    return replace(provenance, notes=provenance.notes + (note,))
