"""Command line: ``python -m paper_figs list | all | NAME | movie MOVIE [--quick] [--out DIR] [--jobs J]``.

* ``list`` — the figures, one per line (name, paper, what it shows), then the movies.
* ``movie MOVIE`` — one of the PRX Supplemental movies (:mod:`paper_figs.movies`: ``prx-movie-jsd0.5``,
  ``prx-movie-jsd2``) as MOVIE.gif (+ MOVIE.mp4 with ffmpeg), a still MOVIE.{pdf,png}, MOVIE.npz and
  MOVIE.json in ``--out``; ``--quick`` at the reduced size. ``--cache``, ``--refresh``, ``--jobs``,
  ``--scheduler`` and ``--mpi`` as for figures; ``--set`` does not apply.
* ``all`` — every figure of both papers (the studies beyond them, ``prx-reversal-map``, by name only);
  ``NAME`` (e.g. ``prx-fig8``) — one figure. Each writes NAME.pdf, NAME.png,
  NAME.npz (plotted data) and NAME.json (parameters, version, wall time, size, provenance) into
  ``--out`` (default ``figures_out``). ``--quick`` uses the reduced sizes (minutes), otherwise the
  papers' own parameters are used (the six full-size PRX TEBD runs take about 45 min on two cores).
* ``--jobs J`` runs the parameter sweeps on J local worker processes (1: inline); ``--scheduler ADDRESS``
  on the workers of a running dask scheduler; ``--mpi`` on the MPI ranks of
  ``mpiexec -n N python -m mpi4py.futures -m paper_figs ... --mpi``. Each worker uses its share of its
  machine's cores. A line on stderr reports each finished evolver run. ``--checkpoint-dir DIR``: where
  workers write TEBD checkpoints (default: the run cache; give a directory every worker sees).
* ``--cache DIR`` (default ``<out>/.cache``) holds computed data and run records; ``--refresh``
  recomputes instead of reading it.
* ``NAME --set KEY=VALUE [--set ...]`` overrides parameters of one figure (keys as in NAME.json
  ``params``, ``model.n_sites`` for nested ones; values typed like the defaults). The result is a
  variant written as ``NAME--KEY=VALUE.{pdf,png,npz,json}`` (``NAME-variant-<hash>`` when the values
  are long or not plain), never over NAME.*; see :mod:`paper_figs.variants`.

Bad input (unknown figure or option, bad value) prints one line on stderr and exits with status 2.
A figure whose computation fails prints one line and the command exits with status 1.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import NoReturn

from paper_figs import registry
from paper_figs.registry import MOVIES
from states.validation import int_argument

__all__ = ["main"]

PROG = "python -m paper_figs"


class UsageError(Exception):
    """Bad command-line input (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line on stderr and exit status 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _parser() -> _Parser:
    parser = _Parser(
        prog=PROG,
        description="Build the figures of the PRX (Figs. 3-8) and pair (Figs. 2-4) papers with their data.",
    )
    parser.add_argument("target", help="'list', 'all', 'movie', or a figure name: " + ", ".join(registry.names()))
    parser.add_argument("movie", nargs="?", default=None,
                        help="after 'movie': " + ", ".join(MOVIES))
    parser.add_argument("--quick", action="store_true", help="reduced sizes (minutes instead of hours)")
    parser.add_argument("--out", type=Path, default=Path("figures_out"), help="output directory (figures_out)")
    parser.add_argument("--jobs", type=int_argument(1), default=1, help="local worker processes for sweeps (1)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS", help="run sweeps on this dask scheduler")
    parser.add_argument("--mpi", action="store_true",
                        help="run sweeps on MPI ranks (mpiexec -n N python -m mpi4py.futures -m paper_figs ...)")
    parser.add_argument("--checkpoint-dir", type=Path, default=None,
                        help="directory the workers write TEBD checkpoints to (default: the run cache)")
    parser.add_argument("--cache", type=Path, default=None, help="cache directory (default <out>/.cache)")
    parser.add_argument("--refresh", action="store_true", help="recompute even when cached data exists")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="override a parameter of the figure (repeatable); writes NAME--KEY=VALUE.*")
    parser.add_argument("--size", choices=registry.SIZES, default=None, help=argparse.SUPPRESS)
    return parser


def _report(name: str, result, error: BaseException | None) -> None:
    if error is not None:
        print(f"{name}: FAILED: {type(error).__name__}: {error}".splitlines()[0], file=sys.stderr)
        return
    meta = result.meta
    how = "data cached" if result.cached else f"data computed in {meta['compute_wall_time_s']:.1f} s"
    runs = f" (its evolver runs took {meta['runs_wall_time_s']:.1f} s)" if meta["runs"] else ""
    stem = result.paths["pdf"].with_suffix("")
    print(f"{name}: {how}{runs}, plotted in {meta['plot_wall_time_s']:.1f} s -> {stem}.{{pdf,png,npz,json}}",
          flush=True)


def _overrides(target: str, size: str, items: Sequence[str]) -> dict | None:
    """The typed ``--set`` overrides of figure ``target``, checked by building its run specs (UsageError)."""
    if not items:
        return None
    if target == "all":
        raise UsageError("--set needs one figure name, not 'all'")
    from paper_figs.build import figure_params
    from paper_figs.variants import parse_overrides

    try:
        overrides = parse_overrides(figure_params(target, size), items)
        params = figure_params(target, size, overrides)
        module = registry.get(target).load()
        if hasattr(module, "run_specs"):
            module.run_specs(params)  # constructs every model: bad values fail here, before any run
    except (TypeError, ValueError, KeyError) as exc:
        raise UsageError(f"{target}: {exc}".splitlines()[0]) from None
    return overrides


def _require_writable(folder: Path, what: str) -> None:
    """Create ``folder`` and write a probe file in it now, before any run (UsageError), so an unwritable
    ``--out`` or ``--cache`` exits 2 at once instead of failing after the computation."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write the {what} directory {str(folder)!r}: {exc.strerror or exc}") from None


def _run(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.target != "movie" and args.movie is not None:
        raise UsageError(f"unexpected argument {args.movie!r} after {args.target!r}")
    if args.target == "list":
        width = max(len(name) for name in registry.FIGURES)
        for spec in registry.FIGURES.values():
            extra = "" if spec.in_all else " (by name only, not in 'all')"
            print(f"{spec.name:{width}s} {spec.paper:5s} {spec.description}{extra}")
        for name, j_sd in MOVIES.items():
            print(f"movie {name}  PRX Supplemental movie: the collinear N_e = 8 run at J_sd = {j_sd:g}")
        return 0
    if args.target == "movie" and args.movie is None:
        raise UsageError("'movie' needs one movie name: " + ", ".join(MOVIES))
    if args.target == "movie" and args.movie not in MOVIES:
        raise UsageError(f"unknown movie {args.movie!r}: use one of " + ", ".join(MOVIES))
    if args.target == "movie" and args.overrides:
        raise UsageError("--set applies to figures, not to movies")
    if args.target not in ("all", "movie"):
        try:
            registry.get(args.target)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if args.size is not None and args.quick and args.size != "quick":
        raise UsageError("--quick and --size disagree")
    size = args.size or ("quick" if args.quick else "full")
    for folder, what in ((args.out, "output"), (args.cache, "cache"), (args.checkpoint_dir, "checkpoint")):
        if folder is not None:
            _require_writable(folder, what)

    if args.target == "movie":
        return _movie(args, size)

    from paper_figs.build import build_all

    names = registry.default_names() if args.target == "all" else [args.target]
    overrides = _overrides(args.target, size, args.overrides)
    start = time.perf_counter()
    with ExitStack() as stack:
        executor = _sweep_executor(stack, args)
        results = build_all(size=size, out=args.out, cache_dir=args.cache, executor=executor, names=names,
                            on_done=_report, log=lambda text: print(text, flush=True), refresh=args.refresh,
                            overrides=overrides)
    failed = [name for name, value in results.items() if isinstance(value, BaseException)]
    if len(names) > 1:
        print(f"{len(names) - len(failed)}/{len(names)} figures ({size}) in {time.perf_counter() - start:.1f} s "
              f"-> {args.out}", flush=True)
    return 1 if failed else 0


def _sweep_executor(stack: ExitStack, args: argparse.Namespace):
    """The executor of ``--jobs``/``--scheduler``/``--mpi`` and the sweep options (``--checkpoint-dir``, a line
    per finished run), entered on ``stack``; a bad executor choice is a UsageError."""
    from paper_figs.sweep import make_executor, print_run_done, sweep_options

    try:
        executor = stack.enter_context(make_executor(args.jobs, scheduler=args.scheduler, mpi=args.mpi))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    stack.enter_context(sweep_options(args.checkpoint_dir, on_run_done=print_run_done))
    return executor


def _movie(args: argparse.Namespace, size: str) -> int:
    """``movie MOVIE``: write the movie (:func:`paper_figs.movies.make_movie`), one line per output."""
    from paper_figs.movies import make_movie

    start = time.perf_counter()
    with ExitStack() as stack:
        executor = _sweep_executor(stack, args)
        try:
            paths = make_movie(args.movie, size=size, out=args.out, cache_dir=args.cache, executor=executor,
                               refresh=args.refresh)
        except Exception as exc:  # a failed run or writer: one line, status 1 (as a failed figure)
            print(f"{args.movie}: FAILED: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
            return 1
    stem = paths["json"].with_suffix("")
    print(f"{args.movie} ({size}) in {time.perf_counter() - start:.1f} s -> {stem}.{{{','.join(paths)}}}", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 1 a figure failed, 2 bad input)."""
    try:
        return _run(argv)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
