"""Cross-checks of the TEBD code: against exact evolution (PRX chain) and closed forms (PRX Eq. 15).

* :func:`crosscheck_prx` runs :func:`verify.prx_exact.simulate_prx_exact` and
  :func:`verify.prx_tebd.simulate_prx_tebd` on the same instance and returns the largest deviation
  of every compared observable;
* :func:`crosscheck_stt` builds the PRX Eq. 15 state as an exact MPS (:mod:`verify.mps.dicke`),
  measures S_1, S_{1,N_FM}, I(1|N_FM), Q_MW and block entropies with the MPS code and compares with
  :mod:`entanglement.closed_form`;
* :func:`sector_to_site_basis` maps an exact-evolver state vector into the MPS product basis, so
  MPS and exact states can be compared amplitude by amplitude.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from verify.models import PRXChain, as_chain
from verify.mps import MPS
from verify.tensors import SVD_FLOOR

if TYPE_CHECKING:
    from verify.exact import SectorBasis

__all__ = [
    "PRX_OBSERVABLES",
    "PRX_TOLERANCES",
    "STT_ROUNDOFF",
    "crosscheck_prx",
    "crosscheck_stt",
    "exceeded",
    "sector_state_to_mps",
    "sector_to_site_basis",
    "site_dims",
    "site_indices",
    "stt_measurements",
    "stt_tolerances",
]

PRX_OBSERVABLES = (
    "spin",
    "spin_purity",
    "electron_spin",
    "density",
    "spin_density_z",
    "entropy_cut",
    "mutual_info_edges",
    "meyer_wallach",
    "energy",
    "n_electrons",
    "total_spin_z",
)
"""Record keys compared by :func:`crosscheck_prx` (max over times and components of |exact − TEBD|)."""

PRX_TOLERANCES: dict[str, float] = dict.fromkeys(PRX_OBSERVABLES, 1e-3)
"""Default tolerances of ``python -m verify crosscheck prx``. A second-order Trotter step leaves a
global state error ≈ c t δt² with c ~ ‖[h_a, [h_a, h_b]]‖/12 = O(γ³) for the PRX couplings, i.e.
≈ 1e-3 at t = 10, δt = 0.03 (order 2) or δt = 0.1 (order 4, error O(t δt⁴)); observables bounded
by 1 (spins, densities) or by a few nats deviate by at most about that. The initial states agree to
1 − |⟨ψ_MPS|ψ_exact⟩| ≲ 1e-9 on instances where the well is well separated from the FM region
(``tests/test_tebd.py``). Runs with larger δt or longer times need looser ``--tol``."""

STT_ROUNDOFF = 1e-10
"""Round-off allowance of ``crosscheck stt``: the MPS of PRX Eq. 15 is exact, so only round-off
remains. Each QR step and contraction adds ~ε = 2.2e-16 relative error; over n ≤ 200 sites and
χ ≤ 101 that is ≲ 1e-13 in the RDMs, and an entropy inherits it times |ln p| ≲ 40 for the smallest
relevant eigenvalues. 1e-10 leaves a factor ~100 above that estimate."""


def stt_tolerances(n_e: int, n_fm: int) -> dict[str, float]:
    """Default tolerances of ``crosscheck stt``: :data:`STT_ROUNDOFF` for every quantity.

    (Schmidt spectra are passed to :mod:`entanglement` as probability vectors, whose tiny entries
    are kept as data — they are not zeroed as eigensolver round-off — so no further allowance is
    needed for the block entropies; measured deviation ≈ 2e-15 at N_e = N_FM = 100.)
    """
    return dict.fromkeys(("S_1", "S_N_FM", "S_1_N_FM", "I_1_N_FM", "Q_MW", "block_entropy"), STT_ROUNDOFF)


def site_dims(model: Any) -> list[int]:
    """Local dimensions of the MPS sites of a chain model (8 on the PRX FM sites, 4 elsewhere)."""
    return list(as_chain(model).dims)


def sector_to_site_basis(basis: SectorBasis, psi: np.ndarray) -> np.ndarray:
    """An exact-evolver state as a vector of the MPS product basis (first site most significant).

    The sector basis is a subset of that product basis — the Jordan–Wigner Fock basis, site by site
    (:mod:`verify.exact.sector`) — so the map is a sign-free scatter.
    """
    out = np.zeros(math.prod(basis.model.dims), dtype=complex)
    out[basis.product_indices()] = psi
    return out


def site_indices(basis: SectorBasis) -> np.ndarray:
    """Local MPS-basis index of every site for every basis state, shape (N, dim)."""
    return basis.digits.astype(np.int64)


def sector_state_to_mps(basis: SectorBasis, psi: np.ndarray) -> MPS:
    """An exact-evolver state as an MPS, by sequential SVD without forming the 4^N vector.

    After k sites the state is Σ_α |L_α⟩ ⊗ Σ_s C[α, s] |suffix s⟩ over the distinct suffixes
    (configurations of sites k..N−1) that occur in the sector; splitting suffix s = (p_k, s') turns C
    into a (χ d_k) × (#suffixes after k+1) matrix whose SVD gives the next tensor. Singular values
    below :data:`verify.tensors.SVD_FLOOR` (relative) are dropped. Cost: loops over sites only.

    Returns
    -------
    MPS
        Left-canonical, centre on the last site, in the basis of :func:`sector_to_site_basis`.
    """
    model = basis.model
    dims = list(model.dims)
    n = model.n_sites
    psi = np.asarray(psi, dtype=complex)
    if psi.shape != (basis.dim,):
        raise ValueError(f"state has shape {psi.shape}, expected ({basis.dim},)")
    local = site_indices(basis)
    # suffix ids: suffix[k][b] = id of (p_k, ..., p_{N-1}) of basis state b; suffix[N] = 0
    suffix = [np.zeros(basis.dim, dtype=np.int64) for _ in range(n + 1)]
    for k in range(n - 1, -1, -1):
        key = suffix[k + 1] * dims[k] + local[k]
        _, suffix[k] = np.unique(key, return_inverse=True)
    coeff = np.zeros((1, basis.dim), dtype=complex)
    coeff[0, suffix[0]] = psi
    tensors = []
    for k in range(n):
        chi, d = coeff.shape[0], dims[k]
        n_next = int(suffix[k + 1].max()) + 1
        # representative basis state of every suffix s at step k gives (p_k, s')
        s_ids, rep = np.unique(suffix[k], return_index=True)
        m = np.zeros((chi, d, n_next), dtype=complex)
        m[:, local[k, rep], suffix[k + 1][rep]] = coeff[:, s_ids]
        m = m.reshape(chi * d, n_next)
        if k == n - 1:
            tensors.append(m.reshape(chi, d, 1))
            break
        u, sv, vh = np.linalg.svd(m, full_matrices=False)
        keep = max(1, int(np.count_nonzero(sv > SVD_FLOOR * sv[0])))
        tensors.append(u[:, :keep].reshape(chi, d, keep))
        coeff = sv[:keep, None] * vh[:keep]
    return MPS(tensors, center=n - 1)


def exceeded(deviations: Mapping[str, float], tolerances: Mapping[str, float]) -> list[str]:
    """Names whose deviation exceeds its tolerance (NaN deviations count as exceeded)."""
    unknown = sorted(set(tolerances) - set(deviations))
    if unknown:
        raise ValueError(f"tolerances for unknown observables {unknown}; known: {sorted(deviations)}")
    return [k for k, tol in tolerances.items() if not deviations[k] <= tol]


def _max_abs_difference(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    both_nan = np.isnan(a) & np.isnan(b)
    diff = np.where(both_nan, 0.0, np.abs(a - b))
    return float(np.max(diff)) if diff.size else 0.0


def crosscheck_prx(
    model: PRXChain,
    *,
    t_max: float,
    dt_out: float,
    dt: float = 0.1,
    chi_max: int = 400,
    trunc: float = 1e-7,
    order: int = 2,
    cut: int | None = None,
    initial: str = "slater",
    tolerances: Mapping[str, float] | None = None,
) -> dict:
    """Largest deviation per observable between exact evolution and TEBD on the same instance.

    Parameters
    ----------
    model : PRXChain
        Small enough for :func:`verify.prx_exact.simulate_prx_exact` (N ≤ 32, sector in memory).
    t_max, dt_out, dt, chi_max, trunc, order, cut
        As in :func:`verify.prx_tebd.simulate_prx_tebd`.
    initial : {"slater", "exact"}
        TEBD initial state: its own Slater-determinant MPS (default: compares the two pipelines as
        a user runs them), or the exact evolver's ground state converted by
        :func:`sector_state_to_mps` (isolates Trotter and truncation errors).
    tolerances : mapping, optional
        Name → tolerance; the result lists the exceeded ones (default :data:`PRX_TOLERANCES`).

    Returns
    -------
    dict
        ``deviations`` (name → max |exact − TEBD| over times and components, keys
        :data:`PRX_OBSERVABLES`), ``tolerances``, ``exceeded`` (names above tolerance), ``exact`` and
        ``tebd`` (the two RunResults).
    """
    from verify.exact import SectorBasis, model_ground_state
    from verify.prx_tebd import simulate_prx_tebd
    from verify.records import simulate_prx_exact

    if initial not in ("slater", "exact"):
        raise ValueError(f"initial must be 'slater' or 'exact', got {initial!r}")
    tolerances = dict(PRX_TOLERANCES if tolerances is None else tolerances)
    exceeded(dict.fromkeys(PRX_OBSERVABLES, 0.0), tolerances)  # unknown names fail before any work
    exact = simulate_prx_exact(model, t_max=t_max, dt_out=dt_out, cut=cut)
    psi0 = None
    if initial == "exact":
        basis = SectorBasis.build(model)
        psi0 = sector_state_to_mps(basis, model_ground_state(model, basis).psi)
    tebd = simulate_prx_tebd(
        model, t_max=t_max, dt_out=dt_out, dt=dt, chi_max=chi_max, trunc=trunc, order=order, cut=cut, psi0=psi0
    )
    deviations = {key: _max_abs_difference(exact.arrays[key], tebd.arrays[key]) for key in PRX_OBSERVABLES}
    return {
        "deviations": deviations,
        "tolerances": tolerances,
        "exceeded": exceeded(deviations, tolerances),
        "exact": exact,
        "tebd": tebd,
    }


def stt_measurements(n_e: int, n_fm: int) -> dict:
    """S_1, S_N_FM, S_{1,N_FM}, I(1|N_FM), Q_MW and all block entropies of PRX Eq. 15, from its MPS.

    Localized spin i is qubit N_e + i − 1 (electrons first). Block entropies S(m) are those of the
    first m qubits (m = 1..n−1), from the Schmidt values; by permutation symmetry they equal the
    entropy of any m spins. Entries that need two localized spins are NaN for N_FM = 1.
    """
    from entanglement import meyer_wallach_from_rdms, mutual_information, von_neumann_entropy
    from verify.mps import stt_mps
    from verify.tensors import blas_threads, threads_for

    mps = stt_mps(n_e, n_fm)
    with blas_threads(threads_for(2 * mps.max_bond_dimension())):
        sweep = mps.sweep()
        edge = mps.rdm([n_e, n_e + n_fm - 1]) if n_fm >= 2 else None
    nsq = sweep.norm_squared
    rdms = [r / nsq for r in sweep.site_rdms]
    first, last = n_e, n_e + n_fm - 1
    out = {
        "S_1": von_neumann_entropy(rdms[first]) if n_fm >= 1 else math.nan,
        "S_N_FM": von_neumann_entropy(rdms[last]) if n_fm >= 1 else math.nan,
        "Q_MW": meyer_wallach_from_rdms(np.stack(rdms)),
        "block_entropy": np.array([von_neumann_entropy(s**2 / nsq) for s in sweep.schmidt]),
        "max_bond_dimension": mps.max_bond_dimension(),
    }
    if edge is not None:
        out["S_1_N_FM"] = von_neumann_entropy(edge)
        out["I_1_N_FM"] = mutual_information(edge, [0], [1], dims=[2, 2])
    else:
        out["S_1_N_FM"] = out["I_1_N_FM"] = math.nan
    return out


def crosscheck_stt(n_e: int, n_fm: int, *, tolerances: Mapping[str, float] | None = None) -> dict:
    """Compare the MPS measurements of PRX Eq. 15 with :mod:`entanglement.closed_form` (mpmath twins).

    Returns
    -------
    dict
        ``deviations`` (name → |MPS − closed form|, block entropies: max over m), ``mps`` and
        ``closed_form`` values, ``tolerances``, ``exceeded``, ``max_bond_dimension``.
    """
    from entanglement import closed_form as cf

    if isinstance(n_fm, bool) or not isinstance(n_fm, (int, np.integer)) or n_fm < 1:
        raise ValueError(f"n_fm must be an integer >= 1 (the state needs a localized spin), got {n_fm!r}")
    if isinstance(n_e, bool) or not isinstance(n_e, (int, np.integer)) or n_e < 0:
        raise ValueError(f"n_e must be an integer >= 0, got {n_e!r}")
    defaults = stt_tolerances(n_e, n_fm)
    tolerances = dict(defaults if tolerances is None else tolerances)
    exceeded(dict.fromkeys(defaults, 0.0), tolerances)  # unknown names fail before any work
    got = stt_measurements(n_e, n_fm)
    n = n_e + n_fm
    ref = {
        "S_1": float(cf.single_spin_entropy_mp(n_e, n_fm)),
        "Q_MW": float(cf.meyer_wallach_mp(n_e, n_fm)),
        "block_entropy": np.array([float(cf.block_entropy_mp(n_e, n_fm, m)) for m in range(1, n)]),
    }
    ref["S_N_FM"] = ref["S_1"]
    if n_fm >= 2:
        ref["S_1_N_FM"] = float(cf.two_spin_entropy_mp(n_e, n_fm))
        ref["I_1_N_FM"] = float(cf.mutual_information_mp(n_e, n_fm))
    else:
        ref["S_1_N_FM"] = ref["I_1_N_FM"] = math.nan
    deviations = {key: _max_abs_difference(got[key], ref[key]) for key in defaults}
    return {
        "deviations": deviations,
        "mps": {k: got[k] for k in defaults},
        "closed_form": ref,
        "tolerances": tolerances,
        "exceeded": exceeded(deviations, tolerances),
        "max_bond_dimension": got["max_bond_dimension"],
    }
