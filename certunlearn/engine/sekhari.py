"""Newton-step deletion with Gaussian output noise (Sekhari, Acharya, Kamath and Suresh, NeurIPS 2021).

Learning (``A``) computes the minimiser ``Ŵ`` of the L2-regularised logistic objective
on the training set D (:mod:`._convex_common`). It stores the Hessian and gradient of
the sum-scaled objective ``L_D = n F_D`` at ``Ŵ`` together with the data, and it releases
``Ŵ + N(0, σ²I)``. Deleting a set U of points (``U``) downdates the stored statistics to
the retained set D′ = D ∖ U, takes one Newton step,

    W̄ = Ŵ − H′⁻¹ g′,   H′ = ∇²L_{D′}(Ŵ),   g′ = ∇L_{D′}(Ŵ),

and releases ``W̄ + N(0, σ²I)`` with fresh noise. The reference mechanism (``R``)
releases the minimiser on D′ plus the same noise. Both releases are Gaussians of the
same covariance, so they are (ε, δ)-indistinguishable in both directions exactly when
the distance of their centres is at most the shift the noise hides (Balle and Wang 2018).

The distance is bounded on the data at hand (``proofs/sekhari_newton_noise.md``).
``L_{D′}`` is ``λn′``-strongly convex, so ``||W̄ − W*_{D′}|| ≤ ||∇L_{D′}(W̄)|| / (λn′)``.
The gradient residual is bounded both by the Newton remainder of
``proofs/newton_residual.md`` and by its direct evaluation with a rounding allowance.
The smaller bound is used, plus the optimisation tolerance of the reference. Sequential requests recompute the Newton
step from the stored ``Ŵ`` with every point deleted since training (the statistics of
Sekhari et al. are those of the training set). While the bound stays within the budget
the release is certified; past it, the method retrains on the retained data, which is a
draw from the reference mechanism itself, and says so.

The worst-case form of the bound, ``2γ m² L² / (λ³ (n − m)²)`` with the third power of
λ, gives the a-priori deletion capacity reported in the outcome.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from .. import _numerics, _validate
from ..bounds.certificate import Assumption, EpsilonDeltaCertificate, Provenance
from . import _convex_common as common
from . import linear
from .base import DeletionRequest, Unlearner, UnlearningOutcome
from .linear import DTYPE, LOGISTIC_HESSIAN_LIPSCHITZ, LinearModel
from .registry import MethodInfo, register

# Relative allowance for rounding in a gradient evaluated in float64: the computed norm
# of a sum of n terms, each at most L + λ||W|| in norm, is within n · (L + λ||W||) ·
# 1e-10 of the exact one; the arithmetic error is below 1e-13 of that for n ≤ 1e6.
_GRADIENT_ROUNDING = 1e-10

# Undamped Newton steps allowed after the damped minimisation to reach the tolerance.
_POLISHING_STEPS = 10


@dataclass(frozen=True, eq=False)
class SekhariState:
    """The state of Newton-step deletion between requests.

    ``minimiser`` is secret: only noisy releases of it or of its Newton updates leave
    the state. ``hessian``, ``gradient`` and ``spectral_norm`` describe the set
    ``trained`` that ``minimiser`` was computed on.
    """

    problem: common.Problem
    trained: np.ndarray
    remaining: np.ndarray
    minimiser: torch.Tensor
    hessian: torch.Tensor
    gradient: torch.Tensor
    spectral_norm: float
    released: LinearModel
    distance_bound: float
    requests: int


class SekhariNewtonUnlearning(Unlearner):
    """Newton-step deletion from the stored Hessian plus Gaussian noise (Sekhari et al. 2021).

    Args:
        epsilon: target ε > 0 of the (ε, δ) certificate.
        delta: target δ in (0, 1).
        regularization: λ > 0 of the mean-scaled penalty ``(λ/2)||W||²``.
        sigma: standard deviation σ > 0 of the Gaussian noise added to every release.
        tolerance: the minimiser is computed until ``||∇F_D|| ≤ tolerance``, in (0, 1e-3].
    """

    name = "sekhari"
    guarantee = "certified"

    def __init__(
        self,
        *,
        epsilon: float = 1.0,
        delta: float = 1e-5,
        regularization: float = 1e-2,
        sigma: float = 0.01,
        tolerance: float = 1e-10,
    ):
        self.epsilon = _validate.positive("epsilon", epsilon)
        self.delta = _validate.probability_open("delta", delta)
        self.regularization = _validate.positive("regularization", regularization)
        self.sigma = _validate.positive("sigma", sigma)
        self.tolerance = _validate.in_interval("tolerance", tolerance, 0.0, 1e-3, low_open=True)
        self.budget = common.gaussian_shift_budget(sigma=self.sigma, epsilon=self.epsilon, delta=self.delta)

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "epsilon": self.epsilon,
            "delta": self.delta,
            "regularization": self.regularization,
            "sigma": self.sigma,
            "tolerance": self.tolerance,
            "distance_budget": self.budget,
        }

    # -- A: learning -------------------------------------------------------------------

    def fit(self, X: np.ndarray, y: np.ndarray, *, n_classes: int, rng: np.random.Generator) -> SekhariState:
        problem = common.make_problem(X, y, n_classes=n_classes)
        return self._train(problem, np.ones(len(problem.labels), dtype=bool), rng)

    def _train(self, problem: common.Problem, retained: np.ndarray, rng: np.random.Generator) -> SekhariState:
        X = torch.as_tensor(problem.X[retained])
        targets = torch.as_tensor(problem.targets[retained])
        minimiser = self._minimise(X, targets)
        return SekhariState(
            problem=problem,
            trained=retained.copy(),
            remaining=retained.copy(),
            minimiser=minimiser,
            hessian=linear.hessians(minimiser, X, targets, regularization=self.regularization),
            gradient=linear.gradient(minimiser, X, targets, regularization=self.regularization, b=0.0),
            spectral_norm=common.spectral_norm_upper(problem.X[retained]),
            released=common.release(minimiser.numpy(), sigma=self.sigma, rng=rng),
            distance_bound=0.0,
            requests=0,
        )

    def _minimise(self, X: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Return the minimiser of F on the rows given, with ``||∇F|| ≤ tolerance`` checked."""
        n = X.shape[0]
        zero = torch.zeros(X.shape[1], targets.shape[1], dtype=DTYPE)
        weights, _ = linear.minimise(X, targets, regularization=self.regularization, b=zero, tolerance=self.tolerance)
        lam = self.regularization
        gradient = linear.gradient(weights, X, targets, regularization=lam, b=0.0)
        # The damped iterations can stall a little above the tolerance when the objective
        # no longer decreases in floating point; plain Newton steps finish from there.
        for _ in range(_POLISHING_STEPS):
            if torch.linalg.norm(gradient).item() <= self.tolerance * n:
                break
            weights = weights - linear.newton_solve(linear.hessians(weights, X, targets, regularization=lam), gradient)
            gradient = linear.gradient(weights, X, targets, regularization=lam, b=0.0)
        residual = torch.linalg.norm(gradient)
        if residual.item() > self.tolerance * n:
            # The reference's error bound (tolerance/λ) would not hold for this output.
            raise RuntimeError(
                f"Newton's method did not reach the gradient tolerance {self.tolerance:g} "
                f"(mean gradient norm {residual.item() / n:.3g}); increase tolerance"
            )
        return weights

    def model_of(self, state: SekhariState) -> LinearModel:
        return state.released

    # -- R: reference ------------------------------------------------------------------

    def reference(
        self, X_retain: np.ndarray, y_retain: np.ndarray, *, n_classes: int, rng: np.random.Generator
    ) -> LinearModel:
        problem = common.make_problem(X_retain, y_retain, n_classes=n_classes)
        return self._train(problem, np.ones(len(problem.labels), dtype=bool), rng).released

    # -- U: unlearning -----------------------------------------------------------------

    def unlearn(self, state: SekhariState, request: DeletionRequest, *, rng: np.random.Generator) -> UnlearningOutcome:
        _, remaining = common.forget_positions(state.remaining, request)
        estimate, details = self.newton_estimate(state, remaining)
        capacity = self.worst_case_capacity(int(state.trained.sum()), state.problem.columns)
        if details["distance_bound"] <= self.budget:
            new_state = replace(
                state,
                remaining=remaining,
                released=common.release(estimate, sigma=self.sigma, rng=rng),
                distance_bound=details["distance_bound"],
                requests=state.requests + 1,
            )
            retrained = False
            epsilon = common.gaussian_shift_epsilon(sigma=self.sigma, delta=self.delta, shift=new_state.distance_bound)
        else:
            new_state = self._train(state.problem, remaining, rng)
            retrained = True
            epsilon = 0.0
        details.update(
            retrained=retrained,
            distance_budget=self.budget,
            budget_remaining=max(0.0, self.budget - new_state.distance_bound),
            budget_fraction_spent=new_state.distance_bound / self.budget,
            worst_case_capacity=capacity,
            requests_since_training=new_state.requests,
        )
        return UnlearningOutcome(
            model=new_state.released,
            state=new_state,
            certificate=self._certificate(new_state, epsilon, retrained),
            retrained=retrained,
            details=details,
        )

    def newton_estimate(self, state: SekhariState, remaining: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
        """Return the Newton estimate W̄ for the retained set `remaining` and its distance bound.

        The step starts from the stored minimiser with the stored Hessian and gradient,
        downdated by every point of the training set not in `remaining`. The bound on
        ``||W̄ − W*_{D′}||`` is ``(residual + allowance)/(λ n′) + reference error`` with
        residual the smaller of the Newton-remainder bound and the evaluated
        ``||∇L_{D′}(W̄)||`` (``proofs/sekhari_newton_noise.md``, statements 1, 2 and 5).
        """
        lam = self.regularization
        problem = state.problem
        deleted = state.trained & ~remaining
        X_deleted = torch.as_tensor(problem.X[deleted])
        targets_deleted = torch.as_tensor(problem.targets[deleted])
        X_retained = torch.as_tensor(problem.X[remaining])
        targets_retained = torch.as_tensor(problem.targets[remaining])
        weights = state.minimiser
        m, retained_count = int(deleted.sum()), int(remaining.sum())
        identity = torch.eye(problem.dimension, dtype=DTYPE)

        # Downdate: the deleted points' Hessians and gradients (with their share λ of the
        # penalty each) leave the sums of the training set.
        curvature = linear.curvature(weights, X_deleted, targets_deleted)
        hessian = state.hessian - torch.einsum("mk,mi->kim", curvature, X_deleted) @ X_deleted - lam * m * identity
        margins = targets_deleted * (X_deleted @ weights)
        deleted_gradient = -X_deleted.T @ (targets_deleted * torch.sigmoid(-margins))
        gradient = state.gradient - deleted_gradient - lam * m * weights
        try:
            step = -linear.newton_solve(hessian, gradient)
        except torch.linalg.LinAlgError:
            # The downdate lost positive definiteness to rounding: recompute H′ directly.
            hessian = linear.hessians(weights, X_retained, targets_retained, regularization=lam)
            step = -linear.newton_solve(hessian, gradient)
        estimate = weights + step

        solve_residual = torch.linalg.norm(gradient + torch.einsum("kij,jk->ik", hessian, step)).item()
        moved = X_retained @ step
        per_column = torch.linalg.norm(step, dim=0) * torch.linalg.norm(moved, dim=0)
        remainder = 0.5 * LOGISTIC_HESSIAN_LIPSCHITZ * state.spectral_norm * torch.linalg.norm(per_column).item()
        taylor = float(_numerics.pad_up(remainder + solve_residual, 1e-9))
        measured = torch.linalg.norm(
            linear.gradient(estimate, X_retained, targets_retained, regularization=lam, b=0.0)
        ).item()
        lipschitz = common.loss_lipschitz(problem.columns)
        allowance = _GRADIENT_ROUNDING * retained_count * (lipschitz + lam * torch.linalg.norm(estimate).item())
        # Both are bounds on the exact residual at W̄ (the first by the Newton remainder
        # for an inexact step, the second by evaluation), so the smaller one is too.
        residual = min(taylor, measured) + allowance
        distance = residual / (lam * retained_count) + self.reference_error(problem.columns)
        details = {
            "removed_since_training": m,
            "retained": retained_count,
            "newton_step_norm": torch.linalg.norm(step).item(),
            "taylor_residual_bound": taylor,
            "measured_residual": measured,
            "residual_bound": residual,
            "distance_bound": float(_numerics.pad_up(distance)),
            "worst_case_distance_bound": self.worst_case_distance(m, int(state.trained.sum()), problem.columns),
        }
        return estimate.numpy(), details

    def reference_error(self, columns: int) -> float:
        """Return a bound on how far the reference's computed minimiser is from the exact one.

        Its mean gradient is at most the tolerance plus the rounding allowance, and F is
        λ-strongly convex, so the distance is at most that over λ.
        """
        lipschitz = common.loss_lipschitz(columns)
        # ||W*|| ≤ L/λ, so λ||W|| ≤ 2L near the minimiser.
        rounding = _GRADIENT_ROUNDING * 3.0 * lipschitz
        return float(_numerics.pad_up((self.tolerance + rounding) / self.regularization))

    def worst_case_distance(self, removed: int, trained: int, columns: int) -> float:
        """Return ``2γ m² L² / (λ³ (n − m)²)``: the distance bound for any data, m of n points removed.

        It assumes the stored minimiser is exact; ``proofs/sekhari_newton_noise.md``,
        statement 3. The certificate uses the data-dependent bound instead.
        """
        if removed == 0:
            return 0.0
        lipschitz = common.loss_lipschitz(columns)
        value = 2.0 * LOGISTIC_HESSIAN_LIPSCHITZ * removed**2 * lipschitz**2
        return float(_numerics.pad_up(value / (self.regularization**3 * (trained - removed) ** 2)))

    def worst_case_capacity(self, trained: int, columns: int) -> int:
        """Return the largest m whose worst-case distance fits the budget (the a-priori capacity)."""
        room = self.budget - self.reference_error(columns)
        if room <= 0:
            return 0
        lipschitz = common.loss_lipschitz(columns)
        ratio = math.sqrt(room * self.regularization**3 / (2.0 * LOGISTIC_HESSIAN_LIPSCHITZ)) / lipschitz
        capacity = int(math.floor(ratio * trained / (1.0 + ratio)))
        while capacity > 0 and self.worst_case_distance(capacity, trained, columns) > room:
            capacity -= 1
        return capacity

    def _certificate(self, state: SekhariState, epsilon: float, retrained: bool) -> EpsilonDeltaCertificate:
        problem = state.problem
        assumptions = (
            common.feature_norm_assumption(problem),
            common.strong_convexity_assumption(self.regularization),
            common.lipschitz_assumption(problem.columns),
            Assumption(
                name="Hessian Lipschitz constant",
                value="|ell'''| <= gamma = 1/(6 sqrt 3) for the logistic loss",
                checked=True,
                detail="by construction; proved in proofs/newton_residual.md",
            ),
            Assumption(
                name="exact minimiser",
                value=f"learning and the reference stop at mean gradient norm <= {self.tolerance:g}",
                checked=True,
                detail="checked after every minimisation; the remaining distance tolerance/lambda is in the bound",
            ),
            Assumption(
                name="secret minimiser",
                value="the un-noised minimiser and its Newton updates are never released",
                checked=True,
                detail="held only in the method's state",
            ),
            common.removal_adjacency_assumption(),
        )
        notes = []
        if retrained:
            notes.append(
                "retrained from scratch because the distance bound exceeded the budget: the release is a draw "
                "from the reference mechanism itself"
            )
        else:
            notes.append(
                "certifies the current release against retraining on the retained data; earlier releases are not "
                "covered by this certificate"
            )
        return EpsilonDeltaCertificate(
            epsilon=epsilon,
            delta=0.0 if retrained else self.delta,
            provenance=Provenance(
                algorithm="sekhari (Sekhari, Acharya, Kamath and Suresh 2021, Newton step with Gaussian noise)",
                basis="data-dependent",
                bound_name="distance between the Newton estimate and the minimiser on the retained data",
                bound=state.distance_bound,
                # A retraining serves the request that triggered it and restarts the count.
                requests=1 if retrained else state.requests,
                assumptions=assumptions,
                parameters=(
                    ("sigma", self.sigma),
                    ("regularization", self.regularization),
                    ("distance_budget", self.budget),
                    ("target_epsilon", self.epsilon),
                    ("gamma", LOGISTIC_HESSIAN_LIPSCHITZ),
                    ("tolerance", self.tolerance),
                ),
                notes=tuple(notes),
            ),
        )


def _build(*, epsilon: float, delta: float, **hyperparameters: Any) -> Unlearner:
    return SekhariNewtonUnlearning(epsilon=epsilon, delta=delta, **hyperparameters)


register(
    MethodInfo(
        name="sekhari",
        guarantee="certified",
        summary="Newton step from the stored Hessian plus Gaussian output noise (Sekhari et al. 2021)",
        assumptions="L2-regularised logistic regression; feature rows of norm <= 1; removal adjacency; "
        "data-dependent distance bound (strong convexity and the Newton remainder)",
        cost="stores the minimiser, its Hessian and gradient (O(K d^2)) and the data; O(m K d^2 + K d^3 + n d K) "
        "per request; retrains when the distance bound exceeds the budget the noise hides",
        model="logistic regression (binary or one-vs-rest)",
        build=_build,
    )
)
