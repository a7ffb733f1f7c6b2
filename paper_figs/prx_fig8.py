r"""PRX Fig. 8: mutual information :math:`I(1|N_{FM})` between the edge localized spins of the Eq. 15 state.

(a) :math:`N_e = N_{FM}`: the closed form (PRX Eqs. 14, 16, :func:`entanglement.closed_form.mutual_information`,
exact sympy evaluated to 30 digits), brute-force points from the dense Eq. 15 vector
(:func:`states.stt_superposition` + :func:`entanglement.mutual_information` on localized spins 1 and
:math:`N_{FM}`) for small :math:`N_{FM}`, and the asymptote ln 2/2 (PRX Eq. 17,
:func:`entanglement.closed_form.mutual_information_limit`).

(b) The same against :math:`1/N_{FM}`, so that the approach to ln 2/2 (the intercept) is visible, with
the large-N series through :math:`1/N` and :math:`1/N^2`
(:func:`entanglement.closed_form.mutual_information_series`: :math:`\ln 2/2 + \ln 2/(4N) + \dots`).

(c) :math:`N_e \ne N_{FM}` at fixed filling :math:`p = N_e/(N_e+N_{FM})`: the same three ingredients with
the limit :math:`2p(1-p)\ln 2` (``mutual_information_limit(p)``). p and 1 − p share the limit, and their
curves nearly coincide at large N_FM: the filling above 1/2 is drawn dashed over the solid one.

No evolver is involved: every plotted number is a closed form or a brute-force partial trace.
"""

from __future__ import annotations

from concurrent.futures import Executor
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from paper_figs.cache import FigureData
from paper_figs.style import NE_COLORS, PALETTE, SINGLE_COLUMN, figure, label_panels
from paper_figs.sweep import map_tasks

__all__ = ["brute_force_point", "closed_form_point", "compute", "params", "plot", "series_arrays"]

NAME = "prx-fig8"

_SIZES: dict[str, dict[str, Any]] = {
    # n_fm_max: largest N_FM of the closed-form curves; bf_max_qubits: largest N_e + N_FM done by brute force
    # series_orders: the large-N series of panel (b), one curve per highest power of 1/N
    "tiny": {"n_fm_max": 10, "bf_max_qubits": 8, "fillings": ["1/3", "2/3"], "digits": 30, "series_orders": [1, 2]},
    "quick": {"n_fm_max": 60, "bf_max_qubits": 16, "fillings": ["1/4", "1/3", "2/3"], "digits": 30,
              "series_orders": [1, 2]},
    "full": {"n_fm_max": 100, "bf_max_qubits": 20, "fillings": ["1/4", "1/3", "2/3"], "digits": 30,
             "series_orders": [1, 2]},
}


def params(size: str) -> dict[str, Any]:
    """Compute parameters at ``size`` (the full N_FM range of PRX Fig. 8 is an assumption: up to 100)."""
    return dict(_SIZES[size])


def closed_form_point(task: tuple[int, int, int]) -> float:
    """I(1|N_FM) of the Eq. 15 state from the exact closed form (PRX Eqs. 14, 16), to ``digits`` digits.

    Parameters
    ----------
    task : (n_e, n_fm, digits)
    """
    from entanglement import closed_form

    n_e, n_fm, digits = task
    return float(sp.N(closed_form.mutual_information(n_e, n_fm), digits))


def brute_force_point(task: tuple[int, int]) -> float:
    """I(1|N_FM) from the dense Eq. 15 vector (electrons first).

    Localized spins 1 and N_FM are qubits N_e and N_e + N_FM − 1.
    """
    import entanglement
    import states

    n_e, n_fm = task
    psi = states.stt_superposition(n_e, n_fm)
    return float(entanglement.mutual_information(psi, [n_e], [n_e + n_fm - 1]))


def series_arrays(orders: list[int], n_points: int = 201) -> dict[str, np.ndarray]:
    """The large-N series of I(1|N) (N_e = N_FM = N) on a grid of x = 1/N in [0, 1/2], for panel (b).

    Evaluates :func:`entanglement.closed_form.mutual_information_series` (no formula is written here);
    the sympy series are expanded once per process.

    Returns
    -------
    dict
        ``series_x`` (x = 1/N, ``n_points`` values from 0 to 1/2), ``series_orders`` and
        ``series{order}`` (the series through 1/N^order at those x) for each order.
    """
    grid = np.linspace(0.0, 0.5, n_points)
    arrays: dict[str, np.ndarray] = {"series_x": grid, "series_orders": np.array(orders, dtype=int)}
    for order in orders:
        values = _series_in_inverse_n(int(order))(grid)
        arrays[f"series{order}"] = np.broadcast_to(np.asarray(values, dtype=float), grid.shape).copy()
    return arrays


@cache
def _series_in_inverse_n(order: int):
    """The series through 1/N^order as a numpy function of x = 1/N (sympy ``lambdify``)."""
    from entanglement import closed_form

    big_n, x = sp.Symbol("N", positive=True), sp.Symbol("x", nonnegative=True)
    polynomial = sp.expand(closed_form.mutual_information_series(order, big_n).subs(big_n, 1 / x))
    return sp.lambdify(x, sp.N(polynomial, 30), "numpy")


def _filling_sizes(p: Fraction, n_fm_max: int) -> list[tuple[int, int]]:
    """(N_e, N_FM) pairs with N_e/(N_e + N_FM) = p exactly, N_FM >= 2, N_FM <= n_fm_max."""
    ratio = p / (1 - p)  # N_e / N_FM
    step = ratio.denominator  # smallest N_FM with integer N_e
    return [(int(ratio * n_fm), n_fm) for n_fm in range(step, n_fm_max + 1, step) if n_fm >= 2]


def compute(params: dict[str, Any], executor: Executor | None = None) -> FigureData:
    """Closed-form curves, brute-force points and limits of PRX Fig. 8 (a) and (b).

    Returns
    -------
    FigureData
        ``n_fm``, ``mi_closed`` (N_e = N_FM), ``n_fm_bf``, ``mi_bf``, ``limit`` (ln 2/2);
        ``inv_n_fm`` (1/``n_fm``, the abscissa of panel b) and the series of :func:`series_arrays`;
        ``fillings`` (p values), ``fill_limits`` (2p(1−p) ln 2), and for filling i:
        ``fill{i}_n_fm``, ``fill{i}_n_e``, ``fill{i}_mi``, ``fill{i}_bf_n_fm``, ``fill{i}_bf_mi``.
    """
    from entanglement import closed_form

    n_max, bf_max, digits = int(params["n_fm_max"]), int(params["bf_max_qubits"]), int(params["digits"])
    fillings = [Fraction(p) for p in params["fillings"]]
    for p in fillings:
        if not 0 < p < 1:
            raise ValueError(f"filling p must lie in (0, 1), got {p}")

    equal = [(n, n) for n in range(2, n_max + 1)]
    per_filling = [_filling_sizes(p, n_max) for p in fillings]
    closed_tasks = [(n_e, n_fm, digits) for n_e, n_fm in equal + [s for sizes in per_filling for s in sizes]]
    all_sizes = equal + [s for sizes in per_filling for s in sizes]
    bf_tasks = [(n_e, n_fm) for n_e, n_fm in all_sizes if n_e + n_fm <= bf_max]
    closed = dict(zip([t[:2] for t in closed_tasks], map_tasks(closed_form_point, closed_tasks, executor), strict=True))
    brute = dict(zip(bf_tasks, map_tasks(brute_force_point, bf_tasks, executor), strict=True))

    arrays: dict[str, Any] = {
        "n_fm": np.array([n for _, n in equal]),
        "inv_n_fm": 1.0 / np.array([n for _, n in equal], dtype=float),
        "mi_closed": np.array([closed[s] for s in equal]),
        "n_fm_bf": np.array([n for (e, n) in equal if (e, n) in brute]),
        "mi_bf": np.array([brute[s] for s in equal if s in brute]),
        "limit": np.array(float(sp.N(closed_form.mutual_information_limit(), digits))),
        "fillings": np.array([float(p) for p in fillings]),
        "fill_limits": np.array(
            [float(sp.N(closed_form.mutual_information_limit(sp.Rational(p.numerator, p.denominator)), digits))
             for p in fillings]
        ),
    }
    arrays.update(series_arrays([int(order) for order in params["series_orders"]]))
    for i, sizes in enumerate(per_filling):
        arrays[f"fill{i}_n_e"] = np.array([e for e, _ in sizes])
        arrays[f"fill{i}_n_fm"] = np.array([n for _, n in sizes])
        arrays[f"fill{i}_mi"] = np.array([closed[s] for s in sizes])
        arrays[f"fill{i}_bf_n_fm"] = np.array([n for (e, n) in sizes if (e, n) in brute])
        arrays[f"fill{i}_bf_mi"] = np.array([brute[s] for s in sizes if s in brute])
    bf_dev = max((abs(brute[s] - closed[s]) for s in brute), default=0.0)
    notes = {
        "closed_form": "entanglement.closed_form.mutual_information(n_e, n_fm) (PRX Eqs. 14, 16), exact sympy "
        f"evaluated to {digits} digits",
        "brute_force": "states.stt_superposition(n_e, n_fm) dense vector, entanglement.mutual_information on "
        "localized spins 1 and N_FM (qubits N_e and N_e+N_FM-1)",
        "limits": "entanglement.closed_form.mutual_information_limit(p) (PRX Eq. 17; 2p(1-p) ln 2 at filling p)",
        "max_abs_brute_force_minus_closed_form": bf_dev,
        "fillings": [str(p) for p in fillings],
        "series": {str(order): str(closed_form.mutual_information_series(int(order)))
                   for order in params["series_orders"]},
    }
    return FigureData(arrays, notes=notes)


_MI_LABEL = r"$\mathcal{I}(1\,|\,N_{\rm FM})$"


def plot(data: dict[str, np.ndarray], params: dict[str, Any]):
    """Three stacked panels, single column: (a) N_e = N_FM; (b) the same against 1/N_FM; (c) fixed fillings."""
    fig, (ax_a, ax_b, ax_c) = figure(SINGLE_COLUMN, 6.6, nrows=3)
    _plot_equal(ax_a, data)
    _plot_inverse(ax_b, data)
    _plot_fillings(ax_c, data, params)
    ax_c.set_xlim(ax_a.get_xlim())
    label_panels((ax_a, ax_b, ax_c), [r"$N_e=N_{\rm FM}$", r"$N_e=N_{\rm FM}$ against $1/N_{\rm FM}$",
                                      r"fixed filling $p=N_e/(N_e+N_{\rm FM})$"])
    return fig


def _plot_equal(ax, data: dict[str, np.ndarray]) -> None:
    """(a): closed form and brute force against N_FM, the limit ln 2/2."""
    ax.axhline(float(data["limit"]), color=PALETTE["asymptote"], ls="--", lw=0.9, label=r"$\ln 2/2$ (Eq. 17)")
    ax.plot(data["n_fm"], data["mi_closed"], "-", color=PALETTE["closed-form"], lw=1.0,
            label="closed form (Eqs. 14, 16)")
    ax.plot(data["n_fm_bf"], data["mi_bf"], "o", mfc="none", mec=PALETTE["brute-force"], mew=0.9, ms=4.5, zorder=3,
            label="brute force (dense Eq. 15)")
    ax.set_xlim(0, float(data["n_fm"][-1]) + 1)
    ax.set_xlabel(r"$N_{\rm FM}$")
    ax.set_ylabel(_MI_LABEL)
    ax.legend(loc="upper right")


def _plot_inverse(ax, data: dict[str, np.ndarray]) -> None:
    """(b): closed form (points, one per N_FM) and brute force against 1/N_FM, ln 2/2 and the 1/N series."""
    ax.axhline(float(data["limit"]), color=PALETTE["asymptote"], ls="--", lw=0.9, label=r"$\ln 2/2$ (Eq. 17)")
    styles = {1: ("-.", "#1f5fbf", r"$\ln 2/2+\ln 2/(4N_{\rm FM})$"),
              2: (":", "#2a9d3f", r"series through $1/N_{\rm FM}^2$")}
    for order in data["series_orders"]:
        ls, color, label = styles.get(int(order), ("-", "0.4", rf"series through $1/N_{{\rm FM}}^{{{int(order)}}}$"))
        ax.plot(data["series_x"], data[f"series{int(order)}"], ls, color=color, lw=1.1, label=label)
    ax.plot(data["inv_n_fm"], data["mi_closed"], "o", color=PALETTE["closed-form"], ms=2.2, zorder=3,
            label="closed form")
    bf = np.isin(data["n_fm"], data["n_fm_bf"])
    ax.plot(data["inv_n_fm"][bf], data["mi_bf"], "o", mfc="none", mec=PALETTE["brute-force"], mew=0.9, ms=4.5,
            zorder=4, label="brute force")
    ax.set_xlim(0.0, 0.52)
    top = float(np.max(data["mi_closed"]))
    ax.set_ylim(float(data["limit"]) - 0.06 * (top - float(data["limit"])), top + 0.05 * (top - float(data["limit"])))
    ax.set_xlabel(r"$1/N_{\rm FM}$")
    ax.set_ylabel(_MI_LABEL)
    ax.legend(loc="upper left", fontsize=6.5)


def _plot_fillings(ax, data: dict[str, np.ndarray], params: dict[str, Any]) -> None:
    """(c): fixed fillings p; p > 1/2 dashed (it nearly coincides with 1 − p), shared limits drawn once."""
    fractions = params["fillings"]
    for i, p_text in enumerate(fractions):
        color = NE_COLORS[i % len(NE_COLORS)]
        ls = "--" if float(Fraction(p_text)) > 0.5 else "-"
        ax.plot(data[f"fill{i}_n_fm"], data[f"fill{i}_mi"], ls, color=color, lw=1.1, zorder=2 + (ls == "--"),
                label=rf"$p={p_text}$")
        ax.plot(data[f"fill{i}_bf_n_fm"], data[f"fill{i}_bf_mi"], "o", mfc="none", mec=color, mew=0.9, ms=4.5)
    # p and 1 - p share the limit 2p(1-p) ln 2: draw each distinct limit once and name its fillings
    limits: dict[float, list[str]] = {}
    for p_text, limit in zip(fractions, data["fill_limits"], strict=True):
        limits.setdefault(round(float(limit), 12), []).append(p_text)
    for limit, ps in limits.items():
        ax.axhline(limit, color=PALETTE["asymptote"], ls=(0, (1.5, 1.5)), lw=0.8, zorder=1)
        ax.annotate(rf"$p={', '.join(ps)}$", (1.0, limit), xycoords=("axes fraction", "data"), xytext=(-2, -2),
                    textcoords="offset points", ha="right", va="top", fontsize=6.5, color="0.3")
    lowest = min(limits)
    top = max(float(np.max(data[f"fill{i}_mi"])) for i in range(len(fractions)))
    ax.set_ylim(lowest - 0.16 * (top - lowest), top + 0.35 * (top - lowest))
    ax.plot([], [], "o", mfc="none", mec="0.3", mew=0.9, ms=4.5, label="brute force")
    ax.plot([], [], ls=(0, (1.5, 1.5)), color=PALETTE["asymptote"], lw=0.8, label=r"$2p(1-p)\ln 2$")
    ax.set_xlabel(r"$N_{\rm FM}$")
    ax.set_ylabel(_MI_LABEL)
    ax.legend(loc="upper right", ncol=2)
