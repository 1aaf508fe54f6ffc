"""Outward rounding that leaves exact zeros alone.

:func:`certunlearn._numerics.pad_up` moves every value up by a few ulps, which turns an
exact 0 into a subnormal positive number. Where a zero is exact (no outcome has a larger
privacy loss, no mass was removed), that would make a later comparison such as
``delta <= target`` fail for ``target = 0``. These helpers keep such zeros.
"""

from __future__ import annotations

import numpy as np

from .. import _numerics


def pad_up_keep_zero(values, margin: float = _numerics.SPECIAL_FUNCTION_MARGIN):
    """Return :func:`~certunlearn._numerics.pad_up` of `values`, with exact zeros kept at 0."""
    array = np.asarray(values, dtype=float)
    return np.where(array == 0.0, 0.0, _numerics.pad_up(array, margin))
