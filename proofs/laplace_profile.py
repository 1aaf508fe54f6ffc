"""Check the statements of proofs/laplace_profile.md.

sympy checks the integral of the middle part and the rewriting of the Rényi curve.
mpmath at 30 digits integrates the hockey-stick divergence and the Rényi moment directly
and compares the package. Exits non-zero on the first failed check and prints a one-line
summary on success.
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


def density(x, location, scale):
    return mpmath.exp(-abs(x - location) / scale) / (2 * scale)


def check_profile() -> None:
    x, e0, e = sp.symbols("x epsilon0 epsilon", positive=True)
    c = e0 - e
    start = (1 + e / e0) / 2
    middle = sp.integrate(e0 / 2 * sp.exp(-e0 * (1 - x)) * (1 - sp.exp(e - e0 * (2 * x - 1))), (x, start, 1))
    expected = (1 - sp.exp(-c / 2)) / 2 - sp.exp(-c) * (sp.exp(c / 2) - 1) / 2
    check(sp.simplify(sp.expand(middle - expected)) == 0, "middle part of the profile")
    total = (1 - sp.exp(e - e0)) / 2 + expected
    check(sp.simplify(total - (1 - sp.exp(-c / 2))) == 0, "profile 1 - e^{-(eps0 - eps)/2}")
    mpmath.mp.dps = 30
    for pure, epsilon in [(1.0, 0.0), (1.0, 0.4), (3.0, 1.0), (0.2, 0.1), (2.0, 2.5)]:
        scale = 1 / mpmath.mpf(pure)
        gamma = mpmath.exp(epsilon)
        kink = (1 + mpmath.mpf(epsilon) / pure) / 2
        points = [-mpmath.inf, 0, kink, 1, mpmath.inf] if kink < 1 else [-mpmath.inf, 0, 1, mpmath.inf]
        integral = mpmath.quad(
            lambda t, scale=scale, gamma=gamma: max(0, density(t, 1, scale) - gamma * density(t, 0, scale)), points
        )
        exact = max(0, 1 - mpmath.exp(-(pure - epsilon) / 2))
        check(abs(integral - exact) < mpmath.mpf(10) ** -20, f"profile integral eps0={pure}, eps={epsilon}")
        package = bounds.laplace_delta(epsilon, noise_multiplier=1 / pure)
        check(package >= exact and package <= exact * (1 + 1e-9) + 1e-300, "package laplace_delta")


def check_calibration() -> None:
    for epsilon, delta in [(1.0, 0.0), (1.0, 1e-5), (0.3, 0.1)]:
        b = bounds.calibrate_laplace(epsilon=epsilon, delta=delta)
        achieved = bounds.laplace_epsilon(noise_multiplier=b, delta=delta)
        check(achieved <= epsilon, "calibrated Laplace meets the target")
        check(abs(b - 1 / (epsilon - 2 * mpmath.log(1 - delta))) < 1e-9 * b, "closed form of the calibration")


def check_renyi() -> None:
    a, e0 = sp.symbols("alpha epsilon0", positive=True)
    original = sp.log(a / (2 * a - 1) * sp.exp((a - 1) * e0) + (a - 1) / (2 * a - 1) * sp.exp(-a * e0)) / (a - 1)
    rewritten = e0 + sp.log(1 + (a - 1) / (2 * a - 1) * (sp.exp((1 - 2 * a) * e0) - 1)) / (a - 1)
    for alpha_value in (sp.Rational(3, 2), 2, 10):
        for eps_value in (sp.Rational(1, 10), 1, 3):
            difference = (original - rewritten).subs({a: alpha_value, e0: eps_value})
            check(abs(sp.N(difference, 50)) < 1e-40, "rewriting of the Laplace Renyi curve")
    mpmath.mp.dps = 30
    for alpha_value, pure in [(1.5, 1.0), (2.0, 0.3), (5.0, 2.0), (1.05, 0.01)]:
        scale = 1 / mpmath.mpf(pure)
        moment = mpmath.quad(
            lambda t, scale=scale, a=alpha_value: density(t, 1, scale) ** a * density(t, 0, scale) ** (1 - a),
            [-mpmath.inf, 0, 1, mpmath.inf],
        )
        exact = mpmath.log(moment) / (alpha_value - 1)
        package = bounds.laplace_rdp([alpha_value], noise_multiplier=1 / pure)[0]
        check(package >= exact and package <= exact * (1 + 1e-6) + 1e-15, f"package laplace_rdp alpha={alpha_value}")


def main() -> int:
    check_profile()
    check_calibration()
    check_renyi()
    print(f"laplace_profile: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
