"""Every figure of both papers from one command, with its data.

PRX (Petrović et al. 2021) Figs. 3–8 and pair paper (Hwang et al. 2026) Figs. 2–4, one module per
figure (``prx_fig3`` … ``pair_fig4``), each with ``params(size)``, ``compute(params, executor=None)``
and ``plot(data, params)``. :func:`build` writes NAME.pdf, NAME.png, NAME.npz (plotted data) and
NAME.json (parameters, package version, wall time, size, run-record provenance); results are cached by
parameters, package version and a digest of the evolver sources; ``NAME --set key=value`` builds a
variant under its own name. :func:`make_movie` animates the PRX Supplemental movies
(:mod:`paper_figs.movies`). Command line: ``python -m paper_figs list | all | NAME | movie MOVIE``; see
``docs/figures.md``.
"""

from paper_figs.build import BuildResult, build, build_all, figure_params
from paper_figs.cache import FigureData, source_digest
from paper_figs.movies import make_movie
from paper_figs.registry import FIGURES, MOVIES, SIZES, default_names, names
from paper_figs.style import DOUBLE_COLUMN, PALETTE, SINGLE_COLUMN, use_style
from paper_figs.variants import parse_overrides, variant_stem

__all__ = [
    "DOUBLE_COLUMN",
    "FIGURES",
    "MOVIES",
    "PALETTE",
    "SINGLE_COLUMN",
    "SIZES",
    "BuildResult",
    "FigureData",
    "build",
    "build_all",
    "default_names",
    "figure_params",
    "make_movie",
    "names",
    "parse_overrides",
    "source_digest",
    "use_style",
    "variant_stem",
]
