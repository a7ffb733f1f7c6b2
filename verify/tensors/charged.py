"""Charged tensors: legs with integer charges, block-sparse tensors, charge-conserving gates.

Charges
-------
Every leg carries one integer charge vector per index (``Leg.charges``, shape (dim, n_q)), e.g.
(N, 2S^z) per index for a chain conserving particle number and S^z, (N,) for one conserving N only,
and the empty vector (n_q = 0) for no charge at all (one block: the dense case). Which charges a
leg carries, and their values on a local basis, come from outside (a chain model's sites,
:meth:`verify.models.ChainModel.site_charges`): this module knows no model. Every leg of a tensor
also has a direction ``sign`` = +1 (incoming) or −1 (outgoing); a :class:`ChargedTensor` stores only
the blocks whose leg charges obey

    Σ_legs sign · q = 0.

Conventions (legs as in :mod:`verify.tensors.dense`):

* site tensor ``A[l, p, r]``: signs (+, +, −), i.e. q_r = q_l + q_p. The left boundary leg has charge
  0, so the right leg of site i carries the charge of sites 0..i and the right boundary leg the total
  charge of the state;
* two-site tensor ``theta[l, p1, p2, r]``: (+, +, +, −);
* gate ``G[p1', p2', p1, p2]``: (+, +, −, −) (gates conserve charge);
* bond matrices (QR/LQ factors) ``R[k, r]``: (+, −), block diagonal in charge.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from collections.abc import Iterator, Sequence

import numpy as np

__all__ = [
    "BOND_SIGNS",
    "GATE_SIGNS",
    "NONZERO_TOL",
    "SITE_SIGNS",
    "THETA_SIGNS",
    "Charge",
    "ChargedGate",
    "ChargedTensor",
    "Key",
    "Leg",
    "RestrictedOperator",
    "add_charges",
    "joined",
    "restricted_by_total",
    "sub_charges",
    "two_site_products",
]

Charge = tuple[int, ...]
Key = tuple[Charge, ...]
RestrictedOperator = tuple[dict, dict]
"""A two-site operator restricted to each total physical charge: ``(sectors, pair_offsets)`` of
:func:`restricted_by_total` (a :class:`ChargedGate`'s two attributes)."""

NONZERO_TOL: float = 1e-12
"""Entries below this fraction of a tensor's largest entry are treated as zero by ``from_dense``."""

SITE_SIGNS: tuple[int, ...] = (1, 1, -1)
"""Leg directions of a site tensor A[l, p, r]."""
THETA_SIGNS: tuple[int, ...] = (1, 1, 1, -1)
"""Leg directions of a two-site tensor theta[l, p1, p2, r]."""
GATE_SIGNS: tuple[int, ...] = (1, 1, -1, -1)
"""Leg directions of a gate G[p1', p2', p1, p2]."""
BOND_SIGNS: tuple[int, ...] = (1, -1)
"""Leg directions of a bond matrix R[k, r]."""


@functools.lru_cache(maxsize=1 << 16)
def add_charges(a: Charge, b: Charge) -> Charge:
    """a + b componentwise."""
    # cached: a TEBD step adds the same few hundred charge pairs tens of thousands of times
    return tuple(x + y for x, y in zip(a, b, strict=True))


@functools.lru_cache(maxsize=1 << 16)
def sub_charges(a: Charge, b: Charge) -> Charge:
    """a − b componentwise."""
    return tuple(x - y for x, y in zip(a, b, strict=True))


class Leg:
    """Charges of the indices of one leg, shape (dim, n_q); sectors are computed once on demand."""

    __slots__ = ("_sectors", "_sizes", "_slices", "charges")

    def __init__(self, charges: np.ndarray) -> None:
        c = np.asarray(charges, dtype=np.int64)
        if c.ndim != 2:
            raise ValueError(f"leg charges must have shape (dim, n_q), got {c.shape}")
        self.charges = c
        self._sectors: dict[Charge, np.ndarray] | None = None
        self._sizes: dict[Charge, int] | None = None
        self._slices: dict[Charge, slice | np.ndarray] | None = None

    @classmethod
    def from_sectors(cls, sectors: Sequence[tuple[Charge, int]], n_q: int) -> Leg:
        """A leg whose indices are grouped contiguously by charge (sizes given per sector)."""
        present = [(tuple(q), int(size)) for q, size in sectors if size > 0]
        sizes = [size for _, size in present]
        charges = np.array([q for q, _ in present], dtype=np.int64).reshape(len(present), n_q)
        leg = cls(np.repeat(charges, sizes, axis=0))  # one call: this runs at every split
        if len({q for q, _ in present}) == len(present):  # known already: skip the np.unique of .sectors
            bounds = list(itertools.accumulate(sizes, initial=0))
            ranges = {q: np.arange(bounds[k], bounds[k + 1]) for k, (q, _) in enumerate(present)}
            leg._sectors = {q: ranges[q] for q in sorted(ranges)}  # the key order np.unique gives
            leg._sizes = dict(present)
        return leg

    def __repr__(self) -> str:
        return f"Leg(dim={self.dim}, n_q={self.charges.shape[1]})"

    @property
    def dim(self) -> int:
        """Number of indices."""
        return int(self.charges.shape[0])

    @property
    def sectors(self) -> dict[Charge, np.ndarray]:
        """Charge → ascending index array of the indices carrying it."""
        if self._sectors is None:
            c = self.charges
            if c.shape[0] == 0:
                self._sectors = {}
            elif c.shape[1] == 0:
                self._sectors = {(): np.arange(c.shape[0])}
            else:
                uniq, inverse = np.unique(c, axis=0, return_inverse=True)
                inverse = inverse.ravel()
                order = np.argsort(inverse, kind="stable")
                bounds = np.cumsum(np.bincount(inverse, minlength=len(uniq)))[:-1]
                self._sectors = {
                    tuple(int(x) for x in u): idx for u, idx in zip(uniq, np.split(order, bounds), strict=True)
                }
        return self._sectors

    @property
    def sector_slices(self) -> dict[Charge, slice | np.ndarray]:
        """Charge → its indices as a slice when they are contiguous (legs made by :meth:`from_sectors`, i.e.
        every split's new bond, always are), else the
        index array of :attr:`sectors`: indexing with a slice is a view, with an array a gather."""
        if self._slices is None:
            self._slices = {
                q: slice(int(idx[0]), int(idx[-1]) + 1) if idx.size and idx[-1] - idx[0] + 1 == idx.size else idx
                for q, idx in self.sectors.items()
            }
        return self._slices

    def size(self, q: Charge) -> int:
        """Number of indices carrying charge ``q`` (0 if none)."""
        if self._sizes is None:
            self._sizes = {k: len(v) for k, v in self.sectors.items()}
        return self._sizes.get(q, 0)

    def same(self, other: Leg) -> bool:
        """True when both legs carry the same charges index by index (the legs can be contracted)."""
        if self is other:
            return True
        return self.charges.shape == other.charges.shape and np.array_equal(self.charges, other.charges)


class ChargedTensor:
    """A block-sparse tensor: legs with charges and directions, and dense blocks per charge combination.

    Parameters
    ----------
    legs : sequence of Leg
    signs : sequence of {+1, −1}
        Leg directions; stored blocks obey Σ sign · q = 0.
    blocks : dict
        ``(q_leg0, q_leg1, ...) -> ndarray`` of shape (sector sizes); absent blocks are zero.
    """

    __slots__ = ("blocks", "legs", "signs")

    def __init__(self, legs: Sequence[Leg], signs: Sequence[int], blocks: dict[Key, np.ndarray]) -> None:
        if len(legs) != len(signs):
            raise ValueError(f"{len(legs)} legs but {len(signs)} signs")
        self.legs = tuple(legs)
        self.signs = tuple(int(s) for s in signs)
        self.blocks = blocks

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(leg.dim for leg in self.legs)

    @property
    def n_q(self) -> int:
        return int(self.legs[0].charges.shape[1])

    def check(self) -> None:
        """ValueError unless every block obeys the charge rule and has the sector shape of its key."""
        for key, block in self.blocks.items():
            total = np.zeros(self.n_q, dtype=np.int64)
            for s, q in zip(self.signs, key, strict=True):
                total += s * np.asarray(q, dtype=np.int64)
            if np.any(total != 0):
                raise ValueError(f"block {key} violates charge conservation (Σ sign·q = {total.tolist()})")
            want = tuple(leg.size(q) for leg, q in zip(self.legs, key, strict=True))
            if block.shape != want:
                raise ValueError(f"block {key} has shape {block.shape}, its sectors need {want}")

    @classmethod
    def from_dense(
        cls, array: np.ndarray, legs: Sequence[Leg], signs: Sequence[int], *, tol: float = NONZERO_TOL
    ) -> ChargedTensor:
        """Blocks of a dense tensor; ValueError if an entry above ``tol``·max|array| breaks the charge rule."""
        array = np.asarray(array, dtype=complex)
        legs = tuple(legs)
        if array.shape != tuple(leg.dim for leg in legs):
            raise ValueError(f"array shape {array.shape} does not match leg dimensions {[leg.dim for leg in legs]}")
        scale = float(np.max(np.abs(array))) if array.size else 0.0
        n_q = legs[0].charges.shape[1]
        if scale > 0 and n_q:
            nonzero = np.abs(array) > tol * scale
            ndim = array.ndim
            bad = np.zeros(array.shape, dtype=bool)
            for c in range(n_q):
                total = sum(
                    s * leg.charges[:, c].reshape([-1 if k == i else 1 for k in range(ndim)])
                    for i, (s, leg) in enumerate(zip(signs, legs, strict=True))
                )
                bad |= np.broadcast_to(total != 0, array.shape)
            bad &= nonzero
            if bad.any():
                worst = float(np.max(np.abs(array[bad])))
                raise ValueError(
                    f"dense tensor violates the charge rule: {int(bad.sum())} entries up to {worst:.3g} "
                    f"(relative {worst / scale:.3g}) connect charges with Σ sign·q != 0"
                )
        blocks: dict[Key, np.ndarray] = {}
        if scale > 0:
            last_sign = signs[-1]
            for head in itertools.product(*(leg.sectors.items() for leg in legs[:-1])):
                total = (0,) * n_q
                for s, (q, _) in zip(signs[:-1], head, strict=True):
                    total = tuple(t + s * x for t, x in zip(total, q, strict=True))
                q_last = tuple(-last_sign * t for t in total)
                idx_last = legs[-1].sectors.get(q_last)
                if idx_last is None:
                    continue
                block = array[np.ix_(*(idx for _, idx in head), idx_last)]
                if np.any(np.abs(block) > tol * scale):
                    blocks[(*(q for q, _ in head), q_last)] = np.ascontiguousarray(block)
        return cls(legs, signs, blocks)

    def to_dense(self) -> np.ndarray:
        """The dense array (absent blocks are zero)."""
        out = np.zeros(self.shape, dtype=complex)
        where = [leg.sector_slices for leg in self.legs]
        for key, block in self.blocks.items():
            index = tuple(w[q] for w, q in zip(where, key, strict=True))
            if all(isinstance(i, slice) for i in index):  # a view: no np.ix_ gather (most blocks)
                out[index] = block
            else:
                out[np.ix_(*(leg.sectors[q] for leg, q in zip(self.legs, key, strict=True)))] = block
        return out



class ChargedGate:
    """A charge-conserving two-site gate, with its matrix per total physical charge.

    ``sectors[Q] = (pairs, matrix)``: ``pairs`` lists (q_p1, q_p2, size_1, size_2, offset) of every
    pair of physical sectors with q_p1 + q_p2 = Q, and ``matrix`` is the gate restricted to them,
    rows and columns ordered as the stacked (p1, p2) blocks (p2 fastest within a pair).
    """

    __slots__ = ("pair_offsets", "sectors", "tensor")

    def __init__(self, tensor: ChargedTensor) -> None:
        self.tensor = tensor
        p1, p2 = tensor.legs[0], tensor.legs[1]
        dense = tensor.to_dense().reshape(p1.dim * p2.dim, p1.dim * p2.dim)
        self.sectors, self.pair_offsets = restricted_by_total(dense, p1, p2)


def restricted_by_total(matrix: np.ndarray, p1: Leg, p2: Leg) -> RestrictedOperator:
    """A dense operator M on two sites (``np.kron`` order) restricted to each total physical charge
    Q = q_p1 + q_p2: ``(sectors, pair_offsets)`` as the attributes of :class:`ChargedGate` — its rows
    and columns of charge Q only. The part of M between different totals is left out (it never
    reaches a state of fixed charge: ⟨θ|M|θ⟩ of a charged two-site tensor does not see it)."""
    by_total: dict[Charge, list[tuple[Charge, Charge]]] = defaultdict(list)
    for q1 in sorted(p1.sectors):
        for q2 in sorted(p2.sectors):
            by_total[add_charges(q1, q2)].append((q1, q2))
    sectors: dict[Charge, tuple[list[tuple[Charge, Charge, int, int, int]], np.ndarray]] = {}
    for total, combos in by_total.items():
        pairs, index, off = [], [], 0
        for q1, q2 in combos:
            i1, i2 = p1.sectors[q1], p2.sectors[q2]
            pairs.append((q1, q2, len(i1), len(i2), off))
            index.append((i1[:, None] * p2.dim + i2[None, :]).ravel())
            off += len(i1) * len(i2)
        flat = np.concatenate(index)
        sectors[total] = (pairs, np.ascontiguousarray(matrix[np.ix_(flat, flat)]))
    pair_offsets = {total: {(q1, q2): (s1, s2, off) for q1, q2, s1, s2, off in pairs}
                    for total, (pairs, _) in sectors.items()}
    return sectors, pair_offsets


def joined(matrices: list[np.ndarray], axis: int) -> np.ndarray:
    """The matrices joined along ``axis`` (``np.concatenate``), without a copy for a single one."""
    return matrices[0] if len(matrices) == 1 else np.concatenate(matrices, axis=axis)


def two_site_products(a: ChargedTensor, b: ChargedTensor) -> Iterator[tuple[Key, np.ndarray]]:
    """Σ_k a[l, p1, k] b[k, p2, r], one matrix product per charge of the shared bond k: yields the
    key (q_l, q_p1, q_p2, q_r) and the (l p1) × (p2 r) view of every block of the result."""
    if not a.legs[2].same(b.legs[0]):
        raise ValueError(f"cannot contract legs with different charges (dims {a.legs[2].dim}, {b.legs[0].dim})")
    by_k_rows: dict[Charge, list[Key]] = defaultdict(list)
    by_k_cols: dict[Charge, list[Key]] = defaultdict(list)
    for key in sorted(a.blocks):
        by_k_rows[key[2]].append(key)
    for key in sorted(b.blocks):
        by_k_cols[key[0]].append(key)
    for qk in sorted(by_k_rows.keys() & by_k_cols.keys()):
        xs = [a.blocks[key] for key in by_k_rows[qk]]
        ys = [b.blocks[key] for key in by_k_cols[qk]]
        product = joined([x.reshape(-1, x.shape[2]) for x in xs], 0) @ joined(
            [y.reshape(y.shape[0], -1) for y in ys], 1)
        i0 = 0
        for (ql, qp1, _), x in zip(by_k_rows[qk], xs, strict=True):
            n = x.shape[0] * x.shape[1]
            j0 = 0
            for (_, qp2, qr), y in zip(by_k_cols[qk], ys, strict=True):
                m = y.shape[1] * y.shape[2]
                yield (ql, qp1, qp2, qr), product[i0 : i0 + n, j0 : j0 + m]
                j0 += m
            i0 += n
