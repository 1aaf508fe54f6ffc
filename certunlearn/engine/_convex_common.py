"""Shared pieces of the convex certified methods: the objective, its constants, and releases.

The methods of :mod:`.sekhari`, :mod:`.descent_to_delete`, :mod:`.langevin` and
:mod:`.noisy_sgd` fit L2-regularised logistic regression, binary or with K one-vs-rest
columns, on feature rows of norm at most 1. With ``n`` training points, the mean-scaled
objective is

    F_D(W) = (1/n) Σ_{i∈D} f_i(W) + (λ/2) ||W||²,   f_i(W) = Σ_k ℓ(y_ik w_kᵀ x_i),

with ``ℓ(z) = log(1 + e^{−z})``; it has the same minimiser as the sum-scaled objective
of :mod:`.linear` (which multiplies it by ``n``). For every dataset whose rows have
norm at most 1, and at every ``W`` (``proofs/descent_to_delete.md``, statements 1 to 3):

* F_D is μ-strongly convex with μ = λ and β-smooth with β = 1/4 + λ, because
  ``0 < ℓ'' ≤ 1/4`` and ``(1/n) Σ x_i x_iᵀ ⪯ I``;
* ``||∇f_i(W)||₂ ≤ L = √K`` (``L = 1`` for a binary problem), because ``|ℓ'| < 1`` in
  each column;
* removing m of the n points changes ``∇F`` by at most ``2mL/n`` in norm, everywhere:
  the penalty is the same for both datasets and cancels.

Arrays here are numpy float64 of shape ``(d, columns)`` for weights and ``(n, columns)``
for the ±1 targets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import expit

from .. import _numerics, _validate
from ..bounds.certificate import Assumption
from ..bounds.gaussian import calibrate_gdp_mu, gaussian_epsilon
from . import linear
from .base import DeletionRequest
from .linear import LinearModel

#: ``sup_z ℓ''(z)`` for the logistic loss, attained at z = 0.
LOSS_CURVATURE_BOUND = 0.25

# Floating-point rows normalised to norm 1 may come out a few ulps above 1; rows within
# this relative margin are accepted (the constants above change by as little).
_NORM_TOLERANCE = 1e-12


@dataclass(frozen=True, eq=False)
class Problem:
    """A training set as the convex methods use it.

    Attributes:
        X: features, ``(n, d)`` float64, every row of norm at most 1.
        targets: ±1 targets, ``(n, columns)``, one column per one-vs-rest problem.
        labels: the integer labels, ``(n,)``.
        n_classes: number of classes K (``columns`` is 1 when K = 2).
        max_feature_norm: the largest row norm.
    """

    X: np.ndarray
    targets: np.ndarray
    labels: np.ndarray
    n_classes: int
    max_feature_norm: float

    @property
    def columns(self) -> int:
        return int(self.targets.shape[1])

    @property
    def dimension(self) -> int:
        return int(self.X.shape[1])


def make_problem(X: np.ndarray, y: np.ndarray, *, n_classes: int) -> Problem:
    """Check the data the certificates assume and return it as a :class:`Problem`.

    Raises:
        InvalidArgumentError: when a row has norm above 1, a label lies outside
            ``0..n_classes-1``, or the shapes disagree.
    """
    n_classes = _validate.integer_at_least("n_classes", n_classes, 2)
    features = np.ascontiguousarray(np.asarray(X, dtype=np.float64))
    labels = np.asarray(y)
    if features.ndim != 2 or labels.ndim != 1 or len(features) != len(labels) or len(labels) == 0:
        raise _validate.fail("X, y", "a non-empty (n, d) feature array and n labels", (features.shape, labels.shape))
    if not np.all(np.isfinite(features)):
        raise _validate.fail("X", "finite features", "NaN or infinite entries")
    if np.any(labels < 0) or np.any(labels >= n_classes) or np.any(labels != np.round(labels)):
        raise _validate.fail("y", f"integer labels in [0, {n_classes - 1}]", np.unique(labels)[:5])
    labels = labels.astype(np.int64)
    largest = float(np.linalg.norm(features, axis=1).max())
    if largest > 1.0 + _NORM_TOLERANCE:
        raise _validate.fail(
            "X",
            "rows of l2 norm <= 1, the bound the certificates assume (load_dataset scales rows so)",
            f"largest row norm {largest:.6g}",
        )
    targets = linear.signed_targets(labels, linear.columns_for(n_classes)).numpy()
    return Problem(X=features, targets=targets, labels=labels, n_classes=n_classes, max_feature_norm=largest)


def loss_lipschitz(columns: int) -> float:
    """Return ``L = √columns`` rounded up: the bound on every per-example loss gradient."""
    return float(_numerics.up(math.sqrt(columns)))


def smoothness(regularization: float) -> float:
    """Return ``β = 1/4 + λ`` rounded up: the smoothness of F_D for every dataset."""
    return float(_numerics.up(LOSS_CURVATURE_BOUND + regularization))


def removal_gradient_shift(*, removed: int, size: int, lipschitz: float) -> float:
    """Return ``2mL/n`` rounded up: how far removing m of n points moves ``∇F`` (or 0)."""
    if removed == 0:
        return 0.0
    return float(_numerics.pad_up(2.0 * removed * lipschitz / size))


def contraction(*, step_size: float, strong_convexity: float, smoothness: float) -> float:
    """Return ``max(|1 − ημ|, |1 − ηβ|)`` rounded up: the Lipschitz constant of ``W ↦ W − η∇F(W)``."""
    value = max(abs(1.0 - step_size * strong_convexity), abs(1.0 - step_size * smoothness))
    return float(_numerics.pad_up(value))


def mean_gradient(weights: np.ndarray, X: np.ndarray, targets: np.ndarray, *, regularization: float) -> np.ndarray:
    """Return ``∇F`` on the rows given: ``−(1/n) Xᵀ(T ⊙ σ(−T ⊙ XW)) + λW`` (``λW`` when n = 0)."""
    if X.shape[0] == 0:
        return regularization * weights
    margins = targets * (X @ weights)
    return -(X.T @ (targets * expit(-margins))) / X.shape[0] + regularization * weights


def project(weights: np.ndarray, radius: float) -> np.ndarray:
    """Return the Euclidean projection of `weights` (all columns together) onto the ball of `radius`."""
    norm = float(np.linalg.norm(weights))
    if norm <= radius:
        return weights
    return weights * (radius / norm)


def release(weights: np.ndarray, *, sigma: float, rng: np.random.Generator) -> LinearModel:
    """Return the model ``W + N(0, σ² I)`` (fresh noise from `rng`)."""
    noise = rng.normal(0.0, sigma, size=weights.shape)
    return LinearModel(torch.as_tensor(weights + noise, dtype=linear.DTYPE))


def gaussian_shift_budget(*, sigma: float, epsilon: float, delta: float) -> float:
    """Return the largest shift Δ (rounded down) that Gaussian noise σ hides at (ε, δ).

    ``N(a, σ²I)`` and ``N(b, σ²I)`` are (ε, δ)-indistinguishable in both directions when
    ``||a − b||₂ ≤ Δ``: the analytic Gaussian mechanism (Balle and Wang 2018) with
    ``Δ/σ`` the largest ratio whose privacy profile meets δ at ε.
    """
    ratio = float(calibrate_gdp_mu(epsilon=epsilon, delta=delta))
    return float(_numerics.down(sigma * ratio))


def gaussian_shift_epsilon(*, sigma: float, delta: float, shift: float) -> float:
    """Return the least ε (rounded up) at which noise σ hides a shift of norm `shift` at δ."""
    if shift <= 0.0:
        return 0.0
    return float(gaussian_epsilon(sigma=sigma, delta=delta, sensitivity=shift))


def forget_positions(remaining: np.ndarray, request: DeletionRequest) -> tuple[np.ndarray, np.ndarray]:
    """Return the request's positions and the retained mask after it.

    Raises:
        InvalidArgumentError: when a position is out of range or already deleted, or
            when nothing would remain.
    """
    forget = np.asarray(request.indices, dtype=np.int64)
    if forget.max() >= len(remaining) or not np.all(remaining[forget]):
        raise _validate.fail("request", "positions of training points not yet deleted", request.indices[:5])
    after = remaining.copy()
    after[forget] = False
    if not after.any():
        raise _validate.fail("request", "a request that leaves at least one training point", len(forget))
    return forget, after


def feature_norm_assumption(problem: Problem) -> Assumption:
    return Assumption(
        name="feature norm",
        value="||x||_2 <= 1 for every training row",
        checked=True,
        detail=f"checked on the data when training: largest row norm {problem.max_feature_norm:.12g}",
    )


def strong_convexity_assumption(regularization: float) -> Assumption:
    return Assumption(
        name="strong convexity and smoothness",
        value=f"mean logistic loss + ({regularization:g}/2)||W||^2 is {regularization:g}-strongly convex and "
        f"(1/4 + {regularization:g})-smooth",
        checked=True,
        detail="by construction: logistic loss with ell'' <= 1/4 on rows of norm <= 1, plus the L2 penalty",
    )


def lipschitz_assumption(columns: int) -> Assumption:
    return Assumption(
        name="loss gradient bound",
        value=f"||grad f_i(W)||_2 <= sqrt({columns}) for every example and every W",
        checked=True,
        detail="by construction: |ell'| < 1 in each one-vs-rest column and ||x||_2 <= 1; no clipping is needed",
    )


def removal_adjacency_assumption() -> Assumption:
    return Assumption(
        name="adjacency",
        value="removal: the reference is the same algorithm trained on the retained points only",
        checked=True,
        detail="by construction of the reference mechanism; replacement adjacency is not used",
    )


def spectral_norm_upper(X: np.ndarray) -> float:
    """Return an upper bound on ``||X||₂ = sqrt(λ_max(XᵀX))`` from a symmetric eigensolver.

    The dense solver is accurate to about ``d · ulp · ||XᵀX||``; adding
    ``1e-10 · trace(XᵀX) ≥ 1e-10 λ_max`` before the square root covers it.
    """
    gram = X.T @ X
    largest = float(np.linalg.eigvalsh(gram)[-1])
    return float(_numerics.up(math.sqrt(max(largest, 0.0) + 1e-10 * float(np.trace(gram)) + 1e-300)))
