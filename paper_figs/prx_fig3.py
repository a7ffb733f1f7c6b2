r"""PRX Fig. 3: spatiotemporal profiles of (a) the charge density ⟨n_i⟩ and (b) the spin-z density ⟨s^z_i⟩.

Collinear setup (electrons along +z, localized spins along −z) with the largest electron number
(PRX: N_e = 8, J_sd = 0.5γ). Site i on the vertical axis, t (ħ/γ) on the horizontal one; the green
horizontal lines mark the first and the last localized spin (sites N_L + 1 and N_L + N_FM), as in the
PRX caption. At quick size the times after :func:`paper_figs._prx.reflection_time` (the pulse reflected
at the right chain end is back in the FM region) are hatched. The maps are the ``density`` and
``spin_density_z`` arrays (n_t, N) of one run record (:func:`verify.records.simulate_prx_exact` at
quick size, :func:`verify.records.simulate_prx_tebd` at full size).
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

import numpy as np
from matplotlib.colors import Normalize, PowerNorm
from matplotlib.ticker import MaxNLocator

from paper_figs import _prx
from paper_figs.cache import FigureData
from paper_figs.style import DOUBLE_COLUMN, PALETTE, figure, label_panels, shade_after
from paper_figs.sweep import RunSpec, run_records

__all__ = ["compute", "params", "plot", "run_specs"]

NAME = "prx-fig3"


def params(size: str) -> dict[str, Any]:
    """Compute parameters (see :mod:`paper_figs._prx` for the sizes)."""
    return dict(_prx.SIZES[size])


def run_specs(params: dict[str, Any]) -> list[RunSpec]:
    """The collinear run with the largest N_e (shared with PRX Figs. 4, 6, 7)."""
    return [_prx.spec_for(params, "large", "z")]


def compute(params: dict[str, Any], executor: Executor | None = None) -> FigureData:
    """Density maps of the collinear large-N_e run.

    Returns
    -------
    FigureData
        ``t`` (ħ/γ), ``site`` (1..N), ``density`` (n_t, N), ``spin_density_z`` (n_t, N),
        ``fm_sites`` (first, last localized spin, 1-based), ``n_e``, ``t_reflection`` (ħ/γ,
        :func:`paper_figs._prx.reflection_time`).
    """
    (record,) = run_records(run_specs(params), executor)
    first, last = _prx.fm_sites(params)
    arrays = {
        "t": record.arrays["t"],
        "site": np.arange(1, record.arrays["density"].shape[1] + 1),
        "density": record.arrays["density"],
        "spin_density_z": record.arrays["spin_density_z"],
        "fm_sites": np.array([first, last]),
        "n_e": np.array(_prx.n_e_roles(params)["large"]),
        "t_reflection": np.array(_prx.reflection_time(params)),
    }
    notes = {"method": _prx.method_label(record), "drifts": record.meta.get("drifts", {}),
             **_prx.reflection_note(params),
             "electrons_total_final": float(record.arrays["density"][-1].sum())}
    return FigureData(arrays, records={"collinear/N_e=large": record}, notes=notes)


def plot(data: dict[str, np.ndarray], params: dict[str, Any]):
    """Two maps side by side (double column): ⟨n_i⟩(t) and ⟨s^z_i⟩(t), FM region marked by green lines."""
    fig, axes = figure(DOUBLE_COLUMN, 2.6, ncols=2, sharey=True)
    t, site = data["t"], data["site"]
    density = data["density"]
    spin = data["spin_density_z"]
    vmax_spin = float(np.max(np.abs(spin))) or 1.0
    maps = [  # the density on a square-root scale so that the spreading pulse stays visible next to the full well
        (axes[0], density.T, "viridis", PowerNorm(0.5, vmin=0.0, vmax=float(np.max(density)) or 1.0),
         r"$\langle n_i\rangle$ (square-root scale)"),
        (axes[1], spin.T, "RdBu_r", Normalize(-vmax_spin, vmax_spin), r"$\langle s^z_i\rangle$"),
    ]
    for ax, values, cmap, norm, label in maps:
        mesh = ax.pcolormesh(t, site, values, cmap=cmap, norm=norm, shading="nearest", rasterized=True)
        bar = fig.colorbar(mesh, ax=ax, pad=0.01, fraction=0.05)
        bar.set_label(label)
        for s in data["fm_sites"]:
            ax.axhline(float(s), color=PALETTE["fm-region"], lw=1.0)
        ax.set_xlabel(r"$t$ ($\hbar/\gamma$)")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        t_refl = float(data["t_reflection"])
        if shade_after(ax, t_refl, color="white" if cmap == "viridis" else "0.3") is not None:
            ax.text(t_refl, float(site[-1]) + 0.5, "reflected pulse\nback in FM region ", rotation=90, ha="right",
                    va="top", fontsize=6, color="white" if cmap == "viridis" else "0.2")
    what = rf"$N_e={int(data['n_e'])}$, +z"
    label_panels(axes, [f"charge density, {what}", f"spin-$z$ density, {what}"])
    axes[0].set_ylabel(r"site $i$")
    return fig
