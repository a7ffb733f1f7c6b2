r"""Reading a reversal off the runs of one point: the converged window, reversed or not, and a row's threshold.

Used by the reversal map (:mod:`paper_figs.prx_reversal_map`), and usable on any runs of one PRX chain at
several χ_max (the package's, or a user's records with the same keys).

Window
------
The runs of a point are ordered by accuracy, the most accurate last. Its converged window ends at the
later of

* :func:`verify.checks.chi_exact_until` of the most accurate run: until then it is exact in χ_max (a run
  at any larger χ_max is the same computation), and
* the :func:`verify.checks.compare_runs` horizon of the next less accurate run against it on
  :data:`MAP_KEYS` with tolerance :data:`WINDOW_TOLERANCE` = :data:`POSITIVE`/2: inside the window the two
  runs agree on the sign of every value above :data:`POSITIVE`,

and never after ``t_end``, the last output of the physical window: t_max, or a short chain's trusted
time before the pulse reflected at its far end is back (:func:`paper_figs._prx.reflection_trusted_time`).
The window is converged in χ_max only: the truncation threshold ``trunc`` is the same in every run, and
its accumulated error at the window's end is reported (``truncation_error``).

Both bounds are first events (the first χ_max cut, the first difference above the tolerance), so once both
have happened the window is final: :func:`window_final` tells a running TEBD run that it can stop there,
and a record stopped so is read exactly as the finished run would be.

Status
------
*reversed* when the quantity (S^z_1, or Σ_i S^z_i / N_FM) exceeds :data:`POSITIVE` at an output of the window;
*not reversed* when it does not and the window reaches ``t_end``; *open* when it does not within a window
that ends before ``t_end`` — then the runs have not decided it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from paper_figs.cache import source_digest
from verify.checks import chi_exact_until, compare_runs
from verify.checks.compare import run_settings
from verify.records.run import RunResult, output_times

__all__ = [
    "MAP_KEYS",
    "POSITIVE",
    "STATUS",
    "WINDOW_RULE_SOURCES",
    "WINDOW_TOLERANCE",
    "PointResult",
    "converged_window",
    "last_output",
    "reaches",
    "summarize_point",
    "threshold_bracket",
    "threshold_table",
    "window_final",
    "window_rule_digest",
]

POSITIVE = 1e-2
"""S^z_1, or the magnetization per localized spin Σ_i S^z_i / N_FM (Pauli units, |value| ≤ 1), counts as
reversed (positive) above this value: a hundredth of its largest size, what a colour map resolves, and
twice :data:`WINDOW_TOLERANCE`."""

WINDOW_TOLERANCE = POSITIVE / 2
"""Largest difference between the two most accurate runs inside a converged window (absolute, per entry of
:data:`MAP_KEYS`): a value above :data:`POSITIVE` in one run is above POSITIVE/2 > 0 in the other, so
the runs agree on every reversal the map reports. The default of ``verify compare`` (1e-3) would also
bound the values more tightly than the map prints them (two decimals) at the cost of shorter windows."""

MAP_KEYS = ("spin", "spin_z_total")
"""Record keys whose agreement defines a point's converged window (what the map reads)."""

STATUS = {"reversed": 1, "not reversed": 0, "open": -1}
"""Status codes of :attr:`PointResult.status_first` and :attr:`PointResult.status_spins`."""

_EPS = 1e-9  # output times are k·dt_out products: equal times agree to a few ulps


@dataclass(frozen=True)
class PointResult:
    """What the runs of one point say (module docstring).

    Attributes
    ----------
    t_window : float
        End of the converged window (ħ/γ), an output time.
    t_end : float
        End of the physical window (the last output ≤ min(t_max, reflection limit)).
    chi_max : float
        χ_max of the run the values come from (NaN for an exact run).
    chi_exact_until, horizon : float
        The two bounds of the window: the time until which that run never hit χ_max, and the horizon of
        the next less accurate run against it (NaN with one run, or when they differ at once).
    truncation_error : float
        Accumulated discarded weight of that run at ``t_window`` (NaN for an exact run).
    sz_first, sz_last, sz_spins : float
        S^z_1, S^z_{N_FM} and Σ_i S^z_i (Pauli units) at ``t_window``.
    sz_first_max, sz_spins_max : float
        max of S^z_1 and of Σ_i S^z_i over t ≤ ``t_window``.
    t_first_reversed, t_spins_reversed : float
        First time S^z_1 (Σ_i S^z_i / N_FM) exceeds :data:`POSITIVE` in the window (NaN: not in it).
    status_first, status_spins : int
        :data:`STATUS` code: 1 reversed, 0 not reversed, −1 open.
    """

    t_window: float
    t_end: float
    chi_max: float
    chi_exact_until: float
    horizon: float
    truncation_error: float
    sz_first: float
    sz_last: float
    sz_spins: float
    sz_first_max: float
    sz_spins_max: float
    t_first_reversed: float
    t_spins_reversed: float
    status_first: int
    status_spins: int


def reaches(time: float, end: float) -> bool:
    """True when ``time`` is at or after ``end`` (output times equal within a few ulps; NaN never reaches)."""
    return bool(time >= end - _EPS)


def last_output(times: np.ndarray, t_limit: float) -> float:
    """The last output time ≤ ``t_limit`` (the first output when none is)."""
    times = np.asarray(times, dtype=float)
    inside = np.flatnonzero(times <= t_limit + _EPS)
    return float(times[inside[-1]] if inside.size else times[0])


def converged_window(records: Sequence[RunResult], t_end: float = math.inf) -> tuple[float, float, float]:
    """The converged window of one point's runs (module docstring).

    Parameters
    ----------
    records : sequence of RunResult
        The runs of one point, the most accurate last (at least one).
    t_end : float, optional
        End of the physical window; the result never exceeds it.

    Returns
    -------
    tuple of float
        (window end, :func:`verify.checks.chi_exact_until` of the most accurate run, horizon of the
        next run against it on :data:`MAP_KEYS` within :data:`WINDOW_TOLERANCE` — NaN with one run or when
        they differ at once).

    Raises
    ------
    ValueError
        For no records, records :func:`verify.checks.compare_runs` refuses (different models), or a run
        before the most accurate one that was stopped early (``meta.stopped``).
    """
    exact_until, horizon, _ = _window_bounds(records)
    top = records[-1]
    bounds = [v for v in (exact_until, horizon) if not math.isnan(v)]
    window = max(bounds) if bounds else float(top.arrays["t"][0])
    return last_output(top.arrays["t"], min(window, t_end)), exact_until, horizon


def _window_bounds(records: Sequence[RunResult]) -> tuple[float, float, float]:
    """(chi_exact_until of the most accurate run, horizon of the run before it, last time both hold)."""
    if not records:
        raise ValueError("converged_window needs at least one run")
    top = records[-1]
    exact_until = chi_exact_until(top)
    horizon, common_end = math.nan, float(np.asarray(top.arrays["t"], dtype=float)[-1])
    if len(records) > 1:
        if "stopped" in records[-2].meta:  # its horizon would end where it stopped, not where the runs part
            raise ValueError("the run before the most accurate one was stopped early: compare against it "
                             "run to its t_max")
        tolerances = dict.fromkeys(MAP_KEYS, WINDOW_TOLERANCE)
        (run,) = compare_runs([records[-2], top], reference=1, tolerances=tolerances).runs
        values = [run.horizons[key] for key in MAP_KEYS]
        horizon = math.nan if any(math.isnan(v) for v in values) else min(values)
        common_end = run.full_window
    return exact_until, horizon, common_end


def window_final(records: Sequence[RunResult]) -> bool:
    """True when the converged window of ``records`` (:func:`converged_window`) can no longer change as the
    most accurate run goes on: χ_max has cut it (its :func:`verify.checks.chi_exact_until` lies before its
    last output) and it has parted from the run before it (their horizon lies before that output, or
    they differ at once). Both are first events, so the window and every value read inside it are those
    of the finished run: the question a run asks after each output (``stop`` of
    :func:`verify.records.simulate_tebd`) to end where its larger χ_max has told all it can.

    Parameters
    ----------
    records : sequence of RunResult
        The runs of one point, the most accurate last (possibly still running: its record so far). The
        runs part only at a time both hold (a coarser or shorter earlier run cannot make them part early).

    Returns
    -------
    bool
        False for fewer than two runs (no second run to part from).

    Raises
    ------
    ValueError
        As :func:`converged_window`, for two or more runs once the most accurate one has been cut.
    """
    if len(records) < 2:
        return False
    t_last = float(np.asarray(records[-1].arrays["t"], dtype=float)[-1])
    if reaches(chi_exact_until(records[-1]), t_last):  # not cut yet: no need to compare (asked every output)
        return False
    _, horizon, common_end = _window_bounds(records)
    return not reaches(horizon, common_end)  # parted at a time both runs hold


WINDOW_RULE_SOURCES = ("paper_figs.reversal_analysis", "verify.checks.compare", "verify.checks.truncation")
"""The modules whose source decides where :func:`window_final` stops a run."""


def window_rule_digest() -> str:
    """Digest of the sources of the stop rule.

    Part of the cache key of every run stopped by :func:`window_final`, so that an edited rule reruns
    them instead of reading windows off records it would have stopped elsewhere (any edit of these
    modules counts, a docstring too: reuse is given up for safety).

    Returns
    -------
    str
        The first 16 hex digits of :func:`paper_figs.cache.source_digest` of :data:`WINDOW_RULE_SOURCES`.
    """
    return source_digest(WINDOW_RULE_SOURCES)[:16]


def _asked_times(record: RunResult) -> np.ndarray:
    """The output grid the run was asked for: its own, or for a run stopped early (``meta.stopped``) the
    grid to the t_max it was asked to reach."""
    stopped = record.meta.get("stopped")
    if stopped is None:
        return np.asarray(record.arrays["t"], dtype=float)
    return output_times(float(stopped["t_max_asked"]), float(record.meta["dt_out"]))


def _first_above(times: np.ndarray, values: np.ndarray) -> float:
    above = np.flatnonzero(values > POSITIVE)
    return float(times[above[0]]) if above.size else math.nan


def _status(t_reversed: float, t_window: float, t_end: float) -> int:
    if not math.isnan(t_reversed):
        return STATUS["reversed"]
    return STATUS["not reversed"] if reaches(t_window, t_end) else STATUS["open"]


def summarize_point(records: Sequence[RunResult], t_end: float = math.inf) -> PointResult:
    """The :class:`PointResult` of one point.

    Parameters
    ----------
    records : sequence of RunResult
        The runs of one point (``t``, ``spin`` (n_t, N_FM, 3), ``spin_z_total``), the most accurate last.
    t_end : float, optional
        End of the physical window (default: the last output the most accurate run was asked for — its
        own, or for a run stopped early the last of the grid to its asked t_max).

    Returns
    -------
    PointResult

    Raises
    ------
    ValueError
        As :func:`converged_window`; for a most accurate run that stopped early before its window was final
        (stopped by another rule: rerun it).
    """
    top = records[-1]
    if "stopped" in top.meta and not window_final(records):
        raise ValueError("the most accurate run stopped before its window was final (by another stop rule?): "
                         "rerun it")
    times = np.asarray(top.arrays["t"], dtype=float)
    t_end = last_output(_asked_times(top), t_end)
    window, exact_until, horizon = converged_window(records, t_end)
    inside = times <= window + _EPS
    index = int(np.flatnonzero(inside)[-1])
    sz = np.asarray(top.arrays["spin"], dtype=float)[..., 2]  # (n_t, N_FM), Pauli units
    total = np.asarray(top.arrays["spin_z_total"], dtype=float)
    t_first = _first_above(times[inside], sz[inside, 0])
    t_spins = _first_above(times[inside], total[inside] / sz.shape[1])  # per spin: the scale of POSITIVE
    chi = run_settings(top.meta).get("chi_max")
    error = np.asarray(top.arrays["truncation_error"], dtype=float)[index] if "truncation_error" in top.arrays else None
    return PointResult(
        t_window=window, t_end=t_end, chi_max=math.nan if chi is None else float(chi),
        chi_exact_until=exact_until, horizon=horizon, truncation_error=math.nan if error is None else float(error),
        sz_first=float(sz[index, 0]), sz_last=float(sz[index, -1]), sz_spins=float(total[index]),
        sz_first_max=float(sz[inside, 0].max()), sz_spins_max=float(total[inside].max()),
        t_first_reversed=t_first, t_spins_reversed=t_spins,
        status_first=_status(t_first, window, t_end), status_spins=_status(t_spins, window, t_end),
    )


def threshold_bracket(n_e_values: Sequence[int], statuses: Sequence[int]) -> tuple[float, float]:
    """The bracket (lower, upper) of a row's threshold N_e*, the smallest N_e that reverses.

    Parameters
    ----------
    n_e_values : sequence of int
        The row's electron numbers, ascending.
    statuses : sequence of int
        Their :data:`STATUS` codes.

    Returns
    -------
    tuple of float
        ``upper``: the smallest reversed N_e (NaN when none is). ``lower``: the smallest N_e that is not
        converged "not reversed" (NaN when every one is), so every N_e below it does not reverse and
        lower ≤ N_e* ≤ upper; lower == upper is the threshold itself.
    """
    pairs = list(zip(n_e_values, statuses, strict=True))
    upper = next((n for n, s in pairs if s == STATUS["reversed"]), math.nan)
    lower = next((n for n, s in pairs if s != STATUS["not reversed"]), math.nan)
    return float(lower), float(upper)


_STATUS_LETTER = {STATUS["reversed"]: "R", STATUS["not reversed"]: "n", STATUS["open"]: "?"}


def _bracket_text(lower: float, upper: float, largest: int) -> str:
    """N_e* from its bracket (:func:`threshold_bracket`) as a reader writes it."""
    if math.isnan(lower):
        return f"> {largest} (none reverses)"
    if math.isnan(upper):
        return f"≥ {lower:.0f} (open)"
    return f"{lower:.0f}" if lower == upper else f"{lower:.0f}–{upper:.0f} (open)"


def threshold_table(data: Mapping[str, np.ndarray], normalizations: Sequence[str]) -> str:
    """The map's thresholds and windows as a Markdown table, one line per (normalization, row).

    Parameters
    ----------
    data : mapping
        The reversal map's arrays (:func:`paper_figs.prx_reversal_map.compute`): ``threshold_first``,
        ``threshold_spins`` (normalizations, rows, 2), ``status_first``, ``status_spins``, ``t_window``
        (normalizations, rows, N_e values), ``n_e``, ``row_n_fm``, ``row_j_sd``.
    normalizations : sequence of str
        Their names, in the arrays' order.

    Returns
    -------
    str
        Columns: normalization, N_FM, J_sd, N_e* of S^z_1 and of Σ_i S^z_i, then every point as
        ``N_e:status/status@t_window`` (status of S^z_1 / of the magnetization: R reversed, n not reversed,
        ? open).
    """
    n_e = [int(n) for n in np.asarray(data["n_e"])]
    lines = ["| normalization | N_FM | J_sd | N_e* (S^z_1) | N_e* (Σ_i S^z_i) | points N_e:S^z_1/Σ@t_window |",
             "|---|---|---|---|---|---|"]
    for k, norm in enumerate(normalizations):
        for r, (n_fm, j_sd) in enumerate(zip(data["row_n_fm"], data["row_j_sd"], strict=True)):
            first, spins = (_bracket_text(*np.asarray(data[key])[k, r], n_e[-1])
                            for key in ("threshold_first", "threshold_spins"))
            points = " ".join(
                f"{n}:{_STATUS_LETTER[int(data['status_first'][k, r, i])]}/"
                f"{_STATUS_LETTER[int(data['status_spins'][k, r, i])]}@{float(data['t_window'][k, r, i]):.1f}"
                for i, n in enumerate(n_e))
            lines.append(f"| {norm} | {int(n_fm)} | {float(j_sd):g} | {first} | {spins} | {points} |")
    return "\n".join(lines)
