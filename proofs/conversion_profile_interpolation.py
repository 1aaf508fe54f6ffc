"""Check the statements of proofs/conversion_profile_interpolation.md.

Exact rational arithmetic checks convex combinations, mirror points and the left shift
on random finite pairs (every event). numpy checks the package's interpolated profile
against exact Gaussian and Laplace profiles and its transfer against a brute-force
minimum. Exits non-zero on the first failed check and prints a one-line summary on
success.
"""

from __future__ import annotations

import random
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from certunlearn import bounds  # noqa: E402

checks_passed = 0


def check(condition, message: str) -> None:
    """Raise AssertionError with `message` unless `condition` is true (also under python -O)."""
    global checks_passed
    if not condition:
        raise AssertionError(message)
    checks_passed += 1


def least_delta(first, second, gamma):
    """Return the least δ with P(E) ≤ γQ(E) + δ for all E, both directions (exact)."""
    forward = sum(max(Fraction(0), p - gamma * q) for p, q in zip(first, second, strict=True))
    backward = sum(max(Fraction(0), q - gamma * p) for p, q in zip(first, second, strict=True))
    return max(forward, backward)


def check_finite_pairs() -> None:
    rng = random.Random(4)
    for _ in range(60):
        first = [Fraction(rng.randint(0, 9)) for _ in range(5)]
        second = [Fraction(rng.randint(0, 9)) for _ in range(5)]
        first[0] += 1
        second[1] += 1
        first = [x / sum(first) for x in first]
        second = [x / sum(second) for x in second]
        gamma_a, gamma_b = Fraction(rng.randint(10, 30), 10), Fraction(rng.randint(31, 90), 10)
        delta_a, delta_b = least_delta(first, second, gamma_a), least_delta(first, second, gamma_b)
        for weight in (Fraction(1, 4), Fraction(1, 2), Fraction(9, 10)):
            gamma = weight * gamma_a + (1 - weight) * gamma_b
            check(least_delta(first, second, gamma) <= weight * delta_a + (1 - weight) * delta_b, "convex combination")
        mirror_gamma = 1 / gamma_a
        mirror_delta = 1 - (1 - delta_a) / gamma_a
        check(least_delta(first, second, mirror_gamma) <= mirror_delta, "mirror point")
        shifted = Fraction(rng.randint(0, 9), 10) * gamma_b
        check(least_delta(first, second, shifted) <= delta_b + gamma_b - shifted, "left shift")
        chord = 1 - (1 - delta_b) * shifted / gamma_b
        check(chord <= delta_b + gamma_b - shifted, "chord from (0, 1) below the left shift")


def check_against_exact_profiles() -> None:
    rng = np.random.default_rng(6)
    probe = np.linspace(0.0, 12.0, 601)
    for _ in range(25):
        grid = np.sort(rng.choice(np.linspace(0.0, 10.0, 200), size=rng.integers(2, 15), replace=False))
        mu = float(rng.uniform(0.1, 3.0))
        scale = float(rng.uniform(0.2, 5.0))
        for exact in (
            lambda e, mu=mu: bounds.gdp_delta(e, mu=mu),
            lambda e, b=scale: bounds.laplace_delta(e, noise_multiplier=b),
        ):
            profile = bounds.PrivacyProfileCertificate(epsilons=tuple(grid), deltas=tuple(np.atleast_1d(exact(grid))))
            check(np.all(profile.delta(probe) >= exact(probe)), "interpolated profile is above the exact one")
            check(np.all(np.diff(profile.delta(probe)) <= 1e-15), "interpolated profile non-increasing")


def check_transfer_is_grid_minimum() -> None:
    rng = np.random.default_rng(8)
    probabilities = np.concatenate([[0.0, 1e-9, 1e-4], rng.uniform(0, 1, 30), [1.0]])
    fine = np.linspace(0.0, 12.0, 6001)
    for _ in range(15):
        grid = np.sort(rng.choice(np.linspace(0.0, 10.0, 100), size=rng.integers(2, 10), replace=False))
        profile = bounds.PrivacyProfileCertificate(
            epsilons=tuple(grid), deltas=tuple(np.atleast_1d(bounds.gdp_delta(grid, mu=1.0)))
        )
        points = np.union1d(fine, grid)
        values = profile.delta(points)
        brute = np.min(
            bounds.transfer.epsilon_delta_transfer_raw(probabilities[None, :], points[:, None], values[:, None]), axis=0
        )
        transfer = profile.transfer(probabilities)
        check(np.all(transfer <= brute * (1 + 1e-9) + 1e-15), "grid minimum is no worse than interpolated points")
        check(np.all(transfer >= brute * (1 - 1e-6) - 1e-12), "interpolated points add nothing")


def main() -> int:
    check_finite_pairs()
    check_against_exact_profiles()
    check_transfer_is_grid_minimum()
    print(f"conversion_profile_interpolation: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
