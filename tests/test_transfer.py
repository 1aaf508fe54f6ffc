"""Transfer functions: soundness against the Gaussian mechanism, tightness, inverses, input checks.

The Gaussian mechanism N(0, σ²) against N(Δ, σ²) is the oracle: the probabilities of its
half-line events are known in closed form, it is exactly (Δ/σ)-GDP, and it is
(ε, δ(ε))-DP for its exact profile δ(ε). mpmath at 50 digits evaluates the exact values.
"""

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

epsilons = st.floats(min_value=0.0, max_value=20.0, allow_nan=False)
deltas = st.floats(min_value=0.0, max_value=0.5, allow_nan=False)
probabilities = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
mus = st.floats(min_value=0.0, max_value=12.0, allow_nan=False)


def exact_epsilon_delta_transfer(p: float, epsilon: float, delta: float) -> mpmath.mpf:
    p, epsilon, delta = mpmath.mpf(p), mpmath.mpf(epsilon), mpmath.mpf(delta)
    return min(mpmath.mpf(1), mpmath.exp(epsilon) * p + delta, 1 - mpmath.exp(-epsilon) * (1 - delta - p))


def exact_normal_quantile(p: float) -> mpmath.mpf:
    # 2p − 1 loses the digits of a tiny p unless the working precision covers them.
    with mpmath.workdps(60 + int(max(0.0, -math.log10(p)))):
        return +(mpmath.sqrt(2) * mpmath.erfinv(2 * mpmath.mpf(p) - 1))


def exact_gdp_transfer(p: float, mu: float) -> mpmath.mpf:
    if p == 0:
        return mpmath.mpf(0)
    if p == 1:
        return mpmath.mpf(1)
    return mpmath.ncdf(exact_normal_quantile(p) + mu)


def exact_gaussian_delta(epsilon: float, mu: float) -> mpmath.mpf:
    epsilon, mu = mpmath.mpf(epsilon), mpmath.mpf(mu)
    return mpmath.ncdf(-epsilon / mu + mu / 2) - mpmath.exp(epsilon) * mpmath.ncdf(-epsilon / mu - mu / 2)


@given(p=probabilities, epsilon=epsilons, delta=deltas)
def test_epsilon_delta_transfer_never_below_exact(p, epsilon, delta):
    computed = bounds.epsilon_delta_transfer(p, epsilon=epsilon, delta=delta)
    assert computed >= exact_epsilon_delta_transfer(p, epsilon, delta)
    assert 0.0 <= computed <= 1.0


@given(p=probabilities, mu=mus)
def test_gdp_transfer_never_below_exact(p, mu):
    computed = bounds.gdp_transfer(p, mu=mu)
    assert computed >= exact_gdp_transfer(p, mu)
    assert computed <= 1.0


@given(
    threshold=st.floats(min_value=-8.0, max_value=8.0),
    mu=st.floats(min_value=0.01, max_value=8.0),
    epsilon=st.floats(min_value=0.0, max_value=10.0),
    upper_tail=st.booleans(),
)
def test_transfers_bound_gaussian_half_line_events(threshold, mu, epsilon, upper_tail):
    """N(0,1) against N(μ,1): every half-line event obeys both certificates, both ways."""
    mu_mp = mpmath.mpf(mu)
    if upper_tail:
        first, second = 1 - mpmath.ncdf(threshold), 1 - mpmath.ncdf(threshold - mu_mp)
    else:
        first, second = mpmath.ncdf(threshold), mpmath.ncdf(threshold - mu_mp)
    delta = float(exact_gaussian_delta(epsilon, mu)) if epsilon > 0 else float(2 * mpmath.ncdf(mu_mp / 2) - 1)
    delta = min(1.0, math.nextafter(delta, 1.0))
    for p_u, p_r in ((first, second), (second, first)):
        # The float handed to h is rounded down, which only lowers h (h is non-decreasing).
        p_float = float(p_r)
        if p_float > p_r:
            p_float = math.nextafter(p_float, 0.0)
        assert p_u <= bounds.gdp_transfer(p_float, mu=mu) + 1e-300
        assert p_u <= bounds.epsilon_delta_transfer(max(p_float, 0.0), epsilon=epsilon, delta=delta) + 1e-300


@given(mu=st.floats(min_value=0.05, max_value=6.0), quantile=st.floats(min_value=0.02, max_value=0.98))
def test_gdp_transfer_is_tight_for_half_lines(mu, quantile):
    """The GDP transfer is attained by half-lines, so it cannot be lowered."""
    threshold = exact_normal_quantile(quantile)
    p_r = mpmath.ncdf(threshold)
    p_u = mpmath.ncdf(threshold + mu)
    assert bounds.gdp_transfer(float(p_r), mu=mu) == pytest.approx(float(p_u), rel=1e-9)


@given(beta=probabilities, epsilon=epsilons, delta=deltas)
def test_epsilon_delta_inverse_is_generalised_inverse(beta, epsilon, delta):
    level = bounds.epsilon_delta_transfer_inverse(beta, epsilon=epsilon, delta=delta)
    if level == -math.inf:
        assert exact_epsilon_delta_transfer(0.0, epsilon, delta) > beta
        return
    assert 0.0 <= level <= 1.0
    assert exact_epsilon_delta_transfer(level, epsilon, delta) <= beta
    if level < 1.0:
        # Slightly above the returned level, h exceeds β (up to the rounding margin).
        above = min(1.0, level + 1e-9 + 1e-9 * level)
        assert exact_epsilon_delta_transfer(above, epsilon, delta) >= beta - 1e-12


@given(beta=probabilities, mu=mus)
def test_gdp_inverse_is_generalised_inverse(beta, mu):
    level = bounds.gdp_transfer_inverse(beta, mu=mu)
    assert 0.0 <= level <= 1.0
    assert exact_gdp_transfer(level, mu) <= beta


@given(epsilon=epsilons, delta=deltas, p=st.lists(probabilities, min_size=2, max_size=20))
def test_epsilon_delta_transfer_is_non_decreasing(epsilon, delta, p):
    ordered = np.sort(np.array(p))
    values = bounds.epsilon_delta_transfer(ordered, epsilon=epsilon, delta=delta)
    assert np.all(np.diff(values) >= 0)


def test_transfer_reference_values():
    # h(p) = e p + δ below the crossing point and 1 − e^{−1}(1 − δ − p) above it.
    values = bounds.epsilon_delta_transfer([0.0, 0.01, 0.5, 1.0], epsilon=1.0, delta=1e-5)
    assert values[0] == pytest.approx(1e-5, rel=1e-9)
    assert values[1] == pytest.approx(math.e * 0.01 + 1e-5, rel=1e-9)
    assert values[2] == pytest.approx(1 - math.exp(-1) * (1 - 1e-5 - 0.5), rel=1e-9)
    assert values[3] == 1.0
    assert bounds.gdp_transfer(0.5, mu=1.0) == pytest.approx(0.8413447460685429, rel=1e-9)


def test_vacuous_and_perfect_certificates():
    assert bounds.epsilon_delta_transfer(0.3, epsilon=0.0, delta=0.0) == pytest.approx(0.3, rel=1e-9)
    assert bounds.epsilon_delta_transfer(0.3, epsilon=math.inf, delta=0.0) == 1.0
    assert bounds.epsilon_delta_transfer(0.0, epsilon=math.inf, delta=0.0) == 0.0
    assert bounds.gdp_transfer(0.3, mu=0.0) == pytest.approx(0.3, rel=1e-9)
    assert bounds.gdp_transfer(0.3, mu=math.inf) == 1.0
    assert bounds.epsilon_delta_transfer_inverse(0.5e-5, epsilon=1.0, delta=1e-5) == -math.inf


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: bounds.epsilon_delta_transfer(0.5, epsilon=-1.0, delta=0.1), "epsilon"),
        (lambda: bounds.epsilon_delta_transfer(0.5, epsilon=1.0, delta=1.5), "delta"),
        (lambda: bounds.epsilon_delta_transfer(1.5, epsilon=1.0, delta=0.1), "p"),
        (lambda: bounds.epsilon_delta_transfer([0.1, math.nan], epsilon=1.0, delta=0.1), "p"),
        (lambda: bounds.gdp_transfer(0.5, mu=-0.1), "mu"),
        (lambda: bounds.gdp_transfer_inverse(-0.1, mu=1.0), "beta"),
    ],
)
def test_bad_input_names_the_argument(call, argument):
    with pytest.raises(InvalidArgumentError) as error:
        call()
    message = str(error.value)
    assert message.startswith(argument + " must be")
    assert "\n" not in message
