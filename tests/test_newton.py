"""Certified Newton removal (Guo et al. 2020): residual bound, budget, retraining, certificate."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from certunlearn import bounds
from certunlearn._validate import InvalidArgumentError
from certunlearn.engine import DeletionRequest, linear, load_dataset
from certunlearn.engine.newton import CertifiedNewtonRemoval, guo_constant, residual_budget


def synthetic(n: int, d: int, n_classes: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True) * (1 + 1e-12)
    weights = rng.normal(size=(d, n_classes))
    y = np.argmax(X @ weights * 3 + rng.gumbel(size=(n, n_classes)), axis=1)
    return X, y


@settings(max_examples=25)
@given(
    n=st.integers(min_value=40, max_value=200),
    d=st.integers(min_value=2, max_value=12),
    n_classes=st.integers(min_value=2, max_value=4),
    removed=st.integers(min_value=1, max_value=10),
    regularization=st.floats(min_value=1e-4, max_value=1e-1),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_residual_bound_covers_actual_residual(n, d, n_classes, removed, regularization, seed):
    """The Taylor bound of proofs/newton_residual.md is never below the exact residual."""
    X, y = synthetic(n, d, n_classes, seed)
    method = CertifiedNewtonRemoval(regularization=regularization, sigma=1.0, epsilon=1.0, delta=1e-5)
    state = method.fit(X, y, n_classes=n_classes, rng=np.random.default_rng(seed))
    forget = tuple(np.random.default_rng(seed + 1).choice(n, size=removed, replace=False).tolist())
    step, details = method._newton_step(state, np.array(forget), _mask(n, forget))
    keep = torch.as_tensor(_mask(n, forget))
    residual = linear.gradient(
        step["weights"], state.X[keep], state.targets[keep], regularization=regularization, b=state.b
    )
    assert torch.linalg.norm(residual).item() <= details["taylor_residual_bound"] * (1 + 1e-6) + 1e-10
    assert details["residual_bound"] >= details["taylor_residual_bound"]


def _mask(n, forget):
    mask = np.ones(n, dtype=bool)
    mask[list(forget)] = False
    return mask


def test_downdated_step_equals_recomputed_step():
    X, y = synthetic(150, 6, 3, 0)
    method = CertifiedNewtonRemoval(regularization=1e-2)
    state = method.fit(X, y, n_classes=3, rng=np.random.default_rng(0))
    forget = np.array([3, 17, 42])
    fast, _ = method._newton_step(state, forget, _mask(150, forget))
    slow_state = type(state)(**{**state.__dict__, "hessian": None, "gradient": None})
    slow, _ = method._newton_step(slow_state, forget, _mask(150, forget))
    assert torch.allclose(fast["weights"], slow["weights"], atol=1e-10)


def test_unlearned_model_is_close_to_retraining_with_the_same_noise():
    dataset = load_dataset("breast_cancer")
    method = CertifiedNewtonRemoval()
    state = method.fit(dataset.X_train, dataset.y_train, n_classes=2, rng=np.random.default_rng(0))
    request = DeletionRequest((0, 5, 9, 30))
    outcome = method.unlearn(state, request, rng=np.random.default_rng(1))
    assert not outcome.retrained
    keep = torch.as_tensor(_mask(len(dataset.y_train), request.indices))
    exact, _ = linear.minimise(
        state.X[keep], state.targets[keep], regularization=method.regularization, b=state.b, tolerance=1e-12
    )
    gap = torch.linalg.norm(outcome.model.weights - exact).item()
    move = torch.linalg.norm(outcome.model.weights - state.weights).item()
    assert gap < 1e-3 * move


def test_certificate_states_target_residual_and_assumptions():
    dataset = load_dataset("digits")
    method = CertifiedNewtonRemoval(epsilon=1.0, delta=1e-5)
    state = method.fit(dataset.X_train, dataset.y_train, n_classes=10, rng=np.random.default_rng(0))
    outcome = method.unlearn(state, DeletionRequest(tuple(range(10))), rng=np.random.default_rng(1))
    certificate = outcome.certificate
    assert isinstance(certificate, bounds.EpsilonDeltaCertificate)
    assert (certificate.epsilon, certificate.delta) == (1.0, 1e-5)
    assert certificate.provenance.basis == "data-dependent"
    assert certificate.provenance.bound == outcome.details["residual_spent"] <= method.budget
    names = {assumption.name: assumption for assumption in certificate.provenance.assumptions}
    assert names["feature norm"].checked
    assert not names["residual masking"].checked
    assert dict(certificate.provenance.parameters)["sigma"] == method.sigma


def test_budget_exhaustion_triggers_retraining_with_fresh_noise():
    dataset = load_dataset("digits")
    method = CertifiedNewtonRemoval(epsilon=0.05, delta=1e-5)
    state = method.fit(dataset.X_train, dataset.y_train, n_classes=10, rng=np.random.default_rng(0))
    outcome = method.unlearn(state, DeletionRequest(tuple(range(40))), rng=np.random.default_rng(1))
    assert outcome.retrained
    assert not torch.equal(outcome.state.b, state.b)
    assert outcome.state.residual_spent < 1e-6
    assert (outcome.certificate.epsilon, outcome.certificate.delta) == (0.0, 0.0)
    assert "retrained from scratch" in outcome.certificate.provenance.algorithm
    assert "exact" in outcome.certificate.provenance.notes[0]


def test_sequential_requests_accumulate_residual():
    dataset = load_dataset("breast_cancer")
    method = CertifiedNewtonRemoval()
    state = method.fit(dataset.X_train, dataset.y_train, n_classes=2, rng=np.random.default_rng(0))
    first = method.unlearn(state, DeletionRequest((1, 2)), rng=np.random.default_rng(1))
    second = method.unlearn(first.state, DeletionRequest((3, 4)), rng=np.random.default_rng(2))
    assert not second.retrained
    assert not second.details["used_stored_hessian"]
    assert second.state.residual_spent > first.state.residual_spent
    assert second.certificate.provenance.requests == 2
    with pytest.raises(InvalidArgumentError, match="^request must be positions of training points not yet deleted"):
        method.unlearn(second.state, DeletionRequest((2,)), rng=np.random.default_rng(3))


def test_budget_reference_values():
    # c = sqrt(2 ln(1.5/δ)): 4.3854 at δ = 1e-4, 4.8823 at δ = 1e-5; Guo's budget σε/c is
    # 2.2803 at σ = 10, ε = 1, δ = 1e-4 (our numpy script).
    assert guo_constant(1e-4) == pytest.approx(4.3854, abs=1e-4)
    assert guo_constant(1e-5) == pytest.approx(4.8823, abs=1e-4)
    assert residual_budget(sigma=10.0, epsilon=1.0, delta=1e-4) == pytest.approx(2.2803, abs=1e-4)


def test_budget_is_capped_by_exact_gaussian_at_large_epsilon():
    # At ε = 10 the rule σ ≥ cβ/ε would allow β = 10σ/c; the exact Gaussian shift allows less.
    budget = residual_budget(sigma=1.0, epsilon=10.0, delta=1e-5)
    assert budget < 10.0 / guo_constant(1e-5)
    assert bounds.gaussian_delta(10.0, sigma=1.0, sensitivity=budget) <= 1e-5


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"epsilon": 0.0}, "epsilon"),
        ({"delta": 1.0}, "delta"),
        ({"regularization": -1.0}, "regularization"),
        ({"sigma": 0.0}, "sigma"),
    ],
)
def test_rejects_bad_hyperparameters(kwargs, argument):
    with pytest.raises(InvalidArgumentError, match=f"^{argument} must be"):
        CertifiedNewtonRemoval(**kwargs)
