r"""PRX Fig. 6: total spin of the localized spins, of the electrons, and their sum (spin conservation, Eq. 9).

(a) collinear, largest N_e (PRX: 8); (b) collinear, N_e = N_FM (PRX: 5): :math:`S^z_{\rm spins}(t) =
\sum_i\langle\sigma^z_i\rangle` (``spin_z_total``), :math:`s^z_e(t)` (``electron_spin[:, 2]``) and their sum
(``total_spin_z``, black dashed: conserved). (c)–(e) noncollinear (+x), largest N_e: the x, y and z
components of :math:`\mathbf S_{\rm spins} = \sum_i\langle\boldsymbol\sigma_i\rangle` and :math:`\mathbf s_e`;
the sum is drawn for z in (e), the conserved component (the XXZ anisotropy J_z ≠ J breaks the
conservation of the x and y components, as in the PRX caption). At quick size the times after
:func:`paper_figs._prx.reflection_time` are hatched.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

import numpy as np
from matplotlib.ticker import MultipleLocator

from paper_figs import _prx
from paper_figs.cache import FigureData
from paper_figs.style import DOUBLE_COLUMN, PALETTE, figure, label_panels, shade_after
from paper_figs.sweep import RunSpec, run_records

__all__ = ["compute", "params", "plot", "run_specs"]

NAME = "prx-fig6"
_RUNS = (("collinear/large", "large", "z"), ("collinear/mid", "mid", "z"), ("noncollinear/large", "large", "x"))


def params(size: str) -> dict[str, Any]:
    """Compute parameters (see :mod:`paper_figs._prx` for the sizes)."""
    return dict(_prx.SIZES[size])


def run_specs(params: dict[str, Any]) -> list[RunSpec]:
    """Collinear runs with the largest N_e and N_e = middle value, noncollinear run with the largest N_e."""
    return [_prx.spec_for(params, role, pol) for _, role, pol in _RUNS]


def compute(params: dict[str, Any], executor: Executor | None = None) -> FigureData:
    """Totals of localized and electron spin per run.

    Returns
    -------
    FigureData
        ``t`` (ħ/γ); for run r in (``col_large``, ``col_mid``, ``noncol_large``): ``<r>_spins`` (n_t, 3)
        Σ_i ⟨σ_i⟩, ``<r>_electrons`` (n_t, 3) s_e, ``<r>_total_z`` (n_t,) the record's conserved
        ``total_spin_z``; ``n_e`` (large, mid), ``n_fm``, ``t_reflection`` (ħ/γ).
    """
    records = run_records(run_specs(params), executor)
    arrays: dict[str, Any] = {"t": records[0].arrays["t"]}
    drifts = {}
    for (label, _, _), prefix, record in zip(_RUNS, ("col_large", "col_mid", "noncol_large"), records, strict=True):
        arrays[f"{prefix}_spins"] = record.arrays["spin"].sum(axis=1)
        arrays[f"{prefix}_electrons"] = record.arrays["electron_spin"]
        arrays[f"{prefix}_total_z"] = record.arrays["total_spin_z"]
        drifts[label] = float(np.max(np.abs(record.arrays["total_spin_z"] - record.arrays["total_spin_z"][0])))
    roles = _prx.n_e_roles(params)
    arrays["n_e"] = np.array([roles["large"], roles["mid"]])
    arrays["n_fm"] = np.array(_prx.model(params, 0, "z").n_fm)
    arrays["t_reflection"] = np.array(_prx.reflection_time(params))
    notes = {"method": _prx.method_label(records[0]), "total_spin_z_max_drift": drifts, **_prx.reflection_note(params)}
    return FigureData(arrays, records={label: r for (label, _, _), r in zip(_RUNS, records, strict=True)},
                      notes=notes)


def plot(data: dict[str, np.ndarray], params: dict[str, Any]):
    """Five panels: (a), (b) collinear z totals; (c)–(e) noncollinear x, y, z totals."""
    fig = figure(DOUBLE_COLUMN, 4.4)[0]
    grid = fig.add_gridspec(2, 6)
    axes = [fig.add_subplot(grid[0, 0:3]), fig.add_subplot(grid[0, 3:6])]
    axes += [fig.add_subplot(grid[1, 2 * k:2 * k + 2]) for k in range(3)]
    t = data["t"]
    n_large, n_mid = (int(n) for n in data["n_e"])
    panels = [
        ("col_large", 2, True, rf"$N_e={n_large}$, +z"),
        ("col_mid", 2, True, rf"$N_e={n_mid}$, +z"),
        ("noncol_large", 0, False, rf"$N_e={n_large}$, +x, $x$ components"),
        ("noncol_large", 1, False, rf"$N_e={n_large}$, +x, $y$ components"),
        ("noncol_large", 2, True, rf"$N_e={n_large}$, +x, $z$ components"),
    ]
    for ax, (prefix, k, with_sum, _) in zip(axes, panels, strict=True):
        comp = "xyz"[k]
        ax.plot(t, data[f"{prefix}_spins"][:, k], color=PALETTE["spins"], lw=1.1,
                label=r"localized spins $S^\alpha_{\rm spins}=\sum_i\langle\sigma^\alpha_i\rangle$")
        ax.plot(t, data[f"{prefix}_electrons"][:, k], color=PALETTE["electrons"], lw=1.1,
                label=r"electrons $s^\alpha_e$")
        if with_sum:  # dashed and on top: it starts on the localized-spin curve in (e)
            ax.plot(t, data[f"{prefix}_total_z"], "--", color=PALETTE["total"], lw=1.0, zorder=3,
                    label=r"$s^z_e+S^z_{\rm spins}$ (conserved, Eq. 9)")
        ax.axhline(0.0, color="0.6", lw=0.4, zorder=0)
        ax.set_xlim(float(t[0]), float(t[-1]))
        ax.set_xlabel(r"$t$ ($\hbar/\gamma$)")
        ax.set_ylabel(rf"$S^{comp}_{{\rm spins}}$, $s^{comp}_e$")
        ax.xaxis.set_major_locator(MultipleLocator(2 if float(t[-1]) <= 16 else 5))
        shade_after(ax, float(data["t_reflection"]), _prx.REFLECTION_LABEL)
    label_panels(axes, [text for *_, text in panels])
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=4 if len(labels) > 3 else 3)
    return fig
