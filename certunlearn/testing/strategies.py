"""Hypothesis strategies for certificates and for mechanisms with exactly known profiles.

Requires hypothesis (``pip install certunlearn[test]``).

:func:`certified_mechanisms` draws a mechanism from :mod:`certunlearn.testing.mechanisms`
together with a certificate of a chosen notion that is valid for it, built from the
mechanism's exact profile, Rényi curve or μ (the tightest valid certificates, which is
where rounding errors would show). Feed the pair to
:func:`certunlearn.testing.checks.check_transfer_sound`.
"""

from __future__ import annotations

try:
    from hypothesis import strategies as st
except ModuleNotFoundError as error:  # pragma: no cover - depends on the environment
    raise ModuleNotFoundError(
        "certunlearn.testing.strategies needs hypothesis; install it with `pip install certunlearn[test]`"
    ) from error

import numpy as np

from .. import bounds
from .mechanisms import (
    GaussianPair,
    LaplacePair,
    SubsampledGaussianPair,
    canonical_pair,
    randomized_response_pair,
)

NOTIONS = ("epsilon-delta", "gaussian-dp", "renyi", "privacy-profile", "f-dp", "best-of")


def epsilons(*, max_value: float = 30.0):
    """ε ≥ 0, including 0 and values near the edges of double precision."""
    return st.one_of(st.just(0.0), st.floats(min_value=1e-8, max_value=max_value, allow_nan=False))


def deltas():
    """δ in [0, 1], spread over many orders of magnitude."""
    return st.one_of(
        st.just(0.0),
        st.floats(min_value=-16.0, max_value=0.0).map(lambda exponent: float(10.0**exponent)),
    )


def mus(*, max_value: float = 8.0):
    """μ ≥ 0 for Gaussian DP."""
    return st.one_of(st.just(0.0), st.floats(min_value=1e-4, max_value=max_value))


def order_grids():
    """Sorted Rényi order grids in (1, 1024]."""
    orders = st.one_of(
        st.floats(min_value=1.01, max_value=12.0),
        st.integers(min_value=2, max_value=1024).map(float),
    )
    return st.lists(orders, min_size=1, max_size=24, unique=True).map(lambda values: tuple(sorted(values)))


def epsilon_grids(*, max_value: float = 30.0):
    """Strictly increasing ε grids starting anywhere in [0, max_value]."""
    return st.lists(st.floats(min_value=0.0, max_value=max_value), min_size=1, max_size=40, unique=True).map(
        lambda values: tuple(sorted(values))
    )


def epsilon_delta_certificates():
    return st.builds(lambda e, d: bounds.EpsilonDeltaCertificate(epsilon=e, delta=d), epsilons(), deltas())


def gdp_certificates():
    return st.builds(lambda mu: bounds.GaussianDPCertificate(mu=mu), mus())


def renyi_certificates():
    def build(orders, data):
        return bounds.RenyiCertificate(orders=orders, rdp=tuple(data[: len(orders)]))

    return st.builds(
        build,
        order_grids(),
        st.lists(st.floats(min_value=0.0, max_value=50.0), min_size=24, max_size=24),
    )


def profile_certificates():
    def build(grid, data):
        return bounds.PrivacyProfileCertificate(epsilons=grid, deltas=tuple(sorted(data[: len(grid)], reverse=True)))

    return st.builds(
        build, epsilon_grids(), st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=40, max_size=40)
    )


def tradeoff_certificates():
    return profile_certificates().map(bounds.profile_to_tradeoff)


def certificates():
    """Any certificate of any notion (not tied to a mechanism)."""
    single = st.one_of(
        epsilon_delta_certificates(),
        gdp_certificates(),
        renyi_certificates(),
        profile_certificates(),
        tradeoff_certificates(),
    )
    return st.one_of(single, st.lists(single, min_size=2, max_size=3).map(bounds.best_of))


# -- mechanisms --------------------------------------------------------------------------------


def gaussian_pairs():
    return st.builds(GaussianPair, mus())


def laplace_pairs():
    return st.builds(LaplacePair, st.floats(min_value=0.05, max_value=50.0))


def randomized_response_pairs():
    return st.builds(randomized_response_pair, epsilons(max_value=20.0))


def canonical_pairs():
    return st.builds(canonical_pair, epsilons(max_value=20.0), deltas())


def subsampled_gaussian_pairs():
    return st.builds(
        SubsampledGaussianPair,
        st.floats(min_value=0.3, max_value=20.0),
        st.one_of(st.just(1.0), st.floats(min_value=1e-4, max_value=1.0)),
    )


def mechanisms():
    return st.one_of(gaussian_pairs(), laplace_pairs(), randomized_response_pairs(), canonical_pairs())


# -- mechanisms with a certificate valid for them ----------------------------------------------


def _profile_for(mechanism, grid):
    if isinstance(mechanism, SubsampledGaussianPair):
        rdp = bounds.subsampled_gaussian_rdp(
            bounds.DEFAULT_ORDERS,
            noise_multiplier=mechanism.noise_multiplier,
            sampling_probability=mechanism.sampling_probability,
        )
        values = bounds.rdp_to_delta(grid, orders=bounds.DEFAULT_ORDERS, rdp=rdp, warn=False)
    else:
        values = mechanism.delta(np.asarray(grid))
    return np.minimum(np.atleast_1d(values), 1.0)


def _renyi_for(mechanism, orders):
    orders = np.asarray(orders)
    if isinstance(mechanism, GaussianPair):
        return (
            bounds.gaussian_rdp(orders, noise_multiplier=1.0 / mechanism.mu)
            if mechanism.mu > 0
            else np.zeros_like(orders)
        )
    if isinstance(mechanism, LaplacePair):
        return bounds.laplace_rdp(orders, noise_multiplier=mechanism.scale)
    if isinstance(mechanism, SubsampledGaussianPair):
        return bounds.subsampled_gaussian_rdp(
            orders, noise_multiplier=mechanism.noise_multiplier, sampling_probability=mechanism.sampling_probability
        )
    # Finite pairs here are randomized response: pure ε-DP.
    epsilon = float(np.log(mechanism.first[0] / mechanism.second[0])) if mechanism.second[0] > 0 else np.inf
    return bounds.pure_dp_rdp(orders, epsilon=max(epsilon, 0.0))


@st.composite
def certified_mechanisms(draw, notion: str = "privacy-profile"):
    """Draw ``(mechanism, certificate)`` with the certificate valid for the mechanism.

    Args:
        notion: one of :data:`NOTIONS`.
    """
    if notion not in NOTIONS:
        raise ValueError(f"notion must be one of {NOTIONS}, got {notion!r}")
    if notion == "best-of":
        parts = draw(st.lists(st.sampled_from(NOTIONS[:-1]), min_size=2, max_size=3))
        mechanism = draw(gaussian_pairs())
        members = [_certificate_for(draw, mechanism, part) for part in parts]
        return mechanism, bounds.best_of(members)
    if notion == "gaussian-dp":
        mechanism = draw(gaussian_pairs())
    elif notion == "renyi":
        mechanism = draw(
            st.one_of(gaussian_pairs(), laplace_pairs(), randomized_response_pairs(), subsampled_gaussian_pairs())
        )
    else:
        mechanism = draw(st.one_of(mechanisms(), subsampled_gaussian_pairs()))
    return mechanism, _certificate_for(draw, mechanism, notion)


def _certificate_for(draw, mechanism, notion: str):
    if notion == "gaussian-dp":
        return bounds.GaussianDPCertificate(mu=mechanism.mu)
    if notion == "epsilon-delta":
        epsilon = draw(st.floats(min_value=0.0, max_value=30.0))
        return bounds.EpsilonDeltaCertificate(epsilon=epsilon, delta=float(_profile_for(mechanism, [epsilon])[0]))
    if notion == "renyi":
        orders = draw(order_grids())
        return bounds.RenyiCertificate(orders=orders, rdp=tuple(_renyi_for(mechanism, orders)))
    grid = draw(epsilon_grids())
    profile = bounds.PrivacyProfileCertificate(epsilons=grid, deltas=tuple(_profile_for(mechanism, grid)))
    if notion == "f-dp":
        return bounds.profile_to_tradeoff(profile)
    return profile
