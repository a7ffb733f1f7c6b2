"""Where a TEBD run stopped being exact in χ_max: the first output interval in which χ_max cut.

A TEBD record counts, per output time t_i, the Trotter steps in (t_{i−1}, t_i] at which χ_max had to
override the truncation threshold ``trunc`` (``truncation_limited_steps``). Before the first such step
every kept Schmidt spectrum was chosen by ``trunc`` alone. A run of the same model, initial state, δt,
Trotter order and scheme, ``trunc`` and backend at any larger χ_max therefore keeps the same blocks and is
the same computation, bit for bit (the charged backend runs its decompositions on one BLAS thread, so
the arithmetic is the same): the run is converged in χ_max that far without a second run.
``tests/paper_figs/test_reversal_map.py`` checks this against the twin run. :func:`first_cut_index`
reads the index from the array (used by the checks of :mod:`verify.checks.laws`), :func:`chi_exact_until`
the time from a record (used by :func:`verify.checks.compare_runs` and the reversal map).
"""

from __future__ import annotations

import math
import os

import numpy as np

from verify.records import RunResult, load_run

__all__ = ["chi_exact_until", "first_cut_index", "load_record_object"]


def load_record_object(record: object) -> tuple[RunResult, str | None]:
    """A RunResult and its path (None when given as an object).

    Raises
    ------
    TypeError
        For anything but a RunResult or a path.
    FileNotFoundError
        For a missing record file.
    """
    if isinstance(record, RunResult):
        return record, None
    if isinstance(record, (str, os.PathLike)):
        return load_run(record), str(record)
    raise TypeError(f"records must be RunResult objects or paths of run records, got {type(record).__name__}")


def first_cut_index(limited: np.ndarray) -> int | None:
    """Index of the first output whose interval holds a step at which χ_max cut (None: χ_max never cut)."""
    cut = np.flatnonzero(np.asarray(limited) > 0)
    return int(cut[0]) if cut.size else None


def chi_exact_until(record: object) -> float:
    """The last output time before χ_max first overrode the truncation threshold of a TEBD run.

    Until then a run at any larger χ_max (same model, δt, order, scheme, ``trunc`` and backend) is the
    same computation, bit for bit (module docstring). An exact run, and a TEBD run that never hit χ_max,
    are exact in χ over their whole window.

    Parameters
    ----------
    record : RunResult or path
        A run record with ``t`` and, unless ``meta.method`` is ``"exact"``, ``truncation_limited_steps``.

    Returns
    -------
    float
        The time; NaN when χ_max already cut before the first output (not possible for records of this
        package, whose first output is t = 0).

    Raises
    ------
    TypeError
        For anything but a RunResult or a path.
    ValueError
        For a record that is not exact and has no ``truncation_limited_steps``.
    """
    result, _ = load_record_object(record)
    times = np.asarray(result.arrays["t"], dtype=float)
    if result.meta.get("method") == "exact":
        return float(times[-1])
    if "truncation_limited_steps" not in result.arrays:
        raise ValueError("the record has no truncation_limited_steps: cannot tell where chi_max first cut")
    first = first_cut_index(result.arrays["truncation_limited_steps"])
    if first is None:
        return float(times[-1])
    return float(times[first - 1]) if first > 0 else math.nan
