"""Group deletion: certificates for removing g points at once from per-point certificates.

Datasets that differ in g points are joined by a chain of g neighbouring datasets, so a
per-point certificate applied g times bounds the group. Per notion, the tightest rule
implemented here (``proofs/theorem3_composition.md``):

* (ε, δ): ``(gε, δ(e^{gε} − 1)/(e^ε − 1))`` (in :mod:`.composition`, unchanged);
* μ-GDP: ``gμ``, exact for the Gaussian mechanism (Dong, Roth and Su 2022);
* privacy profile and f-DP: the transfer composed g times, ``h^{∘g}``, computed exactly on
  the lines of the piecewise-linear transfer; this is the group-privacy theorem of f-DP
  and never worse than applying the (ε, δ) rule at each grid point;
* Rényi: the weak triangle inequality, proved from Hölder's inequality: for α > 1 and
  conjugate exponents ``1/s + 1/t = 1``,

      D_α(P₀‖P₂) ≤ (α − 1/s)/(α − 1) · D_{sα}(P₀‖P₁) + D_{1 + t(α−1)}(P₁‖P₂),

  applied along the chain with the best s from a fixed set at each order. Orders that
  leave the grid become ``inf``; when every order does, the group certificate is taken
  from the profile route instead;
* best-of: the best of the members' group certificates.

For the Gaussian mechanism itself the exact group certificate comes from scaling the
sensitivity (``gaussian_rdp`` with ``noise_multiplier / g``, or GDP ``gμ``).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .. import _numerics, _validate
from .certificate import Certificate, Provenance
from .combine import BestOfCertificate, best_of
from .conversions import rdp_at_orders, to_profile
from .fdp import TradeOffCertificate, group_pairs
from .profile import PrivacyProfileCertificate
from .renyi import RenyiCertificate

# Hölder exponents s tried at each order (t = s/(s − 1)).
_HOLDER_EXPONENTS = np.array([1.02, 1.05, 1.1, 1.2, 1.35, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 6.0, 10.0, 20.0])


def _grouped(provenance: Provenance, group_size: int, how: str) -> Provenance:
    return replace(
        provenance,
        group_size=provenance.group_size * group_size,
        notes=provenance.notes + (f"group deletion of {group_size} points from a per-point certificate ({how})",),
    )


def profile_group(certificate: PrivacyProfileCertificate | TradeOffCertificate, group_size: int):
    """Return the certificate of the same notion for groups of `group_size` points (``h^{∘g}``)."""
    group_size = _validate.integer_at_least("group_size", group_size, 1)
    if group_size == 1:
        return certificate
    epsilons, deltas = group_pairs(certificate.epsilons, certificate.deltas, group_size)
    order = np.lexsort((deltas, epsilons))
    epsilons, deltas = epsilons[order], deltas[order]
    first = np.concatenate([[True], np.diff(epsilons) > 0])
    cls = type(certificate)
    return cls(
        epsilons=tuple(epsilons[first]),
        deltas=tuple(deltas[first]),
        provenance=_grouped(certificate.provenance, group_size, "transfer function composed g times"),
    )


def renyi_group_rdp(orders, rdp, group_size: int) -> np.ndarray:
    """Return Rényi bounds for groups of `group_size` points, by the weak triangle inequality."""
    orders = np.asarray(orders, dtype=float)
    base = np.asarray(rdp, dtype=float)
    current = base.copy()
    s = _HOLDER_EXPONENTS[:, None]
    t = s / (s - 1.0)
    alpha = orders[None, :]
    weight = _numerics.pad_up((alpha - 1.0 / s) / (alpha - 1.0))
    first_orders = s * alpha
    second_orders = 1.0 + t * (alpha - 1.0)
    first = rdp_at_orders(orders, base, first_orders.ravel()).reshape(first_orders.shape)
    for _ in range(group_size - 1):
        second = rdp_at_orders(orders, current, second_orders.ravel()).reshape(second_orders.shape)
        with np.errstate(invalid="ignore"):
            candidates = _numerics.pad_up(weight * first + second)
        candidates = np.where(np.isnan(candidates), math.inf, candidates)
        current = candidates.min(axis=0)
    return current


def renyi_group(certificate: RenyiCertificate, group_size: int) -> Certificate:
    """Return a Rényi certificate for groups of `group_size` points (weak triangle chain).

    Falls back to the profile route when the chain leaves the order grid at every order.
    """
    group_size = _validate.integer_at_least("group_size", group_size, 1)
    if group_size == 1:
        return certificate
    rdp = renyi_group_rdp(certificate.orders, certificate.rdp, group_size)
    if not np.any(np.isfinite(rdp)):
        return profile_group(to_profile(certificate), group_size)
    return RenyiCertificate(
        orders=certificate.orders,
        rdp=tuple(rdp),
        provenance=_grouped(certificate.provenance, group_size, "weak triangle inequality of Renyi divergence"),
    )


def best_of_group(certificate: BestOfCertificate, group_size: int, group_one) -> Certificate:
    """Return the best of the members' group certificates (`group_one` handles one member)."""
    return best_of([group_one(member, group_size) for member in certificate.members])
