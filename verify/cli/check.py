"""``python -m verify check RUN [--json] [--profile P] [--model KIND --conserved N,Sz,energy ...]``:
run :func:`verify.checks.check_run` on a saved record.

``RUN`` is read by its format (:func:`verify.interop.read_run`): this package's ``.npz`` record (with its
JSON sidecar, validated against ``docs/run_record.schema.json``), a TeNPy ``Simulation`` results file
or a saved TeNPy MPS (HDF5). A pickle is refused (exit 2, one line saying why).

What a bare record cannot say is given by flags: ``--model KIND`` (the model kind; a registered kind is
rebuilt from the record's parameters, another one is checked from the declaration), ``--conserved
N,Sz,energy`` (the conserved charges — each must then be recorded — and whether the energy is),
``--n-e N`` (the particle number), ``--entropy-dims dA,dB`` (the two sides of ``entropy_cut``);
``--profile exact|trotter|ode`` picks the tolerances (default: from the record's method).

Exit status
-----------
0
    No check failed. Checks with status WARN (an expected array missing, a check that passes only
    under a relaxed tolerance profile, truncation-limited TEBD steps) are shown in the table and do
    not change the exit status.
1
    At least one check failed (the table or JSON says which, when and where), including a record that
    lacks the arrays its model requires (``required_arrays``: any array of its model missing from a record
    this package saved).
2
    The record could not be checked: missing file (``FileNotFoundError``), unreadable or truncated
    ``.npz``, a pickle, malformed JSON sidecar (or nested too deeply), an ``.npz`` and a sidecar of two
    different runs (their run ids differ), invalid model metadata (a relabelled kind, parameters of the
    wrong type or range), missing ``t``, mis-shaped or non-numeric arrays, or bad options. One line
    ``error: <file>: <what> ...`` naming the file and the key goes to stderr; no traceback.

The subcommand is registered in :data:`verify.cli.main.SUBCOMMANDS` (:func:`add_arguments`,
:func:`run`); :func:`main` runs it on its own (the deprecated ``python -m verify.check_cli RUN.npz``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from verify.checks import PROFILES, Tolerances, check_run
from verify.checks.load import model_params
from verify.checks.tolerances import resolve_profile
from verify.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, OneLineParser

__all__ = [
    "EXIT_FAILED",
    "EXIT_MALFORMED",
    "EXIT_PASSED",
    "HELP",
    "add_arguments",
    "dims_argument",
    "main",
    "run",
    "tolerance_override",
]

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


def dims_argument(text: str) -> tuple[int, int]:
    """argparse type of ``--entropy-dims dA,dB``: ``"16,16"`` → (16, 16)."""
    parts = text.split(",")
    try:
        d_a, d_b = (int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected two integers dA,dB, got {text!r}") from None
    if d_a < 1 or d_b < 1:
        raise argparse.ArgumentTypeError(f"dimensions must be >= 1, got {text!r}")
    return d_a, d_b


def _declaration_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", choices=sorted(PROFILES), default=None,
                        help="tolerance profile (default: from the record's method; verify.checks.tolerances)")
    parser.add_argument("--model", default=None, metavar="KIND",
                        help="model kind (registered: rebuilt from the record's parameters; else checked from "
                             "the declaration)")
    parser.add_argument("--conserved", default=None, metavar="N,Sz,energy",
                        help="what the run conserves: charges (N, Sz, any other recorded as total_<name>) and "
                             "'energy'; each charge must then be recorded")
    parser.add_argument("--n-e", dest="n_e", type=int, default=None, metavar="N",
                        help="number of particles (the value of N)")
    parser.add_argument("--entropy-dims", dest="entropy_dims", type=dims_argument, default=None, metavar="dA,dB",
                        help="dimensions of the two sides of the entropy_cut bipartition")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``check`` arguments to ``parser`` (a subparser of the ``verify`` CLI)."""
    parser.add_argument(
        "record", help="run record: .npz (its JSON sidecar is read when present) or a TeNPy HDF5 file"
    )
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
    _declaration_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Execute ``check`` for parsed arguments; print the report; return the exit status."""
    try:
        from verify.interop import read_run  # the optional readers load only for `check`

        record = read_run(args.record)
        tolerances = None
        if args.tol:  # overrides of the profile's tolerances (the record's own profile unless --profile)
            name = args.profile or resolve_profile(None, model_params(record.meta), record.arrays)[0]
            tolerances = Tolerances.profile(name).replace(**dict(args.tol))
        report = check_run(
            record, tolerances=tolerances, approximate=args.approximate, profile=args.profile, model=args.model,
            conserved=args.conserved, n_e=args.n_e, entropy_dims=args.entropy_dims, source=str(args.record),
        )
    except (ValueError, TypeError, OSError, ImportError) as exc:
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
