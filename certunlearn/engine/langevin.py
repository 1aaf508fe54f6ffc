"""Langevin unlearning: projected noisy gradient descent continued on the retained data.

Chien, Wang, Chen and Li (NeurIPS 2024) learn with the projected Langevin chain

    W ← Π_R(W − η ∇F_D(W) + N(0, σ²I))

(their noise ``√(2η)·σ_L`` is ``σ`` here) and unlearn by running the same chain on the
retained data D′ for K more steps. Their certificate bounds the Rényi divergence after
K steps by ``e^{−μηK/α} ε₀(α)`` through a log-Sobolev inequality of the chain's
stationary law. It assumes that the learning chain has converged to that law, and it
uses replacement adjacency.

This implementation certifies removal adjacency (the reference is learning on D′ from
``W = 0`` for the same T steps) without any convergence assumption: privacy
amplification by iteration compares the last T steps of the unlearning chain with the
reference step by step (``proofs/langevin_unlearning.md``). Removing m of n points
changes the full-batch gradient map by at most ``2ηmL/n``; the bound is ``D_α ≤ αρ``,
converted to (ε, δ) by the bounds module, and K is the least number of steps that meets
the target. For long learning chains it is at most half the published converged-chain
bound at every order, with the contraction ``(1 − ημ)^{2K}`` in place of
``e^{−μηK/α}``.
"""

from __future__ import annotations

from typing import Any

from ._convex_noisy import NoisyProjectedDescent
from .base import Unlearner
from .registry import MethodInfo, register


class LangevinUnlearning(NoisyProjectedDescent):
    """Full-batch projected noisy gradient descent (Chien et al. 2024, Langevin unlearning).

    Args:
        epsilon: target ε > 0 of the (ε, δ) certificate.
        delta: target δ in (0, 1).
        regularization: λ > 0 of the mean-scaled penalty ``(λ/2)||W||²``.
        sigma: standard deviation σ > 0 of the Gaussian noise added at every step.
        step_size: η in (0, 2/(1/4 + λ)); default ``1/(1/4 + λ)``.
        steps: T ≥ 1, the steps of learning and of the reference.
        radius: R > 0 of the projection ball; default ``L/λ`` (L = √columns).
    """

    name = "langevin"
    algorithm = "langevin (Chien, Wang, Chen and Li 2024, projected noisy gradient descent continued on D')"
    _epochs_name = "steps"

    def __init__(
        self,
        *,
        epsilon: float = 1.0,
        delta: float = 1e-5,
        regularization: float = 1e-2,
        sigma: float = 0.01,
        step_size: float | None = None,
        steps: int = 500,
        radius: float | None = None,
    ):
        super().__init__(
            epsilon=epsilon,
            delta=delta,
            regularization=regularization,
            sigma=sigma,
            step_size=step_size,
            epochs=steps,
            batches=1,
            radius=radius,
            partition_seed=0,
        )

    def hyperparameters(self) -> dict[str, Any]:
        values = super().hyperparameters()
        del values["batches"], values["partition_seed"]
        return values

    def _partition_description(self) -> str:
        return "full batch: every step uses every retained point"


def _build(*, epsilon: float, delta: float, **hyperparameters: Any) -> Unlearner:
    return LangevinUnlearning(epsilon=epsilon, delta=delta, **hyperparameters)


register(
    MethodInfo(
        name="langevin",
        guarantee="certified",
        summary="projected noisy gradient descent continued on the retained data (Chien et al. 2024, Langevin "
        "unlearning), certified by privacy amplification by iteration",
        assumptions="L2-regularised logistic regression; feature rows of norm <= 1; removal adjacency; no "
        "convergence of the learning chain assumed",
        cost="stores the weights and the data; K full-gradient noisy steps per request (K grows with log m); "
        "retrains when K would reach the T learning steps",
        model="logistic regression (binary or one-vs-rest)",
        build=_build,
    )
)
