"""The tensor operations TEBD and the MPS code need, behind one small interface.

Only this module touches the storage of MPS tensors. :class:`DenseBackend` stores them as plain
numpy arrays; a U(1)×U(1) block-sparse backend implements the same methods blockwise (charges on
every leg), and the dense evolver is then its trivial-charge case — one TEBD, not two. The
interface therefore avoids generic reshapes: every operation names the legs it groups.

Leg conventions
---------------
* site tensor ``A[l, p, r]`` (left bond, physical, right bond);
* two-site tensor ``theta[l, p1, p2, r]``;
* two-site gate ``G[p1', p2', p1, p2]`` (outgoing legs first), built from a
  (d1 d2) × (d1 d2) matrix whose row index is p1' d2 + p2' (``np.kron`` order).

Truncation
----------
:meth:`DenseBackend.split` keeps the smallest number of singular values whose discarded weight
Σ_discarded s² / Σ s² does not exceed ``trunc``, at most ``chi_max`` of them, and always drops
singular values below ``SVD_FLOOR`` × s_max: LAPACK resolves singular values only to an absolute
accuracy of order χ ε s_max (ε = 2.2e-16), so smaller ones are round-off, not state. Their
(≤ χ·1e-28) weight is counted in the discarded weight like any other.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import scipy.linalg as sla

__all__ = [
    "DENSE",
    "GRAM_MAX_ASPECT",
    "GRAM_MIN_TRUNC",
    "SINGLE_THREAD_MAX_DIM",
    "SVD_FLOOR",
    "DenseBackend",
    "Split",
    "TensorBackend",
    "blas_threads",
    "decomposition_route",
    "gram_svd",
    "threads_for",
]

SVD_FLOOR: float = 1e-14
"""Relative size below which singular values are treated as exact zeros (see module docstring)."""


@dataclass
class Split:
    """Result of splitting a two-site tensor: ``theta ≈ left · diag(s) · right`` (with s absorbed).

    Attributes
    ----------
    left, right : tensor
        ``left[l, p1, k]`` and ``right[k, p2, r]``; the singular values are absorbed into ``right``
        (``absorb="right"``) or ``left`` (``absorb="left"``).
    singular_values : ndarray
        Kept singular values, descending, renormalized to the norm of ``theta``.
    discarded : float
        Discarded weight Σ_discarded s² / Σ s² of this split.
    bond_values : ndarray
        The kept singular values in the index order of the new bond (the charged backend groups
        the bond by charge; the dense one keeps ``singular_values``' order).
    """

    left: Any
    right: Any
    singular_values: np.ndarray
    discarded: float
    bond_values: np.ndarray


class TensorBackend(Protocol):
    """Operations on MPS tensors used by :mod:`verify.mps` and :mod:`verify.tebd`."""

    def from_dense(self, array: np.ndarray) -> Any: ...

    def to_dense(self, tensor: Any) -> np.ndarray: ...

    def shape(self, tensor: Any) -> tuple[int, ...]: ...

    def two_site(self, a: Any, b: Any) -> Any: ...

    def apply_gate(self, gate: Any, theta: Any) -> Any: ...

    def gate(self, matrix: np.ndarray, d1: int, d2: int) -> Any: ...

    def split(self, theta: Any, *, chi_max: int, trunc: float, absorb: str) -> Split: ...

    def split_vidal(self, c: Any, left_values: np.ndarray, *, chi_max: int, trunc: float) -> Split: ...

    def qr_left(self, a: Any) -> tuple[Any, Any]: ...

    def lq_right(self, a: Any) -> tuple[Any, Any]: ...

    def absorb_left(self, r: Any, a: Any) -> Any: ...

    def absorb_right(self, a: Any, r: Any) -> Any: ...

    def singular_values(self, r: Any) -> np.ndarray: ...

    def norm(self, tensor: Any) -> float: ...


SINGLE_THREAD_MAX_DIM: int = 512
"""Matrices up to this dimension are decomposed with one BLAS thread (:func:`threads_for`).

Below a few hundred rows a threaded LAPACK SVD/QR spends more time synchronizing than computing:
measured on the 2-core machine, a TEBD step at χ ≤ 20 took 8 ms with one OpenBLAS thread and
99 ms with two (12×; worse when the cores are shared). Large matrices keep the default threading."""


@functools.cache
def _openblas_controls() -> tuple[tuple[Any, Any], ...]:
    """(get, set) thread-count functions of every OpenBLAS loaded in this process (numpy and scipy
    each bundle one). Found through /proc/self/maps, as threadpoolctl does; empty where unavailable."""
    try:
        with open("/proc/self/maps") as handle:
            paths = sorted({line.split()[-1] for line in handle if "openblas" in line.lower() and "/" in line})
    except OSError:
        return ()
    controls = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    get.restype, put.argtypes = ctypes.c_int, [ctypes.c_int]
                    controls.append((get, put))
                    break
            else:
                continue
            break
    return tuple(controls)


@contextmanager
def blas_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` OpenBLAS threads (``None``: leave the threading alone), then restore.

    Affects only OpenBLAS builds found in the process (numpy's and scipy's wheels); a no-op elsewhere.
    """
    controls = _openblas_controls() if n is not None else ()
    previous = [get() for get, _ in controls]
    try:
        for _, put in controls:
            put(int(n))  # type: ignore[arg-type]
        yield
    finally:
        for (_, put), count in zip(controls, previous, strict=True):
            put(count)


def threads_for(dim: int) -> int | None:
    """1 for matrices of dimension ≤ :data:`SINGLE_THREAD_MAX_DIM`, else ``None`` (default threading)."""
    return 1 if dim <= SINGLE_THREAD_MAX_DIM else None


def _svd(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thin SVD by LAPACK's divide-and-conquer driver (gesdd), falling back to the QR-iteration driver
    (gesvd) when gesdd fails to converge.

    numpy's ``linalg.svd`` is used for gesdd because it releases the GIL, so the sector SVDs of one
    split (and the bonds of one TEBD layer) run concurrently on threads; scipy's LAPACK wrappers
    hold it (measured: two threads gave no speed-up with scipy, 1.8× with numpy).
    """
    try:
        return np.linalg.svd(matrix, full_matrices=False)
    except np.linalg.LinAlgError:
        return sla.svd(matrix, full_matrices=False, lapack_driver="gesvd", check_finite=False)


GRAM_MIN_TRUNC: float = 1e-10
"""Splits with a truncation at least this large may take their Schmidt values and one isometric
factor from the eigendecomposition of a Gram matrix (:func:`gram_svd`) instead of an SVD."""

GRAM_MAX_ASPECT: float = 1.25
"""The Gram route is taken when the Gram matrix is at most this factor wider than the other side
of the matrix (measured: eigh of θ†θ plus the product is ~20 % faster than gesdd on square
complex blocks of 150–250, and slower for wide ones: 2× on 400 × 600)."""


def decomposition_route(trunc: float) -> str:
    """``"gram"`` when splits at this truncation take :func:`gram_svd` (sectors not much wider than
    tall, :data:`GRAM_MAX_ASPECT`), else ``"svd"``; the one place that decides, also named in run records."""
    return "gram" if trunc >= GRAM_MIN_TRUNC else "svd"


def gram_svd(matrix: np.ndarray, side: str) -> tuple[np.ndarray | None, np.ndarray, np.ndarray | None]:
    """Singular values and one singular basis of ``matrix`` from the density matrix of one side.

    ``side="right"``: eigh of M†M = V s² V† gives (None, s, V†); ``side="left"``: eigh of MM† gives
    (U, s, None). This is the reduced-density-matrix decomposition of White's DMRG; the other factor
    is never formed by dividing by s (the caller projects, e.g. M V = U s). Eigenvalues carry an
    absolute error ~ n ε ‖M‖², so s is accurate for s² ≫ 1e-13 ‖M‖²: use it only with a truncation
    ≥ :data:`GRAM_MIN_TRUNC`, which discards everything below that long before round-off matters
    (a kept s² is at least trunc/n ‖M‖²). Round-off eigenvalues below 0 are set to 0.
    """
    if side == "right":
        values, vectors = np.linalg.eigh(matrix.conj().T @ matrix)
    elif side == "left":
        values, vectors = np.linalg.eigh(matrix @ matrix.conj().T)
    else:
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    s = np.sqrt(np.maximum(values[::-1], 0.0))
    vectors = vectors[:, ::-1]
    return (None, s, vectors.conj().T) if side == "right" else (vectors, s, None)


def truncation_rank(s: np.ndarray, *, chi_max: int, trunc: float) -> tuple[int, float]:
    """Number of singular values to keep and the discarded weight (see module docstring).

    Parameters
    ----------
    s : ndarray
        Singular values, descending.
    chi_max : int
        Largest number kept.
    trunc : float
        Largest allowed discarded weight Σ_discarded s² / Σ s² (PRX Sec. III: 1e-7).
    """
    if chi_max < 1:
        raise ValueError(f"chi_max must be >= 1, got {chi_max}")
    if not trunc >= 0:
        raise ValueError(f"trunc must be >= 0, got {trunc}")
    weights = s**2
    total = float(weights.sum())
    if total == 0.0:
        raise ValueError("cannot split a zero tensor (the state has vanished)")
    nonzero = int(np.count_nonzero(s > SVD_FLOOR * s[0]))
    # tail[k] = weight discarded when keeping k values: Σ_{j >= k} s_j² / total
    tail = np.concatenate([np.cumsum(weights[::-1])[::-1], [0.0]]) / total
    allowed = np.flatnonzero(tail <= trunc)
    keep = int(allowed[0]) if allowed.size else len(s)
    keep = max(1, min(keep, nonzero, chi_max))
    return keep, float(tail[keep])


class DenseBackend:
    """Dense numpy storage: every tensor is a complex ndarray."""

    def from_dense(self, array: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(array, dtype=complex)

    def to_dense(self, tensor: np.ndarray) -> np.ndarray:
        return tensor

    def shape(self, tensor: np.ndarray) -> tuple[int, ...]:
        return tensor.shape

    def two_site(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """theta[l, p1, p2, r] = Σ_k a[l, p1, k] b[k, p2, r]."""
        chi_l, d1, _ = a.shape
        _, d2, chi_r = b.shape
        return (a.reshape(chi_l * d1, -1) @ b.reshape(-1, d2 * chi_r)).reshape(chi_l, d1, d2, chi_r)

    def gate(self, matrix: np.ndarray, d1: int, d2: int) -> np.ndarray:
        """A (d1 d2)×(d1 d2) matrix as a gate tensor G[p1', p2', p1, p2]."""
        if matrix.shape != (d1 * d2, d1 * d2):
            raise ValueError(f"gate matrix has shape {matrix.shape}, expected {(d1 * d2,) * 2}")
        return np.ascontiguousarray(matrix, dtype=complex).reshape(d1, d2, d1, d2)

    def apply_gate(self, gate: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """theta'[l, p1', p2', r] = Σ G[p1', p2', p1, p2] theta[l, p1, p2, r]."""
        chi_l, d1, d2, chi_r = theta.shape
        g = gate.reshape(d1 * d2, d1 * d2)
        t = theta.transpose(1, 2, 0, 3).reshape(d1 * d2, chi_l * chi_r)
        return (g @ t).reshape(d1, d2, chi_l, chi_r).transpose(2, 0, 1, 3)

    def split(self, theta: np.ndarray, *, chi_max: int, trunc: float, absorb: str) -> Split:
        """SVD of theta between (l, p1) and (p2, r), truncated (module docstring)."""
        if absorb not in ("left", "right"):
            raise ValueError(f"absorb must be 'left' or 'right', got {absorb!r}")
        return self._split(theta, chi_max=chi_max, trunc=trunc, absorb=absorb, left_values=None)

    def split_vidal(self, c: np.ndarray, left_values: np.ndarray, *, chi_max: int, trunc: float) -> Split:
        """The bond update of TEBD in Vidal's B form (Vidal 2004; the form TeNPy uses).

        ``c[l, p1, p2, r]`` is the gate applied to two right-canonical tensors B B and
        ``left_values`` the Schmidt values Λ of the bond to the left of p1. The SVD of
        θ = Λ · c = X S Y† is truncated as in :meth:`split`; ``right = Y†`` is right-canonical and
        ``left = c · Y`` (= Λ⁻¹ X S, computed without dividing by Λ), both renormalized like S, and
        ``bond_values = S`` are the new bond's Schmidt values.
        """
        if left_values.shape != (c.shape[0],):
            raise ValueError(f"left_values has shape {left_values.shape}, the left leg has dimension {c.shape[0]}")
        return self._split(c, chi_max=chi_max, trunc=trunc, absorb="vidal", left_values=left_values)

    def _split(
        self, theta: np.ndarray, *, chi_max: int, trunc: float, absorb: str, left_values: np.ndarray | None
    ) -> Split:
        chi_l, d1, d2, chi_r = theta.shape
        matrix = theta.reshape(chi_l * d1, d2 * chi_r)
        scaled = matrix if left_values is None else np.repeat(left_values, d1)[:, None] * matrix
        u, s, vh = _svd(scaled)
        keep, discarded = truncation_rank(s, chi_max=chi_max, trunc=trunc)
        norm = np.sqrt(np.sum(s**2))
        factor = norm / np.sqrt(np.sum(s[:keep] ** 2))
        s_kept = s[:keep] * factor
        u, vh = u[:, :keep], vh[:keep]
        if absorb == "right":
            left, right = u, s_kept[:, None] * vh
        elif absorb == "left":
            left, right = u * s_kept[None, :], vh
        else:  # Vidal: B_left = C · V, renormalized like s
            left, right = (matrix @ vh.conj().T) * factor, vh
        return Split(
            left=np.ascontiguousarray(left.reshape(chi_l, d1, keep)),
            right=np.ascontiguousarray(right.reshape(keep, d2, chi_r)),
            singular_values=s_kept,
            discarded=discarded,
            bond_values=s_kept,
        )

    def qr_left(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """a[l, p, r] = Σ_k q[l, p, k] r[k, r] with q left-isometric."""
        chi_l, d, chi_r = a.shape
        q, r = sla.qr(a.reshape(chi_l * d, chi_r), mode="economic", check_finite=False)
        return q.reshape(chi_l, d, -1), r

    def lq_right(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """a[l, p, r] = Σ_k l[l, k] q[k, p, r] with q right-isometric."""
        chi_l, d, chi_r = a.shape
        q, r = sla.qr(a.reshape(chi_l, d * chi_r).T, mode="economic", check_finite=False)
        return r.T, q.T.reshape(-1, d, chi_r)

    def absorb_left(self, r: np.ndarray, a: np.ndarray) -> np.ndarray:
        """Σ_k r[l, k] a[k, p, r]."""
        chi_l, d, chi_r = a.shape
        return (r @ a.reshape(chi_l, d * chi_r)).reshape(r.shape[0], d, chi_r)

    def absorb_right(self, a: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Σ_k a[l, p, k] r[k, r]."""
        chi_l, d, chi_r = a.shape
        return (a.reshape(chi_l * d, chi_r) @ r).reshape(chi_l, d, r.shape[1])

    def singular_values(self, r: np.ndarray) -> np.ndarray:
        """Singular values of a bond matrix, descending."""
        return sla.svd(r, compute_uv=False, check_finite=False)

    def norm(self, tensor: np.ndarray) -> float:
        return float(np.linalg.norm(tensor))


DENSE = DenseBackend()
"""The dense backend instance (the trivial-charge case)."""
