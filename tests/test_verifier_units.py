"""Verifier building blocks: the ball probe, DKW bands, and the Theorem 1 check."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from certunlearn import bounds
from certunlearn._validate import InvalidArgumentError
from certunlearn.engine.linear import LinearModel
from certunlearn.verifier import BallProbe, audit_depths, dkw_halfwidth, empirical_cdf_band
from certunlearn.verifier.scores import memorization_score


def toy_model_and_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 4))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = np.array([0, 1] * 4)
    return LinearModel(torch.zeros(4, 1, dtype=torch.float64)), X, y


def test_probe_stays_inside_the_ball_and_score_grows_with_radius():
    model, X, y = toy_model_and_data()
    probe = BallProbe((0.0, 0.5, 1.0, 2.0, 4.0), steps=40)
    best = probe.best_scores(model, X, y)
    assert best[0] == pytest.approx(0.5)  # zero weights: every confidence is 1/2
    assert np.all(np.diff(best) >= -1e-12)
    # For a linear score the best shift of norm r changes each logit by at most r.
    assert best[-1] <= 1 / (1 + math.exp(-4.0)) + 1e-9


def test_depth_is_the_first_grid_radius_reaching_tau():
    model, X, y = toy_model_and_data()
    probe = BallProbe(tuple(np.linspace(0, 4, 21)), steps=40)
    best = probe.best_scores(model, X, y)
    tau = float(best[10])
    depth = probe.depth(model, X, y, tau=tau)
    assert depth <= probe.radii[10]
    assert probe.depth(model, X, y, tau=0.999999) == math.inf
    assert probe.depth(model, X, y, tau=0.4) == 0.0


def test_probe_rejects_bad_grids():
    with pytest.raises(InvalidArgumentError, match="^radii must be strictly increasing"):
        BallProbe((0.0, 1.0, 1.0))
    with pytest.raises(InvalidArgumentError, match="^radii must be a non-empty list"):
        BallProbe((-1.0, 1.0))


def test_memorization_score_is_mean_true_class_confidence():
    model, X, y = toy_model_and_data()
    assert memorization_score(model, X, y) == pytest.approx(0.5)


def test_dkw_halfwidth_value():
    assert dkw_halfwidth(50, 0.025) == pytest.approx(math.sqrt(math.log(80) / 100))
    band = empirical_cdf_band(np.zeros(50), [0.0], alpha=0.05)
    assert band.halfwidth == pytest.approx(dkw_halfwidth(50, 0.025))
    # With every sample at 0 the Clopper-Pearson side is tighter than DKW.
    assert band.lower[0] > 1 - band.halfwidth


def test_dkw_band_coverage_matches_its_level():
    """Simulated coverage of the simultaneous band.

    With 2,000 replications at nominal level 0.9, the observed miss rate exceeds 0.13
    with probability below 1e-6 if the band is valid (binomial tail), so this test's
    false-alarm rate is negligible; it fails if the band were too narrow.
    """
    rng = np.random.default_rng(1)
    grid = np.linspace(-3, 3, 121)
    from scipy.stats import norm

    truth = norm.cdf(grid)
    misses = 0
    for _ in range(2000):
        band = empirical_cdf_band(rng.normal(size=30), grid, alpha=0.1)
        misses += np.any((truth < band.lower - 1e-12) | (truth > band.upper + 1e-12))
    assert misses / 2000 <= 0.13


def certificate(epsilon=1.0, delta=1e-5):
    return bounds.EpsilonDeltaCertificate(epsilon=epsilon, delta=delta)


def test_identical_depth_samples_pass():
    rng = np.random.default_rng(2)
    depths = rng.exponential(size=200)
    radii = np.linspace(0, 5, 30)
    audit = audit_depths(depths, depths, radii, [certificate()])
    assert not audit.violated
    assert audit.epsilon_lower_bound == 0.0


def test_shallow_unlearning_is_flagged():
    radii = np.linspace(0, 5, 30)
    shallow = np.zeros(100)
    deep = np.full(100, 3.0)
    audit = audit_depths(shallow, deep, radii, [certificate()])
    assert audit.violated
    assert audit.violations[0]["radius"] == 0.0
    assert audit.violations[0]["direction"] == "unlearned"
    assert audit.epsilon_lower_bound > 1.0
    assert audit.epsilon_lower_bound <= audit.detectable_epsilon_ceiling


def test_weak_certificate_is_not_flagged_by_the_same_data():
    radii = np.linspace(0, 5, 30)
    audit = audit_depths(np.zeros(100), np.full(100, 3.0), radii, [certificate(epsilon=10.0)])
    assert not audit.violated


def test_uncertified_audit_has_no_bound():
    audit = audit_depths([0.0, 1.0], [1.0, 2.0], [0.0, 1.0, 2.0], [])
    assert audit.bound_on_unlearned is None
    assert not audit.violated


def test_false_alarm_rate_of_the_check_is_at_most_alpha():
    """Depths drawn from one law for both sides satisfy every certificate.

    At α = 0.2 and 300 replications, a valid check raises more than 80 alarms with
    probability below 1e-6 (binomial tail at rate 0.2), so this test's own false-alarm
    rate is negligible; it fails if the bands or the check were too aggressive.
    """
    rng = np.random.default_rng(3)
    radii = np.linspace(0, 3, 25)
    alarms = sum(
        audit_depths(
            rng.exponential(size=40), rng.exponential(size=40), radii, [certificate(0.0, 0.0)], alpha=0.2
        ).violated
        for _ in range(300)
    )
    assert alarms <= 80


def test_guaranteed_depth_grows_with_seeds():
    radii = np.linspace(0, 4, 41)
    rng = np.random.default_rng(4)
    few = audit_depths(rng.uniform(1, 4, 50), rng.uniform(1, 4, 50), radii, [certificate()])
    many = audit_depths(rng.uniform(1, 4, 5000), rng.uniform(1, 4, 5000), radii, [certificate()])
    assert many.guaranteed_depth >= few.guaranteed_depth
    assert many.guaranteed_depth > 1.0


@pytest.mark.parametrize(("epsilon", "seeds"), [(0.5, 18), (1.0, 29), (2.0, 70)])
def test_minimum_seeds_to_detect(epsilon, seeds):
    """Perfectly separated depths are flagged from exactly this many seeds (41 radii, α = 0.05)."""
    from certunlearn.verifier.depth_audit import minimum_seeds_to_detect

    radii = np.linspace(0, 3, 41)
    needed = minimum_seeds_to_detect([certificate(epsilon)], radii.size, alpha=0.05)
    assert needed == seeds
    below = audit_depths(np.zeros(seeds - 1), np.full(seeds - 1, 2.0), radii, [certificate(epsilon)])
    at = audit_depths(np.zeros(seeds), np.full(seeds, 2.0), radii, [certificate(epsilon)])
    assert not below.violated
    assert below.detectable is False
    assert at.violated
    assert at.detectable is True


def test_ceiling_equals_what_perfect_separation_shows():
    radii = np.linspace(0, 3, 41)
    for seeds in (10, 50, 200):
        audit = audit_depths(np.zeros(seeds), np.full(seeds, 2.0), radii, [certificate()])
        assert audit.epsilon_lower_bound == pytest.approx(audit.detectable_epsilon_ceiling, abs=1e-12)


def test_uncertified_audit_states_epsilon_lower_bound_at_delta():
    radii = np.linspace(0, 3, 41)
    audit = audit_depths(np.zeros(50), np.full(50, 2.0), radii, [], delta=1e-5)
    assert audit.epsilon_lower_bound > 1.5
    assert audit.bound_on_unlearned is None


def test_guarantee_needs_many_seeds():
    from certunlearn.verifier.depth_audit import minimum_seeds_for_guarantee

    needed = minimum_seeds_for_guarantee([certificate()], 41, alpha=0.05, beta=0.05)
    radii = np.linspace(0, 3, 41)
    deep = audit_depths(np.full(needed, 2.0), np.full(needed, 2.0), radii, [certificate()])
    shallow_count = audit_depths(np.full(needed - 1, 2.0), np.full(needed - 1, 2.0), radii, [certificate()])
    assert deep.guaranteed_depth > 0.0
    assert shallow_count.guaranteed_depth == 0.0
