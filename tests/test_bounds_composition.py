"""Requests over time and groups of points (Theorem 3), against exact values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certunlearn import bounds
from certunlearn._validate import InvalidArgumentError
from certunlearn.testing import GaussianPair, canonical_pair, check_transfer_sound

ORDERS = np.array(bounds.DEFAULT_ORDERS)


def _product(pair, count):
    result = pair
    for _ in range(count - 1):
        result = result.compose(pair)
    return result


def test_basic_composition_unchanged():
    composed = bounds.compose([bounds.EpsilonDeltaCertificate(epsilon=0.5, delta=1e-6)] * 4)
    assert isinstance(composed, bounds.EpsilonDeltaCertificate)
    assert composed.epsilon == pytest.approx(2.0)
    assert composed.delta == pytest.approx(4e-6)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(
    st.floats(min_value=0.01, max_value=3.0),
    st.one_of(st.just(0.0), st.floats(min_value=1e-8, max_value=0.05)),
    st.integers(min_value=2, max_value=4),
)
def test_optimal_composition_sound_and_tight_on_canonical_products(epsilon, delta, requests):
    """The composed certificate holds for the product of canonical pairs, which attains it."""
    certificate = bounds.EpsilonDeltaCertificate(epsilon=epsilon, delta=delta)
    composed = bounds.compose([certificate] * requests, method="optimal")
    product = _product(canonical_pair(epsilon, delta), requests)
    check_transfer_sound(composed, product)
    grid = np.linspace(0, requests * epsilon, 9)
    np.testing.assert_allclose(
        bounds.optimal_composition_delta(grid, epsilon=epsilon, delta=delta, requests=requests),
        product.delta(grid),
        rtol=1e-9,
        # The brute-force oracle sums products in floating point; where the exact
        # divergence is 0 its rounding leaves about 1e-16.
        atol=1e-14,
    )


def test_best_composition_never_worse_than_basic():
    certificate = bounds.EpsilonDeltaCertificate(epsilon=0.1, delta=1e-7)
    basic = bounds.compose([certificate] * 50)
    best = bounds.compose([certificate] * 50, method="best")
    p = np.geomspace(1e-8, 1, 40)
    assert np.all(best.transfer(p) <= basic.transfer(p))
    assert bounds.epsilon_for_delta(best, delta=1e-4) < bounds.epsilon_for_delta(basic, delta=1e-4)


def test_advanced_heterogeneous():
    epsilons = np.array([0.1, 0.2, 0.05] * 30)
    deltas = np.full(90, 1e-8)
    epsilon, delta = bounds.advanced_composition(epsilons=epsilons, deltas=deltas, delta_slack=1e-6)
    assert epsilon < epsilons.sum()
    assert delta == pytest.approx(1 - (1 - 1e-6) * (1 - 1e-8) ** 90, rel=1e-9)
    certificates = [bounds.EpsilonDeltaCertificate(epsilon=e, delta=d) for e, d in zip(epsilons, deltas, strict=True)]
    composed = bounds.compose(certificates, method="advanced")
    assert isinstance(composed, bounds.PrivacyProfileCertificate)
    with pytest.raises(InvalidArgumentError, match="^method must be 'basic', 'advanced' or 'best'"):
        bounds.compose(certificates, method="optimal")


def test_gdp_and_renyi_composition():
    mus = [0.3, 0.4, 1.2]
    composed = bounds.compose([bounds.GaussianDPCertificate(mu=m) for m in mus])
    assert composed.mu == pytest.approx(math.sqrt(sum(m * m for m in mus)))
    check_transfer_sound(composed, GaussianPair(math.sqrt(sum(m * m for m in mus))))
    curves = [
        bounds.RenyiCertificate(orders=(2.0, 4.0), rdp=(0.1, 0.3)),
        bounds.RenyiCertificate(orders=(2.0, 8.0), rdp=(0.2, 0.5)),
    ]
    renyi = bounds.compose(curves)
    assert renyi.orders == (2.0, 4.0)
    assert renyi.rdp[0] == pytest.approx(0.3)
    assert 0.3 + 0.2 <= renyi.rdp[1] <= 0.3 + 0.5 + 1e-12


def test_mixed_notions_convert_to_a_common_one():
    """GDP, Rényi and pure DP compose in Rényi; anything with δ > 0 goes through profiles."""
    gdp = bounds.GaussianDPCertificate(mu=0.5)
    renyi = bounds.RenyiCertificate(orders=tuple(ORDERS), rdp=tuple(bounds.gaussian_rdp(ORDERS, noise_multiplier=2.0)))
    pure = bounds.EpsilonDeltaCertificate(epsilon=0.1, delta=0.0)
    assert isinstance(bounds.compose([gdp, renyi, pure]), bounds.RenyiCertificate)
    approximate = bounds.EpsilonDeltaCertificate(epsilon=0.1, delta=1e-7)
    mixed = bounds.compose([gdp, renyi, approximate])
    assert isinstance(mixed, bounds.PrivacyProfileCertificate)
    # The two Gaussian requests alone are exactly sqrt(0.5)-GDP; a third request cannot
    # make the sequence more private than that.
    exact_mu = math.sqrt(0.5)
    assert bounds.epsilon_for_delta(mixed, delta=1e-4) >= bounds.gdp_epsilon(mu=exact_mu, delta=1e-4)
    best = bounds.compose([gdp, renyi, pure], method="best")
    check_transfer_sound(best, GaussianPair(exact_mu))


def test_group_per_notion():
    """Groups: (ε, δ) closed form, GDP gμ, Rényi by the weak triangle, profiles by h composed g times."""
    epsilon_delta = bounds.group_deletion(bounds.EpsilonDeltaCertificate(epsilon=0.5, delta=1e-6), 3)
    assert epsilon_delta.epsilon == pytest.approx(1.5)
    assert epsilon_delta.delta == pytest.approx(1e-6 * (math.exp(1.5) - 1) / (math.exp(0.5) - 1))
    assert bounds.group_deletion(bounds.EpsilonDeltaCertificate(epsilon=1.0, delta=0.0), 5).delta == 0.0
    gdp = bounds.group_deletion(bounds.GaussianDPCertificate(mu=0.2), 4)
    assert gdp.mu == pytest.approx(0.8)
    renyi = bounds.group_deletion(
        bounds.RenyiCertificate(orders=tuple(ORDERS), rdp=tuple(bounds.gaussian_rdp(ORDERS, noise_multiplier=4.0))), 3
    )
    assert isinstance(renyi, bounds.RenyiCertificate)
    assert renyi.provenance.group_size == 3
    check_transfer_sound(renyi, GaussianPair(0.75))
    profile = bounds.group_deletion(bounds.gdp_to_profile(bounds.GaussianDPCertificate(mu=0.25)), 3)
    check_transfer_sound(profile, GaussianPair(0.75))
    best = bounds.group_deletion(bounds.best_of([bounds.GaussianDPCertificate(mu=0.25), profile]), 2)
    assert isinstance(best, bounds.BestOfCertificate)


def test_group_tighter_than_epsilon_delta_rule():
    """Composing h g times is never worse than the (gε, δΣe^{iε}) rule."""
    certificate = bounds.EpsilonDeltaCertificate(epsilon=0.3, delta=1e-4)
    rule = bounds.group_deletion(certificate, 4)
    lines = bounds.group_deletion(bounds.to_profile(certificate), 4)
    p = np.linspace(0, 1, 101)
    assert np.all(lines.transfer(p) <= rule.transfer(p) * (1 + 1e-12))
    check_transfer_sound(lines, _product(canonical_pair(0.3, 1e-4), 1))


def test_composition_rejects_bad_input():
    with pytest.raises(InvalidArgumentError, match="^certificates must be a non-empty sequence"):
        bounds.compose([])
    with pytest.raises(InvalidArgumentError, match="^method must be one of"):
        bounds.compose([bounds.GaussianDPCertificate(mu=1.0)], method="fast")
    with pytest.raises(InvalidArgumentError, match="^certificates must be a sequence of certificates"):
        bounds.compose([bounds.GaussianDPCertificate(mu=1.0), 3.0])
    with pytest.raises(InvalidArgumentError, match="^group_size must be an integer >= 1"):
        bounds.group_deletion(bounds.GaussianDPCertificate(mu=1.0), 0)
