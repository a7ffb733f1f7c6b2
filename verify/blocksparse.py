"""U(1)×U(1) (or U(1)) block-sparse MPS tensors behind the :class:`verify.linalg.TensorBackend` interface.

Charges
-------
Every leg carries one integer charge vector per index (``Leg.charges``, shape (dim, n_q)): (N, 2S^z)
for ``charges="n_sz"`` (collinear PRX chain), (N,) for ``charges="n"`` (noncollinear: S^z is not
conserved by the initial state) and the empty vector for ``charges="none"`` (one block: the dense
evolver as the trivial-charge case of the same code). Every leg also has a direction ``sign`` = +1
(incoming) or −1 (outgoing); a :class:`ChargedTensor` stores only the blocks whose leg charges obey

    Σ_legs sign · q = 0.

Conventions (legs as in :mod:`verify.linalg`):

* site tensor ``A[l, p, r]``: signs (+, +, −), i.e. q_r = q_l + q_p. The left boundary leg has charge
  0, so the right leg of site i carries the charge of sites 0..i and the right boundary leg the total
  charge of the state;
* two-site tensor ``theta[l, p1, p2, r]``: (+, +, +, −);
* gate ``G[p1', p2', p1, p2]``: (+, +, −, −) (gates conserve charge);
* bond matrices (QR/LQ factors) ``R[k, r]``: (+, −), block diagonal in charge.

Physical charges come from the local bases of :mod:`states.conventions`: fermion site (d = 4)
N = [0, 1, 1, 2], 2S^z = [0, 1, −1, 0]; FM site (d = 8) = fermion ⊗ localized spin (electron first),
with the spin's 2S^z = [1, −1] added.

Bond charges are inferred: :meth:`BlockSparseBackend.from_dense` takes the charges of the left leg
(``left=``; default 0 for a left leg of dimension 1) and determines the right-leg charge of every
column from its nonzero entries; a column whose nonzero entries disagree raises ValueError. A whole
MPS is converted left to right by :func:`to_charged_mps`.

Decompositions work block by block: the (l p1) × (p2 r) matrix of theta is block diagonal in the
charge of the new bond, each block is decomposed (:func:`verify.linalg._svd`, or with a truncation
≥ :data:`verify.linalg.GRAM_MIN_TRUNC` the density-matrix route :func:`verify.linalg.gram_svd`,
which gives the values and the isometric factor; the other factor is the projection), and truncation is
global — all singular values are sorted together and :func:`verify.linalg.truncation_rank` picks
the kept set exactly as in the dense case, so equal χ gives the same kept set up to degeneracies.
Since no decomposition mixes charge sectors, N and (collinear) S^z are conserved to round-off at
any truncation (the dense backend lets charge noise grow, see :mod:`verify.prx_tebd`).

Cost layout
-----------
Physical sectors are tiny (one or two states), so a block-by-block loop over (gate block, theta
block) pairs costs one small BLAS call per pair — 300 per gate at χ = 400, mostly interpreter time.
Instead :meth:`BlockSparseBackend.two_site` does one matrix product per charge of the shared bond
and :meth:`BlockSparseBackend.apply_gate` one per pair of outer bond charges (q_l, q_r), with the
gate restricted to the total physical charge q_r − q_l (:class:`ChargedGate`). The sector SVDs and
QRs of one decomposition run on :func:`svd_workers` threads when they are large
(:data:`PARALLEL_SVD_MIN_WORK`), each on one BLAS thread: results do not depend on the thread count.
"""

from __future__ import annotations

import functools
import itertools
import os
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.linalg as sla

from states.conventions import FERMION_SITE_CHARGE_2SZ, FERMION_SITE_CHARGE_N, QUBIT_CHARGE_2SZ
from verify.linalg import GRAM_MAX_ASPECT, Split, _svd, blas_threads, decomposition_route, gram_svd, truncation_rank

if TYPE_CHECKING:
    from verify.mps import MPS

__all__ = [
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

Charge = tuple[int, ...]
Key = tuple[Charge, ...]

CHARGE_RULES = ("n_sz", "n", "none")
"""Supported charge sets: (N, 2S^z), (N,), none (dense as one block)."""

NONZERO_TOL: float = 1e-12
"""Entries below this fraction of a tensor's largest entry are treated as zero by ``from_dense``."""


PARALLEL_SVD_MIN_WORK: float = 2e6
"""Σ m n min(m, n) over the sector matrices of one SVD or QR above which they are decomposed on
:func:`svd_workers` threads (one BLAS thread each). Below it the pool's hand-off (~50 µs per task)
costs more than it saves; each SVD is single-threaded either way, so results do not depend on it."""


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=svd_workers(), thread_name_prefix="qstt-svd")


@functools.cache
def svd_workers() -> int:
    """Threads for the sector SVDs of a split: ``QSTT_SVD_THREADS`` if set, else the usable cores (≤ 8)."""
    value = os.environ.get("QSTT_SVD_THREADS")
    if value is not None:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"QSTT_SVD_THREADS must be a positive integer, got {value!r}")
        return int(value)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


_worker = threading.local()


def run_dataflow(func: Callable[[int], Any], dependencies: Sequence[Sequence[int]]) -> list[Any]:
    """``[func(k) for k in range(n)]`` on the :func:`svd_workers` threads, task k starting as soon
    as every task in ``dependencies[k]`` (all < k) has finished (call with one BLAS thread).

    There is no barrier between layers of gates: a gate of the next layer starts once the two
    gates that wrote its sites are done, so a thread never waits for the slowest gate of a layer.
    Each task sees exactly the inputs it would see run serially in index order, so the results
    are the same bits. Inside, :func:`_decompose_all` runs serially (the pool is never waited on
    from its own threads). The first exception is re-raised after every task has been accounted
    for; tasks not yet started when it happened are skipped.
    """
    n = len(dependencies)
    waiting = [len(set(deps)) for deps in dependencies]
    dependents: list[list[int]] = [[] for _ in range(n)]
    for k, deps in enumerate(dependencies):
        for j in set(deps):
            if not 0 <= j < k:
                raise ValueError(f"task {k} may only depend on earlier tasks, got {j}")
            dependents[j].append(k)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []
    lock = threading.Lock()
    finished = threading.Event()
    unfinished = [n]
    pool = _pool()

    def task(k: int) -> None:
        if not errors:
            _worker.busy = True
            try:
                results[k] = func(k)
            except BaseException as error:  # handed to the caller below
                errors.append(error)
            finally:
                _worker.busy = False
        with lock:
            ready = []
            for j in dependents[k]:
                waiting[j] -= 1
                if waiting[j] == 0:
                    ready.append(j)
            unfinished[0] -= 1
            if unfinished[0] == 0:
                finished.set()
        for j in ready:
            pool.submit(task, j)

    if n == 0:
        return []
    for k in [k for k in range(n) if waiting[k] == 0]:  # listed first: running tasks lower the counts
        pool.submit(task, k)
    finished.wait()
    if errors:
        raise errors[0]
    return results


def _decompose_all(func: Callable[[np.ndarray], Any], matrices: list[np.ndarray]) -> list[Any]:
    """``func`` (an SVD or QR of one sector matrix) on every matrix; large batches on threads
    (LAPACK releases the GIL).

    Each decomposition runs on one BLAS thread, so the factors are bit-identical to the serial ones
    whatever the number of threads (checkpoint resumption relies on determinism).
    """
    work = sum(m.shape[0] * m.shape[1] * min(m.shape) for m in matrices)
    if len(matrices) < 2 or work < PARALLEL_SVD_MIN_WORK or svd_workers() == 1 or getattr(_worker, "busy", False):
        return [func(m) for m in matrices]
    order = sorted(range(len(matrices)), key=lambda k: -matrices[k].size)  # biggest first: balance
    with blas_threads(1):
        results = dict(zip(order, _pool().map(func, [matrices[k] for k in order]), strict=True))
    return [results[k] for k in range(len(matrices))]


def _sector_decomposition(
    matrix: np.ndarray, *, side: str, gram: bool
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray | None]:
    """(U, s, V†) of one sector matrix: by :func:`verify.linalg.gram_svd` on ``side`` when ``gram``
    and its Gram matrix is not much wider than the matrix (:data:`verify.linalg.GRAM_MAX_ASPECT`),
    which leaves the other factor None; else a full thin SVD."""
    gram_dim, other_dim = matrix.shape[::-1] if side == "right" else matrix.shape
    if gram and gram_dim <= GRAM_MAX_ASPECT * other_dim:
        return gram_svd(matrix, side)
    return _svd(matrix)


def _qr(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Thin QR (numpy's releases the GIL, see :func:`verify.linalg._svd`)."""
    return np.linalg.qr(matrix, mode="reduced")


def physical_charges(d: int, charges: str) -> np.ndarray:
    """Charges of the local basis of dimension ``d`` (4: fermion site, 8: FM site), shape (d, n_q)."""
    if charges not in CHARGE_RULES:
        raise ValueError(f"charges must be one of {CHARGE_RULES}, got {charges!r}")
    if d == 4:
        n, sz = np.asarray(FERMION_SITE_CHARGE_N), np.asarray(FERMION_SITE_CHARGE_2SZ)
    elif d == 8:
        n = np.kron(FERMION_SITE_CHARGE_N, np.ones(2, dtype=int))
        sz = np.kron(FERMION_SITE_CHARGE_2SZ, np.ones(2, dtype=int)) + np.kron(np.ones(4, dtype=int), QUBIT_CHARGE_2SZ)
    else:
        raise ValueError(f"no local basis of dimension {d} (4: fermion site, 8: FM site)")
    cols = {"n_sz": [n, sz], "n": [n], "none": []}[charges]
    return np.stack(cols, axis=1).astype(np.int64) if cols else np.zeros((d, 0), dtype=np.int64)


@functools.lru_cache(maxsize=1 << 16)
def _add(a: Charge, b: Charge) -> Charge:
    # cached: a TEBD step adds the same few hundred charge pairs tens of thousands of times
    return tuple(x + y for x, y in zip(a, b, strict=True))


@functools.lru_cache(maxsize=1 << 16)
def _sub(a: Charge, b: Charge) -> Charge:
    return tuple(x - y for x, y in zip(a, b, strict=True))


class Leg:
    """Charges of the indices of one leg, shape (dim, n_q); sectors are computed once on demand."""

    __slots__ = ("_sectors", "_sizes", "charges")

    def __init__(self, charges: np.ndarray) -> None:
        c = np.asarray(charges, dtype=np.int64)
        if c.ndim != 2:
            raise ValueError(f"leg charges must have shape (dim, n_q), got {c.shape}")
        self.charges = c
        self._sectors: dict[Charge, np.ndarray] | None = None
        self._sizes: dict[Charge, int] | None = None

    @classmethod
    def from_sectors(cls, sectors: Sequence[tuple[Charge, int]], n_q: int) -> Leg:
        """A leg whose indices are grouped contiguously by charge (sizes given per sector)."""
        present = [(tuple(q), size) for q, size in sectors if size > 0]
        rows = [np.tile(np.asarray(q, dtype=np.int64), (size, 1)) for q, size in present]
        leg = cls(np.concatenate(rows, axis=0) if rows else np.zeros((0, n_q), dtype=np.int64))
        if len({q for q, _ in present}) == len(present):  # known already: skip the np.unique of .sectors
            bounds = np.cumsum([0] + [size for _, size in present])
            ranges = {q: np.arange(bounds[k], bounds[k + 1]) for k, (q, _) in enumerate(present)}
            leg._sectors = {q: ranges[q] for q in sorted(ranges)}  # the key order np.unique gives
        return leg

    @property
    def dim(self) -> int:
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

    def size(self, q: Charge) -> int:
        if self._sizes is None:
            self._sizes = {k: len(v) for k, v in self.sectors.items()}
        return self._sizes.get(q, 0)

    def same(self, other: Leg) -> bool:
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
        out = np.zeros(self.shape, dtype=complex)
        for key, block in self.blocks.items():
            out[np.ix_(*(leg.sectors[q] for leg, q in zip(self.legs, key, strict=True)))] = block
        return out


def _tensordot(x: ChargedTensor, ix: int, y: ChargedTensor, iy: int) -> ChargedTensor:
    """Contract leg ``ix`` of x with leg ``iy`` of y (opposite directions, equal charges)."""
    if not x.legs[ix].same(y.legs[iy]):
        raise ValueError(f"cannot contract legs with different charges (dims {x.legs[ix].dim}, {y.legs[iy].dim})")
    if x.signs[ix] != -y.signs[iy]:
        raise ValueError("contracted legs must have opposite directions")
    by_charge: dict[Charge, list[tuple[Key, np.ndarray]]] = defaultdict(list)
    for key in sorted(y.blocks):
        by_charge[key[iy]].append((key, y.blocks[key]))
    out: dict[Key, np.ndarray] = {}
    for kx in sorted(x.blocks):  # canonical summation order: results depend only on the blocks
        bx = x.blocks[kx]
        rest_x = kx[:ix] + kx[ix + 1 :]
        for ky, by in by_charge.get(kx[ix], ()):
            key = rest_x + ky[:iy] + ky[iy + 1 :]
            value = np.tensordot(bx, by, axes=(ix, iy))
            if key in out:
                out[key] += value
            else:
                out[key] = value
    legs = x.legs[:ix] + x.legs[ix + 1 :] + y.legs[:iy] + y.legs[iy + 1 :]
    signs = x.signs[:ix] + x.signs[ix + 1 :] + y.signs[:iy] + y.signs[iy + 1 :]
    return ChargedTensor(legs, signs, out)


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
        by_total: dict[Charge, list[tuple[Charge, Charge]]] = defaultdict(list)
        for q1 in sorted(p1.sectors):
            for q2 in sorted(p2.sectors):
                by_total[_add(q1, q2)].append((q1, q2))
        self.sectors: dict[Charge, tuple[list[tuple[Charge, Charge, int, int, int]], np.ndarray]] = {}
        for total, combos in by_total.items():
            pairs, index, off = [], [], 0
            for q1, q2 in combos:
                i1, i2 = p1.sectors[q1], p2.sectors[q2]
                pairs.append((q1, q2, len(i1), len(i2), off))
                index.append((i1[:, None] * p2.dim + i2[None, :]).ravel())
                off += len(i1) * len(i2)
            flat = np.concatenate(index)
            self.sectors[total] = (pairs, np.ascontiguousarray(dense[np.ix_(flat, flat)]))
        self.pair_offsets: dict[Charge, dict[tuple[Charge, Charge], tuple[int, int, int]]] = {
            total: {(q1, q2): (s1, s2, off) for q1, q2, s1, s2, off in pairs}
            for total, (pairs, _) in self.sectors.items()
        }


def _two_site_products(a: ChargedTensor, b: ChargedTensor) -> Iterator[tuple[Key, np.ndarray]]:
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
        product = np.concatenate([x.reshape(-1, x.shape[2]) for x in xs], axis=0) @ np.concatenate(
            [y.reshape(y.shape[0], -1) for y in ys], axis=1
        )
        i0 = 0
        for (ql, qp1, _), x in zip(by_k_rows[qk], xs, strict=True):
            n = x.shape[0] * x.shape[1]
            j0 = 0
            for (_, qp2, qr), y in zip(by_k_cols[qk], ys, strict=True):
                m = y.shape[1] * y.shape[2]
                yield (ql, qp1, qp2, qr), product[i0 : i0 + n, j0 : j0 + m]
                j0 += m
            i0 += n


class BlockSparseBackend:
    """:class:`verify.linalg.TensorBackend` on :class:`ChargedTensor` (module docstring).

    Parameters
    ----------
    charges : {"n_sz", "n", "none"}
        Conserved charges: (N, 2S^z) for the collinear PRX chain, N for the noncollinear one, none
        (a single block per tensor; the dense case).
    """

    SITE_SIGNS = (1, 1, -1)
    THETA_SIGNS = (1, 1, 1, -1)
    GATE_SIGNS = (1, 1, -1, -1)
    BOND_SIGNS = (1, -1)

    def __init__(self, charges: str = "n_sz") -> None:
        if charges not in CHARGE_RULES:
            raise ValueError(f"charges must be one of {CHARGE_RULES}, got {charges!r}")
        self.charges = charges
        self.n_q = {"n_sz": 2, "n": 1, "none": 0}[charges]
        self._physical: dict[int, Leg] = {}

    def __repr__(self) -> str:
        return f"BlockSparseBackend(charges={self.charges!r})"

    # ------------------------------------------------------------------ legs
    def physical_leg(self, d: int) -> Leg:
        """The (shared) leg of a local basis of dimension d."""
        if d not in self._physical:
            self._physical[d] = Leg(physical_charges(d, self.charges))
        return self._physical[d]

    def zero_leg(self, dim: int = 1) -> Leg:
        return Leg(np.zeros((dim, self.n_q), dtype=np.int64))

    def _infer_right(self, array: np.ndarray, left_charges: np.ndarray, tol: float) -> Leg:
        """Right-leg charges of a [rows, r] matrix whose row charges are ``left_charges`` (rows, n_q)."""
        n_r = array.shape[1]
        charges = np.zeros((n_r, self.n_q), dtype=np.int64)
        scale = float(np.max(np.abs(array))) if array.size else 0.0
        if scale == 0.0 or self.n_q == 0:
            return Leg(charges)
        nonzero = np.abs(array) > tol * scale
        occupied = nonzero.any(axis=0)
        big = np.iinfo(np.int64).max // 4
        for c in range(self.n_q):
            col = left_charges[:, c][:, None]
            lo = np.where(nonzero, col, big).min(axis=0)
            hi = np.where(nonzero, col, -big).max(axis=0)
            clash = occupied & (lo != hi)
            if clash.any():
                j = int(np.flatnonzero(clash)[0])
                raise ValueError(
                    f"dense tensor violates the charge rule: right index {j} has nonzero entries with "
                    f"charge component {c} between {int(lo[j])} and {int(hi[j])}"
                )
            charges[:, c] = np.where(occupied, lo, 0)
        return Leg(charges)

    # ------------------------------------------------------------------ TensorBackend
    def from_dense(
        self, array: np.ndarray, *, left: Leg | None = None, right: Leg | None = None, tol: float = NONZERO_TOL
    ) -> ChargedTensor:
        """A site tensor A[l, p, r] or two-site tensor theta[l, p1, p2, r] from a dense array.

        Parameters
        ----------
        array : ndarray
            3 or 4 legs; physical dimensions 4 or 8.
        left : Leg, optional
            Charges of the left leg (default: charge 0, only allowed for dimension 1).
        right : Leg, optional
            Charges of the right leg (default: inferred from the nonzero entries; all-zero columns
            get charge 0).
        tol : float
            Entries below ``tol``·max|array| count as zero.

        Raises
        ------
        ValueError
            Unknown shape, or nonzero entries that violate the charge rule (the right-leg charge
            of a column is not unique).
        """
        array = np.asarray(array, dtype=complex)
        if array.ndim not in (3, 4):
            raise ValueError(f"from_dense takes site (3 legs) or two-site (4 legs) tensors, got shape {array.shape}")
        if left is None:
            if array.shape[0] != 1:
                raise ValueError(f"left-leg charges are needed for a left bond of dimension {array.shape[0]} > 1")
            left = self.zero_leg(1)
        if left.dim != array.shape[0] or left.charges.shape[1] != self.n_q:
            raise ValueError(f"left leg has dim {left.dim} / {left.charges.shape[1]} charges, "
                             f"array needs {array.shape[0]} / {self.n_q}")
        phys = [self.physical_leg(d) for d in array.shape[1:-1]]
        rows = left.charges
        for leg in phys:
            rows = (rows[:, None, :] + leg.charges[None, :, :]).reshape(rows.shape[0] * leg.dim, self.n_q)
        if right is None:
            right = self._infer_right(array.reshape(-1, array.shape[-1]), rows, tol)
        signs = self.SITE_SIGNS if array.ndim == 3 else self.THETA_SIGNS
        return ChargedTensor.from_dense(array, (left, *phys, right), signs, tol=tol)

    def to_dense(self, tensor: ChargedTensor) -> np.ndarray:
        return tensor.to_dense()

    def shape(self, tensor: ChargedTensor) -> tuple[int, ...]:
        return tensor.shape

    def two_site(self, a: ChargedTensor, b: ChargedTensor) -> ChargedTensor:
        """theta[l, p1, p2, r] = Σ_k a[l, p1, k] b[k, p2, r]: one matrix product per charge of k."""
        out: dict[Key, np.ndarray] = {}
        for (ql, qp1, qp2, qr), view in _two_site_products(a, b):
            nl, np1, np2, nr = a.legs[0].size(ql), a.legs[1].size(qp1), b.legs[1].size(qp2), b.legs[2].size(qr)
            out[(ql, qp1, qp2, qr)] = view.reshape(nl, np1, np2, nr)
        return ChargedTensor((a.legs[0], a.legs[1], b.legs[1], b.legs[2]), self.THETA_SIGNS, out)

    def gate(self, matrix: np.ndarray, d1: int, d2: int) -> ChargedGate:
        """A charge-conserving (d1 d2)×(d1 d2) matrix as G[p1', p2', p1, p2] (ValueError if it is not)."""
        if matrix.shape != (d1 * d2, d1 * d2):
            raise ValueError(f"gate matrix has shape {matrix.shape}, expected {(d1 * d2,) * 2}")
        p1, p2 = self.physical_leg(d1), self.physical_leg(d2)
        dense = np.asarray(matrix, dtype=complex).reshape(d1, d2, d1, d2)
        return ChargedGate(ChargedTensor.from_dense(dense, (p1, p2, p1, p2), self.GATE_SIGNS))

    def apply_gate(self, gate: ChargedGate, theta: ChargedTensor) -> ChargedTensor:
        """theta'[l, p1', p2', r] = Σ G[p1', p2', p1, p2] theta[l, p1, p2, r].

        One matrix product per pair of bond charges (q_l, q_r): the gate acts within the sector of
        total physical charge q_r − q_l, on all its (p1, p2) blocks at once (stacked), so the number
        of BLAS calls grows with the number of bond sectors, not with the number of blocks.
        """
        if not (gate.tensor.legs[2].same(theta.legs[1]) and gate.tensor.legs[3].same(theta.legs[2])):
            raise ValueError("gate and two-site tensor have different physical legs")
        l_leg, r_leg = theta.legs[0], theta.legs[3]
        groups: dict[tuple[Charge, Charge], dict[tuple[Charge, Charge], np.ndarray]] = defaultdict(dict)
        for (ql, qp1, qp2, qr), block in theta.blocks.items():
            groups[(ql, qr)][(qp1, qp2)] = block
        out: dict[Key, np.ndarray] = {}
        for ql, qr in sorted(groups):
            present = groups[(ql, qr)]
            pairs, matrix = gate.sectors[_sub(qr, ql)]
            nl, nr = l_leg.size(ql), r_leg.size(qr)
            stack = np.zeros((matrix.shape[0], nl, nr), dtype=complex)
            for qp1, qp2, s1, s2, off in pairs:
                block = present.get((qp1, qp2))
                if block is not None:
                    stack[off : off + s1 * s2].reshape(s1, s2, nl, nr)[...] = block.transpose(1, 2, 0, 3)
            result = (matrix @ stack.reshape(matrix.shape[0], nl * nr)).reshape(-1, nl, nr)
            for qp1, qp2, s1, s2, off in pairs:
                out[(ql, qp1, qp2, qr)] = result[off : off + s1 * s2].reshape(s1, s2, nl, nr).transpose(2, 0, 1, 3)
        return ChargedTensor((l_leg, gate.tensor.legs[0], gate.tensor.legs[1], r_leg), self.THETA_SIGNS, out)

    def split(self, theta: ChargedTensor, *, chi_max: int, trunc: float, absorb: str) -> Split:
        """Blockwise SVD of theta between (l, p1) and (p2, r) with global truncation (module docstring)."""
        if absorb not in ("left", "right"):
            raise ValueError(f"absorb must be 'left' or 'right', got {absorb!r}")
        return self._split(theta, chi_max=chi_max, trunc=trunc, absorb=absorb, left_values=None)

    def split_vidal(self, c: ChargedTensor, left_values: np.ndarray, *, chi_max: int, trunc: float) -> Split:
        """The bond update of TEBD in Vidal's B form (see :meth:`verify.linalg.DenseBackend.split_vidal`)."""
        if left_values.shape != (c.legs[0].dim,):
            raise ValueError(f"left_values has shape {left_values.shape}, the left leg has dimension {c.legs[0].dim}")
        return self._split(c, chi_max=chi_max, trunc=trunc, absorb="vidal", left_values=left_values)

    @staticmethod
    def _offsets(
        rows: dict[Charge, dict[tuple[Charge, Charge], int]],
        cols: dict[Charge, dict[tuple[Charge, Charge], int]],
        legs: tuple[Leg, Leg, Leg, Leg],
    ) -> dict[Charge, tuple[dict, int, dict, int]]:
        """Row offsets of every (q_l, q_p1) and column offsets of every (q_p2, q_r) in the matrix of
        each new-bond charge q_k (sorted keys: a canonical layout)."""
        l_leg, p1_leg, p2_leg, r_leg = legs
        offsets: dict[Charge, tuple[dict, int, dict, int]] = {}
        for qk in sorted(rows):
            r_off, n = {}, 0
            for ql, qp1 in sorted(rows[qk]):
                r_off[(ql, qp1)] = (n, l_leg.size(ql), p1_leg.size(qp1))
                n += l_leg.size(ql) * p1_leg.size(qp1)
            c_off, m = {}, 0
            for qp2, qr in sorted(cols[qk]):
                c_off[(qp2, qr)] = (m, p2_leg.size(qp2), r_leg.size(qr))
                m += p2_leg.size(qp2) * r_leg.size(qr)
            offsets[qk] = (r_off, n, c_off, m)
        return offsets

    def _split(
        self, theta: ChargedTensor, *, chi_max: int, trunc: float, absorb: str, left_values: np.ndarray | None
    ) -> Split:
        # sectors of the new bond: q_k = q_l + q_p1 = q_r − q_p2
        rows: dict[Charge, dict[tuple[Charge, Charge], int]] = defaultdict(dict)
        cols: dict[Charge, dict[tuple[Charge, Charge], int]] = defaultdict(dict)
        for ql, qp1, qp2, qr in theta.blocks:
            qk = _add(ql, qp1)
            rows[qk].setdefault((ql, qp1), 0)
            cols[qk].setdefault((qp2, qr), 0)
        offsets = self._offsets(rows, cols, theta.legs)
        matrices = {qk: np.zeros((n, m), dtype=complex) for qk, (_, n, _, m) in offsets.items()}
        for (ql, qp1, qp2, qr), block in theta.blocks.items():
            qk = _add(ql, qp1)
            r_off, _, c_off, _ = offsets[qk]
            i0, nl, np1 = r_off[(ql, qp1)]
            j0, np2, nr = c_off[(qp2, qr)]
            matrices[qk][i0 : i0 + nl * np1, j0 : j0 + np2 * nr] = block.reshape(nl * np1, np2 * nr)
        return self._decompose(matrices, offsets, theta.legs, chi_max=chi_max, trunc=trunc, absorb=absorb,
                               left_values=left_values)

    def update_vidal(
        self, a: ChargedTensor, b: ChargedTensor, gate: ChargedGate, left_values: np.ndarray, *, chi_max: int,
        trunc: float,
    ) -> Split:
        """``split_vidal(apply_gate(gate, two_site(a, b)), left_values)`` in one pass.

        The two-site products (one per charge of the shared bond) are cut into the stacks of each
        pair of outer charges (q_l, q_r), the gate acts on each stack with one matrix product, and
        the result is written straight into the matrices of the new bond's charges — no
        intermediate block dictionaries (``tests/test_blocksparse.py`` checks it against the
        three separate steps).
        """
        if not (gate.tensor.legs[2].same(a.legs[1]) and gate.tensor.legs[3].same(b.legs[1])):
            raise ValueError("gate and site tensors have different physical legs")
        l_leg, r_leg = a.legs[0], b.legs[2]
        legs = (l_leg, gate.tensor.legs[0], gate.tensor.legs[1], r_leg)
        if left_values.shape != (l_leg.dim,):
            raise ValueError(f"left_values has shape {left_values.shape}, the left leg has dimension {l_leg.dim}")
        groups: dict[tuple[Charge, Charge], list[tuple[Charge, Charge, np.ndarray]]] = defaultdict(list)
        for (ql, qp1, qp2, qr), view in _two_site_products(a, b):
            groups[(ql, qr)].append((qp1, qp2, view))
        rows: dict[Charge, dict[tuple[Charge, Charge], int]] = defaultdict(dict)
        cols: dict[Charge, dict[tuple[Charge, Charge], int]] = defaultdict(dict)
        gated: list[tuple[Charge, Charge, list, np.ndarray]] = []
        for ql, qr in sorted(groups):
            pairs, matrix = gate.sectors[_sub(qr, ql)]
            where = gate.pair_offsets[_sub(qr, ql)]
            nl, nr = l_leg.size(ql), r_leg.size(qr)
            stack = np.zeros((matrix.shape[0], nl, nr), dtype=complex)
            for qp1, qp2, view in groups[(ql, qr)]:
                s1, s2, off = where[(qp1, qp2)]
                if s1 == s2 == 1:  # most physical sectors are one state: one copy, no reshapes
                    stack[off] = view
                else:
                    stack[off : off + s1 * s2].reshape(s1, s2, nl, nr)[...] = view.reshape(
                        nl, s1, s2, nr).transpose(1, 2, 0, 3)
            gated.append((ql, qr, pairs, (matrix @ stack.reshape(matrix.shape[0], nl * nr)).reshape(-1, nl, nr)))
            for qp1, qp2, _, _, _ in pairs:
                qk = _add(ql, qp1)
                rows[qk].setdefault((ql, qp1), 0)
                cols[qk].setdefault((qp2, qr), 0)
        offsets = self._offsets(rows, cols, legs)
        matrices = {qk: np.zeros((n, m), dtype=complex) for qk, (_, n, _, m) in offsets.items()}
        for ql, qr, pairs, result in gated:
            nl, nr = result.shape[1], result.shape[2]
            for qp1, qp2, s1, s2, off in pairs:
                qk = _add(ql, qp1)
                r_off, _, c_off, _ = offsets[qk]
                i0 = r_off[(ql, qp1)][0]
                j0 = c_off[(qp2, qr)][0]
                if s1 == s2 == 1:
                    matrices[qk][i0 : i0 + nl, j0 : j0 + nr] = result[off]
                else:
                    matrices[qk][i0 : i0 + nl * s1, j0 : j0 + s2 * nr] = result[off : off + s1 * s2].reshape(
                        s1, s2, nl, nr).transpose(2, 0, 1, 3).reshape(nl * s1, s2 * nr)
        return self._decompose(matrices, offsets, legs, chi_max=chi_max, trunc=trunc, absorb="vidal",
                               left_values=left_values)

    def _decompose(
        self,
        matrices: dict[Charge, np.ndarray],
        offsets: dict[Charge, tuple[dict, int, dict, int]],
        legs: tuple[Leg, Leg, Leg, Leg],
        *,
        chi_max: int,
        trunc: float,
        absorb: str,
        left_values: np.ndarray | None,
    ) -> Split:
        """Decomposition of every new-bond sector matrix (SVD or Gram route), global truncation, and the two
        factors as tensors."""
        l_leg, p1_leg, p2_leg, r_leg = legs
        sectors = list(matrices)
        if left_values is None:
            to_decompose = [matrices[qk] for qk in sectors]
        else:  # θ = Λ_left · C: scale the rows (l, p1) by the Schmidt values of their left index
            to_decompose = []
            for qk in sectors:
                scale = np.concatenate([np.repeat(left_values[l_leg.sectors[ql]], np1)
                                        for (ql, _), (_, _, np1) in offsets[qk][0].items()])
                to_decompose.append(matrices[qk] * scale.astype(complex)[:, None])  # complex: no casting loop
        # the isometric factor: V† (B form, or s absorbed to the left) or U (s absorbed to the right)
        side = "left" if absorb == "right" else "right"
        route = functools.partial(_sector_decomposition, side=side, gram=decomposition_route(trunc) == "gram")
        decomps = _decompose_all(route, to_decompose)
        if not decomps:
            raise ValueError("cannot split a zero tensor (the state has vanished)")
        s_all = np.concatenate([s for _, s, _ in decomps])
        labels = np.concatenate([np.full(len(s), k) for k, (_, s, _) in enumerate(decomps)])
        order = np.argsort(-s_all, kind="stable")
        s_sorted = s_all[order]
        keep, discarded = truncation_rank(s_sorted, chi_max=chi_max, trunc=trunc)
        factor = np.sqrt(np.sum(s_sorted**2)) / np.sqrt(np.sum(s_sorted[:keep] ** 2))
        counts = np.bincount(labels[order[:keep]], minlength=len(sectors))
        new_sectors = [(qk, int(c)) for qk, c in zip(sectors, counts, strict=True) if c > 0]
        k_leg = Leg.from_sectors(new_sectors, self.n_q)
        left_blocks: dict[Key, np.ndarray] = {}
        right_blocks: dict[Key, np.ndarray] = {}
        bond_values = []
        for k, (qk, (u, s, vh), c) in enumerate(zip(sectors, decomps, counts, strict=True)):
            if c == 0:
                continue
            s_kept = s[:c] * factor
            bond_values.append(s_kept)
            if absorb == "right":
                u = u[:, :c]
                vh = s_kept[:, None] * vh[:c] if vh is not None else (u.conj().T @ to_decompose[k]) * factor
            elif absorb == "left":
                vh = vh[:c]
                u = u[:, :c] * s_kept[None, :] if u is not None else (to_decompose[k] @ vh.conj().T) * factor
            else:  # Vidal: B_left = C · V (no division by Λ_left), renormalized like s
                vh = vh[:c]
                u = (matrices[qk] @ vh.conj().T) * factor
            r_off, _, c_off, _ = offsets[qk]
            for (ql, qp1), (i0, nl, np1) in r_off.items():
                left_blocks[(ql, qp1, qk)] = np.ascontiguousarray(u[i0 : i0 + nl * np1].reshape(nl, np1, c))
            for (qp2, qr), (j0, np2, nr) in c_off.items():
                right_blocks[(qk, qp2, qr)] = np.ascontiguousarray(vh[:, j0 : j0 + np2 * nr].reshape(c, np2, nr))
        return Split(
            left=ChargedTensor((l_leg, p1_leg, k_leg), self.SITE_SIGNS, left_blocks),
            right=ChargedTensor((k_leg, p2_leg, r_leg), self.SITE_SIGNS, right_blocks),
            singular_values=s_sorted[:keep] * factor,
            discarded=discarded,
            bond_values=np.concatenate(bond_values),
        )

    def qr_left(self, a: ChargedTensor) -> tuple[ChargedTensor, ChargedTensor]:
        """a[l, p, r] = Σ_k q[l, p, k] r[k, r], q left-isometric; one QR per charge of r."""
        l_leg, p_leg, r_leg = a.legs
        groups: dict[Charge, list[tuple[Key, np.ndarray]]] = defaultdict(list)
        for key, block in a.blocks.items():
            groups[key[2]].append((key, block))
        q_blocks: dict[Key, np.ndarray] = {}
        r_blocks: dict[Key, np.ndarray] = {}
        sectors = []
        charges = sorted(groups)
        all_items = [sorted(groups[qr], key=lambda kb: kb[0]) for qr in charges]
        stacked = [np.concatenate([b.reshape(-1, b.shape[2]) for _, b in items], axis=0) for items in all_items]
        for qr, items, (q, r) in zip(charges, all_items, _decompose_all(_qr, stacked), strict=True):
            k = q.shape[1]
            sectors.append((qr, k))
            i0 = 0
            for (ql, qp, _), b in items:
                n = b.shape[0] * b.shape[1]
                q_blocks[(ql, qp, qr)] = q[i0 : i0 + n].reshape(b.shape[0], b.shape[1], k)
                i0 += n
            r_blocks[(qr, qr)] = r
        k_leg = Leg.from_sectors(sectors, a.n_q)
        return (ChargedTensor((l_leg, p_leg, k_leg), self.SITE_SIGNS, q_blocks),
                ChargedTensor((k_leg, r_leg), self.BOND_SIGNS, r_blocks))

    def lq_right(self, a: ChargedTensor) -> tuple[ChargedTensor, ChargedTensor]:
        """a[l, p, r] = Σ_k l[l, k] q[k, p, r], q right-isometric; one LQ per charge of l."""
        l_leg, p_leg, r_leg = a.legs
        groups: dict[Charge, list[tuple[Key, np.ndarray]]] = defaultdict(list)
        for key, block in a.blocks.items():
            groups[key[0]].append((key, block))
        q_blocks: dict[Key, np.ndarray] = {}
        l_blocks: dict[Key, np.ndarray] = {}
        sectors = []
        charges = sorted(groups)
        all_items = [sorted(groups[ql], key=lambda kb: kb[0]) for ql in charges]
        stacked = [np.concatenate([b.reshape(b.shape[0], -1) for _, b in items], axis=1).T for items in all_items]
        for ql, items, (q, r) in zip(charges, all_items, _decompose_all(_qr, stacked), strict=True):
            q = q.T
            k = q.shape[0]
            sectors.append((ql, k))
            j0 = 0
            for (_, qp, qr), b in items:
                n = b.shape[1] * b.shape[2]
                q_blocks[(ql, qp, qr)] = q[:, j0 : j0 + n].reshape(k, b.shape[1], b.shape[2])
                j0 += n
            l_blocks[(ql, ql)] = r.T
        k_leg = Leg.from_sectors(sectors, a.n_q)
        return (ChargedTensor((l_leg, k_leg), self.BOND_SIGNS, l_blocks),
                ChargedTensor((k_leg, p_leg, r_leg), self.SITE_SIGNS, q_blocks))

    def absorb_left(self, r: ChargedTensor, a: ChargedTensor) -> ChargedTensor:
        """Σ_k r[l, k] a[k, p, r] for a block-diagonal bond matrix r (from :meth:`qr_left`/:meth:`lq_right`)."""
        if not r.legs[1].same(a.legs[0]):
            raise ValueError(f"cannot contract legs with different charges (dims {r.legs[1].dim}, {a.legs[0].dim})")
        out: dict[Key, np.ndarray] = {}
        for (ql, qp, qr), block in a.blocks.items():
            m = r.blocks.get((ql, ql))
            if m is not None:
                out[(ql, qp, qr)] = (m @ block.reshape(block.shape[0], -1)).reshape(m.shape[0], *block.shape[1:])
        return ChargedTensor((r.legs[0], a.legs[1], a.legs[2]), self.SITE_SIGNS, out)

    def absorb_right(self, a: ChargedTensor, r: ChargedTensor) -> ChargedTensor:
        """Σ_k a[l, p, k] r[k, r] for a block-diagonal bond matrix r (from :meth:`qr_left`/:meth:`lq_right`)."""
        if not a.legs[2].same(r.legs[0]):
            raise ValueError(f"cannot contract legs with different charges (dims {a.legs[2].dim}, {r.legs[0].dim})")
        out: dict[Key, np.ndarray] = {}
        for (ql, qp, qr), block in a.blocks.items():
            m = r.blocks.get((qr, qr))
            if m is not None:
                out[(ql, qp, qr)] = (block.reshape(-1, block.shape[2]) @ m).reshape(*block.shape[:2], m.shape[1])
        return ChargedTensor((a.legs[0], a.legs[1], r.legs[1]), self.SITE_SIGNS, out)

    def singular_values(self, r: ChargedTensor) -> np.ndarray:
        """Singular values of a (block-diagonal) bond matrix, descending."""
        values = [sla.svd(b, compute_uv=False, check_finite=False) for b in r.blocks.values() if b.size]
        s = np.concatenate(values) if values else np.zeros(0)
        return np.sort(s)[::-1]

    def norm(self, tensor: ChargedTensor) -> float:
        return float(np.sqrt(sum(float(np.vdot(b, b).real) for _, b in sorted(tensor.blocks.items()))))


def to_charged_mps(mps: MPS, backend: BlockSparseBackend, *, tol: float = NONZERO_TOL) -> MPS:
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
    tol : float
        Relative weight above which a second total-charge sector makes the state unacceptable.

    Raises
    ------
    ValueError
        The state is not an eigenstate of the conserved charges (its weight is spread over more
        than one total charge by more than ``tol``).
    """
    from verify.linalg import SVD_FLOOR
    from verify.mps import MPS

    n_q = backend.n_q
    carry = np.ones((1, 1), dtype=complex)
    left = backend.zero_leg(1)
    tensors = []
    for i, t in enumerate(mps.tensors):
        a = mps.backend.to_dense(t)
        d = a.shape[1]
        m = np.tensordot(carry, a, axes=(1, 0))  # [l, p, r_old]
        phys = backend.physical_leg(d)
        row_charges = (left.charges[:, None, :] + phys.charges[None, :, :]).reshape(left.dim * d, n_q)
        rows = Leg(row_charges).sectors
        flat = m.reshape(left.dim * d, -1)
        decomps = {q: _svd(flat[idx]) for q, idx in sorted(rows.items())}
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


def restore_charged_mps(tensors: Sequence[np.ndarray], center: int | None, backend: BlockSparseBackend) -> MPS:
    """Charged MPS back from the dense tensors of a charged MPS (checkpoints), bit for bit.

    Each tensor is cut into blocks directly (:meth:`BlockSparseBackend.from_dense` with the right-leg
    charges inferred from the exactly nonzero entries, ``tol = 0``), so the blocks equal the stored
    ones exactly. Use :func:`to_charged_mps` for a dense MPS whose bonds may mix charges.
    """
    from verify.mps import MPS

    out = []
    left = None
    for a in tensors:
        t = backend.from_dense(np.asarray(a), left=left, tol=0.0)
        out.append(t)
        left = t.legs[2]
    return MPS(out, center=center, backend=backend)
