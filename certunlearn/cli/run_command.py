"""``certunlearn run``: train, unlearn, retrain over many seeds, probe depth, check the bound."""

from __future__ import annotations


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("run", help="(being written)")
    parser.set_defaults(handler=lambda args: 1)
