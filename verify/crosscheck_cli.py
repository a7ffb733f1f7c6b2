"""``python -m verify crosscheck prx|stt``: TEBD against exact evolution, MPS against closed forms.

::

    python -m verify crosscheck prx --n-sites 10 --n-left 4 --n-fm 2 --n-conf 2 --n-e 2 \\
        --t-max 2 --dt-out 0.5 --dt 0.02 --order 4 --chi-max 400 --trunc 0 [--initial exact] [--tol spin=1e-6]
    python -m verify crosscheck stt --n-e 100 --n-fm 100

Both print a table (observable, deviation, tolerance, ok) on stdout and exit with status 0 when every
deviation is within its tolerance, 1 when one is not, 2 for invalid parameters (one ``error:`` line).
Default tolerances: :data:`verify.testing.crosscheck.PRX_TOLERANCES` and
:func:`verify.testing.crosscheck.stt_tolerances` (their docstrings justify the values).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import fields

from verify.cli import EXIT_FAILED, EXIT_OK, fail, finite_float

__all__ = ["HELP", "add_arguments", "format_table", "parse_tolerances", "run"]

HELP = "compare TEBD with exact evolution (prx) or the Eq. 15 MPS with closed forms (stt); exit 1 above tolerance"


def parse_tolerances(items: list[str] | None) -> dict[str, float]:
    """``["spin=1e-6", ...]`` → {"spin": 1e-6}; ValueError naming a malformed item."""
    out: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--tol {item!r}: expected NAME=VALUE")
        try:
            tol = float(value)
        except ValueError:
            raise ValueError(f"--tol {item!r}: {value!r} is not a number") from None
        if not (math.isfinite(tol) and tol >= 0):
            raise ValueError(f"--tol {item!r}: tolerance must be a finite number >= 0")
        out[name] = tol
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-subcommands ``prx`` (model options as ``run prx``) and ``stt``."""
    from verify.models import PRXChain
    from verify.tebd import TEBDOptions

    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    prx = kinds.add_parser("prx", help="exact evolution vs TEBD on one PRX-chain instance")
    defaults = PRXChain(n_sites=10, n_left=4, n_fm=2, n_conf=2, n_e=2)
    for f in fields(PRXChain):
        value = getattr(defaults, f.name)
        flag = "--" + f.name.replace("_", "-")
        if f.name == "polarization":
            prx.add_argument(flag, choices=["z", "x"], default=value, help=f"electron polarization (default {value})")
        elif isinstance(value, str):
            prx.add_argument(flag, default=value, help=f"(default {value})")
        elif isinstance(value, int):
            prx.add_argument(flag, type=int, default=value, help=f"(default {value})")
        else:
            prx.add_argument(flag, type=finite_float, default=value, help=f"(default {value})")
    prx.add_argument("--t-max", type=finite_float, default=2.0, help="final time (default 2)")
    prx.add_argument("--dt-out", type=finite_float, default=0.5, help="output spacing (default 0.5)")
    prx.add_argument("--cut", type=int, default=None, help="entropy of sites 1..CUT (default (N+1)//2)")
    paper = TEBDOptions()  # the paper's TEBD parameters, written once
    prx.add_argument("--dt", type=finite_float, default=paper.dt, help=f"Trotter step (default {paper.dt})")
    prx.add_argument(
        "--chi-max", type=int, default=paper.chi_max, help=f"maximal bond dimension (default {paper.chi_max})"
    )
    prx.add_argument(
        "--trunc", type=finite_float, default=paper.trunc, help=f"discarded weight per SVD (default {paper.trunc})"
    )
    prx.add_argument(
        "--order", type=int, default=paper.order, choices=[2, 4], help=f"Trotter order (default {paper.order})"
    )
    prx.add_argument(
        "--initial",
        choices=["slater", "exact"],
        default="slater",
        help="TEBD initial state: its Slater-determinant MPS (default) or the exact ground state",
    )
    prx.add_argument("--tol", action="append", metavar="NAME=VALUE", help="override a tolerance (repeatable)")
    prx.set_defaults(kind_run=_run_prx)

    stt = kinds.add_parser("stt", help="PRX Eq. 15 state: MPS measurements vs entanglement.closed_form")
    stt.add_argument("--n-e", type=int, required=True, help="number of electrons N_e")
    stt.add_argument("--n-fm", type=int, required=True, help="number of localized spins N_FM")
    stt.add_argument("--tol", action="append", metavar="NAME=VALUE", help="override a tolerance (repeatable)")
    stt.set_defaults(kind_run=_run_stt)


def format_table(deviations: dict[str, float], tolerances: dict[str, float], values: dict | None = None) -> str:
    """Plain-text table: observable, [values,] deviation, tolerance, ok."""
    lines = []
    header = f"{'observable':<20} {'deviation':>11} {'tolerance':>11}  ok"
    if values is not None:
        header = f"{'observable':<20} {'mps':>22} {'closed form':>22} {'deviation':>11} {'tolerance':>11}  ok"
    lines.append(header)
    for name, dev in deviations.items():
        tol = tolerances.get(name, math.inf)
        ok = "yes" if dev <= tol else "NO"
        row = f"{name:<20} {dev:11.3e} {tol:11.3e}  {ok}"
        if values is not None:
            a, b = values["mps"][name], values["closed_form"][name]
            a_text = f"{a:22.15g}" if not hasattr(a, "__len__") else f"{'(' + str(len(a)) + ' values)':>22}"
            b_text = f"{b:22.15g}" if not hasattr(b, "__len__") else f"{'(' + str(len(b)) + ' values)':>22}"
            row = f"{name:<20} {a_text} {b_text} {dev:11.3e} {tol:11.3e}  {ok}"
        lines.append(row)
    return "\n".join(lines)


def _run_prx(args: argparse.Namespace) -> int:
    from verify.models import PRXChain
    from verify.testing.crosscheck import PRX_TOLERANCES, crosscheck_prx

    start = time.perf_counter()
    try:
        model = PRXChain(**{f.name: getattr(args, f.name) for f in fields(PRXChain)})
        tolerances = {**PRX_TOLERANCES, **parse_tolerances(args.tol)}
        result = crosscheck_prx(
            model,
            t_max=args.t_max,
            dt_out=args.dt_out,
            dt=args.dt,
            chi_max=args.chi_max,
            trunc=args.trunc,
            order=args.order,
            cut=args.cut,
            initial=args.initial,
            tolerances=tolerances,
        )
    except ValueError as exc:
        return fail(exc)
    tebd = result["tebd"]
    print(
        f"prx crosscheck: N={model.n_sites} N_FM={model.n_fm} N_e={model.n_e} {model.polarization}, "
        f"t_max={args.t_max:g}, dt={args.dt:g}, order {args.order}, chi_max={args.chi_max}, trunc={args.trunc:g}, "
        f"initial={args.initial}; max chi {int(tebd.arrays['max_bond_dimension'].max())}, "
        f"truncation error {float(tebd.arrays['truncation_error'][-1]):.2e}, {time.perf_counter() - start:.1f} s"
    )
    print(format_table(result["deviations"], result["tolerances"]))
    return EXIT_FAILED if result["exceeded"] else EXIT_OK


def _run_stt(args: argparse.Namespace) -> int:
    from verify.testing.crosscheck import crosscheck_stt, stt_tolerances

    start = time.perf_counter()
    try:
        tolerances = {**stt_tolerances(max(args.n_e, 0), max(args.n_fm, 0)), **parse_tolerances(args.tol)}
        result = crosscheck_stt(args.n_e, args.n_fm, tolerances=tolerances)
    except ValueError as exc:
        return fail(exc)
    print(
        f"stt crosscheck: N_e={args.n_e} N_FM={args.n_fm}, MPS bond dimension {result['max_bond_dimension']} "
        f"(bound min(N_e, N_FM)+1 = {min(args.n_e, args.n_fm) + 1}), {time.perf_counter() - start:.2f} s"
    )
    print(format_table(result["deviations"], result["tolerances"], values=result))
    return EXIT_FAILED if result["exceeded"] else EXIT_OK


def run(args: argparse.Namespace) -> int:
    """Execute ``crosscheck`` for parsed arguments; return the exit status."""
    status = args.kind_run(args)
    sys.stdout.flush()
    return status
