"""Certificates from Google's ``dp_accounting`` accountants and events.

``dp_accounting`` is optional (install ``certunlearn[accounting]``); it is imported only
when one of these functions is called.

* :func:`certificate_from_rdp_accountant`: an ``RdpAccountant``'s orders and composed
  Rényi values become a :class:`~certunlearn.bounds.renyi.RenyiCertificate` as they are
  (they are upper bounds already).
* :func:`profile_from_accountant`: any accountant with ``get_delta`` (the PLD
  accountant, an RDP accountant, ...) becomes a privacy profile by querying δ on a grid of
  ε; each δ is padded up by a relative 1e-9, and the profile's own interpolation rules are
  sound between grid points. The bound is only as sound as the accountant's
  ``get_delta``: dp_accounting's PLD accountant discretises pessimistically, so its δ is an
  upper bound up to the floating-point error the padding covers.
* :func:`certificate_from_event`: a ``DpEvent`` is accounted by this package: Gaussian
  (exact GDP), Poisson-sampled Gaussian (Rényi, :mod:`.subsampled_gaussian`), Laplace
  (the best of pure DP and its exact Rényi curve), and self or heterogeneous compositions
  of these. No-op events give ε = 0.

Every certificate records the neighbouring relation it assumes: dp_accounting's default is
"add or remove one"; certunlearn's deletion certificates compare a model with one trained
without the forget set, which is the same relation.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _numerics, _validate
from .certificate import Certificate, EpsilonDeltaCertificate, GaussianDPCertificate, Provenance
from .combine import best_of
from .composition import compose
from .profile import DEFAULT_EPSILONS, PrivacyProfileCertificate
from .renyi import DEFAULT_ORDERS, RenyiCertificate, laplace_rdp, validate_orders
from .subsampled_gaussian import subsampled_gaussian_rdp

# Relative padding on δ values read from an accountant: far above the rounding of its
# floating-point arithmetic and far below any tolerance a user would notice.
_ACCOUNTANT_MARGIN = 1e-9


def _import_dp_accounting():
    try:
        import dp_accounting
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            "dp_accounting is not installed; install the optional extra with `pip install certunlearn[accounting]`"
        ) from error
    return dp_accounting


def _relation(accountant) -> str:
    relation = getattr(accountant, "neighboring_relation", None)
    return getattr(relation, "name", str(relation)).lower().replace("_", " ")


def certificate_from_rdp_accountant(accountant) -> RenyiCertificate:
    """Return the Rényi certificate of a ``dp_accounting.rdp.RdpAccountant``.

    Orders at or below 1 (which dp_accounting allows) are dropped, because the conversions
    of this package need α > 1.
    """
    dp_accounting = _import_dp_accounting()
    if not isinstance(accountant, dp_accounting.rdp.RdpAccountant):
        raise _validate.fail("accountant", "a dp_accounting.rdp.RdpAccountant", type(accountant).__name__)
    orders = np.asarray(accountant.orders, dtype=float)
    rdp = np.asarray(accountant.rdp, dtype=float)
    keep = orders > 1.0
    if not np.any(keep):
        raise _validate.fail("accountant orders", "at least one order in (1, inf)", orders)
    order = np.argsort(orders[keep])
    # dp_accounting stores +inf for orders whose series did not converge; keep them as inf.
    rdp = np.where(np.isnan(rdp[keep][order]), math.inf, np.maximum(rdp[keep][order], 0.0))
    return RenyiCertificate(
        orders=tuple(orders[keep][order]),
        rdp=tuple(_numerics.pad_up(rdp)),
        provenance=Provenance(
            algorithm="dp_accounting RdpAccountant",
            notes=(f"neighbouring relation: {_relation(accountant)}",),
        ),
    )


def profile_from_accountant(accountant, *, epsilons=DEFAULT_EPSILONS) -> PrivacyProfileCertificate:
    """Return a privacy profile from any dp_accounting accountant's ``get_delta``."""
    _import_dp_accounting()
    grid = _validate.array_in_interval("epsilons", epsilons, 0.0, 700.0)
    deltas = np.array([float(accountant.get_delta(float(value))) for value in grid])
    if np.any(np.isnan(deltas)):
        raise _validate.fail("accountant", "an accountant whose get_delta returns numbers", "NaN")
    deltas = np.minimum(_numerics.pad_up(np.maximum(deltas, 0.0), margin=_ACCOUNTANT_MARGIN), 1.0)
    return PrivacyProfileCertificate(
        epsilons=tuple(grid),
        deltas=tuple(deltas),
        provenance=Provenance(
            algorithm=f"dp_accounting {type(accountant).__name__}",
            notes=(
                f"neighbouring relation: {_relation(accountant)}",
                "delta read from the accountant's get_delta on a grid of epsilon, padded up by a relative "
                f"{_ACCOUNTANT_MARGIN:g}",
            ),
        ),
    )


def certificate_from_event(event, *, orders=DEFAULT_ORDERS) -> Certificate:
    """Return a certificate for a dp_accounting ``DpEvent`` (add-or-remove neighbours).

    Supported: ``NoOpDpEvent``, ``GaussianDpEvent``, ``LaplaceDpEvent``,
    ``PoissonSampledDpEvent`` of a ``GaussianDpEvent``, ``SelfComposedDpEvent`` and
    ``ComposedDpEvent`` of supported events. Anything else raises an error naming it.
    """
    dp_accounting = _import_dp_accounting()
    orders = validate_orders(orders)
    events = dp_accounting.dp_event
    provenance = Provenance(
        algorithm=f"dp_accounting {type(event).__name__}", notes=("neighbouring relation: add or remove one",)
    )
    if isinstance(event, events.NoOpDpEvent):
        return EpsilonDeltaCertificate(epsilon=0.0, delta=0.0, provenance=provenance)
    if isinstance(event, events.GaussianDpEvent):
        z = _validate.non_negative("noise_multiplier", event.noise_multiplier, allow_inf=True)
        mu = math.inf if z == 0.0 else float(_numerics.up(1.0 / z))
        return GaussianDPCertificate(mu=mu, provenance=provenance)
    if isinstance(event, events.LaplaceDpEvent):
        b = _validate.non_negative("noise_multiplier", event.noise_multiplier, allow_inf=True)
        if b == 0.0:
            return EpsilonDeltaCertificate(epsilon=math.inf, delta=0.0, provenance=provenance)
        pure = EpsilonDeltaCertificate(epsilon=float(_numerics.up(1.0 / b)), delta=0.0, provenance=provenance)
        curve = RenyiCertificate(
            orders=tuple(orders), rdp=tuple(laplace_rdp(orders, noise_multiplier=b)), provenance=provenance
        )
        return best_of([pure, curve])
    if isinstance(event, events.PoissonSampledDpEvent) and isinstance(event.event, events.GaussianDpEvent):
        rdp = subsampled_gaussian_rdp(
            orders,
            noise_multiplier=event.event.noise_multiplier,
            sampling_probability=event.sampling_probability,
        )
        return RenyiCertificate(
            orders=tuple(orders),
            rdp=tuple(rdp),
            provenance=Provenance(
                algorithm="Poisson-subsampled Gaussian (dp_accounting PoissonSampledDpEvent)",
                parameters=(
                    ("noise_multiplier", float(event.event.noise_multiplier)),
                    ("sampling_probability", float(event.sampling_probability)),
                ),
                notes=("neighbouring relation: add or remove one", "sampling scheme: Poisson sampling"),
            ),
        )
    if isinstance(event, events.SelfComposedDpEvent):
        count = _validate.integer_at_least("count", event.count, 0)
        if count == 0:
            return EpsilonDeltaCertificate(epsilon=0.0, delta=0.0, provenance=provenance)
        inner = certificate_from_event(event.event, orders=orders)
        return _scaled(inner, count)
    if isinstance(event, events.ComposedDpEvent):
        parts = [certificate_from_event(item, orders=orders) for item in event.events]
        if not parts:
            return EpsilonDeltaCertificate(epsilon=0.0, delta=0.0, provenance=provenance)
        return compose(parts, method="best") if len(parts) > 1 else parts[0]
    raise _validate.fail(
        "event",
        "a NoOp, Gaussian, Laplace, Poisson-sampled Gaussian, self-composed or composed DpEvent",
        type(event).__name__,
    )


def _scaled(certificate: Certificate, count: int) -> Certificate:
    """k-fold composition of one certificate, with the closed forms where they exist."""
    if count == 1:
        return certificate
    if isinstance(certificate, RenyiCertificate):
        from dataclasses import replace

        return RenyiCertificate(
            orders=certificate.orders,
            rdp=tuple(_numerics.pad_up(count * np.asarray(certificate.rdp))),
            provenance=replace(certificate.provenance, requests=certificate.provenance.requests * count),
        )
    return compose([certificate] * count, method="best")
