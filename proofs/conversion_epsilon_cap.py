"""Check the algebra of proofs/conversion_epsilon_cap.md.

The kink, its value and the final inequality are checked with sympy for symbolic ε, ε′
and δ. Then, at exact sample parameters, the supremum of h(p) − e^{ε′} p over a fine
rational grid of p is compared with statement 1. Exits non-zero on the first failed
check and prints a one-line summary on success.
"""

from __future__ import annotations

import sys

import sympy as sp

checks_passed = 0


def check(condition, message: str) -> None:
    """Raise AssertionError with `message` unless `condition` is true (also under python -O)."""
    global checks_passed
    if not condition:
        raise AssertionError(message)
    checks_passed += 1


a, b = sp.symbols("a b", positive=True)  # a = e^ε, b = e^{ε′}
delta, p = sp.symbols("delta p", nonnegative=True)

first_piece = a * p + delta
second_piece = 1 - (1 - p - delta) / a

# The kink where the first two pieces meet.
kink = sp.solve(sp.Eq(first_piece, second_piece), p)
check(len(kink) == 1, "the first two pieces meet once")
check(sp.simplify(kink[0] - (1 - delta) / (1 + a)) == 0, "p* = (1 - δ)/(1 + e^ε)")

# The value at the kink is at most 1 and gives statement 1.
value_at_kink = sp.simplify(first_piece.subs(p, kink[0]))
check(sp.simplify(value_at_kink - (delta + (1 - delta) * a / (1 + a))) == 0, "h(p*) in closed form")
check(sp.simplify(1 - value_at_kink - (1 - delta) / (1 + a)) == 0, "1 - h(p*) = (1 - δ)/(1 + e^ε) >= 0")
statement_one = delta + (1 - delta) * (a - b) / (1 + a)
check(sp.simplify(value_at_kink - b * kink[0] - statement_one) == 0, "h(p*) - e^ε′ p* equals statement 1")

# Statement 2: the gap to the simpler bound is (1 - δ)(a - b)/(a(1 + a)) >= 0 for b <= a.
statement_two = 1 - (1 - delta) * b / a
gap = sp.simplify(statement_two - statement_one)
check(sp.simplify(gap - (1 - delta) * (a - b) / (a * (1 + a))) == 0, "statement 2 minus statement 1")

# Exact samples: the supremum over a fine grid of p equals statement 1 (attained at p*).
for a_value, b_value, delta_value in [
    (sp.Integer(4), sp.Integer(2), sp.Rational(1, 10)),
    (sp.Integer(9), sp.Integer(1), sp.Integer(0)),
    (sp.Rational(7, 2), sp.Rational(3, 2), sp.Rational(1, 3)),
    (sp.Integer(100), sp.Integer(50), sp.Rational(1, 1000)),
]:

    def h(point, a_value=a_value, delta_value=delta_value):
        return min(sp.Integer(1), a_value * point + delta_value, 1 - (1 - point - delta_value) / a_value)

    star = (1 - delta_value) / (1 + a_value)
    grid = [sp.Rational(index, 2000) for index in range(2001)] + [star]
    supremum = max(h(point) - b_value * point for point in grid)
    expected = statement_one.subs({a: a_value, b: b_value, delta: delta_value})
    check(supremum == expected, f"supremum at e^ε={a_value}, e^ε′={b_value}, δ={delta_value}")
    check(expected <= statement_two.subs({a: a_value, b: b_value, delta: delta_value}), "statement 2 on samples")

print(f"conversion_epsilon_cap: {checks_passed} checks passed")
sys.exit(0)
