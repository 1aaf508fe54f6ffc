"""Check the statements of proofs/conversion_fdp_profile.md.

Exact rational arithmetic checks the trade-off characterisation on finite pairs. numpy
and mpmath check the package's trade-off, transfer, conjugate profile and line
conversions. Exits non-zero on the first failed check and prints a one-line summary on
success.
"""

from __future__ import annotations

import random
import sys
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from certunlearn import bounds  # noqa: E402
from certunlearn.bounds import fdp  # noqa: E402

checks_passed = 0


def check(condition, message: str) -> None:
    """Raise AssertionError with `message` unless `condition` is true (also under python -O)."""
    global checks_passed
    if not condition:
        raise AssertionError(message)
    checks_passed += 1


def tradeoff_points(first, second):
    """Vertices (α, β) of the exact trade-off curve T(P, Q) by Neyman–Pearson."""
    order = sorted(range(len(first)), key=lambda i: -(first[i] / second[i]) if second[i] > 0 else -float("inf"))
    # Tests reject for the outcomes with the smallest P/Q first (they look like Q).
    order = order[::-1]
    alpha, beta = Fraction(0), Fraction(1)
    points = [(alpha, beta)]
    for i in order:
        alpha += first[i]
        beta -= second[i]
        points.append((alpha, beta))
    return points


def check_characterisation() -> None:
    rng = random.Random(12)
    for _ in range(50):
        first = [Fraction(rng.randint(1, 9)) for _ in range(4)]
        second = [Fraction(rng.randint(1, 9)) for _ in range(4)]
        first = [x / sum(first) for x in first]
        second = [x / sum(second) for x in second]
        gamma = Fraction(rng.randint(10, 40), 10)
        forward = sum(max(Fraction(0), q - gamma * p) for p, q in zip(first, second, strict=True))
        backward = sum(max(Fraction(0), p - gamma * q) for p, q in zip(first, second, strict=True))
        delta = max(forward, backward)
        # T(P, Q) ≥ f_{ε,δ} at every vertex, hence (convexity of T, linearity of f pieces) everywhere.
        for alpha, beta in tradeoff_points(first, second):
            bound = max(Fraction(0), 1 - delta - gamma * alpha, (1 - delta - alpha) / gamma)
            check(beta >= bound, "trade-off above f_{eps,delta}")


def check_transfer_and_tradeoff() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        epsilons = np.sort(rng.choice(np.linspace(0, 8, 81), size=4, replace=False))
        deltas = np.sort(rng.uniform(0, 0.2, size=4))[::-1]
        certificate = bounds.TradeOffCertificate(epsilons=tuple(epsilons), deltas=tuple(deltas))
        x = rng.uniform(0, 1, 50)
        check(np.all(np.abs(certificate.transfer(x) - (1 - certificate.tradeoff(x))) < 1e-9), "h = 1 - f")
        profile = bounds.tradeoff_to_profile(certificate)
        grid = np.linspace(0, 1, 20001)
        values = certificate.tradeoff(grid)
        for epsilon in (0.0, 0.3, 1.0, 3.0, 9.0):
            conjugate = np.max(1 - values - np.exp(epsilon) * grid)
            hull = profile.delta(epsilon)
            check(hull >= conjugate - 1e-12, "hull is not below the conjugate")
            check(hull <= conjugate + 1e-3, "hull equals the conjugate")


def check_lines() -> None:
    rng = np.random.default_rng(4)
    epsilons = np.sort(rng.uniform(0, 5, 6))
    deltas = np.sort(rng.uniform(0, 0.1, 6))[::-1]
    slopes, intercepts = fdp.pairs_to_lines(epsilons, deltas)
    back_eps, back_delta = fdp.lines_to_pairs(slopes[:-1], intercepts[:-1])
    certificate = bounds.TradeOffCertificate.from_pairs(np.c_[back_eps, back_delta])
    original = bounds.TradeOffCertificate(epsilons=tuple(epsilons), deltas=tuple(deltas))
    x = np.linspace(0, 1, 101)
    check(np.all(certificate.transfer(x) >= original.transfer(x) * (1 - 1e-12)), "round trip of lines is not tighter")
    check(
        np.all(certificate.transfer(x) <= original.transfer(x) * (1 + 1e-9) + 1e-15), "round trip of lines is lossless"
    )


def check_gdp() -> None:
    mpmath.mp.dps = 30
    for mu in (0.3, 1.0, 2.5):
        certificate = bounds.TradeOffCertificate.from_gdp(mu)
        for x in (1e-6, 1e-3, 0.1, 0.5, 0.9):
            exact = mpmath.ncdf(mpmath.sqrt(2) * mpmath.erfinv(1 - 2 * mpmath.mpf(x)) - mu)
            check(certificate.tradeoff(x) <= exact, f"piecewise-linear trade-off below G_mu (mu={mu})")
            check(bounds.gaussian_tradeoff(x, mu=mu) <= exact, "gaussian_tradeoff rounded down")


def main() -> int:
    check_characterisation()
    check_transfer_and_tradeoff()
    check_lines()
    check_gdp()
    print(f"conversion_fdp_profile: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
