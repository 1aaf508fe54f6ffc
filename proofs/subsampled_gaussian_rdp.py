"""Check the statements of proofs/subsampled_gaussian_rdp.md.

sympy checks the Gaussian moment identity. mpmath at 30 digits integrates A_α directly
and compares the integer-order formula and the package's curve (never below, close). the
coefficient signs of the fractional series are checked exactly. Exits non-zero on the
first failed check and prints a one-line summary on success.
"""

from __future__ import annotations

import sys
from pathlib import Path

import mpmath
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


def check_moment_identity() -> None:
    x, m, z = sp.symbols("x m z", real=True)
    exponent = -(x**2) / (2 * z**2) + m * (2 * x - 1) / (2 * z**2)
    completed = -((x - m) ** 2) / (2 * z**2) + m * (m - 1) / (2 * z**2)
    check(sp.expand(exponent - completed) == 0, "completing the square")


def log_a(alpha, q, z):
    """log A_α by quadrature at the working precision."""
    a, q, z = mpmath.mpf(alpha), mpmath.mpf(q), mpmath.mpf(z)
    split = z * z * mpmath.log((1 - q) / q) + mpmath.mpf(1) / 2
    integrand = lambda x: mpmath.npdf(x, 0, z) * ((1 - q) + q * mpmath.exp((2 * x - 1) / (2 * z * z))) ** a  # noqa: E731
    points = sorted({-mpmath.inf, -12 * z, 0, split, a, a + 12 * z, mpmath.inf})
    return mpmath.log(mpmath.quad(integrand, points))


def check_integer_formula() -> None:
    mpmath.mp.dps = 30
    for alpha, q, z in [(2, 0.125, 0.8), (3, 0.01, 1.0), (7, 0.3, 2.0), (12, 0.05, 1.5)]:
        series = mpmath.fsum(
            mpmath.binomial(alpha, k)
            * (1 - mpmath.mpf(q)) ** (alpha - k)
            * mpmath.mpf(q) ** k
            * (mpmath.exp(mpmath.mpf(k * (k - 1)) / (2 * mpmath.mpf(z) ** 2)) - 1)
            for k in range(2, alpha + 1)
        )
        check(abs(mpmath.log1p(series) - log_a(alpha, q, z)) < mpmath.mpf(10) ** -18, f"integer formula alpha={alpha}")


def check_coefficients() -> None:
    for alpha in (sp.Rational(11, 10), sp.Rational(5, 2), sp.Rational(73, 10)):
        start = sp.ceiling(alpha)
        coefficients = [sp.binomial(alpha, k) for k in range(int(start), int(start) + 40)]
        check(
            all(a * b < 0 for a, b in zip(coefficients, coefficients[1:], strict=False)),
            f"alternating signs alpha={alpha}",
        )
        check(
            all(abs(b) < abs(a) for a, b in zip(coefficients, coefficients[1:], strict=False)),
            f"decreasing magnitude alpha={alpha}",
        )


def check_package() -> None:
    mpmath.mp.dps = 30
    cases = [
        (1.01, 0.125, 0.8),
        (1.1, 0.125, 0.8),
        (1.5, 0.125, 0.8),
        (1.7, 0.125, 0.8),
        (2.0, 0.125, 0.8),
        (3.0, 0.125, 0.8),
    ]
    cases += [(1.3, 0.01, 1.0), (4.6, 0.2, 1.0), (10.5, 0.05, 0.7), (25.0, 0.001, 3.0)]
    for alpha, q, z in cases:
        exact = log_a(alpha, q, z) / (alpha - 1)
        package = bounds.subsampled_gaussian_rdp([alpha], noise_multiplier=z, sampling_probability=q)[0]
        check(package >= exact, f"package curve not below the integral at alpha={alpha}, q={q}, z={z}")
        check(package <= exact * (1 + mpmath.mpf(1e-6)) + mpmath.mpf(1e-12), f"package curve close at alpha={alpha}")
    references = {1.1: 0.022810, 1.5: 0.035327, 1.7: 0.043044, 2.0: 0.057247, 3.0: 0.155496}
    values = bounds.subsampled_gaussian_rdp(list(references), noise_multiplier=0.8, sampling_probability=0.125)
    for (alpha, reference), value in zip(references.items(), values, strict=True):
        check(abs(value - reference) < 1e-6, f"reference value at alpha={alpha}")
    large = bounds.subsampled_gaussian_rdp([1024, 1100, 2000], noise_multiplier=4.0, sampling_probability=0.00033) * 1e4
    for value, reference in zip(large, (239757.459, 263512.878, 544795.719), strict=True):
        check(abs(value - reference) < 1e-3 * reference and value >= reference * (1 - 1e-8), "large integer orders")


def main() -> int:
    check_moment_identity()
    check_integer_formula()
    check_coefficients()
    check_package()
    print(f"subsampled_gaussian_rdp: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
