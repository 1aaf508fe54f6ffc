"""The best of several certificates known for the same mechanism.

When several certificates hold for the same pair of laws (say a Rényi curve and an
(ε, δ) pair from a different analysis), each transfer function is a valid upper bound,
so their pointwise minimum is one too. Its generalised inverse is the pointwise maximum
of the inverses, because ``min_j h_j(p) ≤ β`` is true exactly when ``h_j(p) ≤ β`` for some j.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _numerics, _validate
from .certificate import Certificate, Provenance, certificate_from_dict, register_notion


@register_notion
@dataclass(frozen=True, kw_only=True)
class BestOfCertificate(Certificate):
    """Several certificates for the same mechanism; the transfer is their pointwise minimum.

    Attributes:
        members: the certificates, each valid on its own (at least one).
    """

    notion = "best-of"
    members: tuple[Certificate, ...]
    provenance: Provenance = field(default_factory=lambda: Provenance(algorithm="best of several certificates"))

    def __post_init__(self) -> None:
        members = tuple(self.members)
        if not members or not all(isinstance(member, Certificate) for member in members):
            raise _validate.fail("members", "a non-empty sequence of certificates", self.members)
        object.__setattr__(self, "members", members)

    def transfer(self, p):
        p = _validate.array_in_interval("p", p, 0.0, 1.0)
        values = [np.asarray(member.transfer(p), dtype=float) for member in self.members]
        return _numerics.scalar_or_array(np.minimum.reduce(values))

    def transfer_inverse(self, beta):
        beta = _validate.array_in_interval("beta", beta, 0.0, 1.0)
        values = [np.asarray(member.transfer_inverse(beta), dtype=float) for member in self.members]
        return _numerics.scalar_or_array(np.maximum.reduce(values))

    def parameters_dict(self) -> dict[str, Any]:
        return {"members": [member.to_dict() for member in self.members]}

    @classmethod
    def from_record(cls, record: dict[str, Any], provenance: Provenance) -> BestOfCertificate:
        return cls(members=tuple(certificate_from_dict(item) for item in record["members"]), provenance=provenance)

    def guarantee_sentence(self) -> str:
        parts = "; ".join(member.guarantee_sentence() for member in self.members)
        return f"All of the following {len(self.members)} certificates hold at once, and the tightest applies: {parts}"


def best_of(certificates) -> Certificate:
    """Return the certificate whose transfer is the pointwise minimum of the given ones.

    A single certificate is returned unchanged; nested best-of certificates are
    flattened.
    """
    members: list[Certificate] = []
    for certificate in certificates:
        if isinstance(certificate, BestOfCertificate):
            members.extend(certificate.members)
        elif isinstance(certificate, Certificate):
            members.append(certificate)
        else:
            raise _validate.fail("certificates", "a sequence of certificates", type(certificate).__name__)
    if not members:
        raise _validate.fail("certificates", "a non-empty sequence of certificates", list(certificates))
    if len(members) == 1:
        return members[0]
    algorithms = sorted({member.provenance.algorithm for member in members})
    provenance = Provenance(
        algorithm="best of: " + "; ".join(algorithms),
        basis="data-dependent" if any(m.provenance.basis == "data-dependent" for m in members) else "worst-case",
        requests=max(member.provenance.requests for member in members),
        group_size=max(member.provenance.group_size for member in members),
        assumptions=tuple(
            {(a.name, a.value, a.checked): a for m in members for a in m.provenance.assumptions}.values()
        ),
        notes=(f"pointwise minimum of {len(members)} transfer functions valid for the same mechanism",),
    )
    return BestOfCertificate(members=tuple(members), provenance=provenance)
