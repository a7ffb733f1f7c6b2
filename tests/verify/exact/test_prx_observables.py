"""PRX observables (verify.models.prx_frame, verify.exact.ExactMeasurer): exact-state measurements, the frame.

Independent route for the exact-state measurements: the sector vector is embedded into the full
qubit register (2N fermion modes in JW order, then the N_FM localized spins), where
* the entropy of sites 1..cut is ``entanglement.entanglement_entropy`` of the leading modes plus the
  localized spins on those sites (left modes first in the JW order: the qubit partial trace is the
  fermionic one), and
* ⟨σ^α_q⟩, s_e, n_j, s^z_j are ⟨ψ|O|ψ⟩ with O built by np.kron from dense JW annihilators.
"""

import dataclasses
import math

import numpy as np
import pytest
from random_states import random_state
from scipy import sparse

import entanglement
from states.conventions import IDENTITY_2, PAULI_X, PAULI_Y, PAULI_Z
from verify.exact import ExactMeasurer, SectorBasis, model_hamiltonian
from verify.models import PRXChain, PRXFrame, default_cut, frame_from_measurement, prx_frame, validate_cut
from verify.records import Recorder, conservation_drifts, drift_keys, simulate_prx_exact

ATOL = 1e-10
"""Dense vs sector computations of the same quadratic forms on dims <= 1024: round-off ~1e-14;
entropies go through eigvalsh of matrices of size <= 256 (error ~1e-13)."""


def dense_annihilator(n_modes: int, mode: int) -> np.ndarray:
    z = np.diag([1.0, -1.0])
    a = np.array([[0.0, 1.0], [0.0, 0.0]])
    out = np.ones((1, 1))
    for f in [z] * mode + [a] + [np.eye(2)] * (n_modes - mode - 1):
        out = np.kron(out, f)
    return out


def embed(basis: SectorBasis, psi: np.ndarray) -> np.ndarray:
    """Sector vector → full register of qubits: modes (1↑, 1↓, 2↑, …) most significant, then the
    localized spins (1 = ↓); each digit's occupations come from the site's number operators."""
    model = basis.model
    modes, spins = np.zeros(basis.dim, dtype=np.int64), np.zeros(basis.dim, dtype=np.int64)
    for k, site in enumerate(model.sites):
        digit = basis.digits[k]
        for name in ("Nu", "Nd"):
            modes = 2 * modes + np.rint(np.diagonal(site.op(name)).real).astype(np.int64)[digit]
        if site.spin_factor:
            spins = 2 * spins + digit % 2  # spin factor last: index 1 = ↓
    n_fm = sum(1 for site in model.sites if site.spin_factor)
    full = np.zeros(2 ** (2 * model.n_sites + n_fm), dtype=complex)
    full[(modes << n_fm) + spins] = psi
    return full


def measure_frame(basis: SectorBasis, psi: np.ndarray, cut: int | None = None) -> PRXFrame:
    measurer = ExactMeasurer(basis, model_hamiltonian(basis.model, basis), cut)
    return PRXFrame(**frame_from_measurement(basis.model, measurer.measure(0.0, psi)))


@pytest.mark.parametrize("polarization", ["z", "x"])
@pytest.mark.parametrize("n_e", [2, 3])
def test_exact_measurements_match_full_register(polarization, n_e):
    model = PRXChain(n_sites=5, n_left=3, n_fm=2, n_conf=3, n_e=n_e, polarization=polarization)
    basis = SectorBasis.build(model)
    psi = random_state(basis.dim, seed=n_e)  # generic: entangled across every cut
    full = embed(basis, psi)
    n_modes, nfm = 2 * model.n_sites, model.n_fm
    dims = [2] * (n_modes + nfm)
    h = model_hamiltonian(model, basis)
    for cut in (1, 3, 4):  # cut 4 splits the FM region (spins on sites 4 and 5)
        k = min(max(cut - model.n_left, 0), nfm)
        keep = list(range(2 * cut)) + [n_modes + q for q in range(k)]
        reference = entanglement.entanglement_entropy(full, keep, dims=dims)
        assert reference > 0.1
        assert abs(ExactMeasurer(basis, h, cut).entropy_cut(psi) - reference) < ATOL
    frame = measure_frame(basis, psi)
    # operators on the full register as scipy.sparse: dense 4096 x 4096 products are needlessly slow
    i_e = sparse.identity(2**n_modes, format="csr")

    def spin_op(p, q):
        ops = [IDENTITY_2] * nfm
        ops[q] = p
        out = sparse.identity(1, format="csr")
        for o in ops:
            out = sparse.kron(out, o, format="csr")
        return sparse.kron(i_e, out, format="csr")

    for q in range(nfm):
        expected = [np.vdot(full, spin_op(p, q) @ full).real for p in (PAULI_X, PAULI_Y, PAULI_Z)]
        np.testing.assert_allclose(frame.spin[q], expected, atol=ATOL)
    c = [sparse.csr_matrix(dense_annihilator(n_modes, m)) for m in range(n_modes)]
    i_s = sparse.identity(2**nfm, format="csr")
    s_plus = sum(2 * c[2 * i].T @ c[2 * i + 1] for i in range(model.n_sites))
    raised = np.vdot(full, sparse.kron(s_plus, i_s, format="csr") @ full)
    n_op = [sparse.kron(c[m].T @ c[m], i_s, format="csr") for m in range(n_modes)]
    occ = np.array([np.vdot(full, op @ full).real for op in n_op])
    np.testing.assert_allclose(
        frame.electron_spin, [raised.real, raised.imag, occ[0::2].sum() - occ[1::2].sum()], atol=ATOL
    )
    np.testing.assert_allclose(frame.density, occ[0::2] + occ[1::2], atol=ATOL)
    np.testing.assert_allclose(frame.spin_density_z, occ[0::2] - occ[1::2], atol=ATOL)
    np.testing.assert_allclose(frame.n_electrons, n_e, atol=ATOL)
    # mutual information of the edge spins from the full register
    reference_i = entanglement.mutual_information(full, [n_modes], [n_modes + nfm - 1], dims=dims)
    assert abs(frame.mutual_info_edges - reference_i) < ATOL
    if polarization == "z":  # sector states have no transverse spin
        assert np.max(np.abs(frame.spin[:, :2])) == 0.0


def test_initial_product_state_values():
    """t = 0 of the collinear PRX protocol: S_i = (0, 0, −1), I = 0, entropy 0, Q_MW = 0.

    The ground state of H + H_VB is a product state up to the leakage of the well: the weight beyond
    the cut is p = Σ_{j>cut} n_j and a Schmidt spectrum (1 − p, ≲ p) has entropy ≤ p(1 − ln p) + p;
    spin flips are admixed with probability ≲ P_FM (J_sd/B)² (see test_prx_exact)."""
    model = PRXChain(n_sites=8, n_left=4, n_fm=3, n_conf=2, n_e=2, polarization="z")
    run = simulate_prx_exact(model, t_max=0.0, dt_out=1.0)
    a = run.arrays
    cut = run.meta["cut"]
    p = a["density"][0, cut:].sum()
    assert a["entropy_cut"][0] <= 2 * p * (1 - math.log(p)) + 1e-12
    p_fm = a["density"][0, model.n_left : model.n_left + model.n_fm].sum()
    flips = 10 * p_fm * (model.j_sd / model.field) ** 2 + 1e-13
    np.testing.assert_allclose(a["spin"][0], np.tile([0.0, 0.0, -1.0], (3, 1)), atol=flips)
    np.testing.assert_allclose(a["spin_purity"][0], 1.0, atol=flips)
    assert a["mutual_info_edges"][0] < 1e-10
    assert a["meyer_wallach"][0] < 4 * flips
    np.testing.assert_allclose(a["electron_spin"][0], [0, 0, 2], atol=flips)
    assert abs(a["electron_spin_purity"][0] - 1) < flips
    assert a["spin_z_total"][0] == pytest.approx(-3, abs=flips)


def test_initial_noncollinear_electrons_point_along_x():
    model = PRXChain(n_sites=8, n_left=4, n_fm=2, n_conf=2, n_e=2, polarization="x")
    a = simulate_prx_exact(model, t_max=0.0, dt_out=1.0).arrays
    np.testing.assert_allclose(a["electron_spin"][0], [2, 0, 0], atol=1e-8)
    np.testing.assert_allclose(a["spin"][0], [[0, 0, -1], [0, 0, -1]], atol=1e-8)
    assert a["meyer_wallach"][0] < 1e-8


def test_frame_postprocessing_on_known_states():
    """prx_frame with hand-made inputs: a Bell pair of edge spins and a half-polarized electron spin."""
    bell = np.zeros(4)
    bell[[1, 2]] = 1 / math.sqrt(2)  # (|↑↓⟩ + |↓↑⟩)/√2
    edge = np.outer(bell, bell)
    mixed = np.eye(2) / 2
    frame = prx_frame(
        1.5,
        spin_rdms=[mixed, entanglement.density_matrix_from_bloch([0, 0, -1]), mixed],
        edge_rdm=edge,
        electron_spin=[0.0, 0.0, 2.0],
        n_e=4,
        density=np.array([1.0, 2.0, 1.0]),
        spin_density_z=np.array([1.0, 0.0, 1.0]),
        entropy_cut=0.3,
        energy=-1.0,
        norm=1.0,
    )
    np.testing.assert_allclose(frame.spin, [[0, 0, 0], [0, 0, -1], [0, 0, 0]], atol=1e-15)
    np.testing.assert_allclose(frame.spin_purity, [0, 1, 0], atol=1e-15)
    assert frame.spin_z_total == -1.0
    assert frame.mutual_info_edges == pytest.approx(2 * math.log(2), abs=1e-12)
    assert frame.mutual_info_entropy_a == pytest.approx(math.log(2), abs=1e-12)
    assert frame.mutual_info_entropy_b == pytest.approx(math.log(2), abs=1e-12)
    assert frame.electron_spin_purity == 0.5
    # purities: spins 1/2, 1, 1/2; four electrons each (1 + 0.25)/2 = 5/8 → Q = 2(1 − (2 + 2.5)/7)
    assert frame.meyer_wallach == pytest.approx(2 * (1 - (0.5 + 1 + 0.5 + 4 * 0.625) / 7), abs=1e-12)
    assert frame.n_electrons == 4.0 and frame.total_spin_z == 1.0


def test_frame_without_electrons_or_edges():
    frame = prx_frame(
        0.0,
        spin_rdms=[entanglement.density_matrix_from_bloch([0, 0, -1])],
        edge_rdm=None,
        electron_spin=[0, 0, 0],
        n_e=0,
        density=np.zeros(3),
        spin_density_z=np.zeros(3),
        entropy_cut=0.0,
        energy=0.0,
        norm=1.0,
    )
    assert math.isnan(frame.mutual_info_edges) and math.isnan(frame.electron_spin_purity)
    assert math.isnan(frame.mutual_info_entropy_a) and math.isnan(frame.mutual_info_entropy_b)
    assert frame.meyer_wallach == 0.0


def test_record_stacks_frames_and_reports_drifts():
    def frame(t, e, n):
        return dataclasses.asdict(PRXFrame(
            t, np.zeros((2, 3)), np.ones(2), -2.0, np.zeros(3), 1.0, np.ones(4), np.zeros(4),
            0.0, 0.0, 0.0, 0.0, 0.0, e, n, 4.0, -2.0,
        ))

    recorder = Recorder(PRXChain(n_sites=4, n_left=1, n_fm=2, n_conf=1, n_e=1).chain())
    for row in (frame(0, 1.0, 1.0), frame(1, 1.5, 1.0), frame(2, 0.75, 0.9)):
        recorder.add(row)
    run = recorder.result({"method": "x"})
    assert run.arrays["spin"].shape == (3, 2, 3) and run.arrays["density"].shape == (3, 4)
    assert run.meta["drifts"] == pytest.approx({"norm": 0.1, "energy": 0.5, "total_spin_z": 0.0, "n_electrons": 0.0})
    assert conservation_drifts(run.arrays, drift_keys(recorder.model)) == run.meta["drifts"]
    extra = Recorder(None)
    extra.add(frame(0, 1, 1), max_bond_dimension=7)
    assert extra.arrays()["max_bond_dimension"].tolist() == [7]
    with pytest.raises(ValueError, match="keys"):
        extra.add(frame(1, 1, 1))  # a row without the extra series
    with pytest.raises(ValueError, match="at least one row"):
        Recorder(None).result({})


def test_cut_defaults_and_validation():
    assert default_cut(75) == 38 and default_cut(8) == 4
    assert validate_cut(None, 75) == 38 and validate_cut(3, 8) == 3
    for bad in (0, 8):
        with pytest.raises(ValueError, match="cut"):
            validate_cut(bad, 8)
    for bad in (2.5, True):  # wrong types
        with pytest.raises(TypeError, match="cut"):
            validate_cut(bad, 8)
