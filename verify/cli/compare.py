"""``python -m verify compare A.npz B.npz [C.npz ...]``: the convergence horizon of runs of one model.

::

    python -m verify compare chi64.npz chi128.npz chi256.npz [--reference chi256.npz] \\
        [--tol spin=1e-4 --tol energy=1e-6] [--plot horizon.png]

Runs of the same model (same parameters, initial state and entropy cut) made with different χ_max,
truncation, δt, Trotter order or method are compared with the most accurate one by
:func:`verify.checks.compare_runs`: exact beats TEBD; among TEBD runs the reference must have the
largest χ_max, the smallest ``trunc``, the smallest δt and the highest order of all (at least as good
in each, better in one); ties and conflicting settings are refused with a request for ``--reference``.
Records on different output grids are compared on their common times.

The summary says whether the reference itself ever hit its χ_max (:func:`verify.checks.chi_exact_until`):
until then it is exact in χ_max, and a run at any larger χ_max would equal it. Then a table: per
observable (every record key the runs share; site arrays by their largest deviation over sites) its
tolerance and, per run, the time up to which it agrees with the reference
(``all``: the whole common window; ``none``: not even at the first time) and its largest deviation.
Default tolerances: 1e-3 absolute, the energy 1e-3·max(1, |E(0)|) (``--tol KEY=VALUE`` replaces one).
``--plot FILE`` writes the deviations against t (log scale) as FILE.png and FILE.pdf, the plotted data as
FILE.npz and the inputs as FILE.json (:mod:`verify.cli.compare_plot`).

Exit status: 0 when every run agrees with the reference over the whole common window, 1 otherwise, 2 for
bad input (one ``error:`` line: runs of different models, a missing file, no common time, no most
accurate run without ``--reference``).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from verify.cli.common import EXIT_FAILED, EXIT_OK, USAGE_ERRORS, fail
from verify.cli.crosscheck import parse_tolerances

__all__ = ["HELP", "add_arguments", "format_horizon_table", "horizon_text", "run"]

HELP = "convergence horizon: up to which t runs at different chi_max, dt, order or method agree; exit 1 if not all"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Positional run records, ``--reference``, ``--tol``, ``--plot``."""
    parser.add_argument("runs", nargs="+", metavar="RUN.npz", help="run records of the same model (two or more)")
    parser.add_argument("--reference", metavar="RUN.npz", default=None,
                        help="the reference run (one of RUN.npz or another record); default: the most accurate")
    parser.add_argument("--tol", action="append", metavar="KEY=VALUE",
                        help="absolute tolerance of a record key (repeatable; default 1e-3, energy 1e-3 max(1,|E0|))")
    parser.add_argument("--plot", metavar="FILE", default=None,
                        help="write the deviations against t as FILE.png/.pdf, the data as FILE.npz, inputs as .json")


def horizon_text(value: float, full: float) -> str:
    """``all`` for the whole window, ``none`` for NaN, else the time."""
    if math.isnan(value):
        return "none"
    return "all" if value == full else f"{value:g}"


def format_horizon_table(report) -> str:
    """The table of the module docstring for a :class:`verify.checks.ComparisonReport`."""
    width = max(12, *(len(run.label) for run in report.runs))
    header = f"{'observable':<22} {'tolerance':>9}" + "".join(f"  {run.label:>{width}} {'max dev':>9}"
                                                              for run in report.runs)
    lines = [header]
    for key in report.keys:
        row = f"{key:<22} {report.tolerances[key]:9.1e}"
        for run in report.runs:
            text = horizon_text(run.horizons[key], run.full_window)
            row += f"  {text:>{width}} {run.max_deviation[key]:9.1e}"
        lines.append(row)
    row = f"{'all observables':<22} {'':>9}"
    for run in report.runs:
        row += f"  {horizon_text(run.horizon, run.full_window):>{width}} {'':>9}"
    lines.append(row)
    return "\n".join(lines)


def _summary(report) -> str:
    ref = report.labels[report.reference]
    times = report.times
    verdicts = [
        f"{run.label} " + ("agrees" if run.agrees else f"trusted to t = {horizon_text(run.horizon, run.full_window)}")
        for run in report.runs
    ]
    return (
        f"compare: {len(report.labels)} runs of {(report.model or {}).get('model', 'an unnamed model')}, common window "
        f"t = {times[0]:g} .. {times[-1]:g} ({times.size} times)\n"
        f"reference: {ref} ({report.reference_reason}){_reference_chi_note(report)}\n"
        f"horizon = time up to which each run agrees with the reference within the tolerance; "
        f"{'; '.join(verdicts)}"
    )


def _reference_chi_note(report) -> str:
    """Whether the reference itself is exact in χ_max over the window (:func:`verify.checks.chi_exact_until`)."""
    from verify.checks.compare import CUT_BEFORE_FIRST_OUTPUT

    value = report.chi_exact[report.reference] if report.chi_exact else None
    if value is None or report.settings[report.reference].get("method") != "tebd":
        return ""
    if value >= float(report.times[-1]):
        return "; it did not hit chi_max within the window: converged in chi_max there"
    when = CUT_BEFORE_FIRST_OUTPUT if math.isnan(value) else f"after t = {value:g}"
    return f"; its chi_max first cut {when}: beyond that it is itself truncation-limited (a larger chi_max extends it)"


def run(args: argparse.Namespace) -> int:
    """``compare``: :func:`verify.checks.compare_runs` on the files, the table, the optional plot."""
    from verify.checks.compare import compare_runs

    try:
        plot = Path(args.plot) if args.plot is not None else None
        if plot is not None and plot.is_dir():
            raise ValueError(f"--plot {plot}: is a directory; give a file name such as horizon.png")
        report = compare_runs(args.runs, reference=args.reference, tolerances=parse_tolerances(args.tol))
    except USAGE_ERRORS as exc:
        return fail(exc)
    print(_summary(report))
    print(format_horizon_table(report))
    if plot is not None:
        from verify.cli.compare_plot import write_horizon_figure

        try:
            paths = write_horizon_figure(report, plot, inputs=[str(p) for p in args.runs], reference=args.reference)
        except (OSError, ValueError) as exc:
            return fail(f"--plot {plot}: {exc}")
        print("wrote " + ", ".join(str(p) for p in paths.values()))
    sys.stdout.flush()
    return EXIT_OK if report.passed else EXIT_FAILED
