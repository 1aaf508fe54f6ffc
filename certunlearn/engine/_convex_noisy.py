"""Projected noisy gradient descent over a fixed cyclic partition, and its unlearning certificate.

The engine shared by :mod:`.langevin` (one batch: full-batch projected noisy gradient
descent, the Langevin chain of Chien, Wang, Chen and Li 2024) and :mod:`.noisy_sgd` (a
fixed cyclic partition into mini-batches, the PNSGD of the same authors).

* Learning (``A``): T epochs from ``W = 0``. An epoch visits the batches ``B_0, …, B_{k−1}``
  of the current dataset in order, and the step on batch B is

      W ← Π_R(W − η ∇F_B(W) + N(0, σ²I)),   ∇F_B(W) = (1/|B|) Σ_{i∈B} ∇f_i(W) + λW,

  with Π_R the projection onto the ball of radius R (``∇F_B = λW`` for an empty batch).
  The weights are public: every iterate is already noisy, and nothing is kept secret.
* Unlearning (``U``): K more epochs on the retained data from the current weights, with
  K the least number whose certificate meets the target (ε, δ). When K would reach T,
  the method retrains instead, and the release is then a draw from the reference
  mechanism itself.
* Reference (``R``): learning on the retained data.

Each point's batch is a keyed hash of its features and label, so it does not depend on
any other point. The batches of the retained data are therefore the batches of the
training data with the deleted points taken out, for learning and reference alike.

The certificate compares the last T epochs of the unlearning chain with the T epochs of
the reference step by step (``proofs/noisy_sgd_unlearning.md``). Both use the same
batch index at each aligned step; on batch B of a dataset D_e used by the unlearning
chain the two gradient maps differ by at most ``2ηL · |B ∖ D′| / |B|`` everywhere
(penalties cancel), and every map is c-Lipschitz with ``c = max(|1 − ηλ|, |1 − η(1/4 + λ)|)``.
Privacy amplification by iteration (:mod:`._convex_shift`) turns the drifts, the
contraction and the initial ∞-Wasserstein distance of the two windows (0 when both
start at ``W = 0``, R when only the reference does, 2R for a truncated window) into
``D_α ≤ αρ`` in both directions, converted to (ε, δ) by the bounds module. No
convergence of the learning chain is assumed.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from .. import _numerics, _validate
from ..bounds.certificate import Assumption, EpsilonDeltaCertificate, Provenance
from ..bounds.renyi import DEFAULT_ORDERS, RenyiCertificate
from . import _convex_common as common
from . import _convex_shift as shift
from .base import DeletionRequest, Unlearner, UnlearningOutcome
from .linear import DTYPE, LinearModel


@dataclass(frozen=True, eq=False)
class Segment:
    """Epochs run on one dataset: ``present`` marks its points among the training points."""

    present: np.ndarray
    epochs: int


@dataclass(frozen=True, eq=False)
class NoisyDescentState:
    """The state of projected noisy descent between requests (the weights are public).

    Attributes:
        problem: the training data.
        batch_of: each training point's batch index.
        remaining: the points not yet deleted.
        weights: the current (released) weights.
        segments: the datasets of the last epochs, oldest first, covering at least the
            last T epochs.
        epochs_run: all epochs run since training started.
        requests: requests served since training.
        rdp_slope: ρ of the current certificate (0 right after training).
    """

    problem: common.Problem
    batch_of: np.ndarray
    remaining: np.ndarray
    weights: np.ndarray
    segments: tuple[Segment, ...]
    epochs_run: int
    requests: int
    rdp_slope: float


def content_partition(X: np.ndarray, labels: np.ndarray, *, batches: int, seed: int) -> np.ndarray:
    """Return each row's batch: a keyed BLAKE2b hash of its features and label, modulo `batches`.

    A row's batch depends only on the row, the label and the seed, never on other rows.
    """
    if batches == 1:
        return np.zeros(len(labels), dtype=np.int64)
    key = int(seed).to_bytes(16, "little")
    result = np.empty(len(labels), dtype=np.int64)
    for index, (row, label) in enumerate(zip(X, labels, strict=True)):
        digest = hashlib.blake2b(row.tobytes() + int(label).to_bytes(8, "little", signed=True), digest_size=8, key=key)
        result[index] = int.from_bytes(digest.digest(), "little") % batches
    return result


class NoisyProjectedDescent(Unlearner):
    """Projected noisy (mini-batch) gradient descent with unlearning by further epochs.

    Args:
        epsilon: target ε > 0 of the (ε, δ) certificate.
        delta: target δ in (0, 1).
        regularization: λ > 0 of the mean-scaled penalty ``(λ/2)||W||²``.
        sigma: standard deviation σ > 0 of the Gaussian noise added at every step.
        step_size: η in (0, 2/(1/4 + λ)); default ``1/(1/4 + λ)``.
        epochs: T ≥ 1, the epochs of learning and of the reference.
        batches: k ≥ 1, the number of batches of the fixed cyclic partition.
        radius: R > 0 of the projection ball; default ``L/λ`` (L = √columns), which
            contains every minimiser.
        partition_seed: key ≥ 0 of the hash that assigns points to batches.
    """

    guarantee = "certified"

    #: The paper the method follows, for certificates.
    algorithm: str = ""

    def __init__(
        self,
        *,
        epsilon: float,
        delta: float,
        regularization: float,
        sigma: float,
        step_size: float | None,
        epochs: int,
        batches: int,
        radius: float | None,
        partition_seed: int,
    ):
        self.epsilon = _validate.positive("epsilon", epsilon)
        self.delta = _validate.probability_open("delta", delta)
        self.regularization = _validate.positive("regularization", regularization)
        self.sigma = _validate.positive("sigma", sigma)
        smoothness = common.smoothness(self.regularization)
        if step_size is None:
            step_size = 1.0 / smoothness
        self.step_size = _validate.in_interval(
            "step_size", step_size, 0.0, 2.0 / smoothness, low_open=True, high_open=True
        )
        self.epochs = _validate.integer_at_least(self._epochs_name, epochs, 1)
        self.batches = _validate.integer_at_least("batches", batches, 1)
        self.radius = None if radius is None else _validate.positive("radius", radius)
        self.partition_seed = _validate.integer_at_least("partition_seed", partition_seed, 0)
        self.contraction = common.contraction(
            step_size=self.step_size, strong_convexity=self.regularization, smoothness=smoothness
        )
        self.target_rdp_slope = shift.largest_rdp_slope(epsilon=self.epsilon, delta=self.delta)

    #: The hyperparameter name of T in messages (``steps`` for the full-batch chain).
    _epochs_name = "epochs"

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "epsilon": self.epsilon,
            "delta": self.delta,
            "regularization": self.regularization,
            "sigma": self.sigma,
            "step_size": self.step_size,
            self._epochs_name: self.epochs,
            "batches": self.batches,
            "radius": self.radius,
            "partition_seed": self.partition_seed,
            "contraction": self.contraction,
            "target_rdp_slope": self.target_rdp_slope,
        }

    def radius_for(self, columns: int) -> float:
        """Return R: the given radius, or ``L/λ`` rounded up."""
        if self.radius is not None:
            return self.radius
        return float(_numerics.up(common.loss_lipschitz(columns) / self.regularization))

    # -- A: learning -------------------------------------------------------------------

    def fit(self, X: np.ndarray, y: np.ndarray, *, n_classes: int, rng: np.random.Generator) -> NoisyDescentState:
        problem = common.make_problem(X, y, n_classes=n_classes)
        batch_of = content_partition(problem.X, problem.labels, batches=self.batches, seed=self.partition_seed)
        return self._train(problem, batch_of, np.ones(len(problem.labels), dtype=bool), rng)

    def _train(
        self, problem: common.Problem, batch_of: np.ndarray, retained: np.ndarray, rng: np.random.Generator
    ) -> NoisyDescentState:
        start = np.zeros((problem.dimension, problem.columns))
        weights = self._run(start, problem, batch_of, retained, self.epochs, rng)
        return NoisyDescentState(
            problem=problem,
            batch_of=batch_of,
            remaining=retained.copy(),
            weights=weights,
            segments=(Segment(present=retained.copy(), epochs=self.epochs),),
            epochs_run=self.epochs,
            requests=0,
            rdp_slope=0.0,
        )

    def _run(
        self,
        weights: np.ndarray,
        problem: common.Problem,
        batch_of: np.ndarray,
        present: np.ndarray,
        epochs: int,
        rng: np.random.Generator,
    ) -> np.ndarray:
        radius = self.radius_for(problem.columns)
        rows = [np.flatnonzero(present & (batch_of == batch)) for batch in range(self.batches)]
        data = [(problem.X[index], problem.targets[index]) for index in rows]
        for _ in range(epochs):
            noise = rng.normal(0.0, self.sigma, size=(self.batches, *weights.shape))
            for batch, (X, targets) in enumerate(data):
                gradient = common.mean_gradient(weights, X, targets, regularization=self.regularization)
                weights = common.project(weights - self.step_size * gradient + noise[batch], radius)
        return weights

    def model_of(self, state: NoisyDescentState) -> LinearModel:
        return LinearModel(torch.as_tensor(state.weights, dtype=DTYPE))

    # -- R: reference ------------------------------------------------------------------

    def reference(
        self, X_retain: np.ndarray, y_retain: np.ndarray, *, n_classes: int, rng: np.random.Generator
    ) -> LinearModel:
        problem = common.make_problem(X_retain, y_retain, n_classes=n_classes)
        batch_of = content_partition(problem.X, problem.labels, batches=self.batches, seed=self.partition_seed)
        state = self._train(problem, batch_of, np.ones(len(problem.labels), dtype=bool), rng)
        return self.model_of(state)

    # -- U: unlearning -----------------------------------------------------------------

    def unlearn(
        self, state: NoisyDescentState, request: DeletionRequest, *, rng: np.random.Generator
    ) -> UnlearningOutcome:
        _, remaining = common.forget_positions(state.remaining, request)
        epochs, slope = self.least_epochs(state, remaining)
        details: dict[str, Any] = {
            "removed": len(request),
            "target_rdp_slope": self.target_rdp_slope,
            "rdp_slope_without_steps": self.rdp_slope_after(state, remaining, 0),
            f"training_{self._epochs_name}": self.epochs,
        }
        if epochs is not None:
            weights = self._run(state.weights, state.problem, state.batch_of, remaining, epochs, rng)
            segments = state.segments + ((Segment(present=remaining, epochs=epochs),) if epochs else ())
            new_state = replace(
                state,
                remaining=remaining,
                weights=weights,
                segments=_recent(segments, self.epochs),
                epochs_run=state.epochs_run + epochs,
                requests=state.requests + 1,
                rdp_slope=slope,
            )
            epsilon = shift.epsilon_for_rdp_slope(slope, delta=self.delta)
            retrained = False
        else:
            new_state = self._train(state.problem, state.batch_of, remaining, rng)
            epochs, epsilon, retrained = self.epochs, 0.0, True
        details.update(
            {
                "retrained": retrained,
                f"unlearning_{self._epochs_name}": epochs,
                "rdp_slope": new_state.rdp_slope,
                "epsilon": epsilon,
                "requests_since_training": new_state.requests,
            }
        )
        return UnlearningOutcome(
            model=self.model_of(new_state),
            state=new_state,
            certificate=self._certificate(new_state, epsilon, retrained),
            retrained=retrained,
            details=details,
        )

    def least_epochs(self, state: NoisyDescentState, remaining: np.ndarray) -> tuple[int | None, float]:
        """Return the least K < T whose certificate meets the target, and its ρ; ``(None, inf)`` if none.

        Bracketed bisection on K, assuming ρ decreases with K. The K returned is always
        one whose ρ was evaluated and met the target, so the result is sound either way.
        """
        target = self.target_rdp_slope
        slope = self.rdp_slope_after(state, remaining, 0)
        if slope <= target:
            return 0, slope
        high = self.epochs - 1
        if high < 1:
            return None, math.inf
        slope_high = self.rdp_slope_after(state, remaining, high)
        if slope_high > target:
            return None, math.inf
        low = 0
        while high - low > 1:
            middle = (low + high) // 2
            slope_middle = self.rdp_slope_after(state, remaining, middle)
            if slope_middle <= target:
                high, slope_high = middle, slope_middle
            else:
                low = middle
        return high, slope_high

    def rdp_slope_after(self, state: NoisyDescentState, remaining: np.ndarray, epochs: int) -> float:
        """Return ρ with ``D_α ≤ αρ`` between K = `epochs` more epochs on `remaining` and the reference."""
        segments = state.segments + ((Segment(present=remaining, epochs=epochs),) if epochs else ())
        drifts, initial_shift = self.window(segments, state.epochs_run + epochs, remaining, state)
        cost = shift.shift_cost(drifts, contraction=self.contraction, initial_shift=initial_shift)
        return shift.rdp_slope(cost, sigma=self.sigma)

    def window(
        self, segments: tuple[Segment, ...], epochs_run: int, current: np.ndarray, state: NoisyDescentState
    ) -> tuple[np.ndarray, float]:
        """Return the per-step drifts of the aligned window and its initial shift z₀.

        The window is the last T epochs (the reference's length), shortened to the last
        :func:`._convex_shift.window_steps` steps when longer. ``z₀`` is 0 when the
        unlearning chain has run exactly T epochs, because both chains start at ``W = 0``.
        It is R when the unlearning chain ran more, because its window starts somewhere in
        the ball and the reference at the centre. It is 2R for a shortened window, which
        starts somewhere in the ball for both.
        """
        lipschitz = common.loss_lipschitz(state.problem.columns)
        radius = self.radius_for(state.problem.columns)
        full = self.epochs * self.batches
        length = min(full, shift.window_steps(self.contraction) + 1)
        needed_epochs = math.ceil(length / self.batches)
        pieces = []
        for segment in reversed(segments):
            if needed_epochs <= 0:
                break
            count = min(segment.epochs, needed_epochs)
            per_batch = self._batch_drifts(segment.present, current, state.batch_of, lipschitz)
            pieces.append(np.tile(per_batch, count))
            needed_epochs -= count
        drifts = np.concatenate(pieces[::-1])[-length:]
        if length < full:
            initial_shift = 2.0 * radius
        elif epochs_run == self.epochs:
            initial_shift = 0.0
        else:
            initial_shift = radius
        return drifts, initial_shift

    def _batch_drifts(
        self, present: np.ndarray, current: np.ndarray, batch_of: np.ndarray, lipschitz: float
    ) -> np.ndarray:
        """Return ``2ηL · |B ∖ D′| / |B|`` for each batch B of the dataset `present`, rounded up."""
        sizes = np.bincount(batch_of[present], minlength=self.batches)
        removed = np.bincount(batch_of[present & ~current], minlength=self.batches)
        with np.errstate(divide="ignore", invalid="ignore"):
            drifts = np.where(removed > 0, 2.0 * self.step_size * lipschitz * removed / np.maximum(sizes, 1), 0.0)
        return _numerics.pad_up(drifts)

    def renyi_certificate(self, state: NoisyDescentState) -> RenyiCertificate:
        """Return the Rényi certificate ``D_α ≤ αρ`` of the current release on the default orders."""
        orders = np.asarray(DEFAULT_ORDERS)
        return RenyiCertificate(
            orders=tuple(orders),
            rdp=tuple(_numerics.pad_up(orders * state.rdp_slope)),
            provenance=self._provenance(state, retrained=False),
        )

    def _certificate(self, state: NoisyDescentState, epsilon: float, retrained: bool) -> EpsilonDeltaCertificate:
        return EpsilonDeltaCertificate(
            epsilon=epsilon,
            delta=0.0 if retrained else self.delta,
            provenance=self._provenance(state, retrained),
        )

    def _provenance(self, state: NoisyDescentState, retrained: bool) -> Provenance:
        problem = state.problem
        assumptions = (
            common.feature_norm_assumption(problem),
            common.strong_convexity_assumption(self.regularization),
            common.lipschitz_assumption(problem.columns),
            Assumption(
                name="contraction",
                value=f"every noiseless step map is c-Lipschitz with c = {self.contraction:.12g}",
                checked=True,
                detail=f"by construction: step size {self.step_size:.6g} < 2/beta with beta = 1/4 + lambda",
            ),
            Assumption(
                name="batch partition",
                value=self._partition_description(),
                checked=True,
                detail="by construction: a point's batch depends on that point alone, so deleting points leaves the "
                "other points' batches unchanged",
            ),
            Assumption(
                name="convergence of the learning chain",
                value="not assumed: the bound compares the finite chains of learning and reference",
                checked=True,
                detail="privacy amplification by iteration over the last T epochs; no stationary law is needed",
            ),
            common.removal_adjacency_assumption(),
        )
        if retrained:
            notes = (
                "retrained from scratch because unlearning would have needed as many epochs as training: the "
                "release is a draw from the reference mechanism itself",
            )
        else:
            notes = (
                "certifies the current release against retraining on the retained data; earlier releases are not "
                "covered by this certificate",
                f"(epsilon, delta) converted from the Renyi curve D_alpha <= alpha * {state.rdp_slope:.6g} with the "
                "Canonne-Kamath-Steinke conversion",
            )
        return Provenance(
            algorithm=self.algorithm,
            basis="data-dependent" if self.batches > 1 else "worst-case",
            bound_name="Renyi slope rho of D_alpha <= alpha * rho (both directions)",
            bound=state.rdp_slope,
            # A retraining serves the request that triggered it and restarts the count.
            requests=1 if retrained else state.requests,
            assumptions=assumptions,
            parameters=(
                ("sigma", self.sigma),
                ("regularization", self.regularization),
                ("step_size", self.step_size),
                ("contraction", self.contraction),
                ("radius", self.radius_for(problem.columns)),
                (self._epochs_name, float(self.epochs)),
                ("batches", float(self.batches)),
                ("target_epsilon", self.epsilon),
            ),
            notes=notes,
        )

    def _partition_description(self) -> str:
        return (
            f"fixed cyclic partition into {self.batches} batches by a keyed hash of each point "
            f"(seed {self.partition_seed})"
        )


def _recent(segments: tuple[Segment, ...], epochs: int) -> tuple[Segment, ...]:
    """Return the shortest suffix of `segments` covering at least `epochs` epochs."""
    suffix: list[Segment] = []
    total = 0
    for segment in reversed(segments):
        suffix.append(segment)
        total += segment.epochs
        if total >= epochs:
            break
    return tuple(reversed(suffix))
