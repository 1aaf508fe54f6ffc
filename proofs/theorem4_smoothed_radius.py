"""Check the statements of proofs/theorem4_smoothed_radius.md.

sympy checks the likelihood ratio of shifted Gaussians and the radius algebra. mpmath at
30 digits checks the bound on the linear score (where it is attained) and the
Clopper–Pearson bound. Exact binomial sums check the coverage of the one-sided bound for
small n. The package's functions are compared with these values. Exits non-zero on the
first failed check and prints a one-line summary on success.
"""

from __future__ import annotations

import random
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


def probit(p):
    return mpmath.sqrt(2) * mpmath.erfinv(2 * mpmath.mpf(p) - 1)


def check_likelihood_ratio() -> None:
    x1, x2, x3, d1, d2, d3, sigma = sp.symbols("x1 x2 x3 d1 d2 d3 sigma", real=True)
    x = sp.Matrix([x1, x2, x3])
    shift = sp.Matrix([d1, d2, d3])
    log_ratio = (-(x - shift).dot(x - shift) + x.dot(x)) / (2 * sigma**2)
    projection = shift.dot(x) / sp.sqrt(shift.dot(shift))
    norm = sp.sqrt(shift.dot(shift))
    expected = (norm * projection - norm**2 / 2) / sigma**2
    check(sp.simplify(log_ratio - expected) == 0, "log-likelihood ratio depends only on the projection on Delta")
    # Under the shifted law the projection has mean ||Δ|| and variance σ² (unit direction).
    direction = shift / norm
    check(sp.simplify(direction.dot(shift) - norm) == 0, "projection mean is ||Delta||")
    check(sp.simplify(direction.dot(direction) - 1) == 0, "projection variance is sigma^2")


def check_linear_score() -> None:
    mpmath.mp.dps = 30
    # m(θ) = 1{w·θ ≥ b} with unit w: p(θ) = Φ((w·θ − b)/σ).
    for sigma, offset, radius in [(0.5, -1.0, 0.3), (2.0, -3.0, 1.5), (1.0, 0.2, 0.05)]:
        sigma, offset, radius = mpmath.mpf(sigma), mpmath.mpf(offset), mpmath.mpf(radius)
        base = mpmath.ncdf(offset / sigma)
        shifted = mpmath.ncdf((offset + radius) / sigma)
        bound = mpmath.ncdf(probit(base) + radius / sigma)
        check(abs(bound - shifted) < mpmath.mpf(10) ** -25, "bound attained along w")
        package = bounds.smoothed_probability_bound(probability=float(base), radius=float(radius), sigma=float(sigma))
        check(package >= float(shifted) * (1 - 1e-12), "package bound is valid")
        # A shift orthogonal to w does not change p; the bound still holds.
        check(bound >= base, "bound at least the unshifted probability")


def check_radius_algebra() -> None:
    sigma, q, upper, radius = sp.symbols("sigma q pbar r", positive=True)
    z_q, z_p = sp.symbols("z_q z_p", real=True)
    solved = sp.solve(sp.Eq(z_p + radius / sigma, z_q), radius)[0]
    check(sp.simplify(solved - sigma * (z_q - z_p)) == 0, "R = sigma (Phi^-1(q) - Phi^-1(pbar))")
    mpmath.mp.dps = 30
    for p_bar, target, s in [(0.01, 0.5, 1.0), (1e-6, 0.1, 0.2), (0.3, 0.31, 3.0)]:
        exact = s * (probit(target) - probit(p_bar))
        package = bounds.smoothed_radius(probability_upper=p_bar, sigma=s, target=target)
        check(package <= float(exact) and package >= float(exact) * (1 - 1e-9), "package radius rounded down")
        at_radius = mpmath.ncdf(probit(p_bar) + exact / s)
        check(abs(at_radius - target) < mpmath.mpf(10) ** -20, "bound equals q at the radius")


def check_clopper_pearson() -> None:
    mpmath.mp.dps = 30
    grid = [mpmath.mpf(i) / 200 for i in range(1, 200)]
    for n in (1, 5, 12, 30):
        for confidence in (0.9, 0.99):
            uppers = [bounds.clopper_pearson_upper(k, n, confidence=confidence) for k in range(n + 1)]
            check(all(a < b for a, b in zip(uppers, uppers[1:], strict=False)), f"upper bound increasing in k (n={n})")
            for k in range(n):
                exact = mpmath.findroot(
                    lambda p, k=k, n=n, c=confidence: mpmath.betainc(k + 1, n - k, 0, p, regularized=True) - c,
                    (mpmath.mpf(1e-12), 1 - mpmath.mpf(1e-12)),
                    solver="bisect",
                )
                check(uppers[k] >= float(exact) * (1 - 1e-15), f"package bound not below the exact one (n={n}, k={k})")
            for p in grid:
                coverage = mpmath.fsum(
                    mpmath.binomial(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1) if p <= uppers[k]
                )
                check(coverage >= confidence - mpmath.mpf(10) ** -20, f"coverage at p={p}, n={n}")


def check_jensen() -> None:
    mpmath.mp.dps = 30
    rng = random.Random(11)
    for _ in range(30):
        shift = mpmath.mpf(rng.uniform(0.01, 3.0))
        values = [mpmath.mpf(rng.uniform(1e-4, 1 - 1e-4)) for _ in range(5)]
        weights = [mpmath.mpf(rng.uniform(0.1, 1.0)) for _ in range(5)]
        total = mpmath.fsum(weights)
        weights = [w / total for w in weights]
        g = lambda x, shift=shift: mpmath.ncdf(probit(x) + shift)  # noqa: E731
        mean_of_g = mpmath.fsum(w * g(v) for w, v in zip(weights, values, strict=True))
        g_of_mean = g(mpmath.fsum(w * v for w, v in zip(weights, values, strict=True)))
        check(mean_of_g <= g_of_mean + mpmath.mpf(10) ** -25, "Jensen for the concave GDP transfer")
    certificate = bounds.EpsilonDeltaCertificate(epsilon=1.0, delta=1e-5)
    result = bounds.smoothed_depth_radius_from_reference(
        reference_probability=0.01, certificate=certificate, sigma=1.0, target=0.5
    )
    expected = float(probit(0.5) - probit(min(1.0, mpmath.e * 0.01 + 1e-5)))
    check(not result.abstained and result.radius <= expected, "radius from Theorem 1 uses h(p_r)")


def main() -> int:
    check_likelihood_ratio()
    check_linear_score()
    check_radius_algebra()
    check_clopper_pearson()
    check_jensen()
    print(f"theorem4_smoothed_radius: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
