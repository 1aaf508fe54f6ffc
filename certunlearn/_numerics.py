"""Directed rounding helpers: every bound leaves this module on its safe side.

Floating-point results carry a relative error of a few units in the last place. The
helpers below move a computed value outward by a fixed number of ulps (and, where a
library special function is involved, by an explicit relative margin) so that an upper
bound stays above the exact value and a lower bound stays below it.
"""

from __future__ import annotations

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
