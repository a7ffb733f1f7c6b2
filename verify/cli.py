"""Command line of the package: ``python -m verify SUBCOMMAND ...``.

Subcommands are a registry (:data:`SUBCOMMANDS`): each entry names a module that provides

* ``HELP`` — one line for ``python -m verify --help``;
* ``add_arguments(parser)`` — fills in the subcommand's ``argparse`` parser;
* ``run(args) -> int`` — executes it and returns the exit status.

A new subcommand (``crosscheck``, ``check``, ...) is one line in :data:`SUBCOMMANDS`; modules are
imported when the parser is built, so a registered module that does not exist yet is skipped.

``run`` (this module) simulates a model and writes a run record (``docs/run_records.md``)::

    python -m verify run prx  --n-sites 12 --n-left 5 --n-fm 3 --n-conf 3 --n-e 3 --t-max 20 --out run.npz
    python -m verify run pair --n-sites 200 --pair singlet --t-max 60 --out pair.npz

Errors: invalid parameters (from argparse, the model classes or the evolvers) print exactly one
line ``error: ...`` on stderr and exit with status 2; no traceback, no file is written. A valid run
that fails numerically (no convergence, out of memory) prints one line and exits with status 1.
On success one summary line (file, wall time, conservation drifts) goes to stdout.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

__all__ = [
    "EXIT_USAGE",
    "SUBCOMMANDS",
    "OneLineParser",
    "TerminalProgress",
    "build_parser",
    "finite_float",
    "main",
]

EXIT_OK = 0
EXIT_FAILED = 1
"""Exit status when a valid run fails (no convergence, out of memory)."""
EXIT_USAGE = 2
"""Exit status for invalid parameters (argparse's convention)."""

SUBCOMMANDS: dict[str, str] = {
    "run": "verify.cli",
    "check": "verify.check_cli",
    "crosscheck": "verify.crosscheck_cli",
}
"""Subcommand name → module providing ``HELP``, ``add_arguments(parser)`` and ``run(args)``."""

HELP = "simulate a model (PRX chain or pair on a ring) and write a run record (.npz + .json)"

PROGRESS_DELAY = 2.0
"""Seconds before the progress line appears (short runs stay silent)."""
PROGRESS_INTERVAL = 0.5
"""Minimum seconds between two progress updates."""

ETA_WINDOW: float = 60.0
"""Seconds of recent progress from which the time left is extrapolated."""


class OneLineParser(argparse.ArgumentParser):
    """ArgumentParser whose errors are a single ``error: ...`` line on stderr (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {self.prog}: {' '.join(message.split())} (see --help)\n")


def fail(message: str) -> int:
    """Print ``error: message`` as one line on stderr and return :data:`EXIT_USAGE`."""
    print(f"error: {' '.join(str(message).split())}", file=sys.stderr)
    return EXIT_USAGE


class TerminalProgress:
    """Progress callback ``progress(fraction)`` drawing one updating line on stderr.

    Silent for the first :data:`PROGRESS_DELAY` seconds and unless enabled (stderr is a terminal or
    ``--progress`` was given); updates at most every :data:`PROGRESS_INTERVAL` seconds. The time left
    is extrapolated from the rate of the last minute, not from the start: a resumed run starts at a
    fraction > 0, and TEBD steps slow down as the bond dimension grows.
    """

    def __init__(self, label: str, enabled: bool, stream: Any = None) -> None:
        self.label = label
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.perf_counter()
        self.last = -math.inf
        self.drawn = False
        self.samples: list[tuple[float, float]] = []  # (time, fraction) of recent calls

    def __call__(self, fraction: float) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        elapsed = now - self.start
        fraction = min(max(float(fraction), 0.0), 1.0)
        self.samples = [(t, f) for t, f in self.samples if now - t <= ETA_WINDOW] + [(now, fraction)]
        if elapsed < PROGRESS_DELAY or (now - self.last < PROGRESS_INTERVAL and fraction < 1.0):
            return
        self.last = now
        (t_old, f_old), eta = self.samples[0], ""
        if 0 < fraction < 1 and fraction > f_old and now > t_old:
            eta = f", ~{(now - t_old) / (fraction - f_old) * (1 - fraction):.0f} s left"
        self.stream.write(f"\r{self.label}: {100 * fraction:5.1f}% after {elapsed:.0f} s{eta}   ")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """End the progress line (if one was drawn)."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


# --------------------------------------------------------------------------------------- arguments


def finite_float(text: str) -> float:
    """argparse type: a finite float (one-line error otherwise)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _add_common(parser: argparse.ArgumentParser, t_max: float, dt_out: float, unit: str) -> None:
    parser.add_argument("--t-max", type=finite_float, default=t_max, help=f"final time in {unit} (default {t_max})")
    parser.add_argument(
        "--dt-out", type=finite_float, default=dt_out, help=f"output spacing in {unit} (default {dt_out})"
    )
    parser.add_argument("--out", required=True, help="run record to write (.npz; a .json sidecar goes next to it)")
    parser.add_argument(
        "--progress", action="store_true", help="draw a progress line on stderr even when it is not a terminal"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``run`` (sub-subcommands ``prx`` and ``pair``), defaults = the papers' values."""
    from verify.models import PAIR_STATES, SD_TERMS, SPIN_CONVENTIONS, PairOnRing, PRXChain
    from verify.tebd import TEBDOptions

    models = parser.add_subparsers(dest="model", metavar="MODEL", required=True)
    prx = models.add_parser("prx", help="PRX chain (PRX Eqs. 1-5), sites 1..N as in the paper")
    d = PRXChain()
    prx.add_argument("--n-sites", type=int, default=d.n_sites, help=f"N (default {d.n_sites})")
    prx.add_argument("--n-left", type=int, default=d.n_left, help=f"N_L (default {d.n_left})")
    prx.add_argument("--n-fm", type=int, default=d.n_fm, help=f"N_FM (default {d.n_fm})")
    prx.add_argument("--n-conf", type=int, default=d.n_conf, help=f"N_conf (default {d.n_conf})")
    prx.add_argument("--n-e", type=int, default=d.n_e, help=f"N_e (default {d.n_e})")
    prx.add_argument("--polarization", choices=["z", "x"], default=d.polarization, help="electron polarization")
    prx.add_argument("--hopping", type=finite_float, default=d.hopping, help=f"gamma (default {d.hopping})")
    prx.add_argument("--j-xy", type=finite_float, default=d.j_xy, help=f"J (default {d.j_xy})")
    prx.add_argument("--j-z", type=finite_float, default=d.j_z, help=f"J_z (default {d.j_z})")
    prx.add_argument("--j-sd", type=finite_float, default=d.j_sd, help=f"J_sd (default {d.j_sd})")
    prx.add_argument("--confinement", type=finite_float, default=d.confinement, help=f"V (default {d.confinement})")
    prx.add_argument("--field", type=finite_float, default=d.field, help=f"|g mu_B B| (default {d.field})")
    prx.add_argument("--cut", type=int, default=None, help="entropy of sites 1..CUT (default (N+1)//2)")
    prx.add_argument("--method", choices=["exact", "tebd"], default="exact", help="evolver (default exact)")
    tebd = prx.add_argument_group("TEBD options (--method tebd only)")
    paper = TEBDOptions()  # the paper's TEBD parameters, written once
    tebd.add_argument("--dt", type=finite_float, default=None, help=f"Trotter step (default {paper.dt})")
    tebd.add_argument("--chi-max", type=int, default=None, help=f"maximal bond dimension (default {paper.chi_max})")
    tebd.add_argument(
        "--trunc", type=finite_float, default=None, help=f"truncation error per SVD (default {paper.trunc})"
    )
    tebd.add_argument("--order", type=int, default=None, help=f"Trotter order (default {paper.order})")
    tebd.add_argument(
        "--scheme", choices=["prx", "even-odd", "forest-ruth", "suzuki"], default=None,
        help="Trotter scheme: prx (PRX Eq. 8, default) or even-odd at order 2; forest-ruth (default) or suzuki at 4",
    )
    tebd.add_argument(
        "--backend", choices=["dense", "charges"], default=None,
        help="tensor storage: dense, or block-sparse conserving (N, 2Sz) / N (default charges)",
    )
    add_checkpoint_arguments(tebd)
    _add_common(prx, t_max=40.0, dt_out=0.5, unit="hbar/gamma")
    prx.set_defaults(handler=_run_prx)

    pair = models.add_parser("pair", help="pair of electrons on a ring (pair paper Eq. 2), sites 1..N")
    p = PairOnRing()
    pair.add_argument("--n-sites", type=int, default=p.n_sites, help=f"ring sites N (default {p.n_sites})")
    pair.add_argument("--n-spins", type=int, default=p.n_spins, help=f"localized spins L (default {p.n_spins})")
    pair.add_argument(
        "--chain-start", type=int, default=p.chain_start, help=f"first chain site (default {p.chain_start})"
    )
    pair.add_argument("--hopping", type=finite_float, default=p.hopping, help=f"t_h in eV (default {p.hopping})")
    pair.add_argument("--j-ex", type=finite_float, default=p.j_ex, help=f"J_ex in eV (default {p.j_ex})")
    pair.add_argument("--j-sd", type=finite_float, default=p.j_sd, help=f"J_sd in eV (default {p.j_sd})")
    pair.add_argument("--x1", type=finite_float, default=p.x1, help=f"centre of packet 1 (default {p.x1})")
    pair.add_argument("--x2", type=finite_float, default=p.x2, help=f"centre of packet 2 (default {p.x2})")
    pair.add_argument("--sigma", type=finite_float, default=p.sigma, help=f"packet width (default {p.sigma})")
    pair.add_argument("--k", type=finite_float, default=p.k, help=f"wave vector in 1/a (default {p.k})")
    pair.add_argument("--pair", choices=list(PAIR_STATES), default="singlet", help="initial electron state")
    pair.add_argument("--theta", type=finite_float, default=None, help="phase of the theta state (--pair theta)")
    pair.add_argument("--terms", choices=list(SD_TERMS), default=p.terms, help="part of the sd term kept")
    pair.add_argument("--convention", choices=list(SPIN_CONVENTIONS), default=p.convention, help="(sigma, S) units")
    _add_common(pair, t_max=60.0, dt_out=0.5, unit="fs")
    pair.set_defaults(handler=_run_pair)


def run(args: argparse.Namespace) -> int:
    """Execute ``run`` for parsed arguments; return the exit status."""
    return args.handler(args)


# --------------------------------------------------------------------------------------- run helpers


def check_output_path(out: str) -> Path:
    """Validate ``--out`` before any work: a .npz path whose directory exists or can be created.

    Raises
    ------
    ValueError
        Naming the problem (suffix, an existing directory at the path, an ancestor that is a file or
        not writable).
    """
    path = Path(out)
    if path.suffix != ".npz":
        raise ValueError(f"--out {out}: run records are .npz files")
    for target in (path, path.with_suffix(".json")):
        if target.is_dir():
            raise ValueError(f"--out {out}: {target} is a directory")
    ancestor = path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ValueError(f"--out {out}: {ancestor} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ValueError(f"--out {out}: directory {ancestor} is not writable")
    return path


def _drift_text(drifts: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:.2e}" for name, value in drifts.items())


def _execute(
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
    except ValueError as exc:
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
    drifts = result.meta.get("drifts", {})
    print(f"wrote {path} ({detail}, {result.arrays['t'].size} times) in {wall:.1f} s; drifts: {_drift_text(drifts)}")
    return EXIT_OK


def _tebd_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments of ``simulate_prx_tebd``: the TEBD options given (the rest keep the defaults of
    :class:`verify.tebd.TEBDOptions`) and the checkpoint options."""
    from verify.tebd import TEBDOptions

    paper = TEBDOptions()
    names = ("dt", "chi_max", "trunc", "order", "scheme", "backend")
    options = {n: (getattr(paper, n) if getattr(args, n, None) is None else getattr(args, n)) for n in names}
    return {**options, **checkpoint_options(args)}


def _model_from_args(cls: type, args: argparse.Namespace) -> Any:
    """The model dataclass built from the parsed options named like its fields (others keep their defaults)."""
    import dataclasses

    return cls(**{f.name: getattr(args, f.name) for f in dataclasses.fields(cls) if hasattr(args, f.name)})


def _run_prx(args: argparse.Namespace) -> int:
    try:
        from verify.models import PRXChain

        model = _model_from_args(PRXChain, args)
        if args.method == "exact":
            given = [f"--{n.replace('_', '-')}" for n in TEBD_ONLY_OPTIONS if getattr(args, n) is not None]
            if given:
                raise ValueError(f"{', '.join(given)}: only used with --method tebd")
            from verify.records import simulate_prx_exact

            def simulate(progress: Callable[[float], None]) -> Any:
                return simulate_prx_exact(model, t_max=args.t_max, dt_out=args.dt_out, cut=args.cut, progress=progress)

        else:
            from verify.records import simulate_prx_tebd

            options = _tebd_options(args)

            def simulate(progress: Callable[[float], None]) -> Any:
                return simulate_prx_tebd(
                    model, t_max=args.t_max, dt_out=args.dt_out, cut=args.cut, progress=progress, **options
                )

    except ValueError as exc:
        return fail(exc)
    detail = f"prx {args.method}, N={model.n_sites} N_e={model.n_e} N_FM={model.n_fm} {model.polarization}"
    return _execute(f"prx {args.method}", args, simulate, detail)


def _run_pair(args: argparse.Namespace) -> int:
    try:
        from verify.models import PairOnRing

        model = _model_from_args(PairOnRing, args)
        from verify.records import simulate_pair
    except ValueError as exc:
        return fail(exc)

    def simulate(progress: Callable[[float], None]) -> Any:
        return simulate_pair(
            model, args.pair, theta=args.theta, t_max=args.t_max, dt_out=args.dt_out, progress=progress
        )

    return _execute("pair", args, simulate, f"pair {args.pair}, N={model.n_sites} L={model.n_spins}")


# --------------------------------------------------------------------------------------- TEBD checkpoints

TEBD_ONLY_OPTIONS = (
    "dt", "chi_max", "trunc", "order", "scheme", "backend", "checkpoint", "checkpoint_every", "resume"
)
"""``run prx`` options that only apply to ``--method tebd``."""


def add_checkpoint_arguments(group: Any) -> None:
    """``--checkpoint PATH --checkpoint-every K --resume`` (see :mod:`verify.checkpoint`)."""
    group.add_argument("--checkpoint", default=None, metavar="PATH", help="checkpoint file (.npz), written atomically")
    group.add_argument(
        "--checkpoint-every", type=int, default=None, metavar="K", help="write the checkpoint every K Trotter steps"
    )
    group.add_argument(
        "--resume",
        action="store_true",
        default=None,
        help="continue from --checkpoint (same parameters; a later --t-max extends a finished run)",
    )


def checkpoint_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments of ``simulate_prx_tebd`` for the checkpoint options that were given."""
    return {
        "checkpoint": args.checkpoint,
        "checkpoint_every": args.checkpoint_every,
        "resume": bool(args.resume),
    }


# --------------------------------------------------------------------------------------- entry point


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m verify`` parser with every available registered subcommand."""
    parser = OneLineParser(prog="python -m verify", description="qstt verification tools")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in SUBCOMMANDS.items():
        try:
            module = sys.modules[__name__] if module_name == __name__ else importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # registered but not written yet
                continue
            raise
        sub = commands.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(command_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; return the exit status (2 for invalid parameters)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = argv
    try:
        return int(args.command_run(args))
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
