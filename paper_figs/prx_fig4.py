r"""PRX Fig. 4: first localized spin :math:`\mathbf S_1(t)` and average electron spin :math:`\tilde{\mathbf s}_e(t)`.

Electrons polarized along +z (collinear, quantum STT). (a)–(c): the components
:math:`S_1^x, S_1^y, S_1^z` (Eq. 11) and the purity :math:`|\mathbf S_1|` (gray background) for the
three electron numbers (PRX: N_e = 1, 5, 8); (d)–(f): :math:`\tilde{\mathbf s}_e = \mathbf s_e/N_e`
and :math:`|\tilde{\mathbf s}_e|`. For +z, :math:`S^x = S^y = 0` exactly: the two lie on top of each other
on the zero line (y dashed over x solid), and the legend says so. At quick size the times after
:func:`paper_figs._prx.reflection_time` are hatched. The curves are the ``spin[:, 0, :]``, ``spin_purity[:, 0]``,
``electron_spin / N_e`` and ``electron_spin_purity`` arrays of the run records. PRX Fig. 5
(:mod:`paper_figs.prx_fig5`) is the same figure for +x polarization.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

import numpy as np

from paper_figs import _prx
from paper_figs.cache import FigureData
from paper_figs.style import DOUBLE_COLUMN, PALETTE, figure, label_panels, shade_after
from paper_figs.sweep import RunSpec, run_records

__all__ = ["compute", "compute_for", "params", "plot", "plot_for", "run_specs"]

NAME = "prx-fig4"
POLARIZATION = "z"
COMPONENTS = ("x", "y", "z")


def params(size: str) -> dict[str, Any]:
    """Compute parameters (see :mod:`paper_figs._prx` for the sizes)."""
    return dict(_prx.SIZES[size])


def run_specs(params: dict[str, Any], polarization: str = POLARIZATION) -> list[RunSpec]:
    """One run per electron number, electrons polarized along ``polarization``."""
    return [_prx.spec(params, n_e, polarization) for n_e in sorted(params["n_e_values"])]


def compute_for(params: dict[str, Any], polarization: str, executor: Executor | None = None) -> FigureData:
    """S_1, |S_1|, s̃_e, |s̃_e| versus t for each N_e, electrons along ``polarization`` (Figs. 4 and 5).

    Returns
    -------
    FigureData
        ``t`` (ħ/γ), ``n_e`` (3,), ``S1`` (3, n_t, 3), ``S1_purity`` (3, n_t), ``se_tilde`` (3, n_t, 3),
        ``se_tilde_purity`` (3, n_t), ``t_reflection`` (ħ/γ); first axis: N_e in increasing order.
    """
    n_e_values = sorted(int(n) for n in params["n_e_values"])
    records = run_records(run_specs(params, polarization), executor)
    t = records[0].arrays["t"]
    s1 = np.stack([r.arrays["spin"][:, 0, :] for r in records])
    s1_purity = np.stack([r.arrays["spin_purity"][:, 0] for r in records])
    se = np.stack([r.arrays["electron_spin"] / n_e for r, n_e in zip(records, n_e_values, strict=True)])
    se_purity = np.stack([r.arrays["electron_spin_purity"] for r in records])
    arrays = {"t": t, "n_e": np.array(n_e_values), "S1": s1, "S1_purity": s1_purity, "se_tilde": se,
              "se_tilde_purity": se_purity, "t_reflection": np.array(_prx.reflection_time(params))}
    n_fm = _prx.model(params, 0, polarization).n_fm
    notes = {
        "method": _prx.method_label(records[0]),
        "n_fm": n_fm,
        "final_S1": {str(n): s1[i, -1].tolist() for i, n in enumerate(n_e_values)},
        "min_S1_purity": {str(n): float(s1_purity[i].min()) for i, n in enumerate(n_e_values)},
        "S1z_reversed": {str(n): bool(s1[i, -1, 2] > 0) for i, n in enumerate(n_e_values)},
        "drifts": {str(n): r.meta.get("drifts", {}) for n, r in zip(n_e_values, records, strict=True)},
        **_prx.reflection_note(params),
    }
    labels = [f"{'collinear' if polarization == 'z' else 'noncollinear'}/N_e={n}" for n in n_e_values]
    return FigureData(arrays, records=dict(zip(labels, records, strict=True)), notes=notes)


def compute(params: dict[str, Any], executor: Executor | None = None) -> FigureData:
    """PRX Fig. 4 data: electrons along +z (see :func:`compute_for`)."""
    return compute_for(params, POLARIZATION, executor)


def plot_for(data: dict[str, np.ndarray], polarization: str):
    """2 × 3 panels: S_1 (top) and s̃_e (bottom) per N_e, purity as a gray background, t > t_refl hatched."""
    fig, axes = figure(DOUBLE_COLUMN, 4.2, nrows=2, ncols=3, sharex=True, sharey=True)
    t = data["t"]
    rows = [
        ("S1", "S1_purity", r"\mathbf{S}_1", r"S_1"),
        ("se_tilde", "se_tilde_purity", r"\tilde{\mathbf{s}}_e", r"\tilde{s}_e"),
    ]
    texts = []
    for row, (key, purity_key, vec, comp) in enumerate(rows):
        for col, n_e in enumerate(data["n_e"]):
            ax = axes[row, col]
            ax.fill_between(t, 0.0, data[purity_key][col], color=PALETTE["purity"], lw=0, zorder=0)
            for k, name in enumerate(COMPONENTS):
                ax.plot(t, data[key][col, :, k], color=PALETTE[name], lw=1.0, ls=("-", "--", "-")[k], zorder=2 + k)
            ax.axhline(0.0, color="0.5", lw=0.4, zorder=1)
            ax.set_xlim(float(t[0]), float(t[-1]))
            ax.set_ylim(-1.08, 1.08)
            shade_after(ax, float(data["t_reflection"]), _prx.REFLECTION_LABEL)
            texts.append(rf"${comp}$, $N_e={int(n_e)}$")
            if row == 1:
                ax.set_xlabel(r"$t$ ($\hbar/\gamma$)")
            if col == 0:
                ax.set_ylabel(rf"${vec}$")
    label_panels(axes.flat, texts)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(*_legend_entries(handles, labels, data, polarization), loc="outside upper center", ncol=5)
    return fig


def _legend_entries(handles: list, labels: list, data: dict[str, np.ndarray], polarization: str) -> tuple[list, list]:
    """Figure legend: purity, the three components (coinciding ones named) and the hatched times, if any."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    zero = {name: max(float(np.max(np.abs(data[key][:, :, k]))) for key in ("S1", "se_tilde")) < 1e-12
            for k, name in enumerate(COMPONENTS)}
    entries = [(Patch(color=PALETTE["purity"], lw=0), r"purity $|\mathbf{S}_1|$, $|\tilde{\mathbf{s}}_e|$")]
    for k, c in enumerate(COMPONENTS):
        note = " ($=0$)" if zero[c] else ""
        entries.append((Line2D([], [], color=PALETTE[c], lw=1.0, ls=("-", "--", "-")[k]),
                        rf"$S_1^{c}$, $\tilde{{s}}_e^{c}$" + note))
    entries += [(h, lab) for h, lab in zip(handles, labels, strict=True) if lab == _prx.REFLECTION_LABEL]
    return [h for h, _ in entries], [lab for _, lab in entries]


def plot(data: dict[str, np.ndarray], params: dict[str, Any]):
    """PRX Fig. 4 (electrons along +z)."""
    return plot_for(data, POLARIZATION)
