"""``certunlearn run``: train, unlearn and retrain over many seeds, probe depth, check the bound."""

from __future__ import annotations

import argparse
import ast
import contextlib
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .. import _validate
from ..engine import DeletionRequest, load_dataset, registry
from ..engine.data import BUNDLED
from ._output import dumps


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "run",
        help="audit an unlearning method: depth of unlearned vs retrained models, checked against its certificate",
        description="Over N seeds: train on the dataset, unlearn a forget set, retrain a reference model without it, "
        "probe how small a weight perturbation brings the forget set back (depth), and check the depth "
        "distributions against the certificate's guarantee (Theorem 1) at confidence 1 - alpha.",
    )
    parser.add_argument(
        "--dataset", required=True, help=f"{' or '.join(BUNDLED)}, or a path to an .npz (X, y) or .csv file"
    )
    parser.add_argument(
        "--classes", nargs="+", default=None, help="keep only these class labels, e.g. --classes 3 8 (default: all)"
    )
    parser.add_argument("--method", required=True, help="unlearning method (see `certunlearn methods`)")
    forget = parser.add_mutually_exclusive_group()
    forget.add_argument(
        "--forget-fraction",
        type=float,
        default=None,
        help="forget this share of random training points, in (0, 0.5] (default 0.01)",
    )
    forget.add_argument("--forget-class", default=None, help="forget every training point of this class label")
    parser.add_argument(
        "--requests",
        type=int,
        default=1,
        help="delete the forget set in this many sequential requests, >= 1 (default 1)",
    )
    parser.add_argument(
        "--epsilon", type=float, default=1.0, help="target epsilon of certified methods, > 0 (default 1)"
    )
    parser.add_argument(
        "--delta", type=float, default=1e-5, help="target delta of certified methods, in (0, 1) (default 1e-5)"
    )
    parser.add_argument("--seeds", type=int, default=50, help="number of audited runs, >= 1 (default 50)")
    parser.add_argument("--seed", type=int, default=0, help="base seed of every random stream, >= 0 (default 0)")
    parser.add_argument(
        "--alpha", type=float, default=0.05, help="false-alarm rate of the check, in (0, 1) (default 0.05)"
    )
    parser.add_argument(
        "--calibration-seeds", type=int, default=10, help="runs that fix tau and the probe grid (default 10)"
    )
    parser.add_argument("--grid-size", type=int, default=41, help="number of probe radii, >= 2 (default 41)")
    parser.add_argument(
        "--probe-steps", type=int, default=50, help="gradient steps of the probe per radius (default 50)"
    )
    parser.add_argument(
        "--tau", type=float, default=None, help="memorization threshold in (0, 1) (default: calibrated)"
    )
    parser.add_argument("--workers", type=int, default=None, help="worker processes, >= 1 (default: one per CPU)")
    parser.add_argument(
        "--test-fraction", type=float, default=0.3, help="held-out test share, in (0, 0.9] (default 0.3)"
    )
    parser.add_argument(
        "--label-column",
        default=None,
        help="label column of a CSV dataset (default: label, y, target, class or the last)",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="method hyperparameter, repeatable (e.g. --param sigma=2 --param regularization=0.01)",
    )
    parser.add_argument("--out", default=None, help="write report.json, report.md and PNG plots into this folder")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    parser.set_defaults(handler=handle)


def _parse_params(items: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items:
        key, separator, text = item.partition("=")
        if not separator or not key.strip():
            raise _validate.fail("--param", "KEY=VALUE", item)
        if key.strip() in ("epsilon", "delta"):
            raise _validate.fail("--param", f"a method hyperparameter (set {key.strip()} with --{key.strip()})", item)
        try:
            value = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError):
            value = text.strip()
        params[key.strip()] = value
    return params


def _validate_arguments(args: argparse.Namespace) -> None:
    """Check every argument before any work, with the flag's name in the message."""
    with _flag_names():
        registry.get(args.method)  # raises with the list of known methods
    _validate.positive("--epsilon", args.epsilon)
    _validate.probability_open("--delta", args.delta)
    if args.forget_fraction is not None:
        _validate.in_interval("--forget-fraction", args.forget_fraction, 0.0, 0.5, low_open=True)
    _validate.integer_at_least("--seeds", args.seeds, 1)
    _validate.integer_at_least("--requests", args.requests, 1)
    _validate.integer_at_least("--seed", args.seed, 0)
    _validate.probability_open("--alpha", args.alpha)
    _validate.integer_at_least("--calibration-seeds", args.calibration_seeds, 1)
    _validate.integer_at_least("--grid-size", args.grid_size, 2)
    _validate.integer_at_least("--probe-steps", args.probe_steps, 1)
    if args.tau is not None:
        _validate.probability_open("--tau", args.tau)
    if args.workers is not None:
        _validate.integer_at_least("--workers", args.workers, 1)
    _validate.in_interval("--test-fraction", args.test_fraction, 0.0, 0.9, low_open=True)
    if args.out is not None:
        from ..verifier.report import check_output_folder

        check_output_folder(args.out)


def _request(dataset, args: argparse.Namespace) -> DeletionRequest:
    if args.forget_class is not None:
        label = dataset.class_index(args.forget_class)
        indices = np.flatnonzero(dataset.y_train == label)
        if len(indices) == len(dataset.y_train):
            raise _validate.fail(
                "--forget-class", "a class that leaves other classes in the training set", args.forget_class
            )
        return DeletionRequest(tuple(indices.tolist()), kind="class", label=label)
    fraction = 0.01 if args.forget_fraction is None else args.forget_fraction
    size = max(1, int(round(fraction * len(dataset.y_train))))
    # The forget set is fixed by the base seed, separately from the runs' randomness.
    chooser = np.random.default_rng(np.random.SeedSequence([args.seed, 1]))
    indices = np.sort(chooser.choice(len(dataset.y_train), size=size, replace=False))
    return DeletionRequest(tuple(indices.tolist()))


_LIBRARY_TO_FLAG = {
    "method": "--method",
    "dataset": "--dataset",
    "label_column": "--label-column",
    "forget class": "--forget-class",
    "classes": "--classes",
}


@contextlib.contextmanager
def _flag_names(fallback: str | None = None):
    """Re-raise the library's argument errors under the command-line flag's name.

    An error about an argument with no flag of its own is prefixed with `fallback`,
    when given (``--param`` for method hyperparameters).
    """
    try:
        yield
    except _validate.InvalidArgumentError as error:
        message = str(error)
        for name, flag in _LIBRARY_TO_FLAG.items():
            if message.startswith(name + " "):
                raise _validate.InvalidArgumentError(flag + message[len(name) :]) from None
        if fallback is not None and not message.startswith("--"):
            raise _validate.InvalidArgumentError(f"{fallback} {message}") from None
        raise


def _warn_if_powerless(method, args: argparse.Namespace) -> None:
    """Warn before a certified audit whose seed count cannot detect any violation."""
    from ..bounds import EpsilonDeltaCertificate
    from ..verifier.depth_audit import minimum_seeds_to_detect

    if method.guarantee != "certified":
        return
    target = EpsilonDeltaCertificate(epsilon=args.epsilon, delta=args.delta)
    needed = minimum_seeds_to_detect([target], args.grid_size, alpha=args.alpha)
    if needed is None or args.seeds < needed:
        advice = f"use --seeds {needed} or more" if needed else "no practical number of seeds suffices at this epsilon"
        print(
            f"certunlearn run: warning: with --seeds {args.seeds} no violation of the target certificate "
            f"(epsilon={args.epsilon:g}, delta={args.delta:g}) can be detected, so a pass carries no evidence; "
            f"{advice}",
            file=sys.stderr,
        )


def handle(args: argparse.Namespace) -> int:
    from ..verifier import AuditSettings, render_text, result_record, run_audit, write_report

    _validate_arguments(args)
    with _flag_names():
        dataset = load_dataset(
            args.dataset,
            test_fraction=args.test_fraction,
            seed=args.seed,
            label_column=args.label_column,
            classes=args.classes,
        )
        request = _request(dataset, args)
        if args.requests > len(request):
            raise _validate.fail("--requests", f"at most the forget set's size ({len(request)})", args.requests)
    with _flag_names(fallback="--param"):
        method = registry.build(args.method, epsilon=args.epsilon, delta=args.delta, **_parse_params(args.param))
    settings = AuditSettings(
        seeds=args.seeds,
        seed=args.seed,
        alpha=args.alpha,
        calibration_seeds=args.calibration_seeds,
        grid_size=args.grid_size,
        probe_steps=args.probe_steps,
        tau=args.tau,
        requests=args.requests,
        uncertified_delta=args.delta,
        workers=args.workers,
    )
    _warn_if_powerless(method, args)
    result = run_audit(dataset, method, request, settings, progress=not args.no_progress)
    record = result_record(result)
    if args.out is not None:
        replaced = Path(args.out).is_dir() and any(Path(args.out).iterdir())
        folder = write_report(result, record, args.out)
        record["report_folder"] = str(folder)
        record["replaced_previous_report"] = replaced
    if args.json:
        print(dumps(record))
    else:
        print(render_text(record))
        if args.out is not None:
            replaced = " (replacing the previous report there)" if record["replaced_previous_report"] else ""
            print(f"report written to {record['report_folder']}{replaced}")
    return 0
