"""Block-sparse MPS tensors behind the :class:`verify.tensors.TensorBackend` interface.

:class:`BlockSparseBackend` stores every tensor as a :class:`verify.tensors.ChargedTensor` (legs
with integer charges, see :mod:`verify.tensors.charged`) conserving the charges it is given by NAME,
e.g. ``("N", "2Sz")``, ``("N",)`` or ``()`` (no charge: a single block per tensor, the dense evolver as
the trivial-charge case of the same code). The charge values of a local basis come from outside — a
chain model's sites (:meth:`verify.models.ChainModel.site_charges`) — through
:meth:`BlockSparseBackend.physical_leg`; this module never derives them from a local dimension.

Bond charges are inferred: :meth:`BlockSparseBackend.from_dense` takes the physical legs, the charges
of the left leg (``left=``; default 0 for a left leg of dimension 1) and determines the right-leg
charge of every column from its nonzero entries; a column whose nonzero entries disagree raises
ValueError. A whole MPS is converted left to right by :func:`verify.mps.to_charged_mps`.

Decompositions work block by block (:mod:`verify.tensors.blocksparse_split`): the charges are
conserved to round-off at any truncation (the dense backend lets charge noise grow).

Cost layout
-----------
Physical sectors are tiny (one or two states), so a block-by-block loop over (gate block, theta
block) pairs costs one small BLAS call per pair — 300 per gate at χ = 400, mostly interpreter time.
Instead :meth:`BlockSparseBackend.two_site` does one matrix product per charge of the shared bond
and :meth:`BlockSparseBackend.apply_gate` one per pair of outer bond charges (q_l, q_r), with the
gate restricted to the total physical charge q_r − q_l (:class:`verify.tensors.ChargedGate`). The
sector SVDs and QRs of one decomposition run on :func:`verify.tensors.svd_workers` threads when they
are large (:data:`verify.tensors.PARALLEL_SVD_MIN_WORK`), each on one BLAS thread: results do not
depend on the thread count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import scipy.linalg as sla

from verify.tensors import blocksparse_env
from verify.tensors.blocksparse_split import decompose, gated_matrices, theta_matrices
from verify.tensors.charged import (
    BOND_SIGNS,
    GATE_SIGNS,
    NONZERO_TOL,
    SITE_SIGNS,
    THETA_SIGNS,
    Charge,
    ChargedGate,
    ChargedTensor,
    Key,
    Leg,
    RestrictedOperator,
    sub_charges,
    two_site_products,
)
from verify.tensors.decompositions import Split, thin_qr
from verify.tensors.threads import decompose_all

__all__ = ["CHARGE_RULES", "BlockSparseBackend", "charge_names"]


def _r_factor(matrix: np.ndarray) -> np.ndarray:
    """R of the thin QR alone (numpy's releases the GIL; the same geqrf as :func:`thin_qr`)."""
    return np.linalg.qr(matrix, mode="r")

CHARGE_RULES: dict[str, tuple[str, ...]] = {"n_sz": ("N", "2Sz"), "n": ("N",), "none": ()}
"""Legacy names of charge sets, kept working: (N, 2S^z), (N,), none (dense as one block)."""


def charge_names(charges: str | Sequence[str]) -> tuple[str, ...]:
    """The names of the conserved charges: a tuple of distinct non-empty strings, or a legacy rule
    name of :data:`CHARGE_RULES`.

    Raises
    ------
    TypeError
        Unless ``charges`` is a string or a sequence of strings.
    ValueError
        For an unknown rule name, an empty or repeated charge name.
    """
    if isinstance(charges, str):
        if charges not in CHARGE_RULES:
            raise ValueError(
                f"charges must be a tuple of charge names such as ('N', '2Sz') or one of {tuple(CHARGE_RULES)}, "
                f"got {charges!r}"
            )
        return CHARGE_RULES[charges]
    if not isinstance(charges, Sequence) or not all(isinstance(name, str) for name in charges):
        raise TypeError(f"charges must be a tuple of charge names (strings), got {charges!r}")
    names = tuple(charges)
    if any(not name for name in names) or len(set(names)) != len(names):
        raise ValueError(f"charge names must be distinct and non-empty, got {names!r}")
    return names


class BlockSparseBackend:
    """:class:`verify.tensors.TensorBackend` on :class:`verify.tensors.ChargedTensor` (module docstring).

    Parameters
    ----------
    charges : tuple of str, or {"n_sz", "n", "none"}
        Names of the conserved charges, e.g. ``("N", "2Sz")`` for the collinear PRX chain, ``("N",)``
        for the noncollinear one, ``()`` for none (a single block per tensor; the dense case). The
        legacy names map to these three.

    Attributes
    ----------
    charges : tuple of str
        The charge names; the physical legs carry their values in this order.
    n_q : int
        Number of charges.
    """

    SITE_SIGNS = SITE_SIGNS
    THETA_SIGNS = THETA_SIGNS
    GATE_SIGNS = GATE_SIGNS
    BOND_SIGNS = BOND_SIGNS

    def __init__(self, charges: str | Sequence[str]) -> None:
        self.charges = charge_names(charges)
        self.n_q = len(self.charges)
        self._physical: dict[tuple[tuple[int, ...], bytes], Leg] = {}

    def __repr__(self) -> str:
        return f"BlockSparseBackend(charges={self.charges!r})"

    # ------------------------------------------------------------------ legs
    def physical_leg(self, charges: np.ndarray) -> Leg:
        """The (shared) physical leg of a local basis whose states carry ``charges``.

        Parameters
        ----------
        charges : ndarray of int, shape (d, n_q)
            Charge of every basis state, columns in the order of :attr:`charges` (a chain model
            gives them per site: ``model.chain().site_charges()``). Legs are cached by content, so
            two sites with the same charges share one leg and two local spaces of equal dimension
            but different charges (a fermion site and a spin 3/2) get different legs.

        Raises
        ------
        TypeError
            Unless ``charges`` is an integer array (a local dimension is not enough: the charges
            come from the model).
        ValueError
            Unless it has shape (d, n_q) with d >= 1.
        """
        c = np.asarray(charges)
        if c.ndim == 0 or (c.dtype.kind not in "iu" and c.size):  # a local dimension, or non-integer charges
            raise TypeError(f"physical_leg takes the integer charges of the local basis, shape (d, {self.n_q}); "
                            f"got {charges!r}")
        if c.ndim != 2 or c.shape[0] < 1 or c.shape[1] != self.n_q:
            raise ValueError(f"physical charges must have shape (d, {self.n_q}) for charges {self.charges}, "
                             f"got shape {c.shape}")
        c = np.ascontiguousarray(c, dtype=np.int64)
        key = (c.shape, c.tobytes())
        if key not in self._physical:
            self._physical[key] = Leg(c)
        return self._physical[key]

    def zero_leg(self, dim: int = 1) -> Leg:
        """A leg of dimension ``dim`` whose indices all carry charge 0."""
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

    def _check_legs(self, array: np.ndarray, physical: Sequence[Leg] | None, left: Leg) -> None:
        if physical is None:
            raise ValueError("from_dense needs the physical legs: physical=(leg, ...) from physical_leg(charges)")
        if not all(isinstance(leg, Leg) for leg in physical):
            raise TypeError(f"physical must hold Leg objects (physical_leg(charges)), got {physical!r}")
        if len(physical) != array.ndim - 2:
            raise ValueError(f"an array of shape {array.shape} needs {array.ndim - 2} physical leg(s), "
                             f"got {len(physical)}")
        for k, leg in enumerate(physical):
            if leg.dim != array.shape[1 + k] or leg.charges.shape[1] != self.n_q:
                raise ValueError(f"physical leg {k} has dim {leg.dim} / {leg.charges.shape[1]} charges, "
                                 f"array needs {array.shape[1 + k]} / {self.n_q}")
        if left.dim != array.shape[0] or left.charges.shape[1] != self.n_q:
            raise ValueError(f"left leg has dim {left.dim} / {left.charges.shape[1]} charges, "
                             f"array needs {array.shape[0]} / {self.n_q}")

    # ------------------------------------------------------------------ TensorBackend
    def from_dense(
        self,
        array: np.ndarray,
        *,
        physical: Sequence[Leg] | None = None,
        left: Leg | None = None,
        right: Leg | None = None,
        tol: float = NONZERO_TOL,
    ) -> ChargedTensor:
        """A site tensor A[l, p, r] or two-site tensor theta[l, p1, p2, r] from a dense array.

        Parameters
        ----------
        array : ndarray
            3 or 4 legs.
        physical : sequence of Leg
            The physical legs (one for a site tensor, two for a two-site tensor), from
            :meth:`physical_leg` or :meth:`physical`. Required.
        left : Leg, optional
            Charges of the left leg (default: charge 0, only allowed for dimension 1).
        right : Leg, optional
            Charges of the right leg (default: inferred from the nonzero entries; all-zero columns
            get charge 0).
        tol : float
            Entries below ``tol``·max|array| count as zero.

        Raises
        ------
        TypeError
            When ``physical`` holds something else than :class:`Leg` objects.
        ValueError
            Unknown shape, missing or mismatched physical legs, or nonzero entries that violate the
            charge rule (the right-leg charge of a column is not unique).
        """
        array = np.asarray(array, dtype=complex)
        if array.ndim not in (3, 4):
            raise ValueError(f"from_dense takes site (3 legs) or two-site (4 legs) tensors, got shape {array.shape}")
        if left is None:
            if array.shape[0] != 1:
                raise ValueError(f"left-leg charges are needed for a left bond of dimension {array.shape[0]} > 1")
            left = self.zero_leg(1)
        self._check_legs(array, physical, left)
        rows = left.charges
        for leg in physical:  # type: ignore[union-attr]
            rows = (rows[:, None, :] + leg.charges[None, :, :]).reshape(rows.shape[0] * leg.dim, self.n_q)
        if right is None:
            right = self._infer_right(array.reshape(-1, array.shape[-1]), rows, tol)
        signs = self.SITE_SIGNS if array.ndim == 3 else self.THETA_SIGNS
        return ChargedTensor.from_dense(array, (left, *physical, right), signs, tol=tol)  # type: ignore[misc]

    def to_dense(self, tensor: ChargedTensor) -> np.ndarray:
        return tensor.to_dense()

    def shape(self, tensor: ChargedTensor) -> tuple[int, ...]:
        return tensor.shape

    def physical(self, tensor: ChargedTensor) -> Leg:
        """The physical leg of a site tensor A[l, p, r] (the block-sparse physical leg spec)."""
        return tensor.legs[1]

    def two_site(self, a: ChargedTensor, b: ChargedTensor) -> ChargedTensor:
        """theta[l, p1, p2, r] = Σ_k a[l, p1, k] b[k, p2, r]: one matrix product per charge of k."""
        out: dict[Key, np.ndarray] = {}
        for (ql, qp1, qp2, qr), view in two_site_products(a, b):
            nl, np1, np2, nr = a.legs[0].size(ql), a.legs[1].size(qp1), b.legs[1].size(qp2), b.legs[2].size(qr)
            out[(ql, qp1, qp2, qr)] = view.reshape(nl, np1, np2, nr)
        return ChargedTensor((a.legs[0], a.legs[1], b.legs[1], b.legs[2]), self.THETA_SIGNS, out)

    def gate(self, matrix: np.ndarray, p1: Leg, p2: Leg) -> ChargedGate:
        """A charge-conserving (d1 d2)×(d1 d2) matrix as G[p1', p2', p1, p2] on the physical legs ``p1``,
        ``p2`` (from :meth:`physical`); ValueError if it does not conserve the charges."""
        if not (isinstance(p1, Leg) and isinstance(p2, Leg)):
            raise TypeError(
                f"gate takes the physical legs of the two sites (backend.physical(tensor)), got {p1!r}, {p2!r}"
            )
        d1, d2 = p1.dim, p2.dim
        if matrix.shape != (d1 * d2, d1 * d2):
            raise ValueError(f"gate matrix has shape {matrix.shape}, expected {(d1 * d2,) * 2}")
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
            pairs, matrix = gate.sectors[sub_charges(qr, ql)]
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
        """The bond update of TEBD in Vidal's B form (see :meth:`verify.tensors.DenseBackend.split_vidal`)."""
        if left_values.shape != (c.legs[0].dim,):
            raise ValueError(f"left_values has shape {left_values.shape}, the left leg has dimension {c.legs[0].dim}")
        return self._split(c, chi_max=chi_max, trunc=trunc, absorb="vidal", left_values=left_values)

    def _split(
        self, theta: ChargedTensor, *, chi_max: int, trunc: float, absorb: str, left_values: np.ndarray | None
    ) -> Split:
        matrices, offsets = theta_matrices(theta)
        return decompose(matrices, offsets, theta.legs, n_q=self.n_q, chi_max=chi_max, trunc=trunc, absorb=absorb,
                         left_values=left_values)

    def update_vidal(
        self, a: ChargedTensor, b: ChargedTensor, gate: ChargedGate, left_values: np.ndarray, *, chi_max: int,
        trunc: float, measure_rows: RestrictedOperator | None = None,
    ) -> Split:
        """``split_vidal(apply_gate(gate, two_site(a, b)), left_values)`` in one pass.

        The gate is applied on the way into the matrices of the new bond's charges
        (:func:`verify.tensors.blocksparse_split.gated_matrices`) — no intermediate block
        dictionaries (``tests/verify/tensors/test_blocksparse.py`` checks it against the three separate steps).
        With ``measure_rows`` (an operator M restricted by total charge,
        :func:`verify.tensors.charged.restricted_by_total`) the split's ``observed`` holds the rows of its
        expectation in θ = a b before the gate (:data:`verify.tensors.blocksparse_stacks.RowValues`), the
        bits of :func:`verify.tensors.blocksparse_stacks.bond_rows`: the energy of the bond in the state
        the update starts from, from the stacks the gate needs anyway, before its weights are known.
        """
        if not (gate.tensor.legs[2].same(a.legs[1]) and gate.tensor.legs[3].same(b.legs[1])):
            raise ValueError("gate and site tensors have different physical legs")
        l_leg, r_leg = a.legs[0], b.legs[2]
        legs = (l_leg, gate.tensor.legs[0], gate.tensor.legs[1], r_leg)
        if left_values.shape != (l_leg.dim,):
            raise ValueError(f"left_values has shape {left_values.shape}, the left leg has dimension {l_leg.dim}")
        matrices, offsets, observed = gated_matrices(a, b, gate, legs, measure_rows)
        split = decompose(matrices, offsets, legs, n_q=self.n_q, chi_max=chi_max, trunc=trunc, absorb="vidal",
                          left_values=left_values)
        split.observed = observed
        return split

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
        for qr, items, (q, r) in zip(charges, all_items, decompose_all(thin_qr, stacked), strict=True):
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

    def qr_r(self, a: ChargedTensor) -> ChargedTensor:
        """The factor r of :meth:`qr_left` alone, the same blocks (LAPACK's geqrf; no q is formed)."""
        groups: dict[Charge, list[np.ndarray]] = defaultdict(list)
        for key in sorted(a.blocks):
            block = a.blocks[key]
            groups[key[2]].append(block.reshape(-1, block.shape[2]))
        charges = sorted(groups)
        stacked = [np.concatenate(groups[qr], axis=0) for qr in charges]
        factors = decompose_all(_r_factor, stacked)
        k_leg = Leg.from_sectors([(qr, r.shape[0]) for qr, r in zip(charges, factors, strict=True)], a.n_q)
        blocks = {(qr, qr): r for qr, r in zip(charges, factors, strict=True)}
        return ChargedTensor((k_leg, a.legs[2]), self.BOND_SIGNS, blocks)

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
        for ql, items, (q, r) in zip(charges, all_items, decompose_all(thin_qr, stacked), strict=True):
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

    # ------------------------------------------------------------------ environments (measurements)
    def density(self, tensor: ChargedTensor, env: blocksparse_env.Environment | None = None) -> np.ndarray:
        """ρ over the physical legs, blockwise (:func:`verify.tensors.blocksparse_env.density`)."""
        return blocksparse_env.density(tensor, env)

    def scaled_density(self, tensor: ChargedTensor, scale: np.ndarray) -> np.ndarray:
        """ρ of Λ·A (Λ = diag(``scale``) on the left leg) without forming it, blockwise
        (:func:`verify.tensors.blocksparse_env.scaled_density`)."""
        return blocksparse_env.scaled_density(tensor, scale)

    def transfer(
        self, env: blocksparse_env.Environment | None, a: ChargedTensor, op: np.ndarray | None = None
    ) -> blocksparse_env.Environment:
        """One site of a transfer matrix, blockwise (:func:`verify.tensors.blocksparse_env.transfer`)."""
        return blocksparse_env.transfer(env, a, op)

    def expectation(self, theta: ChargedTensor, matrix: np.ndarray) -> complex:
        """⟨θ|M|θ⟩ of a two-site tensor, blockwise (:func:`verify.tensors.blocksparse_env.expectation`)."""
        return blocksparse_env.expectation(theta, matrix)

    def trace(self, env: blocksparse_env.Environment) -> complex | np.ndarray:
        """Σ_r E[..., r, r] of a blockwise environment."""
        return blocksparse_env.trace(env)
