"""``certunlearn calibrate``: Gaussian noise scale for a target (ε, δ)."""

from __future__ import annotations

import argparse

from .. import _validate, bounds
from .._formatting import format_exact, format_up
from ._output import dumps

_REFERENCES = {
    "analytic": "analytic Gaussian mechanism (Balle and Wang 2018): the least sigma with delta(epsilon) <= delta",
    "classical": "classical Gaussian rule (Dwork and Roth 2014, Theorem A.1), valid for epsilon < 1",
}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "calibrate",
        help="noise standard deviation sigma for a Gaussian mechanism to be (epsilon, delta)-DP",
        description="Compute the Gaussian noise standard deviation sigma that makes a mechanism of the "
        "given l2 sensitivity (epsilon, delta)-DP. The result is rounded up: never below the exact value.",
    )
    parser.add_argument("--epsilon", type=float, required=True, help="target epsilon, > 0")
    parser.add_argument("--delta", type=float, required=True, help="target delta, in (0, 1)")
    parser.add_argument("--sensitivity", type=float, default=1.0, help="l2 sensitivity, > 0 (default 1)")
    parser.add_argument(
        "--method", choices=sorted(_REFERENCES), default="analytic", help="calibration rule (default analytic)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.set_defaults(handler=handle)


def calibrate(*, epsilon: float, delta: float, sensitivity: float, method: str) -> dict:
    """Return the calibration record printed by the command."""
    _validate.positive("--epsilon", epsilon)
    _validate.probability_open("--delta", delta)
    _validate.positive("--sensitivity", sensitivity)
    if method == "classical" and epsilon >= 1:
        raise _validate.fail(
            "--epsilon", "in (0, 1) for --method classical (use --method analytic for epsilon >= 1)", epsilon
        )
    if method == "analytic":
        sigma = bounds.calibrate_analytic_gaussian(epsilon=epsilon, delta=delta, sensitivity=sensitivity)
    else:
        sigma = bounds.calibrate_classical_gaussian(epsilon=epsilon, delta=delta, sensitivity=sensitivity)
    sigma = float(sigma)
    return {
        "sigma": sigma,
        "method": method,
        "epsilon": float(epsilon),
        "delta": float(delta),
        "sensitivity": float(sensitivity),
        "noise_multiplier": sigma / float(sensitivity),
        "achieved_delta": float(bounds.gaussian_delta(epsilon, sigma=sigma, sensitivity=sensitivity)),
        "rounding": "sigma is rounded up: the exact (epsilon, delta) requirement is met",
    }


def handle(args: argparse.Namespace) -> int:
    record = calibrate(epsilon=args.epsilon, delta=args.delta, sensitivity=args.sensitivity, method=args.method)
    if args.json:
        print(dumps(record))
        return 0
    sigma, multiplier = format_up(record["sigma"], 8), format_up(record["noise_multiplier"], 8)
    print(f"sigma = {sigma}  (noise multiplier {multiplier}; rounded up)")
    print(
        f"for (epsilon={format_exact(record['epsilon'])}, delta={format_exact(record['delta'])}) "
        f"at l2 sensitivity {format_exact(record['sensitivity'])}"
    )
    print(f"rule: {_REFERENCES[record['method']]}")
    print(f"exact delta at this sigma: {format_up(record['achieved_delta'])} (<= {format_exact(record['delta'])})")
    return 0
