"""One test per failure class seen in public bug reports of privacy accountants.

Each test docstring names the class. The expected behaviour is always a valid bound or an
explicit refusal that names the parameter: never a silent jump, NaN, a negative ε, or an
approximation reported as a bound.
"""

from __future__ import annotations

import math
import time
import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from certunlearn import bounds
from certunlearn._validate import InvalidArgumentError

ORDERS = np.array(bounds.DEFAULT_ORDERS)


def _exact_gaussian_delta(epsilon: float, ratio: float) -> mpmath.mpf:
    mpmath.mp.dps = 40
    e, r = mpmath.mpf(epsilon), mpmath.mpf(ratio)
    return mpmath.ncdf(r / 2 - e / r) - mpmath.exp(e) * mpmath.ncdf(-r / 2 - e / r)


def test_loose_conversion_and_edge_orders():
    """Looser-than-necessary RDP conversions, and optimal orders at the grid edge without a warning."""
    rdp = ORDERS / (2 * 2.0**2)
    improved = bounds.rdp_to_epsilon(1e-5, orders=ORDERS, rdp=rdp)
    mironov = min(r + math.log(1e5) / (a - 1) for a, r in zip(ORDERS, rdp, strict=True))
    assert improved < mironov
    with pytest.warns(bounds.OrderGridWarning, match="largest order"):
        bounds.rdp_to_epsilon(1e-5, orders=[1.5, 2.0, 3.0], rdp=[0.01, 0.02, 0.03])
    with pytest.warns(bounds.OrderGridWarning, match="smallest order"):
        bounds.rdp_to_epsilon(1e-5, orders=[50.0, 60.0], rdp=[40.0, 48.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bounds.rdp_to_epsilon(1e-5, orders=ORDERS, rdp=rdp)


def test_correct_zero_epsilon_kept():
    """ε = 0 that is in fact correct (total variation below δ) must not be turned into a positive ε."""
    assert bounds.rdp_to_epsilon(0.01, orders=[2.0, 3.0], rdp=[1e-6, 2e-6]) == 0.0
    # Total variation of N(0.01, 1) and N(0, 1) is 2Φ(0.005) − 1 ≈ 0.004 ≤ 0.01.
    assert bounds.gaussian_epsilon(sigma=100.0, delta=0.01) == 0.0
    assert bounds.gdp_epsilon(mu=0.01, delta=0.01) == 0.0
    profile = bounds.PrivacyProfileCertificate(epsilons=(0.0, 1.0), deltas=(0.05, 0.001))
    assert profile.epsilon(0.05) == 0.0
    assert bounds.epsilon_for_delta(bounds.EpsilonDeltaCertificate(epsilon=0.0, delta=0.0), delta=1e-5) == 0.0


def test_clt_approximation_not_reported_as_bound():
    """Central-limit (CLT) Gaussian-DP approximations must not be reported as bounds.

    q = 0.01, σ = 1, T = 10⁴, δ = 1e-5: the interval for the true ε is [6.1774, 6.1980]
    (source: microsoft/prv_accountant 0.2.0 with eps_error 0.01, delta_error 1e-8). The CLT
    value is below the interval, so it under-reports ε. Ours is above it.
    """
    clt_mu = 0.01 * math.sqrt(1e4 * math.expm1(1.0))
    clt_epsilon = bounds.gdp_epsilon(mu=clt_mu, delta=1e-5)
    ours = bounds.subsampled_gaussian_epsilon(noise_multiplier=1.0, sampling_probability=0.01, steps=10_000, delta=1e-5)
    assert clt_epsilon < 6.1774
    assert ours >= 6.1980


def test_no_fixed_bracket():
    """Fixed root-finding brackets that fail for large ε or raise errors where the exact ε is 0."""
    # ε far beyond any fixed bracket like [0, 500].
    large = bounds.gdp_epsilon(mu=50.0, delta=1e-5)
    assert 1000 < large < math.inf
    assert _exact_gaussian_delta(large, 50.0) <= 1e-5
    assert bounds.gaussian_epsilon(sigma=0.02, delta=1e-5) > 1000
    sigma = bounds.calibrate_gaussian(epsilon=300.0, delta=1e-5)
    assert 0 < sigma < 0.1
    assert bounds.gaussian_epsilon(sigma=sigma, delta=1e-5) <= 300.0
    # Where the exact ε is 0 it is returned, not an error.
    assert bounds.gaussian_epsilon(sigma=1e6, delta=0.5) == 0.0
    assert bounds.optimal_composition_epsilon(0.99, epsilon=0.1, delta=0.0, requests=3) == 0.0


@pytest.mark.parametrize("delta", [0.5, 0.9, 0.999999, 1.0])
def test_no_negative_epsilon(delta):
    """Negative ε from a conversion at large δ (no clamp at zero)."""
    values = [
        bounds.rdp_to_epsilon(delta, orders=ORDERS, rdp=ORDERS * 0.5, warn=False),
        bounds.PrivacyProfileCertificate(epsilons=(0.0, 2.0), deltas=(0.9, 0.1)).epsilon(delta),
        bounds.optimal_composition_epsilon(delta, epsilon=1.0, delta=1e-3, requests=5),
    ]
    if delta < 1.0:
        values.append(bounds.gdp_epsilon(mu=3.0, delta=delta))
        values.append(
            bounds.subsampled_gaussian_epsilon(
                noise_multiplier=0.5, sampling_probability=0.5, steps=3, delta=delta, warn=False
            )
        )
    for value in values:
        assert value >= 0.0
        assert not math.isnan(value)


def test_calibration_neither_overshoots_nor_wastes():
    """Calibrated noise that overshoots the target ε, or is needlessly conservative."""
    targets = np.array([0.05, 0.5, 1.0, 4.0, 20.0])
    sigma = bounds.calibrate_gaussian(epsilon=targets, delta=1e-6, requests=9)
    achieved = bounds.gaussian_epsilon(sigma=sigma, delta=1e-6, requests=9)
    assert np.all(achieved <= targets)
    # Not conservative: 1e-9 less noise already exceeds the target δ (exact, mpmath).
    for e, s in zip(targets, sigma, strict=True):
        assert _exact_gaussian_delta(e, 3.0 / (s * (1 - 1e-9))) > 1e-6
    z = bounds.calibrate_subsampled_gaussian(epsilon=2.0, delta=1e-5, sampling_probability=0.02, steps=200)
    at = bounds.subsampled_gaussian_epsilon(
        noise_multiplier=z, sampling_probability=0.02, steps=200, delta=1e-5, warn=False
    )
    below = bounds.subsampled_gaussian_epsilon(
        noise_multiplier=z * (1 - 1e-6), sampling_probability=0.02, steps=200, delta=1e-5, warn=False
    )
    assert at <= 2.0 < below


def test_tiny_delta_monotone_and_finite():
    """Tiny δ (1e-15 and below): no silent jumps, ε monotone in δ, no negative ends.

    Also no ∞ where a finite valid bound exists.
    """
    deltas = np.geomspace(1e-300, 1e-2, 299)
    curves = {
        "gaussian": bounds.gaussian_epsilon(sigma=3.0, delta=deltas),
        "gdp": bounds.gdp_epsilon(mu=0.4, delta=deltas),
        "renyi": bounds.rdp_to_epsilon(deltas, orders=ORDERS, rdp=ORDERS / 18.0, warn=False),
        "subsampled": bounds.subsampled_gaussian_epsilon(
            noise_multiplier=1.1, sampling_probability=0.01, steps=1000, delta=deltas, warn=False
        ),
        "optimal": bounds.optimal_composition_epsilon(deltas, epsilon=0.05, delta=0.0, requests=400),
    }
    for name, values in curves.items():
        assert np.all(np.isfinite(values)), name
        assert np.all(values >= 0), name
        assert np.all(np.diff(values) <= 1e-12), f"{name}: epsilon increases with delta"
        # Consecutive δ differ by a factor of 10. Each curve here changes by less than 1.5 (or
        # a quarter of its value) per decade of δ, so a larger step would be a jump, not the curve.
        steps = values[:-1] - values[1:]
        assert np.all(steps <= np.maximum(1.5, 0.25 * values[:-1])), f"{name}: jump between neighbouring deltas"


def test_large_epsilon_no_overflow():
    """Large ε (tens and more): no internal overflow, fixed grids, ∞ or NaN."""
    epsilons = np.array([10.0, 50.0, 200.0, 700.0, 5000.0])
    for values in (
        bounds.gaussian_delta(epsilons, sigma=0.05),
        bounds.gdp_delta(epsilons, mu=20.0),
        bounds.rdp_to_delta(epsilons, orders=ORDERS, rdp=ORDERS * 2.0, warn=False),
        bounds.laplace_delta(epsilons, noise_multiplier=0.01),
    ):
        assert np.all(np.isfinite(values))
        assert np.all((values >= 0) & (values <= 1))
    certificate = bounds.EpsilonDeltaCertificate(epsilon=80.0, delta=1e-5)
    assert np.all(np.isfinite(certificate.transfer(np.geomspace(1e-300, 1, 50))))
    sigma = bounds.calibrate_gaussian(epsilon=50.0, delta=1e-10)
    assert np.isfinite(sigma)
    assert bounds.gaussian_epsilon(sigma=sigma, delta=1e-10) <= 50.0
    profile = bounds.PrivacyProfileCertificate(epsilons=(0.0, 100.0, 700.0), deltas=(1.0, 1e-3, 0.0))
    assert np.all(np.isfinite(profile.delta([0.0, 300.0, 699.0, 5000.0])))


@pytest.mark.parametrize("epsilon", [700.5, 701.0, 705.0, 750.0, 2000.0, math.inf])
@pytest.mark.parametrize("delta", [0.0, 1e-5, 0.3])
def test_epsilon_above_grid_not_clipped(epsilon, delta):
    """An (ε, δ) pair beyond ε = 700 converts to the pair it implies there, never to (700, δ).

    Exact value: the worst-case pair of an (ε, δ) guarantee has
    δ(ε′) = δ + (1 − δ)(e^ε − e^ε′)/(1 + e^ε) (Kairouz, Oh and Viswanath 2015), at 60 digits.
    """
    certificate = bounds.EpsilonDeltaCertificate(epsilon=epsilon, delta=delta)
    if math.isinf(epsilon):
        exact = mpmath.mpf(1)
    else:
        with mpmath.workdps(60):
            e = mpmath.exp(epsilon)
            exact = delta + (1 - mpmath.mpf(delta)) * (e - mpmath.exp(700)) / (1 + e)
    for converted in (bounds.to_profile(certificate), bounds.to_tradeoff(certificate)):
        profile = bounds.to_profile(converted)
        assert profile.epsilons[-1] <= 700.0
        assert profile.delta(700.0) >= exact
        assert profile.delta(700.0) <= 1.0
    # The certificate states nothing at δ′ < δ(700), so no finite ε may be read there.
    level = float(exact) / 2 if exact < 1 else 0.5
    assert bounds.epsilon_for_delta(certificate, delta=level) >= 700.0


@given(
    epsilon=st.one_of(st.floats(min_value=690.0, max_value=760.0), st.floats(min_value=600.0, max_value=5000.0)),
    delta=st.floats(min_value=0.0, max_value=0.999),
    # Only ε′ within about 40 of ε separates the two sides in double precision.
    probe=st.one_of(st.floats(min_value=660.0, max_value=700.0), st.floats(min_value=0.0, max_value=700.0)),
)
def test_large_epsilon_profile_sound(epsilon, delta, probe):
    """δ(ε′) read from a converted (ε, δ) certificate never falls below the worst-case pair's."""
    certificate = bounds.EpsilonDeltaCertificate(epsilon=epsilon, delta=delta)
    with mpmath.workdps(60):
        if probe >= epsilon:
            exact = mpmath.mpf(delta)
        else:
            e = mpmath.exp(epsilon)
            exact = delta + (1 - mpmath.mpf(delta)) * (e - mpmath.exp(probe)) / (1 + e)
    assert bounds.to_profile(certificate).delta(probe) >= exact
    assert bounds.to_profile(bounds.to_tradeoff(certificate)).delta(probe) >= exact


@pytest.mark.parametrize("noise_multiplier", [3.0, 7.0, 10.0, 0.3])
def test_laplace_at_its_pure_epsilon_rounds_up(noise_multiplier):
    """At ε = fl(1/b), just below the exact 1/b, δ is tiny but positive: never 0.

    Exact value at 60 digits: δ = 1 − exp((ε − 1/b)/2) for the double ε the caller passed.
    """
    epsilon = 1.0 / noise_multiplier
    with mpmath.workdps(60):
        gap = mpmath.mpf(epsilon) - 1 / mpmath.mpf(noise_multiplier)
        exact = max(mpmath.mpf(0), 1 - mpmath.exp(gap / 2))
    assert bounds.laplace_delta(epsilon, noise_multiplier=noise_multiplier) >= exact
    with mpmath.workdps(60):
        exact_epsilon = max(mpmath.mpf(0), 1 / mpmath.mpf(noise_multiplier) + 2 * mpmath.log(1 - mpmath.mpf(1e-17)))
    assert bounds.laplace_epsilon(noise_multiplier=noise_multiplier, delta=1e-17) >= exact_epsilon


def test_large_order_binomials_do_not_overflow():
    """Overflow of binomial coefficients at large Rényi orders (NaN silently skipped).

    Reference (dp_accounting 0.6.0 log-gamma path): q = 0.00033, z = 4, T = 10⁴ gives
    239757.459 at α = 1024, 263512.878 at α = 1100 and 544795.719 at α = 2000; Opacus's
    ``binom`` path returns NaN for the last two.
    """
    rdp = 1e4 * bounds.subsampled_gaussian_rdp(
        [1024, 1100, 2000, 5000], noise_multiplier=4.0, sampling_probability=0.00033
    )
    assert np.all(np.isfinite(rdp))
    np.testing.assert_allclose(rdp[:3], [239757.459, 263512.878, 544795.719], rtol=1e-6)


def test_mathematical_arguments_keyword_only():
    """Arguments passed in the wrong order (σ and ε swapped) because the API is positional."""
    calls = [
        lambda: bounds.calibrate_gaussian(1.0, 1e-5),
        lambda: bounds.gaussian_epsilon(2.0, 1e-5),
        lambda: bounds.gdp_epsilon(0.5, 1e-5),
        lambda: bounds.calibrate_subsampled_gaussian(1.0, 1e-5, 0.01, 100),
        lambda: bounds.subsampled_gaussian_rdp([2.0], 1.0, 0.01),
        lambda: bounds.optimal_composition_delta(1.0, 0.1, 0.0, 10),
        lambda: bounds.laplace_epsilon(1.0, 1e-5),
        lambda: bounds.smoothed_depth_radius(3, 100, 1.0, 0.5),
    ]
    for call in calls:
        with pytest.raises(TypeError):
            call()


def test_classical_rule_refused_beyond_validity():
    """The classical Gaussian rule applied for ε ≥ 1, where it is not valid."""
    with pytest.raises(InvalidArgumentError, match="^epsilon must be in \\(0, 1\\)"):
        bounds.calibrate_classical_gaussian(epsilon=10.0, delta=1e-5)
    # The analytic rule at ε = 10 meets δ; the classical value would not (dp_accounting 0.6.0: 10.3939 > 10).
    sigma = bounds.calibrate_gaussian(epsilon=10.0, delta=1e-5)
    assert _exact_gaussian_delta(10.0, 1 / sigma) <= 1e-5
    assert _exact_gaussian_delta(10.0, 1 / 0.484481) > 1e-5


def test_small_epsilon_cost_bounded():
    """Memory or time blow-up of discretised accountants at very small ε.

    No discretisation grid here depends on ε: the exact composition sums a binomial window of
    width about sqrt(k log(2/1e-200)), so a million requests at ε = 1e-6 stay cheap. The time
    limit is a regression guard with a wide margin, not a benchmark.
    """
    start = time.perf_counter()
    epsilon = bounds.optimal_composition_epsilon(1e-6, epsilon=1e-6, delta=0.0, requests=1_000_000)
    profile = bounds.compose([bounds.EpsilonDeltaCertificate(epsilon=1e-7, delta=0.0)] * 50, method="best")
    elapsed = time.perf_counter() - start
    assert 0 < epsilon < 1e-2
    assert np.all(np.isfinite(profile.transfer(np.linspace(0, 1, 11))))
    assert elapsed < 60.0


def test_composition_of_gdp_and_fdp_finite():
    """Composition of f-DP/GDP mechanisms returning ∞ where the exact composition is finite."""
    many = bounds.compose([bounds.GaussianDPCertificate(mu=0.01)] * 10_000)
    assert many.mu == pytest.approx(1.0, rel=1e-12)
    grouped = bounds.group_deletion(bounds.GaussianDPCertificate(mu=0.01), 100)
    assert grouped.mu == pytest.approx(1.0, rel=1e-12)
    tradeoff = bounds.TradeOffCertificate.from_gdp(0.05)
    composed = bounds.compose([tradeoff] * 40)
    assert math.isfinite(bounds.epsilon_for_delta(composed, delta=1e-5))
    group = bounds.group_deletion(tradeoff, 64)
    assert math.isfinite(bounds.epsilon_for_delta(group, delta=1e-5))


def test_sampling_scheme_stated():
    """Certificates that do not state the sampling scheme actually executed."""
    from certunlearn.cli.account_command import account

    record = account(mechanism="subsampled-gaussian", noise_multiplier=1.0, sampling_probability=0.01, steps=10)
    assert record["sampling"].startswith("Poisson")
    assert any(note.startswith("sampling: Poisson") for note in record["certificate"]["provenance"]["notes"])
    full = account(mechanism="gaussian", noise_multiplier=1.0, steps=10)
    assert "full dataset" in full["sampling"]
    with pytest.raises(InvalidArgumentError, match="^--sampling-probability must be omitted"):
        account(mechanism="gaussian", noise_multiplier=1.0, sampling_probability=0.1)


@pytest.mark.parametrize("order", [1.0, 0.5, 0.0, -2.0, float("nan"), float("inf")])
def test_renyi_order_at_most_one_refused(order):
    """Rényi order α = 1 or below accepted and crashing."""
    with pytest.raises(InvalidArgumentError, match="^orders must be in \\(1, inf\\)"):
        bounds.RenyiCertificate(orders=(order, 2.0), rdp=(0.1, 0.2))
    with pytest.raises(InvalidArgumentError, match="^orders must be in \\(1, inf\\)"):
        bounds.rdp_to_epsilon(1e-5, orders=[order], rdp=[0.1])
    with pytest.raises(InvalidArgumentError, match="^orders must be in \\(1, inf\\)"):
        bounds.subsampled_gaussian_rdp([order], noise_multiplier=1.0, sampling_probability=0.1)


@pytest.mark.parametrize(
    "call",
    [
        lambda: bounds.EpsilonDeltaCertificate(epsilon="1", delta=0.0),
        lambda: bounds.gdp_epsilon(mu="1", delta=1e-5),
        lambda: bounds.EpsilonDeltaCertificate(epsilon=1.0, delta=0.0).transfer("0.5"),
        lambda: bounds.EpsilonDeltaCertificate(epsilon=1.0, delta=0.0).transfer(True),
        lambda: bounds.gaussian_delta(["1"], sigma=1.0),
    ],
)
def test_text_and_flags_are_not_numbers(call):
    """Strings and booleans are rejected, not converted the way float() would."""
    with pytest.raises(InvalidArgumentError, match=r"must be (a number |numbers )?in "):
        call()
