"""Confidence bands and intervals for the audit.

An empirical CDF on a grid of G radii gets a band that covers the true CDF at every
grid radius simultaneously with probability at least ``1 − α``. It is the intersection
of two bands, each at level ``1 − α/2``:

* the Dvoretzky–Kiefer–Wolfowitz band with Massart's constant,
  ``P(sup_r |F̂_n(r) − F(r)| > t) ≤ 2 exp(−2 n t²)`` (Massart 1990), so
  ``t = sqrt(ln(4/α) / (2n))``: tight in the middle of the range;
* exact Clopper–Pearson intervals at each grid radius, two-sided at level ``α/(2G)``
  (Bonferroni over the grid): tight near 0 and 1, where Theorem 1 is decided.

Both hold together with probability at least ``1 − α`` (union bound), and so does their
intersection.
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
    """An empirical CDF on a grid and its simultaneous band (coverage ≥ 1 − alpha).

    ``halfwidth`` is the DKW part; the band can be narrower where Clopper–Pearson is.
    """

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
    alpha = _validate.probability_open("alpha", alpha)
    radii = np.asarray(radii, dtype=float)
    counts = np.sum(samples[None, :] <= radii[:, None], axis=1)
    n = samples.size
    cdf = counts / n
    halfwidth = dkw_halfwidth(n, alpha / 2)
    per_side = alpha / (4 * radii.size)
    lower = np.maximum(cdf - halfwidth, clopper_pearson_lower(counts, n, alpha=per_side))
    upper = np.minimum(cdf + halfwidth, clopper_pearson_upper(counts, n, alpha=per_side))
    return CdfBand(
        radii=radii,
        cdf=cdf,
        lower=np.clip(lower, 0.0, 1.0),
        upper=np.clip(upper, 0.0, 1.0),
        halfwidth=halfwidth,
        alpha=alpha,
        n=int(n),
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
