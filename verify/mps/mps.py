"""Finite matrix-product states (PRX Eq. 7) with site-dependent local dimension.

An :class:`MPS` holds site tensors ``A[l, p, r]`` (storage and decompositions through a
:class:`verify.tensors.TensorBackend`, dense by default) and, when it is in mixed-canonical form,
the position of its orthogonality centre: tensors left of it are left-isometric, right of it
right-isometric. Every measurement works on a copy and leaves the state untouched.

Measurements (a chain model's observables are assembled from these in :mod:`verify.tebd.measure`):

* :meth:`MPS.sweep` — one left-to-right QR sweep on a copy that returns every single-site reduced
  density matrix, the Schmidt values of every bond, optionally ⟨h_b⟩ of nearest-neighbour
  operators (energies) and the RDMs of given spans of sites;
* :meth:`MPS.rdm` — the reduced density matrix of any set of sites, optionally keeping only some
  tensor factors of a site (the localized spin of an FM site with its electron traced out); used
  for the two non-adjacent edge spins of I(1|N_FM) (PRX Eq. 14) by contracting transfer matrices
  (:mod:`verify.mps.reduced`);
* :meth:`MPS.norm` — ⟨ψ|ψ⟩^{1/2} by a full contraction that does not assume canonical form;
* :meth:`MPS.to_dense` — the state vector (small instances, for tests).

All contractions are the tensor backend's (blockwise for charged tensors: no site tensor is
densified). Conversions to block-sparse tensors are in :mod:`verify.mps.charges`; entanglement
entropies, mutual information, correlation functions and expectation values are in
:mod:`verify.mps.measures` (entropies through :mod:`entanglement`).

Reduced density matrices of fermionic sites are those of the Jordan–Wigner-mapped state; they agree
with the fermionic ones for single sites, for blocks of sites 1..k (the strings act inside the
block), and for the localized spins (bosonic factors) — the only cases the PRX observables need.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from verify.mps.reduced import FactorSpec, check_factor_spec, span_rdm
from verify.mps.sweep import SweepResult, canonical_sweep
from verify.tensors import DENSE, SVD_FLOOR, TensorBackend

__all__ = ["MAX_DENSE_DIM", "MPS", "SweepResult"]

MAX_DENSE_DIM: int = 1 << 24
"""Largest Hilbert-space dimension :meth:`MPS.to_dense` / :meth:`MPS.from_dense` accept."""


class MPS:
    """A finite MPS ``|ψ> = Σ A[s_1] A[s_2] ⋯ A[s_N] |s_1 … s_N>`` (PRX Eq. 7).

    Parameters
    ----------
    tensors : sequence of tensors
        ``A[i]`` with legs (left bond, physical, right bond); the outer bonds have dimension 1.
    center : int, optional
        Orthogonality centre if the tensors are in mixed-canonical form (not checked here; see
        :meth:`is_canonical`). ``None`` means "unknown"; :meth:`canonicalize` fixes it.
    backend : TensorBackend
        Storage of the tensors (default :data:`verify.tensors.DENSE`).
    """

    def __init__(self, tensors: Sequence, *, center: int | None = None, backend: TensorBackend = DENSE) -> None:
        if len(tensors) < 1:
            raise ValueError("an MPS needs at least one site")
        self.backend = backend
        self.tensors = list(tensors)
        shapes = [backend.shape(t) for t in self.tensors]
        for i, shape in enumerate(shapes):
            if len(shape) != 3:
                raise ValueError(f"site tensor {i} has {len(shape)} legs, expected 3 (left, physical, right)")
        if shapes[0][0] != 1 or shapes[-1][2] != 1:
            raise ValueError(f"outer bonds must have dimension 1, got {shapes[0][0]} and {shapes[-1][2]}")
        for i in range(len(shapes) - 1):
            if shapes[i][2] != shapes[i + 1][0]:
                raise ValueError(f"bond {i}: right dimension {shapes[i][2]} of site {i} != left dimension "
                                 f"{shapes[i + 1][0]} of site {i + 1}")
        if center is not None and not 0 <= center < len(shapes):
            raise ValueError(f"center {center} outside 0..{len(shapes) - 1}")
        self.center = center

    # ------------------------------------------------------------------ construction
    @classmethod
    def product_state(cls, vectors: Sequence[np.ndarray], *, backend: TensorBackend = DENSE) -> MPS:
        """The normalized product state ⊗_i v_i (bond dimension 1, canonical, centre 0)."""
        tensors = []
        for i, v in enumerate(vectors):
            v = np.asarray(v, dtype=complex).ravel()
            norm = np.linalg.norm(v)
            if norm == 0:
                raise ValueError(f"site {i}: zero local vector")
            tensors.append(backend.from_dense((v / norm).reshape(1, -1, 1)))
        return cls(tensors, center=0, backend=backend)

    @classmethod
    def from_dense(
        cls, psi: np.ndarray, dims: Sequence[int], *, backend: TensorBackend = DENSE, tol: float = SVD_FLOOR
    ) -> MPS:
        """Exact MPS of a state vector by sequential SVD (small instances; tests).

        Singular values below ``tol``·s_max are dropped (default: the round-off floor
        :data:`verify.tensors.SVD_FLOOR`; ``tol = 0`` keeps every nonzero one).
        The result is left-canonical with the centre on the last site.
        """
        dims = [int(d) for d in dims]
        total = math.prod(dims)
        if total > MAX_DENSE_DIM:
            raise ValueError(f"dimension {total} exceeds MAX_DENSE_DIM = {MAX_DENSE_DIM}")
        psi = np.asarray(psi, dtype=complex)
        if psi.size != total:
            raise ValueError(f"state has {psi.size} amplitudes, dims {dims} need {total}")
        tensors = []
        rest = psi.reshape(1, -1)
        for d in dims[:-1]:
            chi = rest.shape[0]
            u, s, vh = np.linalg.svd(rest.reshape(chi * d, -1), full_matrices=False)
            keep = max(1, int(np.count_nonzero(s > tol * s[0]))) if s[0] > 0 else 1
            tensors.append(backend.from_dense(u[:, :keep].reshape(chi, d, keep)))
            rest = s[:keep, None] * vh[:keep]
        tensors.append(backend.from_dense(rest.reshape(rest.shape[0], dims[-1], 1)))
        return cls(tensors, center=len(dims) - 1, backend=backend)

    def copy(self) -> MPS:
        """A copy sharing no mutable state (tensors are replaced, never modified in place)."""
        return MPS(list(self.tensors), center=self.center, backend=self.backend)

    # ------------------------------------------------------------------ properties
    def __len__(self) -> int:
        return len(self.tensors)

    @property
    def dims(self) -> tuple[int, ...]:
        """Local dimensions d_i."""
        return tuple(self.backend.shape(t)[1] for t in self.tensors)

    def bond_dimensions(self) -> list[int]:
        """χ of the N−1 inner bonds."""
        return [self.backend.shape(t)[2] for t in self.tensors[:-1]]

    def max_bond_dimension(self) -> int:
        """max χ over the inner bonds (1 for a product state or a single site)."""
        return max(self.bond_dimensions(), default=1)

    # ------------------------------------------------------------------ canonical form
    def _shift_right(self, i: int) -> None:
        """Move the centre from site i to i+1 (QR)."""
        q, r = self.backend.qr_left(self.tensors[i])
        self.tensors[i] = q
        self.tensors[i + 1] = self.backend.absorb_left(r, self.tensors[i + 1])

    def _shift_left(self, i: int) -> None:
        """Move the centre from site i to i−1 (LQ)."""
        r, q = self.backend.lq_right(self.tensors[i])
        self.tensors[i] = q
        self.tensors[i - 1] = self.backend.absorb_right(self.tensors[i - 1], r)

    def canonicalize(self, center: int = 0) -> MPS:
        """Bring the state into mixed-canonical form with the given centre (in place; returns self)."""
        n = len(self)
        if not 0 <= center < n:
            raise ValueError(f"center {center} outside 0..{n - 1}")
        if self.center is None:  # one QR sweep from the far end, then walk to the centre
            if center < n // 2:
                for i in range(n - 1, 0, -1):
                    self._shift_left(i)
                self.center = 0
            else:
                for i in range(n - 1):
                    self._shift_right(i)
                self.center = n - 1
        self.move_center(center)
        return self

    def move_center(self, target: int) -> None:
        """Move the orthogonality centre to ``target`` (state must be canonical)."""
        if self.center is None:
            raise ValueError("the MPS is not in canonical form: call canonicalize() first")
        if not 0 <= target < len(self):
            raise ValueError(f"target {target} outside 0..{len(self) - 1}")
        while self.center < target:
            self._shift_right(self.center)
            self.center += 1
        while self.center > target:
            self._shift_left(self.center)
            self.center -= 1

    def is_canonical(self, atol: float = 1e-12) -> bool:
        """Whether the isometry conditions of the stored centre hold to ``atol``."""
        if self.center is None:
            return False
        for i, t in enumerate(self.tensors):
            a = self.backend.to_dense(t)
            if i < self.center:
                m = a.reshape(-1, a.shape[2])
            elif i > self.center:
                m = a.reshape(a.shape[0], -1).T
            else:
                continue
            if not np.allclose(m.conj().T @ m, np.eye(m.shape[1]), atol=atol):
                return False
        return True

    # ------------------------------------------------------------------ contractions
    def norm(self) -> float:
        """‖ψ‖ by contracting the transfer matrices from the left (no canonical form assumed)."""
        env = np.ones((1, 1), dtype=complex)
        for t in self.tensors:
            a = self.backend.to_dense(t)
            env = np.einsum("ab,apc,bpd->cd", env, a, a.conj(), optimize=True)
        return float(np.sqrt(abs(env[0, 0])))

    def overlap(self, other: MPS) -> complex:
        """⟨self|other⟩."""
        if self.dims != other.dims:
            raise ValueError(f"local dimensions differ: {self.dims} vs {other.dims}")
        env = np.ones((1, 1), dtype=complex)
        for s, o in zip(self.tensors, other.tensors, strict=True):
            a, b = self.backend.to_dense(s), other.backend.to_dense(o)
            env = np.einsum("ab,apc,bpd->cd", env, a.conj(), b, optimize=True)
        return complex(env[0, 0])

    def to_dense(self) -> np.ndarray:
        """The state vector in the product basis (first site most significant; small instances)."""
        total = math.prod(self.dims)
        if total > MAX_DENSE_DIM:
            raise ValueError(f"dimension {total} exceeds MAX_DENSE_DIM = {MAX_DENSE_DIM}")
        psi = np.ones((1, 1), dtype=complex)
        for t in self.tensors:
            a = self.backend.to_dense(t)
            psi = (psi @ a.reshape(a.shape[0], -1)).reshape(-1, a.shape[2])
        return psi.reshape(-1)

    # ------------------------------------------------------------------ measurements
    def sweep(
        self,
        bond_operators: Sequence[np.ndarray | None] | None = None,
        rdms: Sequence[tuple[Sequence[int], Sequence[FactorSpec | None] | None]] = (),
    ) -> SweepResult:
        """Single-site RDMs, Schmidt values of all bonds, ⟨h_b⟩ and span RDMs, from one QR sweep on a copy.

        The copy (sharing the tensors, which are never modified in place) is brought to centre 0 (an
        LQ sweep if the state is not canonical; nothing if the centre is there already) and
        :func:`verify.mps.sweep.canonical_sweep` walks the centre to the right by QR: at site i the
        centre tensor gives ρ_i, the R factor of its QR the Schmidt values of bond i, θ = C_i B_{i+1}
        gives ⟨θ|h_i|θ⟩, and a requested RDM whose first site is i is contracted with the
        right-canonical tensors that follow. Everything is done by the backend, blockwise for
        charged tensors (no tensor is densified).

        Parameters
        ----------
        bond_operators : sequence of (d_b d_{b+1})² matrices or None, optional
            ⟨ψ|h_b|ψ⟩ = Tr(ρ_{b,b+1} h_b) is returned for every entry that is not None (``np.kron``
            ordering).
        rdms : sequence of (sites, factors), optional
            Reduced density matrices to return, as the arguments of :meth:`rdm`.

        Returns
        -------
        SweepResult
            RDMs are normalized to the state's norm (trace ⟨ψ|ψ⟩), the span RDMs to trace 1; the
            Schmidt values are those of the state as stored (their squares sum to ⟨ψ|ψ⟩).
        """
        n = len(self)
        if bond_operators is not None and len(bond_operators) != n - 1:
            raise ValueError(f"need {n - 1} bond operators (one per bond), got {len(bond_operators)}")
        requests = [self._rdm_request(sites, factors) for sites, factors in rdms]
        work = self.copy()
        work.canonicalize(0) if work.center is None else work.move_center(0)
        return canonical_sweep(work.backend, work.tensors, bond_operators, requests)

    def _rdm_request(
        self, sites: Sequence[int], factors: Sequence[FactorSpec | None] | None
    ) -> tuple[int, int, list[FactorSpec | None]]:
        """(first site, last site, spec per site of the span) of an RDM request, validated."""
        sites = [int(s) for s in sites]
        n = len(self)
        if not sites or any(b <= a for a, b in itertools.pairwise(sites)):
            raise ValueError(f"sites must be distinct and ascending, got {sites}")
        if sites[0] < 0 or sites[-1] >= n:
            raise ValueError(f"sites {sites} outside 0..{n - 1}")
        if factors is None:
            factors = [None] * len(sites)
        if len(factors) != len(sites):
            raise ValueError(f"got {len(factors)} factor specs for {len(sites)} sites")
        dims = self.dims
        spec = {i: check_factor_spec(i, dims[i], f) for i, f in zip(sites, factors, strict=True)}
        return sites[0], sites[-1], [spec.get(i) for i in range(sites[0], sites[-1] + 1)]

    def rdm(
        self,
        sites: Sequence[int],
        factors: Sequence[tuple[Sequence[int], Sequence[int]] | None] | None = None,
    ) -> np.ndarray:
        """Reduced density matrix of ``sites`` (any set, not necessarily adjacent).

        Parameters
        ----------
        sites : sequence of int
            Distinct sites, ascending.
        factors : sequence of (factor_dims, keep) or None, optional
            Per listed site: split its physical leg into tensor factors of dimensions
            ``factor_dims`` (product = d_i, first factor most significant) and keep only the
            factors ``keep``, tracing the others out inside the contraction. ``None`` keeps the
            whole site. E.g. ``((4, 2), (1,))`` keeps the localized spin of an FM site.

        Returns
        -------
        ndarray
            ρ[ket, bra] of dimension Π (kept dims), sites (and factors) in the given order,
            normalized to trace 1.

        Notes
        -----
        The cost is O(L χ³ d D²) for a span of L sites and D kept dimensions: keep factors small
        (the edge-spin RDM of I(1|N_FM) has D = 4). The contraction is the backend's
        (:func:`verify.mps.reduced.span_rdm`), blockwise for charged tensors.
        """
        first, last, specs = self._rdm_request(sites, factors)
        work = self.copy()
        work.canonicalize(first) if work.center is None else work.move_center(first)
        return span_rdm(work.backend, work.tensors[first : last + 1], specs)
