"""Any ``torch.nn.Module`` classifier as a :class:`~certunlearn.engine.base.Model`, and a seeded trainer.

The verifier perturbs parameters, so :class:`TorchModel` exposes the module's parameters
as one flat float64 vector and evaluates any such vector with
``torch.func.functional_call`` (which also works under ``vmap``). Modules must map a
float64 batch ``(n, d)`` to logits ``(n, K)``; buffers (batch-norm statistics) are held
fixed.

:func:`train_classifier` is the plain training loop the torch-based methods share:
mini-batch SGD or Adam on the cross-entropy, with every random choice (initialisation,
batch order) drawn from a numpy ``Generator`` so that runs reproduce from a seed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn
from torch.func import functional_call

from .. import _validate
from .base import Model

DTYPE = torch.float64


def torch_generator(rng: np.random.Generator) -> torch.Generator:
    """Return a torch generator seeded from a numpy generator."""
    generator = torch.Generator()
    generator.manual_seed(int(rng.integers(0, 2**63 - 1)))
    return generator


def mlp(n_features: int, n_classes: int, *, hidden: Sequence[int] = (64,), rng: np.random.Generator) -> nn.Module:
    """Return a ReLU multilayer perceptron in float64, initialised from `rng`."""
    _validate.integer_at_least("n_features", n_features, 1)
    _validate.integer_at_least("n_classes", n_classes, 2)
    layers: list[nn.Module] = []
    width = n_features
    for size in hidden:
        layers += [nn.Linear(width, int(size)), nn.ReLU()]
        width = int(size)
    layers.append(nn.Linear(width, n_classes))
    module = nn.Sequential(*layers).to(DTYPE)
    generator = torch_generator(rng)
    with torch.no_grad():
        for layer in module:
            if isinstance(layer, nn.Linear):
                bound = 1.0 / np.sqrt(layer.in_features)
                layer.weight.uniform_(-bound, bound, generator=generator)
                layer.bias.uniform_(-bound, bound, generator=generator)
    return module


class TorchModel(Model):
    """A classifier module seen through a flat parameter vector."""

    def __init__(self, module: nn.Module):
        self.module = module
        self.module.eval()
        named = [(name, parameter) for name, parameter in module.named_parameters()]
        self._names = [name for name, _ in named]
        self._shapes = [tuple(parameter.shape) for _, parameter in named]
        self._sizes = [parameter.numel() for _, parameter in named]

    @property
    def size(self) -> int:
        return int(sum(self._sizes))

    def parameters(self) -> torch.Tensor:
        return torch.cat([p.detach().reshape(-1).to(DTYPE) for p in self.module.parameters()]).clone()

    def parameter_dict(self, theta: torch.Tensor) -> dict[str, torch.Tensor]:
        """Split a flat vector into the module's named parameter tensors."""
        pieces = torch.split(theta, self._sizes)
        named = zip(self._names, pieces, self._shapes, strict=True)
        return {name: piece.reshape(shape) for name, piece, shape in named}

    def logits(self, theta: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
        return functional_call(self.module, self.parameter_dict(theta), (X,))

    def true_class_confidence(self, theta: torch.Tensor, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        probabilities = torch.softmax(self.logits(theta, X), dim=1)
        return torch.gather(probabilities, 1, y.unsqueeze(1))[:, 0]

    def predict(self, X: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self.module(torch.as_tensor(X, dtype=DTYPE)).argmax(dim=1).numpy()

    def with_parameters(self, theta: torch.Tensor) -> TorchModel:
        """Return a copy of this model with parameters `theta`."""
        module = copy.deepcopy(self.module)
        with torch.no_grad():
            for parameter, value in zip(module.parameters(), torch.split(theta.detach(), self._sizes), strict=True):
                parameter.copy_(value.reshape(parameter.shape))
        return TorchModel(module)


def train_classifier(
    module: nn.Module,
    X: np.ndarray,
    y: np.ndarray,
    *,
    rng: np.random.Generator,
    epochs: int = 30,
    learning_rate: float = 0.05,
    batch_size: int = 64,
    weight_decay: float = 0.0,
    optimizer: str = "sgd",
    momentum: float = 0.0,
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> nn.Module:
    """Train `module` in place on (X, y) with mini-batches drawn from `rng`; return it.

    Args:
        loss: ``loss(logits, labels)``; cross-entropy by default.
    """
    _validate.integer_at_least("epochs", epochs, 0)
    _validate.positive("learning_rate", learning_rate)
    _validate.integer_at_least("batch_size", batch_size, 1)
    _validate.one_of("optimizer", optimizer, ("sgd", "adam"))
    features = torch.as_tensor(X, dtype=DTYPE)
    labels = torch.as_tensor(y, dtype=torch.long)
    criterion = loss or nn.functional.cross_entropy
    if optimizer == "sgd":
        step = torch.optim.SGD(module.parameters(), lr=learning_rate, momentum=momentum, weight_decay=weight_decay)
    else:
        step = torch.optim.Adam(module.parameters(), lr=learning_rate, weight_decay=weight_decay)
    module.train()
    for _ in range(epochs):
        order = torch.as_tensor(rng.permutation(len(labels)))
        for start in range(0, len(labels), batch_size):
            batch = order[start : start + batch_size]
            step.zero_grad()
            criterion(module(features[batch]), labels[batch]).backward()
            step.step()
    module.eval()
    return module
