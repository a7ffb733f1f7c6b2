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

Observables are in :mod:`verify.exact.pair_observables`; the run driver is
:func:`verify.records.simulate_pair`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

import states
from states.conventions import QUBIT_CHARGE_2SZ, ladder_operators, spin_operators
from states.validation import require_choice
from verify.exact.chebyshev import axpy
from verify.models import PAIR_STATES, PairOnRing

__all__ = [
    "PairHamiltonian",
    "SpinSector",
    "embed_initial_state",
    "pair_initial_state",
    "spin_sector",
    "two_sz_of_bits",
]


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


def two_sz_of_bits(index: np.ndarray, n_factors: int) -> np.ndarray:
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
    charges = two_sz_of_bits(full, n_f)
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

        The fast path of :func:`verify.exact.chebyshev.evolve` (the Chebyshev recurrence needs
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


def pair_initial_state(model: PairOnRing, pair: str, theta: float | None = None) -> np.ndarray:
    """The electron part of a pair-paper initial state, by name (:data:`verify.models.PAIR_STATES`).

    ``"single-down"`` is one spin-↓ electron in the packet of Eq. 4 at ``x2`` (the paper's Fig. 2a
    reference, :func:`states.single_electron_state`); every other name is the antisymmetrized pair of
    Eq. 3 (Eq. 8 for ``"theta"``) with packets at ``x1`` and ``x2`` (:func:`states.pair_state`).
    Width σ and wave vector k are the model's. :func:`embed_initial_state` adds the localized spins.

    Parameters
    ----------
    model : PairOnRing
    pair : str
        One of :data:`verify.models.PAIR_STATES`.
    theta : float, optional
        Relative phase of Eq. 8; required for ``"theta"`` and refused otherwise.

    Returns
    -------
    ndarray
        ψ[x, s] of shape (N, 2) for ``"single-down"``, ψ[x_A, x_B, s] of shape (N, N, 4) for a pair.

    Raises
    ------
    TypeError
        For a model that is not a :class:`~verify.models.PairOnRing` or a ``pair`` that is not a string.
    ValueError
        For an unknown ``pair``, a missing ``theta`` for ``"theta"`` or a ``theta`` for another state.
    """
    if not isinstance(model, PairOnRing):
        raise TypeError(f"model must be a PairOnRing, got {type(model).__name__}")
    require_choice("pair", pair, PAIR_STATES)
    if pair == "single-down":
        if theta is not None:
            raise ValueError(f"theta is only used with pair='theta', got theta={theta!r} for pair='single-down'")
        return states.single_electron_state(model.n_sites, model.x2, model.sigma, model.k, spin="down")
    return states.pair_state(model.n_sites, model.x1, model.x2, model.sigma, model.k, pair, theta=theta)


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
    el_charge = two_sz_of_bits(np.arange(2**n_e), n_e).sum(axis=1)
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
