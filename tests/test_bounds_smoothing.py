"""Theorem 4: the smoothed depth radius, its abstention, and its Monte Carlo confidence."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from certunlearn import bounds
from certunlearn._validate import InvalidArgumentError


def test_radius_formula_and_rounding():
    result = bounds.smoothed_depth_radius(successes=3, trials=1000, sigma=0.5, target=0.5, confidence=0.99)
    upper = stats.beta.ppf(0.99, 4, 997)
    assert result.probability_upper >= upper
    assert result.probability_upper == pytest.approx(upper, rel=1e-9)
    expected = 0.5 * (special.ndtri(0.5) - special.ndtri(upper))
    assert result.radius <= expected
    assert result.radius == pytest.approx(expected, rel=1e-9)
    assert not result.abstained
    assert result.reason == ""
    assert result.to_dict()["confidence"] == 0.99


def test_abstains_when_confidence_cannot_be_reached():
    """With 10 draws, 0 successes give p̄ = 1 − 0.01^{1/10} ≈ 0.37: no radius protects q = 0.3."""
    result = bounds.smoothed_depth_radius(successes=0, trials=10, sigma=1.0, target=0.3, confidence=0.99)
    assert result.abstained
    assert result.radius == 0.0
    assert "more draws" in result.reason
    all_memorized = bounds.smoothed_depth_radius(successes=50, trials=50, sigma=1.0, target=0.9)
    assert all_memorized.abstained
    assert all_memorized.probability_upper == 1.0


def test_radius_on_linear_score_is_attained():
    """For m(θ) = 1{w·θ ≥ b} the bound of Theorem 4 is exact along w."""
    sigma, offset = 0.7, -1.4
    base = special.ndtr(offset / sigma)
    result = bounds.smoothed_radius(probability_upper=base, sigma=sigma, target=0.5)
    # Shifting by the radius along w reaches probability 0.5 exactly (up to rounding).
    assert special.ndtr((offset + result) / sigma) == pytest.approx(0.5, abs=1e-9)
    assert special.ndtr((offset + result) / sigma) <= 0.5 + 1e-12
    bound = bounds.smoothed_probability_bound(probability=base, radius=0.3, sigma=sigma)
    assert bound >= special.ndtr((offset + 0.3) / sigma)


def test_radius_from_reference_uses_transfer():
    certificate = bounds.GaussianDPCertificate(mu=0.5)
    result = bounds.smoothed_depth_radius_from_reference(
        reference_probability=0.01, certificate=certificate, sigma=2.0, target=0.5
    )
    upper = certificate.transfer(0.01)
    assert result.probability_upper == upper
    assert result.confidence is None
    assert result.radius == pytest.approx(2.0 * (0 - special.ndtri(upper)), rel=1e-9)
    weak = bounds.smoothed_depth_radius_from_reference(
        reference_probability=0.4,
        certificate=bounds.EpsilonDeltaCertificate(epsilon=2.0, delta=0.0),
        sigma=1.0,
        target=0.5,
    )
    assert weak.abstained
    assert "certificate" in weak.reason


def test_clopper_pearson_coverage_monte_carlo():
    """One-sided Clopper–Pearson coverage at c = 0.9 on simulated counts.

    For each p, 2,000 binomial counts (n = 40, seed 0) are drawn; the bound must cover p in
    at least 90% of them. The test fails only if the observed misses exceed the 1e-6 upper
    quantile of Binomial(2000, 0.1), so its false-alarm rate is below 1e-6 per p (about
    1e-5 over the 9 values of p), for a correct implementation.
    """
    rng = np.random.default_rng(0)
    trials, repetitions, confidence = 40, 2000, 0.9
    limit = stats.binom.ppf(1 - 1e-6, repetitions, 1 - confidence)
    for p in np.linspace(0.05, 0.95, 9):
        counts = rng.binomial(trials, p, size=repetitions)
        uppers = bounds.clopper_pearson_upper(counts, trials, confidence=confidence)
        misses = int(np.sum(uppers < p))
        assert misses <= limit


def test_clopper_pearson_exact_coverage():
    """The coverage probability computed exactly is at least c for every p on a fine grid."""
    trials = 25
    uppers = bounds.clopper_pearson_upper(np.arange(trials + 1), trials, confidence=0.95)
    for p in np.linspace(0.001, 0.999, 400):
        covered = uppers >= p
        assert stats.binom.pmf(np.arange(trials + 1), trials, p)[covered].sum() >= 0.95 - 1e-12


def test_invalid_counts_rejected():
    with pytest.raises(InvalidArgumentError, match="^successes must be an integer in \\[0, trials\\]"):
        bounds.smoothed_depth_radius(successes=11, trials=10, sigma=1.0, target=0.5)
    with pytest.raises(InvalidArgumentError, match="^trials must be an integer >= 1"):
        bounds.smoothed_depth_radius(successes=0, trials=0, sigma=1.0, target=0.5)
    with pytest.raises(InvalidArgumentError, match="^successes must be integers"):
        bounds.smoothed_depth_radius(successes=1.5, trials=10, sigma=1.0, target=0.5)
    with pytest.raises(InvalidArgumentError, match="^target must be in \\(0, 1\\)"):
        bounds.smoothed_depth_radius(successes=1, trials=10, sigma=1.0, target=1.0)
    with pytest.raises(InvalidArgumentError, match="^sigma must be in \\(0, inf\\)"):
        bounds.smoothed_depth_radius(successes=1, trials=10, sigma=0.0, target=0.5)
