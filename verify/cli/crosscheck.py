"""``python -m verify crosscheck KIND|stt``: TEBD against exact evolution, the Eq. 15 MPS against closed forms.

::

    python -m verify crosscheck prx --n-sites 10 --n-left 4 --n-fm 2 --n-conf 2 --n-e 2 \\
        --t-max 2 --dt-out 0.5 --dt 0.02 --order 4 --chi-max 400 --trunc 0 [--initial exact] [--tol spin=1e-6]
    python -m verify crosscheck xxz --n-sites 8 --j-z 0.5 --initial neel --dt 0.05 --order 4 --trunc 0 \\
        [--tebd-initial exact]
    python -m verify crosscheck stt --n-e 100 --n-fm 100

One sub-subcommand per chain-model kind of :data:`verify.models.MODEL_KINDS` (model flags generated
from the parameter class with the small defaults of :data:`CROSSCHECK_DEFAULTS`, TEBD flags from
:class:`verify.tebd.TEBDOptions`), run by :func:`verify.testing.crosscheck`; ``stt`` runs
:func:`verify.testing.crosscheck.crosscheck_stt`. The TEBD initial state is ``--tebd-initial`` (also
``--initial`` for a model without an ``initial`` parameter, e.g. ``prx``): the TEBD driver's own MPS
of the model's recipe (``model``; ``slater`` for the PRX chain) or the exact evolver's initial state.

Each prints a table (observable, deviation, tolerance, ok) on stdout and exits with status 0 when
every deviation is within its tolerance, 1 when one is not, 2 for invalid parameters (one ``error:``
line). Default tolerances: :func:`verify.testing.crosscheck.crosscheck_tolerances` (the PRX chain:
:data:`verify.testing.crosscheck.PRX_TOLERANCES` over its historic observables) and
:func:`verify.testing.crosscheck.stt_tolerances` (their docstrings justify the values); ``--budget``
replaces the 1e-3 per observable by the run's error budget (:mod:`verify.testing.error_budget`). A chain
cross-check prints the budget (estimated state distance from the initial states, the Trotter error and
the truncation) above the table; when an observable fails, the table adds its measured Trotter and
truncation parts (an untruncated TEBD run at the same δt; ``--no-diagnose`` skips it) and an
``advice:`` line names the flags to change (``--chi-max``/``--trunc`` or ``--dt``/``--order``).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from verify.cli.common import EXIT_FAILED, EXIT_OK, USAGE_ERRORS, describe_model, fail
from verify.cli.flags import add_dataclass_arguments, dataclass_from_arguments, finite_float, integer
from verify.cli.run import add_cost_arguments, chain_kinds, check_cost, kind_help
from verify.models import MODEL_KINDS
from verify.tebd import TEBDOptions

__all__ = [
    "CROSSCHECK_DEFAULTS",
    "HELP",
    "MAX_STT_BOND",
    "CrosscheckDefaults",
    "add_arguments",
    "add_chain_arguments",
    "budget_line",
    "format_table",
    "parse_tolerances",
    "prx_observables",
    "run",
    "run_chain",
    "run_stt",
]

MAX_STT_BOND = 256
"""Default ``crosscheck stt --max-bond``: the largest bond dimension min(N_e, N_FM) + 1 accepted."""

HELP = (
    "compare TEBD with exact evolution (any chain model: prx, xxz, ...) or the Eq. 15 MPS with closed forms "
    "(stt); exit 1 above tolerance"
)


@dataclasses.dataclass(frozen=True)
class CrosscheckDefaults:
    """Defaults of ``crosscheck KIND`` for a chain-model kind.

    Attributes
    ----------
    model : mapping
        Parameter values replacing the class defaults: an instance small enough for the exact evolver.
    t_max, dt_out : float
        Final time and output spacing.
    keys : callable or None
        Returns the record keys compared (called when the cross-check runs, so that building the
        parser does not import :mod:`verify.testing`); None: every key of the model's schema
        (:func:`verify.testing.crosscheck.compared_keys`).
    initial_names : tuple of str
        Names of the two TEBD initial states: the model's own MPS, the exact initial state.
    """

    model: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    t_max: float = 2.0
    dt_out: float = 0.5
    keys: Callable[[], tuple[str, ...]] | None = None
    initial_names: tuple[str, str] = ("model", "exact")


def prx_observables() -> tuple[str, ...]:
    """The historic keys of ``crosscheck prx``: :data:`verify.testing.crosscheck.PRX_OBSERVABLES`."""
    from verify.testing.crosscheck import PRX_OBSERVABLES

    return PRX_OBSERVABLES


CROSSCHECK_DEFAULTS: dict[str, CrosscheckDefaults] = {
    "prx": CrosscheckDefaults(  # N = 10, N_L = 4, N_FM = 2, N_conf = 2, N_e = 2 (as before)
        model={"n_sites": 10, "n_left": 4, "n_fm": 2, "n_conf": 2, "n_e": 2},
        keys=prx_observables,
        initial_names=("slater", "exact"),
    ),
    "xxz": CrosscheckDefaults(model={"n_sites": 8}),  # L = 8: 70 states at 2S^z = 0
}
"""Kind → :class:`CrosscheckDefaults`; a kind not listed gets ``CrosscheckDefaults()`` (class defaults)."""


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


def add_chain_arguments(parser: argparse.ArgumentParser, kind: str) -> None:
    """Flags of ``crosscheck KIND``: model and TEBD fields, time grid, cut, TEBD initial state, tolerances."""
    cls, defaults = MODEL_KINDS[kind], CROSSCHECK_DEFAULTS.get(kind, CrosscheckDefaults())
    add_dataclass_arguments(parser, cls, defaults=defaults.model)
    t_max, dt_out = defaults.t_max, defaults.dt_out
    parser.add_argument("--t-max", type=finite_float, default=t_max, help=f"final time (default {t_max:g})")
    parser.add_argument("--dt-out", type=finite_float, default=dt_out, help=f"output spacing (default {dt_out:g})")
    parser.add_argument("--cut", type=integer, default=None, help="entropy of sites 1..CUT (default (N+1)//2)")
    add_dataclass_arguments(parser.add_argument_group("TEBD options"), TEBDOptions)
    own, exact = defaults.initial_names
    clash = "initial" in {f.name for f in dataclasses.fields(cls)}  # e.g. the XXZ chain's initial state
    flags = ["--tebd-initial"] if clash else ["--initial", "--tebd-initial"]
    parser.add_argument(
        *flags, dest="tebd_initial", choices=[own, exact], default=own,
        help=f"TEBD initial state: the MPS of the model's recipe ({own}, default) or the exact evolver's "
        f"initial state ({exact})",
    )
    parser.add_argument("--tol", action="append", metavar="NAME=VALUE", help="override a tolerance (repeatable)")
    parser.add_argument(
        "--budget", action="store_true",
        help="tolerances from the run's error budget (initial states, Trotter order and dt, accumulated "
        "truncation: verify.testing.error_budget) instead of 1e-3 per observable",
    )
    parser.add_argument(
        "--no-diagnose", dest="diagnose", action="store_false",
        help="on a failure, skip the untruncated TEBD run that splits each deviation into Trotter and truncation",
    )
    add_cost_arguments(parser)
    parser.set_defaults(kind_run=run_chain)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-subcommands: one per chain-model kind (``prx``, ``xxz``, ...) and ``stt``."""
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind in chain_kinds():
        help_text = f"exact evolution vs TEBD: {kind_help(MODEL_KINDS[kind])}"
        add_chain_arguments(kinds.add_parser(kind, help=help_text.replace("%", "%%"), description=help_text), kind)
    stt = kinds.add_parser("stt", help="PRX Eq. 15 state: MPS measurements vs entanglement.closed_form")
    stt.add_argument("--n-e", type=integer, required=True, help="number of electrons N_e")
    stt.add_argument("--n-fm", type=integer, required=True, help="number of localized spins N_FM")
    stt.add_argument("--tol", action="append", metavar="NAME=VALUE", help="override a tolerance (repeatable)")
    stt.add_argument(
        "--max-bond", type=integer, default=MAX_STT_BOND, metavar="K",
        help=f"refuse a state whose MPS bond dimension min(N_e, N_FM) + 1 exceeds K (default {MAX_STT_BOND})",
    )
    stt.set_defaults(kind_run=run_stt)


def format_table(
    deviations: dict[str, float], tolerances: dict[str, float], values: dict | None = None,
    diagnosis: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """Plain-text table: observable, [values,] deviation, tolerance, ok [, the measured Trotter and
    truncation parts of a failed deviation and the dominant source (``diagnosis``)]."""
    lines = []
    header = f"{'observable':<20} {'deviation':>11} {'tolerance':>11}  ok"
    if values is not None:
        header = f"{'observable':<20} {'mps':>22} {'closed form':>22} {'deviation':>11} {'tolerance':>11}  ok"
    if diagnosis:
        header += f"  {'trotter':>11} {'truncation':>11}  dominant"
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
        if diagnosis and name in diagnosis:
            entry = diagnosis[name]
            row += f"   {entry['trotter']:11.3e} {entry['truncation']:11.3e}  {entry['dominant']}"
        lines.append(row)
    return "\n".join(lines)


def budget_line(error: Mapping[str, float]) -> str:
    """One line: the estimated state distance by source (:mod:`verify.testing.error_budget`)."""
    return (
        f"error budget (state distance): initial {error['initial']:.1e}, Trotter {error['trotter']:.1e}, "
        f"truncation {error['truncation']:.1e} (sqrt(n eps), n = {error['n_steps']:.0f} steps, "
        f"eps = {error['epsilon']:.1e})"
    )


def run_chain(args: argparse.Namespace) -> int:
    """``crosscheck KIND``: :func:`verify.testing.crosscheck` on the model built from the flags."""
    from verify.testing.crosscheck import DEFAULT_TOLERANCE, compared_keys, crosscheck

    defaults = CROSSCHECK_DEFAULTS.get(args.kind, CrosscheckDefaults())
    start = time.perf_counter()
    try:
        check_cost(None, args, exact=False)
        model = dataclass_from_arguments(MODEL_KINDS[args.kind], args)
        check_cost(model, args, exact=True)
        options = dataclass_from_arguments(TEBDOptions, args)
        keys = defaults.keys() if defaults.keys is not None else compared_keys(model, args.cut)
        tolerances = "budget" if args.budget else dict.fromkeys(keys, DEFAULT_TOLERANCE)
        initial = "model" if args.tebd_initial == defaults.initial_names[0] else "exact"
        result = crosscheck(model, t_max=args.t_max, dt_out=args.dt_out, options=options, cut=args.cut,
                            initial=initial, tolerances=tolerances, keys=keys, overrides=parse_tolerances(args.tol),
                            diagnose_failures=args.diagnose)
    except USAGE_ERRORS as exc:
        return fail(exc)
    tebd = result["tebd"]
    print(
        f"{args.kind} crosscheck: {describe_model(model)}, t_max={args.t_max:g}, dt={options.dt:g}, "
        f"order {options.order}, chi_max={options.chi_max}, trunc={options.trunc:g}, "
        f"initial={args.tebd_initial}; max chi {int(tebd.arrays['max_bond_dimension'].max())}, "
        f"truncation error {float(tebd.arrays['truncation_error'][-1]):.2e}, {time.perf_counter() - start:.1f} s"
    )
    print(budget_line(result["state_error"]) + ("; tolerances = 1e-8 + budget" if args.budget else ""))
    print(format_table(result["deviations"], result["tolerances"], diagnosis=result["diagnosis"]))
    for line in result["advice"]:
        print(f"advice: {line}")
    return EXIT_FAILED if result["exceeded"] else EXIT_OK


def run_stt(args: argparse.Namespace) -> int:
    """``crosscheck stt``: :func:`verify.testing.crosscheck.crosscheck_stt` (the size is checked before the import)."""
    bond = min(args.n_e, args.n_fm) + 1
    if bond > args.max_bond:
        return fail(
            f"the Eq. 15 MPS has bond dimension min(N_e, N_FM) + 1 = {bond:,}, more than the limit --max-bond "
            f"{args.max_bond:,} (its measurements cost N chi^3): pass --max-bond to raise it"
        )
    from verify.testing.crosscheck import crosscheck_stt, stt_tolerances

    start = time.perf_counter()
    try:
        tolerances = {**stt_tolerances(max(args.n_e, 0), max(args.n_fm, 0)), **parse_tolerances(args.tol)}
        result = crosscheck_stt(args.n_e, args.n_fm, tolerances=tolerances)
    except USAGE_ERRORS as exc:
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
