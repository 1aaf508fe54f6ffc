"""Noise and step counts of certified noisy fine-tuning (Koloskova et al. 2025), as proved.

Pure arithmetic on numbers (no torch), kept apart from the training loops so that the
tests can check it against high-precision oracles. Every function rounds towards the
safe side: a divergence bound or a δ is never below the exact value of the formula it
evaluates, a noise scale never below the least one that meets the target.

Three mechanisms, each started from two models clipped into the ball of radius ``C₀``
around the origin (so at distance at most ``2C₀``):

* gradient clipping: ``x ← κx − η clip(ḡ, C₁) + N(0, σ²I)`` with ``κ = 1 − ηλ``, for T
  steps. Privacy amplification by iteration gives, for every order α > 1 and in both
  directions (``proofs/noisy_finetune_pabi.md``),

      D_α ≤ α ρ,   ρ = S² / (2σ² V),
      S = 2C₀ κ^T + 2ηC₁ Σ_{j<T} κ^j,   V = Σ_{j<T} κ^{2j};

  (ε, δ) then follows from the Rényi conversion of :mod:`certunlearn.bounds.renyi`
  applied to the whole curve ``α ↦ αρ``, never to ρ alone;
* model clipping: ``x ← Π_{C₂}(κx − η clip(ḡ, C₁) + N(0, σ²I))``; the hockey-stick
  divergence contracts step by step (``proofs/noisy_finetune_model_clipping.md``);
* output perturbation: ``clip(x, C₀) + N(0, σ²I)``, the Gaussian mechanism with
  sensitivity ``2C₀`` calibrated exactly (``proofs/noisy_finetune_output_perturbation.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _numerics, _validate
from ..bounds import calibrate_analytic_gaussian, gaussian_delta
from ..bounds.renyi import rdp_to_epsilon

# Rényi orders on which the curve α ↦ αρ is converted to (ε, δ). The curve is known at
# every order, so a dense grid only tightens the conversion. The range covers the optimal
# order for ε from about 0.01 to 100 at δ from 1e-12 to 0.1. Outside that range the
# result is still an upper bound, only a looser one.
ORDERS = 1.0 + np.geomspace(1e-3, 1e5, 1601)

# Relative padding of the closed forms below. Their relative error is below about 1e-13:
# the exponent T·log1p(−ηλ) is exact to a few ulps, and exp underflows before it exceeds
# about 745 in size. 1e-9 covers that with a wide margin and changes no printed digit.
_FORMULA_MARGIN = 1e-9

# In the automatic choice, the noise may exceed the least noise that any number of steps
# allows by this factor. The steps are then the fewest that stay within it.
NOISE_SLACK = 1.05


# -- Rényi curve α ↦ αρ and its conversion to (ε, δ) -------------------------------------


def epsilon_for_rho(rho: float, *, delta: float) -> float:
    """Return ε (rounded up) that ``D_α ≤ αρ`` for every α > 1 gives at δ.

    The conversion of Canonne, Kamath and Steinke (2020), minimised over
    :data:`ORDERS`: ``min_α αρ + log(1 − 1/α) − (log δ + log α)/(α − 1)``. ρ enters
    through the whole curve: under ``D_α ≤ αρ`` the divergence grows with the order.
    """
    rho = _validate.non_negative("rho", rho)
    delta = _validate.probability_open("delta", delta)
    curve = _numerics.pad_up(ORDERS * rho)
    return float(rdp_to_epsilon(delta, orders=ORDERS, rdp=curve, warn=False))


def rho_for_target(*, epsilon: float, delta: float) -> float:
    """Return the largest ρ (rounded down) for which :func:`epsilon_for_rho` is at most ε.

    Bracketed bisection on a monotone predicate; the end returned is always one at which
    the conversion was evaluated and met the target.
    """
    epsilon = _validate.positive("epsilon", epsilon)
    delta = _validate.probability_open("delta", delta)
    low, high = 0.0, max(epsilon, 1e-12)
    while epsilon_for_rho(high, delta=delta) <= epsilon:
        low, high = high, 2.0 * high
    for _ in range(200):
        if high - low <= 1e-13 * high:
            break
        middle = 0.5 * (low + high)
        if epsilon_for_rho(middle, delta=delta) <= epsilon:
            low = middle
        else:
            high = middle
    return low


# -- gradient clipping: privacy amplification by iteration -------------------------------


@dataclass(frozen=True)
class ShiftParameters:
    """The constants of one noisy step ``x ← κx − η clip(ḡ, C₁) + N(0, σ²I)``.

    Attributes:
        initial_clip_norm: C₀ > 0, radius of the ball the start is clipped into.
        gradient_clip_norm: C₁ > 0, bound on the norm of the clipped mean gradient.
        learning_rate: η > 0, constant step size.
        regularization: λ ≥ 0 with ηλ < 1, so that κ = 1 − ηλ lies in (0, 1].
    """

    initial_clip_norm: float
    gradient_clip_norm: float
    learning_rate: float
    regularization: float

    def __post_init__(self) -> None:
        _validate.positive("initial_clip_norm", self.initial_clip_norm)
        _validate.positive("gradient_clip_norm", self.gradient_clip_norm)
        _validate.positive("learning_rate", self.learning_rate)
        _validate.non_negative("regularization", self.regularization)
        _validate.in_interval(
            "learning_rate * regularization", self.learning_rate * self.regularization, 0.0, 1.0, high_open=True
        )


def pabi_ratio(steps, parameters: ShiftParameters) -> np.ndarray:
    """Return ``S²/V`` for each number of steps T ≥ 1 (rounded up), so that ``ρ = S²/(2σ²V)``.

    ``S = 2C₀κ^T + 2ηC₁ Σ_{j<T} κ^j`` is the total shift to be absorbed and
    ``V = Σ_{j<T} κ^{2j}`` the weight of the noise (``proofs/noisy_finetune_pabi.md``).
    """
    steps = np.asarray(steps, dtype=float)
    if np.any(steps < 1) or np.any(steps != np.round(steps)):
        raise _validate.fail("steps", "integers >= 1", steps)
    start = 2.0 * parameters.initial_clip_norm
    drift = 2.0 * parameters.learning_rate * parameters.gradient_clip_norm
    decay = parameters.learning_rate * parameters.regularization
    if decay == 0.0:
        shift = start + drift * steps
        weight = steps
    else:
        log_kappa = math.log1p(-decay)
        power = np.exp(steps * log_kappa)
        geometric = -np.expm1(steps * log_kappa) / decay
        squares = -np.expm1(2.0 * steps * log_kappa) / (decay * (2.0 - decay))
        shift = start * power + drift * geometric
        weight = squares
    return _numerics.pad_up(shift * shift / weight, _FORMULA_MARGIN)


def pabi_ratio_limit(parameters: ShiftParameters) -> float:
    """Return ``lim_{T→∞} S²/V``: ``(2C₁/λ)² ηλ(2 − ηλ)`` for λ > 0, ``inf`` for λ = 0."""
    decay = parameters.learning_rate * parameters.regularization
    if decay == 0.0:
        return math.inf
    drift_radius = 2.0 * parameters.gradient_clip_norm / parameters.regularization
    return drift_radius**2 * decay * (2.0 - decay)


def pabi_rho(*, steps, sigma: float, parameters: ShiftParameters):
    """Return ρ (rounded up) with ``D_α ≤ αρ`` after T noisy steps of noise σ."""
    sigma = _validate.positive("sigma", sigma)
    return _numerics.scalar_or_array(_numerics.pad_up(pabi_ratio(steps, parameters) / (2.0 * sigma * sigma)))


def pabi_sigma(*, steps: int, rho: float, parameters: ShiftParameters) -> float:
    """Return the least σ (rounded up) with :func:`pabi_rho` at most ρ after `steps` steps."""
    rho = _validate.positive("rho", rho)
    sigma = float(_numerics.pad_up(math.sqrt(float(pabi_ratio(steps, parameters)) / (2.0 * rho))))
    while pabi_rho(steps=steps, sigma=sigma, parameters=parameters) > rho:
        sigma = float(_numerics.up(sigma, 64))
    return sigma


def least_pabi_steps(*, sigma: float, rho: float, parameters: ShiftParameters, max_steps: int) -> int | None:
    """Return the least T in [1, max_steps] with :func:`pabi_rho` at most ρ, or ``None``."""
    steps = np.arange(1, max_steps + 1)
    met = pabi_rho(steps=steps, sigma=sigma, parameters=parameters) <= rho
    return int(steps[np.argmax(met)]) if met.any() else None


@dataclass(frozen=True)
class PabiSchedule:
    """Noise and steps of the gradient-clipping phase for a target (ε, δ).

    Attributes:
        steps: T, the fewest noisy steps that meet the target at noise σ.
        sigma: σ, the per-step noise standard deviation.
        rho: ρ with ``D_α ≤ αρ`` for every order α > 1, in both directions.
        rho_target: the largest ρ whose conversion meets the target.
        epsilon: the ε (≤ the target) that the curve ``αρ`` gives at δ.
        delta: the target δ.
    """

    steps: int
    sigma: float
    rho: float
    rho_target: float
    epsilon: float
    delta: float


def pabi_schedule(
    *, epsilon: float, delta: float, parameters: ShiftParameters, sigma: float | None = None, max_steps: int
) -> PabiSchedule:
    """Choose σ and the least T that meet (ε, δ) under the PABI bound.

    With `sigma` given, T is the least number of steps that meets the target. Without,
    σ is within :data:`NOISE_SLACK` of the least noise any number of steps allows, and
    T is again the least number of steps that meets the target at that σ.

    Raises:
        InvalidArgumentError: when no T up to `max_steps` meets the target.
    """
    rho_target = rho_for_target(epsilon=epsilon, delta=delta)
    if sigma is None:
        steps = np.arange(1, max_steps + 1)
        ratios = pabi_ratio(steps, parameters)
        floor = min(float(ratios.min()), pabi_ratio_limit(parameters))
        chosen = int(steps[np.argmax(ratios <= NOISE_SLACK**2 * floor)])
        sigma = pabi_sigma(steps=chosen, rho=rho_target, parameters=parameters)
    sigma = _validate.positive("sigma", sigma)
    steps_needed = least_pabi_steps(sigma=sigma, rho=rho_target, parameters=parameters, max_steps=max_steps)
    if steps_needed is None:
        least = math.sqrt(
            min(float(pabi_ratio(max_steps, parameters)), pabi_ratio_limit(parameters)) / (2 * rho_target)
        )
        raise _validate.fail(
            "sigma",
            f"at least {least:.6g} for (epsilon={epsilon:g}, delta={delta:g}) within max_steps={max_steps}",
            sigma,
        )
    rho = float(pabi_rho(steps=steps_needed, sigma=sigma, parameters=parameters))
    achieved = epsilon_for_rho(rho, delta=delta)
    # The schedule meets the target by construction; a failure here is a bug, not bad input.
    assert rho <= rho_target, (rho, rho_target)
    assert achieved <= epsilon, (achieved, epsilon)
    return PabiSchedule(steps=steps_needed, sigma=sigma, rho=rho, rho_target=rho_target, epsilon=achieved, delta=delta)


# -- model clipping: contraction of the hockey-stick divergence ---------------------------


@dataclass(frozen=True)
class ProjectionParameters:
    """The constants of one step ``x ← Π_{C₂}(κx − η clip(ḡ, C₁) + N(0, σ²I))``.

    Attributes:
        initial_clip_norm: C₀ > 0, radius of the ball the start is clipped into.
        projection_radius: C₂ > 0, radius of the ball every noisy iterate is projected on.
        gradient_clip_norm: C₁ > 0.
        learning_rate: η > 0.
        regularization: λ ≥ 0 with ηλ < 1.
        sigma: σ > 0, noise standard deviation per step.
    """

    initial_clip_norm: float
    projection_radius: float
    gradient_clip_norm: float
    learning_rate: float
    regularization: float
    sigma: float

    def __post_init__(self) -> None:
        _validate.positive("initial_clip_norm", self.initial_clip_norm)
        _validate.positive("projection_radius", self.projection_radius)
        _validate.positive("gradient_clip_norm", self.gradient_clip_norm)
        _validate.positive("learning_rate", self.learning_rate)
        _validate.non_negative("regularization", self.regularization)
        _validate.in_interval(
            "learning_rate * regularization", self.learning_rate * self.regularization, 0.0, 1.0, high_open=True
        )
        _validate.positive("sigma", self.sigma)

    def step_sensitivity(self, step: int) -> float:
        """Return ``κD + 2ηC₁`` (rounded up): the largest distance between the means of step `step`.

        D is the diameter of the inputs' ball: ``2C₀`` at step 0, ``2C₂`` afterwards.
        """
        kappa = 1.0 - self.learning_rate * self.regularization
        diameter = 2.0 * (self.initial_clip_norm if step == 0 else self.projection_radius)
        return float(_numerics.pad_up(kappa * diameter + 2.0 * self.learning_rate * self.gradient_clip_norm))


def contracted_epsilon(epsilon: float, delta_bound: float) -> float:
    """Return ``ε̃ = log(1 + (e^ε − 1)/δ)`` rounded down, computed in log space."""
    log_numerator = np.logaddexp(math.log(delta_bound), math.log(math.expm1(epsilon)))
    value = float(log_numerator) - math.log(delta_bound)
    return max(
        0.0, float(_numerics.down(value - 1e-12 * (abs(float(log_numerator)) + abs(math.log(delta_bound)) + 1.0)))
    )


def model_clipping_deltas(
    *, epsilon: float, parameters: ProjectionParameters, target: float, max_steps: int
) -> list[float]:
    """Return ``[δ_0, δ_1, …, δ_T]``: upper bounds on the hockey-stick divergence at ``e^ε``.

    ``δ_0 = 1`` (two arbitrary starting points) and
    ``δ_{t+1} = δ_t · θ_{ε̃_t}(r_t)`` with ``ε̃_t = log(1 + (e^ε − 1)/δ_t)``, ``θ`` the Gaussian
    privacy profile and ``r_t`` the step sensitivity over σ. The list stops at the first
    ``δ_T ≤ target`` or after `max_steps` steps, whichever comes first.
    """
    epsilon = _validate.positive("epsilon", epsilon)
    target = _validate.probability_open("target", target)
    deltas = [1.0]
    for step in range(max_steps):
        current = deltas[-1]
        if current <= target:
            break
        shrink = float(
            gaussian_delta(
                contracted_epsilon(epsilon, current),
                sigma=parameters.sigma,
                sensitivity=parameters.step_sensitivity(step),
            )
        )
        deltas.append(min(current, float(_numerics.pad_up(current * shrink))))
    return deltas


@dataclass(frozen=True)
class ContractionSchedule:
    """Steps of the model-clipping phase for a target (ε, δ).

    Attributes:
        steps: T, the fewest noisy steps whose δ bound meets the target.
        epsilon: the target ε.
        delta: δ_T ≤ the target δ.
        deltas: the running bounds δ_0 … δ_T.
    """

    steps: int
    epsilon: float
    delta: float
    deltas: tuple[float, ...]


def contraction_schedule(
    *, epsilon: float, delta: float, parameters: ProjectionParameters, max_steps: int
) -> ContractionSchedule:
    """Return the least number of model-clipping steps that meets (ε, δ).

    Raises:
        InvalidArgumentError: when `max_steps` steps do not reach δ.
    """
    deltas = model_clipping_deltas(epsilon=epsilon, parameters=parameters, target=delta, max_steps=max_steps)
    if deltas[-1] > delta:
        raise _validate.fail(
            "max_steps",
            f"large enough for delta={delta:g} (after {max_steps} steps the bound is {deltas[-1]:.3g}; "
            "raise sigma or max_steps)",
            max_steps,
        )
    return ContractionSchedule(steps=len(deltas) - 1, epsilon=epsilon, delta=deltas[-1], deltas=tuple(deltas))


# -- output perturbation -------------------------------------------------------------------


def output_perturbation_sigma(*, epsilon: float, delta: float, initial_clip_norm: float) -> float:
    """Return the least σ (rounded up) making ``clip(x, C₀) + N(0, σ²I)`` (ε, δ)-close for any pair.

    The analytic Gaussian mechanism (Balle and Wang 2018) with sensitivity ``2C₀``, the
    diameter of the ball; valid for every ε > 0, unlike the classical rule.
    """
    initial_clip_norm = _validate.positive("initial_clip_norm", initial_clip_norm)
    return float(calibrate_analytic_gaussian(epsilon=epsilon, delta=delta, sensitivity=2.0 * initial_clip_norm))
