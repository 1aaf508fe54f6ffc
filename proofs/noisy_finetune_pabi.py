"""Check the algebra and the examples of proofs/noisy_finetune_pabi.md.

sympy checks the Gaussian Rényi divergence, the closed forms of the shift and noise
weights, their agreement with the published λ > 0 formula and their λ → 0 limit, the
allocation identities and the factor 2 at λ = 0. Exact rational arithmetic checks joint
convexity and the chain bound on random finite distributions. mpmath at 30 digits checks
the non-negativity of the intermediate shifts, the optimality of the allocation and the
conversion numbers. numpy checks a one-dimensional multi-step instance on a grid.
Exits non-zero on the first failed check and prints a one-line summary on success.
"""

from __future__ import annotations

import random
import sys
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

checks_passed = 0


def check(condition, message: str) -> None:
    """Raise AssertionError with `message` unless `condition` is true (also under python -O)."""
    global checks_passed
    if not condition:
        raise AssertionError(message)
    checks_passed += 1


def is_zero(expression) -> bool:
    return sp.simplify(expression) == 0


alpha = sp.Symbol("alpha", positive=True)
sigma = sp.Symbol("sigma", positive=True)
eta, lam, c0, c1, rho = sp.symbols("eta lambda C0 C1 rho", positive=True)
T = sp.Symbol("T", positive=True, integer=True)


# -- 0(c): Rényi divergence of two Gaussians ---------------------------------------------


def check_gaussian_renyi() -> None:
    x = sp.Symbol("x", real=True)
    a, b = sp.symbols("a b", real=True)
    order = sp.Integer(3)  # a fixed order keeps the integral elementary; the general order below

    def density(centre):
        return sp.exp(-((x - centre) ** 2) / (2 * sigma**2)) / (sp.sqrt(2 * sp.pi) * sigma)

    integral = sp.integrate(density(a) ** order * density(b) ** (1 - order), (x, -sp.oo, sp.oo))
    divergence = sp.log(sp.simplify(integral)) / (order - 1)
    check(is_zero(sp.expand_log(divergence, force=True) - order * (a - b) ** 2 / (2 * sigma**2)), "Gaussian D_3")

    # General order: the exponent of p^α q^{1−α} is a quadratic in x whose completed
    # square leaves α(α−1)(a−b)²/(2σ²).
    exponent = -(alpha * (x - a) ** 2 + (1 - alpha) * (x - b) ** 2) / (2 * sigma**2)
    centre = alpha * a + (1 - alpha) * b
    remainder = sp.expand(exponent + (x - centre) ** 2 / (2 * sigma**2))
    check(is_zero(remainder - alpha * (alpha - 1) * (a - b) ** 2 / (2 * sigma**2)), "completed square")


# -- 4: closed forms, the published λ > 0 formula, the λ → 0 limit -------------------------


def shift_and_weight(steps):
    kappa = 1 - eta * lam
    geometric = (1 - kappa**steps) / (eta * lam)
    squares = (1 - kappa ** (2 * steps)) / (eta * lam * (2 - eta * lam))
    return 2 * c0 * kappa**steps + 2 * eta * c1 * geometric, squares


def check_closed_forms() -> None:
    kappa = sp.Symbol("kappa", positive=True)
    j = sp.Symbol("j", integer=True, nonnegative=True)
    for steps in range(1, 7):
        direct = sum(kappa**k for k in range(steps))
        check(is_zero(direct - (1 - kappa**steps) / (1 - kappa)), f"geometric sum at T={steps}")
        direct_squares = sum(kappa ** (2 * k) for k in range(steps))
        check(is_zero(direct_squares - (1 - kappa ** (2 * steps)) / (1 - kappa**2)), f"squares at T={steps}")
    check(is_zero((1 - (1 - eta * lam) ** 2) - eta * lam * (2 - eta * lam)), "1 - kappa^2")
    general = sp.summation(kappa**j, (j, 0, T - 1))
    # sympy returns a Piecewise on κ = 1; the branch for κ ≠ 1 must be the closed form.
    branch = general.args[1][0] if isinstance(general, sp.Piecewise) else general
    check(is_zero(branch - (1 - kappa**T) / (1 - kappa)), f"symbolic geometric sum {general}")

    shift, weight = shift_and_weight(T)
    power = (1 - eta * lam) ** T
    published = (
        (2 * c0 * power + (2 * c1 / lam) * (1 - power)) ** 2 * eta * lam * (2 - eta * lam) / (2 * rho * (1 - power**2))
    )
    check(is_zero(shift**2 / (2 * rho * weight) - published), "statement 4 equals the published lambda > 0 formula")

    for steps in (1, 2, 5, 13):
        limit_shift = sp.limit(shift.subs(T, steps), lam, 0)
        limit_weight = sp.limit(weight.subs(T, steps), lam, 0)
        check(is_zero(limit_shift - (2 * c0 + 2 * eta * c1 * steps)), f"lambda -> 0 shift at T={steps}")
        check(limit_weight == steps, f"lambda -> 0 weight at T={steps}")


# -- 3: the allocation ----------------------------------------------------------------------


def check_allocation_identities() -> None:
    kappa, z0, s = sp.symbols("kappa z0 s", positive=True)
    for steps in range(1, 7):
        weights = [kappa ** (steps - 1 - t) for t in range(steps)]
        total = kappa**steps * z0 + s * sum(weights)
        variance = sum(w**2 for w in weights)
        allocation = [total * w / variance for w in weights]
        z = z0
        for t in range(steps):
            z = kappa * z + s - allocation[t]
        check(is_zero(z), f"z_T = 0 at T={steps}")
        check(
            is_zero(sum(w * a for w, a in zip(weights, allocation, strict=True)) - total), f"sum w a = S at T={steps}"
        )
        check(is_zero(sum(a**2 for a in allocation) - total**2 / variance), f"sum a^2 = S^2/V at T={steps}")


def check_allocation_numerically() -> None:
    mpmath.mp.dps = 30
    generator = random.Random(2025)
    for _ in range(300):
        steps = generator.randint(1, 200)
        kappa = mpmath.mpf(1) if generator.random() < 0.2 else mpmath.mpf(generator.uniform(0.5, 1.0))
        z0 = mpmath.mpf(generator.choice([0.0, generator.uniform(0, 5)]))
        s = mpmath.mpf(generator.choice([0.0, generator.uniform(0, 1)]))
        weights = [kappa ** (steps - 1 - t) for t in range(steps)]
        total = kappa**steps * z0 + s * mpmath.fsum(weights)
        variance = mpmath.fsum(w**2 for w in weights)
        allocation = [total * w / variance for w in weights]
        check(all(a >= 0 for a in allocation), "a_t >= 0")
        check(all(x <= y for x, y in zip(allocation, allocation[1:], strict=False)), "a_t non-decreasing")
        z = z0
        tolerance = mpmath.mpf(10) ** -20 * (1 + z0 + s * steps)
        for t in range(steps):
            z = kappa * z + s - allocation[t]
            check(z >= -tolerance, f"z_{t + 1} = {z} < 0 (kappa={kappa}, z0={z0}, s={s}, T={steps})")
        check(abs(z) <= tolerance, "z_T = 0")
        # Any other allocation with the same weighted sum has a larger sum of squares.
        other = [mpmath.mpf(generator.random()) for _ in range(steps)]
        scale = total / mpmath.fsum(w * a for w, a in zip(weights, other, strict=True)) if total > 0 else 0
        other = [a * scale for a in other]
        check(mpmath.fsum(a**2 for a in other) >= total**2 / variance * (1 - mpmath.mpf(10) ** -25), "Cauchy-Schwarz")


# -- 0(a), 0(d): joint convexity and the chain bound, exactly -----------------------------


def renyi_moment(p, q, order: int) -> Fraction:
    """E_α(P‖Q) = Σ p^α q^{1−α} for an integer order, exactly."""
    return sum((pi**order) / (qi ** (order - 1)) for pi, qi in zip(p, q, strict=True) if pi > 0)


def random_distribution(generator: random.Random, size: int) -> list[Fraction]:
    weights = [Fraction(generator.randint(1, 30)) for _ in range(size)]
    total = sum(weights)
    return [w / total for w in weights]


def check_convexity_and_chain() -> None:
    generator = random.Random(7)
    for _ in range(60):
        order = generator.choice([2, 3, 4])
        size = generator.randint(2, 5)
        parts = generator.randint(2, 4)
        mixing = random_distribution(generator, parts)
        pairs = [(random_distribution(generator, size), random_distribution(generator, size)) for _ in range(parts)]
        p = [sum(m * pair[0][i] for m, pair in zip(mixing, pairs, strict=True)) for i in range(size)]
        q = [sum(m * pair[1][i] for m, pair in zip(mixing, pairs, strict=True)) for i in range(size)]
        mixed = renyi_moment(p, q, order)
        check(
            mixed <= sum(m * renyi_moment(a, b, order) for m, (a, b) in zip(mixing, pairs, strict=True)),
            "joint convexity",
        )

        first = random_distribution(generator, parts)
        first_q = random_distribution(generator, parts)
        conditionals = [
            (random_distribution(generator, size), random_distribution(generator, size)) for _ in range(parts)
        ]
        joint_p = [first[a] * conditionals[a][0][b] for a in range(parts) for b in range(size)]
        joint_q = [first_q[a] * conditionals[a][1][b] for a in range(parts) for b in range(size)]
        worst = max(renyi_moment(c[0], c[1], order) for c in conditionals)
        check(renyi_moment(joint_p, joint_q, order) <= renyi_moment(first, first_q, order) * worst, "chain bound")


# -- 5: the factor 2 at λ = 0 ------------------------------------------------------------------


def check_factor_two() -> None:
    steps = sp.Symbol("T", positive=True)
    exact_shift = 2 * c0 + 2 * eta * c1  # T = 1: the two outputs are N(±(C0 + ηC1), σ²)
    exact = alpha * exact_shift**2 / (2 * sigma**2)
    ours = alpha * (2 * c0 + 2 * eta * c1 * steps) ** 2 / (2 * sigma**2 * steps)
    published = alpha * (2 * c0 + 2 * eta * c1 * steps) ** 2 / (4 * sigma**2 * steps)
    check(is_zero(ours.subs(steps, 1) - exact), "statement 4 is exact for the T = 1 example")
    check(is_zero(exact / published.subs(steps, 1) - 2), "the published lambda = 0 formula is half the exact value")

    # Noise at C0 = 0.1, C1 = 10, η = 1e-3, T = 10, ρ = 1: 0.08944 (statement 4), 0.06325 (published).
    mpmath.mp.dps = 30
    shift = mpmath.mpf("0.2") + 2 * mpmath.mpf("1e-3") * 10 * 10
    ours_sigma = mpmath.sqrt(shift**2 / (2 * 10))
    published_sigma = mpmath.sqrt(shift**2 / (4 * 10))
    check(abs(ours_sigma - mpmath.mpf("0.0894427191")) < 1e-9, f"lambda = 0 sigma {ours_sigma}")
    check(abs(published_sigma - mpmath.mpf("0.0632455532")) < 1e-9, f"published lambda = 0 sigma {published_sigma}")
    check(abs(ours_sigma / published_sigma - mpmath.sqrt(2)) < 1e-25, "ratio sqrt 2")

    # λ = 50: S²/(2ρV) with the closed forms gives σ = 0.07726.
    kappa = 1 - mpmath.mpf("1e-3") * 50
    power = kappa**10
    shift = mpmath.mpf("0.2") * power + (2 * mpmath.mpf(10) / 50) * (1 - power)
    weight = (1 - power**2) / (1 - kappa**2)
    check(abs(mpmath.sqrt(shift**2 / (2 * weight)) - mpmath.mpf("0.0772563")) < 1e-6, "lambda = 50 sigma 0.07726")


# -- 4, numerically: a one-dimensional multi-step instance -------------------------------------


def check_one_dimensional_instance() -> None:
    """Push two starting points apart for T steps and compare D_α on a grid with αρ.

    A numerical illustration, not part of the proof: the grid's discretisation error is
    far below the margin between the two sides.
    """
    start, push, kappa, noise, steps = 0.5, 0.1, 0.9, 0.5, 5
    grid = np.arange(-6.0, 6.0, 0.005) + 0.0025  # avoids x = 0 where sign jumps
    kernel_scale = 1.0 / (np.sqrt(2 * np.pi) * noise)

    def step(points: np.ndarray, weights: np.ndarray) -> np.ndarray:
        moved = kappa * points + push * np.sign(points)
        density = kernel_scale * np.exp(-((grid[:, None] - moved[None, :]) ** 2) / (2 * noise**2)) @ weights
        mass = density * 0.005
        return mass / mass.sum()

    first = step(np.array([start]), np.array([1.0]))
    second = step(np.array([-start]), np.array([1.0]))
    for _ in range(steps - 1):
        first = step(grid, first)
        second = step(grid, second)
    weights = np.array([kappa ** (steps - 1 - t) for t in range(steps)])
    total = 2 * start * kappa**steps + 2 * push * weights.sum()
    bound_rho = total**2 / (2 * noise**2 * (weights**2).sum())
    keep = (first > 1e-300) & (second > 1e-300)
    for order in (1.5, 2.0, 4.0, 8.0):
        moment = np.sum(first[keep] ** order * second[keep] ** (1 - order))
        divergence = np.log(moment) / (order - 1)
        check(divergence <= order * bound_rho, f"grid D_{order} = {divergence} above {order * bound_rho}")
        check(divergence > 0.2 * order * bound_rho, f"grid D_{order} suspiciously small ({divergence})")


# -- 6: the conversion --------------------------------------------------------------------------


def conversion(order, rho_value, delta):
    return rho_value + mpmath.log(1 - 1 / order) - (mpmath.log(delta) + mpmath.log(order)) / (order - 1)


def check_conversion() -> None:
    mpmath.mp.dps = 30
    delta = mpmath.mpf("1e-5")
    # Published reading: ρ at every order, minimised over [1.001, 1000].
    grid = [
        mpmath.mpf("1.001") * (mpmath.mpf(1000) / mpmath.mpf("1.001")) ** (mpmath.mpf(k) / 4000) for k in range(4001)
    ]
    values = [conversion(a, 1, delta) for a in grid]
    best = min(range(len(values)), key=lambda k: values[k])
    check(best == len(grid) - 1, "the published reading's minimum is at the grid edge alpha = 1000")
    published = values[best]
    check(abs(published - mpmath.mpf("1.0036")) < 5e-5, f"published epsilon {published}")

    # Order-linear reading: αρ at order α; the minimum is interior.

    def linear(a):
        return conversion(a, a * 1, delta)

    optimum = mpmath.findroot(lambda a: mpmath.diff(linear, a), 4.2)
    check(abs(optimum - mpmath.mpf("4.2")) < 0.1, f"optimal order {optimum}")
    ours = linear(optimum)
    check(abs(ours - mpmath.mpf("7.077")) < 5e-4, f"order-linear epsilon {ours}")

    # The pair N(0,1), N(√2,1) has D_α = α exactly; its exact ε at δ = 1e-5 from the profile.
    mu = mpmath.sqrt(2)

    def profile_excess(e):
        return mpmath.ncdf(mu / 2 - e / mu) - mpmath.exp(e) * mpmath.ncdf(-mu / 2 - e / mu) - delta

    exact = mpmath.findroot(profile_excess, 6.0)
    check(published < exact < ours, f"exact epsilon {exact} not between {published} and {ours}")
    check(exact - published > 5, "the published claim fails by a wide margin")


# -- 8: group privacy in the published DP-SGD baseline --------------------------------------------


def check_group_factor() -> None:
    mpmath.mp.dps = 30
    delta = mpmath.mpf("1e-5")
    for group in (2, 5, 50, 250):
        for epsilon_one in (mpmath.mpf("1e-3"), mpmath.mpf("0.01"), mpmath.mpf("0.2")):
            per_point = delta * mpmath.exp(-(group - 1) * epsilon_one)
            chained = per_point * mpmath.fsum(mpmath.exp(i * epsilon_one) for i in range(group))
            textbook = group * mpmath.exp((group - 1) * epsilon_one) * per_point
            check(chained > delta, "the published choice gives a group delta above the target")
            check(abs(textbook / delta - group) < 1e-20, "textbook form gives k delta")
            check(chained <= textbook, "chain sum below the textbook form")
        small = delta * mpmath.exp(-(group - 1) * mpmath.mpf("1e-9"))
        chained_small = small * mpmath.fsum(mpmath.exp(i * mpmath.mpf("1e-9")) for i in range(group))
        check(abs(chained_small / delta - group) < 1e-5 * group, "group delta tends to k delta")


def main() -> int:
    check_gaussian_renyi()
    check_closed_forms()
    check_allocation_identities()
    check_allocation_numerically()
    check_convexity_and_chain()
    check_factor_two()
    check_one_dimensional_instance()
    check_conversion()
    check_group_factor()
    print(f"noisy_finetune_pabi: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
