"""Check the statements of proofs/conversion_renyi_orders.md.

sympy checks monotonicity and log-convexity in the order on random finite pairs. numpy
checks the package's rdp_at_orders against exact curves between grid orders. Exits non-
zero on the first failed check and prints a one-line summary on success.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import sympy as sp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from certunlearn import bounds  # noqa: E402

checks_passed = 0


def check(condition, message: str) -> None:
    """Raise AssertionError with `message` unless `condition` is true (also under python -O)."""
    global checks_passed
    if not condition:
        raise AssertionError(message)
    checks_passed += 1


def moment(first, second, order):
    return sum(p**order * q ** (1 - order) for p, q in zip(first, second, strict=True))


def check_finite_pairs() -> None:
    rng = random.Random(14)
    orders = [sp.Rational(3, 2), 2, sp.Rational(5, 2), 3, 5]
    for _ in range(25):
        first = [sp.Rational(rng.randint(1, 9)) for _ in range(3)]
        second = [sp.Rational(rng.randint(1, 9)) for _ in range(3)]
        first = [x / sum(first) for x in first]
        second = [x / sum(second) for x in second]
        log_moments = [sp.N(sp.log(moment(first, second, a)), 40) for a in orders]
        divergences = [value / (a - 1) for value, a in zip(log_moments, orders, strict=True)]
        check(
            all(x <= y + 1e-35 for x, y in zip(divergences, divergences[1:], strict=False)),
            "Renyi divergence non-decreasing",
        )
        for (a, ka), (b, kb), (c, kc) in zip(
            zip(orders, log_moments, strict=True),
            zip(orders[1:], log_moments[1:], strict=False),
            zip(orders[2:], log_moments[2:], strict=False),
            strict=False,
        ):
            weight = (c - b) / (c - a)
            check(kb <= weight * ka + (1 - weight) * kc + 1e-35, "log-moment convex in the order")


def check_package() -> None:
    grid = np.array([1.5, 2.0, 4.0, 8.0, 32.0])
    probe = np.array([1.01, 1.2, 1.7, 3.0, 5.5, 20.0, 32.0])
    curves = [
        lambda a: a * 0.5**2 / 2,
        lambda a: bounds.laplace_rdp(a, noise_multiplier=2.0),
        lambda a: bounds.subsampled_gaussian_rdp(a, noise_multiplier=0.9, sampling_probability=0.1),
    ]
    for curve in curves:
        known = np.asarray(curve(grid))
        read = bounds.rdp_at_orders(grid, known, probe)
        exact = np.asarray(curve(probe))
        check(np.all(read >= exact * (1 - 1e-12)), "read-off bound is not below the exact curve")
        check(np.all(np.isinf(bounds.rdp_at_orders(grid, known, [40.0]))), "above the grid the bound is inf")


def main() -> int:
    check_finite_pairs()
    check_package()
    print(f"conversion_renyi_orders: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
