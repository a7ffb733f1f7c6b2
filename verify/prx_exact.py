"""Exact (Trotter-free) evolution of the PRX chain (PRX Eqs. 1–5) in a fixed-N_e (and S^z) sector.

Hilbert space
-------------
A basis state is a pair (electron configuration ``e``, localized-spin configuration ``s``):

* ``e`` — a ``uint64`` bitstring of the N_e occupied modes among the 2N modes in the Jordan–Wigner
  order (1↑, 1↓, 2↑, …) of :mod:`verify.fock` (mode 0 = most significant bit);
* ``s`` — the index of the localized-spin product state in the 2^N_FM tensor basis of
  ``states.conventions`` (spin q of the FM chain, at site N_L+1+q, is bit ``N_FM-1-q``; 0 = ↑,
  1 = ↓). Localized spins are bosonic factors (no JW string).

With electrons polarized along +z (collinear) the total 2S^z = s^z_e + Σ_i σ^z_i (Pauli units,
PRX Eq. 9) is conserved by H and by H_{V,B}, and the basis is restricted to the sector of the
PRX initial state, 2S^z = N_e − N_FM (all electrons ↑, all localized spins ↓). With +x polarization
the basis is every (e, s) with N_e electrons. Basis states are sorted by the key
``rank(e)·2^N_FM + s`` (rank = position among the sector's distinct electron configurations), so a
state vector reshapes to ψ[e, s] after a scatter into the full 2^N_FM spin space.

Hamiltonian (every spin operator a Pauli matrix, ``docs/conventions.md``)
------------------------------------------------------------------------
* Eq. 2: −γ Σ_{i,σ} (c†_{iσ} c_{i+1σ} + h.c.), JW sign from :func:`verify.fock.apply_hop`;
* Eq. 3: −Σ_q [J_z σ^z_q σ^z_{q+1} + J(σ^x_q σ^x_{q+1} + σ^y_q σ^y_{q+1})]
  = −J_z σ^zσ^z − 2J(|↑↓⟩⟨↓↑| + h.c.);
* Eq. 4: −J_sd Σ_q s_{N_L+q}·σ_q = −J_sd Σ_q [s^z σ^z + (s^+σ^- + s^-σ^+)/2] with
  s^+ = 2 c†_↑ c_↓ and σ^- = 2|↓⟩⟨↑|, i.e. the flip amplitude is −2 J_sd;
* Eq. 5 (preparation only, t < 0): −V Σ_{i≤N_conf} n_i − B Σ_{i≤N_conf} s^{pol}_i + B Σ_q σ^z_q with
  B = ``field`` (electron field along +pol, localized-spin field along −z).

All matrices are real symmetric ``scipy.sparse`` CSR arrays; every term is built by vectorized bit
operations over the whole basis (Python loops over sites and terms only).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from math import comb

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from verify.fock import (
    MAX_MODES,
    apply_hop,
    fermion_configurations,
    lookup,
    mode_bit,
    popcount,
    spin_mask,
    spinful_mode,
)
from verify.models import PRXChain
from verify.records.run import RunResult, output_times

__all__ = [
    "PRXBasis",
    "ground_state",
    "hamiltonian",
    "output_times",
    "preparation_term",
    "propagate",
    "sector_dimension",
    "sector_two_sz",
    "simulate_prx_exact",
    "single_particle_preparation",
    "slater_start",
]

Progress = Callable[[float], None]

LANCZOS_TOL = 1e-12
"""Relative tolerance handed to ARPACK for the ground state; the residual ‖Hψ − Eψ‖ is recorded."""
PROPAGATION_TOL = 1e-12
"""Chebyshev truncation tolerance per window (``verify.propagate.evolve``)."""
DENSE_LIMIT = 16
"""Sectors up to this dimension are diagonalized densely (ARPACK needs dim > k + 1 = 2)."""
MAX_SECTOR_DIM = 20_000_000
"""Largest sector enumerated. The basis (5 int64 per state), H and H + H_VB (10–40 nonzeros per
row, float64 + int32), ARPACK's 20 Lanczos vectors, the Chebyshev block and the observables'
layouts take ≈ 1 kB per state, so 2e7 states fill the 23 GB development machine; beyond it a
clean ValueError beats a MemoryError (and such a run would not finish in hours anyway)."""


def _check_exact_size(model: PRXChain) -> None:
    if 2 * model.n_sites > MAX_MODES:
        raise ValueError(
            f"n_sites = {model.n_sites} is too large for exact evolution: the 2N = {2 * model.n_sites} fermion "
            f"modes must fit into one uint64 configuration (n_sites <= {MAX_MODES // 2})"
        )
    if model.collinear and model.n_e > model.n_sites:
        raise ValueError(
            f"n_e = {model.n_e} > n_sites = {model.n_sites}: the fully polarized collinear sector "
            "(all electrons spin up) does not exist"
        )


def sector_two_sz(model: PRXChain) -> int | None:
    """Conserved 2S^z = s^z_e + Σ σ^z (Pauli units) of the basis, or ``None`` (noncollinear: all sectors).

    The collinear PRX initial state has all N_e electrons ↑ and all N_FM localized spins ↓, so
    2S^z = N_e − N_FM. (For ``field`` > 0 large against γ, V and J_sd — the paper's 100γ — this is
    the sector of the ground state of H + H_{V,B}; ``tests/test_prx_exact.py`` checks it against
    the full Fock space on small instances.)
    """
    return model.n_e - model.n_fm if model.collinear else None


def sector_dimension(model: PRXChain) -> int:
    """Dimension of the exact sector of ``model`` (combinatorics only, nothing is enumerated).

    Noncollinear: C(2N, N_e) 2^N_FM. Collinear (2S^z = N_e − N_FM): with n_↓ down electrons,
    n_↓ localized spins must be up, Σ_{n_↓} C(N, N_e − n_↓) C(N, n_↓) C(N_FM, n_↓).
    """
    n, n_e, n_fm = model.n_sites, model.n_e, model.n_fm
    if sector_two_sz(model) is None:
        return comb(2 * n, n_e) * 2**n_fm
    return sum(comb(n, n_e - k) * comb(n, k) * comb(n_fm, k) for k in range(min(n_e, n_fm) + 1))


@dataclass(frozen=True, eq=False)
class PRXBasis:
    """Basis of the PRX sector: (electron configuration, localized-spin configuration) pairs.

    Attributes
    ----------
    model : PRXChain
    two_sz : int or None
        Conserved 2S^z of the sector (collinear) or ``None``.
    electron_configs : ndarray of uint64, shape (n_ec,)
        Sorted distinct electron configurations occurring in the sector.
    e_index : ndarray of int64, shape (dim,)
        Row of each basis state's electron configuration in ``electron_configs``.
    spins : ndarray of int64, shape (dim,)
        Localized-spin configuration (index in the 2^N_FM tensor basis) of each basis state.
    keys : ndarray of int64, shape (dim,)
        ``e_index · 2^N_FM + spins``, strictly increasing (the basis order); also the flat position
        of each basis state in the (n_ec, 2^N_FM) layout ψ[e, s].
    row_start : ndarray of int64, shape (n_ec + 1,)
        Basis position of the first state of every electron row (states of a row are contiguous).
    spin_rank : ndarray of int64, shape (2^N_FM,)
        Position of a spin configuration within its row: itself (noncollinear) or its rank among
        the configurations with the same number of ↓ spins (collinear).
    row_spin_down : ndarray of int64, shape (n_ec,)
        Number of ↓ localized spins required in each row (collinear) or −1 (any).
    """

    model: PRXChain
    two_sz: int | None
    electron_configs: np.ndarray
    e_index: np.ndarray
    spins: np.ndarray
    keys: np.ndarray
    row_start: np.ndarray
    spin_rank: np.ndarray
    row_spin_down: np.ndarray

    @classmethod
    def build(cls, model: PRXChain, *, all_sectors: bool = False) -> PRXBasis:
        """Enumerate the sector of ``model`` (see the module docstring).

        ``all_sectors=True`` drops the S^z restriction of the collinear case (every (e, s) with
        N_e electrons), for checks of the sector choice.

        Raises
        ------
        ValueError
            When the model is beyond exact evolution (see :data:`MAX_SECTOR_DIM`).
        """
        _check_exact_size(model)
        n_modes, n_fm = 2 * model.n_sites, model.n_fm
        two_sz = None if all_sectors else sector_two_sz(model)
        dim = comb(n_modes, model.n_e) * 2**n_fm if two_sz is None else sector_dimension(model)
        if dim > MAX_SECTOR_DIM:
            raise ValueError(
                f"the exact sector has dimension {dim:.3g} > {MAX_SECTOR_DIM:.0e} (memory): reduce n_sites, n_e or n_fm"
            )
        all_e = fermion_configurations(n_modes, model.n_e)
        all_s = np.arange(2**n_fm, dtype=np.int64)
        spin_down = popcount(all_s)
        if two_sz is None:
            e_conf = all_e
            per_row = np.full(all_e.size, 2**n_fm, dtype=np.int64)
            row_spin_down = np.full(all_e.size, -1, dtype=np.int64)
            spin_rank = all_s.copy()
            e_index = np.repeat(np.arange(all_e.size, dtype=np.int64), all_s.size)
            spins = np.tile(all_s, all_e.size)
        else:
            # 2S^z = (N_e − 2 n_↓) + (N_FM − 2 n_spin↓) = N_e − N_FM  ⇔  n_spin↓ = N_FM − n_↓.
            n_dn = popcount(all_e & spin_mask(model.n_sites, 1))
            keep = n_dn <= n_fm
            e_conf = all_e[keep]
            row_spin_down = n_fm - n_dn[keep]
            spin_rank = np.zeros(all_s.size, dtype=np.int64)
            e_parts, s_parts = [], []
            for k in range(n_fm + 1):  # loop over quantum numbers only
                members = all_s[spin_down == k]
                spin_rank[members] = np.arange(members.size)
                rows = np.flatnonzero(row_spin_down == k)
                e_parts.append(np.repeat(rows, members.size))
                s_parts.append(np.tile(members, rows.size))
            per_row = np.array([comb(n_fm, int(k)) for k in range(n_fm + 1)], dtype=np.int64)[row_spin_down]
            e_index = np.concatenate(e_parts).astype(np.int64)
            spins = np.concatenate(s_parts).astype(np.int64)
        keys = e_index * (1 << n_fm) + spins
        order = np.argsort(keys, kind="stable")
        row_start = np.concatenate([[0], np.cumsum(per_row)]).astype(np.int64)
        return cls(
            model, two_sz, e_conf, e_index[order], spins[order], keys[order], row_start, spin_rank, row_spin_down
        )

    @property
    def dim(self) -> int:
        """Dimension of the sector."""
        return int(self.keys.size)

    @property
    def n_modes(self) -> int:
        return 2 * self.model.n_sites

    @cached_property
    def state_electrons(self) -> np.ndarray:
        """Electron configuration (uint64) of every basis state."""
        return self.electron_configs[self.e_index]

    def index(self, e_index: np.ndarray, spins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Basis positions of (electron row, spin configuration) pairs and whether they are in the sector.

        O(1) per pair: ``row_start[e] + spin_rank[s]``, valid iff ``s`` has the row's number of ↓
        spins (collinear; always in the noncollinear basis). ``e_index`` must be valid rows.
        """
        e_index = np.asarray(e_index, dtype=np.int64)
        spins = np.asarray(spins, dtype=np.int64)
        required = self.row_spin_down[e_index]
        found = (required < 0) | (popcount(spins) == required)
        return self.row_start[e_index] + self.spin_rank[spins], found

    def spin_bit(self, q: int) -> int:
        """Bit of localized spin q (0-based along the FM chain) in ``spins``; set = ↓."""
        return 1 << (self.model.n_fm - 1 - q)

    def sigma_z(self, q: int) -> np.ndarray:
        """σ^z of localized spin q (±1) for every basis state."""
        return 1 - 2 * ((self.spins & self.spin_bit(q)) != 0).astype(np.int64)

    def occupation(self, site: int, spin: int) -> np.ndarray:
        """n_{site,spin} (0/1) for every basis state (0-based site, spin 0 = ↑)."""
        bit = mode_bit(self.n_modes, spinful_mode(site, spin))
        return ((self.state_electrons & bit) != 0).astype(np.int64)

    def electron_map(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Action of ``c†_a c_b`` on the sector's electron configurations.

        Returns
        -------
        target : ndarray of int64, shape (n_ec,)
            Row of the resulting configuration in ``electron_configs``, −1 where the operator
            annihilates the configuration or leads outside the sector's configurations.
        sign : ndarray of float64, shape (n_ec,)
            Jordan–Wigner sign (0 where ``target`` is −1).
        """
        src, new, signs = apply_hop(self.electron_configs, self.n_modes, a, b)
        idx, found = lookup(self.electron_configs, new)
        target = np.full(self.electron_configs.size, -1, dtype=np.int64)
        sign = np.zeros(self.electron_configs.size)
        target[src[found]] = idx[found]
        sign[src[found]] = signs[found]
        return target, sign

    def lift(
        self,
        a: int,
        b: int,
        amplitude: float,
        *,
        spin_from: tuple[int, int] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Matrix elements of ``amplitude · c†_a c_b ⊗ X`` in the sector, as (rows, cols, data).

        ``X`` is the identity (``spin_from=None``) or the flip of localized spin ``q`` from
        ``value`` to the opposite value (``spin_from=(q, value)``, value 0 = ↑, 1 = ↓), i.e.
        |↓⟩⟨↑|_q for value 0 and |↑⟩⟨↓|_q for value 1.
        """
        target, sign = self.electron_map(a, b)
        new_e = target[self.e_index]
        ok = new_e >= 0
        new_s = self.spins
        if spin_from is not None:
            q, value = spin_from
            bit = self.spin_bit(q)
            ok &= ((self.spins & bit) != 0) == bool(value)
            new_s = self.spins ^ bit
        cols = np.flatnonzero(ok)
        rows, found = self.index(new_e[cols], new_s[cols])
        return rows[found], cols[found], amplitude * sign[self.e_index[cols[found]]]


class _Terms:
    """Accumulates (rows, cols, data) triplets and a diagonal; builds a CSR array."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.diag = np.zeros(dim)
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, triplet: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        self.parts.append(triplet)

    def build(self) -> sp.csr_array:
        index_type = np.int32 if self.dim < 2**31 - 1 else np.int64
        diag_rows = np.arange(self.dim, dtype=index_type)
        rows = np.concatenate([diag_rows] + [p[0].astype(index_type) for p in self.parts])
        cols = np.concatenate([diag_rows] + [p[1].astype(index_type) for p in self.parts])
        data = np.concatenate([self.diag] + [p[2] for p in self.parts])
        matrix = sp.coo_array((data, (rows, cols)), shape=(self.dim, self.dim)).tocsr()
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        return matrix


def hamiltonian(model: PRXChain, basis: PRXBasis | None = None) -> sp.csr_array:
    """H = H_e + H_spins + H_e-spins (PRX Eqs. 2–4), the Hamiltonian for t ≥ 0, in the sector.

    Parameters
    ----------
    model : PRXChain
    basis : PRXBasis, optional
        Built from ``model`` when omitted.

    Returns
    -------
    scipy.sparse.csr_array of float64, shape (dim, dim)
        Real symmetric.
    """
    basis = basis or PRXBasis.build(model)
    terms = _Terms(basis.dim)
    n = model.n_sites
    # Eq. 2: hopping, both directions explicitly.
    for i in range(n - 1):
        for spin in (0, 1):
            a, b = spinful_mode(i, spin), spinful_mode(i + 1, spin)
            terms.add(basis.lift(a, b, -model.hopping))
            terms.add(basis.lift(b, a, -model.hopping))
    # Eq. 3: XXZ chain of localized spins.
    for q in range(model.n_fm - 1):
        zz = basis.sigma_z(q) * basis.sigma_z(q + 1)
        terms.diag += -model.j_z * zz
        flip = basis.spin_bit(q) | basis.spin_bit(q + 1)
        cols = np.flatnonzero(zz == -1)
        rows, found = basis.index(basis.e_index[cols], basis.spins[cols] ^ flip)
        terms.add((rows[found], cols[found], np.full(int(found.sum()), -2.0 * model.j_xy)))
    # Eq. 4: sd exchange on the FM sites.
    for q, site in enumerate(model.fm_sites):
        sz_e = basis.occupation(site, 0) - basis.occupation(site, 1)
        terms.diag += -model.j_sd * sz_e * basis.sigma_z(q)
        up, dn = spinful_mode(site, 0), spinful_mode(site, 1)
        # c†_↑ c_↓ |↓⟩⟨↑|_q and its Hermitian conjugate c†_↓ c_↑ |↑⟩⟨↓|_q, amplitude −2 J_sd each.
        terms.add(basis.lift(up, dn, -2.0 * model.j_sd, spin_from=(q, 0)))
        terms.add(basis.lift(dn, up, -2.0 * model.j_sd, spin_from=(q, 1)))
    return terms.build()


def preparation_term(model: PRXChain, basis: PRXBasis | None = None) -> sp.csr_array:
    """H_{V,B} (PRX Eq. 5), the t < 0 confinement and polarizing fields, in the sector.

    −V Σ_{i≤N_conf} n_i − B Σ_{i≤N_conf} s^{pol}_i + B Σ_q σ^z_q with B = ``model.field``,
    ``pol`` = z or x (Pauli units: s^z_i = n_{i↑} − n_{i↓}, s^x_i = c†_{i↑}c_{i↓} + c†_{i↓}c_{i↑}).
    """
    basis = basis or PRXBasis.build(model)
    terms = _Terms(basis.dim)
    for i in range(model.n_conf):
        n_up, n_dn = basis.occupation(i, 0), basis.occupation(i, 1)
        terms.diag += -model.confinement * (n_up + n_dn)
        if model.polarization == "z":
            terms.diag += -model.field * (n_up - n_dn)
        else:
            up, dn = spinful_mode(i, 0), spinful_mode(i, 1)
            terms.add(basis.lift(up, dn, -model.field))
            terms.add(basis.lift(dn, up, -model.field))
    for q in range(model.n_fm):
        terms.diag += model.field * basis.sigma_z(q)
    return terms.build()


@dataclass(frozen=True)
class GroundState:
    """Ground state of H + H_{V,B} (the PRX initial state).

    Attributes
    ----------
    energy : float
        Lowest eigenvalue of H + H_{V,B}.
    psi : ndarray of complex, shape (dim,)
        Normalized eigenvector, phase fixed so that its largest component is real positive.
    residual : float
        ‖(H + H_{V,B})ψ − Eψ‖.
    method : str
        "lanczos" (ARPACK, which='SA') or "dense" (``numpy.linalg.eigh``).
    """

    energy: float
    psi: np.ndarray
    residual: float
    method: str


def single_particle_preparation(model: PRXChain) -> np.ndarray:
    """The one-electron matrix of H_e + H_{V,B} (PRX Eqs. 2, 5) over the 2N modes, real symmetric (2N, 2N)."""
    n = model.n_sites
    h1 = np.zeros((2 * n, 2 * n))
    for i in range(n - 1):
        for spin in (0, 1):
            a, b = spinful_mode(i, spin), spinful_mode(i + 1, spin)
            h1[a, b] = h1[b, a] = -model.hopping
    for i in range(model.n_conf):
        up, dn = spinful_mode(i, 0), spinful_mode(i, 1)
        h1[up, up] += -model.confinement
        h1[dn, dn] += -model.confinement
        if model.polarization == "z":
            h1[up, up] += -model.field
            h1[dn, dn] += model.field
        else:
            h1[up, dn] = h1[dn, up] = -model.field
    return h1


def slater_start(model: PRXChain, basis: PRXBasis) -> np.ndarray:
    """Slater determinant of the N_e lowest orbitals of :func:`single_particle_preparation` ⊗ |↓…↓⟩.

    Amplitude of a configuration with occupied modes m_1 < … < m_Ne (JW order) is
    det U[m_j, k] (j, k = 1..N_e), because Π_k (Σ_m U_mk c†_m)|vac⟩ = Σ det(U[occ]) Π_{m∈occ} c†_m|vac⟩
    with the creators in ascending mode order. This is the ground state of H + H_{V,B} at J_sd = 0
    when the localized spins are decoupled from the electrons' orbitals (no electron on the FM sites);
    used as the Lanczos start vector and, in the tests, as an independent check of the JW signs.
    """
    h1 = single_particle_preparation(model)
    if basis.two_sz is None:
        _, orbitals = np.linalg.eigh(h1)
        occupied = orbitals[:, : model.n_e]
    else:  # the collinear sector's all-↓-spins states have only ↑ electrons: ↑ orbitals
        up = np.arange(0, basis.n_modes, 2)
        _, orbitals = np.linalg.eigh(h1[np.ix_(up, up)])
        occupied = np.zeros((basis.n_modes, model.n_e))
        occupied[up] = orbitals[:, : model.n_e]
    all_down = (1 << model.n_fm) - 1
    states = np.flatnonzero(basis.spins == all_down)
    configs = basis.state_electrons[states]
    occupation = np.stack(
        [(configs & mode_bit(basis.n_modes, m)) != 0 for m in range(basis.n_modes)], axis=1
    )  # (n_states, 2N), loop over modes
    positions = np.nonzero(occupation)[1].reshape(states.size, model.n_e)  # ascending modes per row
    psi = np.zeros(basis.dim, dtype=complex)
    psi[states] = np.linalg.det(occupied[positions]) if model.n_e else 1.0
    norm = np.linalg.norm(psi)
    if norm == 0.0:
        raise ValueError("the Slater start vector vanishes in this sector")
    return psi / norm


def ground_state(
    model: PRXChain,
    basis: PRXBasis | None = None,
    *,
    method: str = "lanczos",
    h_total: sp.csr_array | None = None,
) -> GroundState:
    """Ground state of H + H_{V,B} (PRX Eqs. 1–5 at t < 0) in the sector.

    Parameters
    ----------
    model : PRXChain
    basis : PRXBasis, optional
    method : {"lanczos", "dense"}
        ``"lanczos"``: ``scipy.sparse.linalg.eigsh(which="SA")`` from a fixed start vector (falls
        back to dense for dim <= ``DENSE_LIMIT``); ``"dense"``: full diagonalization.
    h_total : csr_array, optional
        H + H_{V,B} if already built.

    Raises
    ------
    RuntimeError
        When ARPACK does not converge.
    """
    if method not in ("lanczos", "dense"):
        raise ValueError(f"unknown ground-state method {method!r}: use 'lanczos' or 'dense'")
    basis = basis or PRXBasis.build(model)
    if h_total is None:
        h_total = hamiltonian(model, basis) + preparation_term(model, basis)
    if method == "dense" or basis.dim <= DENSE_LIMIT:
        values, vectors = np.linalg.eigh(h_total.toarray())
        energy, psi = float(values[0]), vectors[:, 0]
        used = "dense"
    else:
        # Start from the Slater determinant of H_e + H_{V,B} without J_sd (overlap ≈ 1 with the
        # ground state), plus a little noise so no eigenvector can be missed by symmetry.
        v0 = slater_start(model, basis).real
        v0 = v0 + 1e-3 * np.random.default_rng(12345).standard_normal(basis.dim) / math.sqrt(basis.dim)
        try:
            values, vectors = spla.eigsh(h_total, k=1, which="SA", v0=v0, tol=LANCZOS_TOL)
        except spla.ArpackNoConvergence as exc:
            raise RuntimeError(f"Lanczos ground state did not converge (dim {basis.dim}): {exc}") from None
        energy, psi = float(values[0]), vectors[:, 0]
        used = "lanczos"
    psi = psi / np.linalg.norm(psi)
    psi = psi * np.sign(psi[np.argmax(np.abs(psi))])
    residual = float(np.linalg.norm(h_total @ psi - energy * psi))
    return GroundState(energy, psi.astype(complex), residual, used)


def _apply(matrix: sp.csr_array) -> Callable[[np.ndarray], np.ndarray]:
    """v ↦ H v for complex v with a real H, as one real product with a (dim, 2) view (no complex copy of H)."""

    def apply_h(v: np.ndarray) -> np.ndarray:
        v = np.ascontiguousarray(v, dtype=complex)
        return np.ascontiguousarray(matrix @ v.view(np.float64).reshape(-1, 2)).view(complex).reshape(v.shape)

    return apply_h


def propagate(
    h: sp.csr_array, psi0: np.ndarray, times: np.ndarray, *, stats: dict | None = None
) -> Iterator[tuple[float, np.ndarray]]:
    """Yield (t, exp(−iHt) ψ0) for each output time (ħ = 1), exactly up to ``PROPAGATION_TOL``.

    Uses the Chebyshev propagator :func:`verify.propagate.evolve` (spectral bounds from its
    Lanczos estimate, checked at run time); ``stats`` (a dict) receives its counters.
    """
    from verify.propagate import ChebyshevStats, evolve

    counters = ChebyshevStats()
    # Memory: the Chebyshev block holds `block` state vectors; keep it under ~1 GB.
    block = int(min(24, max(4, 2**30 // (16 * max(psi0.size, 1)))))
    yield from evolve(_apply(h), psi0, times, tol=PROPAGATION_TOL, block=block, stats=counters)
    if stats is not None:
        stats.update(counters.as_dict())


def simulate_prx_exact(
    model: PRXChain,
    *,
    t_max: float,
    dt_out: float,
    cut: int | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Exact evolution of the PRX chain from the ground state of H + H_{V,B} (PRX Secs. II–VII).

    Prepares the ground state of H + H_{V,B} (Eqs. 1–5, Lanczos), switches H_{V,B} off at t = 0 and
    propagates with H = H_e + H_spins + H_e-spins (Eqs. 2–4) without Trotter error, recording the
    observables of :mod:`verify.prx_observables` (Eqs. 9–14) on the grid 0, dt_out, …, t_max.

    Parameters
    ----------
    model : PRXChain
        Parameters; ``n_sites <= 32`` (one uint64 per electron configuration) and, for the
        collinear case, ``n_e <= n_sites``.
    t_max, dt_out : float
        Final time and output spacing in ħ/γ.
    cut : int, optional
        The entropy subsystem is sites 1..cut (1-based, electrons and localized spins); default
        ``(n_sites + 1) // 2`` (PRX Eq. 12: 38 of 75).
    progress : callable, optional
        Called after every output time with the fraction of the run done (t / t_max, in [0, 1]),
        the convention of every evolver of the package.

    Returns
    -------
    RunResult
        Keys and meta as documented in ``docs/run_records.md``.

    Raises
    ------
    ValueError
        For sizes beyond exact evolution, a bad time grid or a bad cut.
    """
    from verify.prx_observables import ExactObservables, prx_record

    start = time.perf_counter()
    if not isinstance(model, PRXChain):
        raise ValueError(f"model must be a PRXChain, got {type(model).__name__}")
    times = output_times(t_max, dt_out)
    basis = PRXBasis.build(model)
    observer = ExactObservables(basis, cut=cut)
    h = hamiltonian(model, basis)
    gs = ground_state(model, basis, h_total=h + preparation_term(model, basis))
    observer.set_hamiltonian(h)
    if progress is not None:
        progress(0.0)
    frames = []
    stats: dict = {}
    for t, psi in propagate(h, gs.psi, times, stats=stats):
        frames.append(observer.frame(t, psi))
        if progress is not None:
            progress(float(t) / float(times[-1]) if times[-1] > 0 else 1.0)
    meta = {
        "model": model.to_dict(),
        "method": "exact",
        "cut": observer.cut,
        "t_max": float(t_max),
        "dt_out": float(dt_out),
        "n_times": int(times.size),
        "sector_dim": basis.dim,
        "sector_two_sz": basis.two_sz,
        "ground_state": {"energy": gs.energy, "residual": gs.residual, "method": gs.method},
        "propagator": {"name": "chebyshev", "tol": PROPAGATION_TOL, **stats},
        "units": {
            "t": "hbar/gamma",
            "energy": "gamma",
            "spin": "Pauli (±1 per spin-1/2)",
            "entropy": "nats",
        },
    }
    return prx_record(frames, meta, wall_start=start)
