"""The PRX observables (PRX Eqs. 9–14) of one state, from reduced quantities any evolver can give.

:func:`prx_frame` forms every recorded quantity from the localized spins' reduced density matrices,
the edge pair's RDM, the electron spin s_e and the densities: ⟨σ_i⟩ and the purity |S_i| (Eqs. 10–11),
the total S^z of the localized spins, s̃_e = s_e/N_e and |s̃_e|, the mutual information I(1|N_FM)
(Eq. 14) and the Meyer–Wallach measure Q_MW (Eq. 13, electrons read as ρ_e = (1 + s̃_e·σ)/2,
``docs/conventions.md``). :func:`frame_from_measurement` feeds it from a generic
:class:`verify.models.observables.Measurement`; both evolvers go through it.

Localized spins S > 1/2 (a variant beyond the paper): their "spin" is ⟨2S^α⟩ in Pauli units
(σ for S = 1/2), the purity column is |⟨2S⟩|/(2S) (the spin length in units of its maximum; the
Bloch-vector length |S_i| for S = 1/2), and Q_MW, defined for qubits (Eq. 13), is NaN.

Every reduced density matrix, spectrum and entropy goes through :mod:`entanglement`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

import entanglement
from states.conventions import spin_s_operators

if TYPE_CHECKING:
    from verify.models.chain import ChainModel
    from verify.models.observables import Measurement

__all__ = ["BLOCH_EXCESS_ATOL", "PRX_RECORD_KEYS", "PRXFrame", "frame_from_measurement", "prx_frame"]

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


PRX_RECORD_KEYS: tuple[str, ...] = tuple(name for name in PRXFrame.__dataclass_fields__ if name != "t")
"""The record keys of a PRX run besides ``t``."""


def _spin_vectors(rdms: np.ndarray) -> np.ndarray:
    """⟨2S^α⟩ of every RDM (Pauli units): the Bloch vector for qubits (PRX Eq. 11), Tr ρ 2S^α otherwise."""
    d = rdms.shape[-1]
    if d == 2:
        return entanglement.bloch_vector(rdms)
    operators = np.stack(spin_s_operators(d - 1, "pauli"))
    return np.einsum("kij,aji->ka", rdms, operators).real


def _edge_information(rdms: np.ndarray, edge_rdm: np.ndarray | None) -> tuple[float, float, float]:
    """I(1|N_FM) (PRX Eq. 14) and the entropies S_1, S_N_FM; NaN without an edge pair."""
    if edge_rdm is None:
        return math.nan, math.nan, math.nan
    d = rdms.shape[-1]
    mutual = entanglement.mutual_information(np.asarray(edge_rdm), [0], [1], dims=[d, d])
    return mutual, entanglement.von_neumann_entropy(rdms[0]), entanglement.von_neumann_entropy(rdms[-1])


def _meyer_wallach(rdms: np.ndarray, s_e: np.ndarray, n_e: int) -> tuple[float, float]:
    """(Q_MW of PRX Eq. 13, |s̃_e|); Q_MW is NaN for localized spins S > 1/2, |s̃_e| for N_e = 0."""
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
    if rdms.shape[-1] != 2:
        return math.nan, e_purity
    return entanglement.meyer_wallach_from_rdms(np.array(q_rdms)), e_purity


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
    spin_rdms : array_like, shape (N_FM, d, d)
        ρ_i of every localized spin (PRX Eq. 10; d = 2S + 1, 2 in the paper), unit trace.
    edge_rdm : array_like, shape (d², d²), or None
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
    if rdms.ndim != 3 or rdms.shape[1] != rdms.shape[2] or rdms.shape[1] < 2:
        raise ValueError(f"spin_rdms must have shape (N_FM, d, d) with d >= 2, got {rdms.shape}")
    spin = _spin_vectors(rdms)  # Eq. 11: S_i = Tr ρ_i σ
    purity = np.linalg.norm(spin, axis=1) / (rdms.shape[1] - 1)  # |⟨2S⟩| / 2S
    s_e = np.asarray(electron_spin, dtype=float)
    if s_e.shape != (3,):
        raise ValueError(f"electron_spin must have shape (3,), got {s_e.shape}")
    mutual, entropy_a, entropy_b = _edge_information(rdms, edge_rdm)
    q_mw, e_purity = _meyer_wallach(rdms, s_e, n_e)
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


def frame_from_measurement(model: ChainModel, measurement: Measurement) -> dict[str, object]:
    """The PRX record row of a generic measurement (the ``frame`` of :meth:`verify.models.PRXChain.chain`)."""
    n_fm = int(model.params["n_fm"])
    rdms = measurement.rdms
    frame = prx_frame(
        measurement.t,
        spin_rdms=np.stack([rdms[f"spin_{q}"] for q in range(n_fm)]),
        edge_rdm=rdms.get("edges"),
        electron_spin=[measurement.total[f"electron_spin_{axis}"] for axis in "xyz"],
        n_e=int(model.params["n_e"]),
        density=measurement.site["density"],
        spin_density_z=measurement.site["spin_density_z"],
        entropy_cut=measurement.entropy_cut,
        energy=measurement.energy,
        norm=measurement.norm,
    )
    row = {name: getattr(frame, name) for name in PRXFrame.__dataclass_fields__}
    # the conserved totals from the charge tables (an independent route to the parts they are checked
    # against: Σ_j density_j and s^z_e + Σ_i σ^z_i, PRX Eq. 9)
    row["n_electrons"] = float(measurement.charges["N"])
    row["total_spin_z"] = float(measurement.charges["2Sz"])
    return row
