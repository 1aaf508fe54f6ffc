"""Vectorised bracketed bisection that always returns the safe end of the bracket.

Every calibration and inversion in :mod:`certunlearn.bounds` is a search for the
boundary of a monotone predicate ``unsafe(x)``: "the bound at ``x`` exceeds the
target". The searches below keep a bracket ``[safe, unsafe]`` (or ``[unsafe, safe]``)
for each element of an array, shrink it by bisection, and return the end on which the
predicate is false. The result is therefore sound by construction, whatever the
tolerance: only the distance to the exact boundary depends on it.

The predicate receives the candidate values and the flat indices of the elements they
belong to, so that it can look up per-element parameters.
"""

from __future__ import annotations

import numpy as np

from .. import _numerics

# Relative bracket width at which bisection stops.
BISECTION_TOLERANCE = 1e-13
MAX_BISECTION_STEPS = 400
# Bracket expansion by a factor of 4 (or 2) per step reaches the float range in far
# fewer steps than this. The cap only stops a predicate that is never decided.
_MAX_EXPANSION_STEPS = 2000
_TINY = 1e-300


def largest_safe(guess: np.ndarray, unsafe) -> np.ndarray:
    """Return the largest x > 0 with ``unsafe(x) == False``, for `unsafe` increasing in x.

    Args:
        guess: positive starting points, one per element (flat array).
        unsafe: ``unsafe(x, index) -> bool array``; monotone: once true, true for
            every larger x.

    Returns:
        The lower end of a bracket [safe, unsafe] of relative width below
        :data:`BISECTION_TOLERANCE`, so every returned value is itself safe. An element
        whose predicate is false up to the largest float returns ``inf``.
    """
    index = np.arange(guess.size)
    low = np.asarray(guess, dtype=float).copy()
    high = low.copy()
    for _ in range(_MAX_EXPANSION_STEPS):
        bad = unsafe(low, index)
        if not np.any(bad):
            break
        low = np.where(bad, low / 4.0, low)
        high = np.where(bad, low * 4.0, high)
    for _ in range(_MAX_EXPANSION_STEPS):
        good = ~unsafe(high, index) & np.isfinite(high)
        if not np.any(good):
            break
        low = np.where(good, high, low)
        with np.errstate(over="ignore"):
            high = np.where(good, high * 4.0, high)
    for _ in range(MAX_BISECTION_STEPS):
        open_ = np.isfinite(high) & (high / low - 1.0 > BISECTION_TOLERANCE)
        if not np.any(open_):
            break
        middle = np.sqrt(low * high)
        bad = unsafe(middle, index)
        low = np.where(open_ & ~bad, middle, low)
        high = np.where(open_ & bad, middle, high)
    return low


def smallest_safe(guess: np.ndarray, unsafe, index: np.ndarray) -> np.ndarray:
    """Return the smallest x > 0 with ``unsafe(x) == False``, for `unsafe` decreasing in x.

    Args:
        guess: positive starting points, one per element.
        unsafe: ``unsafe(x, index) -> bool array``; monotone: once false, false for
            every larger x.
        index: the flat indices passed through to `unsafe`.

    Returns:
        The upper end of a bracket [unsafe, safe] of relative width below
        :data:`BISECTION_TOLERANCE`, moved up by a few ulps. An element that is unsafe
        up to the largest float returns ``inf``: no finite value is safe.
    """
    high = np.asarray(guess, dtype=float).copy()
    for _ in range(_MAX_EXPANSION_STEPS):
        bad = unsafe(high, index) & np.isfinite(high)
        if not np.any(bad):
            break
        with np.errstate(over="ignore"):
            high = np.where(bad, high * 2.0, high)
    low = high / 2.0
    for _ in range(_MAX_EXPANSION_STEPS):
        good = np.isfinite(high) & ~unsafe(low, index) & (low > _TINY)
        if not np.any(good):
            break
        high = np.where(good, low, high)
        low = np.where(good, low / 2.0, low)
    for _ in range(MAX_BISECTION_STEPS):
        open_ = np.isfinite(high) & (high / np.maximum(low, _TINY) - 1.0 > BISECTION_TOLERANCE)
        if not np.any(open_):
            break
        middle = 0.5 * (low + high)
        bad = unsafe(middle, index)
        high = np.where(open_ & ~bad, middle, high)
        low = np.where(open_ & bad, middle, low)
    return _numerics.up(high)


def smallest_safe_integer(unsafe, *, start: int = 1, limit: int) -> int | None:
    """Return the smallest integer n in [start, limit] with ``unsafe(n) == False``.

    `unsafe` must be monotone decreasing in n (false from some n on). Returns ``None``
    when every n up to `limit` is unsafe.
    """
    if not unsafe(start):
        return start
    low, high = start, start
    while unsafe(high):
        if high >= limit:
            return None
        low, high = high, min(limit, 2 * high)
    while high - low > 1:
        middle = (low + high) // 2
        if unsafe(middle):
            low = middle
        else:
            high = middle
    return high


def largest_safe_integer(unsafe, *, limit: int) -> int:
    """Return the largest integer n in [0, limit] with ``unsafe(n) == False`` (or -1).

    `unsafe` must be monotone increasing in n (true from some n on).
    """
    if unsafe(0):
        return -1
    first_unsafe = smallest_safe_integer(lambda n: not unsafe(n), start=1, limit=limit)
    return limit if first_unsafe is None else first_unsafe - 1
