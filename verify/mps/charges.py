"""Conversions between an MPS of dense tensors and one of block-sparse charged tensors.

The charges come from the model: ``site_charges`` holds, per site, the integer charge of every local
basis state, shape (d_i, n_q), columns in the order of the backend's charge names — a chain model
gives them as ``model.chain().site_charges()`` (the charges of its initial-state sector, e.g.
(N, 2S^z) for the collinear PRX chain, N for the noncollinear one; ``site_charges(())`` gives
zero-width charges for ``BlockSparseBackend(())``, the dense case as one block per tensor).

* :func:`to_charged_mps` — any MPS of a charge eigenstate, re-decomposed sector by sector (exact);
* :func:`restore_charged_mps` — the dense tensors or the blocks of a charged MPS (a checkpoint) back,
  bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from verify.mps.mps import MPS
from verify.tensors import NONZERO_TOL, SVD_FLOOR, BlockSparseBackend, ChargedTensor, Leg, svd

__all__ = ["restore_charged_mps", "to_charged_mps"]


def _physical_legs(backend: BlockSparseBackend, site_charges: Sequence[np.ndarray], dims: Sequence[int]) -> list[Leg]:
    """The physical leg of every site, checked against the local dimensions."""
    if not isinstance(backend, BlockSparseBackend):
        raise TypeError(f"backend must be a BlockSparseBackend, got {type(backend).__name__}")
    if isinstance(site_charges, np.ndarray) and site_charges.ndim != 3:
        raise ValueError("site_charges must hold one (d_i, n_q) array per site")
    if len(site_charges) != len(dims):
        raise ValueError(f"site_charges has {len(site_charges)} entries for an MPS of {len(dims)} sites")
    legs = [backend.physical_leg(charges) for charges in site_charges]
    for i, (leg, d) in enumerate(zip(legs, dims, strict=True)):
        if leg.dim != d:
            raise ValueError(f"site {i}: {leg.dim} charges for a local dimension of {d}")
    return legs


def to_charged_mps(
    mps: MPS, backend: BlockSparseBackend, site_charges: Sequence[np.ndarray], *, tol: float = NONZERO_TOL
) -> MPS:
    """The same state with block-sparse tensors, left-canonical, centre on the last site.

    The bonds of a dense MPS need not carry definite charges (a dense SVD mixes sectors whose
    singular values are degenerate), so the tensors are not converted one by one. Instead, left to
    right, the carried matrix C (charged rows × old bond) is absorbed, M = C·A_i, the rows (l, p) of
    M are grouped by their charge q, and each group is decomposed by an SVD M_q = U_q (s V_q†):
    U_q becomes the block of the new site tensor into bond sector q and s V_q† is carried on. This
    is exact for any MPS; singular values below ``SVD_FLOOR`` × the largest one (over all sectors)
    are dropped as round-off.

    Parameters
    ----------
    mps : verify.mps.MPS
        Any MPS (tensors read through ``mps.backend.to_dense``).
    backend : BlockSparseBackend
    site_charges : sequence of int ndarray
        Charges of the local basis of every site, shape (d_i, backend.n_q) (module docstring).
    tol : float
        Relative weight above which a second total-charge sector makes the state unacceptable.

    Raises
    ------
    ValueError
        The state is not an eigenstate of the conserved charges (its weight is spread over more
        than one total charge by more than ``tol``), or ``site_charges`` does not fit the MPS.
    """
    physical = _physical_legs(backend, site_charges, mps.dims)
    n_q = backend.n_q
    carry = np.ones((1, 1), dtype=complex)
    left = backend.zero_leg(1)
    tensors = []
    for i, t in enumerate(mps.tensors):
        a = mps.backend.to_dense(t)
        d = a.shape[1]
        m = np.tensordot(carry, a, axes=(1, 0))  # [l, p, r_old]
        phys = physical[i]
        row_charges = (left.charges[:, None, :] + phys.charges[None, :, :]).reshape(left.dim * d, n_q)
        rows = Leg(row_charges).sectors
        flat = m.reshape(left.dim * d, -1)
        decomps = {q: svd(flat[idx]) for q, idx in sorted(rows.items())}
        s_max = max((float(s[0]) for _, s, _ in decomps.values() if s.size), default=0.0)
        if s_max == 0.0:
            raise ValueError("cannot convert a zero state")
        last = i == len(mps.tensors) - 1
        if last:
            weights = {q: float(np.sum(s**2)) for q, (_, s, _) in decomps.items()}
            total = sum(weights.values())
            heavy = [q for q, w in weights.items() if w > tol * total]
            if len(heavy) > 1:
                raise ValueError(
                    f"dense tensor violates the charge rule: the state is spread over total charges {heavy}"
                )
        keeps = {q: int(np.count_nonzero(s > SVD_FLOOR * s_max)) for q, (_, s, _) in decomps.items()}
        if last:
            keeps = {q: (1 if q == heavy[0] else 0) for q in keeps}
        sectors = [(q, k) for q, k in keeps.items() if k > 0]
        new = Leg.from_sectors(sectors, n_q)
        q_dense = np.zeros((left.dim * d, new.dim), dtype=complex)
        carry_rows = []
        col = 0
        for q, k in sectors:
            u, s, vh = decomps[q]
            q_dense[rows[q], col : col + k] = u[:, :k]
            carry_rows.append(s[:k, None] * vh[:k])
            col += k
        carry = np.concatenate(carry_rows, axis=0)
        site = q_dense.reshape(left.dim, d, new.dim)
        if last:
            site = site * carry[0, 0]  # the state's norm and phase (1×1 carry)
        tensors.append(ChargedTensor.from_dense(site, (left, phys, new), backend.SITE_SIGNS))
        left = new
    return MPS(tensors, center=len(tensors) - 1, backend=backend)


def _adopt(i: int, tensor: ChargedTensor, physical: Leg, left: Leg, backend: BlockSparseBackend) -> ChargedTensor:
    """A stored block-sparse site tensor, checked against the backend's legs, on the shared leg objects."""
    if tensor.n_q != backend.n_q or tensor.signs != backend.SITE_SIGNS:
        raise ValueError(f"site tensor {i} carries {tensor.n_q} charges with signs {tensor.signs}, the backend "
                         f"{backend.n_q} with {backend.SITE_SIGNS}")
    if not (tensor.legs[1].same(physical) and tensor.legs[0].same(left)):
        raise ValueError(f"site tensor {i}: its leg charges differ from the model's or its neighbour's")
    if any(block.dtype != np.complex128 for block in tensor.blocks.values()):
        raise ValueError(f"site tensor {i} has blocks that are not complex128")
    tensor.check()
    return ChargedTensor((left, physical, tensor.legs[2]), tensor.signs, tensor.blocks)


def restore_charged_mps(
    tensors: Sequence[np.ndarray | ChargedTensor],
    center: int | None,
    backend: BlockSparseBackend,
    site_charges: Sequence[np.ndarray],
) -> MPS:
    """Charged MPS back from the dense tensors of a charged MPS (checkpoints), bit for bit.

    A block-sparse tensor (a checkpoint's blocks) is taken as it is after checking its legs, charge
    rule and dtype. A dense one is cut into blocks directly (:meth:`BlockSparseBackend.from_dense`,
    right-leg charges inferred from the exactly nonzero entries, ``tol = 0``), so the blocks equal the stored
    ones exactly. Use :func:`to_charged_mps` for a dense MPS whose bonds may mix charges.

    Parameters
    ----------
    tensors : sequence of ndarray or ChargedTensor
        Site tensors A[l, p, r], dense or block-sparse.
    center : int or None
        Orthogonality centre of the stored state.
    backend : BlockSparseBackend
    site_charges : sequence of int ndarray
        Charges of the local basis of every site, shape (d_i, backend.n_q) (module docstring).

    Raises
    ------
    ValueError
        When a tensor breaks the charge rule (its bonds mix charges) or ``site_charges`` does not fit.
    """
    arrays = [a if isinstance(a, ChargedTensor) else np.asarray(a) for a in tensors]
    for i, a in enumerate(arrays):
        if len(a.shape) != 3:
            raise ValueError(f"site tensor {i} has shape {a.shape}, expected 3 legs (left, physical, right)")
    physical = _physical_legs(backend, site_charges, [a.shape[1] for a in arrays])
    out = []
    left = None
    for i, (a, phys) in enumerate(zip(arrays, physical, strict=True)):
        if isinstance(a, ChargedTensor):
            t = _adopt(i, a, phys, backend.zero_leg(1) if left is None else left, backend)
        else:
            t = backend.from_dense(a, physical=(phys,), left=left, tol=0.0)
        out.append(t)
        left = t.legs[2]
    return MPS(out, center=center, backend=backend)
