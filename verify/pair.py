"""Exact evolution of a conduction-electron pair (or one electron) on a ring with a localized spin chain.

Pair paper Eq. 2 in first quantization, with the parameters of :class:`verify.models.PairOnRing`:

    H = −t_h Σ_i (|i><i+1| + h.c.)_A ⊗ 1 + 1 ⊗ (…)_B          (periodic ring of N sites)
        − J_ex Σ_{j<L} S^(j)·S^(j+1)                            (open chain of L localized spins)
        − J_sd Σ_j [P_{n_j}^A σ^A·S^(j) + P_{n_j}^B σ^B·S^(j)]   (sd exchange, Eq. 7 split by ``terms``)

σ and S carry the normalizations ``model.normalizations`` (default σ Pauli, S = σ/2). ``terms``
keeps all of σ·S = σ^zS^z + ½(σ^+S^− + σ^−S^+) (Eq. 7), only σ^zS^z ("longitudinal") or only the
flip part ("flip").

Representation
--------------
The Hamiltonian conserves the total 2S^z = Σ (±1) over the 2 (or 1) electron spins and the L
localized spins (each spin-1/2 counts ±1 whatever the operator normalization: the integer charge of
``states.conventions``). A state is the array ψ[x_A, x_B, s] (pair) or ψ[x, s] (one electron), with
x 0-based ring sites and s the index into the :class:`SpinSector` — the spin basis states of fixed
2S^z, in ascending order of their index in the full spin space (electron spins first, then the
localized spins 1..L, ``np.kron`` order; the two-electron factor is ordered ↑↑, ↑↓, ↓↑, ↓↓).

H is applied matrix-free (:meth:`PairHamiltonian.apply_affine`): hopping by in-place shifted
additions (BLAS axpy) along the orbital axes, J_ex by one small GEMM over the sector index, and the
sd term only on the slices x_A = n_j or x_B = n_j by small dense sector matrices.
:meth:`PairHamiltonian.to_sparse` assembles the same H as a scipy sparse matrix (reference for
``expm_multiply``).

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
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.linalg.blas import zherk as _zherk

import states
from entanglement import partial_trace
from states.conventions import PAULI_Z, QUBIT_CHARGE_2SZ, ladder_operators, spin_operators
from verify.models import PAIR_STATES, PairOnRing
from verify.propagate import ChebyshevStats, axpy, evolve
from verify.records.run import RunResult, output_times

__all__ = [
    "PAIR_PROBABILITY_COLUMNS",
    "PairHamiltonian",
    "PairObservables",
    "SpinSector",
    "embed_initial_state",
    "output_times",
    "packet_chain_intervals",
    "simulate_pair",
    "spin_sector",
]

PAIR_PROBABILITY_COLUMNS: tuple[str, ...] = ("singlet", "triplet+1", "triplet0", "triplet-1")
"""Column order of the ``pair_probabilities`` array."""

DEFAULT_TOL = 1e-12
"""Chebyshev truncation tolerance per window (see :mod:`verify.propagate`)."""


# --------------------------------------------------------------------------------------------------
# spin sector


@dataclass(frozen=True)
class SpinSector:
    """Spin basis states of fixed total 2S^z for ``n_electrons`` electron spins and ``n_spins`` localized spins.

    Attributes
    ----------
    n_electrons, n_spins : int
        Numbers of electron spins (1 or 2) and localized spins L.
    two_sz : int
        Total 2S^z (each spin-1/2 counts ±1).
    indices : ndarray of int
        Positions of the sector states in the full spin space of dimension 2^(n_electrons + L),
        ascending; full index = electron index · 2^L + localized index.
    two_sz_el, two_sz_loc : ndarray of int
        2S^z of the electron spins and of the localized spins of each sector state.
    """

    n_electrons: int
    n_spins: int
    two_sz: int
    indices: np.ndarray
    two_sz_el: np.ndarray
    two_sz_loc: np.ndarray

    @property
    def dim(self) -> int:
        """Number of sector states."""
        return int(self.indices.size)

    @property
    def full_dim(self) -> int:
        """Dimension 2^(n_electrons + L) of the full spin space."""
        return 2 ** (self.n_electrons + self.n_spins)

    def position(self, full_index: np.ndarray) -> np.ndarray:
        """Sector position of each full spin index (ValueError when one is not in the sector)."""
        full_index = np.asarray(full_index)
        pos = np.searchsorted(self.indices, full_index)
        pos = np.minimum(pos, self.dim - 1)
        if not np.all(self.indices[pos] == full_index):
            raise ValueError(
                f"spin states {full_index[self.indices[pos] != full_index]} are not in the 2S^z = {self.two_sz} sector"
            )
        return pos


def _two_sz_of_bits(index: np.ndarray, n_factors: int) -> np.ndarray:
    """Per-factor 2S^z of full spin indices, shape (len(index), n_factors) (bit q = factor q, leftmost first)."""
    shifts = np.arange(n_factors - 1, -1, -1)
    bits = (index[:, None] >> shifts[None, :]) & 1
    return QUBIT_CHARGE_2SZ[bits]


def spin_sector(n_electrons: int, n_spins: int, two_sz: int) -> SpinSector:
    """The :class:`SpinSector` of total 2S^z = ``two_sz``.

    Raises
    ------
    ValueError
        For ``n_electrons`` not in {1, 2}, ``n_spins`` < 1, or a ``two_sz`` no state has.
    """
    if n_electrons not in (1, 2):
        raise ValueError(f"n_electrons must be 1 or 2, got {n_electrons!r}")
    if not (isinstance(n_spins, int) and n_spins >= 1):
        raise ValueError(f"n_spins must be an integer >= 1, got {n_spins!r}")
    n_f = n_electrons + n_spins
    if not (isinstance(two_sz, (int, np.integer)) and abs(two_sz) <= n_f and (two_sz - n_f) % 2 == 0):
        raise ValueError(f"two_sz = {two_sz!r} is not a total 2S^z of {n_f} spins-1/2 (|2S^z| <= {n_f}, same parity)")
    full = np.arange(2**n_f)
    charges = _two_sz_of_bits(full, n_f)
    mask = charges.sum(axis=1) == two_sz
    return SpinSector(
        n_electrons=n_electrons,
        n_spins=n_spins,
        two_sz=int(two_sz),
        indices=full[mask],
        two_sz_el=charges[mask, :n_electrons].sum(axis=1),
        two_sz_loc=charges[mask, n_electrons:].sum(axis=1),
    )


def _embed_factor(op: np.ndarray, factor: int, n_factors: int) -> sp.csr_matrix:
    """A 2 × 2 operator on spin factor ``factor`` of ``n_factors`` (identity elsewhere), sparse."""
    left = sp.identity(2**factor, dtype=complex, format="csr")
    right = sp.identity(2 ** (n_factors - factor - 1), dtype=complex, format="csr")
    return sp.kron(sp.kron(left, sp.csr_matrix(op)), right, format="csr")


def _project(op: sp.spmatrix, sector: SpinSector) -> np.ndarray:
    """Dense sector block op[sector, sector]."""
    op = sp.csr_matrix(op)
    return op[sector.indices][:, sector.indices].toarray()


# --------------------------------------------------------------------------------------------------
# Hamiltonian


class PairHamiltonian:
    """Matrix-free pair paper Eq. 2 on one total-2S^z sector (pair or single electron).

    Parameters
    ----------
    model : PairOnRing
        Parameters (sizes, couplings, normalizations, ``terms``).
    n_electrons : {2, 1}
        Two electrons (ψ[x_A, x_B, s]) or one (ψ[x, s]; the "single-down" reference).
    two_sz : int
        Total 2S^z of the sector (see :func:`spin_sector`).

    Attributes
    ----------
    sector : SpinSector
    shape : tuple of int
        Shape of a state array.
    sd_matrices : ndarray, shape (n_electrons, L, s, s)
        −J_sd × (sd term of Eq. 7 kept by ``terms``) between electron α and localized spin j.
    ex_matrix : ndarray, shape (s, s)
        −J_ex Σ_j S^(j)·S^(j+1) on the sector.
    """

    def __init__(self, model: PairOnRing, n_electrons: int, two_sz: int) -> None:
        if not isinstance(model, PairOnRing):
            raise ValueError(f"model must be a PairOnRing, got {type(model).__name__}")
        self.model = model
        self.n_electrons = n_electrons
        self.sector = spin_sector(n_electrons, model.n_spins, two_sz)
        n = model.n_sites
        self.shape: tuple[int, ...] = (n,) * n_electrons + (self.sector.dim,)
        self.chain_sites = np.array(model.chain_sites)
        self.hopping = float(model.hopping)
        self.sd_matrices, self.ex_matrix = self._spin_matrices()
        self._ex_t = np.ascontiguousarray(self.ex_matrix.T)
        self._sd_t = np.ascontiguousarray(np.swapaxes(self.sd_matrices, -1, -2))
        self._has_sd = bool(np.any(self.sd_matrices != 0))

    # -- construction ------------------------------------------------------------------------------
    def _spin_matrices(self) -> tuple[np.ndarray, np.ndarray]:
        m, sec = self.model, self.sector
        n_e, n_l = self.n_electrons, m.n_spins
        n_f = n_e + n_l
        norm_el, norm_loc = m.normalizations
        _, _, sz_el = spin_operators(norm_el)
        sp_el, sm_el = ladder_operators(norm_el)
        s_loc = spin_operators(norm_loc)
        sp_loc, sm_loc = ladder_operators(norm_loc)
        keep_z = m.terms in ("full", "longitudinal")
        keep_flip = m.terms in ("full", "flip")
        s = sec.dim
        sd = np.zeros((n_e, n_l, s, s), dtype=complex)
        for a in range(n_e):
            for j in range(n_l):
                q = n_e + j
                term = sp.csr_matrix((sec.full_dim, sec.full_dim), dtype=complex)
                if keep_z:  # σ^z S^z
                    term = term + _embed_factor(sz_el, a, n_f) @ _embed_factor(s_loc[2], q, n_f)
                if keep_flip:  # ½(σ^+ S^- + σ^- S^+)
                    term = term + 0.5 * (
                        _embed_factor(sp_el, a, n_f) @ _embed_factor(sm_loc, q, n_f)
                        + _embed_factor(sm_el, a, n_f) @ _embed_factor(sp_loc, q, n_f)
                    )
                sd[a, j] = -m.j_sd * _project(term, sec)
        ex = sp.csr_matrix((sec.full_dim, sec.full_dim), dtype=complex)
        for j in range(n_l - 1):
            for comp in s_loc:
                ex = ex + _embed_factor(comp, n_e + j, n_f) @ _embed_factor(comp, n_e + j + 1, n_f)
        return sd, -m.j_ex * _project(ex, sec)

    # -- application -------------------------------------------------------------------------------
    def apply(self, psi: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Return H ψ for ψ of shape :attr:`shape` (matrix-free), in ``out`` when given."""
        if out is None:
            out = np.empty(self.shape, dtype=complex)
        self.apply_affine(psi, out, 1.0, 0.0)
        return out

    def apply_affine(self, psi: np.ndarray, out: np.ndarray, alpha: float, beta: float) -> None:
        """Write α H ψ + β ψ into ``out`` (both C-contiguous complex arrays of shape :attr:`shape`).

        The fast path of :func:`verify.propagate.evolve` (the Chebyshev recurrence needs
        (2/a)(H − c)ψ). Steps, each one pass over the state at most:

        1. J_ex and β: ``out = ψ @ (α ex_matrix + β 1)ᵀ`` — one GEMM over the sector index that also
           initializes ``out``;
        2. hopping, ``out[x] += −α t_h (ψ[x+1] + ψ[x−1])`` along each orbital axis: on the flattened
           arrays a shift along an axis is a shift by its stride, done in place by BLAS ``axpy``;
           the entries the flat shift gets wrong (the periodic wrap of each axis) are O(N·s) and are
           corrected afterwards;
        3. sd: ``out[n_j] += α ψ[n_j] @ sd_matrices[A, j]ᵀ`` on the x_A = n_j slice, likewise along x_B.
        """
        if psi.shape != self.shape or out.shape != self.shape:
            raise ValueError(f"states have shapes {psi.shape}, {out.shape}; the Hamiltonian acts on {self.shape}")
        if not (out.flags.c_contiguous and out.dtype == np.complex128):
            raise ValueError("apply_affine needs a C-contiguous complex128 output array")
        psi = np.ascontiguousarray(psi, dtype=complex)  # no copy in the propagator (already so)
        n, s = self.model.n_sites, self.sector.dim
        m = alpha * self._ex_t + beta * np.eye(s)
        np.matmul(psi.reshape(-1, s), m, out=out.reshape(-1, s))
        a = -alpha * self.hopping
        pf, of = psi.reshape(-1), out.reshape(-1)
        strides = (n * s, s) if self.n_electrons == 2 else (s,)
        for stride in strides:
            axpy(pf[stride:], of[:-stride], a)  # out[i] += a ψ[i + stride]
            axpy(pf[:-stride], of[stride:], a)  # out[i] += a ψ[i − stride]
        # periodic wrap of axis 0: the flat shift by n·s (pair) or s (single) left out these rows
        out[0] += a * psi[-1]
        out[-1] += a * psi[0]
        if self.n_electrons == 2:
            # axis 1: at x_B = N−1 the flat shift added ψ[x_A+1, 0] instead of ψ[x_A, 0], at x_B = 0
            # it added ψ[x_A−1, N−1] instead of ψ[x_A, N−1]
            out[:, -1] += a * psi[:, 0]
            out[:-1, -1] -= a * psi[1:, 0]
            out[:, 0] += a * psi[:, -1]
            out[1:, 0] -= a * psi[:-1, -1]
        if self._has_sd:
            for j, site in enumerate(self.chain_sites):
                out[site] += psi[site] @ (alpha * self._sd_t[0, j])
                if self.n_electrons == 2:
                    out[:, site] += psi[:, site] @ (alpha * self._sd_t[1, j])

    __call__ = apply

    def energy(self, psi: np.ndarray) -> float:
        """⟨ψ|H|ψ⟩ (eV; not divided by ⟨ψ|ψ⟩)."""
        return float(np.vdot(psi, self.apply(psi)).real)

    def bounds(self) -> tuple[float, float]:
        """Rigorous bounds on the spectrum of H on the sector (Weyl's inequality, hopping + spin part).

        H = H_hop + H_spin with H_spin = J_ex + sd. H_hop has the exact ring spectrum
        −2t_h cos(2πq/N) per electron (summed over the electrons). H_spin is block diagonal in the
        orbital configuration (x_A, x_B) with only (L + 1)^n_e distinct blocks
        ex + sd_A(j_A) + sd_B(j_B) (j = the spin at the electron's site, or none), whose exact
        eigenvalues give the exact range of H_spin. Weyl: λ(H) ⊂ [min H_hop + min H_spin,
        max H_hop + max H_spin].
        """
        n = self.model.n_sites
        band = -2.0 * self.hopping * np.cos(2 * np.pi * np.arange(n) / n)
        lo = self.n_electrons * float(band.min())
        hi = self.n_electrons * float(band.max())
        s = self.sector.dim
        # per electron: its sd matrix at each chain site, plus zero (electron off the chain)
        per_el = [np.concatenate([np.zeros((1, s, s)), self.sd_matrices[a]]) for a in range(self.n_electrons)]
        blocks = self.ex_matrix + per_el[0]
        if self.n_electrons == 2:
            blocks = blocks[:, None] + per_el[1][None, :]
        ev = np.linalg.eigvalsh(blocks.reshape(-1, s, s))
        return lo + float(ev[:, 0].min()), hi + float(ev[:, -1].max())

    def to_sparse(self) -> sp.csr_matrix:
        """The same H as a scipy CSR matrix on the flattened state (C order of :attr:`shape`)."""
        n = self.model.n_sites
        s = self.sector.dim
        ring = sp.diags([np.ones(n - 1), np.ones(n - 1)], [1, -1], format="lil", dtype=complex)
        ring[0, n - 1] += 1.0
        ring[n - 1, 0] += 1.0
        hop = -self.hopping * ring.tocsr()
        eye_n = sp.identity(n, dtype=complex, format="csr")
        eye_s = sp.identity(s, dtype=complex, format="csr")
        if self.n_electrons == 2:
            mats = [sp.kron(sp.kron(hop, eye_n), eye_s), sp.kron(sp.kron(eye_n, hop), eye_s)]
            mats.append(sp.kron(sp.identity(n * n, dtype=complex), sp.csr_matrix(self.ex_matrix)))
        else:
            mats = [sp.kron(hop, eye_s), sp.kron(eye_n, sp.csr_matrix(self.ex_matrix))]
        for j, site in enumerate(self.chain_sites):
            proj = sp.csr_matrix(([1.0], ([site], [site])), shape=(n, n), dtype=complex)
            if self.n_electrons == 2:
                mats.append(sp.kron(sp.kron(proj, eye_n), sp.csr_matrix(self.sd_matrices[0, j])))
                mats.append(sp.kron(sp.kron(eye_n, proj), sp.csr_matrix(self.sd_matrices[1, j])))
            else:
                mats.append(sp.kron(proj, sp.csr_matrix(self.sd_matrices[0, j])))
        return sp.csr_matrix(sum(mats[1:], mats[0]))

    def exchange(self, psi: np.ndarray) -> np.ndarray:
        """P_AB ψ: swap the orbital coordinates and the spins of electrons A and B (pair only).

        Fermionic antisymmetry (Eqs. 3, 8) is ``exchange(ψ) == −ψ``; H commutes with the exchange.
        """
        if self.n_electrons != 2:
            raise ValueError("exchange needs two electrons")
        if psi.shape != self.shape:
            raise ValueError(f"state has shape {psi.shape}, expected {self.shape}")
        n_l = self.model.n_spins
        el, loc = np.divmod(self.sector.indices, 2**n_l)
        swapped = (2 * (el % 2) + el // 2) * 2**n_l + loc  # (e_A, e_B) -> (e_B, e_A)
        perm = self.sector.position(swapped)
        return np.ascontiguousarray(np.swapaxes(psi, 0, 1)[:, :, perm])


# --------------------------------------------------------------------------------------------------
# states


def embed_initial_state(psi_el: np.ndarray, n_spins: int) -> tuple[int, np.ndarray]:
    """Put an electron state (…, 2^n_e) times localized spins all ↑ into its total-2S^z sector.

    Parameters
    ----------
    psi_el : ndarray, shape (N, N, 4) or (N, 2)
        Electron state, last axis the electron spin basis (↑↑, ↑↓, ↓↑, ↓↓) or (↑, ↓).
    n_spins : int
        L; the localized spins start in the ferromagnetic state |↑…↑⟩ (pair paper, Model).

    Returns
    -------
    (int, ndarray)
        The sector's total 2S^z and the state ψ[..., s] on that sector.

    Raises
    ------
    ValueError
        When the electron spin part mixes different 2S^z (then it is not in one sector).
    """
    psi_el = np.asarray(psi_el)
    n_e = psi_el.ndim - 1
    if n_e not in (1, 2) or psi_el.shape[-1] != 2**n_e or any(d != psi_el.shape[0] for d in psi_el.shape[:-1]):
        raise ValueError(f"electron state must have shape (N, 2) or (N, N, 4), got {psi_el.shape}")
    weight = np.sum(np.abs(psi_el.reshape(-1, 2**n_e)) ** 2, axis=0)
    el_charge = _two_sz_of_bits(np.arange(2**n_e), n_e).sum(axis=1)
    present = np.unique(el_charge[weight > 1e-28 * max(weight.sum(), 1e-300)])
    if present.size != 1:
        raise ValueError(f"the electron spin state mixes 2S^z values {present.tolist()}: not in one S^z sector")
    two_sz = int(present[0]) + n_spins
    sector = spin_sector(n_e, n_spins, two_sz)
    els = np.nonzero(el_charge == present[0])[0]
    pos = sector.position(els * 2**n_spins)  # localized spins all ↑: localized index 0
    psi = np.zeros((*psi_el.shape[:-1], sector.dim), dtype=complex)
    psi[..., pos] = psi_el[..., els]
    return two_sz, psi


# --------------------------------------------------------------------------------------------------
# observables


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
        upper = _zherk(1.0, x.T, trans=0)  # x.T is Fortran-ordered (s × n_orb): A A† = xᵀ x* = ρ
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


# --------------------------------------------------------------------------------------------------
# geometry


def packet_chain_intervals(model: PairOnRing) -> np.ndarray:
    """Time intervals (fs) during which each packet overlaps the spin chain (figure shading).

    A packet's centre moves at ``model.group_velocity``: x_j(t) = x_j + v t (1-based sites, no
    wrapping around the ring, as in the paper's geometry). Packet j counts as inside the chain while
    [x_j(t) − 2σ_d, x_j(t) + 2σ_d] overlaps [chain_start, chain_start + L − 1].

    Returns
    -------
    ndarray, shape (2, 2)
        Rows φ1 (centre x1) and φ2 (centre x2; the single spin-↓ electron also starts at x2),
        columns (t_enter, t_exit); may be negative (already entered) — clip for plotting.

    Raises
    ------
    ValueError
        When the group velocity is zero (k = 0 or π: the packets do not move).
    """
    if not isinstance(model, PairOnRing):
        raise ValueError(f"model must be a PairOnRing, got {type(model).__name__}")
    v = model.group_velocity
    if abs(v) < 1e-14:
        raise ValueError(f"group velocity is zero (k = {model.k}): packets never cross the chain")
    first, last = model.chain_start, model.chain_start + model.n_spins - 1
    rows = []
    for x in (model.x1, model.x2):
        t_a = (first - 2 * model.sigma - x) / v
        t_b = (last + 2 * model.sigma - x) / v
        rows.append(sorted((t_a, t_b)))
    return np.array(rows)


# --------------------------------------------------------------------------------------------------
# entry point


def _initial_electron_state(model: PairOnRing, pair: str, theta: float | None) -> np.ndarray:
    if pair == "single-down":
        return states.single_electron_state(model.n_sites, model.x2, model.sigma, model.k, spin="down")
    return states.pair_state(model.n_sites, model.x1, model.x2, model.sigma, model.k, pair, theta=theta)


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def simulate_pair(
    model: PairOnRing,
    pair: str,
    *,
    theta: float | None = None,
    t_max: float = 60.0,
    dt_out: float = 0.5,
    progress: Callable[[float], None] | None = None,
    tol: float = DEFAULT_TOL,
) -> RunResult:
    """Exact evolution of the pair paper's Eq. 2 from one of its initial states; time series of Eqs. 5–6.

    Parameters
    ----------
    model : PairOnRing
        All model parameters (``terms`` selects the sd part of Eq. 7).
    pair : {"singlet", "triplet+1", "triplet0", "triplet-1", "theta", "single-down"}
        Initial electron state: a pair of Eq. 3 with the named spin state, the θ state of Eq. 8, or
        one spin-↓ electron at x2. Localized spins start all ↑ (ferromagnetic ground state along +z).
    theta : float, optional
        Relative phase θ of Eq. 8; required iff ``pair == "theta"``.
    t_max, dt_out : float
        Final time (≥ 0) and output spacing (> 0), in fs; outputs at 0, dt_out, … ≤ t_max.
    progress : callable, optional
        Called after each output with the fraction of the run done (t / t_max, in [0, 1]).
    tol : float
        Chebyshev truncation tolerance per window.

    Returns
    -------
    RunResult
        arrays: ``t`` (fs), ``sigma_z`` (Eq. 5, Pauli units), ``S_z`` (Eq. 6, model S units),
        ``spin_transfer`` = |σ_z(t) − σ_z(0)|, ``pair_probabilities`` (n_t, 4) in the order of
        :data:`PAIR_PROBABILITY_COLUMNS` (NaN for "single-down"), ``norm``, ``energy`` (eV),
        ``sz_total`` (total 2S^z, Pauli units).
        meta: ``model`` (``model.to_dict()``), pair, theta, t_max, dt_out, method "chebyshev",
        wall_time_s, drifts {norm, energy, sz_total} (max |x(t) − x(0)|), sector_dim, state_dim,
        two_sz, chebyshev counters, column names and units.

    Raises
    ------
    ValueError
        For an unknown ``pair``, a missing or superfluous ``theta``, ``t_max < 0``, ``dt_out <= 0``
        or non-finite values.
    """
    start = time.perf_counter()
    if not isinstance(model, PairOnRing):
        raise ValueError(f"model must be a PairOnRing, got {type(model).__name__}")
    if pair not in PAIR_STATES:
        raise ValueError(f"unknown pair {pair!r}: use one of {list(PAIR_STATES)}")
    if pair == "theta":
        if not (_is_real(theta) and math.isfinite(theta)):
            raise ValueError(f"pair='theta' needs a finite theta, got {theta!r}")
    elif theta is not None:
        raise ValueError(f"theta is only used with pair='theta', got theta={theta!r} for pair={pair!r}")
    if not (_is_real(t_max) and math.isfinite(t_max) and t_max >= 0):
        raise ValueError(f"t_max must be a finite number >= 0, got {t_max!r}")
    if not (_is_real(dt_out) and math.isfinite(dt_out) and dt_out > 0):
        raise ValueError(f"dt_out must be a finite number > 0, got {dt_out!r}")

    psi_el = _initial_electron_state(model, pair, float(theta) if theta is not None else None)
    two_sz, psi0 = embed_initial_state(psi_el, model.n_spins)
    ham = PairHamiltonian(model, psi0.ndim - 1, two_sz)
    obs = PairObservables(ham)
    times = output_times(float(t_max), float(dt_out))
    stats = ChebyshevStats()

    n_t = times.size
    sigma_z = np.empty(n_t)
    s_z = np.empty(n_t)
    sz_total = np.empty(n_t)
    norm = np.empty(n_t)
    energy = np.empty(n_t)
    probs = np.empty((n_t, 4))
    for i, (t, psi) in enumerate(
        evolve(
            ham.apply,
            psi0,
            times,
            bounds=ham.bounds(),
            hbar=model.hbar,
            tol=tol,
            stats=stats,
            apply_affine=ham.apply_affine,
        )
    ):
        o = obs(psi)
        sigma_z[i], s_z[i], sz_total[i], norm[i] = o["sigma_z"], o["S_z"], o["sz_total"], o["norm"]
        probs[i] = o["pair_probabilities"]
        energy[i] = ham.energy(psi)
        if progress is not None:
            progress(t / t_max if t_max > 0 else 1.0)

    arrays = {
        "t": times,
        "sigma_z": sigma_z,
        "S_z": s_z,
        "spin_transfer": np.abs(sigma_z - sigma_z[0]),
        "pair_probabilities": probs,
        "norm": norm,
        "energy": energy,
        "sz_total": sz_total,
    }
    norm_el, norm_loc = model.normalizations
    meta = {
        "model": model.to_dict(),
        "pair": pair,
        "theta": None if theta is None else float(theta),
        "t_max": float(t_max),
        "dt_out": float(dt_out),
        "method": "chebyshev",
        "tol": tol,
        "wall_time_s": time.perf_counter() - start,
        "drifts": {
            "norm": float(np.max(np.abs(norm - norm[0]))),
            "energy": float(np.max(np.abs(energy - energy[0]))),
            "sz_total": float(np.max(np.abs(sz_total - sz_total[0]))),
        },
        "sector_dim": ham.sector.dim,
        "state_dim": int(np.prod(ham.shape)),
        "two_sz": two_sz,
        "chebyshev": stats.as_dict(),
        "pair_probability_columns": list(PAIR_PROBABILITY_COLUMNS),
        "units": {
            "t": "fs",
            "energy": "eV",
            "sigma_z": "Pauli (±1 per electron)",
            "S_z": f"{norm_loc} normalization ({'±1/2' if norm_loc == 'half' else '±1'} per localized spin)",
            "sz_total": "total 2S^z (±1 per spin-1/2)",
            "electron_sigma_normalization_in_H": norm_el,
        },
    }
    if pair == "single-down":
        meta["pair_probabilities_note"] = "NaN: one electron has no pair spin state"
    return RunResult(arrays, meta)
