"""Tightness and speed of certunlearn.bounds against dp_accounting (and Opacus if installed).

Run from the repository root:

    python benchmarks/bounds_vs_dp_accounting.py

It prints one table per question, each with ratios measured in this run on identical inputs:

1. ε of k composed Gaussian releases against the exact value (GDP composition is exact for
   Gaussians; the exact ε is computed with mpmath at 40 digits): certunlearn's GDP route,
   dp_accounting's RdpAccountant and PLDAccountant.
2. ε of Rényi accounting of the Poisson-subsampled Gaussian: certunlearn against
   dp_accounting's RdpAccountant with the same orders (and Opacus's RDP analysis).
3. ε of certunlearn's PLD-free methods against dp_accounting's PLDAccountant (pessimistic,
   value_discretization_interval 1e-4) for noisy SGD and for T Laplace releases.
4. Wall time of 10,000 Gaussian calibrations: certunlearn vectorised against a Python loop
   over dp_accounting.get_sigma_gaussian (timed on 500 calls and scaled), with the ratio of
   the calibrated σ.

A ratio above 1 in the ε columns means certunlearn's bound is larger (looser); every
certunlearn value is a sound upper bound. Needs dp_accounting (the `accounting` extra);
Opacus is optional.
"""

from __future__ import annotations

import logging
import math
import sys
import time
import warnings
from pathlib import Path

import mpmath
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from certunlearn import bounds  # noqa: E402

DELTA = 1e-5
ORDERS = np.array(bounds.DEFAULT_ORDERS)


def exact_gaussian_epsilon(mu: float, delta: float) -> float:
    """Return the exact ε of μ-GDP at δ, by bisection on the profile at 40 digits."""
    mpmath.mp.dps = 40
    m = mpmath.mpf(mu)

    def profile(e):
        return mpmath.ncdf(-e / m + m / 2) - mpmath.exp(e) * mpmath.ncdf(-e / m - m / 2)

    low, high = mpmath.mpf(0), mpmath.mpf(1)
    while profile(high) > delta:
        high *= 2
    if profile(low) <= delta:
        return 0.0
    for _ in range(200):
        middle = (low + high) / 2
        if profile(middle) > delta:
            low = middle
        else:
            high = middle
    return float(high)


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.6f}"


def table(title: str, headers: list[str], rows: list[list]) -> None:
    print(f"\n{title}")
    cells = [[f"{value:.7g}" if isinstance(value, float) else str(value) for value in row] for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def composed_gaussian(dp_accounting) -> None:
    rows = []
    for z, k in [(2.0, 1), (5.0, 100), (20.0, 10_000), (1.0, 16)]:
        exact = exact_gaussian_epsilon(math.sqrt(k) / z, DELTA)
        ours = bounds.epsilon_for_delta(bounds.compose([bounds.GaussianDPCertificate(mu=1.0 / z)] * k), delta=DELTA)
        rdp = dp_accounting.rdp.RdpAccountant(orders=list(ORDERS))
        rdp.compose(dp_accounting.GaussianDpEvent(z), k)
        pld = dp_accounting.pld.PLDAccountant()
        pld.compose(dp_accounting.GaussianDpEvent(z), k)
        rows.append(
            [
                z,
                k,
                exact,
                ratio(ours, exact),
                ratio(rdp.get_epsilon(DELTA), exact),
                ratio(pld.get_epsilon(DELTA), exact),
            ]
        )
    table(
        "1. k Gaussian releases, delta = 1e-5: epsilon / exact",
        ["z", "k", "exact eps", "certunlearn", "dp_acc RDP", "dp_acc PLD"],
        rows,
    )


def opacus_epsilon(q: float, z: float, steps: int) -> float | None:
    try:
        from opacus.accountants.analysis.rdp import compute_rdp, get_privacy_spent
    except ImportError:
        return None
    rdp = compute_rdp(q=q, noise_multiplier=z, steps=steps, orders=list(ORDERS))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        epsilon, _ = get_privacy_spent(orders=list(ORDERS), rdp=rdp, delta=DELTA)
    return float(epsilon)


SGD_CASES = [(0.01, 1.0, 10_000), (0.001, 0.8, 100_000), (0.1, 2.0, 1_000), (0.125, 0.8, 100), (0.004, 4.0, 250_000)]


def renyi_accounting(dp_accounting) -> None:
    rows = []
    for q, z, steps in SGD_CASES:
        ours = bounds.subsampled_gaussian_epsilon(
            noise_multiplier=z, sampling_probability=q, steps=steps, delta=DELTA, orders=ORDERS, warn=False
        )
        accountant = dp_accounting.rdp.RdpAccountant(orders=list(ORDERS))
        accountant.compose(dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(z)), steps)
        theirs = accountant.get_epsilon(DELTA)
        opacus = opacus_epsilon(q, z, steps)
        rows.append(
            [q, z, steps, ours, ratio(ours, theirs), "not installed" if opacus is None else ratio(ours, opacus)]
        )
    table(
        "2. Poisson-subsampled Gaussian, Renyi accounting, same orders, delta = 1e-5",
        ["q", "z", "T", "certunlearn eps", "/ dp_acc RDP", "/ Opacus RDP"],
        rows,
    )


def against_pld(dp_accounting) -> None:
    rows = []
    for q, z, steps in SGD_CASES[:3]:
        ours = bounds.subsampled_gaussian_epsilon(
            noise_multiplier=z, sampling_probability=q, steps=steps, delta=DELTA, warn=False
        )
        pld = dp_accounting.pld.PLDAccountant()
        pld.compose(dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(z)), steps)
        rows.append([f"noisy SGD q={q} z={z} T={steps}", ours, ratio(ours, pld.get_epsilon(DELTA))])
    for b, steps in [(10.0, 100), (2.0, 10), (50.0, 1000)]:
        ours = bounds.laplace_epsilon(noise_multiplier=b, delta=DELTA, steps=steps)
        pld = dp_accounting.pld.PLDAccountant()
        pld.compose(dp_accounting.LaplaceDpEvent(b), steps)
        rows.append([f"Laplace b={b} T={steps}", ours, ratio(ours, pld.get_epsilon(DELTA))])
    table(
        "3. PLD-free bounds against dp_accounting's PLD accountant, delta = 1e-5",
        ["mechanism", "certunlearn eps", "/ dp_acc PLD"],
        rows,
    )


def calibration_speed(dp_accounting) -> None:
    rng = np.random.default_rng(0)
    count = 10_000
    epsilons = rng.uniform(0.1, 10.0, count)
    deltas = 10.0 ** rng.uniform(-10, -3, count)
    start = time.perf_counter()
    ours = bounds.calibrate_gaussian(epsilon=epsilons, delta=deltas)
    ours_seconds = time.perf_counter() - start
    sample = 500
    start = time.perf_counter()
    theirs = np.array(
        [dp_accounting.get_sigma_gaussian(e, d) for e, d in zip(epsilons[:sample], deltas[:sample], strict=True)]
    )
    theirs_seconds = (time.perf_counter() - start) * count / sample
    sigma_ratio = ours[:sample] / theirs
    table(
        "4. 10,000 Gaussian calibrations (sigma for epsilon, delta)",
        ["method", "seconds", "sigma ratio (ours/theirs) min", "max"],
        [
            ["certunlearn, vectorised", ours_seconds, f"{sigma_ratio.min():.9f}", f"{sigma_ratio.max():.9f}"],
            ["dp_accounting loop (500 timed, scaled)", theirs_seconds, "", ""],
            ["speed-up", theirs_seconds / ours_seconds, "", ""],
        ],
    )


def main() -> int:
    try:
        import dp_accounting
    except ModuleNotFoundError:
        print("dp_accounting is not installed; install it with `pip install certunlearn[accounting]`")
        return 1
    logging.getLogger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    print(f"delta = {DELTA:g}; Renyi orders: {len(ORDERS)} from {ORDERS[0]:g} to {ORDERS[-1]:g}")
    composed_gaussian(dp_accounting)
    renyi_accounting(dp_accounting)
    against_pld(dp_accounting)
    calibration_speed(dp_accounting)
    return 0


if __name__ == "__main__":
    sys.exit(main())
