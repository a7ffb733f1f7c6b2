"""The data a :class:`verify.tebd.TEBD` engine is built from and resumes from: its gates
(:class:`GateSet`, e^{−i h_b w δt} of every bond from one eigendecomposition each) and what continues a
run bit for bit (:class:`TEBDResumeData`, as TeNPy's ``get_resume_data``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from verify.models import HERMITICITY_ATOL

__all__ = ["GateSet", "TEBDResumeData"]


@dataclass
class GateSet:
    """e^{−i h_b w δt} for the bonds of a chain, from one eigendecomposition per bond.

    Parameters
    ----------
    bond_hamiltonians : sequence of ndarray
        Hermitian h_b.
    dt : float
        Time step δt (ħ = 1).
    """

    bond_hamiltonians: Sequence[np.ndarray]
    dt: float
    _eig: list[tuple[np.ndarray, np.ndarray]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._eig = []
        for b, h in enumerate(self.bond_hamiltonians):
            h = np.asarray(h)
            # Absolute test only: a relative tolerance (np.allclose's rtol=1e-5) would let an
            # anti-Hermitian part of 1e-5 |h| through, and its gates would not be unitary.
            excess = float(np.max(np.abs(h - h.conj().T), initial=0.0))
            if excess > HERMITICITY_ATOL:
                raise ValueError(
                    f"bond Hamiltonian {b} is not Hermitian: max|h - h†| = {excess:.3g} > {HERMITICITY_ATOL:g}"
                )
            self._eig.append(np.linalg.eigh(h))

    def matrix(self, bond: int, weight: float) -> np.ndarray:
        """The unitary e^{−i h_b weight δt} as a matrix (:class:`TEBD` caches it in backend form)."""
        w, v = self._eig[bond]
        return (v * np.exp(-1j * w * weight * self.dt)) @ v.conj().T


@dataclass
class TEBDResumeData:
    """What continues a TEBD run bit for bit (:meth:`TEBD.resume_data`, TeNPy's ``get_resume_data``).

    Attributes
    ----------
    tensors : list of ndarray or ChargedTensor
        Site tensors A[l, p, r]: dense arrays (block-sparse ones densified; the blocks are cut out
        again), or the block-sparse tensors themselves (``resume_data(dense=False)``; checkpoints).
    center : int or None
        Orthogonality centre; None for the B form of a layer scheme.
    bond_values : list of ndarray or None
        Schmidt values of every bond (B form of a layer scheme), else None.
    steps : int
        Completed Trotter steps.
    truncation_error : float
        Accumulated discarded weight.
    limited_steps : list of int
        Steps flagged as truncation-limited so far.
    """

    tensors: list[np.ndarray]
    center: int | None
    bond_values: list[np.ndarray] | None
    steps: int
    truncation_error: float
    limited_steps: list[int] = field(default_factory=list)
