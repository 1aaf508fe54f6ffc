"""Descent-to-Delete, secret-state variant (Neel, Roth and Sharifi-Malvajerdi, ALT 2021).

Learning (``A``) runs ``T₀`` steps of projected gradient descent on the objective F_D of
:mod:`._convex_common` from ``θ₀ = 0`` inside the ball of radius R, keeps the iterate
secret, and releases it plus ``N(0, σ²I)``. Each deletion request (``U``) continues from
the secret iterate with I projected gradient steps on the retained data and releases the
new iterate plus fresh noise. The reference (``R``) is learning on the retained data:
``T₀`` steps from ``θ₀`` and the same noise.

With μ = λ, β = 1/4 + λ and step size η < 2/β, each projected step is a contraction
with factor ``γ = max(|1 − ημ|, |1 − ηβ|)`` towards the constrained minimiser, and
removing m of n points moves that minimiser by at most ``2mL/(λn)``
(``proofs/descent_to_delete.md``). The secret iterate after request s is therefore within

    e_s ≤ γ^{I_s} (e_{s−1} + 2 m_s L / (λ n_{s−1})),   e_0 = a = γ^{T₀} min(R, L/λ),

of the current minimiser, and the reference's iterate within ``a``, so the two released
centres are at most ``Δ_s = e_s + a`` apart. The noise hides that shift at (ε, δ) when
Δ_s is at most the analytic-Gaussian budget of σ; I_s is the least number of steps that
keeps it so (or the fixed ``iterations``). When that needs more steps than ``T₀``,
retraining is cheaper and exact, and the method retrains.

The bound depends on the data only through the sizes n and m (worst case). Neel et al.
calibrate σ from a sufficient condition of the Gaussian mechanism. The analytic
calibration used here is the least σ for the same shift, so it is never larger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .. import _numerics, _validate
from ..bounds.certificate import Assumption, EpsilonDeltaCertificate, Provenance
from . import _convex_common as common
from .base import DeletionRequest, Unlearner, UnlearningOutcome
from .linear import LinearModel
from .registry import MethodInfo, register

# Allowance for the rounding of the two gradient-descent runs compared, as a share of the
# scale min(R, L/λ) of the iterates. We estimate that each float64 step errs by about
# 1e-13 of that scale, and the contraction keeps the sum below 1e-10 for γ ≤ 0.999.
_ROUNDING_ALLOWANCE = 1e-9

# Without a fixed T₀, learning runs until γ^{T₀} min(R, L/λ) is this share of the budget,
# which leaves the rest of the budget for the error left by unlearning.
_INITIAL_ERROR_SHARE = 0.1


@dataclass(frozen=True)
class Schedule:
    """The constants of one run, fixed by the hyperparameters and the number of columns.

    Attributes:
        lipschitz: L = √columns.
        radius: R of the projection ball.
        start_distance: ``min(R, L/λ)``, a bound on ``||θ₀ − θ*||`` for every dataset.
        contraction: γ of one projected gradient step.
        initial_iterations: T₀.
        initial_error: ``a = γ^{T₀} min(R, L/λ)`` plus the rounding allowance.
    """

    lipschitz: float
    radius: float
    start_distance: float
    contraction: float
    initial_iterations: int
    initial_error: float


@dataclass(frozen=True, eq=False)
class DescentState:
    """The state of Descent-to-Delete between requests; ``secret`` is never released."""

    problem: common.Problem
    schedule: Schedule
    remaining: np.ndarray
    secret: np.ndarray
    error_bound: float
    released: LinearModel
    requests: int
    iterations_run: int


class DescentToDelete(Unlearner):
    """Perturbed projected gradient descent with a secret state (Neel et al. 2021).

    Args:
        epsilon: target ε > 0 of the (ε, δ) certificate.
        delta: target δ in (0, 1).
        regularization: λ > 0 of the mean-scaled penalty ``(λ/2)||W||²``.
        sigma: standard deviation σ > 0 of the noise added to every release.
        step_size: η in (0, 2/(1/4 + λ)); default ``2/(1/4 + 2λ)``, the step that makes
            γ = (β − μ)/(β + μ).
        iterations: steps I per request, an integer ≥ 1; default: the least that meets
            the target at each request.
        initial_iterations: training steps T₀, an integer ≥ 1; default: the least with
            ``γ^{T₀} min(R, L/λ)`` at most a tenth of the budget.
        radius: R > 0 of the projection ball; default ``L/λ``, which contains every
            minimiser.
    """

    name = "descent-to-delete"
    guarantee = "certified"

    def __init__(
        self,
        *,
        epsilon: float = 1.0,
        delta: float = 1e-5,
        regularization: float = 1e-2,
        sigma: float = 0.01,
        step_size: float | None = None,
        iterations: int | None = None,
        initial_iterations: int | None = None,
        radius: float | None = None,
    ):
        self.epsilon = _validate.positive("epsilon", epsilon)
        self.delta = _validate.probability_open("delta", delta)
        self.regularization = _validate.positive("regularization", regularization)
        self.sigma = _validate.positive("sigma", sigma)
        smoothness = common.smoothness(self.regularization)
        if step_size is None:
            step_size = 2.0 / (smoothness + self.regularization)
        self.step_size = _validate.in_interval(
            "step_size", step_size, 0.0, 2.0 / smoothness, low_open=True, high_open=True
        )
        self.iterations = None if iterations is None else _validate.integer_at_least("iterations", iterations, 1)
        if initial_iterations is not None:
            initial_iterations = _validate.integer_at_least("initial_iterations", initial_iterations, 1)
        self.initial_iterations = initial_iterations
        self.radius = None if radius is None else _validate.positive("radius", radius)
        self.budget = common.gaussian_shift_budget(sigma=self.sigma, epsilon=self.epsilon, delta=self.delta)
        self.contraction = common.contraction(
            step_size=self.step_size, strong_convexity=self.regularization, smoothness=smoothness
        )

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "epsilon": self.epsilon,
            "delta": self.delta,
            "regularization": self.regularization,
            "sigma": self.sigma,
            "step_size": self.step_size,
            "iterations": self.iterations,
            "initial_iterations": self.initial_iterations,
            "radius": self.radius,
            "contraction": self.contraction,
            "distance_budget": self.budget,
        }

    def schedule(self, columns: int) -> Schedule:
        """Return the constants of a run with `columns` one-vs-rest columns."""
        lipschitz = common.loss_lipschitz(columns)
        natural = float(_numerics.up(lipschitz / self.regularization))
        radius = natural if self.radius is None else self.radius
        start = min(radius, natural)
        allowance = _ROUNDING_ALLOWANCE * (1.0 + start)
        initial = self.initial_iterations
        if initial is None:
            initial = self._least_steps(start, _INITIAL_ERROR_SHARE * self.budget)
        return Schedule(
            lipschitz=lipschitz,
            radius=radius,
            start_distance=start,
            contraction=self.contraction,
            initial_iterations=initial,
            initial_error=self._decayed(start, initial) + allowance,
        )

    def _decayed(self, distance: float, steps: int) -> float:
        """Return ``γ^steps · distance`` rounded up."""
        if distance == 0.0:
            return 0.0
        return float(_numerics.pad_up(math.exp(steps * math.log(self.contraction)) * distance, 1e-9))

    def _least_steps(self, distance: float, target: float) -> int:
        """Return the least integer t ≥ 1 with ``γ^t · distance ≤ target`` (as evaluated)."""
        if target <= 0.0:
            raise _validate.fail("sigma", "large enough for a positive distance budget", self.sigma)
        steps = max(1, math.ceil(math.log(max(distance, target) / target) / -math.log(self.contraction)))
        while steps > 1 and self._decayed(distance, steps - 1) <= target:
            steps -= 1
        while self._decayed(distance, steps) > target:
            steps += 1
        return steps

    # -- A: learning -------------------------------------------------------------------

    def fit(self, X: np.ndarray, y: np.ndarray, *, n_classes: int, rng: np.random.Generator) -> DescentState:
        problem = common.make_problem(X, y, n_classes=n_classes)
        return self._train(problem, np.ones(len(problem.labels), dtype=bool), rng)

    def _train(self, problem: common.Problem, retained: np.ndarray, rng: np.random.Generator) -> DescentState:
        schedule = self.schedule(problem.columns)
        start = np.zeros((problem.dimension, problem.columns))
        secret = self._descend(start, problem, retained, schedule.initial_iterations, schedule.radius)
        return DescentState(
            problem=problem,
            schedule=schedule,
            remaining=retained.copy(),
            secret=secret,
            error_bound=schedule.initial_error,
            released=common.release(secret, sigma=self.sigma, rng=rng),
            requests=0,
            iterations_run=schedule.initial_iterations,
        )

    def _descend(self, weights: np.ndarray, problem: common.Problem, retained: np.ndarray, steps: int, radius: float):
        X, targets = problem.X[retained], problem.targets[retained]
        for _ in range(steps):
            gradient = common.mean_gradient(weights, X, targets, regularization=self.regularization)
            weights = common.project(weights - self.step_size * gradient, radius)
        return weights

    def model_of(self, state: DescentState) -> LinearModel:
        return state.released

    # -- R: reference ------------------------------------------------------------------

    def reference(
        self, X_retain: np.ndarray, y_retain: np.ndarray, *, n_classes: int, rng: np.random.Generator
    ) -> LinearModel:
        problem = common.make_problem(X_retain, y_retain, n_classes=n_classes)
        return self._train(problem, np.ones(len(problem.labels), dtype=bool), rng).released

    # -- U: unlearning -----------------------------------------------------------------

    def unlearn(self, state: DescentState, request: DeletionRequest, *, rng: np.random.Generator) -> UnlearningOutcome:
        _, remaining = common.forget_positions(state.remaining, request)
        schedule = state.schedule
        removed, size = len(request), int(state.remaining.sum())
        shift = common.removal_gradient_shift(removed=removed, size=size, lipschitz=schedule.lipschitz)
        sensitivity = float(_numerics.pad_up(shift / self.regularization))
        carried = float(_numerics.up(state.error_bound + sensitivity))
        room = self.budget - schedule.initial_error
        steps = self._steps_for(carried, room)

        details: dict[str, Any] = {
            "removed": removed,
            "minimiser_shift_bound": sensitivity,
            "error_before": carried,
            "distance_budget": self.budget,
            "initial_iterations": schedule.initial_iterations,
        }
        if steps is not None and steps <= schedule.initial_iterations:
            error = self._decayed(carried, steps)
            secret = self._descend(state.secret, state.problem, remaining, steps, schedule.radius)
            new_state = replace(
                state,
                remaining=remaining,
                secret=secret,
                error_bound=error,
                released=common.release(secret, sigma=self.sigma, rng=rng),
                requests=state.requests + 1,
                iterations_run=state.iterations_run + steps,
            )
            distance = float(_numerics.up(error + schedule.initial_error))
            epsilon = common.gaussian_shift_epsilon(sigma=self.sigma, delta=self.delta, shift=distance)
            retrained = False
        else:
            new_state = self._train(state.problem, remaining, rng)
            steps, distance, epsilon, retrained = schedule.initial_iterations, 0.0, 0.0, True
        details.update(
            retrained=retrained,
            iterations=steps,
            distance_bound=distance,
            budget_remaining=max(0.0, self.budget - distance),
            budget_fraction_spent=distance / self.budget,
            requests_since_training=new_state.requests,
        )
        return UnlearningOutcome(
            model=new_state.released,
            state=new_state,
            certificate=self._certificate(new_state, distance, epsilon, retrained),
            retrained=retrained,
            details=details,
        )

    def _steps_for(self, carried: float, room: float) -> int | None:
        """Return the steps I with ``γ^I · carried ≤ room``: the fixed I if it fits, else the least."""
        if room <= 0.0:
            return None
        if self.iterations is not None:
            return self.iterations if self._decayed(carried, self.iterations) <= room else None
        if carried <= room:
            return 1
        return self._least_steps(carried, room)

    def _certificate(
        self, state: DescentState, distance: float, epsilon: float, retrained: bool
    ) -> EpsilonDeltaCertificate:
        schedule = state.schedule
        assumptions = (
            common.feature_norm_assumption(state.problem),
            common.strong_convexity_assumption(self.regularization),
            common.lipschitz_assumption(state.problem.columns),
            Assumption(
                name="contraction",
                value=f"each projected gradient step contracts distances to the minimiser by "
                f"gamma = {schedule.contraction:.12g}",
                checked=True,
                detail=f"by construction: step size {self.step_size:.6g} < 2/beta with beta = 1/4 + lambda",
            ),
            Assumption(
                name="secret state",
                value="the un-noised iterate is never released",
                checked=True,
                detail="held only in the method's state; if it leaks, this certificate does not hold",
            ),
            common.removal_adjacency_assumption(),
        )
        if retrained:
            notes = (
                "retrained from scratch because unlearning would have needed more steps than training: the release "
                "is a draw from the reference mechanism itself",
            )
        else:
            notes = (
                "certifies the current release against retraining on the retained data; earlier releases are not "
                "covered by this certificate",
            )
        return EpsilonDeltaCertificate(
            epsilon=epsilon,
            delta=0.0 if retrained else self.delta,
            provenance=Provenance(
                algorithm="descent-to-delete (Neel, Roth and Sharifi-Malvajerdi 2021, secret-state perturbed "
                "projected gradient descent)",
                basis="worst-case",
                bound_name="distance between the un-noised unlearned and retrained iterates",
                bound=distance,
                # A retraining serves the request that triggered it and restarts the count.
                requests=1 if retrained else state.requests,
                assumptions=assumptions,
                parameters=(
                    ("sigma", self.sigma),
                    ("regularization", self.regularization),
                    ("step_size", self.step_size),
                    ("contraction", schedule.contraction),
                    ("radius", schedule.radius),
                    ("initial_iterations", float(schedule.initial_iterations)),
                    ("distance_budget", self.budget),
                    ("target_epsilon", self.epsilon),
                ),
                notes=notes,
            ),
        )


def _build(*, epsilon: float, delta: float, **hyperparameters: Any) -> Unlearner:
    return DescentToDelete(epsilon=epsilon, delta=delta, **hyperparameters)


register(
    MethodInfo(
        name="descent-to-delete",
        guarantee="certified",
        summary="secret-state perturbed projected gradient descent (Neel, Roth and Sharifi-Malvajerdi 2021)",
        assumptions="L2-regularised logistic regression; feature rows of norm <= 1; removal adjacency; the "
        "un-noised iterate stays secret; worst-case contraction and minimiser-shift bounds",
        cost="stores the secret iterate and the data; I full-gradient steps per request (I grows with log m); "
        "retrains when I would exceed the training steps",
        model="logistic regression (binary or one-vs-rest)",
        build=_build,
    )
)
