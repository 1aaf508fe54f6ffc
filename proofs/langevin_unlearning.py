"""Check the algebra and the lemmas of proofs/langevin_unlearning.md.

sympy checks the Gaussian Rényi integral, the constants of the chain, the drift
algebra and the limit of statement 10. mpmath at 30 digits checks the mixture,
conditioning and shift-reduction lemmas on examples computed by quadrature. The hull
allocation of statement 7 is checked for feasibility and against other allocations on
random drift sequences, and the bound of statements 6 and 9 against exact Gaussian
chains. Exits non-zero on the first failed check and prints a one-line summary.
"""

from __future__ import annotations

import math
import random
import sys

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


# -- statement 1: Rényi divergence of a Gaussian shift -------------------------------------


def check_gaussian_shift() -> None:
    x, a = sp.symbols("x a", real=True)
    s = sp.Symbol("s", positive=True)
    alpha = sp.Symbol("alpha", positive=True)
    # Exponent of p^α q^{1−α} for p = N(a, s²), q = N(0, s²), times −2s², completed to a square.
    exponent = alpha * (x - a) ** 2 + (1 - alpha) * x**2
    completed = (x - alpha * a) ** 2 + alpha * a**2 - alpha**2 * a**2
    check(is_zero(sp.expand(exponent - completed)), "completing the square")
    # The remaining Gaussian integrates to one, leaving exp(α(α−1)a²/(2s²)).
    density = sp.exp(-((x - alpha * a) ** 2) / (2 * s**2)) / (sp.sqrt(2 * sp.pi) * s)
    check(sp.simplify(sp.integrate(density, (x, -sp.oo, sp.oo)) - 1) == 0, "shifted Gaussian integrates to 1")
    log_integral = -(alpha * a**2 - alpha**2 * a**2) / (2 * s**2)
    divergence = log_integral / (alpha - 1)
    check(is_zero(divergence - alpha * a**2 / (2 * s**2)), "D_alpha = alpha a^2 / (2 s^2)")
    # In p dimensions the integrand factorises over coordinates, and the exponents add up.
    a1, a2 = sp.symbols("a1 a2", real=True)
    two = (alpha * a1**2 / (2 * s**2)) + (alpha * a2**2 / (2 * s**2))
    check(is_zero(two - alpha * (a1**2 + a2**2) / (2 * s**2)), "coordinates add")

    mpmath.mp.dps = 30
    for order, shift, scale in [(2.5, 0.7, 1.3), (11.0, 0.2, 0.4)]:
        exact = order * shift**2 / (2 * scale**2)
        numeric = renyi_quad(
            lambda u, shift=shift, scale=scale: normal_pdf(u, shift, scale),
            lambda u, scale=scale: normal_pdf(u, 0, scale),
            order,
        )
        check(abs(numeric - exact) < mpmath.mpf(10) ** -15, f"quadrature of the shift divergence {numeric} vs {exact}")


def normal_pdf(value, mean, scale):
    return mpmath.npdf(value, mean, scale)


def renyi_quad(first, second, order):
    """Return D_α(first ‖ second) for two densities on the real line, by quadrature."""
    order = mpmath.mpf(order)
    integral = mpmath.quad(lambda u: first(u) ** order * second(u) ** (1 - order), [-mpmath.inf, -5, 0, 5, mpmath.inf])
    return mpmath.log(integral) / (order - 1)


# -- statements 2 to 4 on examples ---------------------------------------------------------


def check_mixture() -> None:
    mpmath.mp.dps = 30
    for order in (1.5, 3.0, 8.0):
        shifts = (0.4, -0.9, 1.2)
        weights = (0.2, 0.5, 0.3)

        def mixture(u, weights=weights, shifts=shifts):
            return sum(w * normal_pdf(u, a, 1) for w, a in zip(weights, shifts, strict=True))

        divergence = renyi_quad(mixture, lambda u: normal_pdf(u, 0, 1), order)
        largest = max(order * a * a / 2 for a in shifts)
        check(divergence <= largest, f"mixture divergence {divergence} above the largest component {largest}")


def check_conditioning() -> None:
    mpmath.mp.dps = 30
    p_x, q_x = (mpmath.mpf("0.3"), mpmath.mpf("0.7")), (mpmath.mpf("0.6"), mpmath.mpf("0.4"))
    means = (mpmath.mpf("0.5"), mpmath.mpf("-1.1"))
    for order in (1.5, 2.0, 6.0):
        alpha = mpmath.mpf(order)
        # ∫∫ p(x)^α p(w|x)^α q(x)^{1−α} q(w)^{1−α} with Gaussian conditionals, in closed form by statement 1.
        joint = sum(
            p**alpha * q ** (1 - alpha) * mpmath.exp((alpha - 1) * alpha * u * u / 2)
            for p, q, u in zip(p_x, q_x, means, strict=True)
        )
        left = mpmath.log(joint) / (alpha - 1)
        marginal = mpmath.log(sum(p**alpha * q ** (1 - alpha) for p, q in zip(p_x, q_x, strict=True))) / (alpha - 1)
        right = marginal + max(alpha * u * u / 2 for u in means)
        check(left <= right, f"conditioning bound {left} > {right}")


def check_shift_reduction() -> None:
    # P = ½δ_0 + ½δ_3 and Q = P′ = ½δ_0 + ½δ_{0.5}, coupled as 0 ↔ 0 and 3 ↔ 0.5, so
    # W∞(P, P′) ≤ 2.5 = z + a with z = 1.5 and a = 1, and D_α(P′‖Q) = 0. The proof's V is
    # X + U₁ + ξ: ξ for X = 0 and 3 − 1.5 + ξ = 1.5 + ξ for X = 3.
    mpmath.mp.dps = 30
    scale = mpmath.mpf("0.8")
    reduction = mpmath.mpf(1)

    def law_v(u):
        return (normal_pdf(u, 0, scale) + normal_pdf(u, mpmath.mpf("1.5"), scale)) / 2

    def law_q(u):
        return (normal_pdf(u, 0, scale) + normal_pdf(u, mpmath.mpf("0.5"), scale)) / 2

    for order in (1.5, 4.0, 20.0):
        divergence = renyi_quad(law_v, law_q, order)
        bound = order * reduction**2 / (2 * scale**2)
        check(divergence <= bound, f"shift reduction {divergence} > {bound}")
    # V is within 1.5 of X + ξ under the same ξ: the coupling moves only the point 3, by |U₁| = 1.5.
    check(abs(3 - 1.5 - 1.5) == 0, "the construction moves X = 3 to 1.5")


# -- statement 8: constants of the chain -----------------------------------------------------


def check_constants() -> None:
    probability = sp.Symbol("s", real=True)
    # ℓ'' = σ(1 − σ) ≤ 1/4 because 1/4 − s(1 − s) = (s − 1/2)².
    gap = sp.Rational(1, 4) - probability * (1 - probability)
    check(is_zero(gap - (probability - sp.Rational(1, 2)) ** 2), "l'' <= 1/4")
    eta, lam, beta = sp.symbols("eta lambda beta", positive=True)
    step = 2 / (beta + lam)
    low_end, high_end = 1 - step * lam, 1 - step * beta
    check(is_zero(low_end - (beta - lam) / (beta + lam)), "1 - eta lambda at eta = 2/(beta + lambda)")
    check(is_zero(high_end + (beta - lam) / (beta + lam)), "1 - eta beta at eta = 2/(beta + lambda)")
    # η(β + λ) ≤ 2 gives ηβ − 1 ≤ 1 − ηλ: the difference is 2 − η(β + λ).
    difference = (1 - eta * lam) - (eta * beta - 1)
    check(is_zero(difference - (2 - eta * (beta + lam))), "c = 1 - eta lambda below the step limit")
    n, m, lipschitz = sp.symbols("n m L", positive=True)
    drift = (1 / (n - m) - 1 / n) * (n - m) * lipschitz + m * lipschitz / n
    check(is_zero(drift - 2 * m * lipschitz / n), "removal drift 2mL/n")


# -- statement 7: the hull allocation ------------------------------------------------------


def hull_allocation(drifts, contraction, initial):
    """Return the allocation a_t of statement 7 and its cost by the segment formula."""
    steps = len(drifts)
    discount = np.array([contraction ** (steps - 1 - t) for t in range(steps)])
    tau = np.concatenate([[0.0], np.cumsum(discount**2)])
    points = np.concatenate([[0.0], contraction**steps * initial + np.cumsum(discount * drifts)])
    hull = []
    for index in range(steps + 1):
        while len(hull) >= 2:
            first, second = hull[-2], hull[-1]
            if (points[second] - points[first]) * (tau[index] - tau[first]) >= (points[index] - points[first]) * (
                tau[second] - tau[first]
            ):
                hull.pop()
            else:
                break
        hull.append(index)
    values = np.interp(tau, tau[hull], points[hull])
    allocation = np.diff(values) / discount
    segment_cost = sum(
        (points[j] - points[i]) ** 2 / (tau[j] - tau[i]) for i, j in zip(hull[:-1], hull[1:], strict=True)
    )
    return allocation, segment_cost


def replay(drifts, contraction, initial, allocation):
    """Return the shifts z_0, …, z_N of the recursion z_{t+1} = c z_t + d_t − a_t."""
    shifts = [initial]
    for drift, amount in zip(drifts, allocation, strict=True):
        shifts.append(contraction * shifts[-1] + drift - amount)
    return np.array(shifts)


def check_hull_allocation() -> None:
    generator = random.Random(2024)
    for case in range(200):
        steps = generator.randint(1, 40)
        contraction = generator.uniform(0.3, 0.999)
        initial = generator.choice([0.0, generator.uniform(0.0, 3.0)])
        pattern = case % 4
        if pattern == 0:
            drifts = [generator.uniform(0, 1) for _ in range(steps)]
        elif pattern == 1:
            # Drift only late in the window: the chord from the start is infeasible here.
            drifts = [0.0] * (steps - 1) + [generator.uniform(0.5, 2.0)]
        elif pattern == 2:
            period = generator.randint(1, 5)
            drifts = [generator.uniform(0.1, 1.0) if t % period == period - 1 else 0.0 for t in range(steps)]
        else:
            drifts = [generator.uniform(0, 1) if generator.random() < 0.3 else 0.0 for _ in range(steps)]
        drifts = np.array(drifts)
        allocation, cost = hull_allocation(drifts, contraction, initial)
        shifts = replay(drifts, contraction, initial, allocation)
        scale = 1.0 + initial + drifts.sum()
        check(np.all(allocation >= -1e-12 * scale), f"negative allocation in case {case}")
        check(np.all(shifts >= -1e-9 * scale), f"negative shift in case {case}")
        check(abs(shifts[-1]) <= 1e-9 * scale, f"final shift {shifts[-1]} in case {case}")
        check(abs(np.sum(allocation**2) - cost) <= 1e-9 * (1.0 + cost), f"cost identity in case {case}")
        total = contraction**steps * initial + sum(contraction ** (steps - 1 - t) * drifts[t] for t in range(steps))
        check(cost <= total**2 * (1 + 1e-9) + 1e-15, f"cost above the last-step cost in case {case}")
        # Other feasible allocations: pay a random share θ_t of the current shift, all at the end.
        for _ in range(5):
            shares = [generator.random() for _ in range(steps - 1)] + [1.0]
            other, shift = [], initial
            for drift, share in zip(drifts, shares, strict=True):
                amount = share * (contraction * shift + drift)
                other.append(amount)
                shift = contraction * shift + drift - amount
            other_cost = np.sum(np.square(other))
            check(cost <= other_cost * (1 + 1e-9) + 1e-12, f"a feasible allocation beats the hull in case {case}")


# -- statements 6 and 9 on exact Gaussian chains ---------------------------------------------


def check_exact_gaussian_chains() -> None:
    # Quadratic losses (w − x_i)²/2 with penalty λw²/2 in one dimension: ψ_D(w) = c w + η x̄_D with
    # c = 1 − η(1 + λ) in (0, 1), so both chains are Gaussian with the same variance s² Σ c^{2t}, and
    # D_α = α (mean gap)² / (2 · variance) exactly. No projection (R = ∞), both start at 0.
    mpmath.mp.dps = 30
    generator = random.Random(7)
    for _ in range(20):
        steps = generator.randint(2, 30)
        eta = mpmath.mpf(generator.uniform(0.05, 0.6))
        lam = mpmath.mpf(generator.uniform(0.01, 0.5))
        contraction = 1 - eta * (1 + lam)
        noise = mpmath.mpf(generator.uniform(0.1, 1.0))
        first_mean, second_mean = mpmath.mpf(generator.uniform(-1, 1)), mpmath.mpf(generator.uniform(-1, 1))
        switch = generator.randint(0, steps)
        drift = eta * abs(first_mean - second_mean)
        # Chain X uses the first dataset for `switch` steps, then the second; chain Y the second throughout.
        gap = sum(contraction ** (steps - 1 - t) * (drift if t < switch else 0) for t in range(steps))
        variance = noise**2 * sum(contraction ** (2 * t) for t in range(steps))
        order = mpmath.mpf(3)
        exact = order * gap**2 / (2 * variance)
        drifts = np.array([float(drift) if t < switch else 0.0 for t in range(steps)])
        _, cost = hull_allocation(drifts, float(contraction), 0.0)
        bound = order * mpmath.mpf(cost) / (2 * noise**2)
        check(bound >= exact * (1 - mpmath.mpf(10) ** -9), f"bound {bound} below the exact divergence {exact}")
        # Drift first and none after: the chord is feasible and the bound is exact.
        check(abs(bound - exact) <= mpmath.mpf(10) ** -9 * (1 + exact), f"bound {bound} differs from exact {exact}")
    # Drift only at the end: the chord is not feasible, and the bound is strictly larger.
    drifts = np.array([0.0] * 9 + [1.0])
    _, cost = hull_allocation(drifts, 0.9, 0.0)
    chord = 1.0 / sum(0.9 ** (2 * t) for t in range(10))
    check(cost > chord * 1.5, "late drift costs more than the chord")


# -- statement 10 and the published values ---------------------------------------------------


def check_limit_and_comparison() -> None:
    c, d, s, radius = sp.symbols("c d s R", positive=True)
    total, kept = sp.symbols("T K", positive=True, integer=True)
    available = c**total * radius + d * c**kept * (1 - c ** (total - kept)) / (1 - c)
    weight = (1 - c ** (2 * total)) / (1 - c**2)
    # As T → ∞ with 0 < c < 1 the powers c^T vanish.
    limit = (available**2 / weight).subs({c**total: 0}).subs({c ** (2 * total): 0})
    limit = sp.simplify(limit.subs(c ** (total - kept), 0))
    check(is_zero(limit - d**2 * c ** (2 * kept) * (1 + c) / (1 - c)), f"limit of P^2/tau: {limit}")
    eta, lam, n, m, lipschitz, sigma_l = sp.symbols("eta lambda n m L sigma_L", positive=True)
    rho = (d**2 * c ** (2 * kept) * (1 + c) / (1 - c) / (2 * s**2)).subs(
        {d: 2 * eta * m * lipschitz / n, s: sp.sqrt(2 * eta) * sigma_l}
    )
    rho = rho.subs(c, 1 - eta * lam)
    expected = m**2 * lipschitz**2 * (1 - eta * lam) ** (2 * kept) * (2 - eta * lam) / (lam * sigma_l**2 * n**2)
    check(is_zero(sp.simplify(rho - expected)), "rho in the Langevin parametrisation")

    # The published converged-chain bound and conversion, at the values of our reference notes.
    mpmath.mp.dps = 30
    size = mpmath.mpf(11982)
    strong = mpmath.mpf("1e-6") * size
    temperature = mpmath.mpf("0.03")
    step = 1 / (mpmath.mpf(1) / 4 + strong)
    delta = 1 / size

    def published(kept_steps):
        def objective(order):
            initial = 4 * order / (strong * temperature**2 * size**2)
            return mpmath.exp(-strong * step * kept_steps / order) * initial + mpmath.log(1 / delta) / (order - 1)

        return min(objective(1 + mpmath.mpf(k) / 100) for k in range(1, 200000, 7))

    def ours(kept_steps):
        contraction = 1 - step * strong
        slope = contraction ** (2 * kept_steps) * (2 - step * strong) / (strong * temperature**2 * size**2)

        def objective(order):
            return order * slope + mpmath.log(1 / delta) / (order - 1)

        return min(objective(1 + mpmath.mpf(k) / 100) for k in range(1, 200000, 7))

    at_zero, at_thousand = published(0), published(1000)
    check(abs(at_zero - mpmath.mpf("0.3141")) < 5e-5, f"published epsilon at K = 0: {at_zero}")
    check(abs(at_thousand - mpmath.mpf("0.2297")) < 5e-5, f"published epsilon at K = 1000: {at_thousand}")
    check(ours(0) < at_zero, "our bound below the published one at K = 0")
    check(ours(1000) < at_thousand, "our bound below the published one at K = 1000")
    check(abs(math.exp(-2 * 0.5) - 0.36787944117144233) < 1e-15, "exp sanity")


def main() -> int:
    check_gaussian_shift()
    check_mixture()
    check_conditioning()
    check_shift_reduction()
    check_constants()
    check_hull_allocation()
    check_exact_gaussian_chains()
    check_limit_and_comparison()
    print(f"langevin_unlearning: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
