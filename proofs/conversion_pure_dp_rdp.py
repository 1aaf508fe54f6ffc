"""Check the statements of proofs/conversion_pure_dp_rdp.md.

Exact rational arithmetic builds the post-processing kernel from randomized response for
random ε-DP pairs. sympy checks the cosh form and the derivatives of the quadratic
bound. mpmath compares the package's curve with the exact divergence. Exits non-zero on
the first failed check and prints a one-line summary on success.
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
from certunlearn._validate import InvalidArgumentError  # noqa: E402

checks_passed = 0


def check(condition, message: str) -> None:
    """Raise AssertionError with `message` unless `condition` is true (also under python -O)."""
    global checks_passed
    if not condition:
        raise AssertionError(message)
    checks_passed += 1


def check_kernel() -> None:
    rng = random.Random(21)
    gamma = Fraction(3)  # e^ε = 3
    s = gamma / (1 + gamma)
    made = 0
    while made < 40:
        first = [Fraction(rng.randint(1, 12)) for _ in range(4)]
        second = [Fraction(rng.randint(1, 12)) for _ in range(4)]
        first = [x / sum(first) for x in first]
        second = [x / sum(second) for x in second]
        if any(not (1 / gamma <= p / q <= gamma) for p, q in zip(first, second, strict=True)):
            continue
        made += 1
        a = [(s * p - (1 - s) * q) / (2 * s - 1) for p, q in zip(first, second, strict=True)]
        b = [(s * q - (1 - s) * p) / (2 * s - 1) for p, q in zip(first, second, strict=True)]
        check(all(x >= 0 for x in a + b) and sum(a) == 1 and sum(b) == 1, "kernel rows are distributions")
        check(
            all(p == s * x + (1 - s) * y for p, x, y in zip(first, a, b, strict=True)),
            "P is the image of RR's first law",
        )
        check(
            all(q == (1 - s) * x + s * y for q, x, y in zip(second, a, b, strict=True)),
            "Q is the image of RR's second law",
        )


def check_formulas() -> None:
    a, e = sp.symbols("alpha epsilon", positive=True)
    s = sp.exp(e) / (1 + sp.exp(e))
    moment = s**a * (1 - s) ** (1 - a) + (1 - s) ** a * s ** (1 - a)
    cosh_form = sp.cosh((a - sp.Rational(1, 2)) * e) / sp.cosh(e / 2)
    for alpha_value in (sp.Rational(3, 2), 2, 7):
        for eps_value in (sp.Rational(1, 10), 1, 4):
            difference = (moment - cosh_form).subs({a: alpha_value, e: eps_value})
            check(abs(sp.N(difference, 50)) < 1e-40, "cosh form of the randomized-response moment")
    u = sp.log(sp.cosh((a - sp.Rational(1, 2)) * e)) - sp.log(sp.cosh(e / 2))
    check(sp.simplify(sp.diff(u, a) - e * sp.tanh((a - sp.Rational(1, 2)) * e)) == 0, "u'(alpha)")
    check(sp.simplify(sp.diff(u, a, 2) - e**2 / sp.cosh((a - sp.Rational(1, 2)) * e) ** 2) == 0, "u''(alpha)")
    mpmath.mp.dps = 30
    for eps_value in (0.01, 0.5, 2.0, 8.0):
        check(eps_value * mpmath.tanh(eps_value / 2) <= eps_value**2 / 2, "u'(1) <= eps^2/2")
        for alpha_value in (1.01, 1.5, 3.0, 40.0):
            exact = mpmath.log(mpmath.cosh((alpha_value - 0.5) * eps_value) / mpmath.cosh(eps_value / 2)) / (
                alpha_value - 1
            )
            check(exact <= min(eps_value, alpha_value * eps_value**2 / 2) + mpmath.mpf(10) ** -25, "P.3")
            package = bounds.pure_dp_rdp([alpha_value], epsilon=eps_value)[0]
            check(package >= exact and package <= exact * (1 + mpmath.mpf(1e-7)) + 1e-15, "package curve")


def check_refusal() -> None:
    try:
        bounds.epsilon_delta_to_renyi(bounds.EpsilonDeltaCertificate(epsilon=1.0, delta=1e-6))
    except InvalidArgumentError as error:
        check(str(error).startswith("delta must be 0"), "refusal names delta")
    else:
        check(False, "delta > 0 must be refused")
    curve = bounds.epsilon_delta_to_renyi(bounds.EpsilonDeltaCertificate(epsilon=1.0, delta=0.0), orders=[2.0, 4.0])
    check(np.all(np.asarray(curve.rdp) <= 1.0), "pure DP curve at most epsilon")


def main() -> int:
    check_kernel()
    check_formulas()
    check_refusal()
    print(f"conversion_pure_dp_rdp: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
