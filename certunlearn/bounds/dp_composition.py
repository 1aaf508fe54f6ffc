"""Composition theorems for sequences of (ε, δ) certificates.

Every pair of laws that is (ε, δ) in both directions is a post-processing of the canonical
pair on four outcomes

    P = (δ, (1−δ) e^ε/(1+e^ε), (1−δ)/(1+e^ε), 0),   Q = (0, (1−δ)/(1+e^ε), (1−δ) e^ε/(1+e^ε), δ),

and the adaptive composition of such certificates is dominated by the product of their
canonical pairs (Kairouz, Oh and Viswanath 2015, Theorems 2.1 and 3.3; Murtagh and
Vadhan 2016). The hockey-stick divergence of that product splits into the mass of
outcomes where some factor takes its δ-atom, ``1 − Π(1 − δ_i)``, and the divergence of a
product of binary randomized responses, whose privacy loss is a sum of ``±ε_i``:

    δ(ε') = 1 − Π(1−δ_i) + Π(1−δ_i) · E[(1 − e^{ε' − L})₊],   L = Σ_i ±ε_i.

* Identical requests (:func:`optimal_composition_delta`): L = (k − 2J)ε with J binomial,
  so the expectation is a finite sum and the bound is exact: it is the optimal
  composition theorem for k-fold (ε, δ) (Kairouz, Oh and Viswanath 2015), at every ε', not only
  on the lattice ``(k − 2i)ε``.
* Different requests (:func:`advanced_composition`): Hoeffding's inequality for the
  independent ``L_i`` of range ``2ε_i`` and mean ``ε_i tanh(ε_i/2)`` gives
  ``P(L ≥ ε') ≤ δ'`` at ``ε' = Σ ε_i tanh(ε_i/2) + sqrt(2 log(1/δ') Σ ε_i²)``
  (Kairouz, Oh and Viswanath 2015). Since ``tanh(ε/2) ≤ e^ε − 1`` this is never worse than the
  advanced composition theorem of Dwork, Rothblum and Vadhan (2010, Theorem III.3).

Proofs: ``proofs/theorem3_composition.md``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from .. import _numerics, _validate
from . import _search
from ._rounding import pad_up_keep_zero

_LOG_MARGIN = _numerics.SPECIAL_FUNCTION_MARGIN
# Binomial mass outside the summation window, bounded by Hoeffding's inequality and
# added to δ: the window covers mean ± sqrt(k log(2/η)/2).
_WINDOW_MASS = 1e-200
# Entries of the (ε' × window) matrix processed at once.
_BLOCK_ENTRIES = 4_000_000


def optimal_composition_delta(total_epsilon, *, epsilon: float, delta: float, requests: int):
    """Return the least δ for which k requests, each (ε, δ), are (ε', δ)-certified.

    The bound of the module docstring for identical requests, exact up to rounding
    (rounded up) and a window truncation of at most 1e-200 (added).

    Args:
        total_epsilon: ε' ≥ 0 of the composed statement, scalar or array.
        epsilon: per-request ε ≥ 0.
        delta: per-request δ in [0, 1].
        requests: k ≥ 1.
    """
    total_epsilon = _validate.array_in_interval("total_epsilon", total_epsilon, 0.0, math.inf)
    epsilon = _validate.non_negative("epsilon", epsilon)
    delta = _validate.in_interval("delta", delta, 0.0, 1.0)
    requests = _validate.integer_at_least("requests", requests, 1)
    flat = total_epsilon.ravel()

    log_keep = requests * math.log1p(-delta) if delta < 1.0 else -math.inf
    atom_mass = float(pad_up_keep_zero(-math.expm1(log_keep)))
    keep_upper = float(_numerics.pad_up(math.exp(log_keep)))
    divergence = _randomized_response_divergence(flat, epsilon=epsilon, requests=requests)
    total = pad_up_keep_zero(atom_mass + keep_upper * divergence)
    return _numerics.scalar_or_array(np.minimum(total, 1.0).reshape(total_epsilon.shape))


def _randomized_response_divergence(total_epsilon: np.ndarray, *, epsilon: float, requests: int) -> np.ndarray:
    """E[(1 − e^{ε' − L})₊] for L = (k − 2J)ε, J ~ Bin(k, 1/(1+e^ε)); rounded up."""
    result = np.zeros_like(total_epsilon)
    if epsilon == 0.0:
        return result
    k = requests
    flip = 1.0 / (1.0 + math.exp(epsilon))
    spread = math.sqrt(k * math.log(2.0 / _WINDOW_MASS) / 2.0)
    low = max(0, math.floor(k * flip - spread))
    high = min(k, math.ceil(k * flip + spread))
    j = np.arange(low, high + 1, dtype=float)
    log_stay = -math.log1p(math.exp(-epsilon))
    log_flip = -math.log1p(math.exp(epsilon))
    pieces = (special.gammaln(k + 1.0), special.gammaln(j + 1.0), special.gammaln(k - j + 1.0))
    log_pmf = pieces[0] - pieces[1] - pieces[2] + (k - j) * log_stay + j * log_flip
    pad = _LOG_MARGIN * (pieces[0] + pieces[1] + pieces[2] + np.abs((k - j) * log_stay) + np.abs(j * log_flip) + 1.0)
    log_pmf = log_pmf + pad
    loss = (k - 2.0 * j) * epsilon
    outside = _WINDOW_MASS if (low > 0 or high < k) else 0.0

    block = max(1, _BLOCK_ENTRIES // j.size)
    for start in range(0, total_epsilon.size, block):
        chunk = total_epsilon[start : start + block, None]
        above = loss[None, :] > chunk
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            # log(1 − e^{ε' − L}) for L > ε', rounded up by its relative error.
            gap = chunk - loss[None, :]
            log_factor = np.log(-np.expm1(gap))
            log_factor = log_factor + _LOG_MARGIN * (1.0 + np.abs(log_factor))
            terms = np.where(above, log_pmf[None, :] + log_factor, -np.inf)
            value = np.exp(special.logsumexp(terms, axis=1) + j.size * 2 * np.finfo(float).eps)
        # No outcome has a loss above ε' = kε, so the divergence is exactly 0 there.
        nothing_above = ~np.any(above, axis=1)
        value = np.where(nothing_above, 0.0, _numerics.up(value + outside))
        result[start : start + block] = value
    return result


def optimal_composition_epsilon(total_delta, *, epsilon: float, delta: float, requests: int):
    """Return the least ε' (rounded up) with ``optimal_composition_delta(ε') ≤ total_delta``.

    ``inf`` when total_delta is below ``1 − (1 − δ)^k``, the mass no ε' can remove.
    """
    total_delta = _validate.array_in_interval("total_delta", total_delta, 0.0, 1.0)
    epsilon = _validate.non_negative("epsilon", epsilon)
    delta = _validate.in_interval("delta", delta, 0.0, 1.0)
    requests = _validate.integer_at_least("requests", requests, 1)
    flat = total_delta.ravel()
    result = np.zeros_like(flat)

    def delta_at(values: np.ndarray) -> np.ndarray:
        return np.atleast_1d(optimal_composition_delta(values, epsilon=epsilon, delta=delta, requests=requests))

    ceiling = requests * epsilon
    at_ceiling = delta_at(np.array([ceiling]))[0]
    at_zero = delta_at(np.zeros(1))[0]
    result[flat < at_ceiling] = math.inf
    search = (flat < at_zero) & (flat >= at_ceiling)
    if np.any(search):
        index = np.flatnonzero(search)
        target = flat[index]

        def unsafe(values: np.ndarray, where: np.ndarray) -> np.ndarray:
            return delta_at(values) > target[where]

        start = np.full(index.size, max(ceiling, 1e-12))
        result[index] = np.minimum(_search.smallest_safe(start, unsafe, np.arange(index.size)), _numerics.up(ceiling))
    return _numerics.scalar_or_array(result.reshape(total_delta.shape))


def advanced_composition(*, epsilons, deltas, delta_slack):
    """Return (ε', δ') for a sequence of (ε_i, δ_i) certificates (heterogeneous allowed).

    ``ε' = min(Σ ε_i, Σ ε_i tanh(ε_i/2) + sqrt(2 log(1/δ_slack) Σ ε_i²))`` and
    ``δ' = 1 − (1 − δ_slack) Π(1 − δ_i)`` (or ``1 − Π(1 − δ_i)`` when the basic sum is
    the smaller ε'). Both rounded up; vectorised over `delta_slack`.

    Args:
        epsilons: per-request ε_i ≥ 0 (finite).
        deltas: per-request δ_i in [0, 1].
        delta_slack: δ_slack in (0, 1), scalar or array.

    Returns:
        A pair of arrays (or floats) ``(epsilon, delta)``.
    """
    epsilons = _validate.array_in_interval("epsilons", epsilons, 0.0, math.inf, high_open=True).ravel()
    deltas = _validate.array_in_interval("deltas", deltas, 0.0, 1.0).ravel()
    if epsilons.shape != deltas.shape or epsilons.size == 0:
        raise _validate.fail("epsilons and deltas", "non-empty sequences of equal length", (epsilons.size, deltas.size))
    delta_slack = _validate.array_in_interval("delta_slack", delta_slack, 0.0, 1.0, low_open=True, high_open=True)

    drift = float(_numerics.pad_up(math.fsum(float(e) * math.tanh(float(e) / 2.0) for e in epsilons)))
    energy = float(_numerics.pad_up(math.fsum(float(e) * float(e) for e in epsilons)))
    basic = float(_numerics.up(math.fsum(epsilons)))
    spread = _numerics.pad_up(np.sqrt(_numerics.pad_up(2.0 * -np.log(delta_slack) * energy)))
    advanced = _numerics.up(drift + spread)

    with np.errstate(divide="ignore"):
        log_keep = math.fsum(np.log1p(-deltas)) if np.all(deltas < 1.0) else -math.inf
    atoms = float(pad_up_keep_zero(-math.expm1(log_keep)))
    with_slack = _numerics.pad_up(-np.expm1(np.log1p(-delta_slack) + log_keep))
    use_basic = basic <= advanced
    epsilon = np.where(use_basic, basic, advanced)
    delta = np.minimum(np.where(use_basic, atoms, with_slack), 1.0)
    return _numerics.scalar_or_array(epsilon), _numerics.scalar_or_array(delta)
