"""Directed formatting: printed upper bounds never below, lower bounds never above the value.

The text is compared with the value as a double: a printed number is read back with
``float``. Shortest round-trip text denotes the very same double, so it is exact in
that sense even when its decimal value differs from the binary one in the last place.
"""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from certunlearn._formatting import format_down, format_exact, format_up

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)


@given(value=finite, digits=st.integers(min_value=1, max_value=12))
def test_format_up_is_never_below(value, digits):
    assert float(format_up(value, digits)) >= value


@given(value=finite, digits=st.integers(min_value=1, max_value=12))
def test_format_down_is_never_above(value, digits):
    assert float(format_down(value, digits)) <= value


@given(value=finite.filter(lambda number: len(repr(abs(number))) > 20), digits=st.integers(min_value=1, max_value=12))
def test_rounded_text_is_directed_in_decimal(value, digits):
    """When rounding happens, the decimal text itself lies on the safe side of the binary value."""
    assert Decimal(format_up(value, digits)) >= Decimal(value)
    assert Decimal(format_down(value, digits)) <= Decimal(value)


def test_formatting_examples():
    assert format_up(3.730631634820016, 8) == "3.7306317"
    assert format_down(0.0919662, 4) == "0.09196"
    assert format_up(0.0919662, 4) == "0.09197"
    assert format_up(1e-5) == "1e-05"
    assert format_up(math.inf) == "inf"
    assert format_down(0.0) == "0"
    assert format_exact(2.0) == "2"
    assert format_exact(1e-5) == "1e-05"
