"""The one figure style of the package: PRX column widths, serif mathtext (no LaTeX), one colour per case.

``use_style()`` loads the bundled ``prx.mplstyle``. Every figure module draws with the colours of
:data:`PALETTE` so that a physical case (a pair state, an electron number, a geometry, a spin
component) keeps its colour in every figure of both papers. The pair colours follow the pair paper's
Fig. 2 caption (singlet red, triplet m = 0 blue, triplet m = −1 orange, single spin-↓ black).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any

import matplotlib.style as mplstyle
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "DOUBLE_COLUMN",
    "GEOMETRY_LABELS",
    "NE_COLORS",
    "PAIR_LABELS",
    "PALETTE",
    "PANEL_LABEL_SIZE",
    "REFLECTION_HATCH",
    "SINGLE_COLUMN",
    "STYLE_FILE",
    "figure",
    "label_panels",
    "panel_label",
    "shade_after",
    "shade_intervals",
    "style_context",
    "use_style",
]

SINGLE_COLUMN: float = 3.4
"""PRX single-column figure width in inches."""
DOUBLE_COLUMN: float = 7.0
"""PRX double-column figure width in inches."""
STYLE_FILE: str = "prx.mplstyle"

PALETTE: dict[str, str] = {
    # pair paper (Fig. 2 caption): one colour per incoming spin state
    "singlet": "#d62728",
    "triplet0": "#1f5fbf",
    "triplet-1": "#ff8c00",
    "triplet+1": "#2a9d3f",
    "single-down": "#000000",
    "incoherent": "#7b3fa0",
    "theta-fit": "#555555",
    # PRX: geometry of the injected polarization
    "collinear": "#1f5fbf",
    "noncollinear": "#c2185b",
    # PRX: spin components and the purity background of Figs. 4-5
    "x": "#2a9d3f",
    "y": "#7b3fa0",
    "z": "#d62728",
    "purity": "#bdbdbd",
    # PRX Fig. 6: localized spins, electrons, their sum
    "spins": "#d62728",
    "electrons": "#1f5fbf",
    "total": "#000000",
    # PRX Fig. 3: the FM region (green lines, as in the PRX Fig. 3 caption)
    "fm-region": "#00a651",
    # PRX Fig. 8
    "closed-form": "#000000",
    "brute-force": "#d62728",
    "asymptote": "#7f7f7f",
    # pair paper: packets inside the chain (shading)
    "phi1": "#9ecae1",
    "phi2": "#fdd0a2",
}
"""Colour of each physical case, shared by every figure of both papers."""

NE_COLORS: tuple[str, ...] = ("#2a9d3f", "#ff8c00", "#1f5fbf", "#7b3fa0")
"""Colours of the electron numbers of PRX Figs. 4-6, smallest N_e first (paper: 1, 5, 8)."""

PAIR_LABELS: dict[str, str] = {
    "singlet": "singlet",
    "triplet0": r"triplet $m=0$",
    "triplet-1": r"triplet $m=-1$",
    "triplet+1": r"triplet $m=+1$",
    "single-down": r"single spin-$\downarrow$",
    "incoherent": r"$\theta$-averaged",
}
"""Legend labels of the pair paper's spin states."""

GEOMETRY_LABELS: dict[str, str] = {"z": "collinear (+z)", "x": "noncollinear (+x)"}
"""Legend labels of the PRX polarization directions."""


def _style_path() -> str:
    return str(resources.files("paper_figs").joinpath(STYLE_FILE))


def use_style() -> None:
    """Apply the bundled PRX style (``paper_figs/prx.mplstyle``) to matplotlib's global rcParams."""
    mplstyle.use(_style_path())


@contextmanager
def style_context():
    """Context manager applying the bundled style temporarily (what the figure builders use)."""
    with mplstyle.context(_style_path()):
        yield


def figure(width: float = SINGLE_COLUMN, height: float = 2.4, **subplots: Any) -> tuple[Figure, Any]:
    """A new figure of the given size in inches with ``plt.subplots``-like axes (no pyplot state).

    Parameters
    ----------
    width, height : float
        Size in inches; use :data:`SINGLE_COLUMN` or :data:`DOUBLE_COLUMN` as the width.
    **subplots
        Passed to :meth:`matplotlib.figure.Figure.subplots` (``nrows``, ``ncols``, ``sharex`` ...).
        Without them no axes are created (``axes`` is None; add them with a gridspec).
    """
    fig = Figure(figsize=(width, height))
    axes = fig.subplots(**subplots) if subplots else None
    return fig, axes


PANEL_LABEL_SIZE: float = 8.0
"""Font size (pt) of the panel labels "(a)", "(b)", … of every multi-panel figure."""

REFLECTION_HATCH: str = "////"
"""Hatching of the times a reflected pulse contaminates (PRX quick figures, :func:`shade_after`)."""


def panel_label(ax: Axes, label: str, text: str | None = None) -> None:
    """Write the panel label ``label`` (e.g. ``"(a)"``), optionally followed by ``text``, above ``ax``.

    Every figure places its labels the same way: left-aligned just above the upper-left corner of the
    axes (the axes' left title), outside the data, so no label covers a curve and constrained layout
    makes room for it.

    Parameters
    ----------
    ax : Axes
    label : str
        The label, ``"(a)"``.
    text : str, optional
        What the panel shows (``"$N_e=4$, +z"``), written after the label.
    """
    title = label if not text else f"{label} {text}"
    ax.set_title(title, loc="left", fontsize=PANEL_LABEL_SIZE, pad=3.0)


def label_panels(axes: Iterable[Axes], texts: Sequence[str | None] | None = None) -> None:
    """Label ``axes`` "(a)", "(b)", … in the given order with :func:`panel_label` (the one placement).

    Parameters
    ----------
    axes : iterable of Axes
        The panels in reading order (row by row).
    texts : sequence of str or None, optional
        One description per panel, written after its label.
    """
    axes = list(axes)
    if len(axes) > 26:
        raise ValueError(f"at most 26 panels can be labelled (a)-(z), got {len(axes)}")
    texts = [None] * len(axes) if texts is None else list(texts)
    if len(texts) != len(axes):
        raise ValueError(f"{len(texts)} panel texts for {len(axes)} panels")
    for index, (ax, text) in enumerate(zip(axes, texts, strict=True)):
        panel_label(ax, f"({chr(ord('a') + index)})", text)


def shade_after(ax: Axes, t_start: float, label: str | None = None, *, color: str = "0.55") -> Any:
    """Hatch the times after ``t_start`` on a time axis (results contaminated from then on), if any are shown.

    Call it after the x limits are set. The region gets a dashed edge at ``t_start``, gid ``"contaminated"``
    and ``label`` for a legend; it is drawn above colour maps (hatch only, no fill) and below curves.

    Returns
    -------
    matplotlib.patches.Rectangle or None
        The hatched region, or None when ``t_start`` lies at or beyond the right end of the axis.
    """
    left, right = ax.get_xlim()
    if not t_start < right:
        return None
    region = ax.axvspan(max(t_start, left), right, facecolor="none", edgecolor=color, hatch=REFLECTION_HATCH,
                        lw=0.0, zorder=1.5, label=label, gid="contaminated")
    if hasattr(region, "set_hatch_linewidth"):  # matplotlib >= 3.10
        region.set_hatch_linewidth(0.6)
    ax.axvline(t_start, color=color, ls="--", lw=0.8, zorder=1.6)
    ax.set_xlim(left, right)
    return region


def shade_intervals(
    ax: Axes,
    intervals: Iterable[Sequence[float]],
    colors: Sequence[str] = (PALETTE["phi1"], PALETTE["phi2"]),
    labels: Sequence[str | None] | None = None,
    alpha: float = 0.45,
) -> None:
    """Shade time intervals (pair paper Figs. 2-3: packets φ1, φ2 inside the spin chain).

    Parameters
    ----------
    ax : Axes
    intervals : iterable of (start, stop)
        One interval per packet; NaN bounds (a packet that never enters) are skipped.
    colors, labels : sequences
        One entry per interval.
    """
    for index, (start, stop) in enumerate(intervals):
        if not (start == start and stop == stop):  # NaN: packet never inside the chain
            continue
        label = labels[index] if labels is not None else None
        ax.axvspan(start, stop, color=colors[index % len(colors)], alpha=alpha, lw=0, zorder=0, label=label)
