"""``python -m verify run KIND``: simulate a model and write a run record (``docs/run_records.md``).

One sub-subcommand per model kind of :data:`verify.models.MODEL_KINDS` — every chain model (``prx``,
``xxz``, and any kind added there later) and ``pair`` — with the model's flags generated from its
parameter class (:mod:`verify.cli.flags`)::

    python -m verify run prx  --n-sites 12 --n-left 5 --n-fm 3 --n-conf 3 --n-e 3 --t-max 20 --out run.npz
    python -m verify run xxz  --n-sites 12 --j-xx 1 --j-z 0.5 --h-z 0 --initial neel --method tebd --out xxz.npz
    python -m verify run pair --n-sites 200 --pair singlet --t-max 60 --out pair.npz

Chain models take ``--method exact`` (:func:`verify.records.simulate_exact`, the default) or
``--method tebd`` (:func:`verify.records.simulate_tebd` with the flags of
:class:`verify.tebd.TEBDOptions` and the checkpoint flags, which are refused with ``exact``), and
``--cut``; the pair model runs :func:`verify.records.simulate_pair`. Default ``--t-max`` and
``--dt-out`` per kind: :data:`RUN_DEFAULTS`.

Errors: invalid parameters (from argparse, the model classes or the evolvers) print exactly one
line ``error: ...`` on stderr and exit with status 2; no traceback, no file is written. A valid run
that fails numerically (no convergence, out of memory) prints one line and exits with status 1.
On success one summary line (file, wall time, conservation drifts) goes to stdout.
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from verify.cli.common import EXIT_FAILED, EXIT_OK, USAGE_ERRORS, describe_model, fail
from verify.cli.docstrings import plain_text
from verify.cli.flags import add_dataclass_arguments, dataclass_from_arguments, finite_float, given_fields, integer
from verify.cli.progress import TerminalProgress
from verify.models import MODEL_KINDS, PAIR_STATES, PAIR_UNITS, PRX_UNITS, XXZ_UNITS, PairOnRing
from verify.tebd import TEBDOptions

__all__ = [
    "CHECKPOINT_OPTIONS",
    "HELP",
    "MAX_MATVECS",
    "MAX_SITES",
    "OTHER_DEFAULTS",
    "RUN_DEFAULTS",
    "TEBD_RUN_OPTIONS",
    "RunDefaults",
    "add_arguments",
    "add_chain_arguments",
    "add_checkpoint_arguments",
    "add_common_arguments",
    "add_cost_arguments",
    "add_pair_arguments",
    "chain_kinds",
    "check_cost",
    "check_output_path",
    "checkpoint_options",
    "execute",
    "hamiltonian_norm_bound",
    "kind_help",
    "run",
    "run_chain",
    "run_pair",
    "tebd_only_given",
]

HELP = "simulate a model (PRX chain, XXZ chain, any chain model, or pair on a ring) and write a run record"


@dataclasses.dataclass(frozen=True)
class RunDefaults:
    """Default final time and output spacing of ``run KIND``, in the model's time unit."""

    t_max: float
    dt_out: float
    unit: str


RUN_DEFAULTS: dict[str, RunDefaults] = {
    "prx": RunDefaults(40.0, 0.5, PRX_UNITS["t"]),  # PRX Figs. 2-7 run to t = 40 hbar/gamma
    "xxz": RunDefaults(10.0, 0.1, XXZ_UNITS["t"]),
    "pair": RunDefaults(60.0, 0.5, PAIR_UNITS["t"]),  # pair paper Fig. 2: 60 fs
}
"""Kind → default ``--t-max``, ``--dt-out`` and time unit; a kind not listed gets :data:`OTHER_DEFAULTS`."""

OTHER_DEFAULTS = RunDefaults(10.0, 0.1, "the model's time unit")
"""Defaults of a chain-model kind not in :data:`RUN_DEFAULTS`."""

CHECKPOINT_OPTIONS = ("checkpoint", "checkpoint_every", "resume")
"""The checkpoint options of ``run`` (``--method tebd`` only)."""

TEBD_RUN_OPTIONS = (*CHECKPOINT_OPTIONS, "max_steps")

MAX_SITES = 10_000
"""Default ``--max-sites``: the largest chain ``run`` / ``crosscheck`` accept (building the model's terms
alone is O(N) Python objects; 10^6 sites take minutes before the first step)."""
MAX_MATVECS = 10**7
"""Default ``--max-matvecs``: the largest estimated number of Chebyshev products ‖H‖ t_max/ħ of an exact run
(the degree of the expansion grows linearly with ‖H‖ t: ``--hopping 1e6`` asks for ~10^8 of them)."""
"""``run`` options besides the :class:`verify.tebd.TEBDOptions` fields that apply to ``--method tebd`` only."""


def chain_kinds() -> list[str]:
    """The kinds of :data:`verify.models.MODEL_KINDS` whose parameters build a chain model (``chain()``)."""
    return [kind for kind, cls in MODEL_KINDS.items() if callable(getattr(cls, "chain", None))]


def kind_help(cls: type) -> str:
    """One line about a parameter class: the first line of its module's docstring, reST removed."""
    doc = sys.modules[cls.__module__].__doc__ or cls.__doc__ or cls.__name__
    return plain_text(doc.strip().splitlines()[0])


# --------------------------------------------------------------------------------------- arguments
def add_common_arguments(parser: argparse.ArgumentParser, defaults: RunDefaults) -> None:
    """``--t-max``, ``--dt-out``, ``--out``, ``--progress``."""
    unit, t_max, dt_out = defaults.unit, defaults.t_max, defaults.dt_out
    parser.add_argument("--t-max", type=finite_float, default=t_max, help=f"final time in {unit} (default {t_max})")
    parser.add_argument(
        "--dt-out", type=finite_float, default=dt_out, help=f"output spacing in {unit} (default {dt_out})"
    )
    parser.add_argument("--out", required=True, help="run record to write (.npz; a .json sidecar goes next to it)")
    parser.add_argument(
        "--progress", action="store_true", help="draw a progress line on stderr even when it is not a terminal"
    )


def add_cost_arguments(parser: Any) -> None:
    """``--max-sites`` and ``--max-matvecs``: the cost guards checked before any work (:func:`check_cost`)."""
    parser.add_argument(
        "--max-sites", type=integer, default=MAX_SITES, metavar="N",
        help=f"refuse a chain of more than N sites before any work (default {MAX_SITES})",
    )
    parser.add_argument(
        "--max-matvecs", type=finite_float, default=float(MAX_MATVECS), metavar="K",
        help=f"refuse an exact run whose Chebyshev expansion needs more than about K products "
        f"(estimated as the bound of ||H|| times t_max; default {MAX_MATVECS:.0e})",
    )


def hamiltonian_norm_bound(chain: Any) -> float:
    """An upper bound of ‖H‖ from the chain's terms: Σ |strength| ‖A‖ ‖B‖ (twice with H.c.).

    Spectral norms of the site operators (``numpy.linalg.norm(op, 2)``), one per (site kind, expression);
    Jordan-Wigner strings have norm 1.
    """
    import numpy as np

    norms: dict[tuple[int, str], float] = {}

    def norm(site: int, expression: str) -> float:
        key = (id(chain.sites[site]), expression)
        if key not in norms:
            norms[key] = float(np.linalg.norm(chain.sites[site].op(expression), 2))
        return norms[key]

    total = sum(abs(term.strength) * norm(term.site, term.op) for term in chain.onsite)
    for bond in chain.bonds:
        total += abs(bond.strength) * norm(bond.site, bond.left) * norm(bond.site + 1, bond.right) * (
            2.0 if bond.plus_hc else 1.0
        )
    return float(total)


def check_cost(model: Any, args: argparse.Namespace, *, exact: bool) -> None:
    """Refuse, before any work, a chain above ``--max-sites`` or an exact run above ``--max-matvecs``.

    ``model`` None checks the ``--n-sites`` flag alone, before the model (whose construction is O(N)) is built.

    Raises
    ------
    ValueError
        Naming the estimate, the limit and the flag that raises it.
    """
    from verify.models import as_chain

    max_sites = getattr(args, "max_sites", MAX_SITES)
    n_sites = getattr(model, "n_sites", None) if model is not None else getattr(args, "n_sites", None)
    if isinstance(n_sites, int) and n_sites > max_sites:
        raise ValueError(f"{n_sites:,} sites exceed the limit --max-sites {max_sites:,}: pass --max-sites to raise it")
    if model is None or not exact:
        return
    from verify.records import output_times

    output_times(getattr(args, "t_max", 0.0), getattr(args, "dt_out", 1.0))  # the grid's own limit first
    chain = as_chain(model)
    if chain.n_sites > max_sites:
        raise ValueError(
            f"{chain.n_sites:,} sites exceed the limit --max-sites {max_sites:,}: pass --max-sites to raise it"
        )
    max_matvecs = getattr(args, "max_matvecs", float(MAX_MATVECS))
    estimate = hamiltonian_norm_bound(chain) * float(getattr(args, "t_max", 0.0))
    if not estimate <= max_matvecs:
        raise ValueError(
            f"the exact run needs about ||H|| t_max = {estimate:.3g} Chebyshev products, more than the limit "
            f"--max-matvecs {max_matvecs:.3g}: lower the couplings or t_max, or pass --max-matvecs to raise it"
        )


def add_checkpoint_arguments(group: Any) -> None:
    """``--checkpoint PATH --checkpoint-every K --resume`` (see :mod:`verify.records.checkpoint`)."""
    group.add_argument("--checkpoint", default=None, metavar="PATH", help="checkpoint file (.npz), written atomically")
    group.add_argument(
        "--checkpoint-every", type=integer, default=None, metavar="K", help="write the checkpoint every K Trotter steps"
    )
    group.add_argument(
        "--resume",
        action="store_true",
        default=None,
        help="continue from --checkpoint (same parameters; a later --t-max extends a finished run)",
    )


def add_chain_arguments(parser: argparse.ArgumentParser, kind: str) -> None:
    """Flags of ``run KIND`` for a chain model: the model's fields, method, cut, TEBD and checkpoints."""
    add_dataclass_arguments(parser, MODEL_KINDS[kind])
    parser.add_argument("--cut", type=integer, default=None, help="entropy of sites 1..CUT (default (N+1)//2)")
    parser.add_argument("--method", choices=["exact", "tebd"], default="exact", help="evolver (default exact)")
    tebd = parser.add_argument_group("TEBD options (--method tebd only)")
    add_dataclass_arguments(tebd, TEBDOptions)
    add_checkpoint_arguments(tebd)
    tebd.add_argument(
        "--max-steps", type=integer, default=None, metavar="K",
        help="refuse a run of more than K Trotter steps before any work (default 1000000: t_max/dt above "
        "that is usually a typo in --dt)",
    )
    add_cost_arguments(parser)
    add_common_arguments(parser, RUN_DEFAULTS.get(kind, OTHER_DEFAULTS))
    parser.set_defaults(handler=run_chain)


def add_pair_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``run pair``: the fields of :class:`verify.models.PairOnRing` and the initial state."""
    add_dataclass_arguments(parser, PairOnRing)
    parser.add_argument("--pair", choices=list(PAIR_STATES), default="singlet", help="initial electron state")
    parser.add_argument("--theta", type=finite_float, default=None, help="phase of the theta state (--pair theta)")
    add_common_arguments(parser, RUN_DEFAULTS["pair"])
    parser.set_defaults(handler=run_pair)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-subcommands of ``run``: one per chain-model kind, and ``pair``; defaults = the papers' values."""
    models = parser.add_subparsers(dest="model", metavar="MODEL", required=True)
    for kind in chain_kinds():
        help_text = kind_help(MODEL_KINDS[kind])
        add_chain_arguments(models.add_parser(kind, help=help_text.replace("%", "%%"), description=help_text), kind)
    help_text = kind_help(PairOnRing)
    add_pair_arguments(models.add_parser("pair", help=help_text.replace("%", "%%"), description=help_text))


def run(args: argparse.Namespace) -> int:
    """Execute ``run`` for parsed arguments; return the exit status."""
    return args.handler(args)


# --------------------------------------------------------------------------------------- run helpers
def check_output_path(out: str) -> Path:
    """Validate ``--out`` before any work: :func:`verify.records.check_output_path` (a .npz path whose
    directory exists or can be created), with the messages naming ``--out``.

    Raises
    ------
    ValueError
        Naming the problem (suffix, an existing directory at the path, an ancestor that is a file or
        not writable).
    """
    from verify.records import check_output_path as check_path

    return check_path(out, what="--out")


def execute(
    label: str, args: argparse.Namespace, simulate: Callable[[Callable[[float], None]], Any], detail: str
) -> int:
    """Validate the output path, simulate with a progress line, save, print the summary line."""
    try:
        path = check_output_path(args.out)
    except ValueError as exc:
        return fail(exc)
    progress = TerminalProgress(label, enabled=args.progress or sys.stderr.isatty())
    start = time.perf_counter()
    try:
        result = simulate(progress)
    except USAGE_ERRORS as exc:
        progress.close()
        return fail(exc)
    except (RuntimeError, MemoryError) as exc:  # not a usage error: numerical failure or out of memory
        progress.close()
        print(f"error: {label} failed: {' '.join((str(exc) or type(exc).__name__).split())}", file=sys.stderr)
        return EXIT_FAILED
    progress.close()
    result.meta.setdefault("command", shlex.join(["python", "-m", "verify", *getattr(args, "argv", [])]))
    try:
        result.save(path)
    except (OSError, ValueError) as exc:
        return fail(f"cannot write {path}: {exc}")
    wall = time.perf_counter() - start
    drifts = ", ".join(f"{name} {value:.2e}" for name, value in result.meta.get("drifts", {}).items())
    print(f"wrote {path} ({detail}, {result.arrays['t'].size} times) in {wall:.1f} s; drifts: {drifts}")
    return EXIT_OK


def tebd_only_given(args: argparse.Namespace) -> list[str]:
    """The flags of ``args`` that only apply to ``--method tebd`` and were given (``["--dt", ...]``)."""
    names = [f.name for f in dataclasses.fields(TEBDOptions) if f.name in given_fields(args)]
    names += [name for name in TEBD_RUN_OPTIONS if getattr(args, name, None) is not None]
    return [f"--{name.replace('_', '-')}" for name in names]


def checkpoint_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments of :func:`verify.records.simulate_tebd` for the checkpoint flags."""
    return {"checkpoint": args.checkpoint, "checkpoint_every": args.checkpoint_every, "resume": bool(args.resume)}


def run_chain(args: argparse.Namespace) -> int:
    """``run KIND`` for a chain model: exact or TEBD evolution of the model built from the flags."""
    from verify.records import simulate_exact, simulate_tebd

    try:
        check_cost(None, args, exact=False)
        model = dataclass_from_arguments(MODEL_KINDS[args.model], args)
        check_cost(model, args, exact=args.method == "exact")
        if args.method == "exact":
            given = tebd_only_given(args)
            if given:
                raise ValueError(f"{', '.join(given)}: only used with --method tebd")

            def simulate(progress: Callable[[float], None]) -> Any:
                return simulate_exact(model, t_max=args.t_max, dt_out=args.dt_out, cut=args.cut, progress=progress)

        else:
            options, saving = dataclass_from_arguments(TEBDOptions, args), checkpoint_options(args)
            if args.max_steps is not None:
                saving["max_steps"] = args.max_steps

            def simulate(progress: Callable[[float], None]) -> Any:
                return simulate_tebd(model, t_max=args.t_max, dt_out=args.dt_out, options=options, cut=args.cut,
                                     progress=progress, **saving)

        detail = f"{describe_model(model)}, {args.method}"
    except USAGE_ERRORS as exc:
        return fail(exc)
    return execute(f"{args.model} {args.method}", args, simulate, detail)


def run_pair(args: argparse.Namespace) -> int:
    """``run pair``: exact evolution of the pair on a ring (:func:`verify.records.simulate_pair`)."""
    from verify.records import simulate_pair

    try:
        model = dataclass_from_arguments(PairOnRing, args)
    except USAGE_ERRORS as exc:
        return fail(exc)

    def simulate(progress: Callable[[float], None]) -> Any:
        return simulate_pair(
            model, args.pair, theta=args.theta, t_max=args.t_max, dt_out=args.dt_out, progress=progress
        )

    return execute("pair", args, simulate, f"pair {args.pair}, N={model.n_sites} L={model.n_spins}")
