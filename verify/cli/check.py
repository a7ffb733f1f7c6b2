"""``python -m verify check RUN.npz [--json]``: run :func:`verify.checks.check_run` on a saved record.

Exit status
-----------
0
    Every check that applies passed.
1
    At least one check failed (the table or JSON says which, when and where).
2
    The record could not be checked: missing file (``FileNotFoundError``), unreadable or truncated
    ``.npz``, malformed JSON sidecar, missing ``t``, mis-shaped or non-numeric arrays, or bad options. One line
    ``error: <file>: <what> ...`` naming the file and the key goes to stderr; no traceback.

The subcommand is registered in :data:`verify.cli.main.SUBCOMMANDS` (:func:`add_arguments`,
:func:`run`); :func:`main` runs it on its own (the deprecated ``python -m verify.check_cli RUN.npz``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from verify.checks import Tolerances, check_run
from verify.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, OneLineParser

__all__ = ["EXIT_FAILED", "EXIT_MALFORMED", "EXIT_PASSED", "HELP", "add_arguments", "main", "run", "tolerance_override"]

EXIT_PASSED = EXIT_OK
EXIT_MALFORMED = EXIT_USAGE

HELP = "check a saved run record (conservation laws, physical bounds, bookkeeping)"


def tolerance_override(text: str) -> tuple[str, float]:
    """argparse type of ``--tol NAME=VALUE``: ``"norm=1e-6"`` → ("norm", 1e-6)."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"tolerance {name!r}: {value!r} is not a number") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``check`` arguments to ``parser`` (a subparser of the ``verify`` CLI)."""
    parser.add_argument("record", help="run record (.npz; its JSON sidecar is read when present)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    parser.add_argument(
        "--tol",
        action="append",
        default=[],
        type=tolerance_override,
        metavar="NAME=VALUE",
        help="override a tolerance of verify.checks.Tolerances (repeatable), e.g. --tol norm=1e-6",
    )
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument(
        "--approximate",
        dest="approximate",
        action="store_const",
        const=True,
        default=None,
        help="use the truncation-aware (TEBD) tolerances even if the record does not look approximate",
    )
    kind.add_argument(
        "--exact",
        dest="approximate",
        action="store_const",
        const=False,
        help="use the exact-evolver tolerances even for a record with a truncation error",
    )


def run(args: argparse.Namespace) -> int:
    """Execute ``check`` for parsed arguments; print the report; return the exit status."""
    try:
        tolerances = Tolerances().replace(**dict(args.tol)) if args.tol else Tolerances()
        report = check_run(args.record, tolerances=tolerances, approximate=args.approximate)
    except (ValueError, TypeError, OSError) as exc:
        message = str(exc) or type(exc).__name__
        if str(args.record) not in message:
            message = f"{args.record}: {message}"
        print(f"error: {' '.join(message.split())}", file=sys.stderr)
        return EXIT_MALFORMED
    status = EXIT_PASSED if report.passed else EXIT_FAILED
    try:
        print(report.to_json(indent=2) if args.json else report.to_table())
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`: the verdict is still the exit status
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """``check`` on its own: ``main(["RUN.npz", "--json"])`` is ``python -m verify check RUN.npz --json``."""
    parser = OneLineParser(prog="python -m verify check", description=HELP)
    add_arguments(parser)
    return run(parser.parse_args(argv))
