"""Check the statements of proofs/conversion_rdp_transfer.md.

sympy checks the stationary points and values of the optimised lines and their inverses.
mpmath checks the closed forms against brute-force minimisation over γ and the package's
renyi_transfer and renyi_transfer_inverse. Exits non-zero on the first failed check and
prints a one-line summary on success.
"""

from __future__ import annotations

import random
import sys
from fractions import Fraction
from pathlib import Path

import mpmath
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


g, p, b, alpha, c = sp.symbols("gamma p beta alpha C", positive=True)


def check_stationary_points() -> None:
    cases = [
        (g * p + c * g ** (1 - alpha), ((alpha - 1) * c / p) ** (1 / alpha), g * p * alpha / (alpha - 1), "T.2"),
        (
            1 - (1 - p) / g + c * g ** (-alpha),
            (alpha * c / (1 - p)) ** (1 / (alpha - 1)),
            1 - (1 - p) * (alpha - 1) / (alpha * g),
            "T.3",
        ),
        ((b - c * g ** (1 - alpha)) / g, (alpha * c / b) ** (1 / (alpha - 1)), b * (1 - 1 / alpha) / g, "T.5 line 1"),
        (
            1 - g * (1 - b) - c * g ** (1 - alpha),
            ((alpha - 1) * c / (1 - b)) ** (1 / alpha),
            1 - g * (1 - b) * alpha / (alpha - 1),
            "T.5 line 2",
        ),
    ]
    rng = random.Random(5)
    for function, stationary, value_at, name in cases:
        derivative = sp.diff(function, g)
        for _ in range(6):
            values = {
                alpha: sp.Rational(rng.randint(11, 80), 10),
                c: sp.Rational(rng.randint(1, 500), 100),
                p: sp.Rational(rng.randint(1, 99), 100),
                b: sp.Rational(rng.randint(1, 99), 100),
            }
            point = stationary.subs(values)
            check(abs(sp.N(derivative.subs(values).subs(g, point), 40)) < 1e-30, f"{name}: derivative vanishes")
            check(
                abs(sp.N((function - value_at).subs(values).subs(g, point), 40)) < 1e-30,
                f"{name}: value at the stationary point",
            )


def brute_force(alpha_value, rho, probability):
    """min over a fine γ grid of the two (ε, δ(ε)) lines, at 30 digits."""
    a, r, x = mpmath.mpf(alpha_value), mpmath.mpf(rho), mpmath.mpf(probability)
    constant = mpmath.exp((a - 1) * r) * (1 - 1 / a) ** (a - 1) / a
    best = mpmath.mpf(1)
    for step in range(4001):
        gamma = mpmath.exp(mpmath.mpf(step) / 100)
        delta = min(1, constant * gamma ** (1 - a))
        best = min(best, gamma * x + delta, 1 - (1 - delta - x) / gamma)
    preservation = (mpmath.exp(r) * x) ** ((a - 1) / a)
    return min(best, preservation)


def closed_form(alpha_value, rho, probability):
    """min of T.1–T.4 from their closed forms, at 30 digits."""
    a, r, x = mpmath.mpf(alpha_value), mpmath.mpf(rho), mpmath.mpf(probability)
    constant = mpmath.exp((a - 1) * r) * (1 - 1 / a) ** (a - 1) / a
    preservation = (mpmath.exp(r) * x) ** ((a - 1) / a)
    gamma1 = ((a - 1) * constant / x) ** (1 / a)
    line1 = gamma1 * x * a / (a - 1) if gamma1 >= 1 else x + constant
    gamma2 = (a * constant / (1 - x)) ** (1 / (a - 1))
    line2 = 1 - (1 - x) * (a - 1) / (a * gamma2) if gamma2 >= 1 else x + constant
    total_variation = x + mpmath.sqrt(1 - mpmath.exp(-r))
    return min(preservation, line1, line2, total_variation, 1)


def check_against_brute_force() -> None:
    mpmath.mp.dps = 30
    for alpha_value, rho in [(2.0, 0.1), (5.0, 0.6), (32.0, 0.5), (1.5, 0.02)]:
        for probability in (1e-6, 1e-3, 0.05, 0.4, 0.9):
            exact = closed_form(alpha_value, rho, probability)
            grid = brute_force(alpha_value, rho, probability)
            # The grid minimum (T.1–T.3 only) is at least the infimum and close to it
            # unless T.4 is the smallest candidate.
            check(
                exact <= grid + mpmath.mpf(10) ** -25,
                f"closed form is the infimum at alpha={alpha_value}, p={probability}",
            )
            without_tv = min(grid, 1)
            tv_candidate = mpmath.mpf(probability) + mpmath.sqrt(1 - mpmath.exp(-mpmath.mpf(rho)))
            check(
                without_tv <= exact * (1 + mpmath.mpf(1e-3)) or exact == tv_candidate,
                "grid minimum close to the closed form",
            )
            package = bounds.renyi_transfer(probability, orders=[alpha_value], rdp=[rho])
            check(package >= exact * (1 - mpmath.mpf(1e-12)), "package h is not below the closed form")
            check(package <= exact * (1 + mpmath.mpf(1e-9)), "package h matches the closed form")


def check_preservation_on_finite_pairs() -> None:
    rng = random.Random(9)
    for _ in range(40):
        first = [Fraction(rng.randint(1, 9)) for _ in range(4)]
        second = [Fraction(rng.randint(1, 9)) for _ in range(4)]
        first = [x / sum(first) for x in first]
        second = [x / sum(second) for x in second]
        for order in (2, 3):
            moment = sum(a**order * b ** (1 - order) for a, b in zip(first, second, strict=True))
            for mask in range(16):
                event_first = sum(first[i] for i in range(4) if mask >> i & 1)
                event_second = sum(second[i] for i in range(4) if mask >> i & 1)
                # P(E)^α ≤ E_Q[Z^α] Q(E)^{α−1}, the α-th power of T.1.
                check(event_first**order <= moment * event_second ** (order - 1), "probability preservation")


def check_inverse_of_package() -> None:
    rng = np.random.default_rng(2)
    for _ in range(30):
        orders = np.sort(rng.uniform(1.05, 60.0, size=4))
        rdp = np.sort(rng.uniform(0.0, 3.0, size=4))
        betas = np.concatenate([[0.0, 1e-9], rng.uniform(0.0, 1.0, 20), [1.0]])
        inverse = np.atleast_1d(bounds.renyi_transfer_inverse(betas, orders=orders, rdp=rdp))
        defined = inverse >= 0
        back = np.atleast_1d(bounds.renyi_transfer(inverse[defined], orders=orders, rdp=rdp))
        check(np.all(back <= betas[defined] * (1 + 1e-9) + 1e-300), "h(h_inverse(beta)) <= beta")
        above = np.minimum(inverse[defined] + 1e-7, 1.0)
        ahead = np.atleast_1d(bounds.renyi_transfer(above, orders=orders, rdp=rdp))
        check(
            np.all((ahead >= betas[defined] - 1e-6) | (inverse[defined] >= 1.0)), "h_inverse is close to the supremum"
        )


def check_concavity() -> None:
    x, r = sp.symbols("x rho", positive=True)
    for a in (sp.Rational(11, 10), 2, 10):
        curve = (sp.exp(r) * x) ** ((a - 1) / a)
        second = sp.simplify(sp.diff(curve, x, 2))
        check(
            all(sp.N(second.subs({x: value, r: 1})) < 0 for value in (sp.Rational(1, 1000), sp.Rational(1, 2))),
            "T.1 concave",
        )


def main() -> int:
    check_stationary_points()
    check_against_brute_force()
    check_preservation_on_finite_pairs()
    check_inverse_of_package()
    check_concavity()
    print(f"conversion_rdp_transfer: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
