"""Check the algebra of proofs/theorem1_depth_transfer.md on exact examples.

The (ε, δ) examples use e^ε = 2 so that every probability is a rational number and
every comparison is exact (Python fractions). The Gaussian example is symbolic in sympy
and the Gaussian Jensen check uses mpmath at 40 digits. Exits non-zero on the first
failed check and prints a one-line summary on success.
"""

from __future__ import annotations

import itertools
import math
import random
import sys
from fractions import Fraction

import mpmath
import sympy as sp

SCALE = Fraction(2)  # e^ε with ε = log 2
DELTA = Fraction(1, 20)
INFINITE_DEPTH = math.inf

checks_passed = 0


def check(condition, message: str) -> None:
    """Raise AssertionError with `message` unless `condition` is true (also under python -O)."""
    global checks_passed
    if not condition:
        raise AssertionError(message)
    checks_passed += 1


def transfer(p: Fraction) -> Fraction:
    """Return h(p) = min{1, e^ε p + δ, 1 − e^{−ε}(1 − δ − p)} for the (log 2, 1/20) certificate."""
    return min(Fraction(1), SCALE * p + DELTA, 1 - (1 - DELTA - p) / SCALE)


def transfer_inverse(beta: Fraction):
    """Return h←(β) = sup{p ∈ [0, 1] : h(p) ≤ β}, or −inf when the set is empty."""
    if beta >= 1:
        return Fraction(1)
    largest = max((beta - DELTA) / SCALE, 1 - DELTA - SCALE * (1 - beta))
    return -math.inf if largest < 0 else largest


def extremal_unlearned_law(reference: list[Fraction], order: list[int]) -> list[Fraction]:
    """Return the law P_u with P_u(first k atoms of `order`) = h(P_r(first k atoms)) for every k.

    Its likelihood ratio to P_r is non-increasing along `order` because the chords of a
    concave h have decreasing slopes. So P_u(E) ≤ h(P_r(E)) for every event, the pair is
    certified both ways, and it is the worst case for the prefixes of `order`.
    """
    unlearned = [Fraction(0)] * len(reference)
    reference_prefix = Fraction(0)
    unlearned_prefix = Fraction(0)
    for atom in order:
        reference_prefix += reference[atom]
        unlearned[atom] = transfer(reference_prefix) - unlearned_prefix
        unlearned_prefix += unlearned[atom]
    return unlearned


def check_certified_both_ways(unlearned: list[Fraction], reference: list[Fraction], label: str) -> None:
    """Enumerate every event and check the (ε, δ) certificate in both directions."""
    check(sum(unlearned) == 1 and sum(reference) == 1, f"{label}: laws sum to 1")
    check(all(m >= 0 for m in unlearned + reference), f"{label}: laws non-negative")
    for chosen in itertools.product([0, 1], repeat=len(reference)):
        in_unlearned = sum(m for c, m in zip(chosen, unlearned, strict=True) if c)
        in_reference = sum(m for c, m in zip(chosen, reference, strict=True) if c)
        check(in_unlearned <= SCALE * in_reference + DELTA, f"{label}: P <= e^eps Q + delta at {chosen}")
        check(in_reference <= SCALE * in_unlearned + DELTA, f"{label}: Q <= e^eps P + delta at {chosen}")
        check(in_unlearned <= transfer(in_reference), f"{label}: P <= h(Q) at {chosen}")


def depth_cdf(law: list[Fraction], depths: list[float], radius: float) -> Fraction:
    """Return P(d(θ) ≤ radius) for θ with the given law on finitely many models."""
    return sum((m for m, d in zip(law, depths, strict=True) if d <= radius), Fraction(0))


def depth_below(law: list[Fraction], depths: list[float], radius: float) -> Fraction:
    """Return P(d(θ) < radius)."""
    return sum((m for m, d in zip(law, depths, strict=True) if d < radius), Fraction(0))


def first_exceeding_index(cdf_values: list[Fraction], beta: Fraction):
    """Return J, the first grid index with h(F(r_J)) > β, or None when there is none."""
    for index, value in enumerate(cdf_values):
        if transfer(value) > beta:
            return index
    return None


def reference_quantile(reference: list[Fraction], depths: list[float], grid: list[float], level) -> float:
    """Return Q_r(p) = sup{r ≥ 0 : F_r(r) ≤ p} for a depth on `grid` ∪ {∞}, or 0 for an empty set."""
    if level == -math.inf:
        return 0.0
    # F_r is 0 before r_1 and constant on [r_j, r_{j+1}), so the supremum is the grid
    # point after the last one where F_r ≤ p (or r_1 when F_r(r_1) > p already).
    quantile = grid[0]
    for index, radius in enumerate(grid):
        if depth_cdf(reference, depths, radius) <= level:
            quantile = grid[index + 1] if index + 1 < len(grid) else INFINITE_DEPTH
    return quantile


def depth_example():
    grid = [1.0, 2.0, 3.0, 5.0]
    depths = [1.0, 2.0, 2.0, 3.0, 5.0, INFINITE_DEPTH]
    reference = [Fraction(1, 12), Fraction(1, 12), Fraction(1, 6), Fraction(1, 6), Fraction(1, 4), Fraction(1, 4)]
    # Worst case for the depth events: unlearned mass pushed towards shallow models.
    extremal = extremal_unlearned_law(reference, order=[0, 1, 2, 3, 4, 5])
    # A milder certified law: the midpoint of the extremal law and the reference law.
    milder = [(a + b) / 2 for a, b in zip(extremal, reference, strict=True)]
    return grid, depths, reference, {"extremal": extremal, "milder": milder}


def check_theorem_on_grid_example() -> None:
    grid, depths, reference, laws = depth_example()
    for label, unlearned in laws.items():
        check_certified_both_ways(unlearned, reference, label)
        for radius in grid + [0.0, 1.5, 4.0, 10.0]:
            check(
                depth_cdf(unlearned, depths, radius) <= transfer(depth_cdf(reference, depths, radius)),
                f"{label}: Theorem 1 at r={radius}",
            )
            check(
                depth_below(unlearned, depths, radius) <= transfer(depth_below(reference, depths, radius)),
                f"{label}: strict-event form at r={radius}",
            )
        # On a grid, {d < r_j} = {d ≤ r_{j−1}} and {d < r_1} is empty.
        for index, radius in enumerate(grid):
            previous = depth_cdf(unlearned, depths, grid[index - 1]) if index > 0 else Fraction(0)
            check(depth_below(unlearned, depths, radius) == previous, f"{label}: grid identity at r={radius}")
    extremal = laws["extremal"]
    for radius in grid:
        check(
            depth_cdf(extremal, depths, radius) == transfer(depth_cdf(reference, depths, radius)),
            f"extremal law attains Theorem 1 at r={radius}",
        )


def check_grid_form() -> None:
    grid, depths, reference, laws = depth_example()
    reference_cdf = [depth_cdf(reference, depths, radius) for radius in grid]
    betas = [Fraction(k, 60) for k in range(1, 60)]
    for label, unlearned in laws.items():
        for beta in betas:
            index = first_exceeding_index(reference_cdf, beta)
            if index is None:
                # Beyond the grid: the probe never reaches the threshold on the grid.
                guaranteed = depth_below(unlearned, depths, INFINITE_DEPTH)
                check(guaranteed <= beta, f"{label}: beyond-grid statement at beta={beta}")
                continue
            check(
                1 - depth_below(unlearned, depths, grid[index]) >= 1 - beta,
                f"{label}: P(d_u >= r_J) >= 1 - beta at beta={beta}",
            )
            if label == "extremal" and index + 1 < len(grid):
                # For the worst-case law the next grid point is not guaranteed, so J is sharp.
                check(
                    depth_below(unlearned, depths, grid[index + 1]) > beta,
                    f"grid answer is sharp at beta={beta}",
                )

    # Upper confidence bounds F⁺ ≥ F move J down (h is non-decreasing) and keep the statement.
    for slack in [Fraction(1, 100), Fraction(1, 20), Fraction(1, 5)]:
        upper = [min(Fraction(1), value + slack) for value in reference_cdf]
        for beta in betas:
            exact_index = first_exceeding_index(reference_cdf, beta)
            upper_index = first_exceeding_index(upper, beta)
            exact_position = len(grid) if exact_index is None else exact_index
            upper_position = len(grid) if upper_index is None else upper_index
            check(upper_position <= exact_position, f"upper bounds never raise J (slack {slack}, beta {beta})")
            radius = INFINITE_DEPTH if upper_index is None else grid[upper_index]
            for unlearned in laws.values():
                check(depth_below(unlearned, depths, radius) <= beta, f"statement with F+ at beta={beta}")


def check_quantile_form() -> None:
    grid, depths, reference, laws = depth_example()
    reference_cdf = [depth_cdf(reference, depths, radius) for radius in grid]
    for beta in [Fraction(k, 60) for k in range(1, 60)]:
        level = transfer_inverse(beta)
        quantile = reference_quantile(reference, depths, grid, level)
        for label, unlearned in laws.items():
            check(depth_below(unlearned, depths, quantile) <= beta, f"{label}: quantile form at beta={beta}")
        # The quantile form and the grid form name the same radius: h(F) ≤ β ⇔ F ≤ h←(β).
        index = first_exceeding_index(reference_cdf, beta)
        grid_radius = INFINITE_DEPTH if index is None else grid[index]
        if level != -math.inf:
            check(quantile == grid_radius, f"quantile and grid forms agree at beta={beta}")
        for value in reference_cdf:
            check((transfer(value) <= beta) == (value <= level), f"h(F) <= beta iff F <= h_inv(beta) at {beta}")


def check_gaussian_quantile_example() -> None:
    # θ_r ~ N(0, 1), θ_u ~ N(μ, 1) (μ-GDP, tight) and depth d(θ) = e^{−θ}.
    z, radius, beta = sp.symbols("z radius beta", positive=True)
    mu = sp.Symbol("mu", nonnegative=True)

    def normal_cdf(value):
        return (1 + sp.erf(value / sp.sqrt(2))) / 2

    def normal_quantile(value):
        return sp.sqrt(2) * sp.erfinv(2 * value - 1)

    # P(e^{−θ} ≤ r) = P(θ ≥ −log r) = Φ(log r + mean).
    reference_cdf = 1 - normal_cdf(-sp.log(radius))
    unlearned_cdf = 1 - normal_cdf(-sp.log(radius) - mu)
    transferred = normal_cdf(normal_quantile(reference_cdf.rewrite(sp.erf)) + mu)
    check(sp.simplify(unlearned_cdf - normal_cdf(sp.log(radius) + mu)) == 0, "unlearned depth CDF")
    check(sp.simplify(sp.expand(transferred) - normal_cdf(sp.log(radius) + mu)) == 0, "Theorem 1 is an equality")
    # Q_r(p) = exp(Φ⁻¹(p)). With p = h←(β) = Φ(Φ⁻¹(β) − μ) and β = Φ(z) the quantile is
    # exp(z − μ), and P(d_u < exp(z − μ)) = Φ(z − μ + μ) = β, so the quantile form is sharp.
    level = normal_cdf(z - mu)
    quantile = sp.exp(normal_quantile(level))
    check(sp.simplify(quantile - sp.exp(z - mu)) == 0, "reference quantile")
    below = normal_cdf(sp.log(quantile) + mu)
    check(sp.simplify(below - normal_cdf(z)) == 0, "quantile form is sharp")


def check_jensen_for_both_transfers() -> None:
    generator = random.Random(7)
    for _ in range(300):
        size = generator.randint(2, 5)
        weights = [Fraction(generator.randint(1, 9)) for _ in range(size)]
        total = sum(weights)
        weights = [w / total for w in weights]
        points = [Fraction(generator.randint(0, 40), 40) for _ in range(size)]
        mixed = sum(w * x for w, x in zip(weights, points, strict=True))
        mixture_of_values = sum(w * transfer(x) for w, x in zip(weights, points, strict=True))
        check(transfer(mixed) >= mixture_of_values, "Jensen, (eps, delta)")
        check(all(transfer(x) <= transfer(x + Fraction(1, 40)) for x in points if x < 1), "monotone, (eps, delta)")

    mpmath.mp.dps = 40
    for _ in range(300):
        shift = mpmath.mpf(generator.uniform(0.0, 4.0))
        size = generator.randint(2, 5)
        weights = [mpmath.mpf(generator.uniform(0.1, 1.0)) for _ in range(size)]
        total = sum(weights)
        weights = [w / total for w in weights]
        points = [mpmath.mpf(generator.uniform(0.0005, 0.9995)) for _ in range(size)]

        def gaussian_transfer(probability, shift=shift):
            return mpmath.ncdf(mpmath.sqrt(2) * mpmath.erfinv(2 * probability - 1) + shift)

        mixed = sum(w * x for w, x in zip(weights, points, strict=True))
        mixture_of_values = sum(w * gaussian_transfer(x) for w, x in zip(weights, points, strict=True))
        check(gaussian_transfer(mixed) >= mixture_of_values - mpmath.mpf(10) ** -30, "Jensen, GDP")


def check_joint_events(unlearned_joint: list[Fraction], reference_joint: list[Fraction], label: str) -> None:
    for chosen in itertools.product([0, 1], repeat=len(reference_joint)):
        in_unlearned = sum(m for c, m in zip(chosen, unlearned_joint, strict=True) if c)
        in_reference = sum(m for c, m in zip(chosen, reference_joint, strict=True) if c)
        check(in_unlearned <= transfer(in_reference), f"{label}: P <= h(Q) at {chosen}")
        check(in_reference <= transfer(in_unlearned), f"{label}: Q <= h(P) at {chosen}")


def check_random_forget_set() -> None:
    # Two forget sets, drawn with probabilities 1/3 and 2/3 for both mechanisms, and each
    # conditional pair is certified. Events on (θ, S) let the probe depend on S.
    forget_set_weights = [Fraction(1, 3), Fraction(2, 3)]
    conditional_reference = [
        [Fraction(1, 10), Fraction(2, 10), Fraction(3, 10), Fraction(4, 10)],
        [Fraction(1, 2), Fraction(1, 4), Fraction(1, 8), Fraction(1, 8)],
    ]
    conditional_unlearned = [
        extremal_unlearned_law(conditional_reference[0], order=[0, 1, 2, 3]),
        extremal_unlearned_law(conditional_reference[1], order=[3, 1, 0, 2]),
    ]
    for index in range(2):
        check_certified_both_ways(conditional_unlearned[index], conditional_reference[index], f"forget set {index}")
    unlearned_joint = [w * m for w, law in zip(forget_set_weights, conditional_unlearned, strict=True) for m in law]
    reference_joint = [w * m for w, law in zip(forget_set_weights, conditional_reference, strict=True) for m in law]
    check_joint_events(unlearned_joint, reference_joint, "random forget set")


def check_randomised_probe() -> None:
    # The probe's randomness ω is uniform on three values and independent of θ: the
    # events on (θ, ω) still obey the transfer bound.
    reference = [Fraction(1, 10), Fraction(2, 10), Fraction(3, 10), Fraction(4, 10)]
    unlearned = extremal_unlearned_law(reference, order=[2, 0, 3, 1])
    check_certified_both_ways(unlearned, reference, "probe example")
    probe_law = [Fraction(1, 3)] * 3
    unlearned_joint = [m * w for m in unlearned for w in probe_law]
    reference_joint = [m * w for m in reference for w in probe_law]
    check_joint_events(unlearned_joint, reference_joint, "randomised probe")


def check_dependent_probe_breaks_the_theorem() -> None:
    # Counterexample for the independence condition: U and R both output a fair coin
    # (identical laws, so ε = δ = 0 and h(p) = p), but the probe's "randomness" is a copy
    # of U's coin. The event {θ = ω} has probability 1 for U and 1/2 for R.
    unlearned_joint = {(0, 0): Fraction(1, 2), (1, 1): Fraction(1, 2), (0, 1): Fraction(0), (1, 0): Fraction(0)}
    reference_joint = {key: Fraction(1, 4) for key in unlearned_joint}
    event = [(0, 0), (1, 1)]
    in_unlearned = sum(unlearned_joint[key] for key in event)
    in_reference = sum(reference_joint[key] for key in event)
    check(in_unlearned == 1 and in_reference == Fraction(1, 2), "dependent probe counterexample masses")
    check(in_unlearned > in_reference, "dependent probe exceeds h(p) = p")


def main() -> int:
    check_theorem_on_grid_example()
    check_grid_form()
    check_quantile_form()
    check_gaussian_quantile_example()
    check_jensen_for_both_transfers()
    check_random_forget_set()
    check_randomised_probe()
    check_dependent_probe_breaks_the_theorem()
    print(f"theorem1_depth_transfer: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
