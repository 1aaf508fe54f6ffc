"""Output helpers for the command line (re-exported from :mod:`certunlearn._formatting`)."""

from .._formatting import dumps, table, to_jsonable

__all__ = ["dumps", "table", "to_jsonable"]
