r"""The reversal map (beyond the PRX): when does the first localized spin, and the FM chain, turn over?

The PRX (Sec. IV) says that the reversal of :math:`S^z_1` "occurs only when N_e > N_FM". This figure asks
the model itself, at the PRX's size and parameters (N = 75, N_L = 35, N_conf = 10, δt = 0.1, trunc 1e-7,
t ≤ 40 ħ/γ): for N_e = 1 … 10 electrons against J_sd ∈ {0.25, 0.5, 1, 2} γ with N_FM = 5, plus
N_FM = 3 at J_sd = 0.5γ (the right lead keeps its 35 sites, so N = 73), in both spin normalizations of
the localized spins in H (``"pauli"``: σ^α, as the PRX writes them; ``"half"``: S^α = σ^α/2, which
divides J_sd and J_FM by 4 in the S = 1/2 case). The electrons start along +z, the localized spins
along −z (the collinear setup of PRX Figs. 3, 4 and 6).

Per point it reports, at the latest time that is converged (below), S^z_1, S^z_{N_FM}, the total
S^z_spins = Σ_i S^z_i, and the maximum of S^z_1 over the converged window; per row (normalization,
N_FM, J_sd) the thresholds N_e*, the smallest N_e whose S^z_1 (or S^z_spins) rises above
:data:`POSITIVE` within its converged window.

Convergence (full size, TEBD)
-----------------------------
Every point is first run at χ_max = 200 (``chi_ladder[0]``). A TEBD run whose χ_max never had to
override the truncation threshold is the same computation as one at any larger χ_max (the kept
Schmidt values are chosen by ``trunc`` alone, identically), so it is converged in χ over its whole
window and needs no second run. Otherwise it is run again at χ_max = 400, and the points next to a
threshold once more at 800 (``chi_ladder``), and the converged window of a point is the later of

* the time until which its most accurate run never hit its χ_max (exact in χ until then), and
* the horizon of :func:`verify.checks.compare_runs` of the second most accurate run against it, over
  the map's observables (``spin``: every component of every S_i, and ``spin_z_total``; its
  default tolerance 1e-3),

and the values are read from the most accurate run at that time. A point is *reversed* when S^z_1
exceeds :data:`POSITIVE` at some time of its window, *not reversed* when it does not over the whole
window t ≤ t_max, and *open* when it does not within a window that ends before t_max: then the model
has not decided within what χ_max = 800 can follow. A threshold is bracketed accordingly.

Quick and tiny sizes use the exact evolver on short chains; their window ends where the pulse reflected
at the right chain end can be back at the FM region (:func:`paper_figs._prx.reflection_time`).
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from paper_figs import _prx
from paper_figs.cache import FigureData
from paper_figs.style import DOUBLE_COLUMN, PALETTE, figure, label_panels
from paper_figs.sweep import RunSpec, run_records
from verify.checks import chi_exact_until, compare_runs
from verify.models import PRXChain, default_cut
from verify.records.run import RunResult

__all__ = [
    "MAP_KEYS",
    "NAME",
    "NAN_ARRAYS",
    "POSITIVE",
    "MapPoint",
    "PointResult",
    "compute",
    "converged_window",
    "map_points",
    "params",
    "plot",
    "point_model",
    "point_spec",
    "run_specs",
    "summarize_point",
    "threshold_bracket",
    "threshold_neighbours",
]

NAME = "prx-reversal-map"

POSITIVE = 1e-2
"""A localized S^z counts as reversed (positive) above this value, ten times the comparison tolerance
(1e-3) so that the sign of a converged value is never decided by the truncation error."""

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
    },
    "quick": {
        "model": {"n_sites": 15, "n_left": 5, "n_fm": 3, "n_conf": 4},
        "rows": [{"n_fm": 3, "j_sd": j} for j in (0.25, 0.5, 1.0, 2.0)] + [{"n_fm": 2, "j_sd": 0.5}],
        "n_e_values": [1, 2, 3, 4],
        "normalizations": ["pauli", "half"],
        "method": "exact",
        "t_max": 9.0,
        "dt_out": 0.2,
    },
    "tiny": {
        "model": {"n_sites": 10, "n_left": 4, "n_fm": 2, "n_conf": 3},
        "rows": [{"n_fm": 2, "j_sd": 0.5}, {"n_fm": 2, "j_sd": 2.0}, {"n_fm": 1, "j_sd": 0.5}],
        "n_e_values": [1, 2, 3],
        "normalizations": ["pauli", "half"],
        "method": "exact",
        "t_max": 4.0,
        "dt_out": 0.5,
    },
}
"""Parameters per size. ``rows``: the (N_FM, J_sd) pairs of the map; the chain keeps its lead lengths
(``model`` overrides :class:`verify.models.PRXChain` defaults), so N changes with N_FM."""


@dataclass(frozen=True)
class MapPoint:
    """One point of the map: spin normalization, row index into ``params['rows']`` and electron number."""

    normalization: str
    row: int
    n_e: int


def params(size: str) -> dict[str, Any]:
    """Compute parameters of ``size`` ("full", "quick", "tiny"; module docstring)."""
    return {key: (list(value) if isinstance(value, list) else value) for key, value in SIZES[size].items()}


def map_points(params: dict[str, Any]) -> list[MapPoint]:
    """Every point, normalization-major, then row, then N_e (the order of the data arrays)."""
    rows = params["rows"]
    if not rows:
        raise ValueError("rows must hold at least one (n_fm, j_sd) pair")
    return [MapPoint(norm, r, int(n_e)) for norm in params["normalizations"] for r in range(len(rows))
            for n_e in params["n_e_values"]]


def point_model(params: dict[str, Any], point: MapPoint) -> PRXChain:
    """The collinear PRXChain of ``point``: the base chain of ``params['model']`` with the row's N_FM and J_sd,
    both leads keeping their lengths (N = N_L + N_FM + right lead)."""
    base = PRXChain(**params["model"], n_e=0)
    row = params["rows"][point.row]
    n_fm = int(row["n_fm"])
    right_lead = base.n_sites - base.n_left - base.n_fm
    overrides = dict(params["model"], n_fm=n_fm, n_sites=base.n_left + n_fm + right_lead, j_sd=float(row["j_sd"]))
    return PRXChain(**overrides, n_e=point.n_e, polarization="z", spin_normalization=point.normalization)


def point_spec(params: dict[str, Any], point: MapPoint, chi_max: int | None = None) -> RunSpec:
    """The run of ``point``: exact, or TEBD at ``chi_max`` (default the first of ``params['chi_ladder']``)."""
    m = point_model(params, point)
    common = {"t_max": float(params["t_max"]), "dt_out": float(params["dt_out"]), "cut": default_cut(m.n_sites)}
    if params["method"] == "exact":
        return RunSpec.make("prx-exact", m, **common)
    if params["method"] != "tebd":
        raise ValueError(f"unknown method {params['method']!r}: use 'exact' or 'tebd'")
    chi = int(params["chi_ladder"][0] if chi_max is None else chi_max)
    return RunSpec.make("prx-tebd", m, **common, **params["tebd"], chi_max=chi)


def run_specs(params: dict[str, Any]) -> list[RunSpec]:
    """The first run of every point (χ_max = ``chi_ladder[0]`` at full size); :func:`compute` adds the
    larger χ_max where the first run was truncation-limited."""
    return [point_spec(params, point) for point in map_points(params)]


MAP_KEYS = ("spin", "spin_z_total")
"""Record keys whose agreement defines a point's converged window (what the map reads)."""

_STATUS = {"reversed": 1, "not reversed": 0, "open": -1}

NAN_ARRAYS = ("chi_max", "horizon", "chi_exact_until", "t_first_reversed", "t_spins_reversed", "threshold_first",
              "threshold_spins")
"""Arrays holding NaN by design: no χ_max (exact run), no second run, χ_max cut before the first output,
no reversal in the window, no bracket bound (see :func:`threshold_bracket`)."""


@dataclass(frozen=True)
class PointResult:
    """What the map reads from the runs of one point (module docstring).

    Attributes
    ----------
    t_window : float
        End of the converged window (ħ/γ).
    chi_max : float
        χ_max of the run the values come from (NaN for an exact run).
    chi_exact_until, horizon : float
        The two bounds of the window: the time until which that run never hit χ_max, and the
        :func:`verify.checks.compare_runs` horizon of the next less accurate run (NaN with one run).
    sz_first, sz_last, sz_spins : float
        S^z_1, S^z_{N_FM} and Σ_i S^z_i (Pauli units) at ``t_window``.
    sz_first_max, sz_spins_max : float
        max of S^z_1 and of Σ_i S^z_i over t ≤ ``t_window``.
    t_first_reversed, t_spins_reversed : float
        First time S^z_1 (Σ_i S^z_i) exceeds :data:`POSITIVE` in the window (NaN: not in it).
    status_first, status_spins : int
        1 reversed, 0 not reversed over t ≤ t_max, −1 open (not reversed in a shorter window).
    """

    t_window: float
    chi_max: float
    chi_exact_until: float
    horizon: float
    sz_first: float
    sz_last: float
    sz_spins: float
    sz_first_max: float
    sz_spins_max: float
    t_first_reversed: float
    t_spins_reversed: float
    status_first: int
    status_spins: int


def _first_above(times: np.ndarray, values: np.ndarray) -> float:
    above = np.flatnonzero(values > POSITIVE)
    return float(times[above[0]]) if above.size else math.nan


def _status(t_reversed: float, t_window: float, t_max: float) -> int:
    if not math.isnan(t_reversed):
        return _STATUS["reversed"]
    return _STATUS["not reversed"] if t_window >= t_max - 1e-9 else _STATUS["open"]


def converged_window(records: list[RunResult], t_limit: float = math.inf) -> tuple[float, float, float]:
    """(window end, χ-exact time of the most accurate run, compare horizon) of one point's runs.

    ``records`` are ordered by accuracy, the most accurate last; the window is the later of the two
    bounds (module docstring), never beyond ``t_limit`` (the reflection time of a short chain).
    """
    top = records[-1]
    exact_until = chi_exact_until(top)
    horizon = math.nan
    if len(records) > 1:
        (run,) = compare_runs([records[-2], top], reference=1).runs
        values = [run.horizons[key] for key in MAP_KEYS]
        horizon = math.nan if any(math.isnan(v) for v in values) else min(values)
    bounds = [v for v in (exact_until, horizon) if not math.isnan(v)]
    window = max(bounds) if bounds else float(top.arrays["t"][0])
    return min(window, t_limit), exact_until, horizon


def summarize_point(records: list[RunResult], t_max: float, t_limit: float = math.inf) -> PointResult:
    """The :class:`PointResult` of one point from its runs (most accurate last). A point that does not reverse
    within min(t_max, ``t_limit``) — the reflection time that ends a short chain's window — is not reversed."""
    window, exact_until, horizon = converged_window(records, t_limit)
    times = np.asarray(records[-1].arrays["t"], dtype=float)
    t_end = float(times[times <= min(t_max, t_limit) + 1e-9][-1])  # the last output of the physical window
    top = records[-1]
    inside = times <= window + 1e-9
    index = int(np.flatnonzero(inside)[-1])
    sz = np.asarray(top.arrays["spin"], dtype=float)[..., 2]  # (n_t, N_FM), Pauli units
    total = np.asarray(top.arrays["spin_z_total"], dtype=float)
    t_first = _first_above(times[inside], sz[inside, 0])
    t_spins = _first_above(times[inside], total[inside])
    chi = top.meta.get("tebd", {}).get("chi_max") if top.meta.get("method") == "tebd" else None
    return PointResult(
        t_window=float(times[index]), chi_max=math.nan if chi is None else float(chi),
        chi_exact_until=exact_until, horizon=horizon,
        sz_first=float(sz[index, 0]), sz_last=float(sz[index, -1]), sz_spins=float(total[index]),
        sz_first_max=float(sz[inside, 0].max()), sz_spins_max=float(total[inside].max()),
        t_first_reversed=t_first, t_spins_reversed=t_spins,
        status_first=_status(t_first, float(times[index]), t_end),
        status_spins=_status(t_spins, float(times[index]), t_end),
    )


def threshold_bracket(n_e_values: list[int], statuses: list[int]) -> tuple[float, float]:
    """(lower, upper) bounds of the threshold N_e* of one row: every N_e below ``lower`` is converged
    not reversed, ``upper`` is the smallest reversed N_e (NaN when none is; ``lower`` NaN when every
    point is converged not reversed). lower == upper: the threshold itself."""
    upper = next((n for n, s in zip(n_e_values, statuses, strict=True) if s == _STATUS["reversed"]), math.nan)
    lower = next((n for n, s in zip(n_e_values, statuses, strict=True) if s != _STATUS["not reversed"]), math.nan)
    return float(lower), float(upper)


def _t_limit(params: dict[str, Any], point: MapPoint) -> float:
    """The exact evolver's window on a short chain ends at the reflection time; TEBD runs have none."""
    return _prx.chain_reflection_time(point_model(params, point)) if params["method"] == "exact" else math.inf


def _summaries(params: dict[str, Any], runs: dict[MapPoint, list[RunResult]]) -> dict[MapPoint, PointResult]:
    t_max = float(params["t_max"])
    return {p: summarize_point(records, t_max, _t_limit(params, p)) for p, records in runs.items()}


def threshold_neighbours(params: dict[str, Any], results: dict[MapPoint, PointResult]) -> list[MapPoint]:
    """Points next to a threshold whose window ends before t_max: N_e from lower − 1 to upper of each row's
    bracket (to lower + 1 when no N_e reverses), for S^z_1 and for Σ_i S^z_i — where more χ_max can move it."""
    n_e_values = [int(n) for n in params["n_e_values"]]
    chosen: list[MapPoint] = []
    for norm in params["normalizations"]:
        for row in range(len(params["rows"])):
            points = [MapPoint(norm, row, n) for n in n_e_values]
            for field_name in ("status_first", "status_spins"):
                lower, upper = threshold_bracket(n_e_values, [getattr(results[p], field_name) for p in points])
                if math.isnan(lower):
                    continue
                top = upper if not math.isnan(upper) else lower + 1
                chosen += [p for p in points if lower - 1 <= p.n_e <= top and p not in chosen
                           and results[p].t_window < float(params["t_max"]) - 1e-9]
    return chosen


def compute(params: dict[str, Any], executor: Executor | None = None) -> FigureData:
    """Run the map (module docstring) and reduce every point to its :class:`PointResult`.

    Returns
    -------
    FigureData
        Per point, arrays of shape (normalizations, rows, N_e values): the fields of :class:`PointResult`
        (``sz_first``, ``sz_last``, ``sz_spins``, ``sz_first_max``, ``sz_spins_max``, ``t_window``, ``chi_max``,
        ``chi_exact_until``, ``horizon``, ``t_first_reversed``, ``t_spins_reversed``, ``status_first``,
        ``status_spins``); ``threshold_first`` and ``threshold_spins`` (normalizations, rows, 2): the
        (lower, upper) brackets of N_e*; ``sz_first_t`` (…, n_t) S^z_1(t) of the most accurate run and
        ``t``; ``n_e``, ``row_n_fm``, ``row_j_sd``.
    """
    points = map_points(params)
    runs = {p: [r] for p, r in zip(points, run_records(run_specs(params), executor), strict=True)}
    if params["method"] == "tebd":
        t_max = float(params["t_max"])
        for level, chi in enumerate(params["chi_ladder"][1:], start=1):
            if level == 1:  # every point whose run was truncation-limited
                todo = [p for p in points if chi_exact_until(runs[p][-1]) < t_max - 1e-9]
            else:
                todo = threshold_neighbours(params, _summaries(params, runs))
            todo = [p for p in todo if chi_exact_until(runs[p][-1]) < t_max - 1e-9]
            for p, record in zip(todo, run_records([point_spec(params, p, chi) for p in todo], executor), strict=True):
                runs[p].append(record)
    results = _summaries(params, runs)
    return _figure_data(params, points, runs, results)


def _figure_data(params: dict[str, Any], points: list[MapPoint], runs: dict[MapPoint, list[RunResult]],
                 results: dict[MapPoint, PointResult]) -> FigureData:
    n_e_values = [int(n) for n in params["n_e_values"]]
    shape = (len(params["normalizations"]), len(params["rows"]), len(n_e_values))
    arrays: dict[str, np.ndarray] = {}
    for name in PointResult.__dataclass_fields__:
        values = np.array([getattr(results[p], name) for p in points])
        arrays[name] = values.reshape(shape)
    for name, field_name in (("threshold_first", "status_first"), ("threshold_spins", "status_spins")):
        arrays[name] = np.array([threshold_bracket(n_e_values, list(row)) for row in
                                 arrays[field_name].reshape(-1, shape[2])]).reshape(shape[0], shape[1], 2)
    arrays["t"] = np.asarray(runs[points[0]][-1].arrays["t"], dtype=float)
    arrays["sz_first_t"] = np.array([runs[p][-1].arrays["spin"][:, 0, 2] for p in points]).reshape(*shape, -1)
    arrays["n_e"] = np.array(n_e_values)
    arrays["row_n_fm"] = np.array([int(row["n_fm"]) for row in params["rows"]])
    arrays["row_j_sd"] = np.array([float(row["j_sd"]) for row in params["rows"]])
    records = {f"{p.normalization}/row{p.row}/N_e={p.n_e}/{i}": r for p in points for i, r in enumerate(runs[p])}
    notes = {
        "normalizations": list(params["normalizations"]),
        "status_codes": dict(_STATUS),
        "positive_threshold": POSITIVE,
        "window_keys": list(MAP_KEYS),
        "runs_per_chi_max": _run_counts(runs),
        "prx_rule": "S^z_1 reverses only when N_e > N_FM (PRX Sec. IV)",
        "prx_rule_holds": _prx_rule_holds(arrays),
    }
    return FigureData(arrays, records=records, notes=notes)


def _run_counts(runs: dict[MapPoint, list[RunResult]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for records in runs.values():
        for record in records:
            chi = record.meta.get("tebd", {}).get("chi_max") if record.meta.get("method") == "tebd" else "exact"
            counts[str(chi)] = counts.get(str(chi), 0) + 1
    return counts


def _prx_rule_holds(arrays: dict[str, np.ndarray]) -> list[list[bool | None]]:
    """Per normalization and row: does the converged map agree with "reversal only when N_e > N_FM"?
    None when a bracket leaves it open."""
    out = []
    for norm_rows in arrays["threshold_first"]:
        answers = []
        for (lower, upper), n_fm in zip(norm_rows, arrays["row_n_fm"], strict=True):
            if not math.isnan(upper) and upper <= n_fm:
                answers.append(False)  # some N_e <= N_FM reverses
            elif not math.isnan(lower) and lower <= n_fm:
                answers.append(None)  # an open point at N_e <= N_FM
            else:
                answers.append(True)
        out.append(answers)
    return out


_NORM_LABELS = {"pauli": r"Pauli $\sigma^\alpha$ in $H$ (as the PRX)", "half": r"$S^\alpha=\sigma^\alpha/2$ in $H$"}


def plot(data: dict[str, np.ndarray], params: dict[str, Any]):
    """2 × (normalizations) maps of the maxima over the converged window: (top) S^z_1, (bottom) Σ_i S^z_i / N_FM;
    thick black steps at the thresholds N_e*, green dotted steps at the PRX rule N_e = N_FM + 1, open
    points hatched, windows shorter than t_max written in their cells."""
    norms = list(params["normalizations"])
    n_rows = len(params["rows"])
    fig, axes = figure(DOUBLE_COLUMN, 1.1 + 0.42 * n_rows * 2, nrows=2, ncols=len(norms), sharex=True,
                       sharey=True, squeeze=False)
    n_fm = data["row_n_fm"].astype(float)
    panels = [("sz_first_max", "threshold_first", "status_first", r"$\max_t S^z_1$"),
              ("sz_spins_max", "threshold_spins", "status_spins", r"$\max_t \sum_i S^z_i/N_{FM}$")]
    texts = []
    for r, (key, threshold, status, label) in enumerate(panels):
        for c, norm in enumerate(norms):
            values = data[key][c] / (n_fm[:, None] if key == "sz_spins_max" else 1.0)
            mesh = _draw_map(axes[r, c], data, values, data[status][c], data[threshold][c], c, params)
            texts.append(f"{label}, {_NORM_LABELS.get(norm, norm)}")
        bar = fig.colorbar(mesh, ax=list(axes[r]), pad=0.01, fraction=0.04)
        bar.set_label(label)
    for ax in axes[-1]:
        ax.set_xlabel(r"$N_e$")
    ticks = [rf"$N_{{FM}}={int(n)}$, $J_{{sd}}={j:g}$" for n, j in zip(data["row_n_fm"], data["row_j_sd"], strict=True)]
    for ax in axes[:, 0]:
        ax.set_yticks(range(n_rows), ticks)
        ax.set_ylim(n_rows - 0.5, -0.5)  # the first row on top
    label_panels(axes.ravel(), texts)
    fig.legend(handles=_legend_handles(), loc="outside upper center", ncol=4)
    return fig


def _legend_handles() -> list:
    return [
        Line2D([], [], color="black", lw=2.0, label=r"threshold $N_e^*$ (left of it: not reversed)"),
        Line2D([], [], color="black", lw=1.0, ls="--", label="open from here (window < $t_{max}$)"),
        Line2D([], [], color=PALETTE["fm-region"], lw=1.2, ls=":", label=r"PRX rule: reversal only for $N_e>N_{FM}$"),
        Patch(facecolor="none", edgecolor="0.4", hatch="///", label="open point"),
    ]


def _draw_map(ax, data: dict[str, np.ndarray], values: np.ndarray, status: np.ndarray, bracket: np.ndarray,
              norm_index: int, params: dict[str, Any]):
    n_e = data["n_e"]
    mesh = ax.pcolormesh(n_e, np.arange(values.shape[0]), values, cmap="RdBu_r", norm=Normalize(-1.0, 1.0),
                         shading="nearest", rasterized=True)
    t_max = float(params["t_max"])
    windows = data["t_window"][norm_index]
    for row in range(values.shape[0]):
        for col, n in enumerate(n_e):
            value = values[row, col]
            text = f"{value:+.2f}".replace("-", "\u2212")
            if windows[row, col] < t_max - 1e-9:
                text += f"\n$t\\leq{windows[row, col]:.3g}$"
            ax.text(n, row, text, ha="center", va="center", fontsize=4.5,
                    color="white" if abs(value) > 0.6 else "black")
            if status[row, col] == _STATUS["open"]:
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
