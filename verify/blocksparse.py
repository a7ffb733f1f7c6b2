"""Deprecated path: moved to :mod:`verify.tensors` and :mod:`verify.mps` (kept for one release).

Charged tensors and :class:`BlockSparseBackend` are in :mod:`verify.tensors`, the MPS conversions in
:mod:`verify.mps.charges`. The backend now takes the NAMES of its charges (the legacy rule names
"n_sz", "n", "none" still work) and builds physical legs from the charges of a chain model's sites
(``model.chain().site_charges()``), never from a local dimension.

:func:`physical_charges` — the PRX local bases by dimension (d = 4: fermion site, d = 8: fermion ⊗
spin 1/2) — lives only here, computed from :mod:`verify.models`. The legacy
:func:`to_charged_mps` / :func:`restore_charged_mps` accept the old call without ``site_charges``
and then assume those PRX sites.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from verify.models import fermion_site, product_site, spin_site
from verify.mps import MPS
from verify.mps import restore_charged_mps as _restore_charged_mps
from verify.mps import to_charged_mps as _to_charged_mps
from verify.tensors import (
    CHARGE_RULES,
    NONZERO_TOL,
    PARALLEL_SVD_MIN_WORK,
    BlockSparseBackend,
    ChargedGate,
    ChargedTensor,
    Leg,
    charge_names,
    run_dataflow,
    svd_workers,
)

__all__ = [
    "CHARGE_RULES",
    "NONZERO_TOL",
    "PARALLEL_SVD_MIN_WORK",
    "BlockSparseBackend",
    "ChargedGate",
    "ChargedTensor",
    "Leg",
    "physical_charges",
    "restore_charged_mps",
    "run_dataflow",
    "svd_workers",
    "to_charged_mps",
]

warnings.warn("verify.blocksparse is deprecated: import from verify.tensors and verify.mps", DeprecationWarning,
              stacklevel=2)


def physical_charges(d: int, charges: str | Sequence[str]) -> np.ndarray:
    """Charges of the PRX local basis of dimension ``d`` (4: fermion site, 8: FM site), shape (d, n_q).

    Deprecated: take the charges from the model's sites (``model.chain().site_charges()``).
    """
    names = charge_names(charges)
    if d == 4:
        site = fermion_site()
    elif d == 8:
        site = product_site(fermion_site(), spin_site(1))
    else:
        raise ValueError(f"no local basis of dimension {d} (4: fermion site, 8: FM site)")
    return site.basis_charges(names)


def _prx_site_charges(dims: Sequence[int], backend: BlockSparseBackend) -> list[np.ndarray]:
    return [physical_charges(int(d), backend.charges) for d in dims]


def to_charged_mps(
    mps: MPS, backend: BlockSparseBackend, site_charges: Sequence[np.ndarray] | None = None, *,
    tol: float = NONZERO_TOL,
) -> MPS:
    """:func:`verify.mps.to_charged_mps`; without ``site_charges`` the PRX sites of :func:`physical_charges`."""
    if site_charges is None:
        site_charges = _prx_site_charges(mps.dims, backend)
    return _to_charged_mps(mps, backend, site_charges, tol=tol)


def restore_charged_mps(
    tensors: Sequence[np.ndarray], center: int | None, backend: BlockSparseBackend,
    site_charges: Sequence[np.ndarray] | None = None,
) -> MPS:
    """:func:`verify.mps.restore_charged_mps`; without ``site_charges`` the PRX sites of :func:`physical_charges`."""
    if site_charges is None:
        site_charges = _prx_site_charges([np.shape(a)[1] for a in tensors], backend)
    return _restore_charged_mps(tensors, center, backend, site_charges)
