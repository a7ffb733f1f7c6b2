r"""Pair paper Fig. 3: probabilities of the singlet and triplet states versus t, for three sd terms.

Rows: only :math:`\sigma_zS_z` ("longitudinal", panels a–b), only the flip term
:math:`\tfrac12(\sigma_+S_- + \sigma_-S_+)` ("flip", c–d), the full Eq. 7 (e–f). Columns: initial
singlet (left) and triplet m = 0 (right). Each curve is a column of the ``pair_probabilities`` array
(⟨S|ρ_el|S⟩, ⟨T+|ρ_el|T+⟩, ⟨T0|ρ_el|T0⟩, ⟨T−|ρ_el|T−⟩ of the reduced electron-spin density matrix) of a
:func:`verify.records.simulate_pair` run; shaded: φ1 and φ2 inside the chain.

The JSON notes record the final probabilities, in particular the singlet ↔ triplet-0 mixing left
after both packets have left the chain with the longitudinal term only (the paper says it vanishes).
Triplet m = −1 is forbidden by S^z conservation and triplet m = +1 needs the flip term, so those
probabilities are zero where the legend says so: the dashed m = −1 curve lies on the zero line, over
the m = +1 one in (a), (b). No time is hatched: all plotted times precede the ring's wrap-around time
(:func:`paper_figs._pair.check_read_time`).
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

import numpy as np

from paper_figs import _pair
from paper_figs.cache import FigureData
from paper_figs.style import DOUBLE_COLUMN, PAIR_LABELS, PALETTE, figure, label_panels, shade_intervals
from paper_figs.sweep import RunSpec, run_records

__all__ = ["COLUMNS", "INITIAL", "TERMS", "compute", "params", "plot", "run_specs"]

NAME = "pair-fig3"
TERMS = ("longitudinal", "flip", "full")
"""Rows (sd terms kept, :data:`verify.models.SD_TERMS`)."""
INITIAL = ("singlet", "triplet0")
"""Columns (initial spin state)."""
COLUMNS = ("singlet", "triplet+1", "triplet0", "triplet-1")
"""Column order of ``pair_probabilities`` (:data:`verify.exact.PAIR_PROBABILITY_COLUMNS`)."""
ROW_TITLES = {
    "longitudinal": r"only $\sigma_zS_z$",
    "flip": r"only $\frac{1}{2}(\sigma_+S_-+\sigma_-S_+)$",
    "full": "full sd term (Eq. 7)",
}
ZERO_NOTES = {"triplet+1": r" ($=0$ with $\sigma_zS_z$ only)", "triplet-1": r" ($=0$: $S^z$ conserved)"}
"""Legend notes of the probabilities that vanish identically (their curves lie on the zero line)."""


def params(size: str) -> dict[str, Any]:
    """Compute parameters: the paper's Fig. 2 model (d = 30a); t up to T(d) (see :mod:`paper_figs._pair`)."""
    return dict(_pair.MODEL_SIZES[size])


def _plan(params: dict[str, Any]) -> tuple[list[tuple[str, RunSpec]], float]:
    base = _pair.model_at(params)
    t_max = _pair.read_time(base, params)
    _pair.check_read_time(base, t_max)
    plan = [
        (f"{terms}/{pair}", _pair.spec(_pair.model_at(params, terms=terms), pair, t_max, float(params["dt_out"])))
        for terms in TERMS
        for pair in INITIAL
    ]
    return plan, t_max


def run_specs(params: dict[str, Any]) -> list[RunSpec]:
    """The six simulate_pair runs (3 sd terms × 2 initial states); the full-term runs are shared with Fig. 2."""
    return [spec for _, spec in _plan(params)[0]]


def compute(params: dict[str, Any], executor: Executor | None = None) -> FigureData:
    """Run (or load) the six runs and collect the probabilities.

    Returns
    -------
    FigureData
        ``t`` (fs), ``intervals`` (2, 2), ``prob_<terms>_<initial>`` (n_t, 4) in the order of :data:`COLUMNS`.
    """
    plan, t_max = _plan(params)
    records = run_records([spec for _, spec in plan], executor)
    by_label = dict(zip([label for label, _ in plan], records, strict=True))
    arrays: dict[str, Any] = {
        "t": records[0].arrays["t"],
        "intervals": _pair.chain_intervals(_pair.model_at(params)),
    }
    finals: dict[str, dict[str, float]] = {}
    for label, run in by_label.items():
        if list(run.meta.get("pair_probability_columns", COLUMNS)) != list(COLUMNS):
            raise ValueError(f"unexpected pair_probabilities columns {run.meta['pair_probability_columns']}")
        probs = run.arrays["pair_probabilities"]
        arrays["prob_" + label.replace("/", "_")] = probs
        finals[label] = dict(zip(COLUMNS, probs[-1].tolist(), strict=True))
    longit = finals["longitudinal/singlet"]["triplet0"], finals["longitudinal/triplet0"]["singlet"]
    peak = (
        float(np.max(arrays["prob_longitudinal_singlet"][:, 2])),
        float(np.max(arrays["prob_longitudinal_triplet0"][:, 0])),
    )
    notes = {
        "final_time_fs": t_max,
        "wraparound_time_fs": _pair.wraparound_time(_pair.model_at(params)),
        "final_probabilities": finals,
        "longitudinal_mixing_after_packets_left": {
            "singlet_to_triplet0_final": longit[0],
            "triplet0_to_singlet_final": longit[1],
            "singlet_to_triplet0_peak": peak[0],
            "triplet0_to_singlet_peak": peak[1],
        },
    }
    return FigureData(arrays, records=by_label, notes=notes)


def plot(data: dict[str, np.ndarray], params: dict[str, Any]):
    """3 × 2 panels (rows: sd terms; columns: initial singlet, triplet 0), probabilities versus t (fs)."""
    fig, axes = figure(DOUBLE_COLUMN, 6.2, nrows=3, ncols=2, sharex=True, sharey=True)
    texts = []
    for row, terms in enumerate(TERMS):
        for col, initial in enumerate(INITIAL):
            ax = axes[row, col]
            shade_intervals(ax, data["intervals"], labels=[r"$\varphi_1$ in chain", r"$\varphi_2$ in chain"])
            probs = data[f"prob_{terms}_{initial}"]
            for k, name in enumerate(COLUMNS):
                dashed = name == "triplet-1"
                ax.plot(data["t"], probs[:, k], color=PALETTE[name], lw=1.0, ls="--" if dashed else "-",
                        zorder=3 if dashed else 2, label=PAIR_LABELS[name] + ZERO_NOTES.get(name, ""))
            ax.set_xlim(0, float(data["t"][-1]))
            ax.set_ylim(-0.03, 1.03)
            texts.append(f"initial {PAIR_LABELS[initial]}; {ROW_TITLES[terms]}")
            if row == len(TERMS) - 1:
                ax.set_xlabel(r"$t$ (fs)")
            if col == 0:
                ax.set_ylabel("probability")
    label_panels(axes.flat, texts)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    order = [labels.index(label) for label in labels if "in chain" not in label]
    order += [labels.index(label) for label in labels if "in chain" in label]
    fig.legend([handles[i] for i in order], [labels[i] for i in order], loc="outside upper center", ncol=3)
    return fig
