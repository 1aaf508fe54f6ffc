"""Conversions between certification notions, each towards the safe side.

Every function returns a certificate implied by its input: its transfer function is
never below the input's, and its parameters are upper bounds of the exact conversion.

=====================  ==================  ==============================================
from                   to                  rule
=====================  ==================  ==============================================
μ-GDP                  privacy profile     exact Gaussian profile on a grid (Dong, Roth and
                                           Su 2022)
μ-GDP                  Rényi               ``αμ²/2``, exact: a μ-GDP pair is a
                                           post-processing of N(0,1), N(μ,1) (Blackwell;
                                           Dong, Roth and Su 2022)
Rényi                  profile, (ε, δ)     Canonne–Kamath–Steinke conversion and the
                                           total-variation bound (:mod:`.renyi`)
(ε, δ)                 Rényi               only for δ = 0, by randomized response
                                           (:func:`.renyi.pure_dp_rdp`); refused for δ > 0
profile, f-DP          (ε, δ)              the least ε with δ(ε) ≤ δ on the hull
profile ↔ f-DP                             the same pairs (conjugate duality, lossless)
best-of                any                 the best member conversion
=====================  ==================  ==============================================
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .. import _numerics, _validate
from .certificate import Certificate, EpsilonDeltaCertificate, GaussianDPCertificate, Provenance
from .combine import BestOfCertificate
from .fdp import TradeOffCertificate
from .gaussian import gdp_delta, gdp_epsilon
from .profile import DEFAULT_EPSILONS, MAX_EPSILON, PrivacyProfileCertificate, pair_within_range
from .renyi import DEFAULT_ORDERS, RenyiCertificate, pure_dp_rdp, rdp_to_delta, rdp_to_epsilon, validate_orders


def _noted(provenance: Provenance, note: str) -> Provenance:
    return replace(provenance, notes=provenance.notes + (note,))


# -- to a privacy profile -------------------------------------------------------------------


def to_profile(certificate: Certificate, *, epsilons=DEFAULT_EPSILONS) -> PrivacyProfileCertificate:
    """Return a privacy-profile certificate implied by `certificate`.

    (ε, δ), profile and f-DP certificates convert without loss (their own pairs), except
    that an (ε, δ) pair with ε > 700 becomes the pair it implies at ε = 700. GDP and Rényi
    certificates are evaluated on the grid `epsilons`.
    """
    if isinstance(certificate, PrivacyProfileCertificate):
        return certificate
    if isinstance(certificate, TradeOffCertificate):
        return certificate.to_profile()
    if isinstance(certificate, EpsilonDeltaCertificate):
        epsilon, delta = pair_within_range(certificate.epsilon, certificate.delta)
        return PrivacyProfileCertificate(epsilons=(epsilon,), deltas=(delta,), provenance=certificate.provenance)
    grid = _validate.array_in_interval("epsilons", epsilons, 0.0, MAX_EPSILON)
    if isinstance(certificate, GaussianDPCertificate):
        return gdp_to_profile(certificate, epsilons=grid)
    if isinstance(certificate, RenyiCertificate):
        return renyi_to_profile(certificate, epsilons=grid)
    if isinstance(certificate, BestOfCertificate):
        members = [to_profile(member, epsilons=grid) for member in certificate.members]
        values = np.minimum.reduce([np.atleast_1d(member.delta(grid)) for member in members])
        # The union of the members' own grids keeps each member's exact pairs too.
        pairs = np.concatenate([np.c_[grid, values]] + [np.c_[member.epsilons, member.deltas] for member in members])
        return _profile_from_pairs(pairs, _noted(certificate.provenance, "profile of the best of several certificates"))
    raise _validate.fail("certificate", "a certificate of a known notion", type(certificate).__name__)


def gdp_to_profile(certificate: GaussianDPCertificate, *, epsilons=DEFAULT_EPSILONS) -> PrivacyProfileCertificate:
    """Return the exact profile ``δ_μ(ε)`` of μ-GDP on the grid, rounded up."""
    grid = _validate.array_in_interval("epsilons", epsilons, 0.0, MAX_EPSILON)
    return PrivacyProfileCertificate(
        epsilons=tuple(grid),
        deltas=tuple(np.atleast_1d(gdp_delta(grid, mu=certificate.mu))),
        provenance=_noted(certificate.provenance, f"exact privacy profile of {certificate.mu:.6g}-GDP on a grid"),
    )


def renyi_to_profile(certificate: RenyiCertificate, *, epsilons=DEFAULT_EPSILONS) -> PrivacyProfileCertificate:
    """Return the profile ``δ(ε)`` converted from a Rényi curve on the grid, rounded up."""
    grid = _validate.array_in_interval("epsilons", epsilons, 0.0, MAX_EPSILON)
    values = np.atleast_1d(rdp_to_delta(grid, orders=certificate.orders, rdp=certificate.rdp, warn=False))
    return PrivacyProfileCertificate(
        epsilons=tuple(grid),
        deltas=tuple(values),
        provenance=_noted(certificate.provenance, "privacy profile converted from a Renyi curve"),
    )


def tradeoff_to_profile(certificate: TradeOffCertificate) -> PrivacyProfileCertificate:
    """Return the privacy profile of a trade-off certificate (lossless)."""
    return certificate.to_profile()


def profile_to_tradeoff(certificate: PrivacyProfileCertificate) -> TradeOffCertificate:
    """Return the trade-off certificate ``max_i f_{ε_i, δ_i}`` of a profile (lossless)."""
    return TradeOffCertificate(
        epsilons=certificate.epsilons, deltas=certificate.deltas, provenance=certificate.provenance
    )


def to_tradeoff(certificate: Certificate, *, epsilons=DEFAULT_EPSILONS) -> TradeOffCertificate:
    """Return an f-DP certificate implied by `certificate` (via its profile)."""
    if isinstance(certificate, TradeOffCertificate):
        return certificate
    return profile_to_tradeoff(to_profile(certificate, epsilons=epsilons))


def _profile_from_pairs(pairs: np.ndarray, provenance: Provenance) -> PrivacyProfileCertificate:
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    pairs = pairs[order]
    first = np.concatenate([[True], np.diff(pairs[:, 0]) > 0])
    return PrivacyProfileCertificate(
        epsilons=tuple(pairs[first, 0]), deltas=tuple(pairs[first, 1]), provenance=provenance
    )


# -- to (ε, δ) ------------------------------------------------------------------------------


def epsilon_for_delta(certificate: Certificate, *, delta: float, warn: bool = True) -> float:
    """Return the least ε (an upper bound, rounded up) that `certificate` gives at δ.

    ``inf`` when the certificate gives no bound at that δ (for example an (ε, δ₀)
    certificate asked at δ < δ₀). `warn` controls the
    :class:`~certunlearn.bounds.renyi.OrderGridWarning` of Rényi certificates.
    """
    delta = _validate.in_interval("delta", delta, 0.0, 1.0, low_open=True)
    if isinstance(certificate, GaussianDPCertificate):
        return float(gdp_epsilon(mu=certificate.mu, delta=min(delta, np.nextafter(1.0, 0.0))))
    if isinstance(certificate, RenyiCertificate):
        return float(rdp_to_epsilon(delta, orders=certificate.orders, rdp=certificate.rdp, warn=warn))
    if isinstance(certificate, EpsilonDeltaCertificate):
        if not math.isfinite(certificate.epsilon):
            return math.inf if delta < 1.0 else 0.0
        return float(to_profile(certificate).epsilon(delta))
    if isinstance(certificate, (PrivacyProfileCertificate, TradeOffCertificate)):
        return float(to_profile(certificate).epsilon(delta))
    if isinstance(certificate, BestOfCertificate):
        return min(epsilon_for_delta(member, delta=delta, warn=warn) for member in certificate.members)
    raise _validate.fail("certificate", "a certificate of a known notion", type(certificate).__name__)


def to_epsilon_delta(certificate: Certificate, *, delta: float) -> EpsilonDeltaCertificate:
    """Return the (ε, δ) certificate implied by `certificate` at the given δ."""
    epsilon = epsilon_for_delta(certificate, delta=delta)
    return EpsilonDeltaCertificate(
        epsilon=epsilon,
        delta=float(delta),
        provenance=_noted(certificate.provenance, f"(epsilon, delta) read from a {certificate.notion} certificate"),
    )


def profile_to_epsilon_delta(certificate: PrivacyProfileCertificate, *, delta: float) -> EpsilonDeltaCertificate:
    """Return the (ε, δ) certificate a privacy profile gives at δ."""
    return to_epsilon_delta(certificate, delta=delta)


def renyi_to_epsilon_delta(certificate: RenyiCertificate, *, delta: float) -> EpsilonDeltaCertificate:
    """Return the (ε, δ) certificate a Rényi curve gives at δ (CKS conversion)."""
    return to_epsilon_delta(certificate, delta=delta)


# -- to Rényi ----------------------------------------------------------------------------------


def to_renyi(certificate: Certificate, *, orders=DEFAULT_ORDERS) -> RenyiCertificate:
    """Return a Rényi certificate implied by `certificate`, where one exists.

    GDP gives ``αμ²/2``; pure ε-DP (δ = 0, also a profile or trade-off with a δ_i = 0)
    gives the randomized-response curve; a Rényi certificate is re-read on `orders`
    (:func:`renyi_on_orders`). Anything with δ > 0 everywhere is refused: its Rényi
    divergence can be infinite.
    """
    grid = validate_orders(orders)
    if isinstance(certificate, RenyiCertificate):
        return renyi_on_orders(certificate, orders=grid)
    if isinstance(certificate, GaussianDPCertificate):
        return gdp_to_renyi(certificate, orders=grid)
    if isinstance(certificate, EpsilonDeltaCertificate):
        return epsilon_delta_to_renyi(certificate, orders=grid)
    if isinstance(certificate, (PrivacyProfileCertificate, TradeOffCertificate)):
        zero = [e for e, d in zip(certificate.epsilons, certificate.deltas, strict=True) if d == 0.0]
        if not zero:
            raise _validate.fail(
                "certificate",
                "a pure-DP certificate (some delta = 0) for a conversion to Renyi; with delta > 0 the Renyi "
                "divergence can be infinite",
                f"{certificate.notion} with smallest delta {min(certificate.deltas):.3g}",
            )
        pure = EpsilonDeltaCertificate(epsilon=min(zero), delta=0.0, provenance=certificate.provenance)
        return epsilon_delta_to_renyi(pure, orders=grid)
    if isinstance(certificate, BestOfCertificate):
        curves = []
        for member in certificate.members:
            try:
                curves.append(to_renyi(member, orders=grid))
            except _validate.InvalidArgumentError:
                continue
        if not curves:
            raise _validate.fail("certificate", "a best-of certificate with a member convertible to Renyi", "none")
        rdp = np.minimum.reduce([np.asarray(curve.rdp) for curve in curves])
        return RenyiCertificate(orders=tuple(grid), rdp=tuple(rdp), provenance=certificate.provenance)
    raise _validate.fail("certificate", "a certificate of a known notion", type(certificate).__name__)


def gdp_to_renyi(certificate: GaussianDPCertificate, *, orders=DEFAULT_ORDERS) -> RenyiCertificate:
    """Return ``ρ(α) = αμ²/2``, the Rényi curve of μ-GDP (exact), rounded up."""
    grid = validate_orders(orders)
    rdp = (
        _numerics.pad_up(grid * certificate.mu**2 / 2.0)
        if math.isfinite(certificate.mu)
        else np.full_like(grid, math.inf)
    )
    return RenyiCertificate(
        orders=tuple(grid),
        rdp=tuple(rdp),
        provenance=_noted(certificate.provenance, f"Renyi curve of {certificate.mu:.6g}-GDP"),
    )


def epsilon_delta_to_renyi(certificate: EpsilonDeltaCertificate, *, orders=DEFAULT_ORDERS) -> RenyiCertificate:
    """Return the Rényi curve of a pure ε-DP certificate; refuse δ > 0."""
    grid = validate_orders(orders)
    if certificate.delta != 0.0:
        raise _validate.fail(
            "delta",
            "0 for a conversion to Renyi (an (epsilon, delta) pair with delta > 0 can have infinite Renyi divergence)",
            certificate.delta,
        )
    rdp = pure_dp_rdp(grid, epsilon=certificate.epsilon)
    return RenyiCertificate(
        orders=tuple(grid),
        rdp=tuple(rdp),
        provenance=_noted(certificate.provenance, f"Renyi curve of {certificate.epsilon:.6g}-DP (randomized response)"),
    )


def renyi_on_orders(certificate: RenyiCertificate, *, orders) -> RenyiCertificate:
    """Return the certificate's Rényi bounds read at other orders (upper bounds).

    Two facts give a bound at an order β between grid orders: ``D_β`` is non-decreasing in
    β, and ``(β − 1) D_β`` is convex in β with value 0 at β = 1 (van Erven and Harremoës
    2014, Theorems 3 and 11), so the chord of ``(α − 1)ρ(α)`` between neighbouring grid
    orders (and the point (1, 0)) bounds it. Orders above the grid get ``inf``.
    """
    grid = validate_orders(orders)
    return RenyiCertificate(
        orders=tuple(grid),
        rdp=tuple(rdp_at_orders(certificate.orders, certificate.rdp, grid)),
        provenance=certificate.provenance,
    )


def rdp_at_orders(known_orders, known_rdp, orders) -> np.ndarray:
    """Upper bounds on ``D_β`` at each β in `orders` from bounds at `known_orders`."""
    known_orders = np.asarray(known_orders, dtype=float)
    known_rdp = np.asarray(known_rdp, dtype=float)
    beta = np.asarray(orders, dtype=float)
    # Monotone in the order: the bound at the next known order at or above β.
    suffix_min = np.minimum.accumulate(known_rdp[::-1])[::-1]
    above = np.searchsorted(known_orders, beta, side="left")
    monotone = np.where(above < known_orders.size, suffix_min[np.minimum(above, known_orders.size - 1)], math.inf)
    # Convex in the order: chord of (α − 1)ρ between the neighbours (or (1, 0)).
    left_order = np.where(above > 0, known_orders[np.maximum(above - 1, 0)], 1.0)
    left_value = np.where(above > 0, (left_order - 1.0) * known_rdp[np.maximum(above - 1, 0)], 0.0)
    right_index = np.minimum(above, known_orders.size - 1)
    right_order = known_orders[right_index]
    right_value = (right_order - 1.0) * known_rdp[right_index]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        weight = np.where(right_order > left_order, (beta - left_order) / (right_order - left_order), 1.0)
        chord = ((1.0 - weight) * left_value + weight * right_value) / (beta - 1.0)
    chord = np.where((above < known_orders.size) & np.isfinite(chord), _numerics.pad_up(chord), math.inf)
    return np.minimum(monotone, chord)
