"""The interface every unlearning method implements, and the records it exchanges.

A method has three mechanisms in the sense of the theory:

* ``A`` (:meth:`Unlearner.fit`): learning on the full training set;
* ``U`` (:meth:`Unlearner.unlearn`): processing a deletion request, given what ``A``
  stored; it returns the released model and, for certified methods, a certificate;
* ``R`` (:meth:`Unlearner.reference`): the reference mechanism, what a model that never
  saw the deleted points looks like, with the same randomisation as ``A``.

The verifier treats all methods alike through this interface.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import torch

from .. import _validate
from ..bounds import Certificate

GUARANTEES = ("certified", "exact", "uncertified")


class Model(ABC):
    """A trained classifier seen as a flat parameter vector and a differentiable map.

    The verifier perturbs the parameters (depth probes), so a model exposes its
    parameters as one float64 vector and evaluates any such vector functionally.
    """

    @abstractmethod
    def parameters(self) -> torch.Tensor:
        """Return a copy of the parameters as a flat float64 tensor."""

    @abstractmethod
    def true_class_confidence(self, theta: torch.Tensor, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Return the model's confidence in the true label of each row, in [0, 1].

        Differentiable in `theta` (a flat vector of the same size as
        :meth:`parameters`) and usable under ``torch.func.vmap``.
        """

    @abstractmethod
    def predict(self, X: np.ndarray) -> np.ndarray:
        """Return predicted integer labels."""

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(self.predict(X) == y))


@dataclass(frozen=True)
class DeletionRequest:
    """A request to delete training points, by their positions in the original training set.

    Attributes:
        indices: sorted positions in the training set the method was fitted on.
        kind: ``"examples"`` for individual points, ``"class"`` for a whole class.
        label: the deleted class for ``kind="class"``.
    """

    indices: tuple[int, ...]
    kind: str = "examples"
    label: int | None = None

    def __post_init__(self) -> None:
        _validate.one_of("kind", self.kind, ("examples", "class"))
        indices = tuple(sorted(int(index) for index in self.indices))
        if not indices:
            raise _validate.fail("indices", "a non-empty set of training positions", self.indices)
        if len(set(indices)) != len(indices):
            raise _validate.fail("indices", "distinct training positions", self.indices)
        object.__setattr__(self, "indices", indices)

    def __len__(self) -> int:
        return len(self.indices)


@dataclass(frozen=True)
class UnlearningOutcome:
    """What processing one deletion request produced.

    Attributes:
        model: the released model.
        state: the method's state after the request, for further requests.
        certificate: the certificate of the released model against the reference
            mechanism on the retained data, or ``None`` for uncertified methods.
        retrained: whether the method retrained from scratch (for example because the
            certified budget was spent) instead of updating.
        details: method-specific figures (residual bounds, budgets, steps taken).
    """

    model: Model
    state: Any
    certificate: Certificate | None
    retrained: bool = False
    details: dict[str, Any] = field(default_factory=dict)


class Unlearner(ABC):
    """An unlearning method: learning ``A``, unlearning ``U`` and reference ``R``."""

    #: Registry name used on the command line.
    name: ClassVar[str]
    #: One of ``"certified"``, ``"exact"``, ``"uncertified"``.
    guarantee: ClassVar[str]

    @abstractmethod
    def fit(self, X: np.ndarray, y: np.ndarray, *, n_classes: int, rng: np.random.Generator) -> Any:
        """Train on the full training set and return the state that unlearning needs."""

    @abstractmethod
    def unlearn(self, state: Any, request: DeletionRequest, *, rng: np.random.Generator) -> UnlearningOutcome:
        """Process one deletion request against `state`."""

    @abstractmethod
    def reference(
        self, X_retain: np.ndarray, y_retain: np.ndarray, *, n_classes: int, rng: np.random.Generator
    ) -> Model:
        """Draw from the reference mechanism: train on the retained data only."""

    @abstractmethod
    def model_of(self, state: Any) -> Model:
        """Return the model held by a state (the model released before any request)."""

    def describe(self) -> dict[str, Any]:
        """Return the method's name, guarantee type and hyperparameters."""
        return {"name": self.name, "guarantee": self.guarantee, "hyperparameters": self.hyperparameters()}

    def hyperparameters(self) -> dict[str, Any]:
        return {}
