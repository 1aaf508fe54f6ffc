"""Argument checks at the public boundary, with one message form.

Every check raises :class:`InvalidArgumentError` (a :class:`ValueError`) whose message
names the argument, the allowed range with its open or closed ends, and the value
received, on one line. The command-line interface prints that line unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np


class InvalidArgumentError(ValueError):
    """An argument outside its allowed range or set."""


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array with bad entries {value.ravel()[:3].tolist()}"
    return repr(value)


def fail(name: str, allowed: str, value: Any) -> InvalidArgumentError:
    """Build the standard error: `name must be ALLOWED, got VALUE`."""
    return InvalidArgumentError(f"{name} must be {allowed}, got {_show(value)}")


def _as_float(name: str, value: Any, allowed: str) -> float:
    # float() would accept "1" and True; a number given as text or a flag is a caller's mistake.
    if isinstance(value, (bool, np.bool_, str, bytes)):
        raise fail(name, allowed, value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise fail(name, allowed, value) from None
    if math.isnan(number):
        raise fail(name, allowed, value)
    return number


def in_interval(
    name: str,
    value: Any,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return `value` as a float after checking it lies in the given interval.

    NaN is always rejected. Infinite ends are written as such in the message.
    """
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    allowed = f"in {left}{_format_end(low)}, {_format_end(high)}{right}"
    number = _as_float(name, value, allowed)
    too_low = number <= low if low_open else number < low
    too_high = number >= high if high_open else number > high
    if too_low or too_high:
        raise fail(name, allowed, value)
    return number


def positive(name: str, value: Any, *, allow_inf: bool = False) -> float:
    """Return `value` as a float after checking `value > 0` (finite unless allowed)."""
    return in_interval(name, value, 0.0, math.inf, low_open=True, high_open=not allow_inf)


def non_negative(name: str, value: Any, *, allow_inf: bool = False) -> float:
    """Return `value` as a float after checking `value >= 0` (finite unless allowed)."""
    return in_interval(name, value, 0.0, math.inf, high_open=not allow_inf)


def probability_open(name: str, value: Any) -> float:
    """Return `value` after checking it lies in the open interval (0, 1)."""
    return in_interval(name, value, 0.0, 1.0, low_open=True, high_open=True)


def integer_at_least(name: str, value: Any, minimum: int) -> int:
    """Return `value` as an int after checking it is an integer >= `minimum`."""
    allowed = f"an integer >= {minimum}"
    if isinstance(value, bool):
        raise fail(name, allowed, value)
    if isinstance(value, (int, np.integer)):
        number = int(value)
    elif isinstance(value, (float, np.floating)) and float(value).is_integer():
        number = int(value)
    else:
        raise fail(name, allowed, value)
    if number < minimum:
        raise fail(name, allowed, value)
    return number


def one_of(name: str, value: Any, choices: Iterable[str]) -> str:
    """Return `value` after checking it is one of `choices`."""
    options = list(choices)
    if value not in options:
        listed = ", ".join(repr(choice) for choice in options)
        raise fail(name, f"one of {listed}", value)
    return value


def array_in_interval(
    name: str,
    values: Any,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> np.ndarray:
    """Return `values` as a float array after checking every entry lies in the interval."""
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    allowed = f"in {left}{_format_end(low)}, {_format_end(high)}{right}"
    raw = np.asarray(values)
    if raw.dtype.kind not in "iuf":
        raise fail(name, f"{'a number' if raw.ndim == 0 else 'numbers'} {allowed}", values)
    array = raw.astype(float)
    bad = np.isnan(array)
    bad |= (array <= low) if low_open else (array < low)
    bad |= (array >= high) if high_open else (array > high)
    if np.any(bad):
        if array.ndim == 0:
            raise fail(name, allowed, float(array))
        raise fail(name, allowed + " in every entry", array[bad])
    return array


def _format_end(value: float) -> str:
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:g}"
