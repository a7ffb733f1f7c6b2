"""The tensor operations TEBD and the MPS code need, behind one small interface, and its dense case.

Only the backends touch the storage of MPS tensors. :class:`DenseBackend` stores them as plain
numpy arrays; the block-sparse backend (:class:`verify.tensors.BlockSparseBackend`) implements the
same methods blockwise (charges on every leg), and the dense evolver is then its trivial-charge
case — one TEBD, not two. The interface therefore avoids generic reshapes: every operation names the
legs it groups.

Leg conventions
---------------
* site tensor ``A[l, p, r]`` (left bond, physical, right bond);
* two-site tensor ``theta[l, p1, p2, r]``;
* two-site gate ``G[p1', p2', p1, p2]`` (outgoing legs first), built from a
  (d1 d2) × (d1 d2) matrix whose row index is p1' d2 + p2' (``np.kron`` order).

Physical legs
-------------
:meth:`TensorBackend.physical` gives the "leg spec" of a site tensor's physical leg — the int d for
the dense backend, a :class:`verify.tensors.Leg` (d and the charges of the local basis) for the
block-sparse one — and :meth:`TensorBackend.gate` takes two such specs, so engine code never builds
a physical leg from a local dimension.

Truncation is that of :mod:`verify.tensors.decompositions` (:func:`truncation_rank`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import scipy.linalg as sla

from verify.tensors.blocksparse_env import close_bra, close_density, env_times, op_times
from verify.tensors.decompositions import Split, svd, truncation_rank

__all__ = ["DENSE", "DenseBackend", "TensorBackend"]


class TensorBackend(Protocol):
    """Operations on MPS tensors used by :mod:`verify.mps` and :mod:`verify.tebd`."""

    def from_dense(self, array: np.ndarray, *, physical: Sequence[Any] | None = None) -> Any: ...

    def to_dense(self, tensor: Any) -> np.ndarray: ...

    def shape(self, tensor: Any) -> tuple[int, ...]: ...

    def physical(self, tensor: Any) -> Any: ...

    def two_site(self, a: Any, b: Any) -> Any: ...

    def apply_gate(self, gate: Any, theta: Any) -> Any: ...

    def gate(self, matrix: np.ndarray, p1: Any, p2: Any) -> Any: ...

    def split(self, theta: Any, *, chi_max: int, trunc: float, absorb: str) -> Split: ...

    def split_vidal(self, c: Any, left_values: np.ndarray, *, chi_max: int, trunc: float) -> Split: ...

    def qr_left(self, a: Any) -> tuple[Any, Any]: ...

    def lq_right(self, a: Any) -> tuple[Any, Any]: ...

    def absorb_left(self, r: Any, a: Any) -> Any: ...

    def absorb_right(self, a: Any, r: Any) -> Any: ...

    def singular_values(self, r: Any) -> np.ndarray: ...

    def norm(self, tensor: Any) -> float: ...

    def density(self, tensor: Any, env: Any = None) -> np.ndarray: ...

    def scaled_density(self, tensor: Any, scale: np.ndarray) -> np.ndarray: ...

    def expectation(self, theta: Any, matrix: np.ndarray) -> complex: ...

    def qr_r(self, a: Any) -> Any: ...

    def transfer(self, env: Any, a: Any, op: np.ndarray | None = None) -> Any: ...

    def trace(self, env: Any) -> complex | np.ndarray: ...


class DenseBackend:
    """Dense numpy storage: every tensor is a complex ndarray."""

    def from_dense(self, array: np.ndarray, *, physical: Sequence[int] | None = None) -> np.ndarray:
        """The array as a contiguous complex tensor; ``physical`` (local dimensions) is checked if given."""
        tensor = np.ascontiguousarray(array, dtype=complex)
        if physical is not None and tuple(tensor.shape[1:-1]) != tuple(int(d) for d in physical):
            raise ValueError(f"array shape {tensor.shape} does not match the physical dimensions {tuple(physical)}")
        return tensor

    def to_dense(self, tensor: np.ndarray) -> np.ndarray:
        return tensor

    def shape(self, tensor: np.ndarray) -> tuple[int, ...]:
        return tensor.shape

    def physical(self, tensor: np.ndarray) -> int:
        """The local dimension d of a site tensor A[l, p, r] (the dense physical leg spec)."""
        return int(tensor.shape[1])

    def two_site(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """theta[l, p1, p2, r] = Σ_k a[l, p1, k] b[k, p2, r]."""
        chi_l, d1, _ = a.shape
        _, d2, chi_r = b.shape
        return (a.reshape(chi_l * d1, -1) @ b.reshape(-1, d2 * chi_r)).reshape(chi_l, d1, d2, chi_r)

    def gate(self, matrix: np.ndarray, p1: int, p2: int) -> np.ndarray:
        """A (d1 d2)×(d1 d2) matrix as a gate tensor G[p1', p2', p1, p2] (``p1``, ``p2``: d1, d2)."""
        d1, d2 = p1, p2
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
        """SVD of theta between (l, p1) and (p2, r), truncated (:func:`truncation_rank`)."""
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
        u, s, vh = svd(scaled)
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

    def qr_r(self, a: np.ndarray) -> np.ndarray:
        """The factor r of :meth:`qr_left` alone (no q is formed: half the work)."""
        chi_l, d, chi_r = a.shape
        r = sla.qr(a.reshape(chi_l * d, chi_r), mode="r", check_finite=False)[0]
        return r[: min(chi_l * d, chi_r)]

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

    # ------------------------------------------------------------------ environments (measurements)
    def density(self, tensor: np.ndarray, env: np.ndarray | None = None) -> np.ndarray:
        """ρ[..., P, P'] = Σ E[..., l, l'] t[l, P, r] t*[l', P', r] over the physical legs of a site or
        two-site tensor (P combined in ``np.kron`` order); E = identity when ``env`` is None. Not
        normalized; leading axes of ``env`` (a stack of environments) are kept."""
        x = tensor.reshape(tensor.shape[0], -1, tensor.shape[-1])
        return close_density(env_times(env, x), x)

    def scaled_density(self, tensor: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """ρ[P, P'] = Σ_{l, r} s_l² t[l, P, r] t*[l, P', r] of a site tensor: the density of Λ·t, Λ = diag(s).

        Raises
        ------
        ValueError
            When ``tensor`` is not a site tensor (l, p, r) or ``scale`` does not fit its left leg.
        """
        scale = np.asarray(scale, dtype=float)
        if tensor.ndim != 3 or scale.shape != (tensor.shape[0],):
            raise ValueError(f"a scale of shape {scale.shape} for a site tensor of shape {tensor.shape}")
        return self.density(tensor * scale[:, None, None])

    def expectation(self, theta: np.ndarray, matrix: np.ndarray) -> complex:
        """⟨θ|M|θ⟩ for a two-site tensor θ[l, p1, p2, r] and an operator M on (p1, p2) (``np.kron`` order)."""
        chi_l, d1, d2, chi_r = theta.shape
        vec = theta.transpose(1, 2, 0, 3).reshape(d1 * d2, chi_l * chi_r)
        return complex(np.vdot(vec, matrix @ vec))

    def transfer(self, env: np.ndarray | None, a: np.ndarray, op: np.ndarray | None = None) -> np.ndarray:
        """E'[..., o..., r, r'] = Σ E[..., l, l'] a[l, p, r] O[o..., p', p] a*[l', p', r'] (E, O = identity
        when None; O may be a stack of operators, its axes follow those of E)."""
        y = env_times(env, a)
        return close_bra(y if op is None else op_times(y, op), a)

    def trace(self, env: np.ndarray) -> complex | np.ndarray:
        """Σ_r E[..., r, r] (an array over the leading axes of a stack)."""
        total = np.trace(env, axis1=-2, axis2=-1)
        return complex(total) if np.ndim(total) == 0 else total


DENSE = DenseBackend()
"""The dense backend instance (the trivial-charge case)."""
