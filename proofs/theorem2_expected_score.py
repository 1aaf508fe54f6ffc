"""Check the algebra of proofs/theorem2_expected_score.md on exact examples.

The (ε, δ) examples use e^ε = 2 and rational scores, so every integral is a finite sum
of rationals and every comparison is exact (Python fractions). The Gaussian hull check
uses mpmath at 40 digits and the Rényi second derivative is symbolic in sympy. Exits
non-zero on the first failed check and prints a one-line summary on success.
"""

from __future__ import annotations

import itertools
import random
import sys
from fractions import Fraction

import mpmath
import sympy as sp

SCALE = Fraction(2)  # e^ε with ε = log 2
DELTA = Fraction(1, 20)

checks_passed = 0


def check(condition, message: str) -> None:
    """Raise AssertionError with `message` unless `condition` is true (also under python -O)."""
    global checks_passed
    if not condition:
        raise AssertionError(message)
    checks_passed += 1


def transfer(p):
    """Return h(p) = min{1, e^ε p + δ, 1 − e^{−ε}(1 − δ − p)} for the (log 2, 1/20) certificate."""
    return min(Fraction(1), SCALE * p + DELTA, 1 - (1 - DELTA - p) / SCALE)


def extremal_unlearned_law(reference: list[Fraction], order: list[int]) -> list[Fraction]:
    """Return the worst-case law P_u with P_u(first k atoms of `order`) = h(P_r(first k atoms)) for every k."""
    unlearned = [Fraction(0)] * len(reference)
    reference_prefix = Fraction(0)
    unlearned_prefix = Fraction(0)
    for atom in order:
        reference_prefix += reference[atom]
        unlearned[atom] = transfer(reference_prefix) - unlearned_prefix
        unlearned_prefix += unlearned[atom]
    return unlearned


def score_distribution(model_law, probe_law, scores) -> dict[Fraction, Fraction]:
    """Return the law of X = m(π(θ, ω)) for θ ~ model_law and an independent ω ~ probe_law."""
    law: dict[Fraction, Fraction] = {}
    for model, model_mass in enumerate(model_law):
        for outcome, outcome_mass in enumerate(probe_law):
            value = scores[model][outcome]
            law[value] = law.get(value, Fraction(0)) + model_mass * outcome_mass
    return law


def tail(law: dict[Fraction, Fraction], threshold: Fraction) -> Fraction:
    """Return P(X > threshold)."""
    return sum((mass for value, mass in law.items() if value > threshold), Fraction(0))


def mean(law: dict[Fraction, Fraction]) -> Fraction:
    return sum((value * mass for value, mass in law.items()), Fraction(0))


def breakpoints(*laws) -> list[Fraction]:
    """Return 0, 1 and every value taken, sorted. t ↦ P(X > t) is constant between consecutive ones."""
    points = {Fraction(0), Fraction(1)}
    for law in laws:
        points.update(law)
    return sorted(points)


def integrate_step(function, points: list[Fraction]) -> Fraction:
    """Return ∫₀¹ function(t) dt for a function constant on each [points[k], points[k + 1])."""
    return sum((function(low) * (high - low) for low, high in itertools.pairwise(points)), Fraction(0))


def check_layer_cake() -> None:
    generator = random.Random(11)
    for _ in range(200):
        values = [Fraction(generator.randint(0, 24), 24) for _ in range(generator.randint(1, 6))]
        weights = [Fraction(generator.randint(1, 9)) for _ in values]
        total = sum(weights)
        law: dict[Fraction, Fraction] = {}
        for value, weight in zip(values, weights, strict=True):
            law[value] = law.get(value, Fraction(0)) + weight / total
        points = breakpoints(law)
        check(integrate_step(lambda t, law=law: tail(law, t), points) == mean(law), "E[X] = integral of P(X > t)")

    # The same identity symbolically for a point mass at v in [0, 1].
    v, t = sp.symbols("v t", nonnegative=True)
    integral = sp.integrate(sp.Piecewise((1, t < v), (0, True)), (t, 0, 1))
    check(sp.simplify(sp.piecewise_fold(integral).subs(v, sp.Rational(3, 7)) - sp.Rational(3, 7)) == 0, "point mass")


def check_chain_on_random_examples() -> None:
    generator = random.Random(2024)
    for trial in range(300):
        size = generator.randint(2, 5)
        weights = [Fraction(generator.randint(1, 9)) for _ in range(size)]
        reference = [w / sum(weights) for w in weights]
        order = list(range(size))
        generator.shuffle(order)
        unlearned = extremal_unlearned_law(reference, order)
        probe_outcomes = generator.randint(1, 3)
        probe_law = [Fraction(1, probe_outcomes)] * probe_outcomes
        scores = [[Fraction(generator.randint(0, 12), 12) for _ in range(probe_outcomes)] for _ in range(size)]

        unlearned_scores = score_distribution(unlearned, probe_law, scores)
        reference_scores = score_distribution(reference, probe_law, scores)
        points = breakpoints(unlearned_scores, reference_scores)
        for low in points[:-1]:
            check(
                tail(unlearned_scores, low) <= transfer(tail(reference_scores, low)),
                f"tail event bound at t={low}, trial {trial}",
            )
        integral_of_bound = integrate_step(lambda t, law=reference_scores: transfer(tail(law, t)), points)
        check(mean(unlearned_scores) <= integral_of_bound, f"E[X_u] <= integral of h, trial {trial}")
        check(integral_of_bound <= transfer(mean(reference_scores)), f"Jensen over t, trial {trial}")

    # Equality case: the score is the indicator of a non-empty prefix of the worst-case
    # order. (The empty prefix gives 0 ≤ h(0) = δ, which is not an equality.)
    reference = [Fraction(1, 10), Fraction(2, 10), Fraction(3, 10), Fraction(4, 10)]
    unlearned = extremal_unlearned_law(reference, order=[0, 1, 2, 3])
    for prefix in range(1, 5):
        scores = [[Fraction(1) if model < prefix else Fraction(0)] for model in range(4)]
        unlearned_mean = mean(score_distribution(unlearned, [Fraction(1)], scores))
        reference_mean = mean(score_distribution(reference, [Fraction(1)], scores))
        check(unlearned_mean == transfer(reference_mean), f"Theorem 2 is attained for prefix {prefix}")


def concave_majorant(points: list, values: list) -> list:
    """Return the values at `points` of the least concave majorant of the data (upper convex hull)."""
    hull: list[int] = []
    for index in range(len(points)):
        while len(hull) >= 2:
            first, second = hull[-2], hull[-1]
            # Drop `second` when it lies on or below the chord from `first` to `index`.
            left = (values[second] - values[first]) * (points[index] - points[first])
            right = (values[index] - values[first]) * (points[second] - points[first])
            if left <= right:
                hull.pop()
            else:
                break
        hull.append(index)
    majorant = []
    segment = 0
    for index, point in enumerate(points):
        while segment + 1 < len(hull) and hull[segment + 1] < index:
            segment += 1
        if index == hull[segment]:
            majorant.append(values[index])
            continue
        low, high = hull[segment], hull[segment + 1]
        weight = (point - points[low]) / (points[high] - points[low])
        majorant.append(values[low] + weight * (values[high] - values[low]))
    return majorant


def gaussian_transfer(p, shift):
    """Return Φ(Φ⁻¹(p) + μ) with μ = `shift` in mpmath, with the end values h(0) = 0 and h(1) = 1."""
    if p == 0:
        return mpmath.mpf(0)
    if p == 1:
        return mpmath.mpf(1)
    return mpmath.ncdf(mpmath.sqrt(2) * mpmath.erfinv(2 * p - 1) + shift)


def check_majorant_equals_transfer() -> None:
    grid = [Fraction(k, 200) for k in range(201)]
    values = [transfer(p) for p in grid]
    check(concave_majorant(grid, values) == values, "majorant of the (eps, delta) transfer is itself")

    # Sanity check of the hull routine: a non-concave function has a larger majorant.
    bumpy = [min(Fraction(1), 4 * p * p) for p in grid]
    bumpy_majorant = concave_majorant(grid, bumpy)
    check(all(m >= b for m, b in zip(bumpy_majorant, bumpy, strict=True)), "majorant lies above")
    check(any(m > b for m, b in zip(bumpy_majorant, bumpy, strict=True)), "majorant of a non-concave function differs")

    mpmath.mp.dps = 40
    numeric_grid = [mpmath.mpf(k) / 400 for k in range(401)]
    for shift in ["0.3", "1", "3"]:
        shift_value = mpmath.mpf(shift)
        gaussian = [gaussian_transfer(p, shift_value) for p in numeric_grid]
        majorant = concave_majorant(numeric_grid, gaussian)
        gap = max(abs(m - g) for m, g in zip(majorant, gaussian, strict=True))
        check(gap <= mpmath.mpf(10) ** -30, f"majorant of the GDP transfer is itself (mu={shift})")


def check_other_notions_are_concave() -> None:
    # Rényi: h(p) = min{1, (c p)^k} with c = e^ρ ≥ 1 and k = (α − 1)/α in (0, 1).
    p, c = sp.symbols("p c", positive=True)
    alpha = sp.Symbol("alpha", positive=True)
    exponent = (alpha - 1) / alpha
    second = sp.diff((c * p) ** exponent, p, 2)
    expected = exponent * (exponent - 1) * c**exponent * p ** (exponent - 2)
    check(sp.simplify(second - expected) == 0, "Renyi second derivative")
    check(sp.simplify(exponent * (exponent - 1) + (alpha - 1) / alpha**2) == 0, "k(k - 1) = -(alpha - 1)/alpha^2")


def main() -> int:
    check_layer_cake()
    check_chain_on_random_examples()
    check_majorant_equals_transfer()
    check_other_notions_are_concave()
    print(f"theorem2_expected_score: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
