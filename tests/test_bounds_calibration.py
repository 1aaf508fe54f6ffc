"""Calibration in both directions never overshoots its target (hypothesis, derandomised)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certunlearn import bounds
from certunlearn.testing import check_calibration_safe

FAST = settings(max_examples=200, derandomize=True, deadline=None)
SLOW = settings(max_examples=10_000, derandomize=True, deadline=None)

epsilons = st.floats(min_value=1e-3, max_value=100.0)
deltas = st.floats(min_value=-14.0, max_value=-1.0).map(lambda exponent: 10.0**exponent)


def _gaussian_round_trip(epsilon, delta, requests, group):
    sigma = bounds.calibrate_gaussian(epsilon=epsilon, delta=delta, requests=requests, group_size=group)
    achieved = bounds.gaussian_epsilon(sigma=sigma, delta=delta, requests=requests, group_size=group)
    assert achieved <= epsilon
    # The exact δ at the target ε is met (independent check on the profile).
    mu = math.sqrt(requests) * group / sigma
    assert bounds.gdp_delta(epsilon, mu=mu) <= delta * (1 + 1e-9)


@FAST
@given(epsilons, deltas, st.integers(1, 1000), st.integers(1, 20))
def test_gaussian_calibration_round_trip(epsilon, delta, requests, group):
    """σ for (ε, δ) after k requests of groups of g: its ε never exceeds the target."""
    _gaussian_round_trip(epsilon, delta, requests, group)


@pytest.mark.slow
@SLOW
@given(epsilons, deltas, st.integers(1, 1000), st.integers(1, 20))
def test_gaussian_calibration_round_trip_full(epsilon, delta, requests, group):
    """As above, 10,000 examples."""
    _gaussian_round_trip(epsilon, delta, requests, group)


def test_gaussian_calibration_vectorised():
    targets = np.geomspace(1e-3, 50, 200)
    check_calibration_safe(
        lambda t: bounds.calibrate_gaussian(epsilon=t, delta=1e-5, requests=16),
        lambda s: bounds.gaussian_epsilon(sigma=s, delta=1e-5, requests=16),
        targets,
    )
    sigma = bounds.calibrate_gaussian(epsilon=targets, delta=1e-5, requests=16)
    np.testing.assert_allclose(sigma, 4 * bounds.calibrate_gaussian(epsilon=targets, delta=1e-5), rtol=1e-11)


@settings(max_examples=6, derandomize=True, deadline=None)
@given(st.floats(0.3, 8.0), st.floats(0.001, 0.1), st.integers(10, 2000))
def test_subsampled_calibration_round_trip(epsilon, q, steps):
    """Noise multiplier of noisy SGD for (ε, 1e-5): its RDP ε never exceeds the target."""
    z = bounds.calibrate_subsampled_gaussian(epsilon=epsilon, delta=1e-5, sampling_probability=q, steps=steps)
    achieved = bounds.subsampled_gaussian_epsilon(
        noise_multiplier=z, sampling_probability=q, steps=steps, delta=1e-5, warn=False
    )
    assert achieved <= epsilon


@settings(max_examples=40, derandomize=True, deadline=None)
@given(st.floats(0.01, 20.0), st.one_of(st.just(0.0), deltas), st.integers(1, 50))
def test_laplace_calibration_round_trip(epsilon, delta, steps):
    b = bounds.calibrate_laplace(epsilon=epsilon, delta=delta, steps=steps)
    assert bounds.laplace_epsilon(noise_multiplier=b, delta=delta, steps=steps) <= epsilon


def test_calibration_to_other_notions():
    """σ for a target μ, Rényi curve or profile: the composed Gaussian meets the target."""
    sigma = bounds.calibrate_gaussian_to_mu(mu=0.5, requests=4, group_size=2)
    assert math.sqrt(4) * 2 / sigma <= 0.5
    orders = np.array([2.0, 4.0, 16.0])
    rdp = np.array([0.1, 0.15, 0.6])
    sigma = bounds.calibrate_gaussian_to_renyi(orders=orders, rdp=rdp, requests=3)
    assert np.all(3 * orders / (2 * sigma**2) <= rdp)
    grid_epsilons, grid_deltas = [0.0, 0.5, 2.0], [0.3, 0.05, 1e-6]
    sigma = bounds.calibrate_gaussian_to_profile(epsilons=grid_epsilons, deltas=grid_deltas, requests=2)
    mu = math.sqrt(2) / sigma
    assert np.all(bounds.gdp_delta(np.array(grid_epsilons), mu=mu) <= np.array(grid_deltas))
    assert math.isinf(bounds.calibrate_gaussian_to_profile(epsilons=[1.0], deltas=[0.0]))


def test_epsilon_for_sigma_directions():
    """ε for a given σ is the inverse of σ for a given ε."""
    for requests in (1, 7):
        epsilon = bounds.gaussian_epsilon(sigma=3.0, delta=1e-6, requests=requests)
        sigma = bounds.calibrate_gaussian(epsilon=epsilon, delta=1e-6, requests=requests)
        assert sigma == pytest.approx(3.0, rel=1e-9)
