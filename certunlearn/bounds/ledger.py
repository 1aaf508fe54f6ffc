"""An immutable ledger of deletion requests and pure queries on it.

Each served deletion request adds a record: the certificate of that request (per
point) and the number of points it deleted. Its queries return, without changing
anything:

* the certificate of everything served so far (:meth:`DeletionLedger.composed`), with
  each request's group size applied first and the requests composed by the best rule
  available (:func:`~certunlearn.bounds.composition.compose` with ``method="best"``);
* the ε spent at a target δ, and the budget left against a target (ε, δ)
  (:meth:`DeletionLedger.budget`);
* whether the model must be retrained now, and how many more requests of a given
  certificate fit before it must (:meth:`DeletionLedger.requests_until_retrain`).

:meth:`DeletionLedger.append` returns a new ledger; no method mutates one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import _validate
from . import _search
from .certificate import Certificate, EpsilonDeltaCertificate, Provenance, certificate_from_dict
from .composition import compose, group_deletion
from .conversions import epsilon_for_delta


@dataclass(frozen=True, kw_only=True)
class DeletionRequest:
    """One served deletion request.

    Attributes:
        certificate: the per-point certificate of the unlearning step that served it.
        group_size: number of points deleted together by this request (≥ 1).
        label: free text for the operator (an id, a timestamp); not interpreted.
    """

    certificate: Certificate
    group_size: int = 1
    label: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.certificate, Certificate):
            raise _validate.fail("certificate", "a Certificate", type(self.certificate).__name__)
        object.__setattr__(self, "group_size", _validate.integer_at_least("group_size", self.group_size, 1))

    def group_certificate(self) -> Certificate:
        """Return the certificate of this request for its whole group of points."""
        if self.group_size == 1:
            return self.certificate
        return group_deletion(self.certificate, self.group_size)

    def to_dict(self) -> dict[str, Any]:
        return {"certificate": self.certificate.to_dict(), "group_size": self.group_size, "label": self.label}

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> DeletionRequest:
        return cls(
            certificate=certificate_from_dict(record["certificate"]),
            group_size=int(record.get("group_size", 1)),
            label=str(record.get("label", "")),
        )


@dataclass(frozen=True, kw_only=True)
class Budget:
    """The state of a ledger against a target (ε, δ).

    Attributes:
        target_epsilon: the ε the operator allows in total.
        target_delta: the δ at which ε is measured.
        spent_epsilon: the least ε the ledger's certificate gives at target_delta
            (an upper bound on the true ε; ``inf`` when it gives none).
        remaining_epsilon: ``target_epsilon − spent_epsilon`` (negative once exceeded).
        exhausted: whether the spent ε exceeds the target, so the model must be
            retrained (or the requests refused) before any further deletion is certified.
    """

    target_epsilon: float
    target_delta: float
    spent_epsilon: float
    remaining_epsilon: float
    exhausted: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "target_epsilon": self.target_epsilon,
            "target_delta": self.target_delta,
            "spent_epsilon": self.spent_epsilon,
            "remaining_epsilon": self.remaining_epsilon,
            "exhausted": self.exhausted,
        }


@dataclass(frozen=True)
class DeletionLedger:
    """An immutable, ordered record of served deletion requests."""

    requests: tuple[DeletionRequest, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "requests", tuple(self.requests))

    def __len__(self) -> int:
        return len(self.requests)

    def append(self, certificate: Certificate, *, group_size: int = 1, label: str = "") -> DeletionLedger:
        """Return a new ledger with one more request; this ledger is unchanged."""
        request = DeletionRequest(certificate=certificate, group_size=group_size, label=label)
        return DeletionLedger(self.requests + (request,))

    def composed(self) -> Certificate:
        """Return the certificate of all requests so far (a zero certificate when empty)."""
        if not self.requests:
            return EpsilonDeltaCertificate(
                epsilon=0.0, delta=0.0, provenance=Provenance(algorithm="no deletion requests", requests=0)
            )
        return compose([request.group_certificate() for request in self.requests], method="best")

    def spent_epsilon(self, *, delta: float) -> float:
        """Return the ε (an upper bound) of all requests so far, measured at δ."""
        if not self.requests:
            return 0.0
        return epsilon_for_delta(self.composed(), delta=delta)

    def budget(self, *, epsilon: float, delta: float) -> Budget:
        """Return the budget state against a target (ε, δ)."""
        epsilon = _validate.non_negative("epsilon", epsilon)
        delta = _validate.in_interval("delta", delta, 0.0, 1.0, low_open=True, high_open=True)
        spent = self.spent_epsilon(delta=delta)
        return Budget(
            target_epsilon=epsilon,
            target_delta=delta,
            spent_epsilon=spent,
            remaining_epsilon=epsilon - spent,
            exhausted=spent > epsilon,
        )

    def must_retrain(self, *, epsilon: float, delta: float) -> bool:
        """Return whether the requests so far exceed the target (ε, δ)."""
        return self.budget(epsilon=epsilon, delta=delta).exhausted

    def requests_until_retrain(
        self, certificate: Certificate, *, epsilon: float, delta: float, group_size: int = 1, limit: int = 100_000
    ) -> int:
        """Return how many more requests with `certificate` fit within the target (ε, δ).

        0 means the next such request already exceeds the target, so the model must be
        retrained first; `limit` means at least that many fit (the search stops there).
        """
        epsilon = _validate.non_negative("epsilon", epsilon)
        delta = _validate.in_interval("delta", delta, 0.0, 1.0, low_open=True, high_open=True)
        limit = _validate.integer_at_least("limit", limit, 1)
        request = DeletionRequest(certificate=certificate, group_size=group_size)
        base = [r.group_certificate() for r in self.requests]
        grouped = request.group_certificate()

        def exceeds(count: int) -> bool:
            if count == 0:
                return bool(base) and epsilon_for_delta(compose(base, method="best"), delta=delta) > epsilon
            return epsilon_for_delta(compose(base + [grouped] * count, method="best"), delta=delta) > epsilon

        fits = _search.largest_safe_integer(exceeds, limit=limit)
        return max(fits, 0)

    def to_dict(self) -> dict[str, Any]:
        return {"requests": [request.to_dict() for request in self.requests]}

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> DeletionLedger:
        return cls(tuple(DeletionRequest.from_dict(item) for item in record.get("requests", ())))
