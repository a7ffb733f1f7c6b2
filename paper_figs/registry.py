"""The registry of published figures: name → module, paper, one-line description.

Every figure module (``paper_figs.prx_fig3`` … ``paper_figs.pair_fig4``) provides

* ``params(size) -> dict`` — the JSON-ready compute parameters for ``size`` in :data:`SIZES`
  (``"full"``: the paper's own parameters; ``"quick"``: reduced sizes, the whole set in minutes;
  ``"tiny"``: the smallest sizes, used by the test suite only);
* ``run_specs(params) -> list[RunSpec]`` (figures made of evolver runs) — lets ``all`` run every
  figure's runs in one batch on the executor before plotting;
* ``compute(params, executor=None) -> FigureData`` — the plotted arrays (a dict of numpy arrays)
  with the run records they come from;
* ``plot(data, params) -> matplotlib.figure.Figure``.

The registry itself imports no figure module, so ``python -m paper_figs list`` is instant.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

__all__ = ["FIGURES", "MOVIES", "SIZES", "FigureSpec", "default_names", "get", "names"]

SIZES: tuple[str, ...] = ("tiny", "quick", "full")
"""Size levels: ``tiny`` (tests), ``quick`` (``--quick``), ``full`` (the papers' parameters)."""


@dataclass(frozen=True)
class FigureSpec:
    """One published figure.

    Attributes
    ----------
    name : str
        Command-line name, e.g. ``"prx-fig3"``; also the stem of the output files.
    module : str
        Dotted module path holding ``params``, ``compute`` and ``plot``.
    paper : str
        ``"PRX"`` (Petrović et al. 2021) or ``"pair"`` (Hwang et al. 2026).
    description : str
        One line: what the figure shows.
    in_all : bool
        Built by ``all`` (the papers' figures); False for the studies beyond the papers, which are
        built by name only (the reversal map's quick size alone takes longer than the one-minute quick build).
    """

    name: str
    module: str
    paper: str
    description: str
    in_all: bool = True

    def load(self) -> ModuleType:
        """Import and return the figure module."""
        return importlib.import_module(self.module)


_SPECS = (
    FigureSpec("prx-fig3", "paper_figs.prx_fig3", "PRX", "charge and spin-z density vs site and time (collinear)"),
    FigureSpec("prx-fig4", "paper_figs.prx_fig4", "PRX", "S_1(t), |S_1| and s_e/N_e, |s_e/N_e| for three N_e (+z)"),
    FigureSpec("prx-fig5", "paper_figs.prx_fig5", "PRX", "as Fig. 4 for electrons polarized along +x (noncollinear)"),
    FigureSpec("prx-fig6", "paper_figs.prx_fig6", "PRX", "total localized and electron spin, their sum (Eq. 9)"),
    FigureSpec("prx-fig7", "paper_figs.prx_fig7", "PRX", "half-system entropy (Eq. 12) and Q_MW (Eq. 13) vs t"),
    FigureSpec("prx-fig8", "paper_figs.prx_fig8", "PRX", "edge mutual information I(1|N_FM) of the Eq. 15 state"),
    FigureSpec("pair-fig2", "paper_figs.pair_fig2", "pair", "spin transfer Δσ_z(t) of pair states; final Δσ_z vs d"),
    FigureSpec("pair-fig3", "paper_figs.pair_fig3", "pair", "singlet/triplet probabilities vs t for three sd terms"),
    FigureSpec("pair-fig4", "paper_figs.pair_fig4", "pair", "final Δσ_z vs θ with sinusoid fit; θ-averaged Δσ_z(t)"),
    FigureSpec("prx-reversal-map", "paper_figs.prx_reversal_map", "PRX",
               "beyond the PRX: S^z_1 and the FM chain reversed or not, N_e x J_sd, both spin normalizations",
               in_all=False),
)

FIGURES: dict[str, FigureSpec] = {spec.name: spec for spec in _SPECS}
"""All figures: those of both papers, in the order ``all`` builds them, then the studies beyond them."""


MOVIES: dict[str, float] = {"prx-movie-jsd0.5": 0.5, "prx-movie-jsd2": 2.0}
"""The PRX Supplemental movies (:mod:`paper_figs.movies`): name → J_sd (γ) of the run it animates (PRX Fig. 4
caption: J_sd = 0.5γ and 2.0γ). Not part of ``all``."""


def names() -> list[str]:
    """Every figure name in registry order (the papers' figures, then the studies)."""
    return list(FIGURES)


def default_names() -> list[str]:
    """The figures ``all`` builds: those of both papers (:attr:`FigureSpec.in_all`)."""
    return [name for name, spec in FIGURES.items() if spec.in_all]


def get(name: str) -> FigureSpec:
    """The :class:`FigureSpec` called ``name``.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid ones.
    """
    try:
        return FIGURES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown figure {name!r}: use one of {', '.join(FIGURES)}") from None
