"""Depth probes: how small a weight perturbation brings the forgotten data back.

The probe of budget ``r`` is an adversarial ℓ2 weight perturbation: projected gradient
ascent on the memorization score ``m`` inside the ball ``{θ + Δ : ||Δ||_2 ≤ r}`` around
the released parameters, over all parameters at once. The depth of a model on a grid
``r_1 < ... < r_G`` is

    d(θ) = min{r_j : the probe of budget r_j reaches m ≥ τ}   (+inf if none does).

The probe is deterministic (it starts at Δ = 0 and uses only the fixed forget set), so
it meets the condition of Theorem 1: it uses no randomness of the unlearning or
reference mechanisms. Projection is onto the ball, not its sphere: ``Δ ← Δ · min(1, r/||Δ||)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch.func import grad, vmap

from .. import _validate
from ..engine.base import Model
from .scores import score_function


@dataclass(frozen=True)
class BallProbe:
    """Projected gradient ascent on the score inside ℓ2 balls of the given radii.

    Attributes:
        radii: strictly increasing budgets ``r_1 < ... < r_G`` (the first may be 0).
        steps: gradient steps per radius.
        step_fraction: each step moves ``step_fraction · r`` along the normalised gradient.
    """

    radii: tuple[float, ...]
    steps: int = 50
    step_fraction: float = 0.05

    def __post_init__(self) -> None:
        radii = np.asarray(self.radii, dtype=float)
        if radii.ndim != 1 or radii.size == 0 or np.any(~np.isfinite(radii)) or np.any(radii < 0):
            raise _validate.fail("radii", "a non-empty list of finite budgets >= 0", self.radii)
        if np.any(np.diff(radii) <= 0):
            raise _validate.fail("radii", "strictly increasing", self.radii)
        _validate.integer_at_least("steps", self.steps, 1)
        _validate.positive("step_fraction", self.step_fraction)
        object.__setattr__(self, "radii", tuple(float(r) for r in radii))

    def best_scores(self, model: Model, X: np.ndarray, y: np.ndarray, *, tau: float | None = None) -> np.ndarray:
        """Return the highest score the probe finds within each radius.

        With `tau`, radii stop ascending once they reach it (their depth is settled).
        """
        score = score_function(model, X, y)
        gradient_all = vmap(grad(score))
        score_all = vmap(score)
        origin = model.parameters()
        radii = torch.tensor(self.radii, dtype=torch.float64)
        shift = torch.zeros(len(radii), origin.numel(), dtype=torch.float64)
        with torch.no_grad():
            best = score_all(origin + shift)
        step = (radii * self.step_fraction).unsqueeze(1)
        for _ in range(self.steps):
            active = radii > 0
            if tau is not None:
                active &= best < tau
            if not bool(active.any()):
                break
            direction = gradient_all(origin + shift)
            length = torch.linalg.norm(direction, dim=1, keepdim=True)
            direction = torch.where(length > 0, direction / length.clamp_min(1e-300), 0.0)
            moved = shift + step * direction
            size = torch.linalg.norm(moved, dim=1, keepdim=True)
            moved = moved * torch.clamp(radii.unsqueeze(1) / size.clamp_min(1e-300), max=1.0)
            shift = torch.where(active.unsqueeze(1), moved, shift)
            with torch.no_grad():
                best = torch.maximum(best, score_all(origin + shift))
        return best.numpy()

    def depth(self, model: Model, X: np.ndarray, y: np.ndarray, *, tau: float) -> float:
        """Return the smallest grid radius at which the probe reaches ``m ≥ τ``, else inf."""
        reached = self.best_scores(model, X, y, tau=tau) >= tau
        if not reached.any():
            return math.inf
        return self.radii[int(np.argmax(reached))]


def coarse_radii(low: float = 1e-3, high: float = 1e3, per_decade: int = 4) -> tuple[float, ...]:
    """Return 0 followed by a geometric grid from `low` to `high`, for sizing the audit grid."""
    count = int(round(math.log10(high / low) * per_decade)) + 1
    return (0.0,) + tuple(float(r) for r in np.geomspace(low, high, count))
