"""TEBD for the PRX chain: Jordan–Wigner signs, bond Hamiltonians, initial state, evolution vs exact.

The reference for operators and Hamiltonians is written here from scratch: one qubit per fermion mode
in the order (1↑, 1↓, 2↑, ...), c_m = Z ⊗ … ⊗ Z ⊗ a ⊗ 1 …, localized spins as extra qubits with no
string, then permuted into the MPS site basis (|0>, |↑>, |↓>, |↑↓>) [⊗ spin]. The reference for
evolution is the exact evolver ``verify.exact`` (Chebyshev, tolerance 1e-12). The sites, terms and
bond Hamiltonians under test are the chain model's (``verify.models``); the engine is ``verify.tebd``.
"""

from __future__ import annotations

import math
from functools import reduce

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import entanglement
from states.conventions import IDENTITY_2, PAULI_Z, spin_operators
from verify.exact import (
    ExactMeasurer,
    SectorBasis,
    model_ground_state,
    model_hamiltonian,
    model_preparation_term,
    propagate,
)
from verify.models import Bond, PRXChain, bond_matrix, fermion_site, product_site, single_particle_orbitals, spin_site
from verify.mps import MPS, to_charged_mps
from verify.records import output_times, simulate_prx_exact, simulate_prx_tebd
from verify.tebd import TEBD, initial_state_report
from verify.tebd import initial_mps as initial_state
from verify.tensors import BlockSparseBackend, DenseBackend
from verify.testing import strategies
from verify.testing.crosscheck import sector_state_to_mps, sector_to_site_basis, site_dims


def prx_bond_hamiltonians(model: PRXChain, *, preparation: bool = False) -> list[np.ndarray]:
    """h_b of the PRX chain model (PRX Eqs. 2–4, + Eq. 5 with ``preparation``)."""
    return model.chain().bond_hamiltonians(preparation=preparation)


def fm_site():
    """The FM site: fermion site ⊗ localized spin 1/2 (d = 8)."""
    return product_site(fermion_site(), spin_site(1))


def hopping_terms(left, right) -> np.ndarray:
    """Σ_s (c†_{i,s} c_{i+1,s} + H.c.) on one bond, strings from the sites (verify.models.bond_matrix)."""
    return sum(bond_matrix(left, right, Bond(0, f"Cd{s}", f"C{s}", 1.0, plus_hc=True)) for s in "ud")


def charged_mps(mps: MPS, model: PRXChain) -> MPS:
    """``mps`` with block-sparse tensors conserving the charges of the model's sector (as simulate_prx_tebd)."""
    chain = model.chain()
    return to_charged_mps(mps, BlockSparseBackend(tuple(chain.sector)), chain.site_charges())


# ----------------------------------------------------------------------------- independent reference
ANNIHILATE = np.array([[0, 1], [0, 0]], dtype=complex)  # occupation qubit: |0> empty, |1> occupied
# kron index of a site's (n_↑, n_↓) qubit pair is 2 n_↑ + n_↓; the site basis is (0, ↑, ↓, ↑↓)
PAIR_TO_SITE = np.zeros((4, 4))
for kron_index, site_index in {0: 0, 2: 1, 1: 2, 3: 3}.items():
    PAIR_TO_SITE[site_index, kron_index] = 1.0


class Reference:
    """Mode annihilators and localized Pauli operators of a chain, in the MPS product basis (sparse)."""

    def __init__(self, n_sites: int, fm_sites: list[int]) -> None:
        self.n_sites, self.fm = n_sites, list(fm_sites)
        self.factors: list[tuple[str, int]] = []  # ("mode", m) or ("spin", q)
        for i in range(n_sites):
            self.factors += [("mode", 2 * i), ("mode", 2 * i + 1)]
            if i in self.fm:
                self.factors.append(("spin", self.fm.index(i)))
        perms = [np.kron(PAIR_TO_SITE, IDENTITY_2.real) if i in self.fm else PAIR_TO_SITE for i in range(n_sites)]
        self.perm = sp.csr_array(reduce(np.kron, perms))

    def _embed(self, ops: dict[tuple[str, int], np.ndarray], string_before: int | None = None) -> sp.csr_array:
        mats = []
        for kind, k in self.factors:
            if (kind, k) in ops:
                mats.append(ops[(kind, k)])
            elif kind == "mode" and string_before is not None and k < string_before:
                mats.append(PAULI_Z)
            else:
                mats.append(IDENTITY_2)
        full = reduce(lambda a, b: sp.kron(a, sp.csr_array(b), format="csr"), mats[1:], sp.csr_array(mats[0]))
        return (self.perm @ full @ self.perm.T).tocsr()

    def c(self, site: int, spin: int) -> np.ndarray:
        m = 2 * site + spin
        return self._embed({("mode", m): ANNIHILATE}, string_before=m)

    def sigma(self, q: int, alpha: int) -> np.ndarray:
        return self._embed({("spin", q): spin_operators("pauli")[alpha]})

    def s(self, site: int, alpha: int) -> np.ndarray:
        sigma = spin_operators("pauli")[alpha]
        c = [self.c(site, 0), self.c(site, 1)]
        return sum(c[a].conj().T @ c[b] * sigma[a, b] for a in range(2) for b in range(2))

    def n(self, site: int) -> np.ndarray:
        return sum(self.c(site, s).conj().T @ self.c(site, s) for s in range(2))


def reference_hamiltonian(model: PRXChain, preparation: bool) -> sp.csr_array:
    """PRX Eqs. 2–4 (+ Eq. 5) written out term by term with the reference operators."""
    ref = Reference(model.n_sites, list(model.fm_sites))
    h = 0
    for i in range(model.n_sites - 1):
        for s in (0, 1):
            hop = ref.c(i, s).conj().T @ ref.c(i + 1, s)
            h = h - model.hopping * (hop + hop.conj().T)
    for q in range(model.n_fm - 1):
        h = h - model.j_z * ref.sigma(q, 2) @ ref.sigma(q + 1, 2)
        h = h - model.j_xy * sum(ref.sigma(q, a) @ ref.sigma(q + 1, a) for a in (0, 1))
    for q, site in enumerate(model.fm_sites):
        h = h - model.j_sd * sum(ref.s(site, a) @ ref.sigma(q, a) for a in range(3))
        if preparation:
            h = h + model.field * ref.sigma(q, 2)
    if preparation:
        axis = 2 if model.polarization == "z" else 0
        for i in range(model.n_conf):
            h = h - model.confinement * ref.n(i) - model.field * ref.s(i, axis)
    return h


def embed_bonds(bonds: list[np.ndarray], dims: list[int]) -> sp.csr_array:
    total = 0
    for b, hb in enumerate(bonds):
        left, right = sp.eye_array(math.prod(dims[:b])), sp.eye_array(math.prod(dims[b + 2 :]))
        total = total + sp.kron(sp.kron(left, sp.csr_array(hb)), right, format="csr")
    return total


def max_abs(a) -> float:
    a = a.toarray() if sp.issparse(a) else np.asarray(a)
    return float(np.max(np.abs(a))) if a.size else 0.0


# ----------------------------------------------------------------------------- operators and JW
def test_reference_modes_are_fermions() -> None:
    """The reference itself: {c_a, c_b†} = δ_ab, {c_a, c_b} = 0 on a 2-site chain with an FM site."""
    ref = Reference(2, [1])
    modes = [ref.c(i, s) for i in range(2) for s in range(2)]
    for a, ca in enumerate(modes):
        for b, cb in enumerate(modes):
            assert max_abs(ca @ cb.conj().T + cb.conj().T @ ca - sp.eye_array(ca.shape[0]) * (a == b)) == 0
            assert max_abs(ca @ cb + cb @ ca) == 0


@pytest.mark.parametrize("fm", [[], [1], [0, 2]])
def test_site_operators_with_parity_strings_are_the_global_modes(fm: list[int]) -> None:
    """c_{i,s} = F_1 ⊗ … ⊗ F_{i−1} ⊗ C_s ⊗ 1 … (module docstring of verify.models.terms) equals the
    reference Jordan–Wigner mode, sign included, for every mode of a 3-site chain."""
    ref = Reference(3, fm)
    sites = [fm_site() if i in fm else fermion_site() for i in range(3)]
    for i in range(3):
        for s in (0, 1):
            mode = ("Cu", "Cd")[s]
            strings, after = [sites[j].op("F") for j in range(i)], [sites[j].op("Id") for j in range(i + 1, 3)]
            mats = [*strings, sites[i].op(mode), *after]
            assert np.array_equal(reduce(np.kron, mats), ref.c(i, s).toarray())


@pytest.mark.parametrize(("left_fm", "right_fm"), [(False, False), (False, True), (True, False), (True, True)])
def test_hopping_identity(left_fm: bool, right_fm: bool) -> None:
    """c†_{i,s} c_{i+1,s} = (C_s† F)_i ⊗ (C_s)_{i+1}: the string of the intermediate modes is F_i."""
    fm = [k for k, flag in enumerate((left_fm, right_fm)) if flag]
    ref = Reference(2, fm)
    want = sum(ref.c(0, s).conj().T @ ref.c(1, s) for s in (0, 1))
    got = hopping_terms(*(fm_site() if f else fermion_site() for f in (left_fm, right_fm)))
    assert max_abs(got - (want + want.conj().T)) < 1e-15


def test_local_spin_operators() -> None:
    f = fermion_site()
    s = [f.op(f"s{a}") for a in "xyz"]
    assert np.allclose(np.diag(s[2]).real, [0, 1, -1, 0])  # s^z = n_↑ − n_↓ on (0, ↑, ↓, ↑↓)
    assert np.allclose(np.diag(f.op("N")).real, [0, 1, 1, 2])
    for a in range(3):  # [s^x, s^y] = 2i s^z on the singly occupied subspace (Pauli units)
        b, c = (a + 1) % 3, (a + 2) % 3
        assert np.allclose(s[a] @ s[b] - s[b] @ s[a], 2j * s[c])
    fm = fm_site()
    assert np.array_equal(fm.charges["2Sz"], [1, -1, 2, 0, 0, -2, 1, -1])  # (0,↑,↓,↑↓) ⊗ (↑,↓)
    assert np.array_equal(fm.charges["2Sz"], np.diag(fm.op("sz") + fm.op("Sz")).real.astype(int))
    assert np.array_equal(fm.charges["N"], np.diag(fm.op("N")).real.astype(int))


# ----------------------------------------------------------------------------- bond Hamiltonians
GEOMETRIES = [
    dict(n_sites=4, n_left=1, n_fm=2, n_conf=1, n_e=1),  # FM in the middle
    dict(n_sites=3, n_left=1, n_fm=2, n_conf=1, n_e=1),  # FM at the right end
    dict(n_sites=3, n_left=0, n_fm=2, n_conf=0, n_e=0),  # FM at the left end
    dict(n_sites=3, n_left=2, n_fm=1, n_conf=2, n_e=2),
]


@pytest.mark.parametrize("geometry", GEOMETRIES)
@pytest.mark.parametrize("preparation", [False, True])
@pytest.mark.parametrize("polarization", ["z", "x"])
def test_bond_hamiltonians_sum_to_the_reference(geometry: dict, preparation: bool, polarization: str) -> None:
    """Σ_b h_b = H (PRX Eqs. 2–4, + Eq. 5): on-site terms folded exactly once, couplings distinct to catch swaps."""
    model = PRXChain(
        **geometry, polarization=polarization, hopping=0.9, j_xy=0.3, j_z=0.7, j_sd=1.3, confinement=2.5, field=3.7
    )
    dims = site_dims(model)
    got = embed_bonds(prx_bond_hamiltonians(model, preparation=preparation), dims)
    assert max_abs(got - reference_hamiltonian(model, preparation)) < 1e-13


@pytest.mark.parametrize("polarization", ["z", "x"])
def test_bond_hamiltonians_match_the_exact_evolver(polarization: str) -> None:
    """Σ_b h_b restricted to the exact evolver's sector is its sparse H (and H + H_VB), and does not leak out."""
    model = PRXChain(n_sites=5, n_left=2, n_fm=2, n_conf=2, n_e=2, polarization=polarization, j_sd=1.1)
    basis = SectorBasis.build(model)
    eye = np.eye(basis.dim)
    embed = sp.csr_array(np.stack([sector_to_site_basis(basis, eye[k]) for k in range(basis.dim)], axis=1))
    dims = site_dims(model)
    for preparation in (False, True):
        full = embed_bonds(prx_bond_hamiltonians(model, preparation=preparation), dims)
        want = model_hamiltonian(model, basis)
        if preparation:
            want = want + model_preparation_term(model, basis)
        restricted = embed.conj().T @ full @ embed
        assert max_abs(restricted - want) < 1e-12
        assert max_abs(full @ embed - embed @ restricted) < 1e-12


# ----------------------------------------------------------------------------- initial state
def test_slater_mps_equals_dense_determinant() -> None:
    """The MPO construction equals b†_{N_e} ⋯ b†_1 |vac, ↓…↓> built with the reference operators."""
    for polarization in ("z", "x"):
        model = PRXChain(n_sites=4, n_left=3, n_fm=1, n_conf=3, n_e=3, polarization=polarization, field=5.0)
        ref = Reference(model.n_sites, list(model.fm_sites))
        _, orbitals = single_particle_orbitals(model)
        chi = np.array([1.0, 0.0]) if polarization == "z" else np.array([1.0, 1.0]) / math.sqrt(2)
        vac = np.zeros(ref.perm.shape[0])
        vac[np.ravel_multi_index([0, 0, 0, 1], site_dims(model))] = 1.0  # all empty, localized spin ↓
        psi = vac.astype(complex)
        for k in range(model.n_e):
            create = sum(orbitals[i, k] * chi[s] * ref.c(i, s).conj().T for i in range(4) for s in (0, 1))
            psi = create @ psi
        mps, discarded = initial_state(model)
        assert discarded < 1e-25
        assert np.allclose(mps.to_dense(), psi, atol=1e-13)


@pytest.mark.parametrize("polarization", ["z", "x"])
def test_initial_state_against_exact_ground_state(polarization: str) -> None:
    """The Slater-determinant MPS vs the exact ground state of H + H_{V,B} (PRX Eq. 5).

    Well on sites 1–3, FM spins on sites 6–7: the well orbitals (depth V + |gμ_B B| = 110) decay by
    ~1/110 per site, so their weight on the FM sites is ~(1/110)^6 ≈ 6e-13 and the J_sd/hopping
    coupling changes the ground state by that order: 1 − |overlap| and the energy difference must be
    below 1e-9. The MPS energy equals the one-body prediction to round-off.
    """
    model = PRXChain(n_sites=10, n_left=5, n_fm=2, n_conf=3, n_e=2, polarization=polarization)
    basis = SectorBasis.build(model)
    gs = model_ground_state(model, basis)
    mps, _ = initial_state(model)
    report = initial_state_report(model, mps)
    overlap = abs(np.vdot(sector_to_site_basis(basis, gs.psi), mps.to_dense()))
    assert 1 - overlap < 1e-9
    assert report["energy"] == pytest.approx(gs.energy, abs=1e-9)
    assert report["energy"] == pytest.approx(report["orbital_energy"], abs=1e-10)
    assert report["norm"] == pytest.approx(1.0, abs=1e-13)


def test_initial_state_at_paper_size() -> None:
    """N = 75, N_e = 8 (PRX Fig. 2): exact Slater MPS, normalized, energy Σ ε_k − B N_FM − J_z (N_FM − 1)."""
    model = PRXChain()
    mps, discarded = initial_state(model)
    report = initial_state_report(model, mps)
    assert report["norm"] == pytest.approx(1.0, abs=1e-12)
    assert report["energy"] == pytest.approx(report["orbital_energy"], abs=1e-9)
    assert discarded < 1e-20
    assert mps.max_bond_dimension() <= 2**model.n_e


# ----------------------------------------------------------------------------- evolution vs exact
def exact_states(model: PRXChain, times: np.ndarray):
    basis = SectorBasis.build(model)
    gs = model_ground_state(model, basis)
    h = model_hamiltonian(model, basis)
    return basis, gs, {round(float(t), 9): psi for t, psi in propagate(h, gs.psi, times)}


def tebd_from(model: PRXChain, basis, psi0: np.ndarray, *, dt: float, order: int, n_steps: int, **kw) -> TEBD:
    engine = TEBD(sector_state_to_mps(basis, psi0), prx_bond_hamiltonians(model), dt=dt,
                  chi_max=kw.get("chi_max", 10**6), trunc=kw.get("trunc", 0.0), order=order, scheme=kw.get("scheme"))
    engine.run(n_steps)
    return engine


SMALL = dict(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2)


@pytest.mark.parametrize(("order", "scheme"), [(2, "prx"), (2, "even-odd"), (4, None)])
def test_trotter_error_scaling(order: int, scheme: str | None) -> None:
    """‖ψ_TEBD(T) − ψ_exact(T)‖ ∝ δt^order: fitted slopes over δt = 0.2, 0.1, 0.05 within 0.15 of the order.

    T = 1, no truncation (the truncation error stays < 1e-20, checked). The next term of the error
    series is relatively O(δt) smaller, which moves the local slopes by < 0.1 at these δt (measured
    1.99/2.00 and 3.97/3.99).
    """
    model = PRXChain(**SMALL, polarization="x")
    basis, gs, states = exact_states(model, np.array([0.0, 1.0]))
    ref = sector_to_site_basis(basis, states[1.0])
    dts = np.array([0.2, 0.1, 0.05])
    errors = []
    for dt in dts:
        engine = tebd_from(model, basis, gs.psi, dt=dt, order=order, n_steps=round(1.0 / dt), scheme=scheme)
        assert engine.truncation_error < 1e-20
        errors.append(np.linalg.norm(engine.mps.to_dense() - ref))
    slopes = np.diff(np.log(errors)) / np.diff(np.log(dts))
    assert np.all(np.abs(slopes - order) < 0.15), (slopes, errors)


def _binary_entropy(p: float) -> float:
    return 0.0 if p <= 0 else float(-p * math.log(p) - (1 - p) * math.log1p(-p))


@pytest.mark.parametrize("polarization", ["z", "x"])
def test_tebd_matches_exact_evolution(polarization: str) -> None:
    """N = 8, N_FM = 2, N_e = 2 from the exact ground state: order 4, δt = 0.025, no truncation, to T = 1.

    * ⟨σ_i⟩, densities, s_e deviate by less than 1e-6 (measured ≈ 1e-9: Trotter error O(T δt⁴));
    * the entropy at *every* bond equals the exact one (``verify.exact.ExactMeasurer`` at each cut) within the
      Fannes–Audenaert bound ε ln(d − 1) + H₂(ε), ε = ‖ψ_TEBD − ψ_exact‖ ≥ trace distance;
    * N_e and (collinear) total S^z are conserved to round-off (1e-12), the norm to 1e-12.
    """
    model = PRXChain(n_sites=8, n_left=3, n_fm=2, n_conf=2, n_e=2, polarization=polarization)
    times = np.array([0.0, 0.5, 1.0])
    basis, gs, states = exact_states(model, times)
    psi0 = sector_state_to_mps(basis, gs.psi)
    exact = simulate_prx_exact(model, t_max=1.0, dt_out=0.5)
    tebd = simulate_prx_tebd(model, t_max=1.0, dt_out=0.5, dt=0.025, order=4, chi_max=10**6, trunc=0.0, psi0=psi0)
    for key in ("spin", "density", "spin_density_z", "electron_spin", "mutual_info_edges", "meyer_wallach"):
        assert np.max(np.abs(tebd.arrays[key] - exact.arrays[key])) < 1e-6, key
    assert np.max(np.abs(tebd.arrays["n_electrons"] - model.n_e)) < 1e-12
    assert np.max(np.abs(tebd.arrays["norm"] - 1)) < 1e-12
    if model.collinear:
        assert np.max(np.abs(tebd.arrays["total_spin_z"] - (model.n_e - model.n_fm))) < 1e-12
    # bond entropies at t = 1 against the exact state, with a rigorous continuity bound
    engine = tebd_from(model, basis, gs.psi, dt=0.025, order=4, n_steps=40)
    eps = float(np.linalg.norm(engine.mps.to_dense() - sector_to_site_basis(basis, states[1.0])))
    assert eps < 1e-6
    dims = site_dims(model)
    for cut in range(1, model.n_sites):
        want = ExactMeasurer(basis, model_hamiltonian(model, basis), cut).entropy_cut(states[1.0])
        d = min(math.prod(dims[:cut]), math.prod(dims[cut:]))
        bound = eps * math.log(d - 1) + _binary_entropy(eps) + 1e-12
        assert abs(tebd.arrays["bond_entropy"][-1, cut - 1] - want) <= bound, cut


@pytest.mark.slow
@pytest.mark.parametrize("polarization", ["z", "x"])
def test_tebd_matches_exact_evolution_n12(polarization: str) -> None:
    """The brief's instance N = 12, N_FM = 2, N_e = 2, to T = 3 (order 4, δt = 0.025, no truncation)."""
    model = PRXChain(n_sites=12, n_left=5, n_fm=2, n_conf=3, n_e=2, polarization=polarization)
    basis = SectorBasis.build(model)
    gs = model_ground_state(model, basis)
    exact = simulate_prx_exact(model, t_max=3.0, dt_out=0.5)
    tebd = simulate_prx_tebd(model, t_max=3.0, dt_out=0.5, dt=0.025, order=4, chi_max=10**6, trunc=0.0,
                             psi0=sector_state_to_mps(basis, gs.psi))
    assert np.max(np.abs(tebd.arrays["spin"] - exact.arrays["spin"])) < 1e-6
    assert np.max(np.abs(tebd.arrays["entropy_cut"] - exact.arrays["entropy_cut"])) < 1e-6
    # the full pipeline (Slater-determinant initial state) agrees as well
    own = simulate_prx_tebd(model, t_max=3.0, dt_out=0.5, dt=0.025, order=4, chi_max=10**6, trunc=0.0)
    assert np.max(np.abs(own.arrays["spin"] - exact.arrays["spin"])) < 1e-6


@pytest.mark.parametrize("scheme", ["prx", "even-odd"])
def test_conservation_under_truncation(scheme: str) -> None:
    """With real truncation (χ_max = 4) N_e and collinear S^z stay exact on this instance: the gates
    conserve them and, in exact arithmetic, the Schmidt vectors of a charge eigenstate carry definite
    charge, so truncating them cannot move the charge. The accumulated truncation error is
    non-trivial (> 1e-6), so this tests something. (With round-off the dense code can let charge
    noise grow at long times — see "Backends" in verify.records.simulate_tebd — but not here: 1e-12.)

    The norm: PRX Eq. 8 renormalizes the centre after every split, so it stays 1 to round-off. The
    B form of even–odd reads it from the Schmidt values of bond 0, each split renormalized to the
    norm of its θ, which the earlier truncations (B isometric only on the kept space) shift by at
    most their discarded weight: |1 − ‖ψ‖| is bounded by the accumulated truncation error."""
    model = PRXChain(n_sites=8, n_left=3, n_fm=2, n_conf=2, n_e=2, polarization="z")
    run = simulate_prx_tebd(model, t_max=2.0, dt_out=0.5, dt=0.1, order=2, chi_max=4, trunc=1e-10, scheme=scheme)
    assert run.arrays["truncation_error"][-1] > 1e-6
    assert np.all(run.arrays["max_bond_dimension"] <= 4)
    assert np.all(np.diff(run.arrays["truncation_error"]) >= 0)
    assert np.max(np.abs(run.arrays["n_electrons"] - 2)) < 1e-12
    assert np.max(np.abs(run.arrays["total_spin_z"] - 0)) < 1e-12
    norm_drift = np.abs(run.arrays["norm"] - 1)
    if scheme == "prx":
        assert np.max(norm_drift) < 1e-12
    else:
        assert np.all(norm_drift <= run.arrays["truncation_error"] + 1e-14)


class CountingBackend(DenseBackend):
    """Dense backend that records every split's discarded weight (sweep and B-form splits)."""

    def __init__(self) -> None:
        self.discarded: list[float] = []

    def split(self, theta, *, chi_max, trunc, absorb):
        out = super().split(theta, chi_max=chi_max, trunc=trunc, absorb=absorb)
        self.discarded.append(out.discarded)
        return out

    def split_vidal(self, c, left, *, chi_max, trunc):
        out = super().split_vidal(c, left, chi_max=chi_max, trunc=trunc)
        self.discarded.append(out.discarded)
        return out


# Gates of 5 merged steps on 8 sites (7 bonds: 4 even, 3 odd). PRX Eq. 8: 2·7 − 1 per step (the turn
# merged), one fewer where each step meets the next. Even–odd: the half-step even layers merge into
# 6 even layers (4 gates each) around 5 odd ones (3 gates each).
SPLITS_OF_5_STEPS = {"prx": 5 * (2 * 7 - 1) - 4, "even-odd": 6 * 4 + 5 * 3}


@pytest.mark.parametrize("scheme", sorted(SPLITS_OF_5_STEPS))
def test_truncation_error_counts_each_split_once(scheme: str) -> None:
    """TEBD.truncation_error is the plain sum of the discarded weights of its splits, one per gate."""
    model = PRXChain(n_sites=8, n_left=3, n_fm=2, n_conf=2, n_e=2, polarization="x")
    backend = CountingBackend()
    mps0, _ = initial_state(model)
    mps = MPS(mps0.tensors, center=mps0.center, backend=backend)
    engine = TEBD(mps, prx_bond_hamiltonians(model), dt=0.1, chi_max=3, trunc=0.0, order=2, scheme=scheme)
    discarded_before = len(backend.discarded)  # the B form of even–odd is made by splits too
    engine.run(5)
    assert len(backend.discarded) - discarded_before == SPLITS_OF_5_STEPS[scheme]
    backend.discarded = backend.discarded[discarded_before:]
    assert engine.truncation_error == sum(backend.discarded)
    assert engine.truncation_error > 0


@pytest.mark.parametrize("scheme", ["prx", "even-odd"])
def test_truncation_limited_steps_are_flagged(scheme: str) -> None:
    """A step is flagged exactly when one of its splits kept chi_max values and discarded more than trunc."""
    model = PRXChain(n_sites=8, n_left=3, n_fm=2, n_conf=2, n_e=2, polarization="x")
    mps0, _ = initial_state(model)
    flagged = {}
    for chi_max, trunc in ((2, 1e-12), (64, 1e-12), (2, 0.9)):
        engine = TEBD(mps0.copy(), prx_bond_hamiltonians(model), dt=0.1, chi_max=chi_max, trunc=trunc, scheme=scheme)
        engine.run(3)
        engine.step()
        flagged[(chi_max, trunc)] = engine.limited_steps
    assert flagged[(2, 1e-12)] == [1, 2, 3, 4]  # χ = 2 cannot hold the state: every step truncates
    assert flagged[(64, 1e-12)] == []  # χ_max never reached (8 sites: χ <= 4^4)
    assert flagged[(2, 0.9)] == []  # the discarded weight stays below the (loose) request


def test_time_grid_by_integer_steps() -> None:
    """Output times as the exact evolver's grid; steps = (n_t − 1)·(dt_out/dt) — the last step is taken."""
    model = PRXChain(n_sites=4, n_left=1, n_fm=1, n_conf=1, n_e=1)
    run = simulate_prx_tebd(model, t_max=0.7, dt_out=0.1, dt=0.1 / 3, order=2)
    assert np.array_equal(run.arrays["t"], output_times(0.7, 0.1))
    assert run.meta["tebd"]["steps"] == 7 * 3
    run = simulate_prx_tebd(model, t_max=1.0, dt_out=0.3, dt=0.1, order=2)
    assert np.array_equal(run.arrays["t"], output_times(1.0, 0.3))
    assert run.meta["tebd"]["steps"] == 9


# ----------------------------------------------------------------------------- property test
@st.composite
def small_chains(draw) -> PRXChain:
    n_sites = draw(st.integers(3, 6))
    n_fm = draw(st.integers(1, 2))
    n_left = draw(st.integers(0, n_sites - n_fm))
    n_conf = draw(st.integers(0, min(n_left, 2)))
    n_e = draw(st.integers(0, min(2, n_conf)))
    coupling = st.floats(-1.0, 1.0, allow_nan=False).map(lambda x: round(x, 3))
    return PRXChain(
        n_sites=n_sites, n_left=n_left, n_fm=n_fm, n_conf=n_conf, n_e=n_e,
        polarization=draw(st.sampled_from(["z", "x"])),
        hopping=draw(st.floats(0.2, 1.0).map(lambda x: round(x, 3))),
        j_xy=draw(coupling), j_z=draw(coupling), j_sd=draw(coupling),
        confinement=draw(st.floats(0.0, 5.0).map(lambda x: round(x, 3))),
        field=draw(st.floats(1.0, 10.0).map(lambda x: round(x, 3))),
    )


@settings(max_examples=20)
@given(model=small_chains())
def test_property_tebd_conserves_and_agrees(model: PRXChain) -> None:
    """Random small PRX chains: TEBD (order 4, δt = 0.04, 10 steps, no truncation) from the exact ground
    state conserves the norm (full contraction), N_e and — collinear — total S^z to 1e-10, and its
    ⟨σ_i⟩, densities and s_e agree with exact evolution to 1e-6.

    Tolerance: the fourth-order Trotter error after T = 0.4 is ~T δt⁴ ‖h‖⁵/100 ≲ 1e-7 for bond norms
    ‖h_b‖ ≲ 4 of the drawn couplings (|J|, |J_sd| ≤ 1, γ ≤ 1); a sign or folding error shows at O(T) ≈ 0.1.
    """
    basis = SectorBasis.build(model)
    gs = model_ground_state(model, basis)
    exact = simulate_prx_exact(model, t_max=0.4, dt_out=0.2)
    psi0 = sector_state_to_mps(basis, gs.psi)
    run = simulate_prx_tebd(model, t_max=0.4, dt_out=0.2, dt=0.04, order=4, chi_max=10**6, trunc=0.0, psi0=psi0)
    assert np.max(np.abs(run.arrays["norm"] - 1)) < 1e-10
    assert np.max(np.abs(run.arrays["n_electrons"] - model.n_e)) < 1e-10
    if model.collinear:
        assert np.max(np.abs(run.arrays["total_spin_z"] - run.arrays["total_spin_z"][0])) < 1e-10
    for key in ("spin", "density", "electron_spin"):
        assert np.max(np.abs(run.arrays[key] - exact.arrays[key])) < 1e-6, key


@settings(max_examples=10)
@given(model=strategies.prx_chains(max_sites=5, max_fm=2, min_electrons=0, max_electrons=2, j_sd=(0.0, 1.0)))
def test_property_public_strategy(model: PRXChain) -> None:
    """The same property on the package's public strategy (physical couplings, γ up to 2): order 4,
    δt = 0.02, 10 steps; tolerance as above with ‖h_b‖ ≲ 8 and δt halved (≈ 1e-7 estimate)."""
    basis = SectorBasis.build(model)
    gs = model_ground_state(model, basis)
    exact = simulate_prx_exact(model, t_max=0.2, dt_out=0.1)
    psi0 = sector_state_to_mps(basis, gs.psi)
    run = simulate_prx_tebd(model, t_max=0.2, dt_out=0.1, dt=0.02, order=4, chi_max=10**6, trunc=0.0, psi0=psi0)
    assert abs(psi0.norm() - 1) < 1e-12
    assert np.max(np.abs(run.arrays["n_electrons"] - model.n_e)) < 1e-10
    for key in ("spin", "density", "electron_spin", "entropy_cut"):
        assert np.max(np.abs(run.arrays[key] - exact.arrays[key])) < 1e-6, key


# ----------------------------------------------------------------------------- bad input
def test_bad_input() -> None:
    model = PRXChain(n_sites=4, n_left=1, n_fm=1, n_conf=1, n_e=1)
    bonds = prx_bond_hamiltonians(model)
    mps, _ = initial_state(model)
    with pytest.raises(ValueError, match="dt"):
        TEBD(mps.copy(), bonds, dt=-0.1, chi_max=10, trunc=0.0)
    with pytest.raises(ValueError, match="chi_max"):
        TEBD(mps.copy(), bonds, dt=0.1, chi_max=0, trunc=0.0)
    with pytest.raises(ValueError, match="trunc"):
        TEBD(mps.copy(), bonds, dt=0.1, chi_max=10, trunc=1.5)
    with pytest.raises(ValueError, match="3 bond Hamiltonians"):
        TEBD(mps.copy(), bonds[:2], dt=0.1, chi_max=10, trunc=0.0)
    with pytest.raises(ValueError, match="does not match"):
        TEBD(mps.copy(), [np.eye(16)] * 3, dt=0.1, chi_max=10, trunc=0.0)
    with pytest.raises(ValueError, match="Hermitian"):
        TEBD(mps.copy(), [b + 1j * np.eye(b.shape[0]) for b in bonds], dt=0.1, chi_max=10, trunc=0.0)
    with pytest.raises(ValueError, match="integer multiple"):
        simulate_prx_tebd(model, t_max=1.0, dt_out=0.25, dt=0.1)
    with pytest.raises(ValueError, match="order"):
        simulate_prx_tebd(model, t_max=1.0, dt_out=0.5, order=3)
    with pytest.raises(ValueError, match="need a checkpoint path"):
        simulate_prx_tebd(model, t_max=1.0, dt_out=0.5, checkpoint_every=3)
    with pytest.raises(ValueError, match="psi0 has local dimensions"):
        simulate_prx_tebd(model, t_max=1.0, dt_out=0.5, psi0=MPS.product_state([np.ones(2)] * 4))
    with pytest.raises(ValueError, match="cut"):
        simulate_prx_tebd(model, t_max=1.0, dt_out=0.5, cut=4)
    with pytest.raises(TypeError, match="PRXChain"):  # a wrong type (was ValueError before TypeErrors)
        simulate_prx_tebd("prx", t_max=1.0, dt_out=0.5)  # type: ignore[arg-type]


def test_entanglement_is_the_only_entropy_code() -> None:
    """Sanity of the shared path: the bond entropy of a product state is exactly 0 through entanglement."""
    mps = MPS.product_state([np.array([1.0, 0, 0, 0])] * 3)
    assert all(entanglement.von_neumann_entropy(s**2) == 0.0 for s in mps.sweep().schmidt)


def test_record_flags_truncation_limited_steps() -> None:
    """The record counts flagged steps per output interval, the meta lists them as ranges, and
    ``verify check`` names where χ_max stopped holding the requested truncation."""
    from verify.checks import check_run
    from verify.records import step_ranges

    model = PRXChain(n_sites=8, n_left=3, n_fm=2, n_conf=2, n_e=2, polarization="z")
    run = simulate_prx_tebd(model, t_max=1.0, dt_out=0.5, dt=0.1, chi_max=2, trunc=1e-12)
    counts = run.arrays["truncation_limited_steps"]
    ranges = run.meta["tebd"]["truncation_limited_steps"]
    assert counts[0] == 0 and counts.sum() == run.meta["tebd"]["n_truncation_limited_steps"] > 0
    assert sum(b - a + 1 for a, b in ranges) == counts.sum()
    assert all(1 <= a <= b <= 10 for a, b in ranges)
    detail = next(r for r in check_run(run).checks if r.name == "truncation_error").detail
    assert "chi_max could not hold" in detail
    loose = simulate_prx_tebd(model, t_max=1.0, dt_out=0.5, dt=0.1, chi_max=64, trunc=1e-12)
    assert loose.arrays["truncation_limited_steps"].sum() == 0 and loose.meta["tebd"]["truncation_limited_steps"] == []
    # the record names the decomposition route: gesdd below GRAM_MIN_TRUNC, the density matrix above
    assert loose.meta["tebd"]["decomposition"] == "svd"
    paper_trunc = simulate_prx_tebd(model, t_max=0.5, dt_out=0.5, dt=0.1, chi_max=64, trunc=1e-7)
    assert paper_trunc.meta["tebd"]["decomposition"].startswith("gram")
    assert step_ranges([9, 3, 4, 5]) == [[3, 5], [9, 9]] and step_ranges([]) == []


def test_even_odd_b_form_threads_are_bit_identical_and_canonical_copy_is_exact(monkeypatch) -> None:
    """The gates of a layer run on two threads give the same bits as on one (every LAPACK call is
    single-threaded and the sums are taken in bond order); the canonical copy used for measurements
    is exactly canonical and is the same state as the B form."""
    import verify.tebd.engine as tebd_module
    import verify.tensors.threads as threads

    model = PRXChain(n_sites=8, n_left=3, n_fm=2, n_conf=3, n_e=3, polarization="z")
    mps0, _ = initial_state(model)
    runs = []
    for min_dim, workers in ((10**9, 1), (1, 2)):
        monkeypatch.setattr(tebd_module, "PARALLEL_BOND_MIN_DIM", min_dim)
        monkeypatch.setattr(threads, "svd_workers", lambda w=workers: w)
        engine = TEBD(charged_mps(mps0.copy(), model), prx_bond_hamiltonians(model), dt=0.1, chi_max=6,
                      trunc=1e-10, scheme="even-odd")
        engine.run(4)
        engine.step()
        runs.append(engine)
    serial, threaded = runs
    assert serial.truncation_error == threaded.truncation_error > 0
    assert all(np.array_equal(a, b) for a, b in zip(serial.bond_values, threaded.bond_values, strict=True))
    assert np.array_equal(serial.mps.to_dense(), threaded.mps.to_dense())
    canonical = serial.canonical_mps()
    assert canonical.is_canonical(atol=1e-12) and canonical is serial.canonical_mps()  # cached
    b_form = serial.mps.to_dense()
    assert np.allclose(canonical.to_dense(), b_form, atol=1e-12)
    assert serial.mps.center is None  # the B form itself claims no centre


@pytest.mark.parametrize("polarization", ["z", "x"])
def test_charged_even_odd_tebd_matches_exact_evolution(polarization: str) -> None:
    """The even-odd scheme in the B form with block-sparse tensors against the exact evolver:
    N = 8, δt = 0.02, no truncation, T = 1. Second-order Trotter error ~ T δt² ‖[h_b, h_b']‖ ≈ 1e-4;
    measured ≈ 3e-5 (spin, density); the PRX-sweep run has the same order of error."""
    model = PRXChain(n_sites=8, n_left=3, n_fm=2, n_conf=2, n_e=2, polarization=polarization)
    basis, gs, _ = exact_states(model, np.array([0.0]))
    psi0 = sector_state_to_mps(basis, gs.psi)
    exact = simulate_prx_exact(model, t_max=1.0, dt_out=0.5)
    errors = {}
    for scheme in ("even-odd", "prx"):
        run = simulate_prx_tebd(model, t_max=1.0, dt_out=0.5, dt=0.02, order=2, chi_max=10**6, trunc=0.0,
                                psi0=psi0, scheme=scheme)
        errors[scheme] = max(np.max(np.abs(run.arrays[k] - exact.arrays[k])) for k in ("spin", "density"))
        assert np.max(np.abs(run.arrays["n_electrons"] - model.n_e)) < 1e-12
        assert np.max(np.abs(run.arrays["norm"] - 1)) < 1e-10
    assert errors["even-odd"] < 1e-3
    assert errors["even-odd"] < 20 * errors["prx"] + 1e-9


@pytest.mark.parametrize("scheme", ["prx", "even-odd"])
def test_gram_route_and_svd_route_evolve_the_same_state(monkeypatch, scheme: str) -> None:
    """The same truncated run (trunc = 1e-8, χ_max = 12 on N = 8, so the truncation bites) with every
    sector decomposed through the density matrix of its kept isometric side; through that of its
    smaller side (``GRAM_MAX_ASPECT`` 0, ``GRAM_OTHER_SIDE_MIN_DIM`` 1: the sectors whose kept side is
    the longer one get their isometric factor by projection and QR, seen taken); and through gesdd:
    the accumulated discarded weights agree to 1e-12 and the overlaps with the gesdd run are 1 to 1e-9
    (measured 5e-15 and 5e-11; the routes differ by eigenvalue round-off ~1e-14 per split, the B
    form's norm is exact only up to the truncation)."""
    import verify.tensors.decompositions as decompositions

    model = PRXChain(n_sites=8, n_left=3, n_fm=2, n_conf=3, n_e=3, polarization="z")
    mps0, _ = initial_state(model)
    engines = []
    import verify.tensors.blocksparse_split as blocksparse_split

    projected = []  # calls of the projection route, per route
    original = blocksparse_split.isometry_by_projection
    monkeypatch.setattr(blocksparse_split, "isometry_by_projection",
                        lambda *args: projected[-1].append(1) or original(*args))
    monkeypatch.setattr(decompositions, "GRAM_OTHER_SIDE_MIN_DIM", 1)
    for aspect, min_trunc in ((np.inf, 0.0), (0.0, 0.0), (0.0, np.inf)):  # Gram of the kept side, the smaller, SVD
        monkeypatch.setattr(decompositions, "GRAM_MAX_ASPECT", aspect)
        monkeypatch.setattr(decompositions, "GRAM_MIN_TRUNC", min_trunc)
        projected.append([])
        engine = TEBD(charged_mps(mps0.copy(), model), prx_bond_hamiltonians(model), dt=0.1, chi_max=12,
                      trunc=1e-8, scheme=scheme)
        engine.run(10)
        engines.append(engine)
    *grams, svd = engines
    assert [len(calls) > 0 for calls in projected] == [False, True, False]  # each route was taken
    assert svd.truncation_error > 1e-8  # the truncation is real
    for gram in grams:
        assert abs(gram.truncation_error - svd.truncation_error) < 1e-12
        overlap = abs(np.vdot(gram.mps.to_dense(), svd.mps.to_dense()))
        assert abs(overlap - 1) < 1e-9


# ----------------------------------------------------------------------------- deprecated paths
def _import_fresh(name: str):
    import importlib
    import sys

    sys.modules.pop(name, None)
    with pytest.warns(DeprecationWarning, match=name):
        return importlib.import_module(name)


def test_old_tebd_paths_warn_and_still_work() -> None:
    """verify.prx_tebd, verify.trotter, verify.checkpoint and verify.operators re-export the old names
    (with a DeprecationWarning); the old measure() returns the PRX frame of the generic measurement."""
    import verify.records.checkpoint as checkpoint
    import verify.tebd.trotter as trotter
    from verify.tebd import measure

    old = _import_fresh("verify.prx_tebd")
    for name in old.__all__:
        assert getattr(old, name) is not None, name
    assert old.simulate_prx_tebd is simulate_prx_tebd and old.initial_state is initial_state
    model = PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2)
    mps, _ = old.initial_state(model)
    frame = old.measure(mps, model, cut=2, t=0.5)
    chain = model.chain()
    generic = measure(mps, chain, t=0.5)
    assert frame.frame.t == 0.5 and np.array_equal(frame.bond_entropy, generic.bond_entropy)
    assert frame.frame.entropy_cut == generic.bond_entropy[1]  # cut = 2
    assert np.array_equal(frame.frame.density, generic.site["density"])
    assert _import_fresh("verify.trotter") is trotter
    assert _import_fresh("verify.checkpoint") is checkpoint
    operators = _import_fresh("verify.operators")
    assert np.array_equal(operators.fm_site().charge_2sz, [1, -1, 2, 0, 0, -2, 1, -1])
    assert np.array_equal(operators.hopping_terms(operators.fermion_site(), operators.fm_site()),
                          hopping_terms(fermion_site(), fm_site()))


@pytest.mark.parametrize("name", ["prx_bond_hamiltonians", "prx_onsite_terms", "prx_sites"])
def test_old_prx_names_of_verify_tebd_warn_and_come_from_the_model(name: str) -> None:
    import verify.tebd as tebd

    model = PRXChain(n_sites=4, n_left=1, n_fm=2, n_conf=1, n_e=1)
    with pytest.warns(DeprecationWarning, match=name):
        function = getattr(tebd, name)
    chain = model.chain()
    if name == "prx_sites":
        assert function(model) == list(chain.sites)
        return
    want = chain.bond_hamiltonians(preparation=True) if name == "prx_bond_hamiltonians" else \
        chain.onsite_matrices(preparation=True)
    assert all(np.array_equal(a, b) for a, b in zip(function(model, preparation=True), want, strict=True))
    with pytest.raises(AttributeError):
        tebd.no_such_name  # noqa: B018


# ----------------------------------------------------------------------------- options and resume data
def test_tebd_options_are_validated_once() -> None:
    """TEBDOptions: the paper's defaults; numpy integers accepted, bools refused (TypeError), bad values
    ValueError — the same answer in the engine, the drivers and the command line, which all build one."""
    import dataclasses

    from verify.records import simulate_tebd
    from verify.tebd import TEBDOptions

    paper = TEBDOptions()
    assert (paper.dt, paper.chi_max, paper.trunc, paper.order, paper.scheme, paper.backend) == (
        0.1, 400, 1e-7, 2, None, "charges")
    assert paper.scheme_name == "even-odd" and TEBDOptions(order=4).scheme_name == "forest-ruth"
    assert TEBDOptions(chi_max=np.int64(8), order=np.int32(4)).chi_max == 8
    assert all(f.metadata["help"] for f in dataclasses.fields(TEBDOptions))  # the CLI's flag help
    for bad, error in (
        ({"chi_max": True}, TypeError), ({"chi_max": 2.0}, TypeError), ({"dt": "0.1"}, TypeError),
        ({"scheme": 2}, TypeError), ({"backend": 1}, TypeError), ({"chi_max": 0}, ValueError),
        ({"dt": 0.0}, ValueError), ({"dt": math.inf}, ValueError), ({"trunc": 1.0}, ValueError),
        ({"trunc": -1e-9}, ValueError), ({"order": 3}, ValueError), ({"order": 4, "scheme": "prx"}, ValueError),
        ({"backend": "sparse"}, ValueError),
    ):
        with pytest.raises(error):
            TEBDOptions(**bad)
    model = PRXChain(n_sites=4, n_left=1, n_fm=1, n_conf=1, n_e=1)
    mps, _ = initial_state(model)
    with pytest.raises(TypeError, match="chi_max"):  # the engine and the PRX driver: the same rule
        TEBD(mps.copy(), prx_bond_hamiltonians(model), chi_max=True)
    with pytest.raises(TypeError, match="chi_max"):
        simulate_prx_tebd(model, t_max=0.2, dt_out=0.1, chi_max=True)
    with pytest.raises(TypeError, match="TEBDOptions"):
        simulate_tebd(model, t_max=0.2, dt_out=0.1, options={"dt": 0.1})


@pytest.mark.parametrize("scheme", ["prx", "even-odd"])
def test_engine_resume_data_continues_bit_for_bit(scheme: str) -> None:
    """TEBD.resume_data() → TEBD.from_resume_data() (charged tensors cut out of their dense form) continues
    the run exactly as the uninterrupted engine: same tensors, truncation error and flagged steps."""
    from verify.tebd import TEBDOptions, tensor_backend

    model = PRXChain(n_sites=8, n_left=3, n_fm=2, n_conf=3, n_e=3, polarization="z")
    options = TEBDOptions(chi_max=3, trunc=1e-9, scheme=scheme)
    bonds = prx_bond_hamiltonians(model)
    backend, site_charges = tensor_backend(model, "charges")
    engine = TEBD(to_charged_mps(initial_state(model)[0], backend, site_charges), bonds, options)
    engine.run(3)
    data = engine.resume_data()
    resumed = TEBD.from_resume_data(data, bonds, options, backend=backend, site_charges=site_charges)
    assert resumed.steps == 3 and resumed.limited_steps == engine.limited_steps != []
    engine.run(4)
    resumed.run(4)
    assert resumed.truncation_error == engine.truncation_error and resumed.limited_steps == engine.limited_steps
    assert all(np.array_equal(a, b) for a, b in zip(resumed.resume_data().tensors, engine.resume_data().tensors,
                                                    strict=True))
