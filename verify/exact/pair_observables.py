"""Observables of the pair-on-a-ring model (pair paper Eqs. 5–6) from a sector state ψ[x..., s].

Observables (pair paper Eqs. 5–6), :class:`PairObservables`:

* ``sigma_z`` = Tr ρ_el (σ_z^A + σ_z^B) in Pauli units (eigenvalues ±1 per electron), from the
  reduced electron-spin density matrix ρ_el;
* ``S_z`` = Σ_j ⟨S_z^(j)⟩ in the model's S normalization (½ per ↑ spin for the default "pauli-half");
* ``sz_total`` = ⟨σ_z⟩ + Σ_j ⟨σ_z^(j)⟩, the total 2S^z in Pauli units (integer charge; conserved);
* ``pair_probabilities`` = ⟨S|ρ_el|S⟩, ⟨T+|ρ_el|T+⟩, ⟨T0|ρ_el|T0⟩, ⟨T−|ρ_el|T−⟩ (NaN for one electron).

ρ_el is computed by :func:`entanglement.partial_trace` on a small purification of the spin density
matrix: with X = ψ reshaped to (orbital, s), the sector density matrix is ρ = Xᵀ X* (one BLAS herk
pass), and with ρ = W Λ W† the s × s matrix R = √Λ Wᵀ satisfies Rᵀ R* = ρ, so R (an "environment"
of dimension s times the sector), embedded in the full spin space of dimension 4 · 2^L, is a ket
with exactly the spin reduced density matrices of ψ. No full-space state of size N² · 4 · 2^L is
ever formed. ``S_z`` is read off the sector populations Σ_x |ψ[x, s]|², so ``sz_total`` compares
two independent routes (partial trace for σ_z, populations for S_z); in the sector representation
the conservation of 2S^z by the dynamics holds by construction (tested separately: H has no matrix
elements between sectors).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.linalg.blas import zherk

import states
from entanglement import partial_trace
from states.conventions import PAULI_Z, spin_operators
from verify.exact.pair import PairHamiltonian

__all__ = ["PAIR_PROBABILITY_COLUMNS", "PairObservables"]

PAIR_PROBABILITY_COLUMNS: tuple[str, ...] = ("singlet", "triplet+1", "triplet0", "triplet-1")
"""Column order of the ``pair_probabilities`` array."""


class PairObservables:
    """Spin observables of pair paper Eqs. 5–6 and the pair-state probabilities (module docstring).

    Parameters
    ----------
    hamiltonian : PairHamiltonian
        Provides the sector and the model normalizations.
    """

    def __init__(self, hamiltonian: PairHamiltonian) -> None:
        self.sector = hamiltonian.sector
        self.n_electrons = hamiltonian.n_electrons
        _, norm_loc = hamiltonian.model.normalizations
        self.loc_scale = float(spin_operators(norm_loc)[2][0, 0].real)  # S_z of one ↑ spin
        self.dims = (self.sector.dim, 2**self.n_electrons, 2**self.sector.n_spins)
        sz = PAULI_Z
        eye = np.eye(2)
        self.sigma_z_op = np.kron(sz, eye) + np.kron(eye, sz) if self.n_electrons == 2 else sz
        if self.n_electrons == 2:
            self.pair_vectors = np.stack([states.singlet(), states.triplet(1), states.triplet(0), states.triplet(-1)])

    def sector_density_matrix(self, psi: np.ndarray) -> np.ndarray:
        """ρ_sector[s, s'] = Σ_x ψ[x, s] ψ*[x, s'] (the spin density matrix restricted to the sector).

        One BLAS ``zherk`` pass over ψ (no conjugated copy); populations are its diagonal.
        """
        s = self.sector.dim
        x = np.ascontiguousarray(psi).reshape(-1, s)
        upper = zherk(1.0, x.T, trans=0)  # x.T is Fortran-ordered (s × n_orb): A A† = xᵀ x* = ρ
        return np.triu(upper) + np.triu(upper, 1).conj().T

    def purification(self, psi: np.ndarray) -> np.ndarray:
        """Ket on (environment s) ⊗ (full spin space) with the spin reduced density matrix of ψ.

        With ρ = W Λ W† (sector density matrix), R = √Λ Wᵀ satisfies Rᵀ R* = W Λ W† = ρ, i.e. the
        ket Σ_i Σ_s R[i, s] |i⟩|s⟩ has spin density matrix ρ.
        """
        return self._purify(self.sector_density_matrix(psi))

    def _purify(self, rho: np.ndarray) -> np.ndarray:
        lam, w = np.linalg.eigh(rho)
        r = np.sqrt(np.clip(lam, 0.0, None))[:, None] * w.T
        ket = np.zeros((self.sector.dim, self.sector.full_dim), dtype=complex)
        ket[:, self.sector.indices] = r
        return ket.reshape(-1)

    def electron_density_matrix(self, psi: np.ndarray) -> np.ndarray:
        """ρ_el (4 × 4 or 2 × 2), via :func:`entanglement.partial_trace` of the purification."""
        return partial_trace(self.purification(psi), keep=[1], dims=self.dims)

    def populations(self, psi: np.ndarray) -> np.ndarray:
        """Σ_x |ψ[x, s]|² for each sector state s."""
        return np.diag(self.sector_density_matrix(psi)).real.copy()

    def __call__(self, psi: np.ndarray) -> dict[str, float | np.ndarray]:
        """All observables of ψ: norm, sigma_z, S_z, sz_total, pair_probabilities, rho_el."""
        rho_sector = self.sector_density_matrix(psi)
        pops = np.diag(rho_sector).real
        rho = partial_trace(self._purify(rho_sector), keep=[1], dims=self.dims)
        sigma_z = float(np.trace(rho @ self.sigma_z_op).real)
        loc_2sz = float(pops @ self.sector.two_sz_loc)
        if self.n_electrons == 2:
            probs = np.einsum("ka,ab,kb->k", self.pair_vectors.conj(), rho, self.pair_vectors).real
        else:
            probs = np.full(4, np.nan)
        return {
            "norm": float(math.sqrt(pops.sum())),
            "sigma_z": sigma_z,
            "S_z": self.loc_scale * loc_2sz,
            "sz_total": sigma_z + loc_2sz,
            "pair_probabilities": probs,
            "rho_el": rho,
        }
