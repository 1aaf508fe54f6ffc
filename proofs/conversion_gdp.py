"""Check the statements of proofs/conversion_gdp.md.

mpmath at 30 digits checks the GDP privacy profile against a numerical integral and the
package's conversions against high-precision searches. sympy checks the derivatives and
the Rényi moment. Exits non-zero on the first failed check and prints a one-line summary
on success.
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


def profile(epsilon, mu):
    return mpmath.ncdf(-epsilon / mu + mu / 2) - mpmath.exp(epsilon) * mpmath.ncdf(-epsilon / mu - mu / 2)


def check_profile_integral() -> None:
    mpmath.mp.dps = 30
    for epsilon, mu in [(0.0, 1.0), (1.0, 0.5), (3.0, 2.0), (0.2, 0.05), (8.0, 3.0)]:
        e, m = mpmath.mpf(epsilon), mpmath.mpf(mu)
        integral = mpmath.quad(
            lambda x, m=m, e=e: max(mpmath.npdf(x, m, 1) - mpmath.exp(e) * mpmath.npdf(x, 0, 1), 0),
            [-mpmath.inf, e / m + m / 2, mpmath.inf],
        )
        check(abs(integral - profile(e, m)) < mpmath.mpf(10) ** -20, f"profile integral eps={epsilon}, mu={mu}")
        package = bounds.gdp_delta(epsilon, mu=mu)
        check(
            package >= float(profile(e, m)) and package <= float(profile(e, m)) * (1 + 1e-9) + 1e-300,
            "package gdp_delta",
        )


def check_derivatives() -> None:
    e, m = sp.symbols("epsilon mu", positive=True)
    Phi = lambda x: (1 + sp.erf(x / sp.sqrt(2))) / 2  # noqa: E731
    phi = lambda x: sp.exp(-(x**2) / 2) / sp.sqrt(2 * sp.pi)  # noqa: E731
    delta = Phi(-e / m + m / 2) - sp.exp(e) * Phi(-e / m - m / 2)
    check(sp.simplify(sp.diff(delta, e) + sp.exp(e) * Phi(-e / m - m / 2)) == 0, "d delta / d epsilon")
    check(sp.simplify(sp.diff(delta, m) - phi(m / 2 - e / m)) == 0, "d delta / d mu")
    x, a = sp.symbols("x alpha", positive=True)
    moment = sp.integrate(sp.exp(a * (m * x - m**2 / 2)) * phi(x), (x, -sp.oo, sp.oo))
    check(sp.simplify(sp.log(moment) / (a - 1) - a * m**2 / 2) == 0, "Renyi divergence alpha mu^2 / 2")


def check_searches() -> None:
    mpmath.mp.dps = 30
    for mu, delta in [(0.5, 1e-5), (2.0, 1e-10), (0.01, 1e-3)]:
        epsilon = bounds.gdp_epsilon(mu=mu, delta=delta)
        check(profile(mpmath.mpf(epsilon), mpmath.mpf(mu)) <= delta, "gdp_epsilon meets delta")
        check(
            profile(mpmath.mpf(epsilon) * (1 - mpmath.mpf(1e-9)), mpmath.mpf(mu)) > delta or epsilon == 0,
            "gdp_epsilon tight",
        )
    # Reference values (Balle and Wang 2018, Δ = 1), as recomputed in dp_accounting 0.6.0.
    for epsilon, delta, sigma in [(0.1, 1e-5, 30.749566), (1.0, 1e-5, 3.730632), (10.0, 1e-5, 0.499889)]:
        computed = bounds.calibrate_gaussian(epsilon=epsilon, delta=delta)
        check(abs(computed - sigma) < 2e-6 * sigma, f"analytic Gaussian sigma at eps={epsilon}")
        check(profile(mpmath.mpf(epsilon), 1 / mpmath.mpf(computed)) <= delta, "calibrated sigma meets delta")
        four = bounds.calibrate_gaussian(epsilon=epsilon, delta=delta, requests=4)
        check(profile(mpmath.mpf(epsilon), 2 / mpmath.mpf(four)) <= delta, "four releases meet delta")
        check(abs(four - 2 * computed) < 1e-9 * four, "four releases need twice the sigma")


def main() -> int:
    check_profile_integral()
    check_derivatives()
    check_searches()
    print(f"conversion_gdp: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
