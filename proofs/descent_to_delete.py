"""Check the algebra and the bounds of proofs/descent_to_delete.md.

sympy checks the loss derivatives, the gradient shift, the contraction constant, the
optimum of the Rényi conversion behind the published noise rule and the limit of the
secret-state recursion. numpy checks the minimiser bounds and the distance of the
secret-state algorithm to the reference on random logistic problems; mpmath checks the
published noise rule against the exact Gaussian profile. Exits non-zero on the first
failed check and prints a one-line summary on success.
"""

from __future__ import annotations

import math
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


def check_algebra() -> None:
    z = sp.Symbol("z", real=True)
    loss = sp.log(1 + sp.exp(-z))
    sigmoid = 1 / (1 + sp.exp(-z))
    check(is_zero(sp.diff(loss, z) - (sigmoid - 1)), "l'(z) = sigma(z) - 1, in (-1, 0)")
    s = sp.Symbol("s", real=True)
    check(is_zero(sp.Rational(1, 4) - s * (1 - s) - (s - sp.Rational(1, 2)) ** 2), "l'' = s(1 - s) <= 1/4")

    n, m, lipschitz = sp.symbols("n m L", positive=True)
    shift = (m / (n * (n - m))) * (n - m) * lipschitz + m * lipschitz / n
    check(is_zero(shift - 2 * m * lipschitz / n), "gradient shift 2mL/n")

    mu, beta = sp.symbols("mu beta", positive=True)
    eta = 2 / (beta + mu)
    check(is_zero((1 - eta * mu) - (beta - mu) / (beta + mu)), "1 - eta mu at eta = 2/(beta + mu)")
    check(is_zero((1 - eta * beta) + (beta - mu) / (beta + mu)), "1 - eta beta at eta = 2/(beta + mu)")

    # Published noise rule: min over α of αρ + log(1/δ)/(α − 1) is ρ + 2√(ρ log(1/δ)).
    alpha, rho, log_inverse_delta, epsilon = sp.symbols("alpha rho ell epsilon", positive=True)
    objective = alpha * rho + log_inverse_delta / (alpha - 1)
    optimum = 1 + sp.sqrt(log_inverse_delta / rho)
    check(is_zero(sp.diff(objective, alpha).subs(alpha, optimum)), "stationary order")
    check(
        is_zero(sp.simplify(objective.subs(alpha, optimum) - (rho + 2 * sp.sqrt(rho * log_inverse_delta)))),
        "value at the stationary order",
    )
    # With √ρ = A − B, A = √(log(1/δ) + ε), B = √(log(1/δ)) (and A > B): ρ + 2√ρ B = A² − B² = ε.
    root_rho = sp.sqrt(log_inverse_delta + epsilon) - sp.sqrt(log_inverse_delta)
    check(
        is_zero(sp.expand(root_rho**2 + 2 * root_rho * sp.sqrt(log_inverse_delta)) - epsilon),
        "sqrt(rho) = sqrt(log 1/delta + eps) - sqrt(log 1/delta) solves rho + 2 sqrt(rho log 1/delta) = eps",
    )
    # Limit of e_s = γ^I (e_{s−1} + s₁): the fixed point γ^I s₁ / (1 − γ^I), a quarter of 8Lγ^I/(μn(1 − γ^I)).
    g, s1, fixed = sp.symbols("g s1 e", positive=True)
    solution = sp.solve(sp.Eq(fixed, g * (fixed + s1)), fixed)[0]
    check(is_zero(solution - g * s1 / (1 - g)), "fixed point of the recursion")
    ours = (g * s1 / (1 - g)).subs(s1, 2 * lipschitz / (mu * n))
    published = 8 * lipschitz * g / (mu * n * (1 - g))
    check(is_zero(published / ours - 4), "published sensitivity is four times the limit")


def objective_gradient(theta, X, targets, lam):
    if X.shape[0] == 0:
        return lam * theta
    margins = targets * (X @ theta)
    return -(X.T @ (targets / (1.0 + np.exp(margins)))) / X.shape[0] + lam * theta


def project(theta, radius):
    norm = np.linalg.norm(theta)
    return theta if norm <= radius else theta * (radius / norm)


def descend(theta, X, targets, lam, eta, radius, steps):
    for _ in range(steps):
        theta = project(theta - eta * objective_gradient(theta, X, targets, lam), radius)
    return theta


def random_problem(generator, n, d, columns):
    X = generator.normal(size=(n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    X *= generator.uniform(0.3, 1.0, size=(n, 1))
    labels = generator.integers(0, max(columns, 2), size=n)
    if columns == 1:
        targets = (2.0 * labels - 1.0)[:, None]
    else:
        targets = np.where(labels[:, None] == np.arange(columns), 1.0, -1.0)
    return X, targets


def check_minimisers_and_secret_state() -> None:
    generator = np.random.default_rng(17)
    for case in range(40):
        n, d, columns = int(generator.integers(15, 60)), int(generator.integers(2, 6)), int(generator.integers(1, 4))
        lam = float(generator.uniform(0.05, 0.5))
        X, targets = random_problem(generator, n, d, columns)
        lipschitz = math.sqrt(columns)
        natural = lipschitz / lam
        radius = natural if case % 2 == 0 else float(generator.uniform(0.1, 1.0)) * natural
        beta = 0.25 + lam
        eta = 2.0 / (beta + lam)
        gamma = (beta - lam) / (beta + lam)
        theta0 = np.zeros((d, columns))
        exact_steps = int(math.ceil(math.log(1e-14) / math.log(gamma)))
        optimum = descend(theta0, X, targets, lam, eta, radius, exact_steps)
        check(np.linalg.norm(optimum) <= min(radius, natural) * (1 + 1e-9), f"minimiser norm in case {case}")

        # Contraction of one projected step on random pairs.
        for _ in range(3):
            a, b = generator.normal(size=(d, columns)), generator.normal(size=(d, columns))
            step_a = project(a - eta * objective_gradient(a, X, targets, lam), radius)
            step_b = project(b - eta * objective_gradient(b, X, targets, lam), radius)
            bound = gamma * np.linalg.norm(a - b) * (1 + 1e-12)
            check(np.linalg.norm(step_a - step_b) <= bound, f"contraction in case {case}")

        # A sequence of requests with the secret-state algorithm, against the reference.
        start = min(radius, natural)
        initial = int(generator.integers(5, 40))
        a_bound = gamma**initial * start
        secret = descend(theta0, X, targets, lam, eta, radius, initial)
        error = a_bound
        kept = np.ones(n, dtype=bool)
        previous_optimum = optimum
        for _ in range(3):
            size_before = int(kept.sum())
            removed = generator.choice(np.flatnonzero(kept), size=int(generator.integers(1, 4)), replace=False)
            kept[removed] = False
            new_optimum = descend(theta0, X[kept], targets[kept], lam, eta, radius, exact_steps)
            sensitivity = 2 * len(removed) * lipschitz / (lam * size_before)
            check(
                np.linalg.norm(previous_optimum - new_optimum) <= sensitivity * (1 + 1e-9) + 1e-12,
                f"minimiser shift in case {case}",
            )
            steps = int(generator.integers(1, 30))
            secret = descend(secret, X[kept], targets[kept], lam, eta, radius, steps)
            error = gamma**steps * (error + sensitivity)
            reference = descend(theta0, X[kept], targets[kept], lam, eta, radius, initial)
            check(np.linalg.norm(secret - new_optimum) <= error * (1 + 1e-9) + 1e-12, f"secret error in case {case}")
            check(
                np.linalg.norm(reference - new_optimum) <= a_bound * (1 + 1e-9) + 1e-12,
                f"reference error in case {case}",
            )
            check(
                np.linalg.norm(secret - reference) <= (error + a_bound) * (1 + 1e-9) + 1e-12,
                f"distance to the reference in case {case}",
            )
            previous_optimum = new_optimum


def gaussian_profile(epsilon, ratio):
    """Return δ_r(ε) = Φ(r/2 − ε/r) − e^ε Φ(−r/2 − ε/r) at working precision."""
    return mpmath.ncdf(ratio / 2 - epsilon / ratio) - mpmath.exp(epsilon) * mpmath.ncdf(-ratio / 2 - epsilon / ratio)


def published_ratio(epsilon, delta):
    """Return Δ/σ of the published rule: √2 (√(log(1/δ) + ε) − √(log(1/δ)))."""
    log_inverse = mpmath.log(1 / delta)
    return mpmath.sqrt(2) * (mpmath.sqrt(log_inverse + epsilon) - mpmath.sqrt(log_inverse))


def check_published_noise() -> None:
    mpmath.mp.dps = 30
    for epsilon in ("0.1", "0.5", "1", "2", "5", "10"):
        for delta in ("1e-3", "1e-5", "1e-8"):
            eps, dlt = mpmath.mpf(epsilon), mpmath.mpf(delta)
            ratio = published_ratio(eps, dlt)
            check(gaussian_profile(eps, ratio) <= dlt, f"published rule meets ({epsilon}, {delta})")
            # The analytic ratio is the largest meeting δ: it is at least the published one.
            low, high = ratio, ratio * 64
            for _ in range(200):
                middle = (low + high) / 2
                if gaussian_profile(eps, middle) <= dlt:
                    low = middle
                else:
                    high = middle
            check(low >= ratio, f"analytic noise not above the published one at ({epsilon}, {delta})")
    # Reference-notes value: L = 1, μ = 0.01, β = 0.26, n = 1e4, I = 10, ε = 1, δ = 1e-5.
    mu, beta, n, steps = mpmath.mpf("0.01"), mpmath.mpf("0.26"), mpmath.mpf(10000), 10
    gamma = (beta - mu) / (beta + mu)
    sensitivity = 8 * gamma**steps / (mu * n * (1 - gamma**steps))
    sigma = sensitivity / published_ratio(mpmath.mpf(1), mpmath.mpf("1e-5"))
    check(abs(sigma - mpmath.mpf("0.3383")) < 5e-5, f"published sigma {sigma}")


def main() -> int:
    check_algebra()
    check_minimisers_and_secret_state()
    check_published_noise()
    print(f"descent_to_delete: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
