"""Uncertified baselines: one interface, no certificate, seeded, sequential requests, argument checks."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from certunlearn._validate import InvalidArgumentError
from certunlearn.engine import DeletionRequest, load_dataset, registry
from certunlearn.engine.baselines import (
    FineTune,
    GradientAscent,
    L1Sparse,
    NegGradPlus,
    RandomLabels,
    SalUn,
    Scrub,
)
from certunlearn.engine.exact import Retrain
from certunlearn.engine.torch_models import mlp

BASELINES = {
    "finetune": FineTune,
    "gradient-ascent": GradientAscent,
    "neggrad-plus": NegGradPlus,
    "random-labels": RandomLabels,
    "l1-sparse": L1Sparse,
    "scrub": Scrub,
    "salun": SalUn,
}
# Methods whose default knobs remove a deleted class on digits (forget accuracy near 0).
REMOVE_A_CLASS = ("gradient-ascent", "neggrad-plus", "random-labels", "scrub", "salun")


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


@pytest.fixture(scope="module")
def class_request(digits):
    return DeletionRequest(tuple(np.flatnonzero(digits.y_train == 3).tolist()), kind="class", label=3)


@pytest.fixture(scope="module")
def original(digits):
    """The model every baseline starts from: all share the default training recipe."""
    return FineTune().fit(digits.X_train, digits.y_train, n_classes=10, rng=np.random.default_rng(0))


def parameters(module) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in module.parameters()])


def test_all_baselines_train_the_same_original(digits, original):
    again = SalUn().fit(digits.X_train, digits.y_train, n_classes=10, rng=np.random.default_rng(0))
    assert torch.equal(parameters(again.module), parameters(original.module))


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_baseline_returns_no_certificate(name, original, class_request):
    method = registry.build(name, epsilon=1.0, delta=1e-5)
    assert isinstance(method, BASELINES[name])
    assert method.guarantee == "uncertified"
    before = parameters(original.module).clone()
    outcome = method.unlearn(original, class_request, rng=np.random.default_rng(1))
    assert outcome.certificate is None
    assert not outcome.retrained
    assert outcome.details["removed"] == len(class_request)
    assert outcome.details["requests"] == 1
    assert outcome.details["distance_from_previous"] > 0
    assert not torch.equal(outcome.model.parameters(), before)
    # The state passed in is left as it was.
    assert torch.equal(parameters(original.module), before)
    assert original.remaining.all()


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_baseline_is_seeded_by_the_rng(name, original):
    method = BASELINES[name]()
    request = DeletionRequest(tuple(range(0, 200, 10)))
    first = method.unlearn(original, request, rng=np.random.default_rng(5))
    again = method.unlearn(original, request, rng=np.random.default_rng(5))
    other = method.unlearn(original, request, rng=np.random.default_rng(6))
    assert torch.equal(first.model.parameters(), again.model.parameters())
    assert not torch.equal(first.model.parameters(), other.model.parameters())


@pytest.mark.parametrize("name", REMOVE_A_CLASS)
def test_baseline_removes_class_keeps_others(name, digits, original, class_request):
    outcome = BASELINES[name]().unlearn(original, class_request, rng=np.random.default_rng(1))
    assert outcome.details["forget_accuracy"] <= 0.05
    others = digits.y_test != 3
    assert outcome.model.accuracy(digits.X_test[others], digits.y_test[others]) >= 0.9


def test_finetune_keeps_most_of_a_class(original, class_request):
    """Fine-tuning on the retain set alone removes little of a class in 5 epochs, a known weakness."""
    outcome = FineTune().unlearn(original, class_request, rng=np.random.default_rng(1))
    assert outcome.details["forget_accuracy"] >= 0.5


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_baseline_handles_sequential_requests(name, original):
    method = BASELINES[name]()
    first = method.unlearn(original, DeletionRequest((0, 1, 2, 3)), rng=np.random.default_rng(1))
    second = method.unlearn(first.state, DeletionRequest((100, 101)), rng=np.random.default_rng(2))
    assert second.details["requests"] == 2
    assert second.details["retained"] == len(original.y) - 6
    assert second.certificate is None
    with pytest.raises(InvalidArgumentError, match="not yet deleted"):
        method.unlearn(second.state, DeletionRequest((2,)), rng=np.random.default_rng(3))


def test_reference_is_retraining_with_the_same_recipe(digits, class_request):
    keep = np.ones(len(digits.y_train), dtype=bool)
    keep[list(class_request.indices)] = False
    X_retain, y_retain = digits.X_train[keep], digits.y_train[keep]
    baseline = NegGradPlus().reference(X_retain, y_retain, n_classes=10, rng=np.random.default_rng(4))
    retrained = Retrain().reference(X_retain, y_retain, n_classes=10, rng=np.random.default_rng(4))
    assert torch.equal(baseline.parameters(), retrained.parameters())


def test_salun_updates_only_salient_weights(original, class_request):
    method = SalUn(mask_fraction=0.2)
    forget = list(class_request.indices)
    X = torch.as_tensor(original.X[forget])
    y = torch.as_tensor(original.y[forget])
    mask = torch.cat([keep.reshape(-1) for keep in method.saliency_mask(copy.deepcopy(original.module), X, y)])
    outcome = method.unlearn(original, class_request, rng=np.random.default_rng(1))
    changed = outcome.model.parameters() != parameters(original.module)
    assert not torch.any(changed & (mask == 0))
    assert outcome.details["weights_updated"] == int(mask.sum())
    assert int(mask.sum()) == pytest.approx(0.2 * mask.numel(), abs=2)


def test_stopping_rule_ends_ascent_early(original, class_request):
    stopped = NegGradPlus().unlearn(original, class_request, rng=np.random.default_rng(1))
    assert stopped.details["stopped_early"] is True
    assert stopped.details["forget_accuracy"] <= 0.01
    full = GradientAscent(stop_forget_accuracy=None, epochs=1).unlearn(
        original, class_request, rng=np.random.default_rng(1)
    )
    assert full.details["stopped_early"] is False
    assert full.details["steps"] == int(np.ceil(len(class_request) / 16))


def test_custom_module_factory(digits):
    method = FineTune(module_factory=_wide_mlp, training={"epochs": 2})
    state = method.fit(digits.X_train, digits.y_train, n_classes=10, rng=np.random.default_rng(0))
    assert state.module[0].out_features == 16
    assert method.hyperparameters()["module"] == "_wide_mlp"


def _wide_mlp(n_features, n_classes, *, rng):
    return mlp(n_features, n_classes, hidden=(16,), rng=rng)


@pytest.mark.parametrize(
    ("name", "hyperparameters", "message"),
    [
        ("neggrad-plus", {"beta": 1.0}, "beta must be in (0, 1), got 1.0"),
        ("neggrad-plus", {"forget_batch_size": 0}, "forget_batch_size must be an integer >= 1, got 0"),
        ("gradient-ascent", {"stop_forget_accuracy": 1.5}, "stop_forget_accuracy must be in [0, 1], got 1.5"),
        ("finetune", {"epochs": 0}, "epochs must be an integer >= 1, got 0"),
        ("finetune", {"learning_rate": -0.1}, "learning_rate must be in (0, inf), got -0.1"),
        ("random-labels", {"momentum": 1.0}, "momentum must be in [0, 1), got 1.0"),
        ("l1-sparse", {"l1_strength": 0}, "l1_strength must be in (0, inf), got 0"),
        ("salun", {"mask_fraction": 0}, "mask_fraction must be in (0, 1], got 0"),
        ("scrub", {"max_epochs": 9}, "max_epochs must be an integer in [0, epochs = 5], got 9"),
        ("scrub", {"temperature": 0}, "temperature must be in (0, inf), got 0"),
        ("scrub", {"retain_kl_weight": -1}, "retain_kl_weight must be in [0, inf), got -1"),
        ("salun", {"hidden": (0,)}, "hidden must be a sequence of integer layer widths >= 1"),
        ("scrub", {"training": {"batch_size": 0}}, "training.batch_size must be an integer >= 1, got 0"),
    ],
)
def test_bad_hyperparameters_raise_one_line(name, hyperparameters, message):
    with pytest.raises(InvalidArgumentError) as error:
        registry.build(name, epsilon=1.0, delta=1e-5, **hyperparameters)
    assert message in str(error.value)
    assert len(str(error.value).splitlines()) == 1


def test_unknown_hyperparameter_lists_known_names():
    with pytest.raises(InvalidArgumentError) as error:
        registry.build("neggrad-plus", epsilon=1.0, delta=1e-5, alpha=0.5)
    message = str(error.value)
    assert message.startswith("neggrad-plus hyperparameter must be one of 'beta', 'epochs'")
    assert message.endswith("got 'alpha'")
