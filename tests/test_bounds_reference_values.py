"""Published and recomputed reference values, each with its source.

Sources:

* "dp_accounting 0.6.0": google/differential-privacy, python/dp_accounting 0.6.0, run
  unmodified (the Rényi values are also compared with the installed dp_accounting 0.6.0 in
  ``tests/test_bounds_interop.py``).
* "Opacus 1.6.0": opacus.accountants.analysis.rdp.compute_rdp, run in the test environment.
* "numerical integration": mpmath quadrature at 30 digits, computed in the test.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from certunlearn import bounds

ORDERS = np.array(bounds.DEFAULT_ORDERS)


# F2: the analytic Gaussian mechanism, Δ = 1 (dp_accounting 0.6.0, get_sigma_gaussian).
ANALYTIC_SIGMA = [
    (0.1, 1e-5, 30.749566),
    (0.5, 1e-5, 7.031827),
    (1.0, 1e-5, 3.730632),
    (1.0, 1e-6, 4.224679),
    (2.0, 1e-5, 1.993812),
    (5.0, 1e-5, 0.891868),
    (10.0, 1e-5, 0.499889),
    (20.0, 1e-6, 0.309085),
]


@pytest.mark.parametrize("epsilon, delta, sigma", ANALYTIC_SIGMA)
def test_analytic_gaussian_sigma(epsilon, delta, sigma):
    """F2 table: σ of the analytic Gaussian mechanism (source: dp_accounting 0.6.0)."""
    computed = bounds.calibrate_gaussian(epsilon=epsilon, delta=delta)
    # The table gives six decimals.
    assert computed == pytest.approx(sigma, abs=5.1e-7)
    assert bounds.gaussian_epsilon(sigma=computed, delta=delta) <= epsilon


@pytest.mark.parametrize("sigma, epsilon", [(1.0, 4.377178), (2.0, 1.993091), (5.0, 0.725522)])
def test_gaussian_epsilon_reference(sigma, epsilon):
    """F2: ε(σ; δ = 1e-5) of the Gaussian mechanism (source: dp_accounting 0.6.0)."""
    assert bounds.gaussian_epsilon(sigma=sigma, delta=1e-5) == pytest.approx(epsilon, abs=2e-6)


def test_rdp_conversion_reference():
    """F6: σ = 2, δ = 1e-5: improved conversion 2.16572, exact 1.99309 (source: dp_accounting 0.6.0)."""
    improved = bounds.rdp_to_epsilon(1e-5, orders=ORDERS, rdp=bounds.gaussian_rdp(ORDERS, noise_multiplier=2.0))
    assert improved == pytest.approx(2.16572, abs=1e-5)
    mironov = 1 / (2 * 4.0) + np.sqrt(2 * np.log(1e5)) / 2.0
    assert mironov == pytest.approx(2.52426, abs=1e-5)


@pytest.mark.parametrize(
    "order, value", [(1.1, 0.022810), (1.5, 0.035327), (1.7, 0.043044), (2.0, 0.057247), (3.0, 0.155496)]
)
def test_subsampled_gaussian_rdp_reference(order, value):
    """F7: per-step RDP at q = 0.125, z = 0.8 (sources: numerical integration and Opacus 1.6.0)."""
    computed = bounds.subsampled_gaussian_rdp([order], noise_multiplier=0.8, sampling_probability=0.125)[0]
    assert computed == pytest.approx(value, abs=1e-6)
    mpmath.mp.dps = 30
    q, z, a = mpmath.mpf("0.125"), mpmath.mpf("0.8"), mpmath.mpf(order)
    integrand = lambda x: mpmath.npdf(x, 0, z) * ((1 - q) + q * mpmath.exp((2 * x - 1) / (2 * z * z))) ** a  # noqa: E731
    exact = mpmath.log(mpmath.quad(integrand, [-mpmath.inf, -10, 0, 1, 10, mpmath.inf])) / (a - 1)
    assert computed >= exact


def test_group_reference():
    """F10: σ = 2, δ = 1e-5, k = 2: generic (3.986183, 8.338e-5); exact Gaussian ε = 3.852512 at δ = 8.338e-5.

    Source: dp_accounting 0.6.0. The exact group value replaces Δ by 2Δ at the generic
    bound's δ, so the two can be compared at the same δ.
    """
    epsilon = bounds.gaussian_epsilon(sigma=2.0, delta=1e-5)
    generic = bounds.group_deletion(bounds.EpsilonDeltaCertificate(epsilon=epsilon, delta=1e-5), 2)
    assert generic.epsilon == pytest.approx(3.986183, abs=2e-6)
    assert generic.delta == pytest.approx(8.338e-5, rel=1e-3)
    exact = bounds.gaussian_epsilon(sigma=2.0, delta=generic.delta, group_size=2)
    assert exact == pytest.approx(3.852512, abs=2e-6)
    assert exact < generic.epsilon


def test_noisy_sgd_reference():
    """§1: q = 0.01, σ = 1, T = 10⁴, δ = 1e-5: RDP ε = 6.713 (source: dp_accounting 0.6.0 RdpAccountant)."""
    epsilon = bounds.subsampled_gaussian_epsilon(
        noise_multiplier=1.0, sampling_probability=0.01, steps=10_000, delta=1e-5
    )
    assert epsilon == pytest.approx(6.713, abs=1e-3)


def test_large_order_reference():
    """§7: q = 0.00033, σ = 4, T = 10⁴ at α = 64 and 1024 (source: dp_accounting 0.6.0 and Opacus)."""
    rdp = 1e4 * bounds.subsampled_gaussian_rdp([64, 1024], noise_multiplier=4.0, sampling_probability=0.00033)
    np.testing.assert_allclose(rdp, [0.0022505, 239757.459], rtol=1e-4)
