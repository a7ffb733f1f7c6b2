r"""PRX Fig. 7: (a) half-system entanglement entropy (Eq. 12) and (b) Meyer–Wallach measure Q_MW (Eq. 13).

Collinear (+z, quantum STT) versus noncollinear (+x, conventional STT) injection of the largest
N_e (PRX: 8). (a) is the ``entropy_cut`` array: the von Neumann entropy of sites 1..(N+1)//2 (all
electrons there and the localized spins on them; PRX: 38 of 75 sites, three localized spins).
(b) is ``meyer_wallach``: Q_MW over the N_FM localized spins and the N_e electrons, each electron
assigned ρ_e = (1 + s̃_e·σ)/2 (``docs/conventions.md``). The dotted line is the closed-form Q_MW of
the equal-weight Eq. 15 state with the same N_e, N_FM
(:func:`entanglement.closed_form.meyer_wallach` = 4p(1−p), p = N_e/(N_e+N_FM)), the value the PRX
text refers to as "slightly below its maximum". At quick size the times after
:func:`paper_figs._prx.reflection_time` are hatched.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

import numpy as np

from paper_figs import _prx
from paper_figs.cache import FigureData
from paper_figs.style import GEOMETRY_LABELS, PALETTE, SINGLE_COLUMN, figure, label_panels, shade_after
from paper_figs.sweep import RunSpec, run_records
from verify.models import default_cut

__all__ = ["compute", "params", "plot", "run_specs"]

NAME = "prx-fig7"
GEOMETRIES = (("collinear", "z"), ("noncollinear", "x"))


def params(size: str) -> dict[str, Any]:
    """Compute parameters (see :mod:`paper_figs._prx` for the sizes)."""
    return dict(_prx.SIZES[size])


def run_specs(params: dict[str, Any]) -> list[RunSpec]:
    """The collinear and noncollinear runs with the largest N_e (shared with Figs. 3–6)."""
    return [_prx.spec_for(params, "large", pol) for _, pol in GEOMETRIES]


def compute(params: dict[str, Any], executor: Executor | None = None) -> FigureData:
    """Entropy of the cut and Q_MW versus t for both geometries.

    Returns
    -------
    FigureData
        ``t`` (ħ/γ), ``entropy_<geometry>``, ``q_mw_<geometry>`` (n_t,), ``q_mw_eq15`` (closed form),
        ``cut`` (last site of the left half), ``n_e``, ``n_fm``, ``t_reflection`` (ħ/γ).
    """
    from entanglement import closed_form

    records = run_records(run_specs(params), executor)
    arrays: dict[str, Any] = {"t": records[0].arrays["t"]}
    for (name, _), record in zip(GEOMETRIES, records, strict=True):
        arrays[f"entropy_{name}"] = record.arrays["entropy_cut"]
        arrays[f"q_mw_{name}"] = record.arrays["meyer_wallach"]
    model = _prx.model(params, _prx.n_e_roles(params)["large"], "z")
    arrays["q_mw_eq15"] = np.array(float(closed_form.meyer_wallach(model.n_e, model.n_fm)))
    arrays["cut"] = np.array(int(records[0].meta.get("cut", default_cut(model.n_sites))))
    arrays["n_e"] = np.array(model.n_e)
    arrays["n_fm"] = np.array(model.n_fm)
    arrays["t_reflection"] = np.array(_prx.reflection_time(params))
    notes = {
        **_prx.reflection_note(params),
        "method": _prx.method_label(records[0]),
        "final": {name: {"entropy": float(arrays[f"entropy_{name}"][-1]), "q_mw": float(arrays[f"q_mw_{name}"][-1])}
                  for name, _ in GEOMETRIES},
        "q_mw_eq15_closed_form": str(closed_form.meyer_wallach(model.n_e, model.n_fm)),
    }
    return FigureData(arrays, records={f"{name}/N_e=large": r for (name, _), r in zip(GEOMETRIES, records,
                                                                                     strict=True)}, notes=notes)


def plot(data: dict[str, np.ndarray], params: dict[str, Any]):
    """Two stacked panels (single column): S_(N+1)/2(t) and Q_MW(t), collinear versus noncollinear."""
    fig, (ax_a, ax_b) = figure(SINGLE_COLUMN, 4.2, nrows=2, sharex=True)
    t = data["t"]
    for name, pol in GEOMETRIES:
        ax_a.plot(t, data[f"entropy_{name}"], color=PALETTE[name], lw=1.1, ls="-" if pol == "z" else "--",
                  label=GEOMETRY_LABELS[pol])
        ax_b.plot(t, data[f"q_mw_{name}"], color=PALETTE[name], lw=1.1, ls="-" if pol == "z" else "--",
                  label=GEOMETRY_LABELS[pol])
    ax_b.axhline(float(data["q_mw_eq15"]), color=PALETTE["asymptote"], ls=":", lw=1.0,
                 label=r"Eq. 15 state, $4p(1-p)$")
    cut, n_e = int(data["cut"]), int(data["n_e"])
    ax_a.set_ylabel(rf"$\mathcal{{S}}_{{(N+1)/2}}$ (sites 1–{cut})")
    ax_b.set_ylabel(r"$Q_{\rm MW}$")
    ax_b.set_xlabel(r"$t$ ($\hbar/\gamma$)")
    ax_b.set_ylim(0, 1.05)
    ax_a.set_ylim(bottom=0)
    ax_a.set_xlim(float(t[0]), float(t[-1]))
    shade_after(ax_a, float(data["t_reflection"]), _prx.REFLECTION_LABEL)  # one legend entry, in (a)
    shade_after(ax_b, float(data["t_reflection"]))
    ax_a.legend(loc="upper left")
    ax_b.legend(loc="lower right")
    label_panels((ax_a, ax_b), [rf"half-system entropy, $N_e={n_e}$, $N_{{\rm FM}}={int(data['n_fm'])}$",
                                "Meyer–Wallach measure"])
    return fig
