r"""Pair paper Fig. 2: spin transfer :math:`\Delta\sigma_z = |\langle\sigma_z(t)\rangle - \langle\sigma_z(0)\rangle|`.

:math:`\langle\sigma_z\rangle` is pair paper Eq. 5.

(a) Δσ_z(t) for the singlet (red solid), triplet m = 0 (blue dotted), triplet m = −1 (orange solid)
and a single spin-↓ electron at x2 (black dotted), d = 30a; shaded: the intervals during which φ1 and
φ2 are inside the spin chain (:func:`verify.models.packet_chain_intervals`). Until φ1 reaches the chain
the triplet m = 0 curve lies on the singlet one and the single spin-↓ curve on the triplet m = −1 one
(only φ2 has acted); the dotted curves are drawn over the solid ones and the legend says so.
(b) Final Δσ_z versus the packet distance d for the three pair states (the single spin-↓ value, which
does not depend on d, as a reference line). "Final" is read at T(d), when the centre of φ1 is 4.5 density
spreads past the chain, i.e. when both packets have left it (see :mod:`paper_figs._pair`); the drift over
the preceding 10 fs is stored as ``final_drift`` and summarized in the JSON notes.

No time is hatched: the ring has no end, and every plotted time precedes the wrap-around time at which
scattered parts come back around the ring (:func:`paper_figs._pair.check_read_time` refuses a run that
would need a later time; JSON note ``wraparound_time_fs``).

Every curve is the ``spin_transfer`` array of a :func:`verify.records.simulate_pair` run record.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

import numpy as np

from paper_figs import _pair
from paper_figs.cache import FigureData
from paper_figs.style import DOUBLE_COLUMN, PAIR_LABELS, PALETTE, figure, label_panels, shade_intervals
from paper_figs.sweep import RunSpec, run_records

__all__ = ["PAIR_STATES_A", "PAIR_STATES_B", "compute", "params", "plot", "run_specs"]

NAME = "pair-fig2"
PAIR_STATES_A = ("singlet", "triplet0", "triplet-1", "single-down")
"""Curves of panel (a), in the caption's order."""
PAIR_STATES_B = ("singlet", "triplet0", "triplet-1")
"""Curves of panel (b)."""
LINESTYLES = {"singlet": "-", "triplet0": ":", "triplet-1": "-", "single-down": ":"}
"""Line styles of the pair paper's Fig. 2 caption."""
COINCIDE_A = {"triplet0": "singlet", "single-down": "triplet-1"}
"""Panel (a): dotted curve → the solid curve it lies on until φ1 reaches the chain (said in the legend)."""

_D_VALUES = {
    "full": [10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0, 45.0, 50.0, 55.0, 60.0],
    "quick": [10.0, 20.0, 30.0],  # d <= 30a on the 130-site quick ring (wrap-around, paper_figs._pair)
    "tiny": [6.0, 12.0],
}


def params(size: str) -> dict[str, Any]:
    """Compute parameters: the paper's Fig. 2 model; d values of panel (b) (full: 10a..60a every 5a).

    d ≤ 60a keeps the read-out time below the ring's wrap-around time (:mod:`paper_figs._pair`).
    """
    return {**_pair.MODEL_SIZES[size], "d_values": list(_D_VALUES[size])}


def _plan(params: dict[str, Any]) -> tuple[list[tuple[str, RunSpec]], dict[str, Any]]:
    dt = float(params["dt_out"])
    model = _pair.model_at(params)
    t_a = _pair.read_time(model, params)
    _pair.check_read_time(model, t_a)
    plan = [(f"a/{pair}", _pair.spec(model, pair, t_a, dt)) for pair in PAIR_STATES_A]
    reads = {}
    for d in params["d_values"]:
        model_d = _pair.model_at(params, d)
        t_d = _pair.read_time(model_d, params)
        _pair.check_read_time(model_d, t_d)
        reads[float(d)] = t_d
        plan += [(f"b/{pair}/d={d:g}", _pair.spec(model_d, pair, t_d, dt)) for pair in PAIR_STATES_B]
    return plan, {"t_a": t_a, "reads": reads}


def run_specs(params: dict[str, Any]) -> list[RunSpec]:
    """Every simulate_pair run of the figure (4 for panel a, 3 per d for panel b; d = 30a shared)."""
    return [spec for _, spec in _plan(params)[0]]


def compute(params: dict[str, Any], executor: Executor | None = None) -> FigureData:
    """Run (or load) the pair runs and extract the plotted arrays.

    Returns
    -------
    FigureData
        ``t`` (fs), ``transfer_<state>`` Δσ_z(t) for the four states of (a), ``intervals`` (2, 2)
        (φ1, φ2 enter/exit, fs), ``d`` (a), ``final_<state>`` Δσ_z(T(d)), ``final_drift_<state>``,
        ``read_time`` T(d) (fs), ``single_down_final`` (reference of b), ``sz_total_drift`` (max over runs).
    """
    plan, info = _plan(params)
    records = run_records([spec for _, spec in plan], executor)
    by_label = dict(zip([label for label, _ in plan], records, strict=True))
    model = _pair.model_at(params)
    arrays: dict[str, Any] = {"t": by_label["a/singlet"].arrays["t"], "intervals": _pair.chain_intervals(model)}
    for pair in PAIR_STATES_A:
        arrays[f"transfer_{pair}"] = by_label[f"a/{pair}"].arrays["spin_transfer"]
    d_values = [float(d) for d in params["d_values"]]
    arrays["d"] = np.array(d_values)
    arrays["read_time"] = np.array([info["reads"][d] for d in d_values])
    for pair in PAIR_STATES_B:
        finals, drifts = [], []
        for d in d_values:
            run = by_label[f"b/{pair}/d={d:g}"]
            value, drift = _pair.read_value(run.arrays["t"], run.arrays["spin_transfer"], info["reads"][d])
            finals.append(value)
            drifts.append(drift)
        arrays[f"final_{pair}"] = np.array(finals)
        arrays[f"final_drift_{pair}"] = np.array(drifts)
    down = by_label["a/single-down"]
    arrays["single_down_final"] = np.array(_pair.read_value(down.arrays["t"], down.arrays["spin_transfer"],
                                                            info["t_a"])[0])
    drift_sz = max(float(r.meta.get("drifts", {}).get("sz_total", np.nan)) for r in records)
    arrays["sz_total_drift"] = np.array(drift_sz)
    max_drift = max(float(np.max(arrays[f"final_drift_{p}"])) for p in PAIR_STATES_B)
    notes = {
        "final_value": "Delta sigma_z read at T(d), the first output time at which the centre of phi1 is read_nstd "
        "density spreads s(t) past the last localized spin (paper_figs._pair); final_drift = max |Delta sigma_z(t) - "
        "Delta sigma_z(T)| over [T - 10 fs, T]",
        "read_time_fs": dict(zip([f"{d:g}" for d in d_values], arrays["read_time"].tolist(), strict=True)),
        "max_final_drift": max_drift,
        "panel_a_t_max_fs": info["t_a"],
        "wraparound_time_fs": _pair.wraparound_time(model),
        "sz_total_max_drift": drift_sz,
        "single_down_in_b": "single spin-down value at d-independent position x2, read at T(d_a)",
    }
    return FigureData(arrays, records=by_label, notes=notes)


def plot(data: dict[str, np.ndarray], params: dict[str, Any]):
    """Double-column figure: (a) Δσ_z(t) with shaded packet intervals, (b) final Δσ_z versus d."""
    fig, (ax_a, ax_b) = figure(DOUBLE_COLUMN, 2.7, ncols=2, width_ratios=[1.5, 1.0])
    shade_intervals(ax_a, data["intervals"], labels=[r"$\varphi_1$ in chain", r"$\varphi_2$ in chain"])
    for pair in PAIR_STATES_A:
        label = PAIR_LABELS[pair]
        if pair in COINCIDE_A:
            label += f" (= {PAIR_LABELS[COINCIDE_A[pair]]} before " + r"$\varphi_1$)"
        dotted = LINESTYLES[pair] == ":"
        ax_a.plot(data["t"], data[f"transfer_{pair}"], LINESTYLES[pair], color=PALETTE[pair],
                  lw=1.3 if dotted else 1.0, zorder=3 if dotted else 2, label=label)
    ax_a.set_xlabel(r"$t$ (fs)")
    ax_a.set_ylabel(r"$\Delta\sigma_z$")
    ax_a.set_xlim(0, float(data["t"][-1]))
    top_a = max(float(np.max(data[f"transfer_{pair}"])) for pair in PAIR_STATES_A)
    ax_a.set_ylim(0, 1.5 * top_a)  # the legend above the curves
    ax_a.legend(loc="upper left", ncol=2, fontsize=6.5, columnspacing=1.0)

    ax_b.axhline(float(data["single_down_final"]), color=PALETTE["single-down"], ls=":", lw=1.2,
                 label=PAIR_LABELS["single-down"])
    for pair in PAIR_STATES_B:
        ax_b.plot(data["d"], data[f"final_{pair}"], "o" + LINESTYLES[pair], color=PALETTE[pair], ms=3.5,
                  lw=1.0, label=PAIR_LABELS[pair])
    ax_b.set_xlabel(r"$d$ ($a$)")
    ax_b.set_ylabel(r"final $\Delta\sigma_z$")
    top = max(float(np.max(data[f"final_{p}"])) for p in PAIR_STATES_B)
    ax_b.set_ylim(0, 1.35 * top)
    ax_b.legend(loc="upper right", ncol=2, fontsize=6.5, columnspacing=1.0)
    d_a = float(params["d"])
    label_panels((ax_a, ax_b), [rf"$\Delta\sigma_z(t)$, $d={d_a:g}a$", r"final $\Delta\sigma_z$ against $d$"])
    return fig
