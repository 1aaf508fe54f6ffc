"""Certified Newton removal against retraining from scratch, timed in one process.

For each problem the script fits the certified model once, then times, over several
repetitions, (a) removing a random request of m points with the Newton step and
(b) retraining on the retained data from scratch (the reference mechanism, which is what
a user would otherwise run). It prints the median times and their ratio, and the
residual spent against the certified budget (ε = 1, δ = 1e-5 by default).

Run:  python benchmarks/newton_removal.py            (breast_cancer, digits, n = 50,000, d = 256)
      python benchmarks/newton_removal.py --repeats 5 --threads 2
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from certunlearn.engine import DeletionRequest, linear, load_dataset
from certunlearn.engine.newton import CertifiedNewtonRemoval


def synthetic_logistic(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Unit-norm Gaussian features and labels drawn from a logistic model."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True) * (1 + 1e-12)
    w = rng.normal(size=d) * 4.0
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-X @ w))).astype(np.int64)
    return X, y


def measure(name: str, X: np.ndarray, y: np.ndarray, n_classes: int, removed: int, repeats: int, sigma: float) -> dict:
    method = CertifiedNewtonRemoval(epsilon=1.0, delta=1e-5, sigma=sigma)
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    state = method.fit(X, y, n_classes=n_classes, rng=rng)
    fit_seconds = time.perf_counter() - start
    unlearn_times, retrain_times, spent = [], [], []
    for repeat in range(repeats):
        forget = np.sort(np.random.default_rng(100 + repeat).choice(len(y), size=removed, replace=False))
        keep = np.ones(len(y), dtype=bool)
        keep[forget] = False
        start = time.perf_counter()
        outcome = method.unlearn(state, DeletionRequest(tuple(forget.tolist())), rng=rng)
        unlearn_times.append(time.perf_counter() - start)
        spent.append(outcome.details["residual_spent"])
        if outcome.retrained:
            raise SystemExit(f"{name}: the request exceeded the residual budget; lower m or raise sigma")
        start = time.perf_counter()
        method.reference(X[keep], y[keep], n_classes=n_classes, rng=rng)
        retrain_times.append(time.perf_counter() - start)
    unlearn, retrain = statistics.median(unlearn_times), statistics.median(retrain_times)
    # Retraining runs Newton's method from zero, while the removal takes one Newton step.
    # So when one Hessian costs no more than the per-call overhead, the number of
    # iterations retraining needs bounds the ratio.
    features = torch.as_tensor(X[keep], dtype=linear.DTYPE)
    targets = linear.signed_targets(y[keep], linear.columns_for(n_classes))
    _, iterations = linear.minimise(features, targets, regularization=method.regularization, b=state.b)
    return {
        "problem": name,
        "n": len(y),
        "d": X.shape[1],
        "m": removed,
        "fit_s": fit_seconds,
        "unlearn_s": unlearn,
        "retrain_s": retrain,
        "ratio": retrain / unlearn,
        "iterations": iterations,
        "residual/budget": max(spent) / method.budget,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="repetitions per problem (default 5)")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch CPU threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    digits = load_dataset("digits")
    cancer = load_dataset("breast_cancer")
    X_synthetic, y_synthetic = synthetic_logistic(50_000, 256)
    rows = [
        measure("breast_cancer", cancer.X_train, cancer.y_train, 2, 1, args.repeats, 1.0),
        measure("breast_cancer", cancer.X_train, cancer.y_train, 2, 4, args.repeats, 1.0),
        measure("digits (10 classes)", digits.X_train, digits.y_train, 10, 1, args.repeats, 1.0),
        measure("digits (10 classes)", digits.X_train, digits.y_train, 10, 13, args.repeats, 1.0),
        measure("synthetic logistic", X_synthetic, y_synthetic, 2, 1, args.repeats, 1.0),
        measure("synthetic logistic", X_synthetic, y_synthetic, 2, 50, args.repeats, 1.0),
    ]
    header = (
        f"{'problem':<22}{'n':>8}{'d':>6}{'m':>5}{'fit s':>10}{'unlearn s':>12}{'retrain s':>12}"
        f"{'retrain/unlearn':>17}{'residual/budget':>17}{'retrain iters':>15}"
    )
    print(f"torch {torch.__version__}, {args.threads} CPU threads, {args.repeats} repetitions, medians")
    print(header)
    for row in rows:
        print(
            f"{row['problem']:<22}{row['n']:>8}{row['d']:>6}{row['m']:>5}{row['fit_s']:>10.3f}{row['unlearn_s']:>12.5f}"
            f"{row['retrain_s']:>12.3f}{row['ratio']:>16.1f}x{row['residual/budget']:>17.3g}{row['iterations']:>15}"
        )


if __name__ == "__main__":
    main()
