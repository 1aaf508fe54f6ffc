"""Repeated runs of an unlearning method, depth probes, and the Theorem 1 check.

The audit follows the theory's contract for the depth check:

1. **Calibration** on seeds independent of the audit: train the original model
   (``A(D)``) and a reference model (``R(D_r)``) per seed. The threshold τ is the midpoint
   of their mean memorization scores, and the probe's grid runs from 0 to 1.25 times
   the largest depth of a calibration reference model. Both are thus fixed before,
   and independently of, every audited run, as Theorem 1 requires.
2. **Audit** on ``N`` fresh seeds: per seed, train ``A(D)``, unlearn the forget set with
   ``U``, draw an independent reference ``R(D_r)``, and probe the depth of both.
3. **Check**: empirical depth CDFs with simultaneous bands, the Theorem 1 bound at every
   radius, and a verdict (:mod:`.depth_audit`).

Seeds are independent streams spawned from one base seed, which the result records, so
a run is reproducible. Seeds run on a local process pool by default, or on any
``concurrent.futures.Executor`` the caller passes (for example the executor of a Dask
``distributed.Client``).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from .. import __version__, _validate
from ..bounds import certificate_from_dict
from ..engine.base import DeletionRequest, Unlearner
from ..engine.data import Dataset
from .depth_audit import DepthAudit, audit_depths
from .probes import BallProbe, coarse_radii
from .scores import SCORE_NAME, memorization_score


@dataclass(frozen=True)
class AuditSettings:
    """How an audit runs.

    Attributes:
        seeds: number N of audited runs (each: train, unlearn, retrain), ≥ 1.
        seed: base seed; every random stream of the audit derives from it.
        alpha: false-alarm rate of the Theorem 1 check, in (0, 1).
        beta: level of the guaranteed-depth statement, in (0, 1).
        calibration_seeds: runs used to fix τ and the probe grid, ≥ 1.
        grid_size: number of radii in the probe grid, ≥ 2.
        probe_steps: gradient steps of the probe per radius, ≥ 1.
        tau: memorization threshold; ``None`` calibrates it.
        requests: the forget set is deleted in this many sequential requests (equal
            parts, in index order), each processed against the previous state.
        uncertified_delta: δ at which the ε lower bound from depth events is stated for
            methods that issue no certificate (certified ones use their own δ).
        workers: processes for the local pool; 1 runs in this process; ``None`` uses
            every CPU (at most one per run).
    """

    seeds: int = 50
    seed: int = 0
    alpha: float = 0.05
    beta: float = 0.05
    calibration_seeds: int = 10
    grid_size: int = 41
    probe_steps: int = 50
    tau: float | None = None
    requests: int = 1
    uncertified_delta: float = 1e-5
    workers: int | None = None

    def __post_init__(self) -> None:
        _validate.integer_at_least("seeds", self.seeds, 1)
        _validate.integer_at_least("seed", self.seed, 0)
        _validate.probability_open("alpha", self.alpha)
        _validate.probability_open("beta", self.beta)
        _validate.integer_at_least("calibration_seeds", self.calibration_seeds, 1)
        _validate.integer_at_least("grid_size", self.grid_size, 2)
        _validate.integer_at_least("probe_steps", self.probe_steps, 1)
        if self.tau is not None:
            _validate.in_interval("tau", self.tau, 0.0, 1.0, low_open=True, high_open=True)
        _validate.integer_at_least("requests", self.requests, 1)
        _validate.probability_open("uncertified_delta", self.uncertified_delta)
        if self.workers is not None:
            _validate.integer_at_least("workers", self.workers, 1)


@dataclass
class AuditResult:
    """Everything an audit measured, ready for :func:`certunlearn.verifier.report`."""

    dataset: Dataset
    method: dict[str, Any]
    request: DeletionRequest
    settings: AuditSettings
    tau: float
    tau_source: str
    probe: BallProbe
    calibration: dict[str, Any]
    runs: list[dict[str, Any]]
    audit: DepthAudit
    verdict: str
    total_seconds: float
    notes: list[str] = field(default_factory=list)


# -- work done per seed (top-level functions so that process pools can pickle them) ---------


def _retained(dataset: Dataset, request: DeletionRequest) -> tuple[np.ndarray, np.ndarray]:
    keep = np.ones(len(dataset.y_train), dtype=bool)
    keep[list(request.indices)] = False
    return dataset.X_train[keep], dataset.y_train[keep]


def _forget_set(dataset: Dataset, request: DeletionRequest) -> tuple[np.ndarray, np.ndarray]:
    rows = list(request.indices)
    return dataset.X_train[rows], dataset.y_train[rows]


def split_request(request: DeletionRequest, parts: int) -> list[DeletionRequest]:
    """Split a request into `parts` sequential requests of near-equal size, in index order."""
    parts = _validate.integer_at_least("requests", parts, 1)
    if parts > len(request):
        raise _validate.fail("requests", f"at most the forget set's size ({len(request)})", parts)
    if parts == 1:
        return [request]
    chunks = np.array_split(np.asarray(request.indices), parts)
    return [DeletionRequest(tuple(chunk.tolist())) for chunk in chunks]


def _calibration_run(payload: dict[str, Any]) -> dict[str, Any]:
    dataset: Dataset = payload["dataset"]
    method: Unlearner = payload["method"]
    request: DeletionRequest = payload["request"]
    train_stream, reference_stream = payload["seed"].spawn(2)
    X_forget, y_forget = _forget_set(dataset, request)
    X_retain, y_retain = _retained(dataset, request)
    original = method.model_of(
        method.fit(
            dataset.X_train, dataset.y_train, n_classes=dataset.n_classes, rng=np.random.default_rng(train_stream)
        )
    )
    reference = method.reference(
        X_retain, y_retain, n_classes=dataset.n_classes, rng=np.random.default_rng(reference_stream)
    )
    return {
        "original_score": memorization_score(original, X_forget, y_forget),
        "reference_score": memorization_score(reference, X_forget, y_forget),
        "reference_model": reference,
    }


def _audit_run(payload: dict[str, Any]) -> dict[str, Any]:
    dataset: Dataset = payload["dataset"]
    method: Unlearner = payload["method"]
    request: DeletionRequest = payload["request"]
    probe: BallProbe = payload["probe"]
    tau: float = payload["tau"]
    train_stream, unlearn_stream, reference_stream = payload["seed"].spawn(3)
    X_forget, y_forget = _forget_set(dataset, request)
    X_retain, y_retain = _retained(dataset, request)

    start = time.perf_counter()
    state = method.fit(
        dataset.X_train, dataset.y_train, n_classes=dataset.n_classes, rng=np.random.default_rng(train_stream)
    )
    train_seconds = time.perf_counter() - start
    original = method.model_of(state)

    sequence = split_request(request, payload.get("requests", 1))
    unlearn_seconds = 0.0
    per_request = []
    streams = unlearn_stream.spawn(len(sequence))
    for part, stream in zip(sequence, streams, strict=True):
        unlearn_rng = np.random.default_rng(stream)
        start = time.perf_counter()
        outcome = method.unlearn(state, part, rng=unlearn_rng)
        elapsed = time.perf_counter() - start
        unlearn_seconds += elapsed
        state = outcome.state
        per_request.append({"size": len(part), "retrained": bool(outcome.retrained), "seconds": elapsed})

    start = time.perf_counter()
    reference = method.reference(
        X_retain, y_retain, n_classes=dataset.n_classes, rng=np.random.default_rng(reference_stream)
    )
    retrain_seconds = time.perf_counter() - start

    return {
        "train_s": train_seconds,
        "unlearn_s": unlearn_seconds,
        "retrain_s": retrain_seconds,
        "retrained": any(item["retrained"] for item in per_request),
        "requests": per_request,
        "certificate": None if outcome.certificate is None else outcome.certificate.to_dict(),
        "details": outcome.details,
        "unlearned_depth": probe.depth(outcome.model, X_forget, y_forget, tau=tau),
        "reference_depth": probe.depth(reference, X_forget, y_forget, tau=tau),
        "original_score": memorization_score(original, X_forget, y_forget),
        "unlearned_score": memorization_score(outcome.model, X_forget, y_forget),
        "reference_score": memorization_score(reference, X_forget, y_forget),
        "original_accuracy": original.accuracy(dataset.X_test, dataset.y_test),
        "unlearned_accuracy": outcome.model.accuracy(dataset.X_test, dataset.y_test),
        "reference_accuracy": reference.accuracy(dataset.X_test, dataset.y_test),
    }


def _limit_threads() -> None:
    # One BLAS thread per worker: the pool already uses every core, and nested thread
    # pools on top of it only add contention.
    torch.set_num_threads(1)


# -- orchestration ----------------------------------------------------------------------------


def run_audit(
    dataset: Dataset,
    method: Unlearner,
    request: DeletionRequest,
    settings: AuditSettings = AuditSettings(),
    *,
    executor: Executor | None = None,
    progress: bool = True,
) -> AuditResult:
    """Run the calibration and the audit and return the measured result.

    Args:
        dataset: the data; `request` indexes its training split.
        method: the unlearning method under test.
        request: the forget set.
        settings: seeds, confidence levels, probe and parallelism.
        executor: where to run the seeds; ``None`` makes a local process pool (or runs
            in this process when ``settings.workers == 1``).
        progress: show tqdm progress bars on stderr.

    Raises:
        KeyboardInterrupt: on interruption, after cancelling pending runs; nothing is
            returned, so no partial result can pass for a complete one.
    """
    started = time.perf_counter()
    split_request(request, settings.requests)  # reject an impossible split before any work
    root = np.random.SeedSequence(settings.seed)
    calibration_root, audit_root = root.spawn(2)
    base = {"dataset": dataset, "method": method, "request": request}
    X_forget, y_forget = _forget_set(dataset, request)
    notes: list[str] = []

    owned = None
    if executor is None and settings.workers != 1:
        workers = settings.workers or os.cpu_count() or 1
        workers = max(1, min(workers, max(settings.seeds, settings.calibration_seeds)))
        owned = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_limit_threads
        )
        executor = owned
    try:
        calibration = _map(
            _calibration_run,
            [{**base, "seed": stream} for stream in calibration_root.spawn(settings.calibration_seeds)],
            executor,
            progress,
            "calibrating",
        )
        original_scores = np.array([run["original_score"] for run in calibration])
        reference_scores = np.array([run["reference_score"] for run in calibration])
        original_mean, reference_mean = float(original_scores.mean()), float(reference_scores.mean())
        separation = _separation(original_scores, reference_scores)
        if settings.tau is not None:
            tau, tau_source = float(settings.tau), "given by the user"
        else:
            tau = 0.5 * (original_mean + reference_mean)
            tau_source = (
                f"midpoint of the mean scores of original ({original_mean:.4g}) and reference "
                f"({reference_mean:.4g}) models on {settings.calibration_seeds} calibration "
                + ("seed" if settings.calibration_seeds == 1 else "seeds")
            )
        if separation < 1.0:
            notes.append(
                f"the score separates models that saw the forget set from models that did not only weakly "
                f"(calibration means {original_mean:.4g} and {reference_mean:.4g}, standardised difference "
                f"{separation:.2g}): the audit has little power here; class-wise forgetting separates more"
            )

        coarse = BallProbe(coarse_radii(), steps=settings.probe_steps)
        calibration_depths = [coarse.depth(run["reference_model"], X_forget, y_forget, tau=tau) for run in calibration]
        largest = max((depth for depth in calibration_depths if math.isfinite(depth)), default=None)
        if largest is None:
            largest = coarse.radii[-1]
            notes.append(f"no calibration reference model reached tau within radius {largest:g}")
        largest = max(largest, coarse.radii[1])
        probe = BallProbe(tuple(np.linspace(0.0, 1.25 * largest, settings.grid_size)), steps=settings.probe_steps)

        runs = _map(
            _audit_run,
            [
                {**base, "probe": probe, "tau": tau, "requests": settings.requests, "seed": stream}
                for stream in audit_root.spawn(settings.seeds)
            ],
            executor,
            progress,
            "auditing",
        )
    finally:
        if owned is not None:
            owned.shutdown(wait=True, cancel_futures=True)

    certificates = _distinct_certificates(runs)
    audit = audit_depths(
        [run["unlearned_depth"] for run in runs],
        [run["reference_depth"] for run in runs],
        probe.radii,
        certificates,
        alpha=settings.alpha,
        beta=settings.beta,
        delta=settings.uncertified_delta,
    )
    if not certificates or any(run["certificate"] is None for run in runs):
        verdict = "uncertified"
    elif audit.violated:
        verdict = "violation"
    else:
        verdict = "pass"
    return AuditResult(
        dataset=dataset,
        method=method.describe(),
        request=request,
        settings=settings,
        tau=tau,
        tau_source=tau_source,
        probe=probe,
        calibration={
            "original_mean_score": original_mean,
            "reference_mean_score": reference_mean,
            "standardised_separation": separation,
            "reference_depths_coarse": calibration_depths,
        },
        runs=runs,
        audit=audit,
        verdict=verdict,
        total_seconds=time.perf_counter() - started,
        notes=notes,
    )


def _separation(original: np.ndarray, reference: np.ndarray) -> float:
    """Difference of mean scores in units of their pooled standard deviation (0 when both are constant)."""
    spread = math.sqrt(0.5 * (original.var() + reference.var()))
    difference = float(original.mean() - reference.mean())
    if spread == 0.0:
        return math.copysign(math.inf, difference) if difference else 0.0
    return difference / spread


def _distinct_certificates(runs: list[dict[str, Any]]):
    seen: dict[str, Any] = {}
    for run in runs:
        record = run["certificate"]
        if record is None:
            continue
        key = repr(sorted((k, v) for k, v in record.items() if k != "provenance"))
        seen.setdefault(key, certificate_from_dict(record))
    return list(seen.values())


def _map(
    function: Callable[[dict[str, Any]], dict[str, Any]],
    payloads: list[dict[str, Any]],
    executor: Executor | None,
    progress: bool,
    label: str,
) -> list[dict[str, Any]]:
    """Run `function` on every payload, in order of the payloads, with a progress bar."""
    results: list[Any] = [None] * len(payloads)
    bar = tqdm(total=len(payloads), desc=label, unit="seed", disable=not progress, leave=False)
    try:
        if executor is None:
            _limit_threads_here()
            for index, payload in enumerate(payloads):
                results[index] = function(payload)
                bar.update(1)
            return results
        futures = {executor.submit(function, payload): index for index, payload in enumerate(payloads)}
        try:
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                bar.update(1)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        return results
    finally:
        bar.close()


def _limit_threads_here() -> None:
    torch.set_num_threads(1)


def summarise(values: Iterable[float]) -> dict[str, float]:
    array = np.asarray(list(values), dtype=float)
    return {
        "mean": float(array.mean()),
        "median": float(np.median(array)),
        "min": float(array.min()),
        "max": float(array.max()),
    }


__all__ = ["AuditResult", "AuditSettings", "run_audit", "summarise", "SCORE_NAME", "__version__"]
