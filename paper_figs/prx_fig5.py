r"""PRX Fig. 5: PRX Fig. 4 for electrons polarized along +x (noncollinear, conventional + quantum STT).

(a)–(c) :math:`\mathbf S_1(t)` and :math:`|\mathbf S_1|` (gray), (d)–(f) :math:`\tilde{\mathbf s}_e = \mathbf s_e/N_e`
and :math:`|\tilde{\mathbf s}_e|` for the three electron numbers. Here :math:`S_1^x, S_1^y \ne 0`: the
localized spin rotates away from the z axis, as a classical spin would, while :math:`|\mathbf S_1| < 1`
shows the same entanglement-driven decoherence as Fig. 4. Same arrays as :mod:`paper_figs.prx_fig4`.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

import numpy as np

from paper_figs import _prx, prx_fig4
from paper_figs.cache import FigureData
from paper_figs.sweep import RunSpec

__all__ = ["compute", "params", "plot", "run_specs"]

NAME = "prx-fig5"
POLARIZATION = "x"


def params(size: str) -> dict[str, Any]:
    """Compute parameters (see :mod:`paper_figs._prx` for the sizes)."""
    return dict(_prx.SIZES[size])


def run_specs(params: dict[str, Any]) -> list[RunSpec]:
    """One run per electron number, electrons polarized along +x."""
    return prx_fig4.run_specs(params, POLARIZATION)


def compute(params: dict[str, Any], executor: Executor | None = None) -> FigureData:
    """PRX Fig. 5 data (see :func:`paper_figs.prx_fig4.compute_for`)."""
    return prx_fig4.compute_for(params, POLARIZATION, executor)


def plot(data: dict[str, np.ndarray], params: dict[str, Any]):
    """2 × 3 panels as PRX Fig. 4, electrons along +x."""
    return prx_fig4.plot_for(data, POLARIZATION)
