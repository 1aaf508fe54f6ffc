"""Check the algebra of proofs/transfer_epsilon_delta.md.

Symbolic identities are checked with sympy for general ε ≥ 0 and δ in [0, 1]. The
tightness pair, monotonicity, concavity and the inverse are then checked exactly at
sample parameters: e^ε rational (ε = log 2, log 3/2, ...) or a closed form such as
exp(1/2), which sympy compares exactly or at 60 digits. Exits non-zero on the first
failed check and prints a one-line summary on success.
"""

from __future__ import annotations

import itertools
import sys

import sympy as sp

epsilon = sp.Symbol("epsilon", nonnegative=True)
delta = sp.Symbol("delta", nonnegative=True)
p, q, beta, mass = sp.symbols("p q beta mass", real=True)

# (e^ε, δ) pairs used for the exact checks. e^ε = 1 is ε = 0; exp(1/2) and exp(3)
# are irrational, so those comparisons go through sympy cancel, simplify and a
# 60-digit evaluation.
SAMPLE_PARAMETERS = [
    (sp.Integer(1), sp.Integer(0)),
    (sp.Integer(1), sp.Rational(1, 4)),
    (sp.Integer(2), sp.Integer(0)),
    (sp.Integer(2), sp.Rational(1, 10)),
    (sp.Rational(3, 2), sp.Rational(1, 3)),
    (sp.Integer(5), sp.Rational(1, 20)),
    (sp.exp(sp.Rational(1, 2)), sp.Rational(1, 7)),
    (sp.exp(3), sp.Rational(1, 100)),
]

checks_passed = 0


def check(condition, message: str) -> None:
    """Raise AssertionError with `message` unless `condition` is true (also under python -O)."""
    global checks_passed
    if not condition:
        raise AssertionError(message)
    checks_passed += 1


def reduce_expression(expression):
    """Return `expression` cancelled, and simplified too when its value is too small to sign numerically."""
    expression = sp.sympify(expression)
    if expression.is_Rational:
        return expression
    cancelled = sp.cancel(expression)
    if cancelled == 0:
        return cancelled
    if not cancelled.free_symbols and abs(sp.N(cancelled, 60)) > sp.Float("1e-40", 60):
        return cancelled
    return sp.simplify(cancelled)


def is_zero(expression) -> bool:
    return reduce_expression(expression) == 0


def is_at_most(left, right) -> bool:
    """Decide left ≤ right exactly: equal after simplification, or right − left > 0 at 60 digits."""
    difference = reduce_expression(right - left)
    if difference.is_Rational:
        return difference >= 0
    if difference == 0:
        return True
    value = sp.N(difference, 60)
    return bool(value > 0)


def is_equal(left, right) -> bool:
    return is_zero(left - right)


def straight_line(p_value, scale, delta_value):
    """Return g₁(p) = e^ε p + δ, the certificate (C1) applied to the event itself."""
    return scale * p_value + delta_value


def complement_line(p_value, scale, delta_value):
    """Return g₂(p) = 1 − e^{−ε}(1 − δ − p), the certificate (C2) applied to the complement."""
    return 1 - (1 - delta_value - p_value) / scale


def transfer_lines(p_value, scale, delta_value):
    """Return the three lines whose minimum is h(p). Comparing with each avoids an unevaluated Min."""
    return [sp.Integer(1), straight_line(p_value, scale, delta_value), complement_line(p_value, scale, delta_value)]


def transfer(p_value, scale, delta_value):
    """Return h(p) = min{1, e^ε p + δ, 1 − e^{−ε}(1 − δ − p)} for e^ε = `scale`."""
    lines = transfer_lines(p_value, scale, delta_value)
    if all(line.is_Rational for line in lines):
        return min(lines)
    return sp.Min(*lines)


def is_at_most_transfer(value, p_value, scale, delta_value) -> bool:
    """Decide value ≤ h(p) exactly."""
    return all(is_at_most(value, line) for line in transfer_lines(p_value, scale, delta_value))


def equals_transfer(value, p_value, scale, delta_value) -> bool:
    """Decide value = h(p) exactly: at most every line and equal to one of them."""
    lines = transfer_lines(p_value, scale, delta_value)
    return is_at_most_transfer(value, p_value, scale, delta_value) and any(is_equal(value, line) for line in lines)


def transfer_inverse(beta_value, scale, delta_value):
    """Return h←(β) as derived in the proof: 1 for β ≥ 1, −∞ when both candidates are negative."""
    if beta_value >= 1:
        return sp.Integer(1)
    from_straight = (beta_value - delta_value) / scale
    from_complement = 1 - delta_value - scale * (1 - beta_value)
    largest = sp.Max(from_straight, from_complement)
    return -sp.oo if largest < 0 else largest


def response_pair(scale, delta_value):
    """Return the four-point pair (P_u, P_r) of the proof, points in the order 0..3."""
    middle_high = (1 - delta_value) * scale / (1 + scale)
    middle_low = (1 - delta_value) / (1 + scale)
    unlearned = [delta_value, middle_high, middle_low, sp.Integer(0)]
    reference = [sp.Integer(0), middle_low, middle_high, delta_value]
    return unlearned, reference


def check_complement_line() -> None:
    # (C2) on the complement: 1 − P_r(E) ≤ e^ε (1 − P_u(E)) + δ. Multiplying by
    # e^{−ε} > 0 and rearranging gives P_u(E) ≤ 1 − e^{−ε}(1 − δ − P_r(E)).
    swapped_slack = sp.exp(epsilon) * (1 - mass) + delta - (1 - q)
    rearranged_slack = complement_line(q, sp.exp(epsilon), delta) - mass
    check(is_zero(rearranged_slack - sp.exp(-epsilon) * swapped_slack), "complement rearrangement")

    # h(0) = δ because g₂(0) exceeds δ by (1 − δ)(1 − e^{−ε}) ≥ 0.
    gap_at_zero = complement_line(0, sp.exp(epsilon), delta) - delta
    check(is_zero(gap_at_zero - (1 - delta) * (1 - sp.exp(-epsilon))), "h(0) = delta")

    # h ≥ 0 on [0, 1] because g₂ is at least 1 − e^{−ε} there.
    lowest = complement_line(0, sp.exp(epsilon), 0)
    check(is_zero(lowest - (1 - sp.exp(-epsilon))), "complement line lower bound")


def check_crossing_point() -> None:
    scale = sp.exp(epsilon)
    roots = sp.solve(sp.Eq(straight_line(p, scale, delta), complement_line(p, scale, delta)), p)
    crossing = (1 - delta) / (1 + scale)
    check(len(roots) == 1 and is_equal(roots[0], crossing), f"crossing point {roots}")
    height = delta + scale * (1 - delta) / (1 + scale)
    check(is_equal(straight_line(crossing, scale, delta), height), "crossing height")
    check(is_equal(complement_line(1 - delta, scale, delta), 1), "complement line reaches 1 at 1 - delta")
    # g₁ − g₂ is (e^ε − e^{−ε}) p + constant. It increases in p, so g₁ is the smaller
    # line left of the crossing.
    slope = sp.diff(straight_line(p, scale, delta) - complement_line(p, scale, delta), p)
    check(is_equal(slope, scale - 1 / scale), "slope of the line difference")


def check_monotone_and_concave_symbolically() -> None:
    scale = sp.exp(epsilon)
    slopes = [sp.diff(straight_line(p, scale, delta), p), sp.diff(complement_line(p, scale, delta), p)]
    check(is_equal(slopes[0], sp.exp(epsilon)), "straight slope")
    check(is_equal(slopes[1], sp.exp(-epsilon)), "complement slope")
    check(all(slope.is_positive for slope in slopes), "slopes positive")


def check_response_pair_symbolically() -> None:
    scale = sp.exp(epsilon)
    unlearned, reference = response_pair(scale, delta)
    check(is_equal(sum(unlearned), 1) and is_equal(sum(reference), 1), "pair sums to 1")
    # P_u(i) − e^ε P_r(i) per point: δ, 0, −(1 − δ)(e^ε − 1), −e^ε δ. Only point 0 is
    # positive, so sup_E P_u(E) − e^ε P_r(E) = δ. The symmetry P_u(i) = P_r(3 − i)
    # gives the other direction.
    excess = [sp.simplify(u - scale * r) for u, r in zip(unlearned, reference, strict=True)]
    expected = [delta, 0, -(1 - delta) * (scale - 1), -scale * delta]
    for point, (value, target) in enumerate(zip(excess, expected, strict=True)):
        check(is_equal(value, target), f"excess at point {point}: {value}")
    check(all(is_equal(unlearned[i], reference[3 - i]) for i in range(4)), "pair symmetry")

    # Segments of the curve p ↦ P_u(E_p): points taken in decreasing likelihood ratio
    # (∞, e^ε, e^{−ε}, 0).
    crossing = (1 - delta) / (1 + scale)
    first_segment = unlearned[0] + scale * p
    second_segment = unlearned[0] + unlearned[1] + (p - crossing) / scale
    check(is_equal(first_segment, straight_line(p, scale, delta)), "first segment is the straight line")
    check(is_equal(second_segment, complement_line(p, scale, delta)), "second segment is the complement line")
    check(is_equal(reference[1], crossing), "first break at the crossing")
    check(is_equal(reference[1] + reference[2], 1 - delta), "second break at 1 - delta")
    check(is_equal(sum(unlearned[:3]), 1), "curve reaches 1 at the second break")


def attained_mass(p_value, unlearned, reference):
    """Return P_u(E_p) for the event E_p with P_r(E_p) = p that takes points by decreasing likelihood ratio.

    For the spread pair (point i spread uniformly over [i, i + 1)) a fraction of a point
    is a sub-interval, so E_p is an ordinary event.
    """
    remaining = p_value
    total = sp.Integer(0)
    for unlearned_mass, reference_mass in zip(unlearned, reference, strict=True):
        if reference_mass == 0:
            total += unlearned_mass
            continue
        fraction = sp.Min(1, reduce_expression(remaining / reference_mass))
        total += fraction * unlearned_mass
        remaining = reduce_expression(remaining - fraction * reference_mass)
        if remaining == 0:
            break
    return total


def check_response_pair_exactly() -> None:
    for scale, delta_value in SAMPLE_PARAMETERS:
        unlearned, reference = response_pair(scale, delta_value)
        # Every event, in both directions. This covers every event of the spread pair
        # too, because a linear function on the cube [0, 1]^4 is largest at a vertex.
        for chosen in itertools.product([0, 1], repeat=4):
            in_unlearned = sum(c * m for c, m in zip(chosen, unlearned, strict=True))
            in_reference = sum(c * m for c, m in zip(chosen, reference, strict=True))
            check(is_at_most(in_unlearned, scale * in_reference + delta_value), f"P <= e^eps Q + delta at {chosen}")
            check(is_at_most(in_reference, scale * in_unlearned + delta_value), f"Q <= e^eps P + delta at {chosen}")
            check(is_at_most_transfer(in_unlearned, in_reference, scale, delta_value), f"P <= h(Q) at {chosen}")

        crossing = (1 - delta_value) / (1 + scale)
        samples = [sp.Rational(k, 12) for k in range(13)] + [crossing, 1 - delta_value]
        for p_value in samples:
            attained = attained_mass(p_value, unlearned, reference)
            check(
                equals_transfer(attained, p_value, scale, delta_value),
                f"pair attains h({p_value}) at e^eps={scale}, delta={delta_value}",
            )


def check_monotone_and_concave_exactly() -> None:
    grid = [sp.Rational(k, 20) for k in range(21)]
    for scale, delta_value in SAMPLE_PARAMETERS[:6]:
        values = [transfer(x, scale, delta_value) for x in grid]
        check(all(0 <= v <= 1 for v in values), "h maps into [0, 1]")
        check(all(a <= b for a, b in itertools.pairwise(values)), "h non-decreasing on the grid")
        for i, j in itertools.combinations(range(len(grid)), 2):
            middle = transfer((grid[i] + grid[j]) / 2, scale, delta_value)
            check(middle >= (values[i] + values[j]) / 2, f"midpoint concavity at {grid[i]}, {grid[j]}")


def check_inverse_symbolically() -> None:
    scale = sp.exp(epsilon)
    from_straight = (beta - delta) / scale
    from_complement = 1 - delta - scale * (1 - beta)
    check(is_equal(straight_line(from_straight, scale, delta), beta), "straight line at its root")
    check(is_equal(complement_line(from_complement, scale, delta), beta), "complement line at its root")
    # Both candidates are at most β, so for β < 1 no cap at 1 is needed.
    check(is_equal(beta - from_straight, beta * (1 - 1 / scale) + delta / scale), "straight candidate <= beta")
    check(is_equal(beta - from_complement, (1 - beta) * (scale - 1) + delta), "complement candidate <= beta")
    # The two candidates cross at β* = h(p*), and the first one is larger below it.
    crossing_height = delta + scale * (1 - delta) / (1 + scale)
    check(is_zero((from_straight - from_complement).subs(beta, crossing_height)), "candidates cross at beta*")
    check(is_equal(sp.diff(from_straight - from_complement, beta), 1 / scale - scale), "candidate difference slope")
    check(is_equal(from_straight.subs(beta, crossing_height), (1 - delta) / (1 + scale)), "inverse of beta_c")


def check_inverse_exactly() -> None:
    beta_grid = [sp.Rational(k, 40) for k in range(41)]
    p_grid = [sp.Rational(k, 60) for k in range(61)]
    for scale, delta_value in SAMPLE_PARAMETERS[:6]:
        for beta_value in beta_grid:
            inverse = transfer_inverse(beta_value, scale, delta_value)
            if beta_value < delta_value:
                check(inverse == -sp.oo, f"empty set below h(0) at beta={beta_value}")
            if 0 < inverse < 1:
                check(transfer(inverse, scale, delta_value) == beta_value, f"h(h_inv({beta_value})) = beta")
            if inverse != -sp.oo:
                check(transfer(inverse, scale, delta_value) <= beta_value, "inverse lies in the set")
            # The supremum: h(p) ≤ β exactly for p ≤ h←(β) on a fine grid.
            for p_value in p_grid:
                inside = transfer(p_value, scale, delta_value) <= beta_value
                check(bool(inside) == bool(p_value <= inverse), f"sup characterisation at p={p_value}")


def main() -> int:
    check_complement_line()
    check_crossing_point()
    check_monotone_and_concave_symbolically()
    check_response_pair_symbolically()
    check_response_pair_exactly()
    check_monotone_and_concave_exactly()
    check_inverse_symbolically()
    check_inverse_exactly()
    print(f"transfer_epsilon_delta: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
