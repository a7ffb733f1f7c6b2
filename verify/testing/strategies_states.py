"""Hypothesis strategies for quantum states: local dimensions, subsystems, kets, density matrices, unitaries.

Part of :mod:`verify.testing.strategies` (import them from there). Every object is valid by
construction: kets are normalized to round-off, density matrices Hermitian, positive semidefinite
with unit trace, unitaries unitary to round-off. Amplitudes come from Hypothesis floats and shrink
towards 0 and, through the fallback for (near-)zero draws, towards basis states and product states.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, NamedTuple

import numpy as np
from hypothesis import strategies as st

from states.validation import require_bool, require_choice, require_int
from verify.testing.draws import MAX_TOTAL_DIM, ZERO_NORM, dims_argument, float_arrays, normalized

__all__ = [
    "DENSITY_KINDS",
    "DensityKind",
    "STTSample",
    "bipartitions",
    "density_matrices",
    "local_dims",
    "pure_states",
    "stt_states",
    "subsystem_partitions",
    "unitaries",
]

DensityKind = Literal["any", "full-rank", "low-rank", "pure"]
"""What :func:`density_matrices` draws."""

DENSITY_KINDS = ("any", "full-rank", "low-rank", "pure")
"""The values of ``kind`` that :func:`density_matrices` accepts."""


# ----------------------------------------------------------------------------------------------------
# Dimensions and subsystems


def local_dims(
    *,
    min_subsystems: int = 1,
    max_subsystems: int = 3,
    min_dim: int = 2,
    max_dim: int = 3,
    max_total: int = 64,
) -> st.SearchStrategy[tuple[int, ...]]:
    """Tuples of local dimensions (d_0, ..., d_{n-1}) with a bounded total dimension.

    Parameters
    ----------
    min_subsystems, max_subsystems : int
        Number n of subsystems (1 <= min <= max).
    min_dim, max_dim : int
        Range of each d_k (1 <= min_dim <= max_dim; d = 1 is a legal but trivial factor).
    max_total : int
        Upper bound on Π d_k (must allow ``min_dim ** min_subsystems``; at most 4096).

    Returns
    -------
    SearchStrategy of tuple of int
    """
    min_n = require_int("min_subsystems", min_subsystems, minimum=1)
    max_n = require_int("max_subsystems", max_subsystems, minimum=min_n)
    lo = require_int("min_dim", min_dim, minimum=1)
    hi = require_int("max_dim", max_dim, minimum=lo)
    budget = require_int("max_total", max_total, minimum=1, maximum=MAX_TOTAL_DIM)
    if lo**min_n > budget:
        raise ValueError(f"max_total = {budget} is below min_dim ** min_subsystems = {lo**min_n}")

    @st.composite
    def draw_dims(draw: st.DrawFn) -> tuple[int, ...]:
        # the largest n that still fits the budget with every factor at min_dim (integer arithmetic)
        largest_n = min_n
        while largest_n < max_n and lo ** (largest_n + 1) <= budget:
            largest_n += 1
        n = draw(st.integers(min_n, largest_n))
        dims: list[int] = []
        remaining = budget
        for k in range(n):
            still_needed = lo ** (n - k - 1)
            cap = min(hi, remaining // still_needed)
            d = draw(st.integers(lo, max(lo, cap)))
            dims.append(d)
            remaining //= d
        return tuple(dims)

    return draw_dims()


def subsystem_partitions(
    *, n_subsystems: int, n_parts: int = 2, cover: bool = True
) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """``n_parts`` non-empty, disjoint, sorted tuples of subsystem indices 0..n_subsystems-1.

    Parameters
    ----------
    n_subsystems : int
        Number of subsystems (>= n_parts).
    n_parts : int
        Number of parts (>= 1); 3 gives the (A, B, C) of strong subadditivity.
    cover : bool
        True: the parts cover every subsystem. False: some subsystems may be left out (traced over).

    Returns
    -------
    SearchStrategy of tuple of tuple of int
    """
    n = require_int("n_subsystems", n_subsystems, minimum=1)
    parts = require_int("n_parts", n_parts, minimum=1, maximum=n)
    require_bool("cover", cover)

    @st.composite
    def draw_parts(draw: st.DrawFn) -> tuple[tuple[int, ...], ...]:
        order = draw(st.permutations(range(n)))
        used = n if cover else draw(st.integers(parts, n))
        # parts - 1 distinct cut points in 1..used-1 split order[:used] into non-empty pieces
        cuts = (
            sorted(draw(st.sets(st.integers(1, used - 1), min_size=parts - 1, max_size=parts - 1))) if parts > 1 else []
        )
        bounds = [0, *cuts, used]
        return tuple(tuple(sorted(order[bounds[i] : bounds[i + 1]])) for i in range(parts))

    return draw_parts()


def bipartitions(*, n_subsystems: int) -> st.SearchStrategy[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Bipartitions (A, B) of subsystems 0..n_subsystems-1: both non-empty, disjoint, covering all.

    Parameters
    ----------
    n_subsystems : int
        Number of subsystems (>= 2).

    Returns
    -------
    SearchStrategy of (tuple of int, tuple of int)
    """
    n = require_int("n_subsystems", n_subsystems, minimum=2)
    return subsystem_partitions(n_subsystems=n, n_parts=2, cover=True)  # type: ignore[return-value]


# ----------------------------------------------------------------------------------------------------
# States


def _dims_strategy(
    dims: Sequence[int] | None, min_subsystems: int, max_subsystems: int, max_dim: int, max_total: int
) -> st.SearchStrategy[tuple[int, ...]]:
    if dims is not None:
        return st.just(dims_argument(dims))
    return local_dims(
        min_subsystems=min_subsystems, max_subsystems=max_subsystems, min_dim=2, max_dim=max_dim, max_total=max_total
    )


@st.composite
def _ket(draw: st.DrawFn, dims: tuple[int, ...], real: bool) -> np.ndarray:
    total = math.prod(dims)
    kind = draw(st.sampled_from(("generic", "product", "basis")))
    if kind == "basis":
        vector = np.zeros(total, dtype=float if real else complex)
        vector[draw(st.integers(0, total - 1))] = 1.0
        return vector
    if kind == "product":
        vector = np.ones(1, dtype=float if real else complex)
        for d in dims:
            vector = np.kron(vector, normalized(draw(_amplitudes(d, real))))
        return normalized(vector)  # renormalize away the round-off of the Kronecker products
    return normalized(draw(_amplitudes(total, real)))


@st.composite
def _amplitudes(draw: st.DrawFn, size: int, real: bool) -> np.ndarray:
    parts = draw(float_arrays((1 if real else 2, size)))
    return parts[0].copy() if real else parts[0] + 1j * parts[1]


def pure_states(
    *,
    dims: Sequence[int] | None = None,
    min_subsystems: int = 1,
    max_subsystems: int = 3,
    max_dim: int = 3,
    max_total: int = 64,
    real: bool = False,
) -> st.SearchStrategy[tuple[np.ndarray, tuple[int, ...]]]:
    """Normalized kets with their local dimensions: ``(state, dims)``.

    A third of the draws are generic (random amplitudes), a third product states and a third basis
    states, so that zero eigenvalues (0 · log 0) and exact degeneracies are exercised as well.

    Parameters
    ----------
    dims : sequence of int, optional
        Fixed local dimensions. Otherwise drawn by :func:`local_dims` with the next arguments.
    min_subsystems, max_subsystems, max_dim, max_total : int
        Passed to :func:`local_dims` (local dimensions from 2 to ``max_dim``).
    real : bool
        Real amplitudes only (float64) instead of complex128.

    Returns
    -------
    SearchStrategy of (ndarray of shape (Π dims,), tuple of int)
        |⟨ψ|ψ⟩ − 1| is at round-off level (≲ 1e-15).
    """
    require_bool("real", real)
    dims_strategy = _dims_strategy(
        dims,
        require_int("min_subsystems", min_subsystems, minimum=1),
        require_int("max_subsystems", max_subsystems, minimum=min_subsystems),
        require_int("max_dim", max_dim, minimum=2),
        require_int("max_total", max_total, minimum=2, maximum=MAX_TOTAL_DIM),
    )
    return dims_strategy.flatmap(lambda ds: st.tuples(_ket(ds, real), st.just(ds)))


@st.composite
def _density_matrix(draw: st.DrawFn, dims: tuple[int, ...], kind: DensityKind) -> np.ndarray:
    total = math.prod(dims)
    if kind == "any":
        choices = ["full-rank", "pure"] + (["low-rank"] if total > 2 else [])
        kind = draw(st.sampled_from(choices))
    if kind == "pure":
        ket = draw(_ket(dims, False))
        rho = np.outer(ket, ket.conj())
    else:
        rank = total if kind == "full-rank" else draw(st.integers(1, total - 1))
        parts = draw(float_arrays((2, total, rank)))
        factor = parts[0] + 1j * parts[1]
        gram = factor @ factor.conj().T
        trace = float(np.trace(gram).real)
        if not trace > ZERO_NORM:  # all-zero draw: fall back to a rank-1 projector
            gram, trace = np.zeros((total, total), dtype=complex), 1.0
            gram[0, 0] = 1.0
        rho = gram / trace
        if kind == "full-rank":
            # mixing in the maximally mixed state bounds every eigenvalue below by weight / D
            weight = draw(st.floats(0.05, 1.0))
            rho = (1.0 - weight) * rho + weight * np.eye(total) / total
    rho = (rho + rho.conj().T) / 2
    return rho / np.trace(rho).real


def density_matrices(
    *,
    dims: Sequence[int] | None = None,
    kind: DensityKind = "any",
    min_subsystems: int = 1,
    max_subsystems: int = 3,
    max_dim: int = 3,
    max_total: int = 27,
) -> st.SearchStrategy[tuple[np.ndarray, tuple[int, ...]]]:
    """Density matrices with their local dimensions: ``(rho, dims)``.

    Parameters
    ----------
    dims : sequence of int, optional
        Fixed local dimensions; otherwise drawn by :func:`local_dims`.
    kind : {"any", "full-rank", "low-rank", "pure"}
        ``"full-rank"``: M M†/Tr mixed with the maximally mixed state (weight w ∈ [0.05, 1], so every
        eigenvalue is >= w/D); ``"low-rank"``: M M†/Tr with M of shape (D, r), 1 <= r < D (rank <= r,
        exactly zero eigenvalues up to round-off; needs D >= 2); ``"pure"``: |ψ⟩⟨ψ|; ``"any"``: a mix.
    min_subsystems, max_subsystems, max_dim, max_total : int
        Passed to :func:`local_dims`.

    Returns
    -------
    SearchStrategy of (ndarray of shape (D, D), tuple of int)
        Exactly Hermitian, trace 1 to round-off, positive semidefinite to round-off.
    """
    require_choice("kind", kind, DENSITY_KINDS)
    dims_strategy = _dims_strategy(
        dims,
        require_int("min_subsystems", min_subsystems, minimum=1),
        require_int("max_subsystems", max_subsystems, minimum=min_subsystems),
        require_int("max_dim", max_dim, minimum=2),
        require_int("max_total", max_total, minimum=2, maximum=MAX_TOTAL_DIM),
    )
    if dims is not None and kind == "low-rank" and math.prod(dims_argument(dims)) < 2:
        raise ValueError("kind='low-rank' needs a total dimension >= 2")
    return dims_strategy.flatmap(lambda ds: st.tuples(_density_matrix(ds, kind), st.just(ds)))


class STTSample(NamedTuple):
    """A PRX Eq. 15 state with its sizes (electrons first, then localized spins; all qubits)."""

    state: np.ndarray
    n_e: int
    n_fm: int
    dims: tuple[int, ...]


def stt_states(*, min_n: int = 1, max_n: int = 3, equal_sizes: bool = False) -> st.SearchStrategy[STTSample]:
    """PRX Eq. 15 states (:func:`states.stt_superposition`) with their (n_e, n_fm).

    Parameters
    ----------
    min_n, max_n : int
        Range of N_e and of N_FM (1 <= min_n <= max_n <= 12).
    equal_sizes : bool
        Draw N_e = N_FM only (the case of PRX Fig. 8 and Eqs. 16–17).

    Returns
    -------
    SearchStrategy of STTSample
        ``(state, n_e, n_fm, dims)`` with dims = (2,) * (n_e + n_fm).
    """
    lo = require_int("min_n", min_n, minimum=1)
    hi = require_int("max_n", max_n, minimum=lo, maximum=12)
    require_bool("equal_sizes", equal_sizes)

    def build(sizes: tuple[int, int]) -> STTSample:
        from states import stt_superposition

        n_e, n_fm = sizes
        return STTSample(stt_superposition(n_e, n_fm), n_e, n_fm, (2,) * (n_e + n_fm))

    if equal_sizes:
        sizes = st.integers(lo, hi).map(lambda n: (n, n))
    else:
        sizes = st.tuples(st.integers(lo, hi), st.integers(lo, hi))
    return sizes.map(build)


def unitaries(*, dim: int) -> st.SearchStrategy[np.ndarray]:
    """Unitary matrices of size ``dim``: the Q factor of a QR decomposition of a drawn matrix.

    The phases of Q are fixed by diag(R) (Mezzadri's recipe), which makes Q Haar distributed when the
    drawn matrix is Gaussian; here the entries come from Hypothesis, so the distribution is not Haar,
    but Q is unitary to round-off for every draw (Householder QR), including degenerate ones.

    Parameters
    ----------
    dim : int
        Matrix size (1 <= dim <= 256).

    Returns
    -------
    SearchStrategy of ndarray, shape (dim, dim), complex
    """
    size = require_int("dim", dim, minimum=1, maximum=256)

    def build(parts: np.ndarray) -> np.ndarray:
        q, r = np.linalg.qr(parts[0] + 1j * parts[1])
        diagonal = np.diagonal(r)
        phases = np.where(np.abs(diagonal) > 0, diagonal / np.where(diagonal == 0, 1, np.abs(diagonal)), 1.0)
        return q * phases

    return float_arrays((2, size, size)).map(build)
