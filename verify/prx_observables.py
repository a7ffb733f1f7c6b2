"""Observables of the PRX chain (PRX Eqs. 9–14) and the PRX run record.

Two layers:

* :func:`prx_frame` — method-independent post-processing. From the single-spin reduced density
  matrices of the localized spins, the two-spin RDM of the edge spins, the electron total spin s_e
  and the densities it forms every derived quantity: ⟨σ_i⟩ and purity |S_i| (Eqs. 10–11), total
  S^z of the localized spins, s̃_e = s_e/N_e and |s̃_e|, the mutual information I(1|N_FM)
  (Eq. 14) and the Meyer–Wallach measure Q_MW (Eq. 13, electrons read as ρ_e = (1 + s̃_e·σ)/2,
  ``docs/conventions.md``). The TEBD evolver feeds it the same inputs from its MPS.
  :func:`prx_record` stacks frames into a :class:`verify.runs.RunResult` with conservation drifts.
* :class:`ExactObservables` — the inputs of :func:`prx_frame` from a state vector of the exact
  sector basis (:class:`verify.prx_exact.PRXBasis`).

Every reduced density matrix, spectrum and entropy goes through :mod:`entanglement`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

import entanglement
from verify.fock import popcount, spin_mask, spinful_mode
from verify.records.run import RunResult

if TYPE_CHECKING:
    from verify.prx_exact import PRXBasis

__all__ = [
    "CONSERVED",
    "ExactObservables",
    "PRXFrame",
    "conservation_drifts",
    "default_cut",
    "prx_frame",
    "prx_record",
    "validate_cut",
]

CONSERVED = {
    "norm": "norm",
    "energy": "energy",
    "total_spin_z": "total_spin_z",
    "n_electrons": "n_electrons",
}
"""Drift name → record key of the quantities conserved by H for t ≥ 0 (total S^z by PRX Eq. 9 in
both geometries: H commutes with s^z_e + Σσ^z even when the +x initial state is not an eigenstate)."""


BLOCH_EXCESS_ATOL = 1e-9
"""|s̃_e| may exceed 1 by round-off when the electrons are fully polarized (s_e is a sum over up to
~1e7 amplitudes, error ≲ 1e-12; a TEBD state carries its truncation error). Up to this excess ρ_e is
formed from s̃_e/|s̃_e|; the recorded purity is the raw |s̃_e|. A larger excess is an error."""


@dataclass(frozen=True)
class PRXFrame:
    """All PRX observables at one time (one row of the run record; keys as in ``docs/run_records.md``)."""

    t: float
    spin: np.ndarray
    spin_purity: np.ndarray
    spin_z_total: float
    electron_spin: np.ndarray
    electron_spin_purity: float
    density: np.ndarray
    spin_density_z: np.ndarray
    entropy_cut: float
    mutual_info_edges: float
    mutual_info_entropy_a: float
    mutual_info_entropy_b: float
    meyer_wallach: float
    energy: float
    norm: float
    n_electrons: float
    total_spin_z: float


def default_cut(n_sites: int) -> int:
    """(N + 1)//2: the PRX Eq. 12 subsystem, sites 1..38 of 75."""
    return (n_sites + 1) // 2


def validate_cut(cut: int | None, n_sites: int) -> int:
    """The entropy cut (last site of the left subsystem, 1-based), defaulting to :func:`default_cut`."""
    if cut is None:
        return default_cut(n_sites)
    if isinstance(cut, bool) or not isinstance(cut, (int, np.integer)) or not 1 <= cut <= n_sites - 1:
        raise ValueError(f"cut must be a site 1..{n_sites - 1} (entropy of sites 1..cut), got {cut!r}")
    return int(cut)


def prx_frame(
    t: float,
    *,
    spin_rdms: np.ndarray | Sequence[np.ndarray],
    edge_rdm: np.ndarray | None,
    electron_spin: np.ndarray | Sequence[float],
    n_e: int,
    density: np.ndarray,
    spin_density_z: np.ndarray,
    entropy_cut: float,
    energy: float,
    norm: float,
) -> PRXFrame:
    """Assemble one frame of PRX observables from reduced quantities (method independent).

    Parameters
    ----------
    t : float
        Time (ħ/γ).
    spin_rdms : array_like, shape (N_FM, 2, 2)
        ρ_i of every localized spin (PRX Eq. 10), unit trace.
    edge_rdm : array_like, shape (4, 4), or None
        ρ_{1,N_FM} of the edge spins (spin 1 first); ``None`` when N_FM = 1, where I(1|N_FM) and
        the edge entropies S_1, S_N_FM are undefined and recorded as NaN.
    electron_spin : array_like, shape (3,)
        s_e = Σ_i ⟨s_i⟩ in Pauli units.
    n_e : int
        Number of electrons N_e (s̃_e = s_e/N_e; for N_e = 0 its purity is NaN and no electron enters Q_MW).
    density, spin_density_z : ndarray, shape (N,)
        ⟨n_j⟩ and ⟨s^z_j⟩ = ⟨n_{j↑} − n_{j↓}⟩ per site.
    entropy_cut : float
        Von Neumann entropy of sites 1..cut (PRX Eq. 12), nats.
    energy, norm : float
        ⟨H⟩ (of the normalized state) and ‖ψ‖.

    Returns
    -------
    PRXFrame
    """
    rdms = np.asarray(spin_rdms, dtype=complex)
    if rdms.ndim != 3 or rdms.shape[1:] != (2, 2):
        raise ValueError(f"spin_rdms must have shape (N_FM, 2, 2), got {rdms.shape}")
    spin = entanglement.bloch_vector(rdms)  # Eq. 11: S_i = Tr ρ_i σ
    purity = np.linalg.norm(spin, axis=1)
    s_e = np.asarray(electron_spin, dtype=float)
    if s_e.shape != (3,):
        raise ValueError(f"electron_spin must have shape (3,), got {s_e.shape}")
    if edge_rdm is None:
        mutual = entropy_a = entropy_b = math.nan
    else:
        mutual = entanglement.mutual_information(np.asarray(edge_rdm), [0], [1], dims=[2, 2])  # Eq. 14
        entropy_a = entanglement.von_neumann_entropy(rdms[0])
        entropy_b = entanglement.von_neumann_entropy(rdms[-1])
    q_rdms = list(rdms)
    if n_e > 0:
        s_tilde = s_e / n_e
        e_purity = float(np.linalg.norm(s_tilde))
        if 1.0 < e_purity <= 1.0 + BLOCH_EXCESS_ATOL:  # round-off of a fully polarized state
            s_tilde = s_tilde / e_purity
        rho_e = entanglement.density_matrix_from_bloch(s_tilde)
        q_rdms += [rho_e] * n_e  # docs/conventions.md: every electron is assigned ρ_e
    else:
        e_purity = math.nan
    q_mw = entanglement.meyer_wallach_from_rdms(np.array(q_rdms))  # Eq. 13
    density = np.asarray(density, dtype=float)
    spin_density_z = np.asarray(spin_density_z, dtype=float)
    spin_z_total = float(spin[:, 2].sum())
    return PRXFrame(
        t=float(t),
        spin=spin,
        spin_purity=purity,
        spin_z_total=spin_z_total,
        electron_spin=s_e,
        electron_spin_purity=e_purity,
        density=density,
        spin_density_z=spin_density_z,
        entropy_cut=float(entropy_cut),
        mutual_info_edges=float(mutual),
        mutual_info_entropy_a=float(entropy_a),
        mutual_info_entropy_b=float(entropy_b),
        meyer_wallach=float(q_mw),
        energy=float(energy),
        norm=float(norm),
        n_electrons=float(density.sum()),
        total_spin_z=float(s_e[2] + spin_z_total),
    )


def conservation_drifts(arrays: dict[str, np.ndarray]) -> dict[str, float]:
    """max_t |x(t) − x(0)| of norm, energy, total 2S^z (Pauli units) and N_e (:data:`CONSERVED`)."""
    drifts = {}
    for name, key in CONSERVED.items():
        series = np.asarray(arrays[key], dtype=float)
        drifts[name] = float(np.max(np.abs(series - series[0]))) if series.size else 0.0
    return drifts


def prx_record(
    frames: Sequence[PRXFrame],
    meta: dict[str, Any],
    *,
    extra: dict[str, np.ndarray] | None = None,
    wall_start: float | None = None,
) -> RunResult:
    """Stack frames into a PRX run record (``docs/run_records.md``) with drifts and wall time.

    Parameters
    ----------
    frames : sequence of PRXFrame
        One per output time, in time order.
    meta : dict
        Parameters, method, cut, grid, ...; ``drifts`` and ``wall_time_s`` are added here.
    extra : dict, optional
        Method-specific series (e.g. TEBD ``max_bond_dimension``), first axis = time.
    wall_start : float, optional
        ``time.perf_counter()`` at the start of the run.
    """
    if not frames:
        raise ValueError("a run record needs at least one frame")
    arrays = {f.name: np.array([getattr(fr, f.name) for fr in frames]) for f in fields(PRXFrame)}
    for key, value in (extra or {}).items():
        value = np.asarray(value)
        if value.shape[:1] != (len(frames),):
            raise ValueError(f"extra series {key!r} has {value.shape[:1]} rows, expected {len(frames)}")
        arrays[key] = value
    meta = dict(meta)
    meta["drifts"] = conservation_drifts(arrays)
    if wall_start is not None:
        meta["wall_time_s"] = time.perf_counter() - wall_start
    return RunResult(arrays, meta)


def _real_matvec(matrix: sp.csr_array, v: np.ndarray) -> np.ndarray:
    """Real sparse matrix times complex vector through a (dim, 2) real view (no complex copy of the matrix)."""
    v = np.ascontiguousarray(v, dtype=complex)
    return np.ascontiguousarray(matrix @ v.view(np.float64).reshape(-1, 2)).view(complex).reshape(v.shape)


@dataclass(frozen=True)
class _Block:
    positions: np.ndarray  # basis positions in the block
    rows: np.ndarray  # compressed left-configuration index
    cols: np.ndarray  # compressed right-configuration index
    shape: tuple[int, int]


class ExactObservables:
    """Measure the PRX observables on state vectors of an exact sector basis.

    Parameters
    ----------
    basis : PRXBasis
    cut : int, optional
        Entropy subsystem = sites 1..cut (1-based); default :func:`default_cut`.

    Notes
    -----
    * Localized spins: the sector vector is scattered into ψ[e, s] over (the sector's electron
      configurations × all 2^N_FM spin configurations) — the flat position is the basis key — and
      ``entanglement.partial_trace`` with dims (n_ec, 2, …, 2) traces the electrons out, giving
      ρ_spins (2^N_FM × 2^N_FM); single-spin and edge-pair RDMs are partial traces of ρ_spins.
    * Entropy of sites 1..cut: in the JW order the modes of sites 1..cut are the leading bits, so a
      configuration splits into (left electrons, left spins) ⊗ (right electrons, right spins) with
      no sign. ψ becomes a matrix ψ[left, right] (configurations grouped with ``np.unique``) which is
      block diagonal in the left particle number (and left 2S^z when collinear); each block's
      spectrum comes from ``entanglement.partial_trace`` + ``entanglement.spectrum`` of the smaller side.
    """

    def __init__(self, basis: PRXBasis, cut: int | None = None) -> None:
        model = basis.model
        self.basis = basis
        self.cut = validate_cut(cut, model.n_sites)
        self.n_e = model.n_e
        self.n_fm = model.n_fm
        self._h: sp.csr_array | None = None
        self._occupations = self._occupation_matrix()
        self._s_plus = self._electron_raising()
        self._spin_dims = [basis.electron_configs.size] + [2] * model.n_fm
        self._blocks = self._cut_blocks()

    # ----------------------------------------------------------------- precomputation
    def _occupation_matrix(self) -> sp.csr_array:
        """(dim, 2N) 0/1 matrix: n_m of every basis state (loop over modes)."""
        basis = self.basis
        rows, cols = [], []
        for site in range(basis.model.n_sites):
            for spin in (0, 1):
                hit = np.flatnonzero(basis.occupation(site, spin))
                rows.append(hit)
                cols.append(np.full(hit.size, spinful_mode(site, spin)))
        r, c = np.concatenate(rows), np.concatenate(cols)
        return sp.csr_array((np.ones(r.size), (r, c)), shape=(basis.dim, basis.n_modes))

    def _electron_raising(self) -> sp.csr_array:
        """s^+_e = s^x_e + i s^y_e = Σ_i 2 c†_{i↑} c_{i↓} (Pauli units) within the sector."""
        basis = self.basis
        parts = [basis.lift(spinful_mode(i, 0), spinful_mode(i, 1), 2.0) for i in range(basis.model.n_sites)]
        r = np.concatenate([p[0] for p in parts])
        c = np.concatenate([p[1] for p in parts])
        d = np.concatenate([p[2] for p in parts])
        return sp.csr_array((d, (r, c)), shape=(basis.dim, basis.dim))

    def _cut_blocks(self) -> list[_Block]:
        basis, model = self.basis, self.basis.model
        n_right_modes = 2 * (model.n_sites - self.cut)
        k = min(max(self.cut - model.n_left, 0), model.n_fm)  # localized spins on sites 1..cut
        e = basis.state_electrons
        e_left = e >> np.uint64(n_right_modes)
        e_right = e & np.uint64((1 << n_right_modes) - 1)
        s_left = basis.spins >> (model.n_fm - k)
        s_right = basis.spins & ((1 << (model.n_fm - k)) - 1)
        _, e_left_rank = np.unique(e_left, return_inverse=True)
        _, e_right_rank = np.unique(e_right, return_inverse=True)
        left_label = e_left_rank.astype(np.int64) * (1 << k) + s_left
        right_label = e_right_rank.astype(np.int64) * (1 << (model.n_fm - k)) + s_right
        # conserved quantum numbers of the left part: particle number (and 2S^z when collinear)
        n_left = popcount(e_left)
        quantum = n_left
        if basis.two_sz is not None:
            n_up = popcount(e_left & spin_mask(self.cut, 0))
            two_sz_left = (2 * n_up - n_left) + (k - 2 * popcount(s_left))
            quantum = n_left * (4 * (model.n_sites + model.n_fm) + 1) + two_sz_left
        _, block_of = np.unique(quantum, return_inverse=True)
        order = np.argsort(block_of, kind="stable")
        bounds = np.flatnonzero(np.diff(block_of[order])) + 1
        blocks = []
        for positions in np.split(order, bounds):  # loop over quantum-number blocks
            _, rows = np.unique(left_label[positions], return_inverse=True)
            _, cols = np.unique(right_label[positions], return_inverse=True)
            blocks.append(_Block(positions, rows, cols, (int(rows.max()) + 1, int(cols.max()) + 1)))
        return blocks

    def set_hamiltonian(self, h: sp.csr_array) -> None:
        """The Hamiltonian whose expectation value is recorded as ``energy``."""
        if h.shape != (self.basis.dim, self.basis.dim):
            raise ValueError(f"Hamiltonian shape {h.shape} does not match the sector dimension {self.basis.dim}")
        self._h = h

    # ----------------------------------------------------------------- measurements
    def spin_density_matrix(self, psi: np.ndarray) -> np.ndarray:
        """ρ of all N_FM localized spins (electrons traced out), (2^N_FM, 2^N_FM)."""
        layout = np.zeros(self._spin_dims[0] * 2**self.n_fm, dtype=complex)
        layout[self.basis.keys] = psi
        return entanglement.partial_trace(layout, list(range(1, self.n_fm + 1)), dims=self._spin_dims)

    def entropy_cut(self, psi: np.ndarray) -> float:
        """Von Neumann entropy of sites 1..cut (PRX Eq. 12) from the block Schmidt spectra."""
        weights = []
        for block in self._blocks:
            matrix = np.zeros(block.shape, dtype=complex)
            matrix[block.rows, block.cols] = psi[block.positions]
            weight = float(np.vdot(matrix, matrix).real)
            if weight == 0.0:
                continue
            keep = 0 if block.shape[0] <= block.shape[1] else 1
            rho = entanglement.partial_trace(matrix.ravel() / math.sqrt(weight), [keep], dims=list(block.shape))
            weights.append(weight * entanglement.spectrum(rho))
        return entanglement.von_neumann_entropy(np.concatenate(weights))

    def electron_spin(self, psi: np.ndarray) -> np.ndarray:
        """s_e = (⟨s^x_e⟩, ⟨s^y_e⟩, ⟨s^z_e⟩) in Pauli units; s^x + i s^y = ⟨s^+_e⟩."""
        raised = complex(np.vdot(psi, _real_matvec(self._s_plus, psi)))
        mode_occ = self._occupations.T @ np.abs(psi) ** 2
        return np.array([raised.real, raised.imag, float(mode_occ[0::2].sum() - mode_occ[1::2].sum())])

    def frame(self, t: float, psi: np.ndarray) -> PRXFrame:
        """All observables of :class:`PRXFrame` for the state ``psi`` at time ``t``."""
        if self._h is None:
            raise ValueError("set_hamiltonian() first: the energy needs the Hamiltonian")
        psi = np.asarray(psi, dtype=complex)
        if psi.shape != (self.basis.dim,):
            raise ValueError(f"state has shape {psi.shape}, expected ({self.basis.dim},)")
        norm = float(np.linalg.norm(psi))
        if not norm > 0:
            raise ValueError("the state is zero or not finite")
        psi = psi / norm  # expectation values ⟨ψ|O|ψ⟩/⟨ψ|ψ⟩; the norm itself is recorded
        rho_spins = self.spin_density_matrix(psi)
        dims = [2] * self.n_fm
        spin_rdms = np.array([entanglement.partial_trace(rho_spins, [q], dims=dims) for q in range(self.n_fm)])
        edge = entanglement.partial_trace(rho_spins, [0, self.n_fm - 1], dims=dims) if self.n_fm > 1 else None
        mode_occ = self._occupations.T @ (np.abs(psi) ** 2)
        return prx_frame(
            t,
            spin_rdms=spin_rdms,
            edge_rdm=edge,
            electron_spin=self.electron_spin(psi),
            n_e=self.n_e,
            density=mode_occ[0::2] + mode_occ[1::2],
            spin_density_z=mode_occ[0::2] - mode_occ[1::2],
            entropy_cut=self.entropy_cut(psi),
            energy=float(np.vdot(psi, _real_matvec(self._h, psi)).real),
            norm=norm,
        )
