"""Check the algebra and the examples of proofs/noisy_sgd_unlearning.md.

sympy checks the batch drift, the geometric sums and the limit of the Z recursion.
Random request sequences check the discounted drift sums against their closed form and
the hull cost against the last-step cost; exact Gaussian mini-batch chains check the
bound from below; the published values of our reference notes are recomputed. Exits
non-zero on the first failed check and prints a one-line summary on success.
"""

from __future__ import annotations

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


def hull_cost(drifts, contraction, initial):
    """Return the cost of statement L7 (proofs/langevin_unlearning.md) by the segment formula."""
    steps = len(drifts)
    discount = np.array([contraction ** (steps - 1 - t) for t in range(steps)])
    tau = np.concatenate([[0.0], np.cumsum(discount**2)])
    points = np.concatenate([[0.0], contraction**steps * initial + np.cumsum(discount * np.asarray(drifts))])
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
    cost = sum((points[j] - points[i]) ** 2 / (tau[j] - tau[i]) for i, j in zip(hull[:-1], hull[1:], strict=True))
    return cost, points[-1]


def check_batch_drift() -> None:
    b, r, lipschitz = sp.symbols("b r L", positive=True)
    partial = (r / (b * (b - r))) * (b - r) * lipschitz + r * lipschitz / b
    check(is_zero(partial - 2 * r * lipschitz / b), "batch drift 2rL/b")
    # An emptied batch (r = b): the difference (1/b) Σ g_i has norm at most L = 2rL/b / 2.
    check(is_zero((2 * r * lipschitz / b).subs(r, b) - 2 * lipschitz), "emptied batch bound 2L")


def check_geometric_sums() -> None:
    c, d, radius = sp.symbols("c d R", positive=True)
    k, j, total, kept, epoch = sp.symbols("k j T K e", positive=True, integer=True)
    # Σ_{e=0}^{T−K−1} c^{k(T−1−e)} = c^{kK} (1 − c^{k(T−K)})/(1 − c^k), checked at sample integers.
    for k_value, t_value, kept_value in [(3, 7, 2), (5, 4, 0), (1, 9, 3)]:
        direct = sum(c ** (k_value * (t_value - 1 - e)) for e in range(t_value - kept_value))
        closed = c ** (k_value * kept_value) * (1 - c ** (k_value * (t_value - kept_value))) / (1 - c**k_value)
        check(is_zero(sp.simplify(direct - closed)), f"geometric sum k={k_value} T={t_value} K={kept_value}")
    drift_sum = c ** (kept * k) * c ** (k - 1 - j) * d * (1 - c ** (k * (total - kept))) / (1 - c**k)
    total_shift = drift_sum + c ** (total * k) * radius
    limit = total_shift.subs({c ** (k * (total - kept)): 0, c ** (total * k): 0})
    z_b = d / (1 - c**k)
    check(is_zero(limit - c ** (kept * k) * c ** (k - 1 - j) * z_b), "limit c^{Kk} c^{k-1-j} Z_B")
    # A further request with K′ epochs multiplies every earlier discount by c^{K′k}.
    later = sp.Symbol("K2", positive=True, integer=True)
    check(is_zero(limit * c ** (later * k) - c ** ((kept + later) * k) * c ** (k - 1 - j) * z_b), "recursion factor")


def window_drifts(segments, current, batch_of, batches, step, lipschitz, epochs):
    """Return per-step drifts of the last `epochs` epochs, as in statement 3."""
    pieces = []
    for present, count in segments:
        sizes = np.bincount(batch_of[present], minlength=batches)
        removed = np.bincount(batch_of[present & ~current], minlength=batches)
        per_batch = np.where(removed > 0, 2 * step * lipschitz * removed / np.maximum(sizes, 1), 0.0)
        pieces.append(np.tile(per_batch, count))
    return np.concatenate(pieces)[-epochs * batches :]


def check_request_sequences() -> None:
    generator = random.Random(11)
    for case in range(60):
        n = generator.randint(20, 80)
        batches = generator.randint(1, 6)
        batch_of = np.array([generator.randrange(batches) for _ in range(n)])
        step, lipschitz, contraction = 0.5, 1.0, generator.uniform(0.5, 0.95)
        learning, kept = generator.randint(3, 8), generator.randint(0, 2)
        full = np.ones(n, dtype=bool)
        deleted = generator.randrange(n)
        current = full.copy()
        current[deleted] = False
        segments = [(full, learning)] + ([(current, kept)] if kept else [])
        drifts = window_drifts(segments, current, batch_of, batches, step, lipschitz, learning)
        steps = len(drifts)
        discounted = sum(contraction ** (steps - 1 - t) * drifts[t] for t in range(steps))
        size = int(np.sum(batch_of == batch_of[deleted]))
        position = int(batch_of[deleted])
        closed = (
            contraction ** (kept * batches)
            * contraction ** (batches - 1 - position)
            * (2 * step * lipschitz / size)
            * (1 - contraction ** (batches * (learning - kept)))
            / (1 - contraction**batches)
        )
        check(abs(discounted - closed) <= 1e-12 * (1 + closed), f"closed form of the drift sum in case {case}")
        cost, total = hull_cost(drifts, contraction, 0.0 if kept == 0 else 3.0)
        check(cost <= total**2 * (1 + 1e-9) + 1e-15, f"hull cost above the last-step cost in case {case}")
        # A second request deleting more points adds drift on every earlier epoch of the window.
        more = current.copy()
        more[[i for i in range(n) if current[i]][: generator.randint(1, 3)]] = False
        second = segments + [(more, generator.randint(1, 3))]
        again = window_drifts(second, more, batch_of, batches, step, lipschitz, learning)
        check(np.all(again >= 0) and len(again) == learning * batches, f"second request window in case {case}")


def check_exact_minibatch_chains() -> None:
    # Per-point losses (w − x_i)²/2 with penalty λw²/2 in one dimension: the step on batch B is
    # w ↦ c w + η mean(B) with c = 1 − η(1 + λ), the same for every batch, so both chains are
    # Gaussian with equal variance and D_α = α (mean gap)²/(2 variance) exactly.
    mpmath.mp.dps = 30
    generator = random.Random(3)
    for case in range(30):
        n, batches = generator.randint(6, 30), generator.randint(1, 4)
        points = [generator.uniform(-1, 1) for _ in range(n)]
        batch_of = np.array([generator.randrange(batches) for _ in range(n)])
        eta, lam, noise = generator.uniform(0.05, 0.6), generator.uniform(0.01, 0.3), generator.uniform(0.2, 1.0)
        contraction = 1 - eta * (1 + lam)
        removed = generator.sample(range(n), generator.randint(1, 3))
        kept_mask = np.ones(n, dtype=bool)
        kept_mask[removed] = False
        epochs = generator.randint(2, 6)

        def batch_mean(mask, batch, points=points, batch_of=batch_of):
            members = [points[i] for i in range(len(points)) if mask[i] and batch_of[i] == batch]
            return sum(members) / len(members) if members else 0.0

        gap = 0.0
        drifts = []
        steps = epochs * batches
        for t in range(steps):
            batch = t % batches
            difference = eta * (batch_mean(np.ones(n, dtype=bool), batch) - batch_mean(kept_mask, batch))
            gap += contraction ** (steps - 1 - t) * difference
            # The two maps differ by the constant `difference`, so it is the exact drift d_t.
            drifts.append(abs(difference))
        variance = noise**2 * sum(contraction ** (2 * t) for t in range(steps))
        exact = 3 * gap**2 / (2 * variance)
        cost, _ = hull_cost(drifts, contraction, 0.0)
        bound = 3 * cost / (2 * noise**2)
        check(bound >= exact * (1 - 1e-9) - 1e-15, f"bound {bound} below the exact divergence {exact} in case {case}")


def check_published_values() -> None:
    mpmath.mp.dps = 30
    n, batch = mpmath.mpf(11982), mpmath.mpf(128)
    strong = mpmath.mpf("1e-6") * n
    eta = 1 / (mpmath.mpf(1) / 4 + strong)
    contraction = 1 - eta * strong
    check(abs(contraction - mpmath.mpf("0.95426")) < 5e-6, f"c = {contraction}")
    z_b = 2 * eta / (batch * (1 - contraction ** (n / batch)))
    check(abs(z_b - mpmath.mpf("0.06040")) < 5e-6, f"Z_B = {z_b}")
    sigma = mpmath.mpf("0.03")

    def epsilon(order):
        return order * z_b**2 * contraction ** (2 * n / batch) / (2 * eta * sigma**2) + mpmath.log(n) / (order - 1)

    best = min(epsilon(2 + mpmath.mpf(k) / 10) for k in range(0, 20000))
    check(abs(best - mpmath.mpf("0.0559")) < 5e-5, f"epsilon at K = 1: {best}")


def main() -> int:
    check_batch_drift()
    check_geometric_sums()
    check_request_sequences()
    check_exact_minibatch_chains()
    check_published_values()
    print(f"noisy_sgd_unlearning: {checks_passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
