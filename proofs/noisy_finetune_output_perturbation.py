"""Check the numbers of proofs/noisy_finetune_output_perturbation.md at 30 digits.

The exact Gaussian noise for sensitivity 1 at several ε, its comparison with the
classical rule σ = sqrt(2 ln(1.25/δ))/ε, and the ε beyond which the classical rule
fails. Exits non-zero on the first failed check and prints a one-line summary on success.
"""

from __future__ import annotations

import sys

import mpmath

checks_passed = 0


def check(condition, message: str) -> None:
    """Raise AssertionError with `message` unless `condition` is true (also under python -O)."""
    global checks_passed
    if not condition:
        raise AssertionError(message)
    checks_passed += 1


def profile(epsilon, r):
    """θ_ε(r) = Φ(r/2 − ε/r) − e^ε Φ(−r/2 − ε/r): δ of the Gaussian mechanism at Δ/σ = r."""
    return mpmath.ncdf(r / 2 - epsilon / r) - mpmath.exp(epsilon) * mpmath.ncdf(-r / 2 - epsilon / r)


def exact_sigma(epsilon, delta):
    """Return the least σ (sensitivity 1) with θ_ε(1/σ) ≤ δ, by bisection on the decreasing profile."""
    low, high = mpmath.mpf("1e-3"), mpmath.mpf(1e3)
    for _ in range(200):
        middle = (low + high) / 2
        if profile(epsilon, 1 / middle) > delta:
            low = middle
        else:
            high = middle
    return high


def classical_sigma(epsilon, delta):
    return mpmath.sqrt(2 * mpmath.log(mpmath.mpf("1.25") / delta)) / epsilon


def crossing(delta):
    """Return the ε where the classical rule starts to fail, by bisection."""

    def failing(e):
        return profile(e, 1 / classical_sigma(e, delta)) > delta

    low, high = mpmath.mpf("0.5"), mpmath.mpf(60)
    check(not failing(low) and failing(high), "bracket of the crossing")
    for _ in range(120):
        middle = (low + high) / 2
        if failing(middle):
            high = middle
        else:
            low = middle
    return low


def main() -> int:
    mpmath.mp.dps = 30
    delta = mpmath.mpf("1e-5")
    for epsilon in (mpmath.mpf("0.5"), mpmath.mpf(1), mpmath.mpf(2), mpmath.mpf(10)):
        sigma = exact_sigma(epsilon, delta)
        check(
            abs(profile(epsilon, 1 / sigma) - delta) < mpmath.mpf(10) ** -20,
            f"profile at the exact sigma, eps={epsilon}",
        )
        classical = classical_sigma(epsilon, delta)
        if epsilon < 10:
            check(classical > sigma, f"classical above exact at eps={epsilon}")
        else:
            check(classical < sigma, "classical below exact at eps=10")
            check(abs(classical - mpmath.mpf("0.4845")) < 5e-5, f"classical sigma at eps=10: {classical}")
            check(abs(sigma - mpmath.mpf("0.4999")) < 5e-5, f"exact sigma at eps=10: {sigma}")
        if epsilon == 1:
            check(
                abs(classical / sigma - mpmath.mpf("1.30")) < 0.01, f"classical / exact at eps=1: {classical / sigma}"
            )
        if epsilon == 2:
            check(
                abs(classical / sigma - mpmath.mpf("1.21")) < 0.01, f"classical / exact at eps=2: {classical / sigma}"
            )

    check(abs(crossing(delta) - mpmath.mpf("8.42")) < 0.01, f"crossing at delta=1e-5: {crossing(delta)}")
    for level in ("1e-2", "1e-3", "1e-8"):
        value = crossing(mpmath.mpf(level))
        check(6 < value < 10, f"crossing at delta={level}: {value}")
    print(f"noisy_finetune_output_perturbation: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
