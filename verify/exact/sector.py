"""The charge sector of a chain model as an exact basis, ranked combinatorially.

Basis
-----
A basis state is a product of local basis states, one *digit* a_i per site (the site's basis index,
:mod:`states.conventions` order). With the sites' fermion modes in site order this product basis is
the Jordan–Wigner Fock basis, so the model's bond matrices (which carry their own strings,
:mod:`verify.models.terms`) act on it as plain local operators. The sector is every product state
whose sector charges (:attr:`verify.models.ChainModel.sector`, e.g. N = N_e and 2S^z) add up to the
target, in lexicographic order of (a_0, a_1, …, a_{N−1}). Digits are stored as one ``uint8`` array
per site (:attr:`SectorBasis.digits`, shape (N, dim)).

Ranking
-------
Let C_k(q) be the number of ways sites k..N−1 carry total charge q, and Q_k the charge of sites
0..k−1 of a state. The position of a state in the sector (its rank) is

    rank = Σ_k R_k[a_k, Q_k],    R_k[a, Q] = Σ_{a' < a} C_{k+1}(target − Q − q_k(a')),

(the states that agree on sites 0..k−1 and have a smaller digit at site k come first). An operator
that changes the digits of sites i..j only, conserving their total charge, leaves Q_k unchanged for
k ≤ i and k > j, so the rank of the image differs by the terms k = i..j alone
(:meth:`SectorBasis.rank_shift`): a lookup costs a few reads of small tables, never a search over the
basis. Charges live on a box grid (:class:`ChargeGrid`) that holds every partial sum; the tables are
int64 arrays of shape (d_k, grid size).

Counts are computed in float64 by the recursion C_k(q) = Σ_a C_{k+1}(q − q_k(a)): exact below 2^53,
which covers every count a basis of at most :data:`MAX_SECTOR_DIM` states uses; larger (unused) entries
only bound the dimension reported by :func:`sector_dimension`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from verify.models import ChainModel, as_chain

__all__ = ["MAX_SECTOR_DIM", "ChargeGrid", "SectorBasis", "sector_dimension"]

MAX_SECTOR_DIM = 20_000_000
"""Largest sector enumerated (the limit a user raises with ``max_dim``). The digits (N bytes per
state), H and the Lanczos/Chebyshev vectors (≈ 1 kB per state for 10–40 nonzeros per row and ~24
vectors) fill the 23 GB development machine at 2e7 states; beyond it a clean ValueError beats a
MemoryError, and such a run would not finish in hours anyway."""


def _shifted(array: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """out[g] = array[g + offset] on the grid, 0 where g + offset leaves it."""
    out = np.zeros_like(array)
    src, dst = [], []
    for size, shift in zip(array.shape, offset, strict=True):
        shift = int(shift)
        if abs(shift) >= size:
            return out
        src.append(slice(max(shift, 0), size + min(shift, 0)))
        dst.append(slice(max(-shift, 0), size - max(shift, 0)))
    out[tuple(dst)] = array[tuple(src)]
    return out


@dataclass(frozen=True, eq=False)
class ChargeGrid:
    """A box of integer charge vectors holding every partial sum of the sites' charges.

    Attributes
    ----------
    lower : ndarray of int64, shape (n_q,)
        Smallest value of each component.
    shape : tuple of int
        Number of values per component.
    site_charges : list of ndarray
        q_k(a) per site, shape (d_k, n_q).
    """

    lower: np.ndarray
    shape: tuple[int, ...]
    site_charges: list[np.ndarray]

    @classmethod
    def build(cls, site_charges: list[np.ndarray]) -> ChargeGrid:
        """The box spanned by Σ_k min(0, q_k) … Σ_k max(0, q_k), componentwise."""
        lows = np.sum([np.minimum(q.min(axis=0), 0) for q in site_charges], axis=0)
        highs = np.sum([np.maximum(q.max(axis=0), 0) for q in site_charges], axis=0)
        lower = np.asarray(lows, dtype=np.int64).reshape(-1)
        shape = tuple(int(x) for x in np.asarray(highs, dtype=np.int64).reshape(-1) - lower + 1)
        return cls(lower, shape, site_charges)

    @property
    def size(self) -> int:
        """Number of grid points."""
        return math.prod(self.shape)

    @cached_property
    def strides(self) -> np.ndarray:
        """Flat-index step of one unit of each component."""
        out = np.ones(len(self.shape), dtype=np.int64)
        for c in range(len(self.shape) - 2, -1, -1):
            out[c] = out[c + 1] * self.shape[c + 1]
        return out

    def flat(self, charge: np.ndarray) -> int:
        """Flat index of a charge vector (ValueError outside the box)."""
        position = np.asarray(charge, dtype=np.int64) - self.lower
        if np.any(position < 0) or np.any(position >= self.shape):
            raise ValueError(f"charge {np.asarray(charge).tolist()} is outside the reachable range")
        return int(position @ self.strides)

    def steps(self, k: int) -> np.ndarray:
        """Flat-index step of every local state of site k (its charge), shape (d_k,)."""
        return self.site_charges[k] @ self.strides

    def one_hot(self, charge: np.ndarray) -> np.ndarray:
        """An array over the grid, 1 at ``charge``."""
        out = np.zeros(self.shape)
        out.reshape(-1)[self.flat(charge)] = 1.0
        return out


def _suffix_counts(grid: ChargeGrid) -> list[np.ndarray]:
    """C_k over the grid for k = 0..N (C_N: only the zero charge), float64 (module docstring)."""
    n = len(grid.site_charges)
    counts = [np.zeros(grid.shape) for _ in range(n + 1)]
    counts[n] = grid.one_hot(np.zeros(len(grid.shape), dtype=np.int64))
    for k in range(n - 1, -1, -1):
        for q in grid.site_charges[k]:  # C_k(c) = Σ_a C_{k+1}(c − q_k(a)): a loop over the local basis
            counts[k] += _shifted(counts[k + 1], -q)
    return counts


def _sector_target(model: ChainModel) -> np.ndarray:
    return np.array([model.sector[name] for name in model.sector], dtype=np.int64)


def sector_dimension(model: Any) -> int:
    """Number of states of the model's sector (counting only, nothing is enumerated).

    Exact up to 2^53; beyond it a float64 estimate, which is only used to refuse the size.
    """
    model = as_chain(model)
    grid = ChargeGrid.build(model.site_charges())
    target = _sector_target(model)
    try:
        index = grid.flat(target)
    except ValueError:
        return 0
    count = _suffix_counts(grid)[0].reshape(-1)[index]
    return int(count) if count < 2.0**53 else int(min(count, 2.0**62))


class SectorBasis:
    """The sector of a chain model: digits, rank tables and charges (module docstring).

    Build it with :meth:`build`.

    Attributes
    ----------
    model : ChainModel
    grid : ChargeGrid
    target : ndarray
        The sector's charges, in the order of ``model.sector``.
    dim : int
    digits : ndarray of uint8, shape (N, dim)
        a_k of every state.
    counts : list of ndarray
        C_k over the grid (float64), k = 0..N.
    tables : list of ndarray of int64, shape (d_k, grid size)
        R_k of the module docstring.
    """

    def __init__(
        self, model: ChainModel, grid: ChargeGrid, counts: list[np.ndarray], tables: list[np.ndarray], dim: int
    ) -> None:
        self.model = model
        self.grid = grid
        self.counts = counts
        self.tables = tables
        self.dim = dim
        self.target = _sector_target(model)
        self.steps = [grid.steps(k) for k in range(model.n_sites)]
        self.zero = grid.flat(np.zeros(len(grid.shape), dtype=np.int64))
        self.digits = self._unrank()

    @classmethod
    def build(cls, model: Any, *, max_dim: int = MAX_SECTOR_DIM) -> SectorBasis:
        """Enumerate the sector of ``model`` (a ChainModel or parameters such as PRXChain).

        Raises
        ------
        ValueError
            When the sector is empty, a site has more than 255 states, or the dimension exceeds
            ``max_dim`` (checked by counting, before anything is enumerated).
        """
        model = as_chain(model)
        if max(model.dims) > 255:
            raise ValueError(f"local dimensions up to 255 are supported, got {max(model.dims)}")
        grid = ChargeGrid.build(model.site_charges())
        counts = _suffix_counts(grid)
        target = _sector_target(model)
        try:
            dim_count = counts[0].reshape(-1)[grid.flat(target)]
        except ValueError:
            dim_count = 0.0
        if dim_count == 0:
            raise ValueError(f"the sector {dict(model.sector)} of this model is empty")
        if dim_count > max_dim:
            raise ValueError(
                f"the exact sector has dimension {dim_count:.3g} > max_dim = {max_dim:.3g} (memory, "
                f"≈ 1 kB per state): reduce the system or raise max_dim"
            )
        return cls(model, grid, counts, _rank_tables(grid, counts, target), int(dim_count))

    def _unrank(self) -> np.ndarray:
        """Digits of ranks 0..dim−1: at site k the largest a with R_k[a, Q_k] ≤ the remaining rank."""
        n = self.model.n_sites
        digits = np.empty((n, self.dim), dtype=np.uint8)
        remaining = np.arange(self.dim, dtype=np.int64)
        prefix = np.full(self.dim, self.zero, dtype=np.int64)
        for k in range(n):
            table = self.tables[k]
            digit = np.zeros(self.dim, dtype=np.int64)
            for a in range(1, table.shape[0]):  # loop over the local basis (d_k ≤ 255)
                digit += table[a][prefix] <= remaining
            digits[k] = digit
            remaining -= table[digit, prefix]
            prefix += self.steps[k][digit]
        if np.any(remaining != 0):  # pragma: no cover - the tables are inconsistent
            raise RuntimeError("sector enumeration failed: ranks and tables disagree")
        return digits

    def completions(self, k: int, prefix: int) -> int:
        """Number of ways sites k..N−1 complete a prefix of charge ``prefix`` (flat grid index) to the sector."""
        charge = np.array(np.unravel_index(int(prefix), self.grid.shape)) + self.grid.lower
        try:
            index = self.grid.flat(self.target - charge)
        except ValueError:
            return 0
        return int(self.counts[k].reshape(-1)[index])

    def prefix_charges(self, k: int) -> np.ndarray:
        """Flat grid index of Q_k (charge of sites 0..k−1) of every state, int64 (dim,)."""
        prefix = np.full(self.dim, self.zero, dtype=np.int64)
        for j in range(k):
            prefix += self.steps[j][self.digits[j]]
        return prefix

    def rank_shift(self, first: int, old: list[np.ndarray], new: list[np.ndarray], prefix: np.ndarray) -> np.ndarray:
        """rank(new) − rank(old) for states that differ only on sites first..first+len(old)−1.

        Parameters
        ----------
        first : int
            First changed site.
        old, new : list of int arrays
            Digits of sites first, first+1, … before and after (same total charge over them).
        prefix : ndarray
            Flat Q_first of the states.
        """
        shift = np.zeros(np.shape(prefix), dtype=np.int64)
        q_old, q_new = prefix, prefix
        for offset, (a, b) in enumerate(zip(old, new, strict=True)):
            k = first + offset
            table = self.tables[k]
            shift += table[b, q_new] - table[a, q_old]
            q_old = q_old + self.steps[k][a]
            q_new = q_new + self.steps[k][b]
        return shift

    def product_indices(self) -> np.ndarray:
        """Index of every state in the full product basis (first site most significant), int64.

        For comparisons with dense states on small chains (Π d_i < 2^63).
        """
        dims = self.model.dims
        if math.prod(dims) >= 2**63:
            raise ValueError("the product basis is too large for int64 indices")
        index = np.zeros(self.dim, dtype=np.int64)
        for k, d in enumerate(dims):
            index = index * d + self.digits[k]
        return index


def _rank_tables(grid: ChargeGrid, counts: list[np.ndarray], target: np.ndarray) -> list[np.ndarray]:
    """R_k[a, Q] over the grid (module docstring), int64."""
    tables = []
    n = len(grid.site_charges)
    for k in range(n):
        # completions[c] = C_{k+1}(target − c): states of sites k+1.. that complete a prefix charge c
        completions = _reflected(counts[k + 1], grid, target)
        charges = grid.site_charges[k]
        table = np.zeros((charges.shape[0], grid.size), dtype=np.int64)
        running = np.zeros(grid.shape)
        for a in range(charges.shape[0]):  # loop over the local basis
            table[a] = running.reshape(-1)
            running = running + _shifted(completions, charges[a])  # prefix Q plus q_k(a)
        np.minimum(table, np.iinfo(np.int64).max // 4, out=table)  # unused (unreachable) entries only
        tables.append(table)
    return tables


def _reflected(counts: np.ndarray, grid: ChargeGrid, target: np.ndarray) -> np.ndarray:
    """out[c] = counts[target − c] on the grid (0 where target − c leaves it)."""
    out = np.zeros(grid.shape)
    # index of target − c = (target − lower) − (c − lower) − lower... per component: j = t − 2·lower − i
    flipped = counts[tuple(slice(None, None, -1) for _ in grid.shape)]  # flipped[i] = counts[size − 1 − i]
    # flipped[i] = counts[size−1−i]; want counts[target − lower − i − lower] → shift by
    # s = size − 1 − (target − 2 lower)
    offset = np.array(grid.shape) - 1 - (target - 2 * grid.lower)
    out[...] = _shifted(flipped, offset)
    return out
