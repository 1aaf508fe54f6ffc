"""Immutable certificate records.

A certificate states how close the law of the unlearned model is to the law of the
reference model (a model trained without the forget set, with the same randomisation),
in one notion, in both directions. It also records what it was derived from, so that a
reader can judge it: the algorithm, the residual or sensitivity bound, the assumptions
(and whether each was checked on the data), and how many deletion requests it covers.

Each certificate is emitted twice: :meth:`Certificate.statement` gives a plain
sentence a person can read, and :meth:`Certificate.to_dict` a structured record that
round-trips through JSON with :func:`certificate_from_dict`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar

from .. import _validate
from .._formatting import format_up
from . import transfer as _transfer


@dataclass(frozen=True, kw_only=True)
class Assumption:
    """One assumption a certificate relies on.

    Attributes:
        name: what is assumed, e.g. ``"feature norm"``.
        value: the assumed value or condition, as text, e.g. ``"||x||_2 <= 1"``.
        checked: whether the condition was verified, on the data it was applied to
            or by construction of the mechanism.
        detail: how it was verified, or why it cannot be.
    """

    name: str
    value: str
    checked: bool
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "checked": self.checked, "detail": self.detail}

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Assumption:
        return cls(
            name=record["name"],
            value=record["value"],
            checked=bool(record["checked"]),
            detail=record.get("detail", ""),
        )


@dataclass(frozen=True, kw_only=True)
class Provenance:
    """What a certificate was derived from.

    Attributes:
        algorithm: the mechanism and the paper, e.g. ``"newton (Guo et al. 2020)"``.
        basis: ``"data-dependent"`` when the bound was computed from the data at hand,
            ``"worst-case"`` when it holds for every dataset meeting the assumptions.
        bound_name: the quantity bounded, e.g. ``"gradient residual"`` or ``"sensitivity"``.
        bound: its value (``None`` when the notion needs none).
        requests: number of deletion requests the certificate covers.
        group_size: number of points deleted per request, for group certificates.
        assumptions: the assumptions, each marked checked or not.
        parameters: numeric parameters of the mechanism (noise scale, budget, ...).
        notes: caveats a reader should see.
    """

    algorithm: str
    basis: str = "worst-case"
    bound_name: str = ""
    bound: float | None = None
    requests: int = 1
    group_size: int = 1
    assumptions: tuple[Assumption, ...] = ()
    parameters: tuple[tuple[str, float], ...] = ()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _validate.one_of("basis", self.basis, ("data-dependent", "worst-case"))
        _validate.integer_at_least("requests", self.requests, 0)
        _validate.integer_at_least("group_size", self.group_size, 1)

    @property
    def all_assumptions_checked(self) -> bool:
        return all(assumption.checked for assumption in self.assumptions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "algorithm": self.algorithm,
            "basis": self.basis,
            "bound_name": self.bound_name,
            "bound": self.bound,
            "requests": self.requests,
            "group_size": self.group_size,
            "assumptions": [assumption.to_dict() for assumption in self.assumptions],
            "all_assumptions_checked": self.all_assumptions_checked,
            "parameters": dict(self.parameters),
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Provenance:
        return cls(
            algorithm=record["algorithm"],
            basis=record.get("basis", "worst-case"),
            bound_name=record.get("bound_name", ""),
            bound=record.get("bound"),
            requests=int(record.get("requests", 1)),
            group_size=int(record.get("group_size", 1)),
            assumptions=tuple(Assumption.from_dict(item) for item in record.get("assumptions", ())),
            parameters=tuple((str(key), float(value)) for key, value in record.get("parameters", {}).items()),
            notes=tuple(record.get("notes", ())),
        )


class Certificate(ABC):
    """Base class: a closeness statement between unlearned and reference laws."""

    notion: ClassVar[str]
    provenance: Provenance

    @abstractmethod
    def transfer(self, p):
        """Return ``h(p)``: an upper bound on ``P(θ_u ∈ E)`` given ``P(θ_r ∈ E) = p``."""

    @abstractmethod
    def transfer_inverse(self, beta):
        """Return ``h←(β) = sup{p : h(p) ≤ β}`` (``-inf`` when no p qualifies)."""

    @abstractmethod
    def parameters_dict(self) -> dict[str, float]:
        """Return the notion's parameters, e.g. ``{"epsilon": 1.0, "delta": 1e-5}``."""

    @abstractmethod
    def guarantee_sentence(self) -> str:
        """Return the mathematical statement of the guarantee, in words."""

    def to_dict(self) -> dict[str, Any]:
        return {"notion": self.notion, **self.parameters_dict(), "provenance": self.provenance.to_dict()}

    @classmethod
    def from_record(cls, record: dict[str, Any], provenance: Provenance) -> Certificate:
        """Rebuild from a :meth:`to_dict` record; subclasses with array fields override this."""
        names = [item.name for item in fields(cls) if item.name != "provenance"]
        return cls(**{name: _restore_number(record[name]) for name in names}, provenance=provenance)

    def with_provenance(self, **changes: Any) -> Certificate:
        """Return a copy whose provenance has the given fields replaced."""
        return replace(self, provenance=replace(self.provenance, **changes))

    def statement(self) -> str:
        """Return a plain-language statement: the guarantee, its basis and its caveats."""
        source = self.provenance
        lines = [self.guarantee_sentence()]
        derived = f"Source: {source.algorithm}"
        if source.bound is not None:
            name = source.bound_name or "bounded quantity"
            derived += f"; {source.basis} bound on the {name}: {format_up(source.bound, 4)}"
        else:
            derived += f" ({source.basis})"
        if source.requests == 0:
            derived += "; covers no deletion request yet"
        else:
            plural = "request" if source.requests == 1 else "requests"
            derived += f"; covers {source.requests} deletion {plural}"
        if source.group_size > 1:
            derived += f" of {source.group_size} points each"
        lines.append(derived + ".")
        for assumption in source.assumptions:
            status = "verified" if assumption.checked else "NOT verified"
            text = f"Assumes {assumption.name}: {assumption.value} ({status}"
            text += f": {assumption.detail})" if assumption.detail else ")"
            lines.append(text)
        lines.extend(f"Note: {note}" for note in source.notes)
        return "\n".join(lines)


@dataclass(frozen=True, kw_only=True)
class EpsilonDeltaCertificate(Certificate):
    """An (ε, δ) certificate: ``P(θ_u ∈ E) ≤ e^ε P(θ_r ∈ E) + δ`` and symmetrically.

    This is (ε, δ)-certified removal in the sense of Guo et al. (2020).
    """

    notion: ClassVar[str] = "epsilon-delta"
    epsilon: float
    delta: float
    provenance: Provenance = field(default_factory=lambda: Provenance(algorithm="a mechanism given by the user"))

    def __post_init__(self) -> None:
        object.__setattr__(self, "epsilon", _validate.non_negative("epsilon", self.epsilon, allow_inf=True))
        object.__setattr__(self, "delta", _validate.in_interval("delta", self.delta, 0.0, 1.0))

    def transfer(self, p):
        return _transfer.epsilon_delta_transfer(p, epsilon=self.epsilon, delta=self.delta)

    def transfer_inverse(self, beta):
        return _transfer.epsilon_delta_transfer_inverse(beta, epsilon=self.epsilon, delta=self.delta)

    def parameters_dict(self) -> dict[str, float]:
        return {"epsilon": self.epsilon, "delta": self.delta}

    def guarantee_sentence(self) -> str:
        epsilon, delta = format_up(self.epsilon), format_up(self.delta)
        return (
            f"(epsilon={epsilon}, delta={delta})-certified unlearning: for every set E "
            f"of models, P(unlearned in E) <= e^{epsilon} * P(retrained in E) + {delta}, "
            "and the same with the two models swapped."
        )


@dataclass(frozen=True, kw_only=True)
class GaussianDPCertificate(Certificate):
    """A μ-GDP certificate: the trade-off function of the pair is at least ``G_μ``.

    Gaussian differential privacy (Dong, Roth and Su 2022). Testing "unlearned" against "retrained"
    is at least as hard as telling N(0, 1) from N(μ, 1).
    """

    notion: ClassVar[str] = "gaussian-dp"
    mu: float
    provenance: Provenance = field(default_factory=lambda: Provenance(algorithm="a mechanism given by the user"))

    def __post_init__(self) -> None:
        object.__setattr__(self, "mu", _validate.non_negative("mu", self.mu, allow_inf=True))

    def transfer(self, p):
        return _transfer.gdp_transfer(p, mu=self.mu)

    def transfer_inverse(self, beta):
        return _transfer.gdp_transfer_inverse(beta, mu=self.mu)

    def parameters_dict(self) -> dict[str, float]:
        return {"mu": self.mu}

    def guarantee_sentence(self) -> str:
        mu = format_up(self.mu)
        return (
            f"{mu}-Gaussian-DP unlearning: telling the unlearned model from a retrained one is "
            f"at least as hard as telling N(0, 1) from N({mu}, 1); for every set E of models, "
            f"P(unlearned in E) <= Phi(Phi^-1(P(retrained in E)) + {mu}), and symmetrically."
        )


_NOTIONS: dict[str, type[Certificate]] = {
    EpsilonDeltaCertificate.notion: EpsilonDeltaCertificate,
    GaussianDPCertificate.notion: GaussianDPCertificate,
}


def register_notion(cls: type[Certificate]) -> type[Certificate]:
    """Register a certificate class so that :func:`certificate_from_dict` can rebuild it."""
    _NOTIONS[cls.notion] = cls
    return cls


def certificate_from_dict(record: dict[str, Any]) -> Certificate:
    """Rebuild a certificate from :meth:`Certificate.to_dict` output (or its JSON form)."""
    if not isinstance(record, dict):
        raise _validate.fail("record", "a dict from Certificate.to_dict", type(record).__name__)
    notion = _validate.one_of("notion", record.get("notion"), _NOTIONS)
    cls = _NOTIONS[notion]
    try:
        provenance = Provenance.from_dict(record["provenance"])
        return cls.from_record(record, provenance)
    except _validate.InvalidArgumentError:
        raise
    except KeyError as error:
        raise _validate.fail("record", f"a complete {notion} certificate record", f"missing field {error}") from None
    except (TypeError, AttributeError, ValueError) as error:
        raise _validate.fail("record", f"a well-formed {notion} certificate record", str(error)) from None


def _restore_number(value: Any) -> Any:
    """Undo the JSON encoding of infinities as the strings "inf" and "-inf"."""
    if value == "inf":
        return math.inf
    if value == "-inf":
        return -math.inf
    return value
