r"""The reversal map (beyond the PRX): when does the first localized spin, and the FM chain, turn over?

The PRX (Sec. IV) says that the reversal of :math:`S^z_1` "occurs only when N_e > N_FM". This figure asks
the model itself, at the PRX's size and parameters (N = 75, N_L = 35, N_conf = 10, δt = 0.1, trunc 1e-7,
t ≤ 40 ħ/γ): for N_e = 1 … 10 electrons against J_sd ∈ {0.25, 0.5, 1, 2} γ with N_FM = 5, plus
N_FM = 3 at J_sd = 0.5γ (the right lead keeps its 35 sites, so N = 73), in both spin normalizations of
the localized spins in H (``"pauli"``: σ^α, as the PRX writes them; ``"half"``: S^α = σ^α/2, which halves
J_sd and quarters J and J_z, :class:`verify.models.PRXChain`). The electrons start along +z, the
localized spins along −z (the collinear setup of PRX Figs. 3, 4 and 6).

Per point it reports, at the end of its converged window, S^z_1, S^z_{N_FM} and S^z_spins = Σ_i S^z_i,
the maxima of S^z_1 and S^z_spins over the window, and whether each is reversed, not reversed or open
(:mod:`paper_figs.reversal_analysis`); per row (normalization, N_FM, J_sd) the threshold N_e*, the
smallest N_e that reverses, as a bracket (lower, upper) when open points leave it undecided.

Runs (full size, TEBD)
----------------------
Every point is first run at χ_max = 200 (``chi_ladder[0]``). A TEBD run that never hit χ_max inside its
window is the same computation as one at any larger χ_max (:func:`verify.checks.chi_exact_until`), so it
needs no second run. The others are run again at χ_max = 400; then the open points next to a threshold
(:func:`threshold_neighbours`) once more at 800. The window of a point comes from its two most accurate
runs (:func:`paper_figs.reversal_analysis.converged_window`); its values from the most accurate one.

A run at a larger χ_max stops after the first output at which its window against the run before it is
final (``stop_when_window_final``, default True; :func:`paper_figs.reversal_analysis.window_final`): χ_max
has cut it and the two runs have parted, so nothing later can move the window or a value read in it —
the costly saturated tail of a χ_max = 400 or 800 run is computed only where a larger χ_max needs it: a
point that goes on to the next χ_max first has its stopped run finished to t_max (continued from its
checkpoint when a run cache or ``--checkpoint-dir`` keeps one, else rerun), since the next run stops
against it only where it ends. Its S^z_1(t) curve ends where its most accurate run stopped.

Quick and tiny sizes use the exact evolver on short chains; their window ends 1.5 ħ/γ before the pulse
reflected at the right chain end can be back at the FM region (:func:`point_end`).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm, Normalize
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from paper_figs import _prx
from paper_figs.cache import FigureData
from paper_figs.reversal_analysis import (
    MAP_KEYS,
    POSITIVE,
    STATUS,
    PointResult,
    reaches,
    summarize_point,
    threshold_bracket,
    threshold_table,
)
from paper_figs.style import DOUBLE_COLUMN, PALETTE, figure, label_panels
from paper_figs.sweep import STOP_OPTION, RunSpec, discard_checkpoints, run_records, stop_option
from verify.checks.compare import run_settings
from verify.models import PRXChain, default_cut
from verify.records.run import RunResult, output_times

__all__ = [
    "NAME",
    "NAN_ARRAYS",
    "SIZES",
    "MapPoint",
    "compute",
    "map_points",
    "params",
    "plot",
    "point_end",
    "point_model",
    "point_spec",
    "prx_rule_verdicts",
    "run_specs",
    "threshold_neighbours",
]

NAME = "prx-reversal-map"

NAN_ARRAYS = ("chi_max", "horizon", "chi_exact_until", "truncation_error", "t_first_reversed", "t_spins_reversed",
              "threshold_first", "threshold_spins", "sz_first_t")
"""Arrays holding NaN by design: no χ_max or truncation (exact run), no second run, χ_max cut before the
first output, no reversal in the window, no bracket end, the times after a stopped run's end."""

_FULL_ROWS = [{"n_fm": 5, "j_sd": j} for j in (0.25, 0.5, 1.0, 2.0)] + [{"n_fm": 3, "j_sd": 0.5}]

SIZES: dict[str, dict[str, Any]] = {
    "full": {
        "model": {},  # PRXChain defaults: N = 75, N_L = 35, N_FM = 5, N_conf = 10
        "rows": _FULL_ROWS,
        "n_e_values": list(range(1, 11)),
        "normalizations": ["pauli", "half"],
        "method": "tebd",
        "t_max": 40.0,
        "dt_out": 0.2,
        "tebd": {"dt": 0.1, "trunc": 1e-7, "order": 2, "scheme": "even-odd"},
        "chi_ladder": [200, 400, 800],
        "stop_when_window_final": True,
        "curve_row": 1,  # S^z_1(t) panels: N_FM = 5, J_sd = 0.5γ (the PRX's)
    },
    "quick": {  # t_max = the last output before the reflection-trusted time of N = 17 (11 − 1.5): 9.4; N = 16: 9.0
        "model": {"n_sites": 17, "n_left": 5, "n_fm": 3, "n_conf": 4},
        "rows": [{"n_fm": 3, "j_sd": j} for j in (0.25, 0.5, 1.0, 2.0)] + [{"n_fm": 2, "j_sd": 0.5}],
        "n_e_values": [1, 2, 3, 4],
        "normalizations": ["pauli", "half"],
        "method": "exact",
        "t_max": 9.4,
        "dt_out": 0.2,
        "curve_row": 1,
    },
    "tiny": {
        "model": {"n_sites": 10, "n_left": 4, "n_fm": 2, "n_conf": 3},
        "rows": [{"n_fm": 2, "j_sd": 0.5}, {"n_fm": 2, "j_sd": 2.0}, {"n_fm": 1, "j_sd": 0.5}],
        "n_e_values": [1, 2, 3],
        "normalizations": ["pauli", "half"],
        "method": "exact",
        "t_max": 4.0,
        "dt_out": 0.5,
        "curve_row": 1,
    },
}
"""Parameters per size. ``rows``: the (N_FM, J_sd) pairs of the map; the chain keeps its lead lengths
(``model`` overrides :class:`verify.models.PRXChain` defaults), so N changes with N_FM."""

_POINT_KEYS = ("n_e", "polarization", "spin_normalization", "n_fm", "j_sd")
"""PRXChain fields each point sets itself (not allowed in ``params['model']``)."""


@dataclass(frozen=True)
class MapPoint:
    """One point of the map: spin normalization, row index into ``params['rows']`` and electron number."""

    normalization: str
    row: int
    n_e: int


def params(size: str) -> dict[str, Any]:
    """Compute parameters of ``size``: "full" (the PRX's size), "quick" or "tiny" (module docstring).

    Raises
    ------
    ValueError
        For an unknown size.
    """
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}: use one of {list(SIZES)}")
    return {key: (list(value) if isinstance(value, list) else value) for key, value in SIZES[size].items()}


def map_points(params: dict[str, Any]) -> list[MapPoint]:
    """Every point of ``params``, normalization-major, then row, then N_e (the order of the data arrays).

    Raises
    ------
    ValueError
        For no rows, electron numbers or normalizations, electron numbers that do not increase, a
        ``curve_row`` that is not a row, or (TEBD) a ``chi_ladder`` that does not increase.
    """
    rows = params["rows"]
    for key in ("rows", "n_e_values", "normalizations"):
        if not params[key]:
            raise ValueError(f"{key} must not be empty")
    ladders = [("n_e_values", params["n_e_values"])] + ([("chi_ladder", params["chi_ladder"])]
                                                       if params.get("method") == "tebd" else [])
    for key, values in ladders:
        if not values or any(int(b) <= int(a) for a, b in itertools.pairwise(values)):
            raise ValueError(f"{key} must increase strictly, got {values!r}")
    curve_row = params.get("curve_row", 0)
    if not (isinstance(curve_row, int) and 0 <= curve_row < len(rows)):
        raise ValueError(f"curve_row must index rows (0..{len(rows) - 1}), got {curve_row!r}")
    return [MapPoint(norm, r, int(n_e)) for norm in params["normalizations"] for r in range(len(rows))
            for n_e in params["n_e_values"]]


def point_model(params: dict[str, Any], point: MapPoint) -> PRXChain:
    """The collinear PRXChain of ``point``: the base chain of ``params['model']`` with the row's N_FM and J_sd,
    both leads keeping their lengths (N = N_L + N_FM + right lead).

    Raises
    ------
    ValueError
        For a ``params['model']`` that sets what a point sets (N_e, polarization, normalization, N_FM,
        J_sd), or a chain :class:`verify.models.PRXChain` refuses (e.g. N_e > N_conf).
    """
    clash = sorted(set(params["model"]) & (set(_POINT_KEYS) - {"n_fm"}))  # n_fm: the base geometry
    if clash:
        raise ValueError(f"model must not set {clash}: each point sets them (rows, n_e_values, normalizations)")
    base = PRXChain(**params["model"], n_e=0)
    row = params["rows"][point.row]
    n_fm = int(row["n_fm"])
    right_lead = base.n_sites - base.n_left - base.n_fm
    overrides = dict(params["model"], n_fm=n_fm, n_sites=base.n_left + n_fm + right_lead, j_sd=float(row["j_sd"]))
    return PRXChain(**overrides, n_e=point.n_e, polarization="z", spin_normalization=point.normalization)


def point_spec(params: dict[str, Any], point: MapPoint, chi_max: int | None = None,
               stop_against: str | None = None) -> RunSpec:
    """The run of ``point``: exact, or TEBD at ``chi_max`` (default the first of ``params['chi_ladder']``),
    stopping once its window against the run with key ``stop_against`` is final
    (:data:`paper_figs.sweep.STOP_OPTION`).

    Raises
    ------
    ValueError
        For a method other than "exact" and "tebd", or a bad chain (:func:`point_model`).
    """
    m = point_model(params, point)
    common = {"t_max": float(params["t_max"]), "dt_out": float(params["dt_out"]), "cut": default_cut(m.n_sites)}
    if params["method"] == "exact":
        return RunSpec.make("prx-exact", m, **common)
    if params["method"] != "tebd":
        raise ValueError(f"unknown method {params['method']!r}: use 'exact' or 'tebd'")
    chi = int(params["chi_ladder"][0] if chi_max is None else chi_max)
    stop = None if stop_against is None else stop_option(stop_against)
    return RunSpec.make("prx-tebd", m, **common, **params["tebd"], chi_max=chi, **{STOP_OPTION: stop})


def run_specs(params: dict[str, Any]) -> list[RunSpec]:
    """The first run of every point (χ_max = ``chi_ladder[0]`` at full size); :func:`compute` adds the
    larger χ_max where the first run was truncation-limited."""
    return [point_spec(params, point) for point in map_points(params)]


def point_end(params: dict[str, Any], point: MapPoint) -> float:
    """End of a point's physical window: t_max, or earlier on a chain whose reflected pulse is back before it
    (:func:`paper_figs._prx.reflection_trusted_time`; 48.5 and 47.5 ħ/γ at full size, after t_max)."""
    return min(float(params["t_max"]), _prx.reflection_trusted_time(point_model(params, point)))


def _summaries(params: dict[str, Any], runs: dict[MapPoint, list[RunResult]]) -> dict[MapPoint, PointResult]:
    return {p: summarize_point(records, point_end(params, p)) for p, records in runs.items()}


def _cut_early(result: PointResult) -> bool:
    """True when the point's most accurate run was cut by χ_max inside the physical window (a larger χ_max
    could change it there)."""
    return not reaches(result.chi_exact_until, result.t_end)  # NaN (cut before the first output) counts


def threshold_neighbours(params: dict[str, Any], results: dict[MapPoint, PointResult]) -> list[MapPoint]:
    """The open points from each row's lower bracket end to its upper one (to the next N_e after lower when
    no N_e reverses), for S^z_1 and for Σ_i S^z_i / N_FM: the points whose window a larger χ_max can extend
    and whose status can move the threshold. A decided threshold (lower == upper) needs none."""
    n_e_values = [int(n) for n in params["n_e_values"]]
    chosen: list[MapPoint] = []
    for norm in params["normalizations"]:
        for row in range(len(params["rows"])):
            points = [MapPoint(norm, row, n) for n in n_e_values]
            for field_name in ("status_first", "status_spins"):
                lower, upper = threshold_bracket(n_e_values, [getattr(results[p], field_name) for p in points])
                if math.isnan(lower):
                    continue
                after = [n for n in n_e_values if n > lower]
                top = upper if not math.isnan(upper) else (after[0] if after else lower)
                chosen += [p for p in points if lower <= p.n_e <= top and p not in chosen
                           and getattr(results[p], field_name) == STATUS["open"]]
    return chosen


def compute(params: dict[str, Any], executor: Executor | None = None) -> FigureData:
    """Run the map (module docstring) and reduce every point to its :class:`PointResult`.

    Parameters
    ----------
    params : dict
        :func:`params` of a size, possibly with ``--set`` overrides.
    executor : concurrent.futures.Executor, optional
        Where the runs go (:func:`paper_figs.sweep.run_records`).

    Returns
    -------
    FigureData
        Per point, arrays of shape (normalizations, rows, N_e values): every field of :class:`PointResult`;
        ``threshold_first`` and ``threshold_spins`` (normalizations, rows, 2): the (lower, upper) brackets
        of N_e*; ``sz_first_t`` (…, n_t) S^z_1(t) of the most accurate run on the output grid ``t`` of
        ``params`` (NaN after the end of a run that stopped early); ``n_e``, ``row_n_fm``, ``row_j_sd``.
        Notes: the run counts per χ_max and, per row, whether the PRX rule holds.
    """
    points = map_points(params)
    # each stage runs the smallest N_e first: the thresholds lie there, so an interrupted build decides them first
    first = sorted(points, key=lambda p: p.n_e)
    runs = {p: [r] for p, r in zip(first, run_records([point_spec(params, p) for p in first], executor), strict=True)}
    if params["method"] == "tebd":  # level 1: every point (the window values need it); then threshold brackets
        stop = bool(params.get("stop_when_window_final", True))
        for level, chi in enumerate(params["chi_ladder"][1:], start=1):
            results = _summaries(params, runs)
            todo = points if level == 1 else threshold_neighbours(params, results)
            todo = sorted((p for p in todo if _cut_early(results[p])), key=lambda p: p.n_e)
            _finish_stopped(params, runs, todo, executor)
            specs = [point_spec(params, p, chi, stop_against=runs[p][-1].meta["run_key"] if stop else None)
                     for p in todo]
            for p, record in zip(todo, run_records(specs, executor, [runs[p][-1] for p in todo]), strict=True):
                runs[p].append(record)
        # the stopped runs that stay last are final: no run will continue them from their checkpoints
        discard_checkpoints(point_spec(params, p, _chi_max(r[-1])) for p, r in runs.items() if "stopped" in r[-1].meta)
    results = _summaries(params, runs)
    return _figure_data(params, points, runs, results)


def _finish_stopped(params: dict[str, Any], runs: dict[MapPoint, list[RunResult]], todo: list[MapPoint],
                    executor: Executor | None) -> None:
    """Replace every stopped last run of the points in ``todo`` by the same run to t_max (continued from the
    stopped one's checkpoint when there is one): a larger χ_max run stops against it only where it ends."""
    stopped = [p for p in todo if "stopped" in runs[p][-1].meta]
    specs = [point_spec(params, p, _chi_max(runs[p][-1])) for p in stopped]
    for p, record in zip(stopped, run_records(specs, executor), strict=True):
        runs[p][-1] = record
    discard_checkpoints(specs)  # a finished run loaded from the cache leaves the stopped run's checkpoint


def _chi_max(record: RunResult) -> int:
    return int(run_settings(record.meta)["chi_max"])


def _figure_data(params: dict[str, Any], points: list[MapPoint], runs: dict[MapPoint, list[RunResult]],
                 results: dict[MapPoint, PointResult]) -> FigureData:
    n_e_values = [int(n) for n in params["n_e_values"]]
    shape = (len(params["normalizations"]), len(params["rows"]), len(n_e_values))
    arrays: dict[str, np.ndarray] = {}
    for name in (f.name for f in dataclasses.fields(PointResult)):
        arrays[name] = np.array([getattr(results[p], name) for p in points]).reshape(shape)
    for name, field_name in (("threshold_first", "status_first"), ("threshold_spins", "status_spins")):
        arrays[name] = np.array([threshold_bracket(n_e_values, list(row)) for row in
                                 arrays[field_name].reshape(-1, shape[2])]).reshape(shape[0], shape[1], 2)
    arrays["t"] = output_times(float(params["t_max"]), float(params["dt_out"]))
    curves = np.full((len(points), arrays["t"].size), np.nan)  # NaN after the end of a stopped run
    for k, p in enumerate(points):
        sz_first = runs[p][-1].arrays["spin"][:, 0, 2]
        curves[k, : sz_first.size] = sz_first
    arrays["sz_first_t"] = curves.reshape(*shape, -1)
    arrays["n_e"] = np.array(n_e_values)
    arrays["row_n_fm"] = np.array([int(row["n_fm"]) for row in params["rows"]])
    arrays["row_j_sd"] = np.array([float(row["j_sd"]) for row in params["rows"]])
    records = {f"{p.normalization}/row{p.row}/N_e={p.n_e}/{i}": r for p in points for i, r in enumerate(runs[p])}
    notes = {
        "normalizations": list(params["normalizations"]),
        "status_codes": dict(STATUS),
        "positive_threshold": POSITIVE,
        "window_keys": list(MAP_KEYS),
        "runs_per_chi_max": _run_counts(runs),
        "prx_rule": "S^z_1 reverses only when N_e > N_FM (PRX Sec. IV)",
        "prx_rule_holds": prx_rule_verdicts(arrays["threshold_first"], arrays["row_n_fm"]),
        "threshold_table": threshold_table(arrays, params["normalizations"]),
    }
    return FigureData(arrays, records=records, notes=notes)


def _run_counts(runs: dict[MapPoint, list[RunResult]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for records in runs.values():
        for record in records:
            chi = run_settings(record.meta).get("chi_max", record.meta.get("method", "?"))
            counts[str(chi)] = counts.get(str(chi), 0) + 1
    return counts


def prx_rule_verdicts(brackets: np.ndarray, row_n_fm: np.ndarray) -> list[list[bool | None]]:
    """Per normalization and row: does the map agree with "S^z_1 reverses only when N_e > N_FM"?

    Parameters
    ----------
    brackets : ndarray, shape (normalizations, rows, 2)
        The (lower, upper) brackets of N_e* (:func:`paper_figs.reversal_analysis.threshold_bracket`).
    row_n_fm : ndarray, shape (rows,)

    Returns
    -------
    list of list of (bool or None)
        False when some N_e ≤ N_FM reverses (upper ≤ N_FM), True when every N_e ≤ N_FM is converged not
        reversed (lower > N_FM, or no lower bound), None when an open point at N_e ≤ N_FM leaves it open.
    """
    out = []
    for norm_rows in np.asarray(brackets, dtype=float):
        answers: list[bool | None] = []
        for (lower, upper), n_fm in zip(norm_rows, row_n_fm, strict=True):
            if upper <= n_fm:  # False for NaN
                answers.append(False)
            elif lower <= n_fm:
                answers.append(None)
            else:
                answers.append(True)
        out.append(answers)
    return out


_NORM_LABELS = {"pauli": r"Pauli $\sigma^\alpha$ in $H$ (as the PRX)", "half": r"$S^\alpha=\sigma^\alpha/2$ in $H$"}


def plot(data: dict[str, np.ndarray], params: dict[str, Any]):
    """Per normalization (columns): maps of the maxima over the converged window, (top) S^z_1 and (middle)
    Σ_i S^z_i / N_FM, with thick black steps at the thresholds N_e*, green dotted steps at the PRX rule
    N_e = N_FM + 1, open points hatched, windows that end early written in their cells; (bottom) S^z_1(t)
    of every N_e of the row ``params['curve_row']``, solid up to the end of its window, thin dashed after (up
    to where its most accurate run stopped, :func:`compute`)."""
    norms = list(params["normalizations"])
    n_rows = len(params["rows"])
    fig, axes = figure(DOUBLE_COLUMN, 2.4 + 0.84 * n_rows, nrows=3, ncols=len(norms), squeeze=False,
                       gridspec_kw={"height_ratios": [n_rows, n_rows, max(2.5, 0.6 * n_rows)]})
    n_fm = data["row_n_fm"].astype(float)
    panels = [("sz_first_max", "threshold_first", "status_first", r"$\max_t S^z_1$"),
              ("sz_spins_max", "threshold_spins", "status_spins", r"$\max_t \sum_i S^z_i/N_{FM}$")]
    texts = []
    for r, (key, threshold, status, label) in enumerate(panels):
        for c, norm in enumerate(norms):
            values = data[key][c] / (n_fm[:, None] if key == "sz_spins_max" else 1.0)
            mesh = _draw_map(axes[r, c], data, values, data[status][c], data[threshold][c], c)
            texts.append(f"{label}, {_NORM_LABELS.get(norm, norm)}")
        bar = fig.colorbar(mesh, ax=list(axes[r]), pad=0.01, fraction=0.04)
        bar.set_label(label)
    ticks = [rf"$N_{{FM}}={int(n)}$, $J_{{sd}}={j:g}$" for n, j in zip(data["row_n_fm"], data["row_j_sd"], strict=True)]
    for r in range(2):
        for c, ax in enumerate(axes[r]):
            ax.set_yticks(range(n_rows), ticks if c == 0 else [])
            ax.set_ylim(n_rows - 0.5, -0.5)  # the first row on top
            ax.set_xlabel(r"$N_e$" if r == 1 else "")
    row = int(params.get("curve_row", 0))
    for c, norm in enumerate(norms):
        scale = _draw_curves(axes[2, c], data, c, row)
        texts.append(rf"$S^z_1(t)$, $N_{{FM}}={int(data['row_n_fm'][row])}$, $J_{{sd}}={data['row_j_sd'][row]:g}$, "
                     f"{_NORM_LABELS.get(norm, norm)}")
    bar = fig.colorbar(scale, ax=list(axes[2]), pad=0.01, fraction=0.04, ticks=data["n_e"])
    bar.set_label(r"$N_e$")
    label_panels(axes.ravel(), texts)
    fig.legend(handles=_legend_handles(), loc="outside upper center", ncol=3)
    return fig


def _draw_curves(ax, data: dict[str, np.ndarray], norm_index: int, row: int):
    """S^z_1(t) of every N_e of one row: solid in the converged window (a dot at its end), dashed after."""
    n_e = data["n_e"]
    edges = np.concatenate([n_e - 0.5, [n_e[-1] + 0.5]])
    scale = ScalarMappable(norm=BoundaryNorm(edges, 256), cmap="viridis")
    t = data["t"]
    for k, n in enumerate(n_e):
        color = scale.to_rgba(n)
        curve = data["sz_first_t"][norm_index, row, k]
        inside = t <= data["t_window"][norm_index, row, k] + 1e-9
        ax.plot(t[inside], curve[inside], color=color, lw=1.0)
        ax.plot(t[~inside], curve[~inside], color=color, lw=0.6, ls="--")
        ax.plot(t[inside][-1], curve[inside][-1], "o", color=color, ms=2.5)
    ax.axhline(POSITIVE, color="0.5", lw=0.6, ls=":")
    ax.set_xlabel(r"$t$ ($\hbar/\gamma$)")
    ax.set_ylabel(r"$S^z_1$")
    ax.set_xlim(t[0], t[-1])
    return scale


def _legend_handles() -> list:
    return [
        Line2D([], [], color="black", lw=2.0, label=r"threshold $N_e^*$ (left of it: not reversed)"),
        Line2D([], [], color="black", lw=1.0, ls="--", label="open from here (not converged to the end)"),
        Line2D([], [], color=PALETTE["fm-region"], lw=1.2, ls=":", label=r"PRX rule: reversal only for $N_e>N_{FM}$"),
        Patch(facecolor="none", edgecolor="0.4", hatch="///", label="open point"),
        Line2D([], [], color="0.3", lw=0.6, ls="--", label=r"$S^z_1(t)$ after the converged window"),
        Line2D([], [], color="0.5", lw=0.6, ls=":", label=r"reversal level $S^z_1=10^{-2}$"),
    ]


def _draw_map(ax, data: dict[str, np.ndarray], values: np.ndarray, status: np.ndarray, bracket: np.ndarray,
              norm_index: int):
    n_e = data["n_e"]
    mesh = ax.pcolormesh(n_e, np.arange(values.shape[0]), values, cmap="RdBu_r", norm=Normalize(-1.0, 1.0),
                         shading="nearest", rasterized=True)
    windows, ends = data["t_window"][norm_index], data["t_end"][norm_index]
    for row in range(values.shape[0]):
        for col, n in enumerate(n_e):
            value = values[row, col]
            text = f"{value:+.2f}".replace("-", "\u2212")
            if not reaches(windows[row, col], ends[row, col]):  # not converged to the end of its window
                text += f"\n$t\\leq{windows[row, col]:.3g}$"
            ax.text(n, row, text, ha="center", va="center", fontsize=4.5,
                    color="white" if abs(value) > 0.6 else "black")
            if status[row, col] == STATUS["open"]:
                ax.add_patch(Rectangle((n - 0.5, row - 0.5), 1, 1, fill=False, hatch="///", lw=0, ec="0.4"))
        lower, upper = bracket[row]
        if not math.isnan(upper):
            ax.plot([upper - 0.5] * 2, [row - 0.5, row + 0.5], color="black", lw=2.0, solid_capstyle="butt")
        if not math.isnan(lower) and lower != upper:
            ax.plot([lower - 0.5] * 2, [row - 0.5, row + 0.5], color="black", lw=1.0, ls="--")
        rule = data["row_n_fm"][row] + 0.5
        ax.plot([rule] * 2, [row - 0.5, row + 0.5], color=PALETTE["fm-region"], lw=1.2, ls=":")
    ax.set_xticks(n_e)
    return mesh
