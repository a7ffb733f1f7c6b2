"""Initial MPS of a chain model from its recipe (:mod:`verify.models.initial`), and its report.

* :class:`~verify.models.ProductState` — :meth:`verify.mps.MPS.product_state` (bond dimension 1);
* :class:`~verify.models.SlaterDeterminant` — Π_k b†_k |background⟩ with
  b†_k = Σ_i φ_k(i) Σ_s χ_s c†_{i,s} (:func:`slater_mps`): every b†_k is a bond-dimension-2 MPO
  carrying the Jordan–Wigner string F of the sites left of the creation, applied to the background
  product state and compressed with the round-off floor :data:`verify.tensors.SVD_FLOOR` only (the
  discarded weight is returned). The fermion modes of a site are its ``fermion_modes``, in
  Jordan–Wigner order; bosonic sites (and bosonic factors such as a localized spin) keep their
  background state;
* :class:`~verify.models.GroundState` — its ``guess``: the documented approximation of the MPS
  evolver. For the PRX chain the guess is the Slater determinant of the majority-spin one-body
  orbitals in the well (PRX Eq. 5), an exact eigenstate of H_e + H_{V,B} that differs from the ground
  state of H + H_{V,B} only by the exponentially small tail of the well orbitals on the FM sites
  (quantified by :func:`initial_state_report` and ``tests/verify/tebd/test_tebd.py``).

:func:`compress` canonicalizes and compresses any MPS by one SVD sweep; :func:`tensor_backend` gives
the tensor storage of a run (block-sparse with the charges of the model's sector, or one dense block).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from states.validation import require_choice
from verify.models import ChainModel, GroundState, ProductState, Site, SlaterDeterminant, as_chain
from verify.mps import MPS
from verify.tebd.options import BACKENDS
from verify.tensors import DENSE, BlockSparseBackend

__all__ = ["compress", "initial_mps", "initial_state_report", "slater_mps", "tensor_backend"]


def tensor_backend(model: Any, backend: str) -> tuple[BlockSparseBackend, list[np.ndarray]]:
    """The tensor backend of a run and the charges of every site's local basis (for
    :func:`verify.mps.to_charged_mps`): block-sparse tensors conserving the charges of the model's
    initial-state sector (:attr:`verify.models.ChainModel.sector`: (N, 2S^z) for the collinear PRX
    chain, N for the noncollinear one, 2S^z for the XXZ chain) for ``"charges"``; no charge (one
    dense block per tensor, the same code) for ``"dense"``.
    """
    require_choice("backend", backend, BACKENDS)
    chain = as_chain(model)
    names = tuple(chain.sector) if backend == "charges" else ()
    return BlockSparseBackend(names), chain.site_charges(names)


def compress(mps: MPS, *, chi_max: int = 1 << 30, trunc: float = 0.0) -> float:
    """Canonicalize and compress ``mps`` in place by an SVD sweep; return the discarded weight.

    With the defaults only singular values below the round-off floor are dropped. The centre
    ends on site 0.
    """
    be = mps.backend
    n = len(mps)
    mps.center = None
    mps.canonicalize(n - 1)
    discarded = 0.0
    for b in range(n - 2, -1, -1):
        split = be.split(be.two_site(mps.tensors[b], mps.tensors[b + 1]), chi_max=chi_max, trunc=trunc, absorb="left")
        mps.tensors[b], mps.tensors[b + 1] = split.left, split.right
        mps.center = b
        discarded += split.discarded
    return discarded


def _creation_mpo(site: Site, amplitude: float, spinor: np.ndarray) -> np.ndarray:
    """W[w_left, w_right, p_out, p_in] of b†_k on one site: string before, creation, identity after."""
    d = site.dim
    w = np.zeros((2, 2, d, d), dtype=complex)
    identity = site.operators["Id"]
    if not site.fermion_modes:  # a bosonic site: nothing to create, no string
        w[0, 0] = w[1, 1] = identity
        return w
    if len(site.fermion_modes) != len(spinor):
        raise ValueError(
            f"site {site.name!r} has {len(site.fermion_modes)} fermion modes, the spinor {len(spinor)} components"
        )
    create = spinor[0] * site.op(site.fermion_modes[0]).conj().T
    for chi, mode in zip(spinor[1:], site.fermion_modes[1:], strict=True):
        create = create + chi * site.op(mode).conj().T
    w[0, 0] = site.operators["F"]  # string: the creation happens further right
    w[0, 1] = amplitude * create
    w[1, 1] = identity  # already created
    return w


def slater_mps(
    sites: Sequence[Site],
    orbitals: np.ndarray,
    spinor: np.ndarray,
    background: Sequence[np.ndarray],
) -> tuple[MPS, float]:
    """Π_k b†_k |background⟩ with b†_k = Σ_i φ_k(i) Σ_s χ_s c†_{i,s}, as an exact MPS.

    Parameters
    ----------
    sites : sequence of Site
        The sites of the chain (their ``fermion_modes`` are the c_{i,s}).
    orbitals : ndarray, shape (N, N_e)
        Orthonormal orbitals φ_k as columns.
    spinor : ndarray
        Normalized spin part χ, one component per fermion mode of a site.
    background : sequence of ndarray
        Local state of every site with no fermion in it (it fixes bosonic factors, e.g. the
        localized spins of the PRX chain).

    Returns
    -------
    (MPS, float)
        The state (norm 1 up to round-off when the orbitals are orthonormal) and the total
        discarded weight of the compressions (round-off floor only).
    """
    n = len(sites)
    orbitals = np.asarray(orbitals)
    if orbitals.ndim != 2 or orbitals.shape[0] != n:
        raise ValueError(f"orbitals must have one row per site ({n}), got shape {orbitals.shape}")
    mps = MPS.product_state(background)
    discarded = 0.0
    for k in range(orbitals.shape[1]):
        tensors = []
        for i, site in enumerate(sites):
            w = _creation_mpo(site, orbitals[i, k], spinor)
            w = w[:1] if i == 0 else w
            w = w[:, 1:] if i == n - 1 else w
            a = DENSE.to_dense(mps.tensors[i])
            new = np.einsum("abpq,lqr->laprb", w, a)  # bonds combined as (mps, mpo)
            sh = new.shape
            tensors.append(DENSE.from_dense(new.reshape(sh[0] * sh[1], sh[2], sh[3] * sh[4])))
        mps = MPS(tensors)
        discarded += compress(mps)
    return mps, discarded


def initial_mps(model: Any) -> tuple[MPS, float]:
    """The MPS of a chain model's initial-state recipe (module docstring) and the discarded weight of
    its compression (0 for a product state).

    Parameters
    ----------
    model : ChainModel or parameter object (PRXChain, XXZChain, ...)

    Raises
    ------
    TypeError
        When ``model`` is not a chain model.
    """
    chain = as_chain(model)
    recipe = chain.initial.guess if isinstance(chain.initial, GroundState) else chain.initial
    if isinstance(recipe, ProductState):
        return MPS.product_state(recipe.vectors), 0.0
    if isinstance(recipe, SlaterDeterminant):
        return slater_mps(chain.sites, recipe.orbitals, recipe.spinor, recipe.background.vectors)
    raise TypeError(f"no MPS for the initial-state recipe {type(recipe).__name__}")


def initial_state_report(model: Any, mps: MPS | None = None) -> dict[str, Any]:
    """Energy, norm and bond dimension of an initial MPS of a chain model.

    Parameters
    ----------
    model : ChainModel or parameter object
    mps : MPS, optional
        Default :func:`initial_mps`.

    Returns
    -------
    dict
        ``energy`` — ⟨H + H_prep⟩ of the normalized MPS (H_prep: the model's preparation terms, PRX
        Eq. 5; the energy whose ground state the recipe approximates), ``norm``,
        ``max_bond_dimension``; and ``orbital_energy`` when the model's parameter object predicts the
        energy of its initial state (``orbital_energy()``, e.g.
        :meth:`verify.models.PRXChain.orbital_energy`: Σ ε_k of the occupied one-body orbitals plus
        the localized spins' field and exchange energies).
    """
    chain: ChainModel = as_chain(model)
    mps = mps if mps is not None else initial_mps(chain)[0]
    sweep = mps.sweep(chain.bond_hamiltonians(preparation=True))
    report: dict[str, Any] = {"energy": float(np.real(sum(sweep.bond_values))) / sweep.norm_squared}
    predict = getattr(model, "orbital_energy", None)
    if callable(predict):
        report["orbital_energy"] = float(predict())
    report["norm"] = math.sqrt(sweep.norm_squared)
    report["max_bond_dimension"] = mps.max_bond_dimension()
    return report
