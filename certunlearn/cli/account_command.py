"""``certunlearn account``: sound privacy bounds for the noisy mechanisms the engine runs."""

from __future__ import annotations

import argparse
import math
import warnings

import numpy as np

from .. import _numerics, _validate, bounds
from .._formatting import format_exact, format_up
from ._output import dumps, table

MECHANISMS = ("gaussian", "subsampled-gaussian", "laplace")
DEFAULT_DELTA = 1e-5

_METHODS = {
    "gaussian": "exact: T Gaussian releases compose to mu-GDP with mu = sqrt(T)/z (Dong, Roth and Su 2022)",
    "subsampled-gaussian": "Renyi accounting of the Poisson-subsampled Gaussian (Mironov, Talwar and Zhang 2019), "
    "converted by Canonne, Kamath and Steinke (2020)",
    "laplace": "the better of the exact composition of T pure-DP steps (Kairouz, Oh and Viswanath 2015) and "
    "Renyi accounting with the exact Laplace curve (Mironov 2017)",
}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "account",
        help="epsilon (or delta) of T steps of a Gaussian, Poisson-subsampled Gaussian or Laplace mechanism",
        description="Privacy accounting for the noisy mechanisms certunlearn's engine runs (noisy gradient "
        "descent, noisy SGD with Poisson sampling). Every number printed as epsilon or delta is a sound upper "
        "bound, rounded up; no estimate is printed in their place.",
    )
    parser.add_argument("--mechanism", choices=MECHANISMS, required=True, help="the noise mechanism")
    parser.add_argument(
        "--noise-multiplier",
        type=float,
        required=True,
        help="noise standard deviation (Gaussian) or scale (Laplace) divided by the sensitivity, > 0",
    )
    parser.add_argument(
        "--sampling-probability",
        type=float,
        help="Poisson sampling probability of each example per step, in (0, 1] (subsampled-gaussian only)",
    )
    parser.add_argument("--steps", type=int, default=1, help="number of steps T (default 1)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--delta", type=float, help=f"report epsilon at this delta, in (0, 1) (default {DEFAULT_DELTA:g})"
    )
    target.add_argument("--epsilon", type=float, help="report delta at this epsilon, >= 0")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.set_defaults(handler=handle)


def account(
    *,
    mechanism: str,
    noise_multiplier: float,
    sampling_probability: float | None = None,
    steps: int = 1,
    delta: float | None = None,
    epsilon: float | None = None,
) -> dict:
    """Return the accounting record printed by the command."""
    mechanism = _validate.one_of("--mechanism", mechanism, MECHANISMS)
    z = _validate.positive("--noise-multiplier", noise_multiplier)
    steps = _validate.integer_at_least("--steps", steps, 1)
    if delta is not None and epsilon is not None:
        raise _validate.fail("--delta and --epsilon", "not both given", {"delta": delta, "epsilon": epsilon})
    if epsilon is None:
        delta = _validate.probability_open("--delta", DEFAULT_DELTA if delta is None else delta)
    else:
        epsilon = _validate.non_negative("--epsilon", epsilon)
    if mechanism == "subsampled-gaussian":
        if sampling_probability is None:
            raise _validate.InvalidArgumentError(
                "--sampling-probability is missing: --mechanism subsampled-gaussian needs it, in (0, 1]"
            )
        q = _validate.in_interval("--sampling-probability", sampling_probability, 0.0, 1.0, low_open=True)
    elif sampling_probability is not None:
        raise _validate.fail(
            "--sampling-probability",
            "omitted for --mechanism gaussian or laplace (every step uses the full dataset)",
            sampling_probability,
        )
    else:
        q = 1.0

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", bounds.OrderGridWarning)
        certificate = _certificate(mechanism, z, q, steps)
        if epsilon is None:
            epsilon = _epsilon(mechanism, certificate, z, steps, delta)
        else:
            delta = _delta(mechanism, certificate, z, steps, epsilon)
    record = {
        "epsilon": float(epsilon),
        "delta": float(delta),
        "notion": certificate.notion,
        "upper_bound": True,
        "mechanism": mechanism,
        "noise_multiplier": z,
        "sampling_probability": q,
        "sampling": _sampling_text(mechanism, q),
        "steps": steps,
        "neighbouring_relation": "add or remove one example",
        "method": _METHODS[mechanism],
        "certificate": certificate.to_dict(),
        "warnings": sorted({str(item.message) for item in caught}),
    }
    if isinstance(certificate, bounds.RenyiCertificate):
        record["orders"] = [min(certificate.orders), max(certificate.orders)]
    return record


def _sampling_text(mechanism: str, q: float) -> str:
    if mechanism == "subsampled-gaussian":
        return f"Poisson, each example joins each step's batch independently with probability {q:g}"
    return "none, every step uses the full dataset"


def _certificate(mechanism: str, z: float, q: float, steps: int) -> bounds.Certificate:
    parameters = (("noise_multiplier", z), ("sampling_probability", q), ("steps", float(steps)))
    notes = ("neighbouring relation: add or remove one example", f"sampling: {_sampling_text(mechanism, q)}")
    provenance = bounds.Provenance(
        algorithm=f"{steps} step{'' if steps == 1 else 's'} of the {mechanism} mechanism",
        parameters=parameters,
        requests=1,
        notes=notes,
    )
    if mechanism == "gaussian":
        mu = float(_numerics.pad_up(math.sqrt(steps) / z))
        return bounds.GaussianDPCertificate(mu=mu, provenance=provenance)
    if mechanism == "subsampled-gaussian":
        rdp = bounds.subsampled_gaussian_rdp_total(noise_multiplier=z, sampling_probability=q, steps=steps)
        return bounds.RenyiCertificate(orders=bounds.DEFAULT_ORDERS, rdp=tuple(rdp), provenance=provenance)
    rdp = _numerics.pad_up(steps * bounds.laplace_rdp(bounds.DEFAULT_ORDERS, noise_multiplier=z))
    curve = bounds.RenyiCertificate(orders=bounds.DEFAULT_ORDERS, rdp=tuple(rdp), provenance=provenance)
    pure = 1.0 / z
    grid = np.linspace(0.0, min(steps * pure, bounds.profile.MAX_EPSILON), 257)
    if steps == 1:
        deltas = bounds.laplace_delta(grid, noise_multiplier=z)
    else:
        deltas = bounds.optimal_composition_delta(grid, epsilon=pure, delta=0.0, requests=steps)
    profile = bounds.PrivacyProfileCertificate(
        epsilons=tuple(grid), deltas=tuple(np.atleast_1d(deltas)), provenance=provenance
    )
    return bounds.best_of([curve, profile])


def _epsilon(mechanism: str, certificate, z: float, steps: int, delta: float) -> float:
    if mechanism == "gaussian":
        return float(bounds.gdp_epsilon(mu=certificate.mu, delta=delta))
    if mechanism == "laplace":
        return float(bounds.laplace_epsilon(noise_multiplier=z, delta=delta, steps=steps))
    return float(certificate.epsilon(delta))


def _delta(mechanism: str, certificate, z: float, steps: int, epsilon: float) -> float:
    if mechanism == "gaussian":
        return float(bounds.gdp_delta(epsilon, mu=certificate.mu))
    if mechanism == "subsampled-gaussian":
        return float(certificate.delta(epsilon))
    # Laplace: the best of the members (the Rényi curve and the exact composed profile),
    # with the exact one-step profile for a single release.
    curve, profile = certificate.members
    candidates = [float(curve.delta(epsilon, warn=False)), float(profile.delta(epsilon))]
    if steps == 1:
        candidates.append(float(bounds.laplace_delta(epsilon, noise_multiplier=z)))
    else:
        candidates.append(float(bounds.optimal_composition_delta(epsilon, epsilon=1.0 / z, delta=0.0, requests=steps)))
    return min(candidates)


def handle(args: argparse.Namespace) -> int:
    record = account(
        mechanism=args.mechanism,
        noise_multiplier=args.noise_multiplier,
        sampling_probability=args.sampling_probability,
        steps=args.steps,
        delta=args.delta,
        epsilon=args.epsilon,
    )
    if args.json:
        print(dumps(record))
        return 0
    # The quantity the user fixed is exact; the other one is the bound.
    epsilon_label, delta_label = (
        ("epsilon (given)", "delta (upper bound)")
        if args.epsilon is not None
        else ("epsilon (upper bound)", "delta (given)")
    )
    rows = [
        (epsilon_label, format_up(record["epsilon"])),
        (delta_label, format_up(record["delta"])),
        ("notion", record["notion"]),
        ("noise multiplier", format_exact(record["noise_multiplier"])),
        ("steps", record["steps"]),
        ("sampling", record["sampling"]),
    ]
    print(table(["quantity", "value"], [(name, _cell(value)) for name, value in rows]))
    print(f"method: {record['method']}")
    for message in record["warnings"]:
        print(f"warning: {message}")
    return 0


def _cell(value):
    if isinstance(value, float) and not math.isinf(value) and not np.isnan(value):
        return f"{value:.6g}"
    return value
