"""Certificates over several deletion requests and over groups of points.

Theorem 3 of the theory (proved in ``proofs/theorem3_composition.md``):

* sequential requests, each certified against its own reference, compose; for (ε, δ)
  the basic rule gives ``(Σ ε_i, Σ δ_i)``, for GDP the exact rule gives
  ``μ = sqrt(Σ μ_i²)`` (Dong, Roth and Su 2022), and Rényi bounds add order by order
  (Mironov 2017); sharper (ε, δ) rules are in :mod:`.dp_composition`;
* deleting a group of ``g`` points under a per-point (ε, δ) certificate gives
  ``(g ε, δ (e^{gε} − 1)/(e^ε − 1))``, which is at most the textbook
  ``(g ε, g e^{(g−1)ε} δ)``; a per-point μ-GDP certificate gives ``g μ``; the other
  notions are in :mod:`.group`.

:func:`compose` accepts certificates of mixed notions and converts them to a common one
that loses nothing where possible: GDP stays GDP; GDP, Rényi and pure ε-DP go to Rényi;
anything else goes to privacy profiles, composed by the basic rule with the best split
of ε on a grid (:func:`compose_profiles`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from .. import _numerics, _validate
from .certificate import Certificate, EpsilonDeltaCertificate, GaussianDPCertificate, Provenance
from .combine import BestOfCertificate, best_of
from .conversions import rdp_at_orders, to_profile, to_renyi
from .dp_composition import advanced_composition, optimal_composition_delta
from .fdp import TradeOffCertificate
from .profile import MAX_EPSILON, PrivacyProfileCertificate
from .renyi import RenyiCertificate

METHODS = ("basic", "advanced", "optimal", "best")

# δ levels at which the profile route keeps one pair each: 600 from 0.5 down to
# 1e-20 (a ratio of about 1.08 between levels) and 100 more down to 1e-300. Keeping a
# subset of valid pairs only loosens the result.
_DELTA_LEVELS = np.concatenate([np.geomspace(0.5, 1e-20, 600), np.geomspace(1e-20, 1e-300, 101)[1:]])
# With more distinct certificates than this, method="best" skips the profile route for
# sequences that compose exactly in Rényi: each distinct certificate costs one pruned
# product of about 700 × 700 pairs.
_MAX_DISTINCT_FOR_PROFILES = 64
# δ_slack values for the advanced composition profile.
_SLACKS = np.geomspace(1e-16, 0.5, 80)


def compose(certificates: Sequence[Certificate], *, method: str = "basic") -> Certificate:
    """Return the certificate of a sequence of requests, each certified on its own.

    Args:
        certificates: one certificate per request, of any notions.
        method: how (ε, δ) sequences compose: ``"basic"`` (``(Σε, Σδ)``, the default),
            ``"advanced"`` (Hoeffding form, a profile), ``"optimal"`` (exact for identical
            requests, a profile) or ``"best"`` (the best of all that apply; for mixed
            notions also the best of the Rényi and profile routes).

    Returns:
        A certificate for the whole sequence. δ is capped at 1, where a statement is
        vacuous but still true.
    """
    method = _validate.one_of("method", method, METHODS)
    certificates, provenance = _checked_inputs(certificates, None, Certificate, "certificates")
    notions = {certificate.notion for certificate in certificates}

    if notions == {EpsilonDeltaCertificate.notion}:
        return _compose_epsilon_delta(certificates, method, provenance)
    if method in ("advanced", "optimal"):
        raise _validate.fail("method", "'basic' or 'best' for certificates other than (epsilon, delta)", method)
    if notions == {GaussianDPCertificate.notion}:
        mus = [float(c.mu) for c in certificates]
        mu = math.inf if any(math.isinf(m) for m in mus) else _numerics.ceil_sqrt(sum(Fraction(m) ** 2 for m in mus))
        return GaussianDPCertificate(mu=mu, provenance=provenance)
    if any(isinstance(c, BestOfCertificate) for c in certificates):
        return _compose_best_of(certificates, method, provenance)
    if all(_renyi_compatible(c) for c in certificates):
        renyi = compose_renyi([to_renyi_native(c) for c in certificates], provenance)
        distinct = len({_parameters_key(c) for c in certificates})
        if method == "best" and distinct <= _MAX_DISTINCT_FOR_PROFILES:
            return best_of([renyi, compose_profiles(certificates, provenance)])
        return renyi
    return compose_profiles(certificates, provenance)


def self_compose(certificate: Certificate, requests: int, *, method: str = "basic") -> Certificate:
    """Return the certificate of `requests` sequential requests with the same certificate."""
    requests = _validate.integer_at_least("requests", requests, 1)
    return compose([certificate] * requests, method=method)


def group_deletion(certificate: Certificate, group_size: int) -> Certificate:
    """Return the certificate for deleting `group_size` points at once.

    For (ε, δ): the chain of ``g`` neighbouring datasets gives
    ``P_0(E) ≤ e^{gε} P_g(E) + δ Σ_{i<g} e^{iε}``. For μ-GDP: ``gμ``, exact for the
    Gaussian mechanism. For the other notions see :mod:`.group`.
    """
    from . import group as _group

    group_size = _validate.integer_at_least("group_size", group_size, 1)
    provenance = certificate.provenance
    grouped = Provenance(
        algorithm=provenance.algorithm,
        basis=provenance.basis,
        bound_name=provenance.bound_name,
        bound=provenance.bound,
        requests=provenance.requests,
        group_size=provenance.group_size * group_size,
        assumptions=provenance.assumptions,
        parameters=provenance.parameters,
        notes=provenance.notes + (f"group deletion of {group_size} points from a per-point certificate",),
    )
    if isinstance(certificate, EpsilonDeltaCertificate):
        epsilon, delta = certificate.epsilon, certificate.delta
        if epsilon == 0.0:
            factor = float(group_size)
        else:
            # (e^{gε} − 1)/(e^ε − 1) computed with expm1 for small ε; overflow means ∞.
            with np.errstate(over="ignore", invalid="ignore"):
                factor = float(np.expm1(group_size * epsilon) / np.expm1(epsilon))
        if delta == 0.0:
            group_delta = 0.0
        elif not math.isfinite(factor):
            group_delta = 1.0
        else:
            group_delta = min(1.0, float(_numerics.pad_up(delta * factor)))
        return EpsilonDeltaCertificate(
            epsilon=_numerics.ceil_product(group_size, epsilon), delta=group_delta, provenance=grouped
        )
    if isinstance(certificate, GaussianDPCertificate):
        mu = _numerics.ceil_product(group_size, certificate.mu)
        return GaussianDPCertificate(mu=mu, provenance=grouped)
    if isinstance(certificate, RenyiCertificate):
        return _group.renyi_group(certificate, group_size)
    if isinstance(certificate, (PrivacyProfileCertificate, TradeOffCertificate)):
        return _group.profile_group(certificate, group_size)
    if isinstance(certificate, BestOfCertificate):
        return _group.best_of_group(certificate, group_size, group_deletion)
    raise _validate.fail("certificate", "a certificate of a known notion", type(certificate).__name__)


# -- (ε, δ) sequences ----------------------------------------------------------------------


def _compose_epsilon_delta(certificates, method: str, provenance: Provenance) -> Certificate:
    epsilons = np.array([c.epsilon for c in certificates])
    deltas = np.array([c.delta for c in certificates])
    # Exact rational sums rounded up once: sound, and exact whenever the sum is a double.
    epsilon = _numerics.ceil_sum(epsilons)
    delta = min(1.0, _numerics.ceil_sum(deltas))
    basic = EpsilonDeltaCertificate(epsilon=epsilon, delta=delta, provenance=provenance)
    if method == "basic" or len(certificates) == 1 or not np.all(np.isfinite(epsilons)):
        return basic
    identical = bool(np.all(epsilons == epsilons[0]) and np.all(deltas == deltas[0]))
    if method == "optimal" and not identical:
        raise _validate.fail(
            "method", "'basic', 'advanced' or 'best' for requests with different (epsilon, delta)", method
        )
    candidates: list[Certificate] = []
    if method in ("advanced", "best"):
        candidates.append(_advanced_profile(epsilons, deltas, provenance))
    if method in ("optimal", "best") and identical:
        candidates.append(_optimal_profile(float(epsilons[0]), float(deltas[0]), len(certificates), provenance))
    if method == "best":
        candidates.append(basic)
    return best_of(candidates)


def _advanced_profile(epsilons, deltas, provenance: Provenance) -> PrivacyProfileCertificate:
    total_epsilon, total_delta = advanced_composition(epsilons=epsilons, deltas=deltas, delta_slack=_SLACKS)
    pairs = np.c_[np.atleast_1d(total_epsilon), np.atleast_1d(total_delta)]
    pairs = pairs[pairs[:, 0] <= MAX_EPSILON]
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    keep = np.concatenate([[True], np.diff(pairs[:, 0]) > 0])
    return PrivacyProfileCertificate(
        epsilons=tuple(pairs[keep, 0]),
        deltas=tuple(pairs[keep, 1]),
        provenance=_noted(provenance, "advanced composition (Hoeffding form of Kairouz, Oh and Viswanath)"),
    )


def _optimal_profile(epsilon: float, delta: float, requests: int, provenance: Provenance) -> PrivacyProfileCertificate:
    top = min(requests * epsilon, MAX_EPSILON)
    grid = np.unique(np.concatenate([np.linspace(0.0, top, 257), top * np.geomspace(1e-4, 1.0, 128)]))
    values = np.atleast_1d(optimal_composition_delta(grid, epsilon=epsilon, delta=delta, requests=requests))
    return PrivacyProfileCertificate(
        epsilons=tuple(grid),
        deltas=tuple(values),
        provenance=_noted(provenance, "optimal composition of identical (epsilon, delta) requests"),
    )


# -- Rényi sequences ------------------------------------------------------------------------------


def _renyi_compatible(certificate: Certificate) -> bool:
    if isinstance(certificate, (RenyiCertificate, GaussianDPCertificate)):
        return True
    return isinstance(certificate, EpsilonDeltaCertificate) and certificate.delta == 0.0


def to_renyi_native(certificate: Certificate) -> RenyiCertificate:
    """Return a Rényi certificate on the certificate's own orders (or the default grid)."""
    if isinstance(certificate, RenyiCertificate):
        return certificate
    return to_renyi(certificate)


def compose_renyi(certificates: Sequence[RenyiCertificate], provenance: Provenance | None = None) -> RenyiCertificate:
    """Add Rényi bounds order by order, on the union of the orders (Mironov 2017).

    A certificate that lacks an order contributes the bound read at that order by
    :func:`~certunlearn.bounds.conversions.rdp_at_orders` (``inf`` above its grid).
    Without `provenance`, the merged provenance of the inputs is used.
    """
    certificates, provenance = _checked_inputs(certificates, provenance, RenyiCertificate, "Renyi certificates")
    orders = np.unique(np.concatenate([np.asarray(c.orders) for c in certificates]))
    total = np.zeros_like(orders)
    for certificate in certificates:
        total = total + rdp_at_orders(certificate.orders, certificate.rdp, orders)
    total = _numerics.pad_up(total)
    finite = np.isfinite(total)
    if np.any(finite):
        orders, total = orders[finite], total[finite]
    return RenyiCertificate(orders=tuple(orders), rdp=tuple(total), provenance=provenance)


def _checked_inputs(certificates, provenance: Provenance | None, kind: type, description: str):
    """Return the certificates as a list, checked, and the provenance (merged from theirs if not given)."""
    certificates = list(certificates)
    if not certificates:
        raise _validate.fail("certificates", f"a non-empty sequence of {description}", certificates)
    for certificate in certificates:
        if not isinstance(certificate, kind):
            raise _validate.fail("certificates", f"a sequence of {description}", type(certificate).__name__)
    if provenance is None:
        provenance = _merge_provenance([certificate.provenance for certificate in certificates], "composed")
    return certificates, provenance


# -- profile route -------------------------------------------------------------------------------


def compose_profiles(
    certificates: Sequence[Certificate], provenance: Provenance | None = None
) -> PrivacyProfileCertificate:
    """Compose any certificates as privacy profiles by the basic rule, splitting ε optimally.

    For every choice of a valid pair ``(ε_i, δ_i)`` per request the sequence is
    ``(Σ ε_i, Σ δ_i)``-certified (basic composition). Each request contributes its own grid
    points and its least ε at each of about 700 δ levels from 1 to 1e-300; the sums of all
    combinations are pruned back to one pair per level after each request. Identical
    certificates are combined by repeated squaring, and identical (ε, δ) certificates by
    their exact composition.

    The δ levels are 8% apart, so the ε read from the result at a given δ can exceed the
    best split by the change of ε over 8% of δ (about 0.3% of ε in the tests). The result
    is valid in every case. Without `provenance`, the merged provenance of the inputs is used.
    """
    certificates, provenance = _checked_inputs(certificates, provenance, Certificate, "certificates")
    groups: dict[tuple[str, str], tuple[Certificate, int]] = {}
    for certificate in certificates:
        key = _parameters_key(certificate)
        previous = groups.get(key)
        groups[key] = (certificate, 1 if previous is None else previous[1] + 1)
    total: tuple[np.ndarray, np.ndarray] | None = None
    for certificate, count in groups.values():
        if count > 1 and isinstance(certificate, EpsilonDeltaCertificate) and math.isfinite(certificate.epsilon):
            # Identical (ε, δ) requests have an exact composition, far tighter than the
            # basic rule that repeated sums of pairs amount to.
            power = _member_pairs(_compose_epsilon_delta([certificate] * count, "best", provenance))
        else:
            power = _pairs_power(_member_pairs(certificate), count)
        total = power if total is None else _sum_pairs(total, power)
    assert total is not None
    epsilons, deltas = total
    return PrivacyProfileCertificate(
        epsilons=tuple(epsilons),
        deltas=tuple(deltas),
        provenance=_noted(provenance, "basic composition of privacy profiles with the best split of epsilon"),
    )


def _parameters_key(certificate: Certificate) -> tuple[str, str]:
    """Identify certificates with the same mathematics, whatever their provenance."""
    return certificate.notion, json.dumps(certificate.parameters_dict(), sort_keys=True, default=str)


def _member_pairs(certificate: Certificate) -> tuple[np.ndarray, np.ndarray]:
    """Valid (ε, δ) pairs of one request: its least ε at each δ level, and its own grid."""
    levels = _DELTA_LEVELS
    if isinstance(certificate, GaussianDPCertificate):
        from .gaussian import gdp_delta, gdp_epsilon

        epsilons = np.atleast_1d(gdp_epsilon(mu=certificate.mu, delta=levels))
        epsilons = np.concatenate([[0.0], epsilons])
        return _prune(epsilons, np.atleast_1d(gdp_delta(epsilons, mu=certificate.mu)))
    if isinstance(certificate, RenyiCertificate):
        epsilons = np.concatenate([[0.0], np.atleast_1d(certificate.epsilon(levels, warn=False))])
        return _prune(epsilons, np.atleast_1d(certificate.delta(epsilons, warn=False)))
    profile = to_profile(certificate)
    epsilons = np.concatenate([np.asarray(profile.epsilons), np.atleast_1d(profile.epsilon(levels)), [0.0]])
    epsilons = epsilons[np.isfinite(epsilons)]
    return _prune(epsilons, np.atleast_1d(profile.delta(epsilons)))


def _sum_pairs(first, second) -> tuple[np.ndarray, np.ndarray]:
    """Return all sums of a pair from each set (rounded up), pruned."""
    epsilons = _numerics.up((first[0][:, None] + second[0][None, :]).ravel(), ulps=2)
    deltas = np.minimum(_numerics.up((first[1][:, None] + second[1][None, :]).ravel(), ulps=2), 1.0)
    return _prune(epsilons, deltas)


def _prune(epsilons: np.ndarray, deltas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep, for each δ level, the pair with the least ε that reaches it (a subset of valid pairs)."""
    keep = (epsilons <= MAX_EPSILON) & np.isfinite(epsilons)
    epsilons, deltas = epsilons[keep], deltas[keep]
    order = np.lexsort((deltas, epsilons))
    epsilons, deltas = epsilons[order], np.minimum.accumulate(deltas[order])
    # Pairs that do not lower δ add nothing: the step rule already covers them.
    useful = np.concatenate([[True], np.diff(deltas) < 0])
    epsilons, deltas = epsilons[useful], deltas[useful]
    if epsilons.size > _DELTA_LEVELS.size:
        # δ now strictly decreases along the pairs; keep the first pair at or below each level.
        position = np.searchsorted(-deltas, -np.concatenate([_DELTA_LEVELS, [0.0]]), side="left")
        chosen = np.unique(np.concatenate([[0, epsilons.size - 1], np.minimum(position, epsilons.size - 1)]))
        epsilons, deltas = epsilons[chosen], deltas[chosen]
    return epsilons, deltas


def _pairs_power(pairs, count: int):
    result = None
    power = pairs
    while count > 0:
        if count & 1:
            result = power if result is None else _sum_pairs(result, power)
        count >>= 1
        if count:
            power = _sum_pairs(power, power)
    return result


# -- best-of sequences ----------------------------------------------------------------------------


def _compose_best_of(certificates, method: str, provenance: Provenance) -> Certificate:
    """Compose member by member for every notion all requests share, then take the best."""
    per_request = [list(c.members) if isinstance(c, BestOfCertificate) else [c] for c in certificates]
    shared = set.intersection(*[{member.notion for member in members} for members in per_request])
    candidates = []
    for notion in sorted(shared):
        chosen = [next(m for m in members if m.notion == notion) for members in per_request]
        candidates.append(compose(chosen, method=method))
    if not candidates:
        candidates.append(compose_profiles([_best_profile(c) for c in certificates], provenance))
    return best_of(candidates)


def _best_profile(certificate: Certificate) -> PrivacyProfileCertificate:
    return to_profile(certificate)


# -- provenance -------------------------------------------------------------------------------------


def _noted(provenance: Provenance, note: str) -> Provenance:
    from dataclasses import replace

    return replace(provenance, notes=provenance.notes + (note,))


def _merge_provenance(provenances: Sequence[Provenance], how: str) -> Provenance:
    algorithms = sorted({p.algorithm for p in provenances})
    assumptions: dict[tuple[str, str], object] = {}
    for provenance in provenances:
        for assumption in provenance.assumptions:
            key = (assumption.name, assumption.value)
            previous = assumptions.get(key)
            # An assumption is checked for the composition only if checked every time.
            if previous is None or (previous.checked and not assumption.checked):
                assumptions[key] = assumption
    basis = "data-dependent" if any(p.basis == "data-dependent" for p in provenances) else "worst-case"
    return Provenance(
        algorithm=" + ".join(algorithms),
        basis=basis,
        requests=sum(p.requests for p in provenances),
        group_size=max(p.group_size for p in provenances),
        assumptions=tuple(assumptions.values()),
        notes=(f"{how} over {len(provenances)} certificates",),
    )
