"""Directed rounding helpers: every bound leaves this module on its safe side.

Floating-point results carry a relative error of a few units in the last place. The
helpers below move a computed value outward by a fixed number of ulps (and, where a
library special function is involved, by an explicit relative margin) so that an upper
bound stays above the exact value and a lower bound stays below it.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

# Relative margin applied after scipy special functions (ndtr, ndtri, log_ndtr, erfcx).
# Their documented accuracy is a few ulps in double precision; 1e-12 is about 4,500 ulps,
# enough to absorb them and the arithmetic around them, and far below any tolerance a
# user would notice. The tests check the padded values against mpmath at 50 digits.
SPECIAL_FUNCTION_MARGIN = 1e-12


def up(values, ulps: int = 4):
    """Move `values` up by `ulps` units in the last place (towards +inf)."""
    result = np.asarray(values, dtype=float)
    for _ in range(ulps):
        result = np.nextafter(result, np.inf)
    return result


def down(values, ulps: int = 4):
    """Move `values` down by `ulps` units in the last place (towards -inf)."""
    result = np.asarray(values, dtype=float)
    for _ in range(ulps):
        result = np.nextafter(result, -np.inf)
    return result


def pad_up(values, margin: float = SPECIAL_FUNCTION_MARGIN):
    """Enlarge non-negative `values` by a relative `margin`, then by a few ulps."""
    array = np.asarray(values, dtype=float)
    return up(array + np.abs(array) * margin)


def pad_down(values, margin: float = SPECIAL_FUNCTION_MARGIN):
    """Shrink `values` by a relative `margin`, then by a few ulps."""
    array = np.asarray(values, dtype=float)
    return down(array - np.abs(array) * margin)


def scalar_or_array(values):
    """Return a Python float for 0-d input and the array otherwise."""
    array = np.asarray(values)
    return float(array) if array.ndim == 0 else array


def ceil_to_float(exact: Fraction | float) -> float:
    """Return the least double that is at least the exact rational `exact` (inf stays inf)."""
    if isinstance(exact, float) and math.isinf(exact):
        return exact
    value = float(exact)  # correctly rounded to nearest
    if Fraction(value) < exact:
        value = math.nextafter(value, math.inf)
    return value


def ceil_sqrt(exact: Fraction) -> float:
    """Return the least double whose square is at least the exact rational `exact` ≥ 0."""
    value = math.sqrt(float(exact))
    while Fraction(value) ** 2 < exact:
        value = math.nextafter(value, math.inf)
    while value > 0 and Fraction(math.nextafter(value, 0.0)) ** 2 >= exact:
        value = math.nextafter(value, 0.0)
    return value


def ceil_sum(values) -> float:
    """Return the least double at least the exact sum of `values` (inf when one is inf)."""
    values = [float(value) for value in values]
    if any(math.isinf(value) for value in values):
        return math.inf
    return ceil_to_float(sum(map(Fraction, values)))


def ceil_product(factor: int, value: float) -> float:
    """Return the least double at least ``factor · value`` for an integer factor ≥ 0."""
    value = float(value)
    if math.isinf(value):
        return value if factor else 0.0
    return ceil_to_float(factor * Fraction(value))
