"""Soundness of every notion's transfer function against exactly known mechanisms.

Each test draws a mechanism whose event probabilities are exact (Gaussian, Laplace,
Poisson-subsampled Gaussian, randomized response, the canonical (ε, δ) pair) with the
tightest certificate of one notion that is valid for it, and checks ``P(E) ≤ h(Q(E))``
in both directions on the likelihood-ratio events, which are the worst events. The
checks are deterministic (no statistical test, so no false-alarm rate); hypothesis runs
derandomised, so every run draws the same examples.

The default suite draws 200 examples per notion; ``pytest -m slow`` draws 10,000.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certunlearn import bounds
from certunlearn.testing import (
    GaussianPair,
    SubsampledGaussianPair,
    canonical_pair,
    check_inverse_consistent,
    check_transfer_shape,
    check_transfer_sound,
    randomized_response_pair,
)
from certunlearn.testing.strategies import NOTIONS, certified_mechanisms

FAST = settings(max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=10_000, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])

thresholds = st.lists(st.floats(min_value=-30.0, max_value=30.0), min_size=1, max_size=16).map(np.array)


def _check(pair, extra_thresholds):
    mechanism, certificate = pair
    check_transfer_sound(certificate, mechanism)
    if mechanism.default_thresholds() is not None:
        check_transfer_sound(certificate, mechanism, thresholds=extra_thresholds)


@pytest.mark.parametrize("notion", NOTIONS)
def test_transfer_sound_default(notion):
    """Every notion's h bounds exact event probabilities (200 derandomised examples)."""

    @FAST
    @given(certified_mechanisms(notion), thresholds)
    def run(pair, extra):
        _check(pair, extra)

    run()


@pytest.mark.slow
@pytest.mark.parametrize("notion", NOTIONS)
def test_transfer_sound_full(notion):
    """Every notion's h bounds exact event probabilities (10,000 derandomised examples)."""

    @SLOW
    @given(certified_mechanisms(notion), thresholds)
    def run(pair, extra):
        _check(pair, extra)

    run()


@FAST
@given(certified_mechanisms("best-of"))
def test_shape_and_inverse(pair):
    """Transfers are non-decreasing and concave, and their inverses are consistent."""
    _, certificate = pair
    check_transfer_shape(certificate)
    check_inverse_consistent(certificate)


@pytest.mark.parametrize(
    "certificate",
    [
        bounds.EpsilonDeltaCertificate(epsilon=1.0, delta=1e-5),
        bounds.GaussianDPCertificate(mu=0.7),
        bounds.RenyiCertificate(
            orders=bounds.DEFAULT_ORDERS, rdp=tuple(bounds.gaussian_rdp(bounds.DEFAULT_ORDERS, noise_multiplier=2.0))
        ),
        bounds.PrivacyProfileCertificate(epsilons=(0.0, 0.5, 2.0), deltas=(0.3, 0.1, 1e-4)),
        bounds.TradeOffCertificate(epsilons=(0.1, 3.0), deltas=(0.2, 1e-6)),
    ],
    ids=lambda c: c.notion,
)
def test_shape_each_notion(certificate):
    """Each notion's h has the shape Theorems 1 and 2 need, and its inverse is consistent."""
    check_transfer_shape(certificate)
    check_inverse_consistent(certificate)


def test_gdp_transfer_tight_on_gaussian():
    """The GDP transfer is attained by half-line events of the Gaussian pair (it is tight)."""
    mechanism = GaussianPair(1.3)
    first, second = mechanism.event_probabilities(np.linspace(-5, 5, 41))
    # The first 41 events are the upper half-lines {x > t}, where the shifted law has
    # the larger probability.
    bound = bounds.GaussianDPCertificate(mu=1.3).transfer(second[:41])
    np.testing.assert_allclose(bound, first[:41], rtol=1e-10, atol=1e-300)


def test_renyi_transfer_sound_subsampled_gaussian():
    """The Rényi transfer of the subsampled Gaussian curve holds for the exact mixture pair."""
    mechanism = SubsampledGaussianPair(0.8, 0.125)
    rdp = bounds.subsampled_gaussian_rdp(bounds.DEFAULT_ORDERS, noise_multiplier=0.8, sampling_probability=0.125)
    check_transfer_sound(bounds.RenyiCertificate(orders=bounds.DEFAULT_ORDERS, rdp=tuple(rdp)), mechanism)


def test_canonical_pair_attains_epsilon_delta():
    """The (ε, δ) transfer is attained by the canonical pair's events (it is tight)."""
    mechanism = canonical_pair(1.0, 1e-3)
    first, second = mechanism.event_probabilities()
    bound = bounds.EpsilonDeltaCertificate(epsilon=1.0, delta=1e-3).transfer(second)
    assert np.all(first <= bound)
    assert np.any(np.isclose(first, bound, rtol=1e-9) & (first > 1e-3))


def test_pure_dp_renyi_sound_randomized_response():
    """The randomized-response Rényi curve is the exact divergence of randomized response."""
    mechanism = randomized_response_pair(2.0)
    orders = np.array([1.5, 2.0, 10.0])
    rdp = bounds.pure_dp_rdp(orders, epsilon=2.0)
    keep = np.exp(2.0) / (1 + np.exp(2.0))
    exact = np.log(keep**orders * (1 - keep) ** (1 - orders) + (1 - keep) ** orders * keep ** (1 - orders)) / (
        orders - 1
    )
    np.testing.assert_allclose(rdp, exact, rtol=1e-9)
    assert np.all(rdp >= exact)
    check_transfer_sound(bounds.RenyiCertificate(orders=tuple(orders), rdp=tuple(rdp)), mechanism)
