"""The immutable ledger of deletion requests and its pure queries."""

from __future__ import annotations

import json
import math

import pytest

from certunlearn import bounds
from certunlearn._validate import InvalidArgumentError
from certunlearn.cli._output import dumps


def test_append_returns_new_ledger():
    empty = bounds.DeletionLedger()
    one = empty.append(bounds.GaussianDPCertificate(mu=0.5), label="request 1")
    two = one.append(bounds.GaussianDPCertificate(mu=0.5), group_size=2)
    assert len(empty) == 0
    assert len(one) == 1
    assert len(two) == 2
    assert one.requests[0].label == "request 1"
    with pytest.raises(AttributeError):
        one.requests = ()  # frozen


def test_queries_do_not_mutate():
    ledger = bounds.DeletionLedger().append(bounds.EpsilonDeltaCertificate(epsilon=0.2, delta=1e-7))
    before = ledger.to_dict()
    ledger.composed()
    ledger.budget(epsilon=1.0, delta=1e-5)
    ledger.requests_until_retrain(bounds.EpsilonDeltaCertificate(epsilon=0.2, delta=1e-7), epsilon=1.0, delta=1e-5)
    assert ledger.to_dict() == before


def test_empty_ledger_spends_nothing():
    ledger = bounds.DeletionLedger()
    assert ledger.composed().epsilon == 0.0
    budget = ledger.budget(epsilon=1.0, delta=1e-5)
    assert budget.spent_epsilon == 0.0
    assert budget.remaining_epsilon == 1.0
    assert not budget.exhausted


def test_gaussian_ledger_is_exact():
    """k Gaussian requests of μ compose exactly to sqrt(k)μ; groups of g to g sqrt(k)μ."""
    ledger = bounds.DeletionLedger()
    for _ in range(4):
        ledger = ledger.append(bounds.GaussianDPCertificate(mu=0.25), group_size=2)
    composed = ledger.composed()
    assert isinstance(composed, bounds.GaussianDPCertificate)
    assert composed.mu == pytest.approx(1.0)
    assert ledger.budget(epsilon=10.0, delta=1e-5).spent_epsilon == pytest.approx(
        bounds.gdp_epsilon(mu=1.0, delta=1e-5)
    )


def test_budget_and_retraining():
    per_request = bounds.GaussianDPCertificate(mu=0.2)
    target_epsilon, target_delta = 1.0, 1e-5
    ledger = bounds.DeletionLedger()
    fits = ledger.requests_until_retrain(per_request, epsilon=target_epsilon, delta=target_delta)
    assert fits > 0
    # Exactly `fits` requests stay within the budget and one more exceeds it.
    for _ in range(fits):
        ledger = ledger.append(per_request)
    assert not ledger.must_retrain(epsilon=target_epsilon, delta=target_delta)
    assert ledger.requests_until_retrain(per_request, epsilon=target_epsilon, delta=target_delta) == 0
    exceeded = ledger.append(per_request)
    assert exceeded.must_retrain(epsilon=target_epsilon, delta=target_delta)
    budget = exceeded.budget(epsilon=target_epsilon, delta=target_delta)
    assert budget.exhausted
    assert budget.remaining_epsilon < 0


def test_mixed_ledger_uses_best_composition():
    ledger = (
        bounds.DeletionLedger()
        .append(bounds.EpsilonDeltaCertificate(epsilon=0.1, delta=1e-8))
        .append(bounds.EpsilonDeltaCertificate(epsilon=0.1, delta=1e-8))
        .append(bounds.GaussianDPCertificate(mu=0.1))
    )
    spent = ledger.spent_epsilon(delta=1e-5)
    assert 0 < spent < math.inf
    # Basic composition of the (ε, δ) parts with the GDP part read at the rest of δ is one
    # split; the profile route searches all splits on a grid of δ levels (ratio 1.08), which
    # costs at most a fraction of a percent against this exact split.
    basic = 0.2 + bounds.gdp_epsilon(mu=0.1, delta=1e-5 - 2e-8)
    assert spent <= basic * 1.005


def test_ledger_round_trip_and_validation():
    ledger = bounds.DeletionLedger().append(
        bounds.EpsilonDeltaCertificate(epsilon=0.3, delta=1e-6), group_size=3, label="a"
    )
    rebuilt = bounds.DeletionLedger.from_dict(json.loads(dumps(ledger.to_dict())))
    assert rebuilt == ledger
    with pytest.raises(InvalidArgumentError, match="^group_size must be an integer >= 1"):
        ledger.append(bounds.GaussianDPCertificate(mu=1.0), group_size=0)
    with pytest.raises(InvalidArgumentError, match="^certificate must be a Certificate"):
        ledger.append("not a certificate")
    with pytest.raises(InvalidArgumentError, match="^delta must be in \\(0, 1\\)"):
        ledger.budget(epsilon=1.0, delta=0.0)
