"""Local operators of a chain model as sparse matrices of its exact sector.

A one- or two-site operator (a d × d or (d_k d_{k+1})² matrix, ``np.kron`` order, Jordan–Wigner strings
already inside, :mod:`verify.models.terms`) acts on a sector state by changing the digits of its sites.
For every column (old digits) and nonzero element (new digits) the image's position is the state's
own position plus :meth:`verify.exact.sector.SectorBasis.rank_shift`; elements that change the
sector's charges lead out of the sector and are dropped (a Hamiltonian never has them — the model
checks that — but an observable such as s^x in a fixed-S^z sector does).

States are grouped by their digits on the operator's sites with one stable sort per operator, so the
work is one pass over the basis per nonzero element of the local matrix; Python loops run over local
matrix elements and bonds only.

* :func:`sector_hamiltonian` — H = Σ_b h_b (and H_prep, PRX Eq. 5) as a CSR matrix;
* :func:`local_operator` — one operator on one site or one bond;
* :func:`total_operator` — Σ_k O_k over listed sites (e.g. the electron spin s^x_e).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from verify.exact.sector import SectorBasis

__all__ = [
    "SparseTerms",
    "lift_sum",
    "local_operator",
    "preparation_hamiltonian",
    "sector_hamiltonian",
    "total_operator",
]

ZERO_TOL = 1e-14
"""Local matrix elements below this modulus are treated as zero (they are sums of exact products of
0, ±1, ±i and square roots; a cancellation leaves ~1e-16)."""


class SparseTerms:
    """Accumulates (rows, cols, data) triplets and a diagonal; :meth:`build` gives a CSR matrix."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.diag = np.zeros(dim, dtype=complex)
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, rows: np.ndarray, cols: np.ndarray, data: np.ndarray) -> None:
        """Add off-diagonal elements (duplicates are summed by :meth:`build`)."""
        self.parts.append((rows, cols, data))

    def build(self, *, real: bool | None = None) -> sp.csr_array:
        """The CSR matrix; real (float64) when every element is real (``real=None``) or when asked."""
        index_type = np.int32 if self.dim < 2**31 - 1 else np.int64
        diag_rows = np.flatnonzero(self.diag).astype(index_type)
        rows = np.concatenate([diag_rows] + [p[0].astype(index_type) for p in self.parts])
        cols = np.concatenate([diag_rows] + [p[1].astype(index_type) for p in self.parts])
        data = np.concatenate([self.diag[diag_rows]] + [p[2] for p in self.parts])
        if real is None:
            real = not np.any(data.imag)
        matrix = sp.coo_array((data.real if real else data, (rows, cols)), shape=(self.dim, self.dim)).tocsr()
        matrix.sum_duplicates()
        # entries that cancel (on-site terms folded into two bonds and summed back) leave ~1e-17 of round-off
        scale = float(np.max(np.abs(matrix.data), initial=0.0))
        matrix.data[np.abs(matrix.data) <= ZERO_TOL * scale] = 0.0
        matrix.eliminate_zeros()
        return matrix


def _add_local(
    terms: SparseTerms, basis: SectorBasis, first: int, matrix: np.ndarray, prefix: np.ndarray
) -> None:
    """Add a local operator on sites first..first+n−1 (n = 1 or 2) to ``terms``."""
    dims = basis.model.dims[first : first + (2 if matrix.shape[0] != basis.model.dims[first] else 1)]
    if int(np.prod(dims)) != matrix.shape[0]:
        raise ValueError(f"a local matrix of dimension {matrix.shape[0]} does not fit sites {first}..")
    digits = [basis.digits[first + j].astype(np.int64) for j in range(len(dims))]
    pattern = digits[0] if len(dims) == 1 else digits[0] * dims[1] + digits[1]
    terms.diag += np.diagonal(matrix)[pattern]
    off = matrix.copy()
    np.fill_diagonal(off, 0.0)
    new_rows, old_cols = np.nonzero(np.abs(off) > ZERO_TOL)
    if new_rows.size == 0:
        return
    order = np.argsort(pattern, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(pattern, minlength=matrix.shape[0]))])
    local_charge = _pattern_charges(basis, first, dims)
    for new, old in zip(new_rows, old_cols, strict=True):  # nonzero elements of the local matrix
        if local_charge[new] != local_charge[old]:
            continue  # leaves the sector
        members = order[bounds[old] : bounds[old + 1]]
        if members.size == 0:
            continue
        old_digits = list(np.unravel_index(old, dims))
        new_digits = list(np.unravel_index(new, dims))
        shift = basis.rank_shift(first, old_digits, new_digits, prefix[members])
        terms.add(members + shift, members, np.full(members.size, matrix[new, old]))


def _pattern_charges(basis: SectorBasis, first: int, dims: Sequence[int]) -> np.ndarray:
    """Flat grid step (total sector charge) of every digit pattern of sites first.. (np.kron order)."""
    total = np.zeros(1, dtype=np.int64)
    for j in range(len(dims)):
        total = np.add.outer(total, basis.steps[first + j]).ravel()
    return total


def lift_sum(
    basis: SectorBasis, locals_: Iterable[tuple[int, np.ndarray]], real: bool | None = None
) -> sp.csr_array:
    """Σ of local operators given as (first site, matrix) — one-site or bond matrices — in the sector.

    Visited in site order with a running prefix charge; ``real`` forces a real or complex result
    (default: real when every element is).
    """
    terms = SparseTerms(basis.dim)
    prefix = np.full(basis.dim, basis.zero, dtype=np.int64)
    site = 0
    for first, matrix in sorted(locals_, key=lambda item: item[0]):
        while site < first:  # Q_first of every state, accumulated as the sites go by
            prefix += basis.steps[site][basis.digits[site]]
            site += 1
        _add_local(terms, basis, first, np.asarray(matrix, dtype=complex), prefix)
    return terms.build(real=real)


def sector_hamiltonian(basis: SectorBasis, *, preparation: bool = False) -> sp.csr_array:
    """H = Σ_b h_b of the model (:meth:`verify.models.ChainModel.bond_hamiltonians`) in the sector;
    with ``preparation`` H + H_prep. Real (float64) when every element is real (the PRX chain, XXZ)."""
    bonds = basis.model.bond_hamiltonians(preparation=preparation)
    return lift_sum(basis, enumerate(bonds), real=None)


def preparation_hamiltonian(basis: SectorBasis) -> sp.csr_array:
    """H_prep alone (PRX Eq. 5): the difference of the bond Hamiltonians with and without it."""
    model = basis.model
    with_prep = model.bond_hamiltonians(preparation=True)
    without = model.bond_hamiltonians(preparation=False)
    return lift_sum(basis, ((b, w - o) for b, (w, o) in enumerate(zip(with_prep, without, strict=True))), None)


def local_operator(basis: SectorBasis, first: int, matrix: np.ndarray) -> sp.csr_array:
    """One operator on site ``first`` (d × d) or on the bond (first, first+1), as a (complex) CSR matrix."""
    return lift_sum(basis, [(first, matrix)], real=False)


def total_operator(basis: SectorBasis, expression: str, sites: Sequence[int]) -> sp.csr_array:
    """Σ_k O_k over ``sites`` for an operator expression of the sites (complex CSR)."""
    model = basis.model
    return lift_sum(basis, [(k, model.sites[k].op(expression)) for k in sites], real=False)
