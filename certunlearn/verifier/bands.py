"""Confidence bands and intervals for the audit.

* Empirical CDFs with simultaneous bands from the Dvoretzky–Kiefer–Wolfowitz inequality
  with Massart's constant: ``P(sup_r |F̂_n(r) − F(r)| > t) ≤ 2 exp(−2 n t²)`` (Massart 1990),
  so ``t = sqrt(ln(2/α) / (2n))`` gives coverage ``1 − α`` at every radius at once.
* Exact (Clopper–Pearson) binomial confidence bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .. import _validate


def dkw_halfwidth(n: int, alpha: float) -> float:
    """Return ``sqrt(ln(2/α) / (2n))``: the two-sided DKW band half-width at level 1 − α."""
    n = _validate.integer_at_least("n", n, 1)
    alpha = _validate.probability_open("alpha", alpha)
    return math.sqrt(math.log(2.0 / alpha) / (2.0 * n))


@dataclass(frozen=True)
class CdfBand:
    """An empirical CDF on a grid and its simultaneous band (coverage ≥ 1 − alpha)."""

    radii: np.ndarray
    cdf: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    halfwidth: float
    alpha: float
    n: int


def empirical_cdf_band(samples, radii, *, alpha: float) -> CdfBand:
    """Return ``F̂(r) = #{samples ≤ r}/n`` at each radius with its DKW band.

    Samples may be +inf (a depth beyond the probe's grid).
    """
    samples = np.asarray(samples, dtype=float)
    if samples.ndim != 1 or samples.size == 0 or np.any(np.isnan(samples)):
        raise _validate.fail("samples", "a non-empty 1-D array without NaN", samples)
    radii = np.asarray(radii, dtype=float)
    cdf = np.mean(samples[None, :] <= radii[:, None], axis=1)
    halfwidth = dkw_halfwidth(samples.size, alpha)
    return CdfBand(
        radii=radii,
        cdf=cdf,
        lower=np.clip(cdf - halfwidth, 0.0, 1.0),
        upper=np.clip(cdf + halfwidth, 0.0, 1.0),
        halfwidth=halfwidth,
        alpha=alpha,
        n=int(samples.size),
    )


def clopper_pearson_upper(successes, trials, *, alpha: float):
    """One-sided upper confidence bound of level 1 − α on a binomial proportion."""
    successes = np.asarray(successes)
    trials = np.asarray(trials)
    with np.errstate(invalid="ignore"):
        bound = stats.beta.ppf(1.0 - alpha, successes + 1, trials - successes)
    return np.where(successes >= trials, 1.0, bound)


def clopper_pearson_lower(successes, trials, *, alpha: float):
    """One-sided lower confidence bound of level 1 − α on a binomial proportion."""
    successes = np.asarray(successes)
    trials = np.asarray(trials)
    with np.errstate(invalid="ignore"):
        bound = stats.beta.ppf(alpha, successes, trials - successes + 1)
    return np.where(successes <= 0, 0.0, bound)
