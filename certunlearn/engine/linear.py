"""L2-regularised logistic regression: the model and the exact optimisation it needs.

Binary problems use one weight vector with labels ±1; problems with K > 2 classes use
K one-vs-rest weight vectors, solved jointly. The objective of each column k is

    L_b(w; D) = Σ_i ℓ(y_ik wᵀx_i) + (λ n / 2) ||w||² + b_kᵀ w,   ℓ(z) = log(1 + e^{−z}),

with ``y_ik = +1`` when example i has class k and −1 otherwise, and ``b_k`` the loss
perturbation of certified removal (Guo et al. 2020); ``b = 0`` gives plain
regularised logistic regression. Everything runs in float64 on the CPU.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch

from .base import Model

#: ``sup_z |ℓ'''(z)|`` for the logistic loss, attained where ``σ(z) = (3 ± √3)/6``:
#: the Lipschitz constant of ``ℓ''`` (proved in proofs/newton_residual.md).
LOGISTIC_HESSIAN_LIPSCHITZ = 1.0 / (6.0 * math.sqrt(3.0))

DTYPE = torch.float64


def signed_targets(y: np.ndarray | torch.Tensor, n_columns: int) -> torch.Tensor:
    """Return the ±1 target matrix (n × n_columns) for labels ``0..K-1``.

    ``n_columns == 1`` encodes a binary problem (class 1 is +1); otherwise column k
    is the one-vs-rest problem of class k.
    """
    labels = torch.as_tensor(np.asarray(y), dtype=torch.long)
    if n_columns == 1:
        return (2.0 * labels - 1.0).to(DTYPE).unsqueeze(1)
    columns = torch.arange(n_columns)
    return torch.where(labels.unsqueeze(1) == columns, 1.0, -1.0).to(DTYPE)


def columns_for(n_classes: int) -> int:
    return 1 if n_classes == 2 else n_classes


def gradient(
    W: torch.Tensor, X: torch.Tensor, T: torch.Tensor, *, regularization: float, b: torch.Tensor
) -> torch.Tensor:
    """∇L_b(W; D) for every column: ``−Xᵀ(T ⊙ σ(−T ⊙ XW)) + λ n W + b`` (d × columns)."""
    margins = T * (X @ W)
    # (vᵀX)ᵀ rather than Xᵀv: the row-vector product streams X in memory order, which
    # torch 2.13 runs several times faster for tall X.
    return -((T * torch.sigmoid(-margins)).T @ X).T + regularization * X.shape[0] * W + b


def curvature(W: torch.Tensor, X: torch.Tensor, T: torch.Tensor) -> torch.Tensor:
    """Per-example second derivatives ``ℓ''(y wᵀx) = σ(z)(1 − σ(z))`` (n × columns)."""
    probabilities = torch.sigmoid(T * (X @ W))
    return probabilities * (1.0 - probabilities)


def hessians(W: torch.Tensor, X: torch.Tensor, T: torch.Tensor, *, regularization: float) -> torch.Tensor:
    """∇²L_b(W; D) for every column: ``Xᵀ diag(ℓ'') X + λ n I`` (columns × d × d)."""
    weights = curvature(W, X, T)
    stacked = torch.einsum("nk,ni->kin", weights, X) @ X
    identity = torch.eye(X.shape[1], dtype=DTYPE)
    return stacked + regularization * X.shape[0] * identity


def newton_solve(H: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """Return ``H_k⁻¹ g_k`` for every column k (H: columns × d × d, g: d × columns)."""
    factor = torch.linalg.cholesky(H)
    return torch.cholesky_solve(g.T.unsqueeze(-1), factor).squeeze(-1).T


def minimise(
    X: torch.Tensor,
    T: torch.Tensor,
    *,
    regularization: float,
    b: torch.Tensor,
    tolerance: float = 1e-10,
    max_iterations: int = 100,
) -> tuple[torch.Tensor, int]:
    """Minimise ``L_b`` with damped Newton steps until ``||∇L_b||_F ≤ tolerance · n``.

    The objective is λn-strongly convex, so Newton's method converges quadratically
    once close; backtracking on the objective keeps the first steps safe. Near the
    optimum the decrease of the objective falls below its rounding error, so a step is
    accepted when the objective grows by no more than that rounding error.

    Returns:
        The minimiser (d × columns) and the number of Newton iterations taken.

    Warns:
        RuntimeWarning: when `max_iterations` pass without reaching the tolerance; the
        gradient norm reached is in the message (certified callers account for it).
    """
    n = X.shape[0]
    W = torch.zeros(X.shape[1], T.shape[1], dtype=DTYPE)

    def objective(candidate: torch.Tensor) -> torch.Tensor:
        margins = T * (X @ candidate)
        loss = torch.nn.functional.softplus(-margins).sum()
        return loss + 0.5 * regularization * n * (candidate**2).sum() + (b * candidate).sum()

    current = objective(W)
    for iteration in range(1, max_iterations + 1):
        g = gradient(W, X, T, regularization=regularization, b=b)
        if torch.linalg.norm(g) <= tolerance * n:
            return W, iteration - 1
        step = newton_solve(hessians(W, X, T, regularization=regularization), g)
        slack = 1e-12 * (abs(float(current)) + 1.0)
        scale = 1.0
        while True:
            candidate = W - scale * step
            value = objective(candidate)
            if value <= current + slack or scale < 1e-8:
                break
            scale *= 0.5
        W, current = candidate, value
    final = torch.linalg.norm(gradient(W, X, T, regularization=regularization, b=b)).item()
    if final > tolerance * n:
        warnings.warn(
            f"Newton minimisation stopped after {max_iterations} iterations with gradient norm {final:.3g} "
            f"above the tolerance {tolerance * n:.3g}",
            RuntimeWarning,
            stacklevel=2,
        )
    return W, max_iterations


class LinearModel(Model):
    """A logistic-regression model: binary (one column) or one-vs-rest (K columns)."""

    def __init__(self, weights: torch.Tensor):
        self.weights = weights.detach().to(DTYPE).clone()

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.weights.shape)

    def parameters(self) -> torch.Tensor:
        return self.weights.reshape(-1).clone()

    def scores(self, X: np.ndarray | torch.Tensor) -> torch.Tensor:
        return torch.as_tensor(X, dtype=DTYPE) @ self.weights

    def true_class_confidence(self, theta: torch.Tensor, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        W = theta.reshape(self.shape)
        logits = X @ W
        if self.shape[1] == 1:
            return torch.sigmoid((2.0 * y.to(DTYPE) - 1.0) * logits[:, 0])
        return torch.sigmoid(torch.gather(logits, 1, y.unsqueeze(1))[:, 0])

    def predict(self, X: np.ndarray) -> np.ndarray:
        scores = self.scores(X)
        if self.shape[1] == 1:
            return (scores[:, 0] > 0).long().numpy()
        return scores.argmax(dim=1).numpy()
