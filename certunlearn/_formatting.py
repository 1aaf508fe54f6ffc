"""Strict JSON and plain-text tables, shared by the verifier reports and the command line."""

from __future__ import annotations

import decimal
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np


def to_jsonable(value: Any) -> Any:
    """Convert numpy values and non-finite floats into strict-JSON values.

    Infinities become the strings ``"inf"`` and ``"-inf"`` (read back by
    :func:`certunlearn.bounds.certificate_from_dict`); NaN becomes ``null``.
    """
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(item) for item in value.tolist()]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isnan(number):
            return None
        if math.isinf(number):
            return "inf" if number > 0 else "-inf"
        return number
    return value


def dumps(value: Any, *, indent: int | None = None) -> str:
    """Serialise to strict JSON (no NaN or Infinity literals)."""
    return json.dumps(to_jsonable(value), indent=indent, allow_nan=False)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Render a left-aligned plain-text table."""
    cells = [[_cell(item) for item in row] for row in rows]
    widths = [
        max(len(header), *(len(row[i]) for row in cells)) if cells else len(header) for i, header in enumerate(headers)
    ]
    lines = ["  ".join(header.ljust(width) for header, width in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    lines.extend("  ".join(item.ljust(width) for item, width in zip(row, widths, strict=True)) for row in cells)
    return "\n".join(line.rstrip() for line in lines)


def _cell(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isinf(number):
            return "inf" if number > 0 else "-inf"
        return f"{number:.4g}"
    return str(value)


def format_exact(value: float) -> str:
    """Format an input value by its shortest exact representation."""
    number = float(value)
    return repr(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def format_up(value: float, digits: int = 6) -> str:
    """Format with `digits` significant digits, rounded towards +inf (for upper bounds)."""
    return _format_directed(value, digits, decimal.ROUND_CEILING)


def format_down(value: float, digits: int = 6) -> str:
    """Format with `digits` significant digits, rounded towards -inf (for lower bounds)."""
    return _format_directed(value, digits, decimal.ROUND_FLOOR)


def _format_directed(value: float, digits: int, rounding: str) -> str:
    number = float(value)
    if math.isnan(number):
        return "nan"
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    if number == 0.0:
        return "0"
    shortest = repr(number)
    if len(shortest.lstrip("-").replace(".", "").split("e")[0].strip("0")) <= digits:
        # The shortest text that reads back as this very float: no rounding happens.
        return _trim(f"{number:.{digits}g}")
    # Decimal(float) is the exact binary value, so rounding it keeps the direction exact.
    exact = decimal.Decimal(number)
    exponent = exact.adjusted() - digits + 1
    rounded = exact.quantize(decimal.Decimal(1).scaleb(exponent), rounding=rounding)
    text = f"{rounded:f}" if -4 <= rounded.adjusted() < digits else f"{rounded:.{digits - 1}e}"
    return _trim(text)


def _trim(text: str) -> str:
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{int(exponent):+03d}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
