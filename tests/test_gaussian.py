"""The Gaussian mechanism: exact profile, calibration on the safe side, reference values."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from certunlearn import bounds
from certunlearn._validate import InvalidArgumentError

mpmath.mp.dps = 50


def exact_delta(epsilon: float, sigma: float, sensitivity: float = 1.0) -> mpmath.mpf:
    """Balle and Wang (2018, Theorem 8) at 80 digits."""
    with mpmath.workdps(80):
        r = mpmath.mpf(sensitivity) / mpmath.mpf(sigma)
        eps = mpmath.mpf(epsilon)
        return mpmath.ncdf(r / 2 - eps / r) - mpmath.exp(eps) * mpmath.ncdf(-r / 2 - eps / r)


# Analytic σ for Δ = 1, recomputed with dp_accounting 0.6.0 (gaussian_mechanism module)
# and the classical rule of Dwork and Roth (2014, Theorem A.1).
REFERENCE_SIGMAS = [
    (0.1, 1e-5, 30.749566),
    (0.5, 1e-5, 7.031827),
    (1.0, 1e-5, 3.730632),
    (1.0, 1e-6, 4.224679),
    (2.0, 1e-5, 1.993812),
    (5.0, 1e-5, 0.891868),
    (10.0, 1e-5, 0.499889),
    (20.0, 1e-6, 0.309085),
]


@pytest.mark.parametrize(("epsilon", "delta", "sigma"), REFERENCE_SIGMAS)
def test_analytic_calibration_matches_reference(epsilon, delta, sigma):
    computed = bounds.calibrate_analytic_gaussian(epsilon=epsilon, delta=delta)
    assert computed == pytest.approx(sigma, abs=2e-6)


def test_gaussian_epsilon_matches_reference():
    # ε(σ; δ = 1e-5) for Δ = 1, recomputed with dp_accounting 0.6.0.
    computed = bounds.gaussian_epsilon(sigma=[1.0, 2.0, 5.0], delta=1e-5)
    assert computed == pytest.approx([4.377178, 1.993091, 0.725522], abs=2e-6)


def test_profile_reference_value():
    # θ_ε(r) at ε = 1, r = 1: Q(ε/r − r/2) − e^ε Q(ε/r + r/2) = 0.12694 (our numpy script).
    assert bounds.gaussian_delta(1.0, sigma=1.0) == pytest.approx(0.12694, abs=1e-5)
    assert bounds.gdp_delta(1.0, mu=1.0) == pytest.approx(0.12694, abs=1e-5)


@given(
    epsilon=st.floats(min_value=1e-3, max_value=60.0),
    log_delta=st.floats(min_value=-30.0, max_value=-0.5),
    sensitivity=st.floats(min_value=1e-2, max_value=1e2),
)
def test_calibrated_sigma_is_never_below_exact(epsilon, log_delta, sensitivity):
    delta = 10.0**log_delta
    sigma = bounds.calibrate_analytic_gaussian(epsilon=epsilon, delta=delta, sensitivity=sensitivity)
    # At the returned σ the exact δ(ε) meets the target: σ is at least the exact least σ.
    assert exact_delta(epsilon, sigma, sensitivity) <= delta
    # And it is not needlessly conservative: 1e-9 less noise already violates the target.
    assert exact_delta(epsilon, sigma * (1 - 1e-9), sensitivity) > delta * (1 - 1e-6)


@given(
    epsilon=st.floats(min_value=0.0, max_value=80.0),
    sigma=st.floats(min_value=1e-2, max_value=1e4),
)
def test_gaussian_delta_is_an_upper_bound(epsilon, sigma):
    computed = bounds.gaussian_delta(epsilon, sigma=sigma)
    exact = exact_delta(epsilon, sigma)
    assert computed >= exact
    if exact > 1e-290:
        assert computed <= exact * (1 + 1e-6) + 1e-300


@given(
    sigma=st.floats(min_value=0.05, max_value=1e3),
    log_delta=st.floats(min_value=-25.0, max_value=-0.5),
)
def test_gaussian_epsilon_is_never_below_exact(sigma, log_delta):
    delta = 10.0**log_delta
    epsilon = bounds.gaussian_epsilon(sigma=sigma, delta=delta)
    assert epsilon >= 0.0
    assert exact_delta(epsilon, sigma) <= delta
    if epsilon > 0:
        assert exact_delta(max(0.0, epsilon * (1 - 1e-8) - 1e-12), sigma) > delta * (1 - 1e-6)


def test_epsilon_zero_when_total_variation_is_below_delta():
    # δ(0) = 2Φ(1/(2σ)) − 1 ≈ 4e-4 at σ = 1000: every δ above it gives ε = 0 exactly.
    assert bounds.gaussian_epsilon(sigma=1000.0, delta=1e-3) == 0.0
    assert bounds.gaussian_epsilon(sigma=1000.0, delta=1e-4) > 0.0


def test_classical_rule_is_looser_below_one_and_refused_above():
    classical = bounds.calibrate_classical_gaussian(epsilon=0.5, delta=1e-5)
    assert classical == pytest.approx(9.689611, abs=2e-6)
    assert classical >= bounds.calibrate_analytic_gaussian(epsilon=0.5, delta=1e-5)
    with pytest.raises(InvalidArgumentError, match=r"^epsilon must be in \(0, 1\) for the classical Gaussian rule"):
        bounds.calibrate_classical_gaussian(epsilon=1.0, delta=1e-5)
    with pytest.raises(InvalidArgumentError, match="analytic"):
        bounds.calibrate_classical_gaussian(epsilon=10.0, delta=1e-5)


def test_classical_rule_would_fail_at_large_epsilon():
    """Why the classical rule is refused: at ε = 10 its σ is below the exact requirement."""
    naive = 1.0 * math.sqrt(2 * math.log(1.25 / 1e-5)) / 10.0
    assert exact_delta(10.0, naive) > 1e-5


def test_calibration_is_vectorised_and_monotone():
    epsilons = np.linspace(0.1, 10.0, 200)
    sigmas = bounds.calibrate_analytic_gaussian(epsilon=epsilons, delta=1e-5)
    assert sigmas.shape == (200,)
    assert np.all(np.diff(sigmas) < 0)
    deltas = np.geomspace(1e-12, 0.1, 50)
    assert np.all(np.diff(bounds.calibrate_analytic_gaussian(epsilon=1.0, delta=deltas)) < 0)


def test_tiny_delta_has_no_jumps():
    """ε(δ) stays continuous and monotone down to δ = 1e-30."""
    deltas = np.geomspace(1e-30, 1e-2, 200)
    epsilons = bounds.gaussian_epsilon(sigma=2.0, delta=deltas)
    assert np.all(np.isfinite(epsilons))
    assert np.all(np.diff(epsilons) <= 0)
    assert np.max(np.abs(np.diff(np.log(epsilons)))) < 0.1


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"epsilon": 0.0, "delta": 1e-5}, "epsilon"),
        ({"epsilon": math.inf, "delta": 1e-5}, "epsilon"),
        ({"epsilon": 1.0, "delta": 0.0}, "delta"),
        ({"epsilon": 1.0, "delta": 1.0}, "delta"),
        ({"epsilon": 1.0, "delta": math.nan}, "delta"),
        ({"epsilon": 1.0, "delta": 1e-5, "sensitivity": -1.0}, "sensitivity"),
    ],
)
def test_calibration_rejects_bad_input(kwargs, argument):
    with pytest.raises(InvalidArgumentError, match=f"^{argument} must be"):
        bounds.calibrate_analytic_gaussian(**kwargs)


def test_calibration_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        bounds.calibrate_analytic_gaussian(1.0, 1e-5)  # type: ignore[misc]
