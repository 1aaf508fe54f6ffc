"""Certificates over several deletion requests and over groups of points.

Theorem 3 of the theory (proved in ``proofs/composition.md``):

* sequential requests, each certified against its own reference, compose; for (ε, δ)
  the basic rule gives ``(Σ ε_i, Σ δ_i)``, and for GDP the exact rule gives
  ``μ = sqrt(Σ μ_i²)`` (Dong, Roth and Su 2022);
* deleting a group of ``g`` points under a per-point (ε, δ) certificate gives
  ``(g ε, δ (e^{gε} − 1)/(e^ε − 1))``, which is at most the textbook
  ``(g ε, g e^{(g−1)ε} δ)``; a per-point μ-GDP certificate gives ``g μ``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .. import _numerics
from .. import _validate
from .certificate import Certificate, EpsilonDeltaCertificate, GaussianDPCertificate, Provenance


def compose(certificates: Sequence[Certificate]) -> Certificate:
    """Return the certificate of a sequence of requests, each certified on its own.

    All certificates must have the same notion: (ε, δ) certificates compose by the
    basic rule, GDP certificates exactly. δ is capped at 1, where the statement is
    vacuous but still true.
    """
    if len(certificates) == 0:
        raise _validate.fail("certificates", "a non-empty sequence", list(certificates))
    notions = {certificate.notion for certificate in certificates}
    if len(notions) != 1:
        raise _validate.fail("certificates", "certificates of a single notion", sorted(notions))
    provenance = _merge_provenance([certificate.provenance for certificate in certificates], "composed")
    first = certificates[0]
    if isinstance(first, EpsilonDeltaCertificate):
        epsilon = float(_numerics.up(math.fsum(c.epsilon for c in certificates)))
        delta = float(min(1.0, _numerics.up(math.fsum(c.delta for c in certificates))))
        return EpsilonDeltaCertificate(epsilon=epsilon, delta=delta, provenance=provenance)
    if isinstance(first, GaussianDPCertificate):
        mu = float(_numerics.up(math.sqrt(math.fsum(c.mu**2 for c in certificates))))
        return GaussianDPCertificate(mu=mu, provenance=provenance)
    raise _validate.fail("certificates", "(epsilon, delta) or Gaussian-DP certificates", type(first).__name__)


def self_compose(certificate: Certificate, requests: int) -> Certificate:
    """Return the certificate of `requests` sequential requests with the same certificate."""
    requests = _validate.integer_at_least("requests", requests, 1)
    return compose([certificate] * requests)


def group_deletion(certificate: Certificate, group_size: int) -> Certificate:
    """Return the certificate for deleting `group_size` points at once.

    For (ε, δ): the chain of ``g`` neighbouring datasets gives
    ``P_0(E) ≤ e^{gε} P_g(E) + δ Σ_{i<g} e^{iε}``. For μ-GDP: ``gμ``, exact for the
    Gaussian mechanism.
    """
    group_size = _validate.integer_at_least("group_size", group_size, 1)
    provenance = certificate.provenance
    grouped = Provenance(
        algorithm=provenance.algorithm,
        basis=provenance.basis,
        bound_name=provenance.bound_name,
        bound=provenance.bound,
        requests=provenance.requests,
        group_size=provenance.group_size * group_size,
        assumptions=provenance.assumptions,
        parameters=provenance.parameters,
        notes=provenance.notes + (f"group deletion of {group_size} points from a per-point certificate",),
    )
    if isinstance(certificate, EpsilonDeltaCertificate):
        epsilon, delta = certificate.epsilon, certificate.delta
        if epsilon == 0.0:
            factor = float(group_size)
        else:
            # (e^{gε} − 1)/(e^ε − 1) computed with expm1 for small ε; overflow means ∞.
            with np.errstate(over="ignore"):
                factor = float(np.expm1(group_size * epsilon) / np.expm1(epsilon))
        group_delta = 1.0 if not math.isfinite(factor) else min(1.0, float(_numerics.pad_up(delta * factor)))
        return EpsilonDeltaCertificate(
            epsilon=float(_numerics.up(group_size * epsilon)), delta=group_delta, provenance=grouped
        )
    if isinstance(certificate, GaussianDPCertificate):
        return GaussianDPCertificate(mu=float(_numerics.up(group_size * certificate.mu)), provenance=grouped)
    raise _validate.fail("certificate", "an (epsilon, delta) or Gaussian-DP certificate", type(certificate).__name__)


def _merge_provenance(provenances: Sequence[Provenance], how: str) -> Provenance:
    algorithms = sorted({p.algorithm for p in provenances})
    assumptions: dict[tuple[str, str], object] = {}
    for provenance in provenances:
        for assumption in provenance.assumptions:
            key = (assumption.name, assumption.value)
            previous = assumptions.get(key)
            # An assumption is checked for the composition only if checked every time.
            if previous is None or (previous.checked and not assumption.checked):
                assumptions[key] = assumption
    basis = "data-dependent" if any(p.basis == "data-dependent" for p in provenances) else "worst-case"
    return Provenance(
        algorithm=" + ".join(algorithms),
        basis=basis,
        requests=sum(p.requests for p in provenances),
        group_size=max(p.group_size for p in provenances),
        assumptions=tuple(assumptions.values()),
        notes=(f"{how} over {len(provenances)} certificates",),
    )
