"""Decompositions of one matrix and the truncation rule shared by every backend.

Truncation
----------
A split keeps the smallest number of singular values whose discarded weight
Σ_discarded s² / Σ s² does not exceed ``trunc`` (PRX Sec. III: 1e-7), at most ``chi_max`` of them,
and always drops singular values below ``SVD_FLOOR`` × s_max: LAPACK resolves singular values only
to an absolute accuracy of order χ ε s_max (ε = 2.2e-16), so smaller ones are round-off, not state.
Their (≤ χ·1e-28) weight is counted in the discarded weight like any other
(:func:`truncation_rank`).

Routes
------
Every singular value decomposition goes through :func:`svd` (LAPACK gesdd, gesvd as fallback; a matrix
of one row or one column is rank one and needs no LAPACK call: s = ‖M‖). With
a truncation ≥ :data:`GRAM_MIN_TRUNC` (:func:`decomposition_route`) a sector matrix instead takes its
singular values and one isometric factor from the eigendecomposition of a Gram matrix (:func:`gram_svd`,
White's density-matrix route): of the side whose factor the split keeps isometric when that Gram
matrix is not much wider than the other side (:data:`GRAM_MAX_ASPECT`), else of the other, smaller
side, whose factor then gives the wanted one for the kept values by a projection and a QR
(:func:`isometry_by_projection`); :func:`sector_decomposition` makes that choice for one matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg as sla

__all__ = [
    "GRAM_MAX_ASPECT",
    "GRAM_MIN_TRUNC",
    "GRAM_OTHER_SIDE_MIN_DIM",
    "SVD_FLOOR",
    "Split",
    "decomposition_route",
    "gram_svd",
    "isometry_by_projection",
    "sector_decomposition",
    "svd",
    "thin_qr",
    "truncation_rank",
]

SVD_FLOOR: float = 1e-14
"""Relative size below which singular values are treated as exact zeros (see module docstring)."""

GRAM_MIN_TRUNC: float = 1e-10
"""Splits with a truncation at least this large may take their Schmidt values and one isometric
factor from the eigendecomposition of a Gram matrix (:func:`gram_svd`) instead of an SVD."""

GRAM_MAX_ASPECT: float = 1.25
"""The Gram matrix of the side whose factor is kept isometric is used when it is at most this factor
wider than the other side of the matrix (measured: eigh of θ†θ plus the product is ~20 % faster than
gesdd on square complex blocks of 150–250, and slower for wide ones: 2× on 400 × 600); a wider sector
takes the Gram matrix of its other, smaller side if that side is at least
:data:`GRAM_OTHER_SIDE_MIN_DIM` long, else gesdd (:func:`sector_decomposition`)."""

GRAM_OTHER_SIDE_MIN_DIM: int = 32
"""Shortest other side with which a sector wider than :data:`GRAM_MAX_ASPECT` takes that side's Gram
matrix (:func:`sector_decomposition`); shorter ones take gesdd. Measured on complex n × m sectors, one
core, half the values kept: the other side's Gram matrix with the projection and QR took 1.3–2.4× gesdd's
time for n = 8–16 at m = 1.25–1.5 n, 1.0–1.15× for n = 24–32, 0.75–0.9× for n = 48–128 and 0.43–0.6× at
m = 2–3 n, n ≥ 32 (LAPACK's call overhead dominates the small ones)."""


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
    observed : (ndarray, ndarray) or None
        What a fused B-form update measured on the way: the rows of an operator's expectation before
        the gate (:data:`verify.tensors.RowValues`; ``update_vidal(..., measure_rows=)`` of the
        block-sparse backend); None otherwise.
    """

    left: Any
    right: Any
    singular_values: np.ndarray
    discarded: float
    bond_values: np.ndarray
    observed: tuple[np.ndarray, np.ndarray] | None = None


def svd(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thin SVD by LAPACK's divide-and-conquer driver (gesdd), falling back to the QR-iteration driver
    (gesvd) when gesdd fails to converge. A nonzero matrix of one row or one column is split without
    LAPACK: M = ‖M‖ · u v† with the other factor 1 (LAPACK's call overhead is most of the cost of such
    a sector, and every TEBD split at small χ has several).

    numpy's ``linalg.svd`` is used for gesdd because it releases the GIL, so the sector SVDs of one
    split (and the bonds of one TEBD layer) run concurrently on threads; scipy's LAPACK wrappers
    hold it (measured: two threads gave no speed-up with scipy, 1.8× with numpy).
    """
    if min(matrix.shape) == 1:  # rank one: M = s u v† with s = ‖M‖, no LAPACK call (its overhead is
        # most of a small step's time: every TEBD split has sectors of one row or one column)
        norm = float(np.linalg.norm(matrix))
        if norm > 0.0:
            one = np.ones((1, 1), dtype=matrix.dtype)
            s = np.array([norm])
            return (one, s, matrix / norm) if matrix.shape[0] == 1 else (matrix / norm, s, one)
    try:
        return np.linalg.svd(matrix, full_matrices=False)
    except np.linalg.LinAlgError:
        return sla.svd(matrix, full_matrices=False, lapack_driver="gesvd", check_finite=False)


def thin_qr(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Thin QR (numpy's releases the GIL, see :func:`svd`)."""
    return np.linalg.qr(matrix, mode="reduced")


def decomposition_route(trunc: float) -> str:
    """``"gram"`` when splits at this truncation take their Schmidt values from :func:`gram_svd` (every
    sector but the small ones much wider than tall, :func:`sector_decomposition`), else ``"svd"``; the one
    place that decides, also named in run records."""
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
        gram = matrix.conj().T @ matrix
    elif side == "left":
        gram = matrix @ matrix.conj().T
    else:
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    if gram.shape == (1, 1):  # LAPACK's heevd for n = 1, without its call overhead: the same bits
        values, vectors = gram.real[0], np.ones((1, 1), dtype=gram.dtype)
    else:
        values, vectors = np.linalg.eigh(gram)
    s = np.sqrt(np.maximum(values[::-1], 0.0))
    vectors = vectors[:, ::-1]
    return (None, s, vectors.conj().T) if side == "right" else (vectors, s, None)


def sector_decomposition(
    matrix: np.ndarray, *, side: str, gram: bool
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray | None]:
    """(U, s, V†) of one sector matrix, the factor of ``side`` ("left": U, "right": V†) to be kept isometric.

    Without ``gram`` a full thin :func:`svd`. With it, :func:`gram_svd` on ``side`` when that Gram
    matrix is at most :data:`GRAM_MAX_ASPECT` times wider than the other side (and always when it is
    the smaller one), which leaves the other factor None; for a wider sector whose other side is at
    least :data:`GRAM_OTHER_SIDE_MIN_DIM` long, :func:`gram_svd` on that other, smaller side, which
    leaves the factor of ``side`` None: the caller makes it for the kept values by
    :func:`isometry_by_projection`; for a small wide sector a full thin :func:`svd`. Measured: see
    :data:`GRAM_OTHER_SIDE_MIN_DIM`; whole χ = 400 even–odd steps of the PRX chain took 0.94× (N_e = 5,
    t = 37, one core) and 0.92× (N_e = 8, t = 22, two threads; medians of 5, alternated) the time they
    took with gesdd for every wide sector.
    """
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    if not gram:
        return svd(matrix)
    gram_dim, other_dim = matrix.shape[::-1] if side == "right" else matrix.shape
    if gram_dim <= max(GRAM_MAX_ASPECT, 1.0) * other_dim:  # never the larger side's (1.0: always the smaller)
        return gram_svd(matrix, side)
    if other_dim >= GRAM_OTHER_SIDE_MIN_DIM:
        return gram_svd(matrix, "left" if side == "right" else "right")
    return svd(matrix)


def isometry_by_projection(matrix: np.ndarray, other: np.ndarray, side: str) -> np.ndarray:
    """The kept singular basis of ``side`` of M from the kept basis ``other`` of its other side.

    ``side="right"``: ``other`` is U_c (n × c) and the result V_c† (c × m), from M† U_c = V_c s_c;
    ``side="left"``: ``other`` is V_c† and the result U_c, from M V_c = U_c s_c. The product is made
    orthonormal by a thin QR, with the phases of R's diagonal put back so that each vector is the
    singular vector it approximates, not its negative: no division by s. When ``other`` comes from
    the eigenvectors of a Gram matrix (:func:`gram_svd`), each kept vector u_j carries admixtures of
    the others of size ~ n ε ‖M‖² / |s_j² − s_k²|; through the projection, the admixture of vector k
    into v_j is scaled by s_k / s_j, so what the small (discarded or round-off) values mix in is
    suppressed, and the projected vectors are orthonormal up to ~ n ε ‖M‖² / s_j², which the QR
    removes. The kept state then differs from the optimal truncation far below the discarded weight
    (``tests/verify/tensors/test_blocksparse.py`` checks the vectors against the exact ones and the
    split against gesdd).
    """
    if side == "right":
        q, r = thin_qr(matrix.conj().T @ other)
    elif side == "left":
        q, r = thin_qr(matrix @ other.conj().T)
    else:
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    diagonal = np.diagonal(r)
    size = np.abs(diagonal)
    q = q * np.divide(diagonal, size, out=np.ones_like(diagonal), where=size > 0)
    return q.conj().T if side == "right" else q


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
    # tail[k] = weight discarded when keeping k values: Σ_{j >= k} s_j² / total, k = 0..n
    tail = np.zeros(len(s) + 1)
    np.cumsum(weights[::-1], out=tail[-2::-1])
    tail /= total
    # tail never increases (a cumulative sum of squares): the first k with tail[k] <= trunc is
    # n + 1 minus the number of such k
    keep = len(s) + 1 - int(np.searchsorted(tail[::-1], trunc, side="right"))
    keep = max(1, min(keep, nonzero, chi_max))
    return keep, float(tail[keep])
