"""The training loops of certified noisy fine-tuning, on a flat parameter vector.

Each loop reads only the data it is given (the retained data) and randomness drawn from
the generator it is given, never the model's past. The certificates in
:mod:`certunlearn.engine.noisy_finetune` rely on these invariants:

* :func:`clip_to_ball` returns a vector of norm at most the radius, also after rounding;
* every noisy step applies the same map to any starting vector: a contraction
  ``κx`` plus a term of norm at most ``ηC₁``, then Gaussian noise (and, for model
  clipping, a projection), with mini-batches chosen independently of the iterate.
"""

from __future__ import annotations

import numpy as np
import torch

from .torch_models import DTYPE, TorchModel, torch_generator, train_classifier

# Clipping divides by the computed norm enlarged by a relative margin, so that the clipped
# vector's exact norm stays below the radius despite rounding. A sum of p squares has a
# relative error below p · 2^-53, and the square root and the scaling add a few ulps. The
# margin is four times that bound, and at least 1e-9.
_CLIP_MARGIN = 1e-9


def clip_to_ball(vector: torch.Tensor, radius: float) -> torch.Tensor:
    """Return ``vector · min(1, radius/||vector||)``: the projection onto the closed ball."""
    margin = max(_CLIP_MARGIN, 4.0 * vector.numel() * 2.0**-53)
    norm = float(torch.linalg.norm(vector))
    if norm * (1.0 + margin) <= radius:
        return vector
    return vector * (radius / (norm * (1.0 + margin)))


def _batches(n: int, batch_size: int | None, steps: int, rng: np.random.Generator):
    """Yield the row indices of each step: all rows, or a fresh uniform draw without replacement."""
    for _ in range(steps):
        if batch_size is None or batch_size >= n:
            yield None
        else:
            yield torch.as_tensor(rng.choice(n, size=batch_size, replace=False))


def _loss_gradient(model: TorchModel, features: torch.Tensor, labels: torch.Tensor):
    """Return ``θ ↦ ∇_θ`` of the mean cross-entropy on (features, labels)."""

    def gradient(theta: torch.Tensor) -> torch.Tensor:
        # Plain autograd: torch.func.grad gives the same values about 50 times slower on
        # the default MLP (torch 2.13, CPU).
        point = theta.detach().requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(model.logits(point, features), labels)
        (value,) = torch.autograd.grad(loss, point)
        return value

    return gradient


def noisy_clipped_steps(
    model: TorchModel,
    theta: torch.Tensor,
    X: np.ndarray,
    y: np.ndarray,
    *,
    steps: int,
    sigma: float,
    gradient_clip_norm: float,
    learning_rate: float,
    regularization: float,
    batch_size: int | None,
    projection_radius: float | None,
    rng: np.random.Generator,
) -> torch.Tensor:
    """Run `steps` noisy SGD steps from `theta` and return the last iterate.

    Each step is ``x ← (1 − ηλ)x − η clip(ḡ(x), C₁) + N(0, σ²I)``, where ``ḡ`` is the
    mean cross-entropy gradient on the step's mini-batch and ``clip`` rescales the whole
    vector to norm at most C₁ (not per example). With `projection_radius` C₂, the noisy
    point is then projected onto the ball of radius C₂ (model clipping).
    """
    features = torch.as_tensor(X, dtype=DTYPE)
    labels = torch.as_tensor(y, dtype=torch.long)
    generator = torch_generator(rng)
    full_gradient = _loss_gradient(model, features, labels)
    contraction = 1.0 - learning_rate * regularization
    current = theta.detach().clone()
    for rows in _batches(len(labels), batch_size, steps, rng):
        gradient_of = full_gradient if rows is None else _loss_gradient(model, features[rows], labels[rows])
        step = clip_to_ball(gradient_of(current).detach(), gradient_clip_norm)
        noise = torch.randn(current.shape, generator=generator, dtype=DTYPE)
        current = contraction * current - learning_rate * step + sigma * noise
        if projection_radius is not None:
            current = clip_to_ball(current, projection_radius)
    return current


def gaussian_perturbation(theta: torch.Tensor, *, sigma: float, rng: np.random.Generator) -> torch.Tensor:
    """Return ``theta + N(0, σ²I)``."""
    generator = torch_generator(rng)
    return theta + sigma * torch.randn(theta.shape, generator=generator, dtype=DTYPE)


def fine_tune(
    model: TorchModel,
    theta: torch.Tensor,
    X: np.ndarray,
    y: np.ndarray,
    *,
    rng: np.random.Generator,
    epochs: int,
    learning_rate: float,
    batch_size: int,
    optimizer: str,
    momentum: float,
) -> TorchModel:
    """Return the model with parameters `theta` after noiseless training on (X, y)."""
    released = model.with_parameters(theta)
    if epochs == 0:
        return released
    train_classifier(
        released.module,
        X,
        y,
        rng=rng,
        epochs=epochs,
        learning_rate=learning_rate,
        batch_size=batch_size,
        optimizer=optimizer,
        momentum=momentum,
    )
    return TorchModel(released.module)
