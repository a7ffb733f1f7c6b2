"""Hypothesis strategy for small random matrix-product states (:class:`verify.mps.MPS`).

Part of :mod:`verify.testing.strategies` (import it from there).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st

from states.validation import require_bool, require_int
from verify.mps import MPS
from verify.testing.draws import dims_argument, float_arrays

__all__ = ["random_mps"]


def random_mps(
    *,
    dims: Sequence[int] | None = None,
    min_sites: int = 1,
    max_sites: int = 4,
    max_dim: int = 3,
    max_bond: int = 4,
    canonical: bool = True,
) -> st.SearchStrategy[MPS]:
    """Small normalized random MPS (:class:`verify.mps.MPS`, dense backend).

    Bond dimensions are drawn up to ``max_bond`` and capped by the exact maximum (the smaller of the
    dimensions to the left and to the right), tensors from Hypothesis floats; the state is
    normalized (‖ψ‖ = 1 to round-off). A draw of (near-)zero norm falls back to a product state.

    Parameters
    ----------
    dims : sequence of int, optional
        Fixed local dimensions; otherwise 1..``max_sites`` sites (from ``min_sites``) of dimension
        2..``max_dim``.
    min_sites, max_sites, max_dim, max_bond : int
    canonical : bool
        Bring the MPS into mixed-canonical form (centre drawn); otherwise the tensors are left
        as drawn (``center=None``).

    Returns
    -------
    SearchStrategy of MPS
    """
    require_bool("canonical", canonical)
    bond_max = require_int("max_bond", max_bond, minimum=1)
    if dims is not None:
        dims_strategy: st.SearchStrategy[tuple[int, ...]] = st.just(dims_argument(dims))
    else:
        lo = require_int("min_sites", min_sites, minimum=1)
        hi = require_int("max_sites", max_sites, minimum=lo, maximum=12)
        dim_max = require_int("max_dim", max_dim, minimum=2, maximum=16)
        dims_strategy = st.lists(st.integers(2, dim_max), min_size=lo, max_size=hi).map(tuple)

    @st.composite
    def draw_mps(draw: st.DrawFn, ds: tuple[int, ...]) -> MPS:
        n = len(ds)
        bonds = [1]
        for b in range(n - 1):
            exact = min(math.prod(ds[: b + 1]), math.prod(ds[b + 1 :]))
            bonds.append(draw(st.integers(1, min(bond_max, exact))))
        bonds.append(1)
        tensors = []
        for i, d in enumerate(ds):
            parts = draw(float_arrays((2, bonds[i], d, bonds[i + 1])))
            tensors.append(parts[0] + 1j * parts[1])
        norm = MPS(tensors).norm()
        if not (math.isfinite(norm) and norm > 1e-8):  # (near-)zero draw: the product state |0...0>
            tensors = [np.eye(d, dtype=complex)[0].reshape(1, d, 1) for d in ds]
        else:
            tensors[0] = tensors[0] / norm
        mps = MPS(tensors)
        if canonical:
            mps.canonicalize(draw(st.integers(0, n - 1)))
        return mps

    return dims_strategy.flatmap(lambda ds: draw_mps(ds))
