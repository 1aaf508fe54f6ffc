"""Unlearning by projected noisy mini-batch SGD over a fixed cyclic partition (PNSGD).

Chien, Wang, Chen and Li (NeurIPS 2024) learn with projected noisy SGD that visits a
fixed partition of the data into mini-batches in a fixed order, and unlearn by running
K more epochs on the retained data. Their certificate bounds the ∞-Wasserstein distance
between the two chains by a geometric sum of per-epoch shifts ``Z_B`` and turns the
contraction ``c = 1 − ημ`` of the last K epochs into a Rényi bound, under replacement
adjacency with δ = 1/n.

This implementation certifies removal adjacency with an explicit δ. A point's batch is
a keyed hash of the point, so deleting points leaves every other batch assignment
unchanged, and the reference (learning on D′ for the same T epochs) uses the same
batches minus the deleted points. Only the steps on batches that lost points drift,
by ``2ηL · (points removed from B)/|B|``. Privacy amplification by iteration over the
last T epochs gives ``D_α ≤ αρ`` in both directions, sequential requests included
(``proofs/noisy_sgd_unlearning.md``). K is the least number of epochs meeting the target.
"""

from __future__ import annotations

from typing import Any

from ._convex_noisy import NoisyProjectedDescent
from .base import Unlearner
from .registry import MethodInfo, register


class NoisySGDUnlearning(NoisyProjectedDescent):
    """Projected noisy SGD over a fixed cyclic partition (Chien et al. 2024, PNSGD).

    Args:
        epsilon: target ε > 0 of the (ε, δ) certificate.
        delta: target δ in (0, 1).
        regularization: λ > 0 of the mean-scaled penalty ``(λ/2)||W||²``.
        sigma: standard deviation σ > 0 of the Gaussian noise added at every step.
        step_size: η in (0, 2/(1/4 + λ)); default ``1/(1/4 + λ)``.
        epochs: T ≥ 1, the epochs of learning and of the reference.
        batches: k ≥ 1, the number of mini-batches per epoch (fixed, whatever n).
        radius: R > 0 of the projection ball; default ``L/λ`` (L = √columns).
        partition_seed: key ≥ 0 of the hash that assigns points to batches.
    """

    name = "noisy-sgd"
    algorithm = "noisy-sgd (Chien, Wang, Chen and Li 2024, projected noisy SGD over a fixed cyclic partition)"

    def __init__(
        self,
        *,
        epsilon: float = 1.0,
        delta: float = 1e-5,
        regularization: float = 1e-2,
        sigma: float = 0.01,
        step_size: float | None = None,
        epochs: int = 50,
        batches: int = 10,
        radius: float | None = None,
        partition_seed: int = 0,
    ):
        super().__init__(
            epsilon=epsilon,
            delta=delta,
            regularization=regularization,
            sigma=sigma,
            step_size=step_size,
            epochs=epochs,
            batches=batches,
            radius=radius,
            partition_seed=partition_seed,
        )


def _build(*, epsilon: float, delta: float, **hyperparameters: Any) -> Unlearner:
    return NoisySGDUnlearning(epsilon=epsilon, delta=delta, **hyperparameters)


register(
    MethodInfo(
        name="noisy-sgd",
        guarantee="certified",
        summary="projected noisy mini-batch SGD over a fixed cyclic partition, continued on the retained data "
        "(Chien et al. 2024, PNSGD), certified by privacy amplification by iteration",
        assumptions="L2-regularised logistic regression; feature rows of norm <= 1; removal adjacency; batches "
        "assigned by a keyed hash of each point; no convergence of the learning chain assumed",
        cost="stores the weights, the batch assignment and the data; K epochs of mini-batch noisy steps per "
        "request; retrains when K would reach the T learning epochs",
        model="logistic regression (binary or one-vs-rest)",
        build=_build,
    )
)
