"""Exact unlearning: retraining and SISA equal retraining bit for bit, cost model, verifier check."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from certunlearn._validate import InvalidArgumentError
from certunlearn.engine import DeletionRequest, load_dataset, registry
from certunlearn.engine._baseline_training import TrainingRecipe
from certunlearn.engine.exact import Retrain, ShardedEnsemble, Sisa, expected_shards_touched, sisa_cost_fraction
from certunlearn.engine.torch_models import mlp
from certunlearn.verifier import AuditSettings, BallProbe, run_audit

# A short recipe keeps the bitwise tests fast; exactness does not depend on it.
QUICK = {"epochs": 6}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    # These models are tiny: one thread avoids contention on shared CI machines.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def retained(dataset, request):
    keep = np.ones(len(dataset.y_train), dtype=bool)
    keep[list(request.indices)] = False
    return dataset.X_train[keep], dataset.y_train[keep]


def flat(model) -> torch.Tensor:
    return model.parameters()


# -- cost model -------------------------------------------------------------------------------


@pytest.mark.parametrize(("slices", "expected"), [(1, 1.0), (2, 0.833), (5, 0.733), (10, 0.70), (100, 0.67)])
def test_sisa_cost_fraction_reference_values(slices, expected):
    """(2R+1)/(3R) agrees with independently computed values to their printed digits."""
    assert sisa_cost_fraction(slices) == pytest.approx(expected, abs=5e-3)


def test_sisa_cost_fraction_exact_rationals():
    assert sisa_cost_fraction(2) == pytest.approx(5 / 6, rel=1e-15)
    assert sisa_cost_fraction(5) == pytest.approx(11 / 15, rel=1e-15)
    assert sisa_cost_fraction(10**6) == pytest.approx(2 / 3, abs=1e-6)


def test_expected_shards_touched_formula():
    assert expected_shards_touched(5, 0) == 0.0
    assert expected_shards_touched(5, 1) == pytest.approx(1.0)
    assert expected_shards_touched(2, 2) == pytest.approx(1.5)
    assert expected_shards_touched(1, 7) == 1.0
    assert expected_shards_touched(5, 10_000) == pytest.approx(5.0)
    rng = np.random.default_rng(0)
    draws = rng.integers(0, 8, size=(20_000, 6))
    simulated = np.mean([len(np.unique(row)) for row in draws])
    # The standard error of the mean is below 0.01 here.
    assert simulated == pytest.approx(expected_shards_touched(8, 6), abs=0.03)


# -- retrain --------------------------------------------------------------------------------


def test_retrain_release_equals_reference_bitwise(digits):
    method = Retrain(training=QUICK)
    state = method.fit(digits.X_train, digits.y_train, n_classes=10, rng=np.random.default_rng(0))
    request = DeletionRequest((3, 50, 700))
    outcome = method.unlearn(state, request, rng=np.random.default_rng(7))
    X_retain, y_retain = retained(digits, request)
    reference = method.reference(X_retain, y_retain, n_classes=10, rng=np.random.default_rng(7))
    assert torch.equal(flat(outcome.model), flat(reference))
    assert outcome.retrained
    assert outcome.details["retrained_from_scratch"] is True
    assert outcome.certificate.epsilon == 0.0
    assert outcome.certificate.delta == 0.0
    assert "exact: identical in law to retraining" in outcome.certificate.provenance.algorithm


def test_retrain_sequential_requests(digits):
    method = Retrain(training=QUICK)
    state = method.fit(digits.X_train, digits.y_train, n_classes=10, rng=np.random.default_rng(0))
    first = method.unlearn(state, DeletionRequest((1, 2)), rng=np.random.default_rng(1))
    second = method.unlearn(first.state, DeletionRequest((10,)), rng=np.random.default_rng(2))
    assert second.details["requests"] == 2
    assert second.certificate.provenance.requests == 2
    assert second.details["retained"] == len(digits.y_train) - 3
    keep = np.ones(len(digits.y_train), dtype=bool)
    keep[[1, 2, 10]] = False
    reference = method.reference(digits.X_train[keep], digits.y_train[keep], n_classes=10, rng=np.random.default_rng(2))
    assert torch.equal(flat(second.model), flat(reference))
    with pytest.raises(InvalidArgumentError, match="not yet deleted"):
        method.unlearn(second.state, DeletionRequest((2,)), rng=np.random.default_rng(3))
    # The earlier state is unchanged, so it can still serve another request.
    assert state.remaining.all()


def test_retrain_logistic_is_deterministic(digits):
    method = Retrain(model="logistic")
    state = method.fit(digits.X_train, digits.y_train, n_classes=10, rng=np.random.default_rng(0))
    request = DeletionRequest(tuple(np.flatnonzero(digits.y_train == 3).tolist()), kind="class", label=3)
    outcome = method.unlearn(state, request, rng=np.random.default_rng(5))
    X_retain, y_retain = retained(digits, request)
    reference = method.reference(X_retain, y_retain, n_classes=10, rng=np.random.default_rng(99))
    assert torch.equal(flat(outcome.model), flat(reference))
    assert outcome.model.accuracy(digits.X_test, digits.y_test) > 0.8


def test_request_deleting_everything_rejected():
    X = np.eye(4)
    y = np.array([0, 1, 0, 1])
    method = Retrain(model="logistic")
    state = method.fit(X, y, n_classes=2, rng=np.random.default_rng(0))
    with pytest.raises(InvalidArgumentError, match="leaves at least one training point"):
        method.unlearn(state, DeletionRequest((0, 1, 2, 3)), rng=np.random.default_rng(0))
    with pytest.raises(InvalidArgumentError, match="not yet deleted"):
        method.unlearn(state, DeletionRequest((4,)), rng=np.random.default_rng(0))


# -- SISA -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sisa_and_state(digits):
    method = Sisa(shards=3, slices=3, training=QUICK)
    state = method.fit(digits.X_train, digits.y_train, n_classes=10, rng=np.random.default_rng(0))
    return method, state


def assert_same_checkpoints(first, second):
    for history_a, history_b in zip(first.checkpoints, second.checkpoints, strict=True):
        for stage_a, stage_b in zip(history_a, history_b, strict=True):
            for name in stage_a:
                assert torch.equal(stage_a[name], stage_b[name]), name


def test_sisa_deletion_matches_scratch_bitwise(sisa_and_state):
    method, state = sisa_and_state
    outcome = method.unlearn(state, DeletionRequest((5, 17, 300, 901)), rng=np.random.default_rng(1))
    assert_same_checkpoints(outcome.state, method.retrain_from_scratch(outcome.state))
    assert torch.equal(flat(outcome.model), flat(method.model_of(method.retrain_from_scratch(outcome.state))))
    assert outcome.certificate.epsilon == 0.0
    assert outcome.certificate.delta == 0.0


def test_sisa_retrains_only_touched_shard_stages(sisa_and_state):
    method, state = sisa_and_state
    shard = int(state.shard_of[0])
    # Two points of one shard, in its last slice: only the last stage retrains.
    candidates = np.flatnonzero((state.shard_of == shard) & (state.slice_of == method.slices - 1))[:2]
    outcome = method.unlearn(state, DeletionRequest(tuple(candidates.tolist())), rng=np.random.default_rng(1))
    details = outcome.details
    assert details["shards_touched"] == 1
    assert details["first_retrained_stage"] == {str(shard): method.slices}
    for other in range(method.shards):
        if other != shard:
            assert outcome.state.checkpoints[other] is state.checkpoints[other]
    for stage in range(method.slices):
        for name, value in state.checkpoints[shard][stage].items():
            assert torch.equal(outcome.state.checkpoints[shard][stage][name], value)
    last_before = state.checkpoints[shard][-1]
    last_after = outcome.state.checkpoints[shard][-1]
    assert any(not torch.equal(last_before[name], last_after[name]) for name in last_before)
    in_last_stage = np.sum(outcome.state.remaining & (state.shard_of == shard))
    assert details["sample_visits_retrained"] == in_last_stage * method.stage_epochs


def test_sisa_sequential_requests_stay_exact(sisa_and_state):
    method, state = sisa_and_state
    first = method.unlearn(state, DeletionRequest((0, 1, 2)), rng=np.random.default_rng(1))
    second = method.unlearn(first.state, DeletionRequest((400, 401)), rng=np.random.default_rng(2))
    assert second.details["requests"] == 2
    assert second.certificate.provenance.requests == 2
    assert_same_checkpoints(second.state, method.retrain_from_scratch(second.state))
    assert state.remaining.all()


def test_sisa_class_request_touches_every_shard(digits, sisa_and_state):
    method, state = sisa_and_state
    request = DeletionRequest(tuple(np.flatnonzero(digits.y_train == 3).tolist()), kind="class", label=3)
    outcome = method.unlearn(state, request, rng=np.random.default_rng(1))
    assert outcome.details["shards_touched"] == method.shards
    assert outcome.details["shards_touched_expected"] == pytest.approx(method.shards, abs=1e-9)
    assert outcome.model.accuracy(digits.X_train[list(request.indices)], digits.y_train[list(request.indices)]) == 0.0


def test_sisa_point_work_matches_cost_model(sisa_and_state):
    """Averaged over points, retraining after one deletion costs about (2R+1)/(3R) of the touched shard."""
    method, state = sisa_and_state
    per_shard_stage = [
        [int(np.sum((state.shard_of == s) & (state.slice_of < r))) for r in range(1, method.slices + 1)]
        for s in range(method.shards)
    ]
    fractions = []
    for point in range(len(state.y)):
        shard, first = int(state.shard_of[point]), int(state.slice_of[point]) + 1
        stages = per_shard_stage[shard]
        fractions.append(sum(stages[first - 1 :]) / sum(stages))
    # Random slice sizes make the average differ slightly from the model's equal-slice value.
    assert np.mean(fractions) == pytest.approx(sisa_cost_fraction(method.slices), abs=0.03)


def test_sisa_aggregations_are_differentiable(digits):
    for aggregation in ("vote", "probability"):
        method = Sisa(shards=2, slices=2, aggregation=aggregation, training=QUICK)
        model = method.model_of(method.fit(digits.X_train, digits.y_train, n_classes=10, rng=np.random.default_rng(0)))
        assert isinstance(model, ShardedEnsemble)
        assert model.accuracy(digits.X_test, digits.y_test) > 0.7
        X = torch.as_tensor(digits.X_test[:20])
        y = torch.as_tensor(digits.y_test[:20])
        theta = model.parameters().requires_grad_(True)
        confidence = model.true_class_confidence(theta, X, y)
        assert torch.all((confidence >= 0) & (confidence <= 1))
        confidence.mean().backward()
        assert torch.linalg.norm(theta.grad) > 0
        # The depth probe evaluates the score under vmap; it must run on the ensemble.
        scores = BallProbe((0.0, 0.5), steps=2).best_scores(model, digits.X_test[:20], digits.y_test[:20])
        assert scores[1] >= scores[0]


def test_sisa_vote_ties_go_to_higher_probability():
    method = Sisa(shards=2, slices=1, training={"epochs": 1})
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    model = method.model_of(method.fit(X, y, n_classes=2, rng=rng))
    votes = np.stack([constituent.predict(X) for constituent in model.constituents])
    probabilities = model.mean_probabilities(X)
    split = votes[0] != votes[1]
    assert np.array_equal(model.predict(X)[split], probabilities[split].argmax(axis=1))
    assert np.array_equal(model.predict(X)[~split], votes[0][~split])


# -- the verifier's check ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method",
    [Retrain(training={"epochs": 10}), Retrain(model="logistic"), Sisa(shards=2, slices=2, training={"epochs": 10})],
    ids=["retrain-mlp", "retrain-logistic", "sisa"],
)
def test_exact_methods_pass_depth_audit(digits, method):
    """Released and reference models have one law, so the (0, 0) check passes (false-alarm rate 0.05)."""
    request = DeletionRequest(tuple(np.flatnonzero(digits.y_train == 3).tolist()), kind="class", label=3)
    settings = AuditSettings(seeds=6, calibration_seeds=2, grid_size=9, probe_steps=8, workers=1)
    result = run_audit(digits, method, request, settings, progress=False)
    assert result.verdict == "pass"
    assert not result.audit.violations
    assert result.audit.epsilon_lower_bound == 0.0


# -- arguments -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Sisa(shards=0), "shards must be an integer >= 1, got 0"),
        (lambda: Sisa(slices=1.5), "slices must be an integer >= 1, got 1.5"),
        (lambda: Sisa(aggregation="mean"), "aggregation must be one of 'vote', 'probability', got 'mean'"),
        (lambda: Retrain(model="tree"), "model must be one of 'mlp', 'logistic', got 'tree'"),
        (lambda: Retrain(regularization=0.1), "regularization must be omitted for model='mlp'"),
        (lambda: Retrain(model="logistic", regularization=0), "regularization must be in (0, inf), got 0"),
        (lambda: Retrain(model="logistic", hidden=(8,)), "hidden must be omitted for model='logistic'"),
        (lambda: Retrain(hidden=(0,)), "hidden must be a sequence of integer layer widths >= 1"),
        (lambda: Retrain(module_factory=mlp, hidden=(8,)), "hidden must be omitted when module_factory is given"),
        (lambda: Retrain(training={"epochs": 0}), "training.epochs must be an integer >= 1, got 0"),
        (lambda: Retrain(training={"momentum": 1.0}), "training.momentum must be in [0, 1), got 1.0"),
        (lambda: Retrain(training={"epoch": 3}), "training must be a TrainingRecipe or a mapping with keys among"),
        (lambda: TrainingRecipe(learning_rate=-1), "training.learning_rate must be in (0, inf), got -1"),
    ],
)
def test_bad_hyperparameters_raise_one_line(build, message):
    with pytest.raises(InvalidArgumentError) as error:
        build()
    assert message in str(error.value)
    assert len(str(error.value).splitlines()) == 1


def test_registry_builds_exact_methods():
    assert registry.get("retrain").guarantee == "exact"
    assert registry.get("sisa").guarantee == "exact"
    sisa = registry.build("sisa", epsilon=1.0, delta=1e-5, shards=4, slices=2)
    assert sisa.hyperparameters()["shards"] == 4
    assert sisa.hyperparameters()["stage_epochs"] == 20
