"""Memorization scores: how much a model still knows about the forget set.

The score used by the depth audit is the forget set's mean true-class confidence,

    m(θ) = (1/|D_f|) Σ_{(x, y) ∈ D_f} p_θ(y | x)   ∈ [0, 1],

with ``p_θ(y | x)`` the model's confidence in the true label (softmax probability, or the
sigmoid of the true class's one-vs-rest score). It is smooth in θ, so gradient probes
can push it up, and a model trained on ``D_f`` scores higher than one that was not.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ..engine.base import Model

SCORE_NAME = "mean true-class confidence on the forget set"


def score_function(model: Model, X: np.ndarray, y: np.ndarray) -> Callable[[torch.Tensor], torch.Tensor]:
    """Return ``θ ↦ m(θ)`` for a model's architecture and a fixed forget set."""
    features = torch.as_tensor(X, dtype=torch.float64)
    labels = torch.as_tensor(y, dtype=torch.long)

    def score(theta: torch.Tensor) -> torch.Tensor:
        return model.true_class_confidence(theta, features, labels).mean()

    return score


def memorization_score(model: Model, X: np.ndarray, y: np.ndarray) -> float:
    """Return ``m(θ)`` at the model's own parameters."""
    with torch.no_grad():
        return float(score_function(model, X, y)(model.parameters()))
