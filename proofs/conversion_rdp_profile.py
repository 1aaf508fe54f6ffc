"""Check the statements of proofs/conversion_rdp_profile.md.

sympy checks the maximisation behind the conversion and its inversion. mpmath at 30
digits checks the bounds against exact divergences of Gaussian and randomized-response
pairs and the package's implementation. Exits non-zero on the first failed check and
prints a one-line summary on success.
"""

from __future__ import annotations

import sys
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


def check_maximisation() -> None:
    z, gamma, alpha = sp.symbols("z gamma alpha", positive=True)
    function = (z - gamma) * z ** (-alpha)
    stationary = sp.solve(sp.diff(function, z), z)
    check(len(stationary) == 1 and sp.simplify(stationary[0] - alpha * gamma / (alpha - 1)) == 0, "stationary point")
    value = sp.simplify(function.subs(z, alpha * gamma / (alpha - 1)))
    expected = gamma ** (1 - alpha) * (alpha - 1) ** (alpha - 1) * alpha ** (-alpha)
    for a in (sp.Rational(3, 2), 2, 7):
        for g in (1, sp.Rational(5, 2), 30):
            check(
                sp.simplify(value.subs({alpha: a, gamma: g}) - expected.subs({alpha: a, gamma: g})) == 0,
                "maximum value",
            )
            rewritten = g ** (1 - a) * (1 - 1 / sp.sympify(a)) ** (a - 1) / a
            check(
                sp.simplify(expected.subs({alpha: a, gamma: g}) - rewritten) == 0, "(1 - 1/alpha)^(alpha-1)/alpha form"
            )
    eps, rho, delta = sp.symbols("epsilon rho delta", positive=True)
    log_bound = (alpha - 1) * (rho - eps) + (alpha - 1) * sp.log(1 - 1 / alpha) - sp.log(alpha)
    solved = sp.solve(sp.Eq(log_bound, sp.log(delta)), eps)[0]
    expected_eps = rho + sp.log(1 - 1 / alpha) - (sp.log(delta) + sp.log(alpha)) / (alpha - 1)
    check(sp.simplify(solved - expected_eps) == 0, "inversion for epsilon")


def gaussian_profile(epsilon, mu):
    return mpmath.ncdf(-epsilon / mu + mu / 2) - mpmath.exp(epsilon) * mpmath.ncdf(-epsilon / mu - mu / 2)


def check_against_exact() -> None:
    mpmath.mp.dps = 30
    orders = np.array(bounds.DEFAULT_ORDERS)
    for mu in (0.1, 0.5, 2.0):
        rdp = orders * mu**2 / 2
        for epsilon in (0.0, 0.3, 1.0, 4.0):
            bound = bounds.rdp_to_delta(epsilon, orders=orders, rdp=rdp, warn=False)
            check(bound >= gaussian_profile(mpmath.mpf(epsilon), mpmath.mpf(mu)), f"delta bound, Gaussian mu={mu}")
        for delta in (1e-10, 1e-5, 0.1):
            epsilon = bounds.rdp_to_epsilon(delta, orders=orders, rdp=rdp, warn=False)
            check(gaussian_profile(mpmath.mpf(epsilon), mpmath.mpf(mu)) <= delta, f"epsilon bound, Gaussian mu={mu}")
    # Randomized response with ε₀: TV = tanh(ε₀/2) and the pure-DP curve.
    for pure in (0.1, 1.0, 3.0):
        rdp = bounds.pure_dp_rdp(orders, epsilon=pure)
        tv = mpmath.tanh(mpmath.mpf(pure) / 2)
        check(bounds.rdp_to_delta(0.0, orders=orders, rdp=rdp, warn=False) >= tv, "TV bound for randomized response")
    # Reference: σ = 2, δ = 1e-5 (dp_accounting 0.6.0 and the accounting notes): improved 2.16572, exact 1.99309.
    improved = bounds.rdp_to_epsilon(1e-5, orders=orders, rdp=orders / 8.0, warn=False)
    check(abs(improved - 2.16572) < 1e-5, "improved conversion reference value")
    check(improved >= bounds.gaussian_epsilon(sigma=2.0, delta=1e-5), "conversion above the exact epsilon")
    mironov = min(r + np.log(1e5) / (a - 1) for a, r in zip(orders, orders / 8.0, strict=True))
    check(improved <= mironov, "improved conversion is below Mironov's")


def check_total_variation_shortcut() -> None:
    mpmath.mp.dps = 30
    # KL of N(μ,1) from N(0,1) is μ²/2 = lim ρ(α); TV = 2Φ(μ/2) − 1 ≤ sqrt(1 − e^{−μ²/2}).
    for mu in (0.01, 0.3, 1.0, 3.0):
        m = mpmath.mpf(mu)
        check(2 * mpmath.ncdf(m / 2) - 1 <= mpmath.sqrt(1 - mpmath.exp(-(m**2) / 2)), f"Bretagnolle-Huber at mu={mu}")
    rdp = np.array([1e-6, 2e-6])
    check(
        bounds.rdp_to_epsilon(0.01, orders=[1.5, 2.0], rdp=rdp, warn=False) == 0.0,
        "epsilon is exactly 0 when TV <= delta",
    )


def main() -> int:
    check_maximisation()
    check_against_exact()
    check_total_variation_shortcut()
    print(f"conversion_rdp_profile: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
