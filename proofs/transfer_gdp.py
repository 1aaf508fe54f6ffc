"""Check the algebra of proofs/transfer_gdp.md.

Probabilities in (0, 1) are written p = Φ(z) with z real, which turns every identity
into one sympy can simplify. The sign of the second derivative is argued in the proof
and spot-checked here with mpmath at 50 digits. Exits non-zero on the first failed
check and prints a one-line summary on success.
"""

from __future__ import annotations

import random
import sys

import mpmath
import sympy as sp

z, y, t, x = sp.symbols("z y t x", real=True)
mu = sp.Symbol("mu", nonnegative=True)
sigma = sp.Symbol("sigma", positive=True)
p = sp.Symbol("p", positive=True)

checks_passed = 0


def check(condition, message: str) -> None:
    """Raise AssertionError with `message` unless `condition` is true (also under python -O)."""
    global checks_passed
    if not condition:
        raise AssertionError(message)
    checks_passed += 1


def is_zero(expression) -> bool:
    # sympy writes Gaussian tail integrals with erfc, so rewriting in erf lets them cancel.
    return sp.simplify(sp.sympify(expression).rewrite(sp.erf)) == 0


def normal_cdf(value):
    """Return Φ(value), the standard normal distribution function."""
    return (1 + sp.erf(value / sp.sqrt(2))) / 2


def normal_quantile(value):
    """Return Φ⁻¹(value), the standard normal quantile function."""
    return sp.sqrt(2) * sp.erfinv(2 * value - 1)


def normal_density(value):
    return sp.exp(-(value**2) / 2) / sp.sqrt(2 * sp.pi)


def tradeoff(alpha, shift):
    """Return G_μ(α) = Φ(Φ⁻¹(1 − α) − μ) with μ = `shift`."""
    return normal_cdf(normal_quantile(1 - alpha) - shift)


def transfer(probability, shift):
    """Return h(p) = Φ(Φ⁻¹(p) + μ) with μ = `shift`."""
    return normal_cdf(normal_quantile(probability) + shift)


def check_normal_identities() -> None:
    check(is_zero(normal_cdf(-z) - (1 - normal_cdf(z))), "Phi(-z) = 1 - Phi(z)")
    check(is_zero(normal_quantile(normal_cdf(z)) - z), "Phi^-1(Phi(z)) = z")
    check(is_zero(sp.diff(normal_cdf(z), z) - normal_density(z)), "Phi' = phi")
    # Φ⁻¹(1 − Φ(z)) = Φ⁻¹(Φ(−z)) = −z, the step behind 1 − G_μ(p) = h(p).
    check(is_zero(normal_quantile(normal_cdf(-z)) + z), "Phi^-1(Phi(-z)) = -z")


def check_transfer_is_one_minus_tradeoff() -> None:
    # With p = Φ(z): G_μ(p) = Φ(Φ⁻¹(Φ(−z)) − μ) = Φ(−z − μ), so 1 − G_μ(p) = Φ(z + μ) = h(p).
    tradeoff_at_p = normal_cdf(normal_quantile(normal_cdf(-z)) - mu)
    check(is_zero(tradeoff_at_p - normal_cdf(-z - mu)), "G_mu(Phi(z)) = Phi(-z - mu)")
    check(is_zero(1 - tradeoff_at_p - transfer(normal_cdf(z), mu)), "1 - G_mu(p) = h(p)")


def check_half_lines_attain_the_transfer() -> None:
    # θ_r ~ N(0, 1), θ_u ~ N(μ, 1), E = (t, ∞) with t = −z.
    reference_mass = sp.integrate(normal_density(x), (x, t, sp.oo))
    unlearned_mass = sp.integrate(normal_density(x - mu), (x, t, sp.oo))
    check(is_zero(reference_mass - (1 - normal_cdf(t))), "P(N(0,1) > t)")
    check(is_zero(unlearned_mass - (1 - normal_cdf(t - mu))), "P(N(mu,1) > t)")
    check(is_zero(reference_mass.subs(t, -z) - normal_cdf(z)), "reference mass is p = Phi(z)")
    check(is_zero(unlearned_mass.subs(t, -z) - transfer(normal_cdf(z), mu)), "half-line attains h(p)")

    # The likelihood ratio of N(μ, 1) to N(0, 1) is exp(μx − μ²/2), non-decreasing for μ ≥ 0.
    ratio = normal_density(x - mu) / normal_density(x)
    check(is_zero(ratio - sp.exp(mu * x - mu**2 / 2)), "likelihood ratio")
    check(is_zero(sp.diff(ratio, x) - mu * ratio), "likelihood ratio derivative")

    # The threshold test has type I error α = 1 − Φ(t) and type II error Φ(t − μ).
    # With t = Φ⁻¹(1 − α) the type II error is G_μ(α).
    alpha = 1 - normal_cdf(t)
    check(is_zero(normal_quantile(1 - alpha) - t), "threshold from alpha")
    check(is_zero(tradeoff(alpha, mu) - normal_cdf(t - mu)), "type II error is G_mu(alpha)")

    # Swapping the roles: x ↦ μ − x maps N(0, 1) onto N(μ, 1) and back, so the
    # trade-off function of the swapped pair is also G_μ.
    check(is_zero(normal_density(mu - x) - normal_density(x - mu)), "reflection maps the pair onto itself")


def check_transfer_on_random_events() -> None:
    # P(N(μ,1) ∈ E) ≤ h(P(N(0,1) ∈ E)) for random finite unions of intervals E.
    mpmath.mp.dps = 30
    generator = random.Random(20240611)
    for _ in range(200):
        shift = mpmath.mpf(generator.uniform(0.0, 3.0))
        edges = sorted(generator.uniform(-4.0, 5.0) for _ in range(2 * generator.randint(1, 4)))
        reference_mass = mpmath.mpf(0)
        unlearned_mass = mpmath.mpf(0)
        for low, high in zip(edges[0::2], edges[1::2], strict=True):
            reference_mass += mpmath.ncdf(high) - mpmath.ncdf(low)
            unlearned_mass += mpmath.ncdf(high - shift) - mpmath.ncdf(low - shift)
        bound = mpmath.ncdf(mpmath.sqrt(2) * mpmath.erfinv(2 * reference_mass - 1) + shift)
        check(unlearned_mass <= bound + mpmath.mpf(10) ** -25, "random event exceeds the transfer bound")
        # The same with the roles swapped (θ_u ~ N(0, 1), θ_r ~ N(μ, 1)).
        swapped_bound = mpmath.ncdf(mpmath.sqrt(2) * mpmath.erfinv(2 * unlearned_mass - 1) + shift)
        check(reference_mass <= swapped_bound + mpmath.mpf(10) ** -25, "swapped random event exceeds the bound")


def check_derivatives() -> None:
    first = sp.diff(transfer(p, mu), p)
    second = sp.diff(transfer(p, mu), p, 2)
    # Closed forms with p = Φ(z): h' = exp(−μz − μ²/2) > 0 and h'' = −μ h' / φ(z).
    first_closed = sp.exp(-mu * z - mu**2 / 2)
    second_closed = -mu * first_closed / normal_density(z)
    check(is_zero(first.subs(p, normal_cdf(z)) - first_closed), f"h' closed form: {first}")
    check(is_zero(second.subs(p, normal_cdf(z)) - second_closed), f"h'' closed form: {second}")
    check(first_closed.is_positive, "h' > 0")
    # −μ ≤ 0 times exp(...) > 0 divided by φ(z) > 0: the sign is that of −μ.
    factors = sp.Mul.make_args(sp.simplify(second_closed / -mu))
    check(all(factor.is_positive for factor in factors), f"h'' / (-mu) > 0: {factors}")

    mpmath.mp.dps = 50
    for shift in ["0", "0.1", "1", "2.5", "6"]:
        shift_value = mpmath.mpf(shift)

        def transfer_numeric(probability, shift_value=shift_value):
            return mpmath.ncdf(mpmath.sqrt(2) * mpmath.erfinv(2 * probability - 1) + shift_value)

        for probability in ["0.001", "0.05", "0.3", "0.5", "0.8", "0.99", "0.9999"]:
            probability_value = mpmath.mpf(probability)
            numeric_second = mpmath.diff(transfer_numeric, probability_value, 2)
            z_value = mpmath.sqrt(2) * mpmath.erfinv(2 * probability_value - 1)
            closed = -shift_value * mpmath.exp(-shift_value * z_value - shift_value**2 / 2) / mpmath.npdf(z_value)
            check(abs(numeric_second - closed) <= mpmath.mpf(10) ** -20 * (1 + abs(closed)), "h'' spot check")
            check(numeric_second <= mpmath.mpf(10) ** -30, f"h'' <= 0 at p={probability}, mu={shift}")


def check_inverse() -> None:
    # With β = Φ(y): h←(β) = Φ(y − μ), and h(Φ(y − μ)) = Φ(y).
    inverse = normal_cdf(normal_quantile(normal_cdf(y)) - mu)
    check(is_zero(inverse - normal_cdf(y - mu)), "inverse in z-form")
    check(is_zero(transfer(normal_cdf(y - mu), mu) - normal_cdf(y)), "h(h_inv(beta)) = beta")
    check(is_zero(normal_cdf(normal_quantile(transfer(normal_cdf(z), mu)) - mu) - normal_cdf(z)), "h_inv(h(p)) = p")
    # Limits at the ends: h(Φ(z)) = Φ(z + μ) and z + μ → ±∞ with z, so h(0+) = 0 and
    # h(1−) = 1 and h is a bijection of [0, 1]. The limit is taken in y = z + μ because
    # sympy 1.14 returns 1 for the limit of Φ(z + μ) at z → −∞ with μ symbolic.
    check(sp.limit(normal_cdf(y), y, -sp.oo) == 0, "h(0+) = 0")
    check(sp.limit(normal_cdf(y), y, sp.oo) == 1, "h(1-) = 1")


def check_gaussian_mechanism() -> None:
    # Outputs N(a, σ²I) and N(b, σ²I) in three dimensions.
    a = sp.Matrix(sp.symbols("a1:4", real=True))
    b = sp.Matrix(sp.symbols("b1:4", real=True))
    point = sp.Matrix(sp.symbols("x1:4", real=True))
    log_density_a = -((point - a).dot(point - a)) / (2 * sigma**2)
    log_density_b = -((point - b).dot(point - b)) / (2 * sigma**2)
    distance_squared = (b - a).dot(b - a)
    # log(dN(b)/dN(a)) = (b − a)ᵀ(x − a)/σ² − ‖b − a‖²/(2σ²): a function of the scalar
    # s = uᵀ(x − a)/σ with u = (b − a)/‖b − a‖, namely μ s − μ²/2 with μ = ‖b − a‖/σ.
    log_ratio = (b - a).dot(point - a) / sigma**2 - distance_squared / (2 * sigma**2)
    check(is_zero(sp.expand(log_density_b - log_density_a - log_ratio)), "log likelihood ratio")
    distance = sp.sqrt(distance_squared)
    statistic = (b - a).dot(point - a) / (distance * sigma)
    shift = distance / sigma
    check(is_zero(shift * statistic - shift**2 / 2 - log_ratio), "ratio through the scalar statistic")
    # s = cᵀ(x − a) with c = u/σ, so its variance under either law is σ²‖c‖² = 1. Its
    # mean is 0 under N(a, σ²I) and cᵀ(b − a) = μ under N(b, σ²I).
    coefficients = (b - a) / (distance * sigma)
    check(is_zero(sigma**2 * coefficients.dot(coefficients) - 1), "variance of s is 1")
    check(is_zero(coefficients.dot(b - a) - shift), "mean of s under N(b) is mu")

    # G_μ(α) decreases in μ, so sensitivity ‖b − a‖ ≤ Δ gives a trade-off ≥ G_{Δ/σ}.
    alpha = normal_cdf(-z)
    derivative = sp.diff(tradeoff(alpha, mu), mu)
    check(is_zero(derivative + normal_density(z - mu)), "dG/dmu = -phi(...)")


def main() -> int:
    check_normal_identities()
    check_transfer_is_one_minus_tradeoff()
    check_half_lines_attain_the_transfer()
    check_transfer_on_random_events()
    check_derivatives()
    check_inverse()
    check_gaussian_mechanism()
    print(f"transfer_gdp: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
