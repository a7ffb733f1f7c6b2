"""The ``python -m verify`` parser: a registry of subcommands and the entry point :func:`main`.

Subcommands are a registry (:data:`SUBCOMMANDS`): each entry names a module that provides

* ``HELP`` — one line for ``python -m verify --help``;
* ``add_arguments(parser)`` — fills in the subcommand's ``argparse`` parser;
* ``run(args) -> int`` — executes it and returns the exit status.

A new subcommand is one module in :mod:`verify.cli` and one line in :data:`SUBCOMMANDS`.

Errors: argparse's, and any ``TypeError`` / ``ValueError`` / ``FileNotFoundError`` a subcommand
lets through, print one line ``error: ...`` on stderr and exit with status 2
(:mod:`verify.cli.common`); an interrupt exits with 130.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from verify.cli.common import USAGE_ERRORS, OneLineParser, fail

__all__ = ["EXIT_INTERRUPTED", "SUBCOMMANDS", "build_parser", "main"]

EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT)."""

SUBCOMMANDS: dict[str, str] = {
    "run": "verify.cli.run",
    "check": "verify.cli.check",
    "crosscheck": "verify.cli.crosscheck",
    "compare": "verify.cli.compare",
}
"""Subcommand name → module providing ``HELP``, ``add_arguments(parser)`` and ``run(args)``."""


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m verify`` parser with every registered subcommand."""
    parser = OneLineParser(prog="python -m verify", description="qstt verification tools")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        sub = commands.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(command_run=module.run)
    return parser


_PARSERS: dict[tuple[tuple[str, str], ...], argparse.ArgumentParser] = {}


def _parser() -> argparse.ArgumentParser:
    """:func:`build_parser`, built once per registry (~0.1 s: every model's flags), reused by later calls."""
    key = tuple(SUBCOMMANDS.items())
    if key not in _PARSERS:
        _PARSERS.clear()
        _PARSERS[key] = build_parser()
    return _PARSERS[key]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; return the exit status (2 for invalid parameters)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    args.argv = argv
    try:
        return int(args.command_run(args))
    except USAGE_ERRORS as exc:  # a subcommand's own handlers catch these; this is the safety net
        return fail(exc)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
