"""Check the statements of proofs/theorem3_composition.md.

Exact rational arithmetic checks basic composition on random adaptive finite pairs and
the composed canonical-pair formula against brute-force products. sympy checks the
identities of the advanced, Rényi, GDP and group statements. mpmath checks the Hoeffding
form against exact binomial tails and the weak triangle inequality on Gaussians. The
package's implementations are compared with the exact values. Exits non-zero on the
first failed check and prints a one-line summary on success.
"""

from __future__ import annotations

import itertools
import random
import sys
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
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


def hockey(first, second, gamma):
    """Exact H_γ(P‖Q) = Σ (P(o) − γ Q(o))₊ over outcomes."""
    return sum(max(Fraction(0), p - gamma * q) for p, q in zip(first, second, strict=True))


def both(first, second, gamma):
    return max(hockey(first, second, gamma), hockey(second, first, gamma))


def probit(p):
    """Φ⁻¹(p) at the working precision."""
    return mpmath.sqrt(2) * mpmath.erfinv(2 * mpmath.mpf(p) - 1)


def random_law(rng, size):
    weights = [Fraction(rng.randint(1, 9)) for _ in range(size)]
    total = sum(weights)
    return [w / total for w in weights]


# -- 3.1 basic composition ------------------------------------------------------------------


def check_basic_composition() -> None:
    rng = random.Random(3)
    gamma1, gamma2 = Fraction(2), Fraction(3, 2)
    for _ in range(40):
        first_p, first_q = random_law(rng, 3), random_law(rng, 3)
        delta1 = both(first_p, first_q, gamma1)
        # The second mechanism depends on the first output x (adaptivity).
        second = [(random_law(rng, 3), random_law(rng, 3)) for _ in range(3)]
        delta2 = max(both(p, q, gamma2) for p, q in second)
        joint_p = [first_p[x] * second[x][0][y] for x in range(3) for y in range(3)]
        joint_q = [first_q[x] * second[x][1][y] for x in range(3) for y in range(3)]
        check(both(joint_p, joint_q, gamma1 * gamma2) <= delta1 + delta2, "basic composition of adaptive pairs")


# -- 3.2 composed canonical pairs -------------------------------------------------------------


def canonical(gamma, delta):
    keep = gamma / (1 + gamma)
    rest = 1 - delta
    return [delta, rest * keep, rest * (1 - keep), Fraction(0)], [Fraction(0), rest * (1 - keep), rest * keep, delta]


def product(laws):
    outcomes = itertools.product(*[range(len(law)) for law in laws])
    result = []
    for outcome in outcomes:
        value = Fraction(1)
        for law, index in zip(laws, outcome, strict=True):
            value *= law[index]
        result.append(value)
    return result


def formula(gamma_total, gamma, delta, k):
    """δ_k at e^{ε'} = gamma_total with e^ε = gamma, exactly (rational powers of gamma)."""
    keep = gamma / (1 + gamma)
    total = 1 - (1 - delta) ** k
    for j in range(k + 1):
        loss_ratio = gamma ** (k - 2 * j)  # e^{(k − 2j)ε}
        if loss_ratio > gamma_total:
            weight = sp.binomial(k, j) * keep ** (k - j) * (1 - keep) ** j
            total += (
                (1 - delta) ** k
                * Fraction(int(sp.numer(weight)), int(sp.denom(weight)))
                * (1 - gamma_total / loss_ratio)
            )
    return total


def check_canonical_formula() -> None:
    for gamma, delta, k in [
        (Fraction(2), Fraction(1, 100), 3),
        (Fraction(3, 2), Fraction(0), 4),
        (Fraction(2), Fraction(1, 7), 2),
    ]:
        laws_p, laws_q = zip(*[canonical(gamma, delta) for _ in range(k)], strict=True)
        first, second = product(laws_p), product(laws_q)
        for gamma_total in [Fraction(1), Fraction(3, 2), gamma, gamma**2, Fraction(5), gamma**k, gamma**k * 2]:
            exact = both(first, second, gamma_total)
            check(exact == formula(gamma_total, gamma, delta, k), f"canonical product formula at gamma={gamma}, k={k}")
            computed = float(
                bounds.optimal_composition_delta(
                    float(mpmath.log(gamma_total)), epsilon=float(mpmath.log(gamma)), delta=float(delta), requests=k
                )
            )
            check(
                computed >= float(exact) * (1 - 1e-12) and computed <= float(exact) * (1 + 1e-9) + 1e-300,
                "package optimal composition",
            )


# -- 3.3 heterogeneous advanced composition ---------------------------------------------------------


def check_advanced() -> None:
    x = sp.Symbol("x", positive=True)
    s = sp.exp(x) / (1 + sp.exp(x))
    mean = x * s - x * (1 - s)
    check(sp.simplify((mean - x * sp.tanh(x / 2)).rewrite(sp.exp)) == 0, "E[L_i] = eps tanh(eps/2)")
    gap = sp.exp(x) - 1 - sp.tanh(x / 2)
    derivative = sp.diff(gap, x)
    check(sp.simplify(derivative - (sp.exp(x) - (1 - sp.tanh(x / 2) ** 2) / 2)) == 0, "derivative of the tanh gap")
    check(all(derivative.subs(x, value) > 0 for value in [sp.Rational(1, 100), 1, 5, 30]), "tanh(x/2) <= e^x - 1")
    mpmath.mp.dps = 30
    for epsilon, k, slack in [(0.1, 100, 1e-5), (0.5, 20, 1e-3), (0.05, 1000, 1e-6)]:
        e = mpmath.mpf(epsilon)
        keep = mpmath.exp(e) / (1 + mpmath.exp(e))
        bound = k * e * mpmath.tanh(e / 2) + mpmath.sqrt(2 * mpmath.log(1 / mpmath.mpf(slack)) * k * e**2)
        tail = mpmath.fsum(
            mpmath.binomial(k, j) * keep ** (k - j) * (1 - keep) ** j for j in range(k + 1) if (k - 2 * j) * e >= bound
        )
        check(tail <= slack, f"Hoeffding tail at eps={epsilon}, k={k}")
        package_eps, package_delta = bounds.advanced_composition(
            epsilons=[epsilon] * k, deltas=[0.0] * k, delta_slack=slack
        )
        check(package_eps >= min(float(bound), k * epsilon) * (1 - 1e-12), "package advanced epsilon")
        exact_eps = float(bounds.optimal_composition_epsilon(package_delta, epsilon=epsilon, delta=0.0, requests=k))
        check(exact_eps <= package_eps, "optimal composition is never above the advanced bound")


# -- 3.4, 3.5 Rényi and GDP ------------------------------------------------------------------------


def check_renyi_additivity() -> None:
    rng = random.Random(7)
    for alpha in (2, 3):
        p1, q1, p2, q2 = (random_law(rng, 3) for _ in range(4))
        joint_p, joint_q = product([p1, p2]), product([q1, q2])
        moment = lambda p, q, order=alpha: sum(a**order * b ** (1 - order) for a, b in zip(p, q, strict=True))  # noqa: E731
        check(moment(joint_p, joint_q) == moment(p1, q1) * moment(p2, q2), "Renyi moments multiply")


def check_gdp_composition() -> None:
    x1, x2 = sp.symbols("x1 x2", real=True)
    m1, m2 = sp.symbols("m1 m2", positive=True)
    log_ratio = -((x1 - m1) ** 2 + (x2 - m2) ** 2) / 2 + (x1**2 + x2**2) / 2
    check(sp.expand(log_ratio - (m1 * x1 + m2 * x2 - (m1**2 + m2**2) / 2)) == 0, "log-likelihood ratio of the product")
    norm = sp.sqrt(m1**2 + m2**2)
    mean_first = (m1 * m1 + m2 * m2) / norm
    check(sp.simplify(mean_first - norm) == 0, "projection has mean ||mu|| under the shifted law")
    composed = bounds.compose([bounds.GaussianDPCertificate(mu=0.3), bounds.GaussianDPCertificate(mu=0.4)])
    check(abs(composed.mu - 0.5) < 1e-12, "package GDP composition")


# -- 3.6 to 3.8 groups ------------------------------------------------------------------------------


def check_groups() -> None:
    e = sp.Symbol("e", positive=True)
    for g in range(1, 8):
        geometric = sum(sp.exp(i * e) for i in range(g))
        check(sp.simplify(geometric - (sp.exp(g * e) - 1) / (sp.exp(e) - 1)) == 0, f"geometric sum g={g}")
        for value in (sp.Rational(1, 10), 1, 3):
            check(geometric.subs(e, value) <= g * sp.exp((g - 1) * value), f"sum <= g e^((g-1)eps), g={g}")
    a, b, c, d, p = sp.symbols("a b c d p", real=True)
    check(sp.expand((a * (c * p + d) + b) - (a * c * p + a * d + b)) == 0, "composition of lines")
    mpmath.mp.dps = 30
    for mu, value in [(0.5, 0.01), (1.2, 0.3), (2.0, 0.9)]:
        once = mpmath.ncdf(probit(value) + mu)
        twice = mpmath.ncdf(probit(once) + mu)
        check(abs(twice - mpmath.ncdf(probit(value) + 2 * mu)) < 1e-25, "GDP transfer composed twice")
    grouped = bounds.group_deletion(bounds.TradeOffCertificate.from_gdp(0.5), 3)
    grid = np.array([1e-6, 1e-3, 0.05, 0.3, 0.7])
    check(
        np.all(grouped.transfer(grid) >= bounds.gdp_transfer(grid, mu=1.5) * (1 - 1e-12)),
        "f-DP group is valid for G_{3 mu}",
    )


def check_weak_triangle() -> None:
    alpha, s = sp.symbols("alpha s", positive=True)
    t = s / (s - 1)
    check(sp.simplify((s * alpha - 1) / (s * (alpha - 1)) - (alpha - 1 / s) / (alpha - 1)) == 0, "weight identity")
    check(sp.simplify(1 / s + 1 / t - 1) == 0, "conjugate exponents")
    # Gaussians: D_β(N(a)‖N(b)) = β(a − b)²/2, so the chain 0 → m → 2m must bound 2α m².
    m = sp.Rational(1, 2)
    for alpha_value in (sp.Rational(3, 2), 2, 5, 20):
        for s_value in (sp.Rational(11, 10), 2, 3, 10):
            t_value = s_value / (s_value - 1)
            bound = (alpha_value - 1 / s_value) / (alpha_value - 1) * s_value * alpha_value * m**2 / 2
            bound += (1 + t_value * (alpha_value - 1)) * m**2 / 2
            check(
                bound >= alpha_value * (2 * m) ** 2 / 2, f"weak triangle on Gaussians alpha={alpha_value}, s={s_value}"
            )
    orders = np.array(bounds.DEFAULT_ORDERS)
    grouped = bounds.group_deletion(
        bounds.RenyiCertificate(orders=tuple(orders), rdp=tuple(bounds.gaussian_rdp(orders, noise_multiplier=2.0))), 2
    )
    exact = np.asarray(grouped.orders) * 4 / (2 * 4.0)
    check(np.all(np.asarray(grouped.rdp) >= exact), "package Renyi group bound is at least the exact Gaussian value")


def main() -> int:
    check_basic_composition()
    check_canonical_formula()
    check_advanced()
    check_renyi_additivity()
    check_gdp_composition()
    check_groups()
    check_weak_triangle()
    print(f"theorem3_composition: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
