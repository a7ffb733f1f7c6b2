"""The PRX Eq. 15 state as an exact MPS.

On n = N_e + N_FM qubits (electron spins first, then the localized spins, as in
:func:`states.stt_superposition`), PRX Eq. 15 is the Dicke state |D_n^k⟩ with k = N_e spins ↑:
the equal-weight sum of all basis states that conserve total S^z (PRX Eq. 9).

Its left-canonical MPS follows from the recursion

    |D_{b+1}^{j'}⟩ = √((b+1−j')/(b+1)) |D_b^{j'}⟩|↓⟩ + √(j'/(b+1)) |D_b^{j'−1}⟩|↑⟩,

(the |D_{b+1}^{j'}⟩ configurations ending in ↓ are the C(b, j') of |D_b^{j'}⟩, those ending in ↑ the
C(b, j'−1) of |D_b^{j'−1}⟩, and C(b, j')/C(b+1, j') = (b+1−j')/(b+1), C(b, j'−1)/C(b+1, j') =
j'/(b+1)). The bond index after b qubits is the number j of ↑ among them, restricted to the values
that can still reach k: max(0, k − (n − b)) ≤ j ≤ min(b, k). Hence χ ≤ min(N_e, N_FM) + 1 on every
bond, and the tensors are exact (square roots of rationals, no large binomials).
"""

from __future__ import annotations

import numpy as np

from states.conventions import DOWN, UP
from states.validation import require_int
from verify.mps.mps import MPS

__all__ = ["MAX_DICKE_MPS_BYTES", "dicke_mps", "stt_mps"]

MAX_DICKE_MPS_BYTES: int = 2**30
"""Largest memory (bytes of complex128 tensors) of :func:`dicke_mps` / :func:`stt_mps`, estimated before any
allocation; raised with the keyword ``max_bytes=``."""


def _mps_bytes(n: int, k: int) -> int:
    """Bytes of the n tensors (χ_b, 2, χ_{b+1}), χ_b = min(b, n − b, k, n − k) + 1, complex128 (an upper bound)."""
    m = min(k, n - k)
    ramp = min(m, n // 2)
    ramp_squares = (ramp + 1) * (ramp + 2) * (2 * ramp + 3) // 6 - 1  # Σ_{i=2}^{ramp+1} i², χ_b χ_{b+1} ≤ (j + 2)²
    return 2 * 16 * (2 * ramp_squares + max(0, n - 2 * ramp) * (m + 1) ** 2)


def dicke_mps(n_qubits: int, n_up: int, *, max_bytes: int = MAX_DICKE_MPS_BYTES) -> MPS:
    """|D_n^k⟩ (k = ``n_up`` spins ↑ among n = ``n_qubits``) as a left-canonical MPS, centre on the last site.

    Raises
    ------
    TypeError
        Unless both are integers.
    ValueError
        Unless 1 <= n and 0 <= k <= n; or when the tensors would need more than ``max_bytes``
        (default :data:`MAX_DICKE_MPS_BYTES`), estimated before any allocation.
    """
    n = require_int("n_qubits", n_qubits, minimum=1)
    k = require_int("n_up", n_up, minimum=0)
    if k > n:
        raise ValueError(f"n_up = {k} exceeds n_qubits = {n}")
    limit = require_int("max_bytes", max_bytes, minimum=0)
    needed = _mps_bytes(n, k)
    if needed > limit:
        raise ValueError(
            f"the Dicke MPS of {n:,} qubits with {k:,} up needs ~{needed:.3g} bytes, more than the limit "
            f"max_bytes={limit:,}: pass max_bytes= to raise it"
        )

    def allowed(b: int) -> np.ndarray:  # values of j (↑ among the first b qubits) that can reach k
        return np.arange(max(0, k - (n - b)), min(b, k) + 1)

    tensors = []
    for b in range(n):
        left, right = allowed(b), allowed(b + 1)
        a = np.zeros((left.size, 2, right.size))
        # ↓ keeps j: j' = j
        col = np.searchsorted(right, left)
        ok = (col < right.size) & (right[np.minimum(col, right.size - 1)] == left)
        rows = np.flatnonzero(ok)
        a[rows, DOWN, col[ok]] = np.sqrt((b + 1 - right[col[ok]]) / (b + 1))
        # ↑ raises j: j' = j + 1
        col = np.searchsorted(right, left + 1)
        ok = (col < right.size) & (right[np.minimum(col, right.size - 1)] == left + 1)
        rows = np.flatnonzero(ok)
        a[rows, UP, col[ok]] = np.sqrt(right[col[ok]] / (b + 1))
        tensors.append(a.astype(complex))
    return MPS(tensors, center=n - 1)


def stt_mps(n_e: int, n_fm: int, *, max_bytes: int = MAX_DICKE_MPS_BYTES) -> MPS:
    """PRX Eq. 15 state for ``n_e`` electrons and ``n_fm`` localized spins (electrons first).

    Bond dimension ≤ min(N_e, N_FM) + 1 (module docstring).

    Raises
    ------
    TypeError
        Unless both are integers.
    ValueError
        For a negative count, or no qubit at all, or beyond ``max_bytes`` (:func:`dicke_mps`).
    """
    n_e = require_int("n_e", n_e, minimum=0)
    n_fm = require_int("n_fm", n_fm, minimum=0)
    if n_e + n_fm < 1:
        raise ValueError("n_e + n_fm must be at least 1")
    return dicke_mps(n_e + n_fm, n_e, max_bytes=max_bytes)
