"""Check the statements of proofs/noisy_finetune_model_clipping.md.

mpmath at 30 digits checks the Gaussian privacy profile against a numerical integral and
runs the recursion. Exact rational arithmetic checks the contraction lemma and the
monotonicity on random finite laws and kernels. numpy checks one-dimensional instances
with projection. Exits non-zero on the first failed check and prints a one-line summary
on success.
"""

from __future__ import annotations

import random
import sys
from fractions import Fraction

import mpmath
import numpy as np

checks_passed = 0


def check(condition, message: str) -> None:
    """Raise AssertionError with `message` unless `condition` is true (also under python -O)."""
    global checks_passed
    if not condition:
        raise AssertionError(message)
    checks_passed += 1


def profile(epsilon, r):
    """θ_ε(r) = Φ(r/2 − ε/r) − e^ε Φ(−r/2 − ε/r)."""
    return mpmath.ncdf(r / 2 - epsilon / r) - mpmath.exp(epsilon) * mpmath.ncdf(-r / 2 - epsilon / r)


# -- 0(b): the Gaussian profile ------------------------------------------------------------


def check_profile() -> None:
    mpmath.mp.dps = 30
    for epsilon, r in [(1, 1), (0.5, 0.3), (2, 3), (0.1, 0.05), (5, 4)]:
        epsilon, r = mpmath.mpf(epsilon), mpmath.mpf(r)
        gamma = mpmath.exp(epsilon)
        # p − γq > 0 exactly when x > ε/r + r/2 for p = N(r, 1), q = N(0, 1).
        threshold = epsilon / r + r / 2
        integral = mpmath.quad(
            lambda x, r=r, gamma=gamma: mpmath.npdf(x, r, 1) - gamma * mpmath.npdf(x, 0, 1), [threshold, mpmath.inf]
        )
        check(abs(integral - profile(epsilon, r)) < mpmath.mpf(10) ** -20, f"profile at eps={epsilon}, r={r}")
    check(abs(profile(mpmath.mpf(1), mpmath.mpf(1)) - mpmath.mpf("0.12694")) < 1e-5, "theta_1(1) = 0.12694")
    for epsilon in (0.2, 1.0, 3.0):
        values = [profile(mpmath.mpf(epsilon), mpmath.mpf(r) / 10) for r in range(1, 60)]
        check(all(a <= b for a, b in zip(values, values[1:], strict=False)), "profile non-decreasing in r")
    for r in (0.3, 1.0, 4.0):
        values = [profile(mpmath.mpf(e) / 10, mpmath.mpf(r)) for e in range(0, 80)]
        check(all(a >= b for a, b in zip(values, values[1:], strict=False)), "profile non-increasing in epsilon")


# -- 1, 2: contraction and monotonicity, exactly -----------------------------------------------


def hockey_stick(p, q, gamma):
    return sum(max(Fraction(0), pi - gamma * qi) for pi, qi in zip(p, q, strict=True))


def random_distribution(generator: random.Random, size: int, zeros: bool = True) -> list[Fraction]:
    weights = [Fraction(generator.randint(0 if zeros else 1, 20)) for _ in range(size)]
    if sum(weights) == 0:
        weights[0] = Fraction(1)
    total = sum(weights)
    return [w / total for w in weights]


def push(distribution, kernel):
    return [sum(distribution[x] * kernel[x][y] for x in range(len(distribution))) for y in range(len(kernel[0]))]


def check_contraction() -> None:
    generator = random.Random(11)
    for _ in range(400):
        inputs, outputs = generator.randint(2, 5), generator.randint(2, 5)
        mu = random_distribution(generator, inputs)
        nu = random_distribution(generator, inputs)
        kernel = [random_distribution(generator, outputs, zeros=False) for _ in range(inputs)]
        gamma = Fraction(generator.randint(10, 40), 10)
        delta = hockey_stick(mu, nu, gamma)
        after = hockey_stick(push(mu, kernel), push(nu, kernel), gamma)
        if delta == 0:
            check(after == 0, "zero stays zero")
            continue
        gamma_prime = 1 + (gamma - 1) / delta
        support_mu = [x for x in range(inputs) if mu[x] > 0]
        support_nu = [x for x in range(inputs) if nu[x] > 0]
        worst = max(hockey_stick(kernel[x], kernel[y], gamma_prime) for x in support_mu for y in support_nu)
        check(after <= delta * worst, f"contraction: {after} > {delta} * {worst}")
        check(after <= delta, "data processing")


def check_monotonicity() -> None:
    generator = random.Random(5)
    for _ in range(200):
        size = generator.randint(2, 6)
        p = random_distribution(generator, size)
        q = random_distribution(generator, size)
        c = Fraction(generator.randint(0, 50), 10)
        levels = sorted({Fraction(generator.randint(1, 1000), 1000) for _ in range(8)})
        values = [level * hockey_stick(p, q, 1 + c / level) for level in levels]
        check(all(a <= b for a, b in zip(values, values[1:], strict=False)), "delta * E_{1+c/delta} non-decreasing")
    mpmath.mp.dps = 30
    for r in (0.2, 1.0, 3.0):
        for epsilon in (0.3, 1.0, 2.0):
            c = mpmath.expm1(epsilon)
            levels = [mpmath.mpf(10) ** (-k / 4) for k in range(0, 60)][::-1]
            values = [level * profile(mpmath.log(1 + c / level), mpmath.mpf(r)) for level in levels]
            check(
                all(a <= b * (1 + mpmath.mpf(10) ** -25) for a, b in zip(values, values[1:], strict=False)),
                "Gaussian phi monotone",
            )


# -- 4: the recursion -----------------------------------------------------------------------------


def recursion(epsilon, sensitivities, sigma, target, max_steps=1000):
    """δ_t at 30 digits; sensitivities(step) gives the distance bound of step `step`."""
    mpmath.mp.dps = 30
    deltas = [mpmath.mpf(1)]
    for step in range(max_steps):
        if deltas[-1] <= target:
            break
        current = deltas[-1]
        contracted = mpmath.log(1 + mpmath.expm1(epsilon) / current)
        deltas.append(current * profile(contracted, sensitivities(step) / sigma))
    return deltas


def check_recursion_examples() -> None:
    # C0 = C2 = 10, σ = 20, ηC1 = 1e-3, λ = 0: δ_1 = θ_1(1.0001) ≈ 0.127, then fast decay.
    deltas = recursion(
        mpmath.mpf(1), lambda step: 2 * mpmath.mpf(10) + 2 * mpmath.mpf("1e-3"), mpmath.mpf(20), mpmath.mpf("1e-5")
    )
    check(len(deltas) == 4, f"three steps reach 1e-5 ({[mpmath.nstr(d, 3) for d in deltas]})")
    check(abs(deltas[1] - profile(mpmath.mpf(1), mpmath.mpf("1.0001"))) < 1e-25, "first step is the plain profile")
    check(all(b < a for a, b in zip(deltas, deltas[1:], strict=False)), "strictly decreasing")
    # Starting radius smaller than the projection radius: step 0 uses C0.
    small_start = recursion(
        mpmath.mpf(1),
        lambda step: 2 * (mpmath.mpf("0.1") if step == 0 else mpmath.mpf(10)) + 2 * mpmath.mpf("1e-3"),
        mpmath.mpf(20),
        mpmath.mpf("1e-5"),
    )
    check(small_start[1] < deltas[1], "a smaller start ball gives a smaller first delta")


# -- 4, numerically: one dimension with projection ---------------------------------------------------


def hockey_stick_after(c0, c2, push_size, noise, epsilon, steps, spacing=0.002) -> float:
    """E_γ in the worse direction after `steps` steps from ±C0, on a grid of [−C2, C2].

    Each step moves x to x + push·sign(x) (the clipped gradient of the non-convex loss
    −C1|x|, with λ = 0), adds N(0, noise²) and projects onto [−C2, C2]. The laws have
    atoms at ±C2, kept exact, and a density inside, kept on the grid.
    """
    from scipy.stats import norm

    grid = np.arange(-c2, c2, spacing) + spacing / 2
    positions = np.concatenate([grid, [-c2, c2]])

    def step(points: np.ndarray, weights: np.ndarray) -> np.ndarray:
        moved = points + push_size * np.sign(points)
        interior = norm.pdf((grid[:, None] - moved[None, :]) / noise) / noise * spacing @ weights
        lower = norm.cdf((-c2 - moved) / noise) @ weights
        upper = norm.sf((c2 - moved) / noise) @ weights
        masses = np.concatenate([interior, [lower, upper]])
        return masses / masses.sum()

    first = step(np.array([c0]), np.array([1.0]))
    second = step(np.array([-c0]), np.array([1.0]))
    for _ in range(steps - 1):
        first = step(positions, first)
        second = step(positions, second)
    gamma = np.exp(epsilon)
    return float(max(np.maximum(first - gamma * second, 0).sum(), np.maximum(second - gamma * first, 0).sum()))


def recursion_bound(c0, c2, push_size, noise, epsilon, steps, *, first_radius=None) -> float:
    start = c0 if first_radius is None else first_radius

    def sensitivities(step):
        return 2 * mpmath.mpf(start if step == 0 else c2) + 2 * mpmath.mpf(push_size)

    return float(
        recursion(mpmath.mpf(epsilon), sensitivities, mpmath.mpf(noise), mpmath.mpf(0), max_steps=steps)[steps]
    )


def check_one_dimensional_instance() -> None:
    """Grid computations of the exact E_γ against δ_T; numerical illustrations, not proofs."""
    # Several steps: the bound is met with a visible margin.
    measured = hockey_stick_after(1.0, 1.0, 0.05, 0.7, 0.3, 3)
    bound = recursion_bound(1.0, 1.0, 0.05, 0.7, 0.3, 3)
    check(0.5 * bound < measured <= bound, f"three steps: grid {measured}, bound {bound}")

    # One step from starting points further apart than the projection ball: the bound is
    # attained (up to the grid), so it cannot be lowered.
    measured = hockey_stick_after(3.0, 1.0, 0.05, 1.5, 0.5, 1)
    bound = recursion_bound(3.0, 1.0, 0.05, 1.5, 0.5, 1)
    check(abs(measured - bound) <= 1e-6, f"one step is tight: grid {measured}, bound {bound}")

    # Two steps from C0 = 3 > C2 = 1: the recursion with C0 at step 0 holds, one that
    # takes the projection radius C2 at step 0 does not.
    measured = hockey_stick_after(3.0, 1.0, 0.05, 1.5, 0.5, 2)
    bound = recursion_bound(3.0, 1.0, 0.05, 1.5, 0.5, 2)
    understated = recursion_bound(3.0, 1.0, 0.05, 1.5, 0.5, 2, first_radius=1.0)
    check(measured <= bound, f"two steps from C0 > C2: grid {measured}, bound {bound}")
    check(measured > 2 * understated, f"C2 at step 0 understates: grid {measured}, that recursion {understated}")


def main() -> int:
    check_profile()
    check_contraction()
    check_monotonicity()
    check_recursion_examples()
    check_one_dimensional_instance()
    print(f"noisy_finetune_model_clipping: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
