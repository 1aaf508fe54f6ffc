"""Check the bounds of proofs/sekhari_newton_noise.md.

mpmath at 40 digits computes exact minimisers and Newton estimates on small random
one-vs-rest logistic problems and checks statements 1, 2, 3 and 5. sympy checks the
exponent count of statement 7 and the capacity inversion; a scaled logistic instance
shows the λ² reading failing. Exits non-zero on the first failed check and prints a
one-line summary on success.
"""

from __future__ import annotations

import random
import sys

import mpmath
import sympy as sp

checks_passed = 0
GAMMA = None


def check(condition, message: str) -> None:
    """Raise AssertionError with `message` unless `condition` is true (also under python -O)."""
    global checks_passed
    if not condition:
        raise AssertionError(message)
    checks_passed += 1


def norm(vector):
    return mpmath.sqrt(sum(entry**2 for entry in vector))


def loss_first(value):
    return -1 / (1 + mpmath.exp(value))


def loss_second(value):
    sigmoid = 1 / (1 + mpmath.exp(-value))
    return sigmoid * (1 - sigmoid)


def gradient(weights, rows, labels, lam, scale=1):
    """∇ of scale · (Σ ℓ(y xᵀw) + (λ|S|/2)‖w‖²) for one column."""
    result = lam * len(rows) * weights
    for row, label in zip(rows, labels, strict=True):
        result += loss_first(label * (row.T * weights)[0]) * label * row
    return scale * result


def hessian(weights, rows, lam, scale=1):
    result = lam * len(rows) * mpmath.eye(weights.rows)
    for row in rows:
        result += loss_second((row.T * weights)[0]) * (row * row.T)
    return scale * result


def minimiser(rows, labels, lam, dimension):
    weights = mpmath.zeros(dimension, 1)
    for _ in range(60):
        step = -mpmath.lu_solve(hessian(weights, rows, lam), gradient(weights, rows, labels, lam))
        weights += step
        if norm(step) < mpmath.mpf(10) ** -35:
            break
    return weights


def spectral_norm(rows):
    gram = mpmath.zeros(rows[0].rows, rows[0].rows)
    for row in rows:
        gram += row * row.T
    eigenvalues, _ = mpmath.eigsy(gram)
    return mpmath.sqrt(max(eigenvalues))


def random_rows(generator, count, dimension):
    rows = []
    for _ in range(count):
        direction = mpmath.matrix([generator.gauss(0.0, 1.0) for _ in range(dimension)])
        rows.append(direction * (mpmath.mpf(generator.uniform(0.2, 1.0)) / norm(direction)))
    return rows


def check_random_problems() -> None:
    mpmath.mp.dps = 40
    gamma = 1 / (6 * mpmath.sqrt(3))
    generator = random.Random(4242)
    for case in range(24):
        columns = 1 + case % 3
        dimension = generator.randint(1, 4)
        count = generator.randint(8, 16)
        removed = generator.randint(1, 4)
        lam = mpmath.mpf(generator.uniform(0.02, 0.5))
        rows = random_rows(generator, count, dimension)
        classes = [generator.randrange(max(columns, 2)) for _ in rows]
        kept_rows = rows[removed:]
        n_kept = len(kept_rows)
        squared_distance = squared_remainder_bound = squared_measured = squared_step = 0
        worst_terms = 0
        for column in range(columns):
            if columns == 1:
                labels = [1 if c == 1 else -1 for c in classes]
            else:
                labels = [1 if c == column else -1 for c in classes]
            kept_labels = labels[removed:]
            full_optimum = minimiser(rows, labels, lam, dimension)
            retained_optimum = minimiser(kept_rows, kept_labels, lam, dimension)
            h_kept = hessian(full_optimum, kept_rows, lam)
            g_kept = gradient(full_optimum, kept_rows, kept_labels, lam)
            step = -mpmath.lu_solve(h_kept, g_kept)
            estimate = full_optimum + step
            squared_distance += norm(estimate - retained_optimum) ** 2
            squared_measured += norm(gradient(estimate, kept_rows, kept_labels, lam)) ** 2
            projection = mpmath.sqrt(sum((row.T * step)[0] ** 2 for row in kept_rows))
            squared_remainder_bound += (norm(step) * projection) ** 2
            squared_step += norm(step) ** 2
            worst_terms += norm(step) ** 4

            # Statement 1 at random points of one column (the columns are independent).
            for _ in range(2):
                point = mpmath.matrix([generator.uniform(-3, 3) for _ in range(dimension)])
                gap = norm(point - retained_optimum)
                residual = norm(gradient(point, kept_rows, kept_labels, lam))
                check(gap <= residual / (lam * n_kept), f"statement 1, case {case}")
                # Statement 5 with the mean-scaled objective.
                mean_gradient = gradient(point, kept_rows, kept_labels, lam) / n_kept
                check(gap <= norm(mean_gradient) / lam, f"statement 5, case {case}")

            # Statement 2 for a perturbed step (r_T with its solve residual).
            perturbed = step + mpmath.matrix([generator.gauss(0, 1) * 0.05 * norm(step) for _ in range(dimension)])
            solve_residual = norm(g_kept + h_kept * perturbed)
            moved = mpmath.sqrt(sum((row.T * perturbed)[0] ** 2 for row in kept_rows))
            r_t = solve_residual + gamma / 2 * spectral_norm(kept_rows) * norm(perturbed) * moved
            distance = norm(full_optimum + perturbed - retained_optimum)
            check(distance <= r_t / (lam * n_kept), f"statement 2 (inexact step), case {case}")

        distance = mpmath.sqrt(squared_distance)
        r_m = mpmath.sqrt(squared_measured)
        r_t = gamma / 2 * spectral_norm(kept_rows) * mpmath.sqrt(squared_remainder_bound)
        check(distance <= r_m / (lam * n_kept), f"statement 2 (r_M), case {case}")
        check(distance <= r_t / (lam * n_kept), f"statement 2 (r_T), case {case}")
        lipschitz = mpmath.sqrt(columns)
        step_norm = mpmath.sqrt(squared_step)
        check(step_norm <= 2 * removed * lipschitz / (lam * n_kept), f"statement 3 (step), case {case}")
        check(distance <= gamma / (2 * lam) * step_norm**2, f"statement 3 (remainder), case {case}")
        worst = 2 * gamma * removed**2 * lipschitz**2 / (lam**3 * n_kept**2)
        check(distance <= worst, f"statement 3 (worst case), case {case}")


def check_exponents_and_capacity() -> None:
    s, hessian_lipschitz, lipschitz, lam, n, m, bound = sp.symbols("s M L lambda n m B", positive=True)
    for power, invariant in ((3, True), (2, False)):
        formula = 2 * hessian_lipschitz * m**2 * lipschitz**2 / (lam**power * n**2)
        scaled = formula.subs({hessian_lipschitz: s * hessian_lipschitz, lipschitz: s * lipschitz, lam: s * lam})
        ratio = sp.simplify(scaled / formula)
        check((ratio == 1) == invariant, f"scaling of the lambda^{power} formula: {ratio}")
    gamma = sp.Symbol("gamma", positive=True)
    q = sp.sqrt(bound * lam**3 / (2 * gamma)) / lipschitz
    # m/(n − m) = q is exactly where 2γ m² L² / (λ³ (n − m)²) = B.
    at_boundary = (2 * gamma * lipschitz**2 / lam**3 * (m / (n - m)) ** 2).subs(m, q * n / (1 + q))
    check(sp.simplify(at_boundary - bound) == 0, "capacity boundary")


def check_lambda_squared_reading_fails() -> None:
    mpmath.mp.dps = 40
    gamma = 1 / (6 * mpmath.sqrt(3))
    generator = random.Random(99)
    rows = random_rows(generator, 12, 2)
    labels = [1 if generator.random() < 0.5 else -1 for _ in rows]
    lam = mpmath.mpf("0.05")
    removed = 3
    kept_rows, kept_labels = rows[removed:], labels[removed:]
    n_kept = len(kept_rows)
    full = minimiser(rows, labels, lam, 2)
    retained = minimiser(kept_rows, kept_labels, lam, 2)
    step = -mpmath.lu_solve(hessian(full, kept_rows, lam), gradient(full, kept_rows, kept_labels, lam))
    error = norm(full + step - retained)
    check(error > 0, "the instance has a positive Newton error")
    scale = mpmath.mpf("1e-6")
    scaled_hessian = hessian(full, kept_rows, lam, scale)
    scaled_step = -mpmath.lu_solve(scaled_hessian, gradient(full, kept_rows, kept_labels, lam, scale))
    check(norm(scaled_step - step) < mpmath.mpf(10) ** -30, "the Newton step is invariant under scaling")
    # Constants of the scaled objective: M = sγ, L = s, λ_scaled = sλ.
    cubic = 2 * (scale * gamma) * removed**2 * scale**2 / ((scale * lam) ** 3 * n_kept**2)
    squared = 2 * (scale * gamma) * removed**2 * scale**2 / ((scale * lam) ** 2 * n_kept**2)
    check(error <= cubic, f"lambda^3 bound {cubic} holds for error {error}")
    check(error > squared, f"lambda^2 reading {squared} falls below the error {error}")


def main() -> int:
    check_random_problems()
    check_exponents_and_capacity()
    check_lambda_squared_reading_fails()
    print(f"sekhari_newton_noise: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
