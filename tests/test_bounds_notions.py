"""Behaviour of each certification notion: records, conversions, validation, best-of."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings

from certunlearn import bounds
from certunlearn._validate import InvalidArgumentError
from certunlearn.cli._output import dumps
from certunlearn.testing import GaussianPair, LaplacePair, check_profile_sound, check_transfer_sound
from certunlearn.testing.strategies import certificates

ORDERS = np.array(bounds.DEFAULT_ORDERS)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(certificates())
def test_json_round_trip(certificate):
    """Every certificate round-trips through strict JSON, infinities included."""
    record = json.loads(dumps(certificate.to_dict()))
    rebuilt = bounds.certificate_from_dict(record)
    assert rebuilt == certificate
    assert isinstance(certificate.statement(), str)
    assert certificate.statement()


# -- privacy profile -----------------------------------------------------------------------------


def test_profile_running_minimum_and_validation():
    profile = bounds.PrivacyProfileCertificate(epsilons=(0.0, 1.0, 2.0), deltas=(0.2, 0.3, 0.1))
    assert profile.deltas == (0.2, 0.2, 0.1)
    with pytest.raises(InvalidArgumentError, match="^epsilons must be strictly increasing"):
        bounds.PrivacyProfileCertificate(epsilons=(1.0, 1.0), deltas=(0.1, 0.1))
    with pytest.raises(InvalidArgumentError, match="^epsilons must be in \\[0, 700\\]"):
        bounds.PrivacyProfileCertificate(epsilons=(0.0, 800.0), deltas=(0.1, 0.0))
    with pytest.raises(InvalidArgumentError, match="^deltas must be in \\[0, 1\\]"):
        bounds.PrivacyProfileCertificate(epsilons=(0.0,), deltas=(1.5,))


def test_profile_step_rule_and_hull():
    """Between grid points the profile is at most the step value (δ non-increasing) and the chord."""
    profile = bounds.PrivacyProfileCertificate(epsilons=(0.5, 2.0), deltas=(0.1, 0.01))
    between = np.linspace(0.5, 2.0, 31)
    values = profile.delta(between)
    assert np.all(values <= 0.1)
    gamma = np.exp(between)
    chord = 0.01 + (0.1 - 0.01) * (np.exp(2.0) - gamma) / (np.exp(2.0) - np.exp(0.5))
    assert np.all(values <= chord * (1 + 1e-12) + 1e-15)
    assert profile.delta(5.0) == 0.01
    # Below the grid: the mirror of (0.5, 0.1) and (0, 1) give a valid value below 1.
    assert profile.delta(0.0) < 1.0


def test_profile_from_exact_functions_is_sound():
    for mechanism, grid in ((GaussianPair(1.2), np.linspace(0, 8, 9)), (LaplacePair(0.7), np.geomspace(0.01, 3, 12))):
        profile = bounds.PrivacyProfileCertificate(
            epsilons=tuple(grid), deltas=tuple(np.atleast_1d(mechanism.delta(grid)))
        )
        check_profile_sound(profile.delta, mechanism.delta, np.linspace(0, 10, 401))
        check_transfer_sound(profile, mechanism)


def test_profile_epsilon_for_delta():
    profile = bounds.gdp_to_profile(bounds.GaussianDPCertificate(mu=1.0))
    for delta in (1e-10, 1e-5, 0.1):
        epsilon = profile.epsilon(delta)
        assert profile.delta(epsilon) <= delta
        assert epsilon >= bounds.gdp_epsilon(mu=1.0, delta=delta)
    assert profile.epsilon(0.0) > 0
    assert math.isinf(bounds.PrivacyProfileCertificate(epsilons=(1.0,), deltas=(1e-3,)).epsilon(1e-4))


# -- Rényi ---------------------------------------------------------------------------------------------


def test_renyi_certificate_validation():
    with pytest.raises(InvalidArgumentError, match="^rdp must be one value per order"):
        bounds.RenyiCertificate(orders=(2.0, 3.0), rdp=(0.1,))
    with pytest.raises(InvalidArgumentError, match="^rdp must be in \\[0, inf\\]"):
        bounds.RenyiCertificate(orders=(2.0,), rdp=(-0.1,))
    with pytest.raises(InvalidArgumentError, match="^orders must be strictly increasing"):
        bounds.RenyiCertificate(orders=(3.0, 2.0), rdp=(0.1, 0.2))


def test_renyi_transfer_better_of_routes():
    """The Rényi h is never above probability preservation nor the converted profile's h."""
    rdp = bounds.gaussian_rdp(ORDERS, noise_multiplier=1.5)
    certificate = bounds.RenyiCertificate(orders=tuple(ORDERS), rdp=tuple(rdp))
    p = np.geomspace(1e-9, 0.999, 60)
    preservation = np.min((np.exp(rdp)[:, None] * p[None, :]) ** ((ORDERS[:, None] - 1) / ORDERS[:, None]), axis=0)
    profile = bounds.renyi_to_profile(certificate, epsilons=np.linspace(0, 20, 2001))
    h = certificate.transfer(p)
    assert np.all(h <= preservation * (1 + 1e-9))
    assert np.all(h <= profile.transfer(p) * (1 + 1e-9))
    assert np.all(h >= bounds.gdp_transfer(p, mu=1 / 1.5))


def test_renyi_all_infinite_is_vacuous():
    certificate = bounds.RenyiCertificate(orders=(2.0,), rdp=(math.inf,))
    assert certificate.transfer(0.0) == 1.0
    assert math.isinf(bounds.epsilon_for_delta(certificate, delta=1e-5))


def test_renyi_on_other_orders():
    base = bounds.RenyiCertificate(orders=(2.0, 8.0), rdp=(0.2, 0.8))
    moved = bounds.renyi_on_orders(base, orders=[1.5, 2.0, 5.0, 9.0])
    assert moved.rdp[1] == 0.2
    assert moved.rdp[0] <= 0.2
    assert 0.2 <= moved.rdp[2] <= 0.8
    assert math.isinf(moved.rdp[3])


# -- f-DP ---------------------------------------------------------------------------------------------------


def test_tradeoff_from_pairs_and_profile_lossless():
    certificate = bounds.TradeOffCertificate.from_pairs([(2.0, 1e-4), (0.5, 0.05), (2.0, 1e-3)])
    assert certificate.epsilons == (0.5, 2.0)
    assert certificate.deltas == (0.05, 1e-4)
    profile = bounds.tradeoff_to_profile(certificate)
    p = np.linspace(0, 1, 51)
    np.testing.assert_array_equal(profile.transfer(p), certificate.transfer(p))
    assert bounds.profile_to_tradeoff(profile) == certificate


def test_tradeoff_bounds_gaussian_tradeoff():
    x = np.linspace(0, 1, 101)
    piecewise = bounds.TradeOffCertificate.from_gdp(0.8).tradeoff(x)
    assert np.all(piecewise <= bounds.gaussian_tradeoff(x, mu=0.8) + 1e-15)
    assert np.all(bounds.epsilon_delta_tradeoff(x, epsilon=1.0, delta=0.01) <= 1 - x)


# -- conversions ---------------------------------------------------------------------------------------


def test_gdp_conversions():
    certificate = bounds.GaussianDPCertificate(mu=0.6)
    renyi = bounds.to_renyi(certificate)
    np.testing.assert_allclose(renyi.rdp, ORDERS * 0.18, rtol=1e-11)
    assert np.all(np.asarray(renyi.rdp) >= ORDERS * 0.18)
    profile = bounds.to_profile(certificate, epsilons=np.linspace(0, 5, 11))
    np.testing.assert_allclose(profile.deltas, bounds.gdp_delta(np.linspace(0, 5, 11), mu=0.6))
    assert bounds.to_epsilon_delta(certificate, delta=1e-5).epsilon == bounds.gdp_epsilon(mu=0.6, delta=1e-5)


def test_epsilon_delta_to_renyi_only_for_pure():
    with pytest.raises(InvalidArgumentError, match="^delta must be 0 for a conversion to Renyi"):
        bounds.to_renyi(bounds.EpsilonDeltaCertificate(epsilon=1.0, delta=1e-9))
    with pytest.raises(InvalidArgumentError, match="^certificate must be a pure-DP certificate"):
        bounds.to_renyi(bounds.PrivacyProfileCertificate(epsilons=(1.0,), deltas=(1e-3,)))
    pure = bounds.to_renyi(bounds.PrivacyProfileCertificate(epsilons=(1.0, 3.0), deltas=(1e-3, 0.0)))
    assert np.all(np.asarray(pure.rdp) <= 3.0)


def test_epsilon_delta_profile_of_single_pair():
    """The profile of one (ε, δ) pair is that of the canonical pair (the tightest implied)."""
    profile = bounds.to_profile(bounds.EpsilonDeltaCertificate(epsilon=1.0, delta=1e-3))
    gamma = np.e
    at_zero = (gamma - 1 + 2e-3) / (gamma + 1)
    assert profile.delta(0.0) == pytest.approx(at_zero, rel=1e-12)
    assert profile.delta(0.0) >= at_zero


# -- best of several -----------------------------------------------------------------------------------------


def test_best_of_is_pointwise_min_and_max_inverse():
    members = [
        bounds.EpsilonDeltaCertificate(epsilon=1.0, delta=1e-5),
        bounds.GaussianDPCertificate(mu=0.5),
        bounds.RenyiCertificate(orders=tuple(ORDERS), rdp=tuple(bounds.gaussian_rdp(ORDERS, noise_multiplier=2.0))),
    ]
    best = bounds.best_of(members)
    p = np.linspace(0, 1, 41)
    expected = np.minimum.reduce([member.transfer(p) for member in members])
    np.testing.assert_array_equal(best.transfer(p), expected)
    beta = np.linspace(0, 1, 41)
    expected_inverse = np.maximum.reduce([member.transfer_inverse(beta) for member in members])
    np.testing.assert_array_equal(best.transfer_inverse(beta), expected_inverse)
    assert bounds.best_of([best, members[0]]).members == tuple(members) + (members[0],)
    assert bounds.best_of([members[1]]) is members[1]
    with pytest.raises(InvalidArgumentError, match="^certificates must be a non-empty sequence"):
        bounds.best_of([])
