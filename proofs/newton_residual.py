"""Check the algebra of proofs/newton_residual.md and the bound on random problems.

sympy checks the derivatives of the logistic loss, the constant γ = sup|ℓ'''| and the
gradient and Hessian of the objective. mpmath at 40 digits then checks, on small random
problems with a fixed seed, the integral form of the Newton remainder, that the
gradient residual after one Newton step is below (γ/2)‖X′‖₂‖v‖₂‖X′v‖₂, and the form of
the bound for an inexact step. Exits non-zero on the first failed check and prints a
one-line summary on success.
"""

from __future__ import annotations

import random
import sys

import mpmath
import sympy as sp

checks_passed = 0
largest_ratio = 0.0


def check(condition, message: str) -> None:
    """Raise AssertionError with `message` unless `condition` is true (also under python -O)."""
    global checks_passed
    if not condition:
        raise AssertionError(message)
    checks_passed += 1


def is_zero(expression) -> bool:
    return sp.simplify(expression) == 0


z = sp.Symbol("z", real=True)
s = sp.Symbol("s", real=True)
LOSS = sp.log(1 + sp.exp(-z))
SIGMOID = 1 / (1 + sp.exp(-z))
GAMMA = 1 / (6 * sp.sqrt(3))


def check_loss_derivatives() -> None:
    first = sp.diff(LOSS, z)
    second = sp.diff(LOSS, z, 2)
    third = sp.diff(LOSS, z, 3)
    check(is_zero(first - (SIGMOID - 1)), "l'(z) = sigma(z) - 1")
    check(is_zero(second - SIGMOID * (1 - SIGMOID)), "l''(z) = sigma (1 - sigma)")
    check(is_zero(third - SIGMOID * (1 - SIGMOID) * (1 - 2 * SIGMOID)), "l'''(z) = sigma (1 - sigma)(1 - 2 sigma)")
    # ℓ'' is even, so ℓ''(y a) = ℓ''(a) for labels y = ±1.
    check(is_zero(second.subs(z, -z) - second), "l'' is even")
    check(is_zero(third.subs(z, -z) + third), "l''' is odd")


def check_gamma() -> None:
    cubic = s * (1 - s) * (1 - 2 * s)
    critical = sp.solve(sp.diff(cubic, s), s)
    expected = {(3 - sp.sqrt(3)) / 6, (3 + sp.sqrt(3)) / 6}
    check({sp.nsimplify(c) for c in critical} == expected, f"critical points {critical}")
    values = [sp.nsimplify(sp.simplify(cubic.subs(s, c))) for c in critical]
    check(any(is_zero(v - GAMMA) for v in values), f"max value {values}")
    check(any(is_zero(v + GAMMA) for v in values), f"min value {values}")
    check(cubic.subs(s, 0) == 0 and cubic.subs(s, 1) == 0, "cubic vanishes at the ends")
    # σ(z) covers (0, 1), so sup_z |ℓ'''(z)| = max over [0, 1] of |cubic| = 1/(6√3), a
    # maximum over a compact interval taken at a critical point or an end.
    check(abs(float(GAMMA) - 0.0962250448649376) < 1e-15, "gamma value")
    check(is_zero(sp.Rational(1, 4) / (GAMMA / 2) - 3 * sp.sqrt(3)), "ratio to the constant 1/4")

    mpmath.mp.dps = 40
    third = sp.lambdify(z, sp.diff(LOSS, z, 3), "mpmath")
    peak = mpmath.findroot(lambda point: mpmath.diff(third, point), -1.3)
    check(abs(abs(third(peak)) - mpmath.mpf(1) / (6 * mpmath.sqrt(3))) < mpmath.mpf(10) ** -30, "numeric peak")
    dense = max(abs(third(mpmath.mpf(k) / 100)) for k in range(-2000, 2001))
    check(dense <= mpmath.mpf(1) / (6 * mpmath.sqrt(3)), "dense scan below gamma")


def check_objective_derivatives() -> None:
    # Two retained points in two dimensions, labels +1 and −1.
    w = sp.Matrix(sp.symbols("w1:3", real=True))
    b = sp.Matrix(sp.symbols("b1:3", real=True))
    lam = sp.Symbol("lambda", positive=True)
    rows = [sp.Matrix(sp.symbols("x11 x12", real=True)), sp.Matrix(sp.symbols("x21 x22", real=True))]
    labels = [1, -1]
    count = len(rows)
    objective = sum(LOSS.subs(z, y * x.dot(w)) for x, y in zip(rows, labels, strict=True))
    objective += lam * count / 2 * w.dot(w) + b.dot(w)

    first = sp.diff(LOSS, z)
    second = sp.diff(LOSS, z, 2)
    gradient = sum((first.subs(z, y * x.dot(w)) * y * x for x, y in zip(rows, labels, strict=True)), sp.zeros(2, 1))
    gradient += lam * count * w + b
    hessian = sum((second.subs(z, x.dot(w)) * x * x.T for x in rows), sp.zeros(2, 2))
    hessian += lam * count * sp.eye(2)
    for i in range(2):
        check(is_zero(sp.diff(objective, w[i]) - gradient[i]), f"gradient component {i}")
        for j in range(2):
            # ℓ''(y xᵀw) replaced by ℓ''(xᵀw): this checks the evenness step as well.
            check(is_zero(sp.diff(objective, w[i], w[j]) - hessian[i, j]), f"Hessian entry {i}{j}")


def loss_first(value):
    return -1 / (1 + mpmath.exp(value))


def loss_second(value):
    sigmoid = 1 / (1 + mpmath.exp(-value))
    return sigmoid * (1 - sigmoid)


def gradient(weights, rows, labels, lam, noise):
    count = len(rows)
    result = lam * count * weights + noise
    for row, label in zip(rows, labels, strict=True):
        result += loss_first(label * (row.T * weights)[0]) * label * row
    return result


def hessian(weights, rows, lam):
    dimension = weights.rows
    result = lam * len(rows) * mpmath.eye(dimension)
    for row in rows:
        result += loss_second((row.T * weights)[0]) * (row * row.T)
    return result


def norm(vector):
    return mpmath.sqrt(sum(entry**2 for entry in vector))


def spectral_norm(rows):
    """Return ‖X′‖₂, the square root of the largest eigenvalue of X′ᵀX′, at working precision."""
    dimension = rows[0].rows
    gram = mpmath.zeros(dimension, dimension)
    for row in rows:
        gram += row * row.T
    eigenvalues, _ = mpmath.eigsy(gram)
    return mpmath.sqrt(max(eigenvalues))


def random_rows(generator, count, dimension):
    """Return `count` feature rows with ‖x_i‖₂ ≤ 1, each a Gaussian direction scaled to a random radius."""
    rows = []
    for _ in range(count):
        direction = mpmath.matrix([generator.gauss(0.0, 1.0) for _ in range(dimension)])
        radius = mpmath.mpf(generator.uniform(0.2, 1.0))
        rows.append(direction * (radius / norm(direction)))
    return rows


def newton_step(start, rows, labels, lam, noise):
    """Take one exact Newton step from `start` on the retained objective and return (v, w⁻)."""
    step = -mpmath.lu_solve(hessian(start, rows, lam), gradient(start, rows, labels, lam, noise))
    return step, start + step


def residual_and_bounds(start, rows, labels, lam, noise):
    step, updated = newton_step(start, rows, labels, lam, noise)
    residual = norm(gradient(updated, rows, labels, lam, noise))
    projections = [(row.T * step)[0] for row in rows]
    projection_norm = mpmath.sqrt(sum(value**2 for value in projections))
    gamma = mpmath.mpf(1) / (6 * mpmath.sqrt(3))
    operator_norm = spectral_norm(rows)
    bound = gamma / 2 * operator_norm * norm(step) * projection_norm
    # The intermediate bound with ‖X′v‖_∞, valid without the feature norm assumption.
    intermediate = gamma / 2 * operator_norm * max(abs(v) for v in projections) * projection_norm
    return residual, intermediate, bound, step


def check_inexact_step(start, rows, labels, lam, noise, generator) -> None:
    """Check ‖∇L(w* + v)‖ ≤ ‖g + Hv‖ + (γ/2)‖X′‖₂‖v‖₂‖X′v‖₂ for a perturbed Newton step v."""
    exact_step, _ = newton_step(start, rows, labels, lam, noise)
    scale = norm(exact_step) * mpmath.mpf("0.01") + mpmath.mpf(10) ** -6
    step = exact_step + mpmath.matrix([generator.gauss(0.0, 1.0) * scale for _ in range(exact_step.rows)])
    solve_residual = norm(gradient(start, rows, labels, lam, noise) + hessian(start, rows, lam) * step)
    residual = norm(gradient(start + step, rows, labels, lam, noise))
    projection_norm = mpmath.sqrt(sum((row.T * step)[0] ** 2 for row in rows))
    gamma = mpmath.mpf(1) / (6 * mpmath.sqrt(3))
    bound = solve_residual + gamma / 2 * spectral_norm(rows) * norm(step) * projection_norm
    check(residual <= bound, f"inexact step residual above its bound ({residual} > {bound})")


def minimise(rows, labels, lam, noise, dimension):
    """Return an approximate minimiser of the full-data objective by Newton iterations from 0.

    The residual bound holds for any start, so convergence is not checked here.
    """
    weights = mpmath.zeros(dimension, 1)
    for _ in range(40):
        step, _ = newton_step(weights, rows, labels, lam, noise)
        weights += step
        if norm(step) < mpmath.mpf(10) ** -30:
            break
    return weights


def check_bound_on_random_problems() -> None:
    global largest_ratio
    mpmath.mp.dps = 40
    generator = random.Random(31337)
    cases = 0
    for count, dimension, lam, noise_scale in [
        (3, 1, 0.05, 0.0),
        (6, 2, 0.01, 1.0),
        (10, 3, 0.001, 0.5),
        (20, 4, 0.01, 2.0),
        (12, 2, 0.0005, 0.0),
        (8, 5, 0.1, 3.0),
    ]:
        for _ in range(3):
            rows = random_rows(generator, count + 2, dimension)
            labels = [generator.choice([1, -1]) for _ in rows]
            noise = mpmath.matrix([generator.gauss(0.0, noise_scale) for _ in range(dimension)])
            lam_value = mpmath.mpf(lam)
            # Realistic start: the full-data optimum, then the last two points are removed.
            full_optimum = minimise(rows, labels, lam_value, noise, dimension)
            retained_rows, retained_labels = rows[:-2], labels[:-2]
            # Stress start: an arbitrary point far from the optimum, so the step is large.
            arbitrary = mpmath.matrix([generator.uniform(-4.0, 4.0) for _ in range(dimension)])
            for start in (full_optimum, arbitrary):
                residual, intermediate, bound, _ = residual_and_bounds(
                    start, retained_rows, retained_labels, lam_value, noise
                )
                check(residual <= intermediate, f"residual above the intermediate bound ({residual} > {intermediate})")
                check(intermediate <= bound, "intermediate bound above the final bound")
                if bound > 0:
                    largest_ratio = max(largest_ratio, float(residual / bound))
                check_inexact_step(start, retained_rows, retained_labels, lam_value, noise, generator)
                cases += 1
    check(cases == 36, "all cases ran")


def check_integral_remainder() -> None:
    # ∇L(w* + v) − ∇L(w*) − H(w*) v = ∫₀¹ (H(w* + t v) − H(w*)) v dt, component by component.
    mpmath.mp.dps = 30
    generator = random.Random(5)
    rows = random_rows(generator, 6, 3)
    labels = [generator.choice([1, -1]) for _ in rows]
    lam = mpmath.mpf("0.02")
    noise = mpmath.matrix([generator.gauss(0.0, 1.0) for _ in range(3)])
    start = mpmath.matrix([generator.uniform(-2.0, 2.0) for _ in range(3)])
    step, updated = newton_step(start, rows, labels, lam, noise)
    base_hessian = hessian(start, rows, lam)
    left = gradient(updated, rows, labels, lam, noise)
    for component in range(3):

        def integrand(t, component=component):
            difference = hessian(start + t * step, rows, lam) - base_hessian
            return (difference * step)[component]

        right = mpmath.quad(integrand, [0, 1])
        check(abs(left[component] - right) < mpmath.mpf(10) ** -20, f"integral remainder component {component}")


def check_one_versus_rest() -> None:
    # K = 3 classes share X′. Each class has its own ±1 labels and its own noise block.
    mpmath.mp.dps = 40
    generator = random.Random(99)
    rows = random_rows(generator, 9, 3)
    classes = [generator.randrange(3) for _ in rows]
    lam = mpmath.mpf("0.01")
    residuals = []
    bounds = []
    for label_class in range(3):
        labels = [1 if c == label_class else -1 for c in classes]
        noise = mpmath.matrix([generator.gauss(0.0, 1.0) for _ in range(3)])
        start = mpmath.matrix([generator.uniform(-3.0, 3.0) for _ in range(3)])
        residual, _, bound, _ = residual_and_bounds(start, rows, labels, lam, noise)
        residuals.append(residual)
        bounds.append(bound)
    concatenated = mpmath.sqrt(sum(r**2 for r in residuals))
    combined = mpmath.sqrt(sum(b**2 for b in bounds))
    check(concatenated <= combined, "one-vs-rest residual below the l2 combination of bounds")
    check(combined <= sum(bounds), "l2 combination below the sum of bounds")


def main() -> int:
    check_loss_derivatives()
    check_gamma()
    check_objective_derivatives()
    check_integral_remainder()
    check_bound_on_random_problems()
    check_one_versus_rest()
    print(f"newton_residual: {checks_passed} checks passed, largest residual/bound ratio {largest_ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
