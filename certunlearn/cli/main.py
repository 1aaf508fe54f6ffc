"""Entry point: parse the command line, dispatch to a command, report errors on one line.

Each command module exposes ``add_parser(subparsers)``, which registers its arguments
and sets ``handler``; a handler takes the parsed arguments and returns the exit status.
Invalid input raises :class:`certunlearn._validate.InvalidArgumentError` (or another
``ValueError`` from the library), which is printed as one line on stderr.
"""

from __future__ import annotations

import argparse
import sys

from .. import __version__


class _OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr, without the usage block."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from . import bounds_command, calibrate_command, run_command

    parser = _OneLineParser(
        prog="certunlearn",
        description="Certified machine unlearning: depth bounds, certified algorithms and their verification.",
    )
    parser.add_argument("--version", action="version", version=f"certunlearn {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    for module in (calibrate_command, bounds_command, run_command):
        module.add_parser(subparsers)
    for module in _optional_commands():
        module.add_parser(subparsers)
    return parser


def _optional_commands():
    """Command modules that later parts of the package add (account, methods)."""
    modules = []
    for name in ("account_command", "methods_command"):
        try:
            modules.append(__import__(f"{__package__}.{name}", fromlist=[name]))
        except ModuleNotFoundError as error:
            if error.name != f"{__package__}.{name}":
                raise
    return modules


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ValueError as error:
        # Library validation errors are already one line naming the argument.
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"certunlearn {args.command}: error: {message}", file=sys.stderr)
        return 2
    except FileNotFoundError as error:
        print(f"certunlearn {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"certunlearn {args.command}: interrupted; no report was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
