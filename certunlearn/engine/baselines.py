"""Uncertified unlearning baselines for torch classifiers.

Each method starts from the model that saw the forget set ``D_f`` and updates it for a
few epochs with a rule from the literature, using the retain set ``D_r`` and ``D_f``.
None of them bounds how far the result is from retraining, so each returns
``certificate=None``. The verifier compares them with their reference mechanism:
retraining from scratch on ``D_r`` with the original training recipe.

===================  ==================================================================================
``finetune``         SGD on the cross-entropy of ``D_r`` only (catastrophic forgetting)
``gradient-ascent``  ascent on the cross-entropy of ``D_f`` (NegGrad)
``neggrad-plus``     descent on ``β CE(D_r) − (1 − β) CE(D_f)`` (Kurmanji et al. 2023)
``random-labels``    train on ``D_r`` and on ``D_f`` relabelled at random
``l1-sparse``        fine-tuning with a linearly decaying ℓ1 penalty (Jia et al. 2023)
``scrub``            teacher–student min–max distillation (Kurmanji et al. 2023)
``salun``            random labels, updating only the weights most salient to ``D_f`` (Fan et al. 2024)
===================  ==================================================================================

The defaults are scaled to scikit-learn's digits with the 64-unit MLP on a CPU; each
method's docstring gives the published knobs they were scaled from. Every random choice
(batch order, random labels) comes from the generator passed to ``unlearn``.
"""

from __future__ import annotations

import copy
import math
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import _validate
from ._baseline_training import (
    ModuleFactory,
    TrainingRecipe,
    as_tensors,
    construct,
    describe_factory,
    module_factory_for,
    retained_after,
)
from .base import DeletionRequest, Unlearner, UnlearningOutcome
from .registry import MethodInfo, register
from .torch_models import TorchModel, train_classifier


@dataclass(frozen=True, eq=False)
class BaselineState:
    """A baseline's state between requests.

    Attributes:
        module: the released model; never modified in place (each request copies it).
        X, y: the full training set the method was fitted on.
        remaining: mask of points not yet deleted.
        n_classes: number of classes.
        requests: deletion requests processed since fit.
    """

    module: nn.Module
    X: np.ndarray
    y: np.ndarray
    remaining: np.ndarray
    n_classes: int
    requests: int = 0


@dataclass(frozen=True)
class _Split:
    """The forget and retain sets of one request, as tensors."""

    X_forget: torch.Tensor
    y_forget: torch.Tensor
    X_retain: torch.Tensor
    y_retain: torch.Tensor
    n_classes: int


class UncertifiedBaseline(Unlearner):
    """Shared machinery: train with a :class:`TrainingRecipe`, update a copy per request, no certificate.

    Args:
        module_factory: ``factory(n_features, n_classes, *, rng) -> nn.Module``; by
            default an MLP with the `hidden` widths. Must be picklable for audits that
            run seeds in worker processes.
        hidden: hidden-layer widths of the default MLP (default ``(64,)``).
        training: the recipe of the original and reference models (a
            :class:`TrainingRecipe` or a mapping of its fields).
    """

    guarantee = "uncertified"

    def __init__(
        self,
        *,
        module_factory: ModuleFactory | None = None,
        hidden: Sequence[int] | None = None,
        training: TrainingRecipe | Mapping[str, Any] | None = None,
    ):
        self.module_factory = module_factory_for(module_factory, hidden)
        self.training = TrainingRecipe.from_value(training)

    @abstractmethod
    def knobs(self) -> dict[str, Any]:
        """Return the unlearning hyperparameters."""

    @abstractmethod
    def _update(self, module: nn.Module, teacher: nn.Module, split: _Split, rng: np.random.Generator) -> dict[str, Any]:
        """Update `module` in place for one request; return method-specific details.

        `teacher` is the model before the request; it must not be modified.
        """

    def hyperparameters(self) -> dict[str, Any]:
        return {**self.knobs(), "module": describe_factory(self.module_factory), "training": self.training.to_dict()}

    def _train(self, X: np.ndarray, y: np.ndarray, n_classes: int, rng: np.random.Generator) -> nn.Module:
        module = self.module_factory(X.shape[1], n_classes, rng=rng)
        return self.training.train(module, X, y, rng=rng)

    def fit(self, X: np.ndarray, y: np.ndarray, *, n_classes: int, rng: np.random.Generator) -> BaselineState:
        X, y = np.asarray(X), np.asarray(y)
        module = self._train(X, y, n_classes, rng)
        return BaselineState(module=module, X=X, y=y, remaining=np.ones(len(y), dtype=bool), n_classes=n_classes)

    def model_of(self, state: BaselineState) -> TorchModel:
        return TorchModel(state.module)

    def reference(
        self, X_retain: np.ndarray, y_retain: np.ndarray, *, n_classes: int, rng: np.random.Generator
    ) -> TorchModel:
        """Retrain from scratch on the retained data with the original recipe: the gold standard."""
        return TorchModel(self._train(np.asarray(X_retain), np.asarray(y_retain), n_classes, rng))

    def unlearn(self, state: BaselineState, request: DeletionRequest, *, rng: np.random.Generator) -> UnlearningOutcome:
        remaining = retained_after(state.remaining, request)
        forget = np.asarray(request.indices)
        X_forget, y_forget = as_tensors(state.X[forget], state.y[forget])
        X_retain, y_retain = as_tensors(state.X[remaining], state.y[remaining])
        split = _Split(X_forget, y_forget, X_retain, y_retain, state.n_classes)

        module = copy.deepcopy(state.module)
        module.train()
        details = self._update(module, state.module, split, rng)
        module.eval()

        new_state = replace(state, module=module, remaining=remaining, requests=state.requests + 1)
        details = {
            "kind": request.kind,
            "removed": len(request),
            "retained": int(remaining.sum()),
            "requests": new_state.requests,
            **details,
            "forget_accuracy": _accuracy(module, X_forget, y_forget),
            "retain_accuracy": _accuracy(module, X_retain, y_retain),
            "distance_from_previous": _parameter_distance(module, state.module),
            "note": "uncertified: no bound on the distance to retraining; each request updates the previous model",
        }
        return UnlearningOutcome(model=TorchModel(module), state=new_state, certificate=None, details=details)


# -- training-loop helpers --------------------------------------------------------------------


def _accuracy(module: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    if len(y) == 0:
        return float("nan")
    was_training = module.training
    module.eval()
    with torch.no_grad():
        value = float((module(X).argmax(dim=1) == y).double().mean())
    module.train(was_training)
    return value


def _parameter_distance(first: nn.Module, second: nn.Module) -> float:
    pairs = zip(first.parameters(), second.parameters(), strict=True)
    return math.sqrt(sum(float(((a.detach() - b.detach()) ** 2).sum()) for a, b in pairs))


def _batches(n: int, batch_size: int, rng: np.random.Generator) -> list[torch.Tensor]:
    """Return one epoch of shuffled mini-batch index tensors."""
    order = torch.as_tensor(rng.permutation(n))
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]


class _Cycle:
    """Mini-batches of a small set, reshuffled each time it is used up (pairs forget batches with retain batches)."""

    def __init__(self, n: int, batch_size: int, rng: np.random.Generator):
        self._n, self._batch_size, self._rng = n, batch_size, rng
        self._pending: list[torch.Tensor] = []

    def next(self) -> torch.Tensor:
        if not self._pending:
            self._pending = _batches(self._n, self._batch_size, self._rng)
        return self._pending.pop(0)


def _sgd(module: nn.Module, learning_rate: float, momentum: float) -> torch.optim.Optimizer:
    return torch.optim.SGD(module.parameters(), lr=learning_rate, momentum=momentum)


def _check_common(
    *, epochs: int, learning_rate: float, momentum: float, batch_size: int
) -> tuple[int, float, float, int]:
    return (
        _validate.integer_at_least("epochs", epochs, 1),
        _validate.positive("learning_rate", learning_rate),
        _validate.in_interval("momentum", momentum, 0.0, 1.0, high_open=True),
        _validate.integer_at_least("batch_size", batch_size, 1),
    )


def _check_stop(value: float | None) -> float | None:
    return None if value is None else _validate.in_interval("stop_forget_accuracy", value, 0.0, 1.0)


def _other_labels(y: torch.Tensor, n_classes: int, rng: np.random.Generator) -> torch.Tensor:
    """Draw, for each label, a different label uniformly at random."""
    shift = torch.as_tensor(rng.integers(1, n_classes, size=len(y)), dtype=torch.long)
    return (y + shift) % n_classes


def _kl_to_teacher(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """Return the distillation loss ``T² KL(softmax(t/T) ‖ softmax(s/T))``, averaged over the batch.

    The factor T² keeps the gradient's size comparable across temperatures.
    """
    return (
        nn.functional.kl_div(
            nn.functional.log_softmax(student_logits / temperature, dim=1),
            nn.functional.log_softmax(teacher_logits / temperature, dim=1),
            reduction="batchmean",
            log_target=True,
        )
        * temperature**2
    )


# -- the methods ----------------------------------------------------------------------------


class FineTune(UncertifiedBaseline):
    """Fine-tuning on the retain set only, relying on catastrophic forgetting of ``D_f``.

    Zhao et al. (NeurIPS 2024) run it with learning rate 0.01 for 10 epochs when
    forgetting 3,000 CIFAR examples of a model trained at rate 0.1.

    Args:
        epochs: passes over ``D_r`` (default 5).
        learning_rate: SGD step size (default 0.02, a fifth of the training rate).
        momentum: SGD momentum (default 0.9).
        batch_size: retain rows per step (default 64).
        module_factory, hidden, training: see :class:`UncertifiedBaseline`.
    """

    name = "finetune"

    def __init__(
        self,
        *,
        epochs: int = 5,
        learning_rate: float = 0.02,
        momentum: float = 0.9,
        batch_size: int = 64,
        module_factory: ModuleFactory | None = None,
        hidden: Sequence[int] | None = None,
        training: TrainingRecipe | Mapping[str, Any] | None = None,
    ):
        super().__init__(module_factory=module_factory, hidden=hidden, training=training)
        self.epochs, self.learning_rate, self.momentum, self.batch_size = _check_common(
            epochs=epochs, learning_rate=learning_rate, momentum=momentum, batch_size=batch_size
        )

    def knobs(self) -> dict[str, Any]:
        return {
            "epochs": self.epochs,
            "learning_rate": self.learning_rate,
            "momentum": self.momentum,
            "batch_size": self.batch_size,
        }

    def _update(self, module, teacher, split, rng):
        train_classifier(
            module,
            split.X_retain.numpy(),
            split.y_retain.numpy(),
            rng=rng,
            epochs=self.epochs,
            learning_rate=self.learning_rate,
            batch_size=self.batch_size,
            momentum=self.momentum,
        )
        module.train()
        return {"steps": self.epochs * math.ceil(len(split.y_retain) / self.batch_size)}


class GradientAscent(UncertifiedBaseline):
    """Gradient ascent on the cross-entropy of the forget set (NegGrad).

    Unbounded ascent destroys the model, so by default it stops as soon as the forget
    set's training accuracy is at most `stop_forget_accuracy`. Zhao et al. (NeurIPS
    2024) run it with learning rate 1e-4 for 5 epochs on CIFAR; on digits a rate of
    0.05 is needed to remove a class within 5 epochs.

    Args:
        epochs: at most this many passes over ``D_f`` (default 5).
        learning_rate: SGD step size (default 0.05).
        momentum: SGD momentum (default 0).
        batch_size: forget rows per step (default 16).
        stop_forget_accuracy: stop once the accuracy on ``D_f`` is at most this, in
            [0, 1]; ``None`` runs every epoch. The default 0.01 suits a deleted class,
            on which a retrained model scores 0. For random examples a retrained model
            scores about its held-out accuracy, so pass that (about 0.9 on digits).
        module_factory, hidden, training: see :class:`UncertifiedBaseline`.
    """

    name = "gradient-ascent"

    def __init__(
        self,
        *,
        epochs: int = 5,
        learning_rate: float = 0.05,
        momentum: float = 0.0,
        batch_size: int = 16,
        stop_forget_accuracy: float | None = 0.01,
        module_factory: ModuleFactory | None = None,
        hidden: Sequence[int] | None = None,
        training: TrainingRecipe | Mapping[str, Any] | None = None,
    ):
        super().__init__(module_factory=module_factory, hidden=hidden, training=training)
        self.epochs, self.learning_rate, self.momentum, self.batch_size = _check_common(
            epochs=epochs, learning_rate=learning_rate, momentum=momentum, batch_size=batch_size
        )
        self.stop_forget_accuracy = _check_stop(stop_forget_accuracy)

    def knobs(self) -> dict[str, Any]:
        return {
            "epochs": self.epochs,
            "learning_rate": self.learning_rate,
            "momentum": self.momentum,
            "batch_size": self.batch_size,
            "stop_forget_accuracy": self.stop_forget_accuracy,
        }

    def _update(self, module, teacher, split, rng):
        optimizer = _sgd(module, self.learning_rate, self.momentum)
        steps = 0
        for _ in range(self.epochs):
            for batch in _batches(len(split.y_forget), self.batch_size, rng):
                optimizer.zero_grad()
                (-nn.functional.cross_entropy(module(split.X_forget[batch]), split.y_forget[batch])).backward()
                optimizer.step()
                steps += 1
                if _reached(module, split, self.stop_forget_accuracy):
                    return {"steps": steps, "stopped_early": True}
        return {"steps": steps, "stopped_early": False}


def _reached(module: nn.Module, split: _Split, target: float | None) -> bool:
    return target is not None and _accuracy(module, split.X_forget, split.y_forget) <= target


class NegGradPlus(UncertifiedBaseline):
    """NegGrad+: descent on the retain loss minus the forget loss.

    Kurmanji, Triantafillou, Hayes and Triantafillou, "Towards Unbounded Machine
    Unlearning", NeurIPS 2023.

    Descent on ``β CE(D_r) − (1 − β) CE(D_f)``: each step pairs a retain batch with a
    forget batch. Zhao et al. (NeurIPS 2024) run it with learning rate 0.01 for 5 epochs
    and β tuned. On digits, β = 0.5 with learning rate 0.05, stopping once the forget
    accuracy is at most 1%, removes a class and keeps the other classes' test accuracy
    at the retrained model's level (about 0.96).

    NOTE: with a small random forget set and the default stopping target, every step
    ascends on the same few points and the ascent runs away. On digits with 13 points
    the test accuracy falls to about 0.7. A target near the held-out accuracy avoids
    that (0.9 keeps it at about 0.94), though the forget set is then pushed below the
    confidence a retrained model has on it.

    Args:
        beta: weight β of the retain loss, in (0, 1) (default 0.5).
        epochs: at most this many passes over ``D_r`` (default 5).
        learning_rate: SGD step size (default 0.05).
        momentum: SGD momentum (default 0).
        batch_size: retain rows per step (default 64).
        forget_batch_size: forget rows per step (default 16).
        stop_forget_accuracy: as for :class:`GradientAscent` (default 0.01).
        module_factory, hidden, training: see :class:`UncertifiedBaseline`.
    """

    name = "neggrad-plus"

    def __init__(
        self,
        *,
        beta: float = 0.5,
        epochs: int = 5,
        learning_rate: float = 0.05,
        momentum: float = 0.0,
        batch_size: int = 64,
        forget_batch_size: int = 16,
        stop_forget_accuracy: float | None = 0.01,
        module_factory: ModuleFactory | None = None,
        hidden: Sequence[int] | None = None,
        training: TrainingRecipe | Mapping[str, Any] | None = None,
    ):
        super().__init__(module_factory=module_factory, hidden=hidden, training=training)
        self.beta = _validate.probability_open("beta", beta)
        self.epochs, self.learning_rate, self.momentum, self.batch_size = _check_common(
            epochs=epochs, learning_rate=learning_rate, momentum=momentum, batch_size=batch_size
        )
        self.forget_batch_size = _validate.integer_at_least("forget_batch_size", forget_batch_size, 1)
        self.stop_forget_accuracy = _check_stop(stop_forget_accuracy)

    def knobs(self) -> dict[str, Any]:
        return {
            "beta": self.beta,
            "epochs": self.epochs,
            "learning_rate": self.learning_rate,
            "momentum": self.momentum,
            "batch_size": self.batch_size,
            "forget_batch_size": self.forget_batch_size,
            "stop_forget_accuracy": self.stop_forget_accuracy,
        }

    def _update(self, module, teacher, split, rng):
        optimizer = _sgd(module, self.learning_rate, self.momentum)
        forget_batches = _Cycle(len(split.y_forget), self.forget_batch_size, rng)
        steps = 0
        for _ in range(self.epochs):
            for batch in _batches(len(split.y_retain), self.batch_size, rng):
                forget = forget_batches.next()
                retain_loss = nn.functional.cross_entropy(module(split.X_retain[batch]), split.y_retain[batch])
                forget_loss = nn.functional.cross_entropy(module(split.X_forget[forget]), split.y_forget[forget])
                optimizer.zero_grad()
                (self.beta * retain_loss - (1.0 - self.beta) * forget_loss).backward()
                optimizer.step()
                steps += 1
                if _reached(module, split, self.stop_forget_accuracy):
                    return {"steps": steps, "stopped_early": True}
        return {"steps": steps, "stopped_early": False}


class RandomLabels(UncertifiedBaseline):
    """Random labels: train on ``D_r`` together with ``D_f`` relabelled at random.

    Each forget point gets a label drawn uniformly from the other classes, once per
    request. The base of SalUn (Fan et al., ICLR 2024); Zhao et al. (NeurIPS 2024) run
    it with learning rate 0.1 for 10 epochs on CIFAR.

    Args:
        epochs: passes over ``D_r ∪ D_f`` (default 5).
        learning_rate: SGD step size (default 0.02).
        momentum: SGD momentum (default 0.9).
        batch_size: rows per step (default 64).
        module_factory, hidden, training: see :class:`UncertifiedBaseline`.
    """

    name = "random-labels"

    def __init__(
        self,
        *,
        epochs: int = 5,
        learning_rate: float = 0.02,
        momentum: float = 0.9,
        batch_size: int = 64,
        module_factory: ModuleFactory | None = None,
        hidden: Sequence[int] | None = None,
        training: TrainingRecipe | Mapping[str, Any] | None = None,
    ):
        super().__init__(module_factory=module_factory, hidden=hidden, training=training)
        self.epochs, self.learning_rate, self.momentum, self.batch_size = _check_common(
            epochs=epochs, learning_rate=learning_rate, momentum=momentum, batch_size=batch_size
        )

    def knobs(self) -> dict[str, Any]:
        return {
            "epochs": self.epochs,
            "learning_rate": self.learning_rate,
            "momentum": self.momentum,
            "batch_size": self.batch_size,
        }

    def _update(self, module, teacher, split, rng):
        return _train_relabelled(self, module, split, rng, mask=None)


def _train_relabelled(
    method, module: nn.Module, split: _Split, rng: np.random.Generator, mask: list[torch.Tensor] | None
) -> dict[str, Any]:
    """Train on ``D_r ∪ D_f`` with random labels on ``D_f``; with `mask`, update only the masked weights."""
    X = torch.cat([split.X_retain, split.X_forget])
    y = torch.cat([split.y_retain, _other_labels(split.y_forget, split.n_classes, rng)])
    optimizer = _sgd(module, method.learning_rate, method.momentum)
    steps = 0
    for _ in range(method.epochs):
        for batch in _batches(len(y), method.batch_size, rng):
            optimizer.zero_grad()
            nn.functional.cross_entropy(module(X[batch]), y[batch]).backward()
            if mask is not None:
                for parameter, keep in zip(module.parameters(), mask, strict=True):
                    parameter.grad.mul_(keep)
            optimizer.step()
            steps += 1
    return {"steps": steps}


class SalUn(UncertifiedBaseline):
    """SalUn: random labels, updating only the weights most salient to the forget set.

    Saliency is ``|∇_θ CE(D_f)|`` at the model before the request. The mask keeps the
    top `mask_fraction` of all weights by saliency, with one threshold over every layer,
    and random-label training then changes only those (Fan, Liu, Zhang, Wong, Wei and
    Liu, ICLR 2024). Zhao et al. (NeurIPS 2024) run it with learning rate 0.1 for 10
    epochs on CIFAR; a fraction of 0.5 is the usual choice.

    Args:
        mask_fraction: share of weights updated, in (0, 1] (default 0.5).
        epochs, learning_rate, momentum, batch_size: as for :class:`RandomLabels`.
        module_factory, hidden, training: see :class:`UncertifiedBaseline`.
    """

    name = "salun"

    def __init__(
        self,
        *,
        mask_fraction: float = 0.5,
        epochs: int = 5,
        learning_rate: float = 0.02,
        momentum: float = 0.9,
        batch_size: int = 64,
        module_factory: ModuleFactory | None = None,
        hidden: Sequence[int] | None = None,
        training: TrainingRecipe | Mapping[str, Any] | None = None,
    ):
        super().__init__(module_factory=module_factory, hidden=hidden, training=training)
        self.mask_fraction = _validate.in_interval("mask_fraction", mask_fraction, 0.0, 1.0, low_open=True)
        self.epochs, self.learning_rate, self.momentum, self.batch_size = _check_common(
            epochs=epochs, learning_rate=learning_rate, momentum=momentum, batch_size=batch_size
        )

    def knobs(self) -> dict[str, Any]:
        return {
            "mask_fraction": self.mask_fraction,
            "epochs": self.epochs,
            "learning_rate": self.learning_rate,
            "momentum": self.momentum,
            "batch_size": self.batch_size,
        }

    def saliency_mask(self, module: nn.Module, X_forget: torch.Tensor, y_forget: torch.Tensor) -> list[torch.Tensor]:
        """Return 0/1 masks, shaped like the parameters, marking the top `mask_fraction` by ``|∇ CE(D_f)|``."""
        module.zero_grad()
        nn.functional.cross_entropy(module(X_forget), y_forget).backward()
        magnitudes = [parameter.grad.detach().abs() for parameter in module.parameters()]
        module.zero_grad()
        flat = torch.cat([magnitude.reshape(-1) for magnitude in magnitudes])
        keep = max(1, math.ceil(self.mask_fraction * flat.numel()))
        threshold = torch.topk(flat, keep).values[-1]
        return [(magnitude >= threshold).to(magnitude.dtype) for magnitude in magnitudes]

    def _update(self, module, teacher, split, rng):
        mask = self.saliency_mask(module, split.X_forget, split.y_forget)
        details = _train_relabelled(self, module, split, rng, mask=mask)
        updated = int(sum(int(keep.sum()) for keep in mask))
        return {**details, "weights_updated": updated, "weights_total": int(sum(keep.numel() for keep in mask))}


class L1Sparse(UncertifiedBaseline):
    """ℓ1-sparse fine-tuning (Jia et al., "Model Sparsity Can Simplify Machine Unlearning", NeurIPS 2023).

    Fine-tuning on ``D_r`` with loss ``CE + α_t ||θ||_1``, where ``α_t`` decays linearly
    from `l1_strength` to 0 over the steps. Zhao et al. (NeurIPS 2024) run it with
    learning rate 0.01 for 10 epochs on CIFAR.

    Args:
        l1_strength: initial ℓ1 coefficient α > 0 (default 5e-4).
        epochs, learning_rate, momentum, batch_size: as for :class:`FineTune`.
        module_factory, hidden, training: see :class:`UncertifiedBaseline`.
    """

    name = "l1-sparse"

    def __init__(
        self,
        *,
        l1_strength: float = 5e-4,
        epochs: int = 5,
        learning_rate: float = 0.02,
        momentum: float = 0.9,
        batch_size: int = 64,
        module_factory: ModuleFactory | None = None,
        hidden: Sequence[int] | None = None,
        training: TrainingRecipe | Mapping[str, Any] | None = None,
    ):
        super().__init__(module_factory=module_factory, hidden=hidden, training=training)
        self.l1_strength = _validate.positive("l1_strength", l1_strength)
        self.epochs, self.learning_rate, self.momentum, self.batch_size = _check_common(
            epochs=epochs, learning_rate=learning_rate, momentum=momentum, batch_size=batch_size
        )

    def knobs(self) -> dict[str, Any]:
        return {
            "l1_strength": self.l1_strength,
            "epochs": self.epochs,
            "learning_rate": self.learning_rate,
            "momentum": self.momentum,
            "batch_size": self.batch_size,
        }

    def _update(self, module, teacher, split, rng):
        optimizer = _sgd(module, self.learning_rate, self.momentum)
        total = self.epochs * math.ceil(len(split.y_retain) / self.batch_size)
        step = 0
        for _ in range(self.epochs):
            for batch in _batches(len(split.y_retain), self.batch_size, rng):
                strength = self.l1_strength * (1.0 - step / total)
                penalty = sum(parameter.abs().sum() for parameter in module.parameters())
                loss = nn.functional.cross_entropy(module(split.X_retain[batch]), split.y_retain[batch])
                optimizer.zero_grad()
                (loss + strength * penalty).backward()
                optimizer.step()
                step += 1
        return {"steps": step}


class Scrub(UncertifiedBaseline):
    """SCRUB (Kurmanji, Triantafillou, Hayes and Triantafillou, NeurIPS 2023).

    The model before the request is the teacher, and a copy of it, the student, is
    updated. Max steps raise the distillation loss ``KL(teacher ‖ student)`` on ``D_f``,
    and min steps lower ``γ CE(D_r) + α KL(teacher ‖ student)`` on ``D_r``. Each epoch
    makes a pass of min steps, preceded by a pass of max steps in the first
    `max_epochs` epochs. Zhao et al. (NeurIPS 2024) run it with temperature
    4, max steps in 4 of 5 epochs and learning rate 5e-3 on CIFAR. The max step is
    unbounded: on digits, 3 max epochs at rate 0.01 remove a class while 4 make the
    weights diverge.

    Args:
        epochs: epochs of min steps over ``D_r`` (default 5).
        max_epochs: epochs that start with a max pass over ``D_f``, at most `epochs` (default 3).
        temperature: distillation temperature T > 0 (default 4).
        retain_ce_weight: γ >= 0 (default 1).
        retain_kl_weight: α >= 0 (default 0.5).
        learning_rate: SGD step size (default 0.01).
        momentum: SGD momentum (default 0.9).
        batch_size: retain rows per min step (default 64).
        forget_batch_size: forget rows per max step (default 16).
        module_factory, hidden, training: see :class:`UncertifiedBaseline`.
    """

    name = "scrub"

    def __init__(
        self,
        *,
        epochs: int = 5,
        max_epochs: int = 3,
        temperature: float = 4.0,
        retain_ce_weight: float = 1.0,
        retain_kl_weight: float = 0.5,
        learning_rate: float = 0.01,
        momentum: float = 0.9,
        batch_size: int = 64,
        forget_batch_size: int = 16,
        module_factory: ModuleFactory | None = None,
        hidden: Sequence[int] | None = None,
        training: TrainingRecipe | Mapping[str, Any] | None = None,
    ):
        super().__init__(module_factory=module_factory, hidden=hidden, training=training)
        self.epochs, self.learning_rate, self.momentum, self.batch_size = _check_common(
            epochs=epochs, learning_rate=learning_rate, momentum=momentum, batch_size=batch_size
        )
        self.max_epochs = _validate.integer_at_least("max_epochs", max_epochs, 0)
        if self.max_epochs > self.epochs:
            raise _validate.fail("max_epochs", f"an integer in [0, epochs = {self.epochs}]", max_epochs)
        self.temperature = _validate.positive("temperature", temperature)
        self.retain_ce_weight = _validate.non_negative("retain_ce_weight", retain_ce_weight)
        self.retain_kl_weight = _validate.non_negative("retain_kl_weight", retain_kl_weight)
        self.forget_batch_size = _validate.integer_at_least("forget_batch_size", forget_batch_size, 1)

    def knobs(self) -> dict[str, Any]:
        return {
            "epochs": self.epochs,
            "max_epochs": self.max_epochs,
            "temperature": self.temperature,
            "retain_ce_weight": self.retain_ce_weight,
            "retain_kl_weight": self.retain_kl_weight,
            "learning_rate": self.learning_rate,
            "momentum": self.momentum,
            "batch_size": self.batch_size,
            "forget_batch_size": self.forget_batch_size,
        }

    def _update(self, module, teacher, split, rng):
        teacher.eval()
        with torch.no_grad():
            teacher_forget = teacher(split.X_forget)
            teacher_retain = teacher(split.X_retain)
        optimizer = _sgd(module, self.learning_rate, self.momentum)
        max_steps = min_steps = 0
        for epoch in range(self.epochs):
            if epoch < self.max_epochs:
                for batch in _batches(len(split.y_forget), self.forget_batch_size, rng):
                    divergence = _kl_to_teacher(module(split.X_forget[batch]), teacher_forget[batch], self.temperature)
                    optimizer.zero_grad()
                    (-divergence).backward()
                    optimizer.step()
                    max_steps += 1
            for batch in _batches(len(split.y_retain), self.batch_size, rng):
                logits = module(split.X_retain[batch])
                loss = self.retain_ce_weight * nn.functional.cross_entropy(logits, split.y_retain[batch])
                loss = loss + self.retain_kl_weight * _kl_to_teacher(logits, teacher_retain[batch], self.temperature)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                min_steps += 1
        return {"max_steps": max_steps, "min_steps": min_steps}


# -- registry -------------------------------------------------------------------------------

_MODEL = "torch classifier (MLP by default)"
_ASSUMPTIONS = "none: no guarantee is issued; the depth audit measures how deep the forgetting is"


def _builder(cls: type[UncertifiedBaseline]):
    def build(*, epsilon: float, delta: float, **hyperparameters: Any) -> UncertifiedBaseline:
        # Uncertified methods have no (ε, δ) target to meet.
        return construct(cls, hyperparameters)

    build.__qualname__ = f"build_{cls.name}"
    return build


_ENTRIES = (
    (
        FineTune,
        "fine-tuning on the retain set only (catastrophic forgetting)",
        "stores the model and the training set; E epochs over D_r per request",
    ),
    (
        GradientAscent,
        "gradient ascent on the forget set's cross-entropy (NegGrad), stopped at a forget accuracy",
        "stores the model and the training set; at most E epochs over D_f per request",
    ),
    (
        NegGradPlus,
        "descent on beta CE(D_r) - (1 - beta) CE(D_f) (Kurmanji et al. 2023), stopped at a forget accuracy",
        "stores the model and the training set; at most E epochs over D_r, each step with a D_f batch",
    ),
    (
        RandomLabels,
        "training on D_r and on D_f relabelled with random other classes",
        "stores the model and the training set; E epochs over D_r and D_f per request",
    ),
    (
        L1Sparse,
        "fine-tuning on D_r with a linearly decaying l1 penalty (Jia et al. 2023)",
        "stores the model and the training set; E epochs over D_r per request",
    ),
    (
        Scrub,
        "teacher-student distillation, max on D_f and min on D_r (Kurmanji et al. 2023)",
        "stores the model and the training set; E epochs over D_r and up to E over D_f, two forward passes each",
    ),
    (
        SalUn,
        "random labels restricted to the weights most salient to D_f (Fan et al. 2024)",
        "stores the model and the training set; one gradient over D_f, then E epochs over D_r and D_f",
    ),
)

for _cls, _summary, _cost in _ENTRIES:
    register(
        MethodInfo(
            name=_cls.name,
            guarantee="uncertified",
            summary=_summary,
            assumptions=_ASSUMPTIONS,
            cost=_cost,
            model=_MODEL,
            build=_builder(_cls),
        )
    )

__all__ = [
    "BaselineState",
    "FineTune",
    "GradientAscent",
    "L1Sparse",
    "NegGradPlus",
    "RandomLabels",
    "SalUn",
    "Scrub",
    "UncertifiedBaseline",
]
