"""Reduced density matrices and partial transposes of kets and density matrices.

Subsystems are the tensor factors of ``dims`` in the package's order (first factor leftmost,
``np.kron`` order, see ``states/conventions.py``). ``keep`` follows QuTiP/quimb: the subsystems that
are *kept*; the result is always ordered by ascending subsystem index, whatever the order of ``keep``.

For a ket the full density matrix is never formed: ρ_keep = M M† with M the ket reshaped to
(d_keep, d_rest) (PRX Eq. 10, ρ = Tr_other |Ψ><Ψ|). The Gram product is done by the BLAS rank-k update
(``?herk``/``?syrk``), which reads M in place (no conjugated copy), so the memory used is at most one
copy of the ket (none when the kept subsystems are leading or trailing).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.linalg import blas

from entanglement._validation import as_state, parse_subsystems

__all__ = ["complement", "partial_trace", "partial_transpose"]


def complement(selection: tuple[int, ...], n_subsystems: int) -> tuple[int, ...]:
    """The subsystems 0..n−1 not in ``selection``, ascending."""
    chosen = set(selection)
    return tuple(k for k in range(n_subsystems) if k not in chosen)


def _gram_of_rows_or_columns(matrix: np.ndarray, rows: bool) -> np.ndarray:
    """Return M M† (``rows=True``, M of shape (d, k)) or Mᵀ M* (``rows=False``, M of shape (k, d)).

    ``matrix`` must be C-contiguous. Its transpose is then Fortran-contiguous, which is what BLAS
    ``?herk``/``?syrk`` read without copying:

    * rows:    A = Mᵀ (k × d, Fortran), A† A = M* Mᵀ = conj(M M†)   (trans='C'; 'T' for real);
    * columns: A = Mᵀ (d × k, Fortran), A A† = Mᵀ M*                 (trans='N').

    Only the upper triangle is computed by BLAS; the lower one is filled by Hermiticity.
    """
    is_complex = np.iscomplexobj(matrix)
    (rank_k_update,) = blas.get_blas_funcs(("herk" if is_complex else "syrk",), (matrix,))
    trans = (2 if is_complex else 1) if rows else 0
    upper = rank_k_update(1.0, matrix.T, trans=trans)
    full = np.triu(upper) + np.triu(upper, 1).conj().T
    return full.conj() if (rows and is_complex) else full


def _merged_layout(dims: tuple[int, ...], selected: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Merge runs of consecutive subsystems with the same role (selected or not); drop d = 1 factors.

    Returns the merged dimensions and the positions of the selected groups. Merging keeps the
    ascending subsystem order and leaves every reduction unchanged, while bounding the number of
    tensor axes by the number of nontrivial factors (≤ log2 D), well inside numpy's 64-axis limit
    even for density matrices (2 axes per group) with many subsystems.
    """
    chosen = set(selected)
    group_dims: list[int] = []
    group_chosen: list[bool] = []
    for k, d in enumerate(dims):  # a loop over subsystems (tensor factors), not over basis states
        if d == 1:
            continue
        if group_chosen and group_chosen[-1] == (k in chosen):
            group_dims[-1] *= d
        else:
            group_dims.append(d)
            group_chosen.append(k in chosen)
    return tuple(group_dims), tuple(i for i, c in enumerate(group_chosen) if c)


def _ket_reduced(ket: np.ndarray, dims: tuple[int, ...], keep: tuple[int, ...]) -> np.ndarray:
    group_dims, kept = _merged_layout(dims, keep)
    rest = complement(kept, len(group_dims))
    d_keep = math.prod(group_dims[g] for g in kept)
    d_rest = math.prod(group_dims[g] for g in rest)
    tensor = ket.reshape(group_dims)
    keep_first = tensor.transpose(kept + rest)
    if keep_first.flags.c_contiguous:  # kept subsystems leading: a view, no copy
        return _gram_of_rows_or_columns(keep_first.reshape(d_keep, d_rest), rows=True)
    rest_first = tensor.transpose(rest + kept)
    if rest_first.flags.c_contiguous:  # kept subsystems trailing: a view, no copy
        return _gram_of_rows_or_columns(rest_first.reshape(d_rest, d_keep), rows=False)
    # one copy of the ket, the only large allocation of this path
    return _gram_of_rows_or_columns(np.ascontiguousarray(keep_first).reshape(d_keep, d_rest), rows=True)


def _density_matrix_reduced(rho: np.ndarray, dims: tuple[int, ...], keep: tuple[int, ...]) -> np.ndarray:
    group_dims, kept = _merged_layout(dims, keep)
    n = len(group_dims)
    rest = complement(kept, n)
    d_keep = math.prod(group_dims[g] for g in kept)
    d_rest = math.prod(group_dims[g] for g in rest)
    # Merging all traced axes into one (after a transpose) makes this a single 2-axis trace: no einsum
    # subscript-letter limit, whatever the number of subsystems.
    order = kept + rest + tuple(n + g for g in kept) + tuple(n + g for g in rest)
    blocks = rho.reshape(group_dims + group_dims).transpose(order).reshape(d_keep, d_rest, d_keep, d_rest)
    return np.trace(blocks, axis1=1, axis2=3)


def partial_trace(
    state: np.ndarray,
    keep: int | Sequence[int],
    dims: Sequence[int] | None = None,
    *,
    normalization_atol: float | None = None,
) -> np.ndarray:
    """Reduced density matrix of the subsystems ``keep`` (PRX Eq. 10: ρ = Tr_other |Ψ><Ψ|).

    Parameters
    ----------
    state : ndarray or qutip.Qobj
        A normalized ket, shape (D,) or (D, 1), or a density matrix, shape (D, D) (Hermitian,
        trace 1); a ``qutip.Qobj`` ket or operator is accepted too. Positivity of a density matrix is
        not checked here (it costs a diagonalization); every entropy or measure applied to the result
        checks it.
    keep : int or sequence of int
        Indices of the subsystems kept (0-based, no duplicates). May be empty (returns [[1]]).
    dims : sequence of int, optional
        Local dimensions, first factor leftmost; ``None`` means qubits (D must be a power of 2), or
        the tensor dims of a ``qutip.Qobj``.
    normalization_atol : float, optional
        Allowed |<ψ|ψ> − 1| (|Tr ρ − 1|), default ``NORMALIZATION_ATOL`` = 1e-8
        (:mod:`entanglement._validation`). The result is the reduced matrix of the state as given:
        its trace is <ψ|ψ>.

    Returns
    -------
    ndarray, shape (d_keep, d_keep)
        The reduced density matrix with the kept subsystems in ascending order.

    Raises
    ------
    ValueError
        For a non-numeric, non-finite, non-normalized or non-Hermitian state, inconsistent ``dims``,
        or duplicate / out-of-range subsystems.
    """
    array, is_ket, parsed_dims = as_state(state, dims, normalization_atol=normalization_atol)
    kept = parse_subsystems(keep, len(parsed_dims), "keep")
    if is_ket:
        return _ket_reduced(array, parsed_dims, kept)
    return _density_matrix_reduced(array, parsed_dims, kept)


def partial_transpose(
    rho: np.ndarray,
    transpose: int | Sequence[int],
    dims: Sequence[int] | None = None,
    *,
    normalization_atol: float | None = None,
) -> np.ndarray:
    """Partial transpose ρ^{T_A} on the subsystems ``transpose`` (A), used by the negativity.

    (ρ^{T_A})_{a b, a' b'} = ρ_{a' b, a b'}: the row and column indices of every subsystem in A are
    swapped. A ket is first turned into |ψ><ψ|.

    Parameters
    ----------
    rho : ndarray or qutip.Qobj
        Density matrix (D, D) or ket (D,) / (D, 1).
    transpose : int or sequence of int
        Subsystems to transpose.
    dims : sequence of int, optional
        Local dimensions; ``None`` means qubits (or a Qobj's own dims).
    normalization_atol : float, optional
        Allowed |<ψ|ψ> − 1| (|Tr ρ − 1|), default ``NORMALIZATION_ATOL`` (:func:`partial_trace`).

    Returns
    -------
    ndarray, shape (D, D)
    """
    array, is_ket, parsed_dims = as_state(rho, dims, "rho", normalization_atol=normalization_atol)
    transposed = parse_subsystems(transpose, len(parsed_dims), "transpose")
    if is_ket:
        array = np.outer(array, array.conj())
    group_dims, transposed_groups = _merged_layout(parsed_dims, transposed)
    n = len(group_dims)
    order = list(range(2 * n))
    for g in transposed_groups:  # swap the row and column axis of each transposed group of subsystems
        order[g], order[n + g] = n + g, g
    size = array.shape[0]
    return array.reshape(group_dims + group_dims).transpose(order).reshape(size, size)
