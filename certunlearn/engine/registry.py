"""The registry of unlearning methods: names, guarantees, assumptions and costs.

``certunlearn methods`` prints it and ``certunlearn run --method NAME`` builds from it.
Each entry makes an :class:`~certunlearn.engine.base.Unlearner` from the target (ε, δ)
(ignored by methods without a certificate) and keyword hyperparameters.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import _validate
from .base import GUARANTEES, Unlearner


@dataclass(frozen=True)
class MethodInfo:
    """One registry entry.

    Attributes:
        name: the command-line name.
        guarantee: ``"certified"``, ``"exact"`` or ``"uncertified"``.
        summary: one line on what the method does, with its paper.
        assumptions: what the guarantee (if any) needs.
        cost: storage and time per request, in words.
        model: the model class it applies to.
        build: ``build(epsilon=..., delta=..., **hyperparameters) -> Unlearner``.
    """

    name: str
    guarantee: str
    summary: str
    assumptions: str
    cost: str
    model: str
    build: Callable[..., Unlearner]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "guarantee": self.guarantee,
            "summary": self.summary,
            "assumptions": self.assumptions,
            "cost": self.cost,
            "model": self.model,
        }


_REGISTRY: dict[str, MethodInfo] = {}

# Modules of this package that register methods when imported. Importing them lazily
# keeps `import certunlearn.engine` fast and free of optional dependencies.
_METHOD_MODULES = (
    "sekhari",
    "descent_to_delete",
    "langevin",
    "noisy_sgd",
    "noisy_finetune",
    "exact",
    "baselines",
)
_loaded = False


def _load_builtin_methods() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib

    for name in _METHOD_MODULES:
        try:
            importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as error:
            # NOTE: modules not written yet are skipped; any other import error is raised.
            if error.name != f"{__package__}.{name}":
                raise


def register(info: MethodInfo) -> MethodInfo:
    """Add a method to the registry (names are unique)."""
    _validate.one_of("guarantee", info.guarantee, GUARANTEES)
    if info.name in _REGISTRY:
        raise _validate.fail("name", "a name not yet registered", info.name)
    _REGISTRY[info.name] = info
    return info


def methods() -> list[MethodInfo]:
    """Return every registered method, certified first, then exact, then uncertified."""
    _load_builtin_methods()
    order = {guarantee: position for position, guarantee in enumerate(GUARANTEES)}
    return sorted(_REGISTRY.values(), key=lambda info: (order[info.guarantee], info.name))


def get(name: str) -> MethodInfo:
    """Return the entry of `name`, or raise an error listing the known names."""
    return _REGISTRY[_validate.one_of("method", name, [info.name for info in methods()])]


def build(name: str, *, epsilon: float, delta: float, **hyperparameters: Any) -> Unlearner:
    """Build method `name` for a target (ε, δ) with the given hyperparameters.

    Raises:
        InvalidArgumentError: for a hyperparameter the method does not take (the message
            lists those it does), or for ``epsilon`` and ``delta``, which are arguments
            of their own.
    """
    info = get(name)
    if hyperparameters:
        known = hyperparameter_names(name, epsilon=epsilon, delta=delta)
        for key in hyperparameters:
            if key in ("epsilon", "delta"):
                raise _validate.fail(f"{name} hyperparameter", "a hyperparameter other than epsilon and delta", key)
            if key not in known:
                listed = ", ".join(repr(option) for option in known) or "none"
                raise _validate.fail(f"{name} hyperparameter", f"one of {listed}", key)
    return info.build(epsilon=epsilon, delta=delta, **hyperparameters)


def hyperparameter_names(name: str, *, epsilon: float = 1.0, delta: float = 1e-5) -> list[str]:
    """Return the keyword hyperparameters of method `name` (besides epsilon and delta)."""
    method = get(name).build(epsilon=epsilon, delta=delta)
    signature = inspect.signature(type(method).__init__)
    return [
        parameter.name
        for parameter in signature.parameters.values()
        if parameter.kind is parameter.KEYWORD_ONLY and parameter.name not in ("epsilon", "delta")
    ]


def _build_newton(*, epsilon: float, delta: float, **hyperparameters: Any) -> Unlearner:
    from .newton import CertifiedNewtonRemoval

    return CertifiedNewtonRemoval(epsilon=epsilon, delta=delta, **hyperparameters)


register(
    MethodInfo(
        name="newton",
        guarantee="certified",
        summary="Newton-step removal with loss perturbation (Guo et al. 2020, certified removal)",
        assumptions="L2-regularised logistic regression; feature rows of norm <= 1; the residual-masking "
        "theorem of Guo et al. (2020)",
        cost="stores the Hessian and gradient (O(d^2) per class) and the data; O(m d^2 + d^3 + n d) per "
        "request of m points; retrains when the residual budget is spent",
        model="logistic regression (binary or one-vs-rest)",
        build=_build_newton,
    )
)
