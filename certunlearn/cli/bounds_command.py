"""``certunlearn bounds``: depth guarantees implied by a certificate."""

from __future__ import annotations

import argparse

import numpy as np

from .. import _validate, bounds
from ._output import dumps, table

DEFAULT_PROBABILITIES = (0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99)
QUANTILE_LEVELS = (0.01, 0.05, 0.1, 0.25, 0.5)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "bounds",
        help="how deep the forgetting is guaranteed to be, from (epsilon, delta) or mu-GDP",
        description="Turn a certificate into depth guarantees. For each reference probability p = "
        "P(retrained model is recovered within budget r), print the bound h(p) on the same probability "
        "for the unlearned model (Theorem 1), and the reference quantile the unlearned depth exceeds "
        "with probability 1 - beta.",
    )
    parser.add_argument("--epsilon", type=float, help="epsilon of an (epsilon, delta) certificate, >= 0")
    parser.add_argument("--delta", type=float, help="delta of an (epsilon, delta) certificate, in [0, 1)")
    parser.add_argument("--mu", type=float, help="mu of a Gaussian-DP certificate, >= 0")
    parser.add_argument("--requests", type=int, default=1, help="number of sequential deletion requests (default 1)")
    parser.add_argument(
        "--group", type=int, default=1, help="points deleted per request under a per-point certificate (default 1)"
    )
    parser.add_argument(
        "--p", type=float, nargs="+", default=list(DEFAULT_PROBABILITIES), help="reference probabilities in [0, 1]"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.set_defaults(handler=handle)


def certificates_from_arguments(
    *, epsilon: float | None, delta: float | None, mu: float | None, requests: int, group: int
) -> list[bounds.Certificate]:
    """Build the per-request certificates given on the command line, grouped and composed."""
    requests = _validate.integer_at_least("--requests", requests, 1)
    group = _validate.integer_at_least("--group", group, 1)
    given: list[bounds.Certificate] = []
    if epsilon is not None or delta is not None:
        if epsilon is None or delta is None:
            raise _validate.fail("--epsilon and --delta", "given together", {"epsilon": epsilon, "delta": delta})
        _validate.non_negative("--epsilon", epsilon)
        _validate.in_interval("--delta", delta, 0.0, 1.0, high_open=True)
        given.append(
            bounds.EpsilonDeltaCertificate(
                epsilon=epsilon, delta=delta, provenance=bounds.Provenance(algorithm="given on the command line")
            )
        )
    if mu is not None:
        _validate.non_negative("--mu", mu)
        given.append(bounds.GaussianDPCertificate(mu=mu, provenance=bounds.Provenance(algorithm="given on the command line")))
    if not given:
        raise _validate.fail("certificate", "given as --epsilon with --delta, or --mu", None)
    result = []
    for certificate in given:
        if group > 1:
            certificate = bounds.group_deletion(certificate, group)
        if requests > 1:
            certificate = bounds.self_compose(certificate, requests)
        result.append(certificate)
    return result


def compute(*, epsilon, delta, mu, requests, group, probabilities) -> dict:
    """Return the record printed by the command."""
    probabilities = _validate.array_in_interval("--p", probabilities, 0.0, 1.0)
    certificates = certificates_from_arguments(epsilon=epsilon, delta=delta, mu=mu, requests=requests, group=group)
    # Each certificate's h is a valid upper bound, so their minimum is too.
    per_notion = [np.atleast_1d(certificate.transfer(probabilities)) for certificate in certificates]
    best = np.minimum.reduce(per_notion)
    levels = np.array(QUANTILE_LEVELS)
    quantile_levels = np.maximum.reduce([np.atleast_1d(c.transfer_inverse(levels)) for c in certificates])
    record = {
        "certificate": certificates[0].to_dict() if len(certificates) == 1 else None,
        "certificates": [certificate.to_dict() for certificate in certificates],
        "requests": requests,
        "group": group,
        "transfer": [{"p": float(p), "bound": float(b)} for p, b in zip(probabilities, best)],
        "quantiles": [
            {"beta": float(beta), "reference_quantile_level": float(level)}
            for beta, level in zip(levels, quantile_levels)
        ],
        "statement": "For every depth budget r: P(unlearned depth <= r) <= bound at p = P(reference depth <= r). "
        "With probability >= 1 - beta the unlearned depth is at least the reference depth's "
        "reference_quantile_level-quantile (-inf: no guarantee at that beta).",
    }
    if len(certificates) > 1:
        record["certificate"] = {"notion": "best of several", "members": record["certificates"]}
    return record


def handle(args: argparse.Namespace) -> int:
    record = compute(
        epsilon=args.epsilon, delta=args.delta, mu=args.mu, requests=args.requests, group=args.group, probabilities=args.p
    )
    if args.json:
        print(dumps(record))
        return 0
    for certificate in record["certificates"]:
        print(bounds.certificate_from_dict(certificate).statement())
        print()
    print("Theorem 1 (depth transfer): P(unlearned depth <= r) <= h(P(reference depth <= r))")
    print(table(["P(reference depth <= r)", "bound on P(unlearned depth <= r)"], [(row["p"], row["bound"]) for row in record["transfer"]]))
    print()
    print("Quantile form: with probability >= 1 - beta, unlearned depth >= reference quantile at level p")
    rows = [(row["beta"], row["reference_quantile_level"] if row["reference_quantile_level"] >= 0 else "none") for row in record["quantiles"]]
    print(table(["beta", "reference quantile level p"], rows))
    return 0
