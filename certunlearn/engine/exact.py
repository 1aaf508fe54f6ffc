"""Exact unlearning: retraining from scratch, and SISA (Bourtoule et al. 2021).

An exact method releases a model whose law equals the reference mechanism's, training
on the retained data only. Each issues the (ε = 0, δ = 0) certificate, which the
verifier checks like any other: with ``h(p) = p`` it flags any radius where the depth
distributions of released and reference models differ beyond the confidence bands.

Both methods retrain on every request: :class:`Retrain` the whole model, :class:`Sisa`
only the stages of the shards that held a deleted point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from .. import _validate
from ..bounds import Assumption, EpsilonDeltaCertificate
from . import linear
from ._baseline_sisa import ShardedEnsemble, Sisa, SisaState, expected_shards_touched, sisa_cost_fraction
from ._baseline_training import (
    ModuleFactory,
    TrainingRecipe,
    construct,
    describe_factory,
    exact_certificate,
    module_factory_for,
    retained_after,
)
from .base import DeletionRequest, Model, Unlearner, UnlearningOutcome
from .linear import DTYPE, LinearModel
from .registry import MethodInfo, register
from .torch_models import TorchModel

MODELS = ("mlp", "logistic")


@dataclass(frozen=True, eq=False)
class RetrainState:
    """Retraining's state between requests: the training set, the retained mask and the model."""

    X: np.ndarray
    y: np.ndarray
    remaining: np.ndarray
    model: Model
    n_classes: int
    requests: int = 0


class Retrain(Unlearner):
    """Exact unlearning by training from scratch on the retained data, with fresh randomness.

    The released model is a draw of the reference mechanism itself, so its certificate
    is exact, (ε, δ) = (0, 0), for any sequence of requests, including requests that
    depend on earlier released models.

    Args:
        model: ``"mlp"``, a torch classifier trained by `training`, or ``"logistic"``,
            L2-regularised logistic regression (one-vs-rest for more than two classes)
            minimised exactly, which has no randomness at all.
        module_factory: ``"mlp"`` only: ``factory(n_features, n_classes, *, rng) -> nn.Module``;
            by default an MLP with the `hidden` widths.
        hidden: ``"mlp"`` only: hidden-layer widths of the default MLP (default ``(64,)``).
        training: ``"mlp"`` only: a :class:`TrainingRecipe` or a mapping of its fields.
        regularization: ``"logistic"`` only: λ > 0 of the penalty ``(λn/2)||w||²``
            (default 3e-3, as the certified Newton method uses).
    """

    name = "retrain"
    guarantee = "exact"

    def __init__(
        self,
        *,
        model: str = "mlp",
        module_factory: ModuleFactory | None = None,
        hidden: Sequence[int] | None = None,
        training: TrainingRecipe | Mapping[str, Any] | None = None,
        regularization: float | None = None,
    ):
        self.model = _validate.one_of("model", model, MODELS)
        if self.model == "mlp":
            if regularization is not None:
                allowed = "omitted for model='mlp' (it applies to 'logistic')"
                raise _validate.fail("regularization", allowed, regularization)
            self.module_factory = module_factory_for(module_factory, hidden)
            self.training = TrainingRecipe.from_value(training)
        else:
            for option, value in (("module_factory", module_factory), ("hidden", hidden), ("training", training)):
                if value is not None:
                    raise _validate.fail(option, "omitted for model='logistic' (it applies to 'mlp')", value)
            chosen = 3e-3 if regularization is None else regularization
            self.regularization = _validate.positive("regularization", chosen)

    def hyperparameters(self) -> dict[str, Any]:
        if self.model == "logistic":
            return {"model": self.model, "regularization": self.regularization}
        return {
            "model": self.model,
            "module": describe_factory(self.module_factory),
            "training": self.training.to_dict(),
        }

    def _train(self, X: np.ndarray, y: np.ndarray, n_classes: int, rng: np.random.Generator) -> Model:
        if self.model == "logistic":
            features = torch.as_tensor(X, dtype=DTYPE)
            targets = linear.signed_targets(y, linear.columns_for(n_classes))
            zero = torch.zeros(features.shape[1], targets.shape[1], dtype=DTYPE)
            weights, _ = linear.minimise(features, targets, regularization=self.regularization, b=zero)
            return LinearModel(weights)
        module = self.module_factory(X.shape[1], n_classes, rng=rng)
        return TorchModel(self.training.train(module, X, y, rng=rng))

    def fit(self, X: np.ndarray, y: np.ndarray, *, n_classes: int, rng: np.random.Generator) -> RetrainState:
        X, y = np.asarray(X), np.asarray(y)
        model = self._train(X, y, n_classes, rng)
        return RetrainState(X=X, y=y, remaining=np.ones(len(y), dtype=bool), model=model, n_classes=n_classes)

    def model_of(self, state: RetrainState) -> Model:
        return state.model

    def reference(
        self, X_retain: np.ndarray, y_retain: np.ndarray, *, n_classes: int, rng: np.random.Generator
    ) -> Model:
        return self._train(np.asarray(X_retain), np.asarray(y_retain), n_classes, rng)

    def unlearn(self, state: RetrainState, request: DeletionRequest, *, rng: np.random.Generator) -> UnlearningOutcome:
        """Train from scratch on the points retained after `request`, drawing all randomness from `rng`."""
        remaining = retained_after(state.remaining, request)
        model = self._train(state.X[remaining], state.y[remaining], state.n_classes, rng)
        new_state = replace(state, remaining=remaining, model=model, requests=state.requests + 1)
        details = {
            "kind": request.kind,
            "removed": len(request),
            "retained": int(remaining.sum()),
            "requests": new_state.requests,
            "retrained_from_scratch": True,
            "note": "exact retraining trains a new model from scratch on every request",
        }
        return UnlearningOutcome(
            model=model, state=new_state, certificate=self.certificate(new_state), retrained=True, details=details
        )

    def certificate(self, state: RetrainState) -> EpsilonDeltaCertificate:
        """Return the exact (0, 0) certificate of the state's model against :meth:`reference`."""
        if self.model == "logistic":
            procedure = Assumption(
                name="same training procedure",
                value=f"exact minimiser of L2-regularised logistic regression (lambda = {self.regularization:g}), "
                "as the reference computes it",
                checked=True,
                detail="by construction: the minimisation is deterministic, so released and reference models are equal",
            )
        else:
            procedure = Assumption(
                name="same training procedure",
                value="the reference's recipe and architecture, with fresh randomness",
                checked=True,
                detail="by construction: unlearning calls the reference mechanism on the retained data",
            )
        return exact_certificate(algorithm="retrain", requests=state.requests, assumptions=(procedure,))


# -- registry -------------------------------------------------------------------------------


def _build_retrain(*, epsilon: float, delta: float, **hyperparameters: Any) -> Retrain:
    # Exact methods need no target: their certificate is (0, 0) whatever (ε, δ) is asked.
    return construct(Retrain, hyperparameters)


def _build_sisa(*, epsilon: float, delta: float, **hyperparameters: Any) -> Sisa:
    return construct(Sisa, hyperparameters)


register(
    MethodInfo(
        name="retrain",
        guarantee="exact",
        summary="retraining from scratch on the retained data: the reference mechanism itself",
        assumptions="none beyond using the reference's training procedure with fresh randomness",
        cost="stores the training set; one full training run per request",
        model="torch classifier (MLP by default) or L2-regularised logistic regression",
        build=_build_retrain,
    )
)

register(
    MethodInfo(
        name="sisa",
        guarantee="exact",
        summary="sharded, isolated, sliced and aggregated training (Bourtoule et al. 2021): retrains only "
        "the touched shards from the checkpoint before the deleted point's slice",
        assumptions="shard and slice assignment and training seeds independent of the data; requests chosen "
        "independently of the released models (Gupta et al. 2021)",
        cost="stores S x R checkpoints; per touched shard (2R+1)/(3R) of a shard retrain in expectation; "
        "K random points touch S(1 - (1 - 1/S)^K) of the S shards",
        model="ensemble of S torch classifiers (MLP by default), majority vote or averaged probabilities",
        build=_build_sisa,
    )
)

__all__ = [
    "MODELS",
    "Retrain",
    "RetrainState",
    "ShardedEnsemble",
    "Sisa",
    "SisaState",
    "expected_shards_touched",
    "sisa_cost_fraction",
]
