"""SISA training: sharded, isolated, sliced and aggregated (Bourtoule et al., IEEE S&P 2021).

The training set is split into S shards, one constituent model per shard, and each
shard into R slices. Constituent s is trained in R stages: stage r continues from the
checkpoint of stage r − 1 on slices ``0 .. r−1`` of the shard, and every stage's
parameters are checkpointed. Deleting a point in slice j of shard s reloads the
checkpoint taken before slice j joined (stage j) and retrains stages ``j+1 .. R`` of that
shard without the point; the other shards are untouched.

Exactness. Each point's shard and slice are drawn i.i.d. uniformly at fit, and every
stage trains from its own stored seed, so both are independent of the data. Deletion
reuses the stored seeds. The released ensemble therefore equals, bit for bit, SISA
trained from scratch on the retained data with the same assignment and seeds
(:meth:`Sisa.retrain_from_scratch`). Its law is that of SISA trained on the retained
data with fresh randomness (:meth:`Sisa.reference`). This needs deletion requests chosen
independently of the released models: Gupta et al. (NeurIPS 2021, "Adaptive Machine
Unlearning") attack SISA with requests that depend on them.

Cost. Stage r visits r/R of the shard per epoch. With the same number of epochs per
stage, a point in a uniformly drawn slice costs ``(2R + 1)/(3R)`` of a full shard
retrain in expectation (:func:`sisa_cost_fraction`); K requested points, each in a
uniformly drawn shard, touch ``S (1 − (1 − 1/S)^K)`` shards in expectation
(:func:`expected_shards_touched`). Each stage trains ``round(2e/(R + 1))`` epochs, so that
the R stages visit each point about ``e`` times in all, as one shard model trained for
``e`` epochs would.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import _validate
from ..bounds import Assumption, EpsilonDeltaCertificate
from ._baseline_training import (
    ModuleFactory,
    TrainingRecipe,
    describe_factory,
    exact_certificate,
    module_factory_for,
    retained_after,
)
from .base import DeletionRequest, Model, Unlearner, UnlearningOutcome
from .torch_models import DTYPE, TorchModel

AGGREGATIONS = ("vote", "probability")


def sisa_cost_fraction(slices: int) -> float:
    """Return ``(2R + 1)/(3R)``: expected retraining cost of one deleted point, as a share of a shard retrain.

    Stage r costs r units (it visits r slices), so a point in slice j costs
    ``Σ_{r ≥ j} r``; averaging over j uniform in ``1..R`` and dividing by the full cost
    ``Σ_r r = R(R+1)/2`` gives ``(2R + 1)/(3R)``: 1 for R = 1, tending to 2/3.
    """
    slices = _validate.integer_at_least("slices", slices, 1)
    return (2 * slices + 1) / (3 * slices)


def expected_shards_touched(shards: int, points: int) -> float:
    """Return ``S (1 − (1 − 1/S)^K)``: expected number of shards holding at least one of K points.

    Each point lies in a shard drawn uniformly and independently.
    """
    shards = _validate.integer_at_least("shards", shards, 1)
    points = _validate.integer_at_least("points", points, 0)
    return shards * -math.expm1(points * math.log1p(-1.0 / shards)) if shards > 1 else float(points > 0)


class ShardedEnsemble(Model):
    """Constituent torch classifiers aggregated by majority vote or by averaged probabilities.

    The flat parameter vector concatenates the constituents' vectors in shard order.
    With ``"probability"`` the confidence in label y is the mean of the constituents'
    softmax probabilities of y, and the prediction is its argmax. With ``"vote"`` the
    prediction is the majority label, and ties go to the higher averaged probability.
    The confidence in y is then a smoothed vote share: the mean over constituents of
    ``sigmoid(z_y − max_{k≠y} z_k)`` for logits z. It tends to the share of constituents
    voting y as the logit margins grow, and unlike the share it is differentiable, which
    the depth probe needs.
    """

    def __init__(self, constituents: list[TorchModel], aggregation: str = "vote"):
        self.constituents = list(constituents)
        self.aggregation = _validate.one_of("aggregation", aggregation, AGGREGATIONS)
        self._sizes = [constituent.size for constituent in self.constituents]

    @property
    def size(self) -> int:
        return int(sum(self._sizes))

    def parameters(self) -> torch.Tensor:
        return torch.cat([constituent.parameters() for constituent in self.constituents])

    def true_class_confidence(self, theta: torch.Tensor, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        shares = []
        for constituent, piece in zip(self.constituents, torch.split(theta, self._sizes), strict=True):
            logits = constituent.logits(piece, X)
            if self.aggregation == "probability":
                shares.append(torch.gather(torch.softmax(logits, dim=1), 1, y.unsqueeze(1))[:, 0])
            else:
                own = torch.gather(logits, 1, y.unsqueeze(1))[:, 0]
                is_label = nn.functional.one_hot(y, logits.shape[1]).bool()
                best_other = logits.masked_fill(is_label, -math.inf).max(dim=1).values
                shares.append(torch.sigmoid(own - best_other))
        return torch.stack(shares).mean(dim=0)

    def mean_probabilities(self, X: np.ndarray) -> np.ndarray:
        """Return the constituents' averaged softmax probabilities (n × classes)."""
        features = torch.as_tensor(X, dtype=DTYPE)
        with torch.no_grad():
            stacked = torch.stack([torch.softmax(c.module(features), dim=1) for c in self.constituents])
        return stacked.mean(dim=0).numpy()

    def predict(self, X: np.ndarray) -> np.ndarray:
        probabilities = self.mean_probabilities(X)
        if self.aggregation == "probability":
            return probabilities.argmax(axis=1)
        features = torch.as_tensor(X, dtype=DTYPE)
        with torch.no_grad():
            votes = np.stack([c.module(features).argmax(dim=1).numpy() for c in self.constituents])
        counts = np.zeros_like(probabilities)
        for labels in votes:
            counts[np.arange(len(labels)), labels] += 1
        # Averaged probabilities lie in [0, 1], so adding them to twice the counts breaks
        # ties between labels with equal counts and never overturns a majority.
        return (2.0 * counts + probabilities).argmax(axis=1)


@dataclass(frozen=True, eq=False)
class SisaState:
    """SISA's state between requests.

    Attributes:
        X, y: the full training set the method was fitted on.
        remaining: mask of points not yet deleted.
        shard_of, slice_of: each point's shard in ``0..S−1`` and slice in ``0..R−1``.
        seeds: ``seeds[s, 0]`` initialises constituent s; ``seeds[s, r]`` orders the
            mini-batches of its stage r.
        checkpoints: ``checkpoints[s][r]`` holds constituent s's parameters after stage r
            (``r = 0``: the initialisation); ``checkpoints[s][R]`` is the released one.
        template: a module of the constituents' architecture, for loading checkpoints.
        n_classes: number of classes.
        requests: deletion requests processed since fit.
    """

    X: np.ndarray
    y: np.ndarray
    remaining: np.ndarray
    shard_of: np.ndarray
    slice_of: np.ndarray
    seeds: np.ndarray
    checkpoints: tuple[tuple[dict[str, torch.Tensor], ...], ...]
    template: nn.Module
    n_classes: int
    requests: int = 0


class Sisa(Unlearner):
    """SISA exact unlearning for torch classifiers.

    Bourtoule, Chandrasekaran, Choquette-Choo, Jia, Travers, Zhang, Lie and Papernot,
    "Machine Unlearning", IEEE S&P 2021. See the module documentation for the
    exactness argument and the cost model.

    Args:
        shards: number S of shards (constituent models), >= 1.
        slices: number R of slices per shard, >= 1.
        aggregation: ``"vote"`` (majority vote, as in the paper) or ``"probability"``
            (averaged softmax probabilities).
        module_factory: ``factory(n_features, n_classes, *, rng) -> nn.Module`` for each
            constituent; by default an MLP with the `hidden` widths.
        hidden: hidden-layer widths of the default MLP (default ``(64,)``).
        training: the recipe of each constituent, a :class:`TrainingRecipe` or a mapping
            of its fields. Its ``epochs`` is the number of passes over the shard that the
            R stages share.
    """

    name = "sisa"
    guarantee = "exact"

    def __init__(
        self,
        *,
        shards: int = 5,
        slices: int = 4,
        aggregation: str = "vote",
        module_factory: ModuleFactory | None = None,
        hidden: Sequence[int] | None = None,
        training: TrainingRecipe | Mapping[str, Any] | None = None,
    ):
        self.shards = _validate.integer_at_least("shards", shards, 1)
        self.slices = _validate.integer_at_least("slices", slices, 1)
        self.aggregation = _validate.one_of("aggregation", aggregation, AGGREGATIONS)
        self.module_factory = module_factory_for(module_factory, hidden)
        self.training = TrainingRecipe.from_value(training)
        self.stage_epochs = max(1, round(2 * self.training.epochs / (self.slices + 1)))

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "shards": self.shards,
            "slices": self.slices,
            "aggregation": self.aggregation,
            "stage_epochs": self.stage_epochs,
            "module": describe_factory(self.module_factory),
            "training": self.training.to_dict(),
        }

    # -- A: learning -------------------------------------------------------------------

    def fit(self, X: np.ndarray, y: np.ndarray, *, n_classes: int, rng: np.random.Generator) -> SisaState:
        n = len(y)
        shard_of = rng.integers(0, self.shards, size=n)
        slice_of = rng.integers(0, self.slices, size=n)
        seeds = rng.integers(0, 2**63 - 1, size=(self.shards, self.slices + 1), dtype=np.int64)
        template = self._initial_module(X.shape[1], n_classes, int(seeds[0, 0]))
        state = SisaState(
            X=np.asarray(X),
            y=np.asarray(y),
            remaining=np.ones(n, dtype=bool),
            shard_of=shard_of,
            slice_of=slice_of,
            seeds=seeds,
            checkpoints=(),
            template=template,
            n_classes=n_classes,
        )
        return self.retrain_from_scratch(state)

    def _initial_module(self, n_features: int, n_classes: int, seed: int) -> nn.Module:
        return self.module_factory(n_features, n_classes, rng=np.random.default_rng(seed))

    def retrain_from_scratch(self, state: SisaState) -> SisaState:
        """Train every shard from its initialisation on the retained points, with the state's assignment and seeds.

        Deletion must give exactly these constituents, which makes this the check of exactness.
        """
        checkpoints = []
        for shard in range(self.shards):
            initial = self._initial_module(state.X.shape[1], state.n_classes, int(state.seeds[shard, 0]))
            history = [_copy_parameters(initial)] + [None] * self.slices
            self._train_stages(state, state.remaining, shard, history, first_stage=1)
            checkpoints.append(tuple(history))
        return replace(state, checkpoints=tuple(checkpoints))

    def _train_stages(
        self, state: SisaState, remaining: np.ndarray, shard: int, history: list, *, first_stage: int
    ) -> int:
        """Train stages ``first_stage .. R`` of one shard from ``history[first_stage − 1]``.

        Returns the sample visits: rows trained on, times epochs, summed over the stages.
        """
        module = copy.deepcopy(state.template)
        module.load_state_dict(history[first_stage - 1])
        in_shard = remaining & (state.shard_of == shard)
        visits = 0
        for stage in range(first_stage, self.slices + 1):
            rows = np.flatnonzero(in_shard & (state.slice_of < stage))
            stage_rng = np.random.default_rng(int(state.seeds[shard, stage]))
            self.training.train(module, state.X[rows], state.y[rows], rng=stage_rng, epochs=self.stage_epochs)
            history[stage] = _copy_parameters(module)
            visits += len(rows) * self.stage_epochs
        return visits

    def model_of(self, state: SisaState) -> ShardedEnsemble:
        constituents = []
        for history in state.checkpoints:
            module = copy.deepcopy(state.template)
            module.load_state_dict(history[-1])
            constituents.append(TorchModel(module))
        return ShardedEnsemble(constituents, self.aggregation)

    # -- R: reference ------------------------------------------------------------------

    def reference(
        self, X_retain: np.ndarray, y_retain: np.ndarray, *, n_classes: int, rng: np.random.Generator
    ) -> ShardedEnsemble:
        """Train SISA from scratch on the retained data, with a fresh assignment and fresh seeds."""
        return self.model_of(self.fit(X_retain, y_retain, n_classes=n_classes, rng=rng))

    # -- U: unlearning -----------------------------------------------------------------

    def unlearn(self, state: SisaState, request: DeletionRequest, *, rng: np.random.Generator) -> UnlearningOutcome:
        """Retrain, in each shard holding a deleted point, the stages from that point's slice on.

        `rng` is not used: retraining reuses each stage's stored seed, so that the result
        equals SISA trained from scratch on the retained data with the same seeds.
        """
        remaining = retained_after(state.remaining, request)
        forget = np.asarray(request.indices)
        checkpoints = list(state.checkpoints)
        touched = np.unique(state.shard_of[forget])
        visits = 0
        restarts = {}
        for shard in touched.tolist():
            # Stage j + 1 is the first to include slice j; checkpoint j predates it.
            first_stage = int(state.slice_of[forget[state.shard_of[forget] == shard]].min()) + 1
            history = list(checkpoints[shard])
            visits += self._train_stages(state, remaining, shard, history, first_stage=first_stage)
            checkpoints[shard] = tuple(history)
            restarts[shard] = first_stage
        new_state = replace(state, remaining=remaining, checkpoints=tuple(checkpoints), requests=state.requests + 1)

        full_visits = sum(
            int(np.sum(remaining & (state.shard_of == shard) & (state.slice_of < stage))) * self.stage_epochs
            for shard in range(self.shards)
            for stage in range(1, self.slices + 1)
        )
        details = {
            "kind": request.kind,
            "removed": int(len(forget)),
            "retained": int(remaining.sum()),
            "requests": new_state.requests,
            "shards": self.shards,
            "slices": self.slices,
            "shards_touched": int(len(touched)),
            # Valid for any request: the assignment is drawn independently of which points are deleted.
            "shards_touched_expected": expected_shards_touched(self.shards, len(forget)),
            "first_retrained_stage": {str(shard): stage for shard, stage in restarts.items()},
            "sample_visits_retrained": int(visits),
            "sample_visits_full_retrain": int(full_visits),
            "work_fraction": visits / full_visits if full_visits else 0.0,
            "expected_cost_per_touched_shard": sisa_cost_fraction(self.slices),
            "note": "retrains only the touched shards, from the checkpoint before the deleted points' "
            "earliest slice, reusing the stored seeds",
        }
        return UnlearningOutcome(
            model=self.model_of(new_state),
            state=new_state,
            certificate=self.certificate(new_state),
            retrained=False,
            details=details,
        )

    def certificate(self, state: SisaState) -> EpsilonDeltaCertificate:
        """Return the exact (0, 0) certificate of the state's ensemble against :meth:`reference`."""
        assumptions = (
            Assumption(
                name="data-independent partition",
                value="each point's shard and slice are drawn i.i.d. uniformly, independently of the data",
                checked=True,
                detail="by construction: drawn from the fit's random generator",
            ),
            Assumption(
                name="data-independent training randomness",
                value="each stage trains from its own stored seed",
                checked=True,
                detail="by construction; deletion reuses the seeds, so the ensemble equals SISA trained "
                "from scratch on the retained data with the same seeds",
            ),
            Assumption(
                name="non-adaptive requests",
                value="deletion requests are chosen independently of the released models",
                checked=False,
                detail="cannot be checked by the method; Gupta et al. (NeurIPS 2021) break SISA's "
                "guarantee with requests that depend on the released models",
            ),
        )
        notes = (
            "the reference mechanism is SISA trained from scratch on the retained data (same shards, "
            "slices and aggregation), not one model trained on all of it",
        )
        return exact_certificate(
            algorithm=f"sisa (Bourtoule et al. 2021; {self.shards} shards x {self.slices} slices)",
            requests=state.requests,
            assumptions=assumptions,
            notes=notes,
        )


def _copy_parameters(module: nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in module.state_dict().items()}


__all__ = ["AGGREGATIONS", "ShardedEnsemble", "Sisa", "SisaState", "expected_shards_touched", "sisa_cost_fraction"]
