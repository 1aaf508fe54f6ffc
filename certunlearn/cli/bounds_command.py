"""``certunlearn bounds``: depth guarantees implied by a certificate."""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np

from .. import _validate, bounds
from .._formatting import format_down, format_exact, format_up
from ._output import dumps, table

DEFAULT_PROBABILITIES = (0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99)
QUANTILE_LEVELS = (0.01, 0.05, 0.1, 0.25, 0.5)
_GIVEN = "given on the command line"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "bounds",
        help="how deep the forgetting is guaranteed to be, from (epsilon, delta), mu-GDP, a Renyi curve or a file",
        description="Turn a certificate into depth guarantees. For each reference probability p = "
        "P(retrained model is recovered within budget r), print the bound h(p) on the same probability "
        "for the unlearned model (Theorem 1), and the reference quantile the unlearned depth exceeds "
        "with probability 1 - beta. Several certificates for the same mechanism may be given; the "
        "tightest bound applies.",
    )
    parser.add_argument("--epsilon", type=float, help="epsilon of an (epsilon, delta) certificate, >= 0")
    parser.add_argument("--delta", type=float, help="delta of an (epsilon, delta) certificate, in [0, 1)")
    parser.add_argument("--mu", type=float, help="mu of a Gaussian-DP certificate, >= 0")
    parser.add_argument(
        "--orders",
        type=float,
        nargs="+",
        metavar="A",
        help="Renyi orders of a Renyi certificate, each > 1 (with --rdp)",
    )
    parser.add_argument(
        "--rdp",
        type=float,
        nargs="+",
        metavar="R",
        help="Renyi divergence bounds, one per order, each >= 0 (with --orders)",
    )
    parser.add_argument(
        "--certificate",
        metavar="FILE",
        help="JSON file with a certificate of any notion (the 'certificate' record that --json commands print)",
    )
    parser.add_argument("--requests", type=int, default=1, help="number of sequential deletion requests (default 1)")
    parser.add_argument(
        "--group", type=int, default=1, help="points deleted per request under a per-point certificate (default 1)"
    )
    parser.add_argument(
        "--p", type=float, nargs="+", default=list(DEFAULT_PROBABILITIES), help="reference probabilities in [0, 1]"
    )
    parser.add_argument("--plot", metavar="FILE", help="write a PNG of the transfer and depth-quantile curves")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.set_defaults(handler=handle)


def certificates_from_arguments(
    *,
    epsilon: float | None,
    delta: float | None,
    mu: float | None,
    requests: int,
    group: int,
    orders=None,
    rdp=None,
    certificate_file: str | None = None,
) -> list[bounds.Certificate]:
    """Build the per-request certificates given on the command line, grouped and composed.

    Each certificate is grouped and composed within its own notion (basic composition for
    (epsilon, delta)); see :func:`candidate_certificates` for the tighter compositions.
    """
    requests = _validate.integer_at_least("--requests", requests, 1)
    group = _validate.integer_at_least("--group", group, 1)
    result = []
    for certificate in _given_certificates(epsilon, delta, mu, orders, rdp, certificate_file):
        if group > 1:
            certificate = bounds.group_deletion(certificate, group)
        if requests > 1:
            certificate = bounds.self_compose(certificate, requests)
        result.append(certificate)
    return result


def _given_certificates(epsilon, delta, mu, orders, rdp, certificate_file) -> list[bounds.Certificate]:
    provenance = bounds.Provenance(algorithm=_GIVEN)
    given: list[bounds.Certificate] = []
    if epsilon is not None or delta is not None:
        _require_both(("--epsilon", epsilon), ("--delta", delta))
        _validate.non_negative("--epsilon", epsilon)
        _validate.in_interval("--delta", delta, 0.0, 1.0, high_open=True)
        given.append(bounds.EpsilonDeltaCertificate(epsilon=epsilon, delta=delta, provenance=provenance))
    if mu is not None:
        _validate.non_negative("--mu", mu)
        given.append(bounds.GaussianDPCertificate(mu=mu, provenance=provenance))
    if orders is not None or rdp is not None:
        _require_both(("--orders", orders), ("--rdp", rdp))
        if len(orders) != len(rdp):
            raise _validate.fail("--rdp", f"one value per order ({len(orders)} values)", len(rdp))
        bounds.renyi.validate_orders(orders, name="--orders")
        _validate.array_in_interval("--rdp", rdp, 0.0, float("inf"))
        pairs = sorted(zip(orders, rdp, strict=True))
        if len({order for order, _ in pairs}) != len(pairs):
            raise _validate.fail("--orders", "distinct values", orders)
        given.append(
            bounds.RenyiCertificate(
                orders=tuple(order for order, _ in pairs), rdp=tuple(value for _, value in pairs), provenance=provenance
            )
        )
    if certificate_file is not None:
        given.append(read_certificate(certificate_file))
    if not given:
        raise _validate.InvalidArgumentError(
            "a certificate is missing: give --epsilon with --delta, --mu, --orders with --rdp, or --certificate FILE"
        )
    return given


def _require_both(first: tuple[str, object], second: tuple[str, object]) -> None:
    """Raise when only one flag of a pair that is used together was given."""
    (first_flag, first_value), (second_flag, second_value) = first, second
    if first_value is None:
        raise _validate.InvalidArgumentError(f"{first_flag} is missing: give it together with {second_flag}")
    if second_value is None:
        raise _validate.InvalidArgumentError(f"{second_flag} is missing: give it together with {first_flag}")


def read_certificate(path: str) -> bounds.Certificate:
    """Read a certificate from a JSON file: a certificate record, or a record holding one."""
    file = Path(path)
    if not file.is_file():
        raise _validate.fail("--certificate", "a path to an existing JSON file", path)
    try:
        text = file.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise _validate.fail("--certificate", "a readable JSON text file", f"{path} ({error})") from None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise _validate.fail("--certificate", "a JSON file", f"{path} ({error.msg} at line {error.lineno})") from None
    # A run report or `account --json` output stores the record under "certificate".
    if isinstance(record, dict) and "provenance" not in record and isinstance(record.get("certificate"), dict):
        record = record["certificate"]
    elif isinstance(record, dict) and "certificate" in record and record["certificate"] is None:
        raise _validate.fail(
            "--certificate",
            "a record containing a certificate (this one has none because its method is uncertified)",
            path,
        )
    if not isinstance(record, dict) or "notion" not in record or "provenance" not in record:
        raise _validate.fail("--certificate", "a JSON certificate record with 'notion' and 'provenance'", path)
    try:
        return bounds.certificate_from_dict(record)
    except (KeyError, TypeError) as error:
        raise _validate.fail("--certificate", "a complete certificate record", f"{path} (missing {error})") from None


def candidate_certificates(composed: list[bounds.Certificate], *, given, requests: int, group: int) -> list:
    """Return every certificate the transfer takes its minimum over.

    The notion-preserving compositions in `composed`, and for several requests also the
    tightest composition of each given certificate (``method="best"``).
    """
    candidates = list(composed)
    if requests > 1:
        for certificate in given:
            grouped = bounds.group_deletion(certificate, group) if group > 1 else certificate
            candidates.append(bounds.self_compose(grouped, requests, method="best"))
    return candidates


def compute(
    *, epsilon, delta, mu, requests, group, probabilities, orders=None, rdp=None, certificate_file=None
) -> dict:
    """Return the record printed by the command."""
    probabilities = _validate.array_in_interval("--p", probabilities, 0.0, 1.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", bounds.OrderGridWarning)
        given = _given_certificates(epsilon, delta, mu, orders, rdp, certificate_file)
        composed = certificates_from_arguments(
            epsilon=epsilon,
            delta=delta,
            mu=mu,
            requests=requests,
            group=group,
            orders=orders,
            rdp=rdp,
            certificate_file=certificate_file,
        )
        candidates = candidate_certificates(composed, given=given, requests=requests, group=group)
        best = bounds.best_of(candidates)
        # Each candidate's h is a valid upper bound, so their minimum is too.
        bound = np.atleast_1d(best.transfer(probabilities))
        levels = np.array(QUANTILE_LEVELS)
        quantile_levels = np.atleast_1d(best.transfer_inverse(levels))
    headline = composed[0] if len(composed) == 1 else bounds.best_of(composed)
    record = {
        "certificate": headline.to_dict(),
        "certificates": [certificate.to_dict() for certificate in candidates],
        "requests": requests,
        "group": group,
        "transfer": [{"p": float(p), "bound": float(b)} for p, b in zip(probabilities, bound, strict=True)],
        "quantiles": [
            {"beta": float(beta), "reference_quantile_level": float(level)}
            for beta, level in zip(levels, quantile_levels, strict=True)
        ],
        "statement": "For every depth budget r: P(unlearned depth <= r) <= bound at p = P(reference depth <= r). "
        "With probability >= 1 - beta the unlearned depth is at least the reference depth's "
        "reference_quantile_level-quantile (-inf: no guarantee at that beta). The bound is the least over "
        "'certificates'; 'certificate' is the composition within the notion given.",
        "warnings": sorted({str(item.message) for item in caught}),
    }
    return record


def write_plot(path: str, record: dict) -> None:
    """Write the transfer curves and the depth-quantile curve of a record to a PNG file."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    candidates = [bounds.certificate_from_dict(item) for item in record["certificates"]]
    best = bounds.best_of(candidates)
    grid = np.unique(np.concatenate([np.geomspace(1e-6, 1.0, 300), np.linspace(0.0, 1.0, 201)]))
    betas = np.linspace(0.0, 1.0, 201)
    figure, (left, right) = pyplot.subplots(1, 2, figsize=(11, 4.5))
    for certificate in candidates:
        label = certificate.notion
        if isinstance(certificate, bounds.BestOfCertificate):
            label += " (" + ", ".join(member.notion for member in certificate.members) + ")"
        left.plot(grid, np.atleast_1d(certificate.transfer(grid)), alpha=0.6, label=label)
    # Drawn wide and below the others (zorder 1), so that every certificate's curve stays visible.
    left.plot(
        grid, np.atleast_1d(best.transfer(grid)), color="black", linewidth=4, alpha=0.3, label="bound (least)", zorder=1
    )
    left.plot(grid, grid, color="grey", linestyle=":", label="no change (h(p) = p)")
    left.set_xlabel("p = P(reference depth <= r)")
    left.set_ylabel("bound on P(unlearned depth <= r)")
    left.set_title("Transfer function h (Theorem 1)")
    left.legend(fontsize=8)
    levels = np.atleast_1d(best.transfer_inverse(betas))
    shown = np.where(levels >= 0.0, levels, np.nan)
    right.plot(betas, shown, color="black")
    right.plot(betas, betas, color="grey", linestyle=":", label="no change")
    right.set_xlabel("beta")
    right.set_ylabel("reference quantile level h^-1(beta)")
    right.set_title("Depth quantiles: P(unlearned depth < Q_r(level)) <= beta")
    right.legend(fontsize=8)
    figure.tight_layout()
    try:
        figure.savefig(path, dpi=120)
    except OSError as error:
        raise _validate.fail("--plot", "a writable file path", f"{path} ({error.strerror})") from None
    pyplot.close(figure)


def check_plot_path(path: str) -> None:
    """Validate --plot before any work: a .png file in an existing folder."""
    file = Path(path)
    if file.suffix.lower() != ".png":
        raise _validate.fail("--plot", "a file name ending in .png", path)
    if not file.resolve().parent.is_dir():
        raise _validate.fail("--plot", "a path in an existing folder", path)
    if file.exists() and not file.is_file():
        raise _validate.fail("--plot", "a file path (not a folder)", path)


def handle(args: argparse.Namespace) -> int:
    if args.plot:
        check_plot_path(args.plot)
    record = compute(
        epsilon=args.epsilon,
        delta=args.delta,
        mu=args.mu,
        requests=args.requests,
        group=args.group,
        probabilities=args.p,
        orders=args.orders,
        rdp=args.rdp,
        certificate_file=args.certificate,
    )
    if args.plot:
        write_plot(args.plot, record)
        record["plot"] = str(args.plot)
    if args.json:
        print(dumps(record))
        return 0
    print(bounds.certificate_from_dict(record["certificate"]).statement())
    print()
    for message in record["warnings"]:
        print(f"warning: {message}")
    if len(record["certificates"]) > 1:
        print(
            f"The bounds below are the least over {len(record['certificates'])} sound certificates for this input "
            "(the one above and tighter compositions or conversions of it); the JSON lists them all."
        )
    print("Theorem 1 (depth transfer): P(unlearned depth <= r) <= h(P(reference depth <= r)), rounded up")
    rows = [(format_exact(row["p"]), format_up(row["bound"])) for row in record["transfer"]]
    print(table(["P(reference depth <= r)", "bound on P(unlearned depth <= r)"], rows))
    print()
    print(
        "Quantile form: with probability >= 1 - beta, unlearned depth >= reference quantile at level p (rounded down)"
    )
    rows = [
        (
            format_exact(row["beta"]),
            format_down(row["reference_quantile_level"]) if row["reference_quantile_level"] >= 0 else "none",
        )
        for row in record["quantiles"]
    ]
    print(table(["beta", "reference quantile level p"], rows))
    if args.plot:
        print(f"\nplot written to {args.plot}")
    return 0
