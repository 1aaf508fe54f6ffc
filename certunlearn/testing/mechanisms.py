"""Pairs of laws whose event probabilities and privacy profiles are known exactly.

Each pair stands for a mechanism on two neighbouring inputs (or an unlearned and a
reference model). ``event_probabilities`` returns, for a family of events that contains
the likelihood-ratio (Neyman–Pearson) events, the probability of each event under the
first law and under the second. A sound transfer function h must satisfy
``first ≤ h(second)`` and ``second ≤ h(first)`` on every event; on these families the
largest violation of any event is attained, so checking them is as strong as checking all
events (for the one-dimensional pairs, every likelihood-ratio set is a half-line; for the
finite pairs, every event is listed).

The probabilities are computed with scipy's normal CDF (accurate to a few ulps), the
Laplace CDF in closed form, or exact finite sums.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from .. import _validate
from ..bounds import gdp_delta, laplace_delta, optimal_composition_delta

# Event probabilities of the continuous pairs below this value may have underflowed in
# double precision; the soundness check skips events whose reference is that small.
CONTINUOUS_UNDERFLOW_FLOOR = 1e-280


def _half_lines(first_upper: np.ndarray, second_upper: np.ndarray, first_lower: np.ndarray, second_lower: np.ndarray):
    """Stack the events {x > t} and {x ≤ t} for every threshold."""
    return np.concatenate([first_upper, first_lower]), np.concatenate([second_upper, second_lower])


@dataclass(frozen=True)
class GaussianPair:
    """``N(μ, 1)`` against ``N(0, 1)``: the Gaussian mechanism with ``Δ/σ = μ`` (exactly μ-GDP)."""

    mu: float
    underflow_floor = CONTINUOUS_UNDERFLOW_FLOOR

    def __post_init__(self) -> None:
        _validate.non_negative("mu", self.mu)

    def event_probabilities(self, thresholds):
        t = np.asarray(thresholds, dtype=float)
        return _half_lines(special.ndtr(self.mu - t), special.ndtr(-t), special.ndtr(t - self.mu), special.ndtr(t))

    def delta(self, epsilon):
        """Exact privacy profile (Balle and Wang 2018)."""
        return gdp_delta(epsilon, mu=self.mu)

    def rdp(self, orders):
        """Exact Rényi divergence ``αμ²/2``."""
        return np.asarray(orders, dtype=float) * self.mu**2 / 2.0

    def default_thresholds(self):
        return np.linspace(-12.0, 12.0 + self.mu, 97)


@dataclass(frozen=True)
class LaplacePair:
    """``Lap(1, b)`` against ``Lap(0, b)``: the Laplace mechanism, ``ε₀ = 1/b``."""

    scale: float
    underflow_floor = CONTINUOUS_UNDERFLOW_FLOOR

    def __post_init__(self) -> None:
        _validate.positive("scale", self.scale)

    def _cdf(self, x, location):
        z = (np.asarray(x, dtype=float) - location) / self.scale
        return np.where(z < 0, 0.5 * np.exp(np.minimum(z, 0.0)), 1.0 - 0.5 * np.exp(-np.maximum(z, 0.0)))

    def _survival(self, x, location):
        z = (np.asarray(x, dtype=float) - location) / self.scale
        return np.where(z > 0, 0.5 * np.exp(-np.maximum(z, 0.0)), 1.0 - 0.5 * np.exp(np.minimum(z, 0.0)))

    def event_probabilities(self, thresholds):
        t = np.asarray(thresholds, dtype=float)
        return _half_lines(self._survival(t, 1.0), self._survival(t, 0.0), self._cdf(t, 1.0), self._cdf(t, 0.0))

    def delta(self, epsilon):
        return laplace_delta(epsilon, noise_multiplier=self.scale)

    def default_thresholds(self):
        return np.linspace(-20.0 * self.scale, 1.0 + 20.0 * self.scale, 97)


@dataclass(frozen=True)
class SubsampledGaussianPair:
    """``(1−q) N(0, z²) + q N(1, z²)`` against ``N(0, z²)``: one step of Poisson-subsampled noisy SGD.

    The likelihood ratio ``(1 − q) + q e^{(2x−1)/(2z²)}`` increases in x, so half-lines are
    the Neyman–Pearson events in both directions.
    """

    noise_multiplier: float
    sampling_probability: float
    underflow_floor = CONTINUOUS_UNDERFLOW_FLOOR

    def __post_init__(self) -> None:
        _validate.positive("noise_multiplier", self.noise_multiplier)
        _validate.in_interval("sampling_probability", self.sampling_probability, 0.0, 1.0)

    def event_probabilities(self, thresholds):
        t = np.asarray(thresholds, dtype=float)
        z, q = self.noise_multiplier, self.sampling_probability
        mixture_upper = (1 - q) * special.ndtr(-t / z) + q * special.ndtr((1 - t) / z)
        mixture_lower = (1 - q) * special.ndtr(t / z) + q * special.ndtr((t - 1) / z)
        return _half_lines(mixture_upper, special.ndtr(-t / z), mixture_lower, special.ndtr(t / z))

    def default_thresholds(self):
        z = self.noise_multiplier
        return np.linspace(-12.0 * z, 1.0 + 12.0 * z, 97)


@dataclass(frozen=True)
class FinitePair:
    """Two laws on finitely many outcomes.

    The events returned are the likelihood-ratio sets in both directions: the outcomes
    sorted by ``first/second`` (and by ``second/first``), and every prefix of that order.
    For a fixed probability under one law these sets (and randomised mixtures of two
    consecutive ones) maximise the probability under the other (Neyman–Pearson), so a
    concave h that holds on them holds on every event.
    """

    first: tuple[float, ...]
    second: tuple[float, ...]

    def event_probabilities(self, thresholds=None):
        first = np.asarray(self.first, dtype=float)
        second = np.asarray(self.second, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            forward = np.argsort(-np.where(second > 0, first / second, np.inf), kind="stable")
            backward = np.argsort(-np.where(first > 0, second / first, np.inf), kind="stable")
        sets_first, sets_second = [np.zeros(1)], [np.zeros(1)]
        for order in (forward, backward):
            sets_first.append(np.cumsum(first[order]))
            sets_second.append(np.cumsum(second[order]))
        return np.clip(np.concatenate(sets_first), 0.0, 1.0), np.clip(np.concatenate(sets_second), 0.0, 1.0)

    def compose(self, other: FinitePair) -> FinitePair:
        """Return the product pair: both mechanisms run independently."""
        return FinitePair(
            first=tuple(np.outer(self.first, other.first).ravel()),
            second=tuple(np.outer(self.second, other.second).ravel()),
        )

    def delta(self, epsilon):
        """Exact hockey-stick divergence, the larger of the two directions."""
        epsilon = np.atleast_1d(np.asarray(epsilon, dtype=float))
        first = np.asarray(self.first, dtype=float)[None, :]
        second = np.asarray(self.second, dtype=float)[None, :]
        scale = np.exp(epsilon)[:, None]
        forward = np.maximum(first - scale * second, 0.0).sum(axis=1)
        backward = np.maximum(second - scale * first, 0.0).sum(axis=1)
        return np.maximum(forward, backward)

    def default_thresholds(self):
        return None


def randomized_response_pair(epsilon: float) -> FinitePair:
    """Return binary randomized response with parameter ε, which is exactly ε-DP."""
    epsilon = _validate.non_negative("epsilon", epsilon)
    keep = math.exp(epsilon) / (1.0 + math.exp(epsilon))
    return FinitePair(first=(keep, 1.0 - keep), second=(1.0 - keep, keep))


def canonical_pair(epsilon: float, delta: float) -> FinitePair:
    """Return the four-outcome pair that attains (ε, δ) with equality and dominates every (ε, δ) pair."""
    epsilon = _validate.non_negative("epsilon", epsilon)
    delta = _validate.in_interval("delta", delta, 0.0, 1.0)
    keep = math.exp(epsilon) / (1.0 + math.exp(epsilon))
    rest = 1.0 - delta
    return FinitePair(
        first=(delta, rest * keep, rest * (1.0 - keep), 0.0),
        second=(0.0, rest * (1.0 - keep), rest * keep, delta),
    )


def composed_canonical_delta(total_epsilon, *, epsilon: float, delta: float, requests: int):
    """Return the exact δ(ε') of the k-fold product of canonical (ε, δ) pairs."""
    return optimal_composition_delta(total_epsilon, epsilon=epsilon, delta=delta, requests=requests)
