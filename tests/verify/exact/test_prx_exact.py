"""Exact PRX evolution (verify.exact for the PRX chain): Hamiltonian, ground state, propagation, conservation.

Independent routes:
* N_e = 1 against a first-quantized dense construction: (site, spin) ⊗ localized spins with np.kron
  and the Pauli matrices of states.conventions (spectra and evolved observables, scipy expm);
* Lanczos ground state against dense ``eigh``; the collinear S^z sector against the all-sector basis;
* conservation of norm, energy, total S^z and N_e over drawn small instances (Hypothesis).
"""

import dataclasses
from math import comb

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given
from hypothesis import strategies as st

from states.conventions import IDENTITY_2, PAULI_X, PAULI_Y, PAULI_Z
from verify.exact import SectorBasis, sector_dimension, slater_vector
from verify.exact import model_ground_state as ground_state
from verify.exact import model_hamiltonian as hamiltonian
from verify.exact import model_preparation_term as preparation_term
from verify.models import PRXChain
from verify.records import output_times, simulate_prx_exact

SPECTRUM_ATOL = 1e-10
"""eigh of matrices with ‖H‖ ≲ 500 (fields 100, V 10) and dim ≤ 300: backward error
O(dim·ε·‖H‖) ≈ 3e-11; 1e-10 is that bound with margin."""
OBSERVABLE_ATOL = 1e-8
"""Evolved observables, exact vs dense: Chebyshev tol 1e-12 per window, dense expm ~1e-13, and the
ground-state vectors differ by ≈ residual/gap ≈ 1e-10/0.1; observables are quadratic in ψ."""
CONSERVATION_ATOL = 1e-10
"""Drifts of norm, energy, 2S^z, N_e: W windows × tol 1e-12 plus round-off of ~300 matvecs
(≈ 300·ε·‖H‖ ≈ 1e-12); 1e-10 leaves two orders of margin."""

SMALL = dict(n_sites=6, n_left=3, n_fm=2, n_conf=2, n_e=2)


def sector_two_sz(model: PRXChain) -> int | None:
    """The fixed 2S^z of the model's exact sector (None when only N is fixed)."""
    return model.chain().sector.get("2Sz")


def slater_start(model: PRXChain, basis: SectorBasis) -> np.ndarray:
    return slater_vector(basis, model.slater_state())


def state_charges(basis: SectorBasis, name: str) -> np.ndarray:
    """Total charge ``name`` of every basis state, from the digits and the sites' charge tables."""
    return sum(site.charges[name][basis.digits[k]] for k, site in enumerate(basis.model.sites))


def spin_op(op: np.ndarray, q: int, n_fm: int) -> np.ndarray:
    """op on localized spin q of n_fm (first spin leftmost)."""
    out = np.ones((1, 1), dtype=complex)
    for k in range(n_fm):
        out = np.kron(out, op if k == q else IDENTITY_2)
    return out


def dense_single_electron(model: PRXChain) -> tuple[np.ndarray, np.ndarray, dict]:
    """H and H_VB for N_e = 1 on (site ⊗ electron spin ⊗ localized spins), built with np.kron.

    Returns H, H_VB and a dict of observables (per-site projectors, electron Pauli, spin Pauli).
    """
    n, nfm = model.n_sites, model.n_fm
    i_spins = np.eye(2**nfm)
    hop = np.zeros((n, n))
    for i in range(n - 1):
        hop[i, i + 1] = hop[i + 1, i] = -model.hopping
    proj = [np.diag(np.eye(n)[i]) for i in range(n)]
    h = np.kron(np.kron(hop, IDENTITY_2), i_spins).astype(complex)
    for q in range(nfm - 1):
        h_pair = -(
            model.j_z * spin_op(PAULI_Z, q, nfm) @ spin_op(PAULI_Z, q + 1, nfm)
            + model.j_xy * spin_op(PAULI_X, q, nfm) @ spin_op(PAULI_X, q + 1, nfm)
            + model.j_xy * spin_op(PAULI_Y, q, nfm) @ spin_op(PAULI_Y, q + 1, nfm)
        )
        h += np.kron(np.eye(2 * n), h_pair)
    for q in range(nfm):
        site = model.n_left + q
        for pauli in (PAULI_X, PAULI_Y, PAULI_Z):
            h += -model.j_sd * np.kron(np.kron(proj[site], pauli), spin_op(pauli, q, nfm))
    pol = PAULI_Z if model.polarization == "z" else PAULI_X
    hvb = np.zeros_like(h)
    for i in range(model.n_conf):
        hvb += -model.confinement * np.kron(np.kron(proj[i], IDENTITY_2), i_spins)
        hvb += -model.field * np.kron(np.kron(proj[i], pol), i_spins)
    for q in range(nfm):
        hvb += model.field * np.kron(np.eye(2 * n), spin_op(PAULI_Z, q, nfm))
    ops = {
        "density": [np.kron(np.kron(proj[i], IDENTITY_2), i_spins) for i in range(n)],
        "electron": [np.kron(np.kron(np.eye(n), p), i_spins) for p in (PAULI_X, PAULI_Y, PAULI_Z)],
        "spins": [
            [np.kron(np.eye(2 * n), spin_op(p, q, nfm)) for p in (PAULI_X, PAULI_Y, PAULI_Z)] for q in range(nfm)
        ],
        "two_sz": np.kron(np.kron(np.eye(n), PAULI_Z), i_spins)
        + sum(np.kron(np.eye(2 * n), spin_op(PAULI_Z, q, nfm)) for q in range(nfm)),
    }
    return h, hvb, ops


def expect(psi: np.ndarray, op: np.ndarray) -> float:
    return float(np.vdot(psi, op @ psi).real)


# ----------------------------------------------------------------------------- structure


@pytest.mark.parametrize("polarization", ["z", "x"])
def test_sector_dimension_and_order(polarization):
    model = PRXChain(**SMALL, polarization=polarization)
    basis = SectorBasis.build(model)
    if polarization == "x":
        assert basis.dim == comb(12, 2) * 4
    else:  # 2S^z = N_e − N_FM = 0: (↑↑ e, ↓↓ spins) + (↑↓ e, one spin up of two) + (↓↓ e, ↑↑ spins)
        assert basis.dim == comb(6, 2) * 1 + 6 * 6 * 2 + comb(6, 2) * 1
        assert np.all(state_charges(basis, "2Sz") == sector_two_sz(model))
    assert np.all(state_charges(basis, "N") == model.n_e)
    assert sector_dimension(model) == basis.dim
    # lexicographic order of the digits (first site most significant), no duplicates
    assert np.all(np.diff(basis.product_indices()) > 0)


@pytest.mark.parametrize("polarization", ["z", "x"])
def test_hamiltonians_are_real_symmetric(polarization):
    model = PRXChain(**SMALL, polarization=polarization, j_sd=0.7)
    basis = SectorBasis.build(model)
    for matrix in (hamiltonian(model, basis), preparation_term(model, basis)):
        assert matrix.dtype == np.float64
        assert abs(matrix - matrix.T).max() == 0.0


# ----------------------------------------------------------------------------- N_e = 1 dense route


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(n_sites=5, n_left=2, n_fm=2, n_conf=1, n_e=1, polarization="x", j_sd=0.9),
        dict(n_sites=6, n_left=2, n_fm=3, n_conf=2, n_e=1, polarization="z", j_sd=-0.6, j_xy=0.3, j_z=0.2),
        dict(n_sites=6, n_left=2, n_fm=3, n_conf=2, n_e=1, polarization="x", j_sd=1.3),
    ],
)
def test_single_electron_spectrum_matches_dense_construction(kwargs):
    model = PRXChain(**kwargs)
    h_dense, hvb_dense, ops = dense_single_electron(model)
    basis = SectorBasis.build(model)
    h = hamiltonian(model, basis).toarray()
    hv = preparation_term(model, basis).toarray()
    if model.collinear:  # restrict the dense matrices to the sector 2S^z = N_e − N_FM
        keep = np.flatnonzero(np.isclose(np.diag(ops["two_sz"]).real, sector_two_sz(model)))
        h_dense, hvb_dense = h_dense[np.ix_(keep, keep)], hvb_dense[np.ix_(keep, keep)]
    assert h.shape == h_dense.shape
    np.testing.assert_allclose(np.linalg.eigvalsh(h), np.linalg.eigvalsh(h_dense), atol=SPECTRUM_ATOL)
    np.testing.assert_allclose(np.linalg.eigvalsh(h + hv), np.linalg.eigvalsh(h_dense + hvb_dense), atol=SPECTRUM_ATOL)


@pytest.mark.parametrize("polarization", ["z", "x"])
def test_single_electron_evolution_matches_dense_expm(polarization):
    """Observables of the full pipeline (Lanczos → Chebyshev → RDMs) against dense eigh → expm."""
    model = PRXChain(n_sites=7, n_left=3, n_fm=3, n_conf=2, n_e=1, polarization=polarization, j_sd=1.0)
    run = simulate_prx_exact(model, t_max=6.0, dt_out=1.5)
    h_dense, hvb_dense, ops = dense_single_electron(model)
    assert run.meta["ground_state"]["method"] == "lanczos"  # sector dim 112 (x) or 28 (z) > DENSE_LIMIT
    _, vecs = np.linalg.eigh(h_dense + hvb_dense)
    psi0 = vecs[:, 0]
    # the all-sector dense ground state lies in the collinear sector (checks the sector choice too)
    assert abs(expect(psi0, ops["two_sz"]) - (1 - model.n_fm)) < 1e-9 or not model.collinear
    for k, t in enumerate(run.arrays["t"]):
        psi = sla.expm(-1j * t * h_dense) @ psi0
        spin = np.array([[expect(psi, op) for op in ops["spins"][q]] for q in range(model.n_fm)])
        np.testing.assert_allclose(run.arrays["spin"][k], spin, atol=OBSERVABLE_ATOL)
        electron = np.array([expect(psi, op) for op in ops["electron"]])
        np.testing.assert_allclose(run.arrays["electron_spin"][k], electron, atol=OBSERVABLE_ATOL)
        density = np.array([expect(psi, op) for op in ops["density"]])
        np.testing.assert_allclose(run.arrays["density"][k], density, atol=OBSERVABLE_ATOL)
        np.testing.assert_allclose(run.arrays["energy"][k], expect(psi, h_dense), atol=OBSERVABLE_ATOL)
    assert np.ptp(run.arrays["spin"][:, 0, 2]) > 1e-3  # something happened: the comparison is not vacuous


# ----------------------------------------------------------------------------- ground state


@pytest.mark.parametrize("polarization", ["z", "x"])
def test_lanczos_ground_state_matches_dense_eigh(polarization):
    model = PRXChain(n_sites=6, n_left=3, n_fm=2, n_conf=2, n_e=2, polarization=polarization)
    basis = SectorBasis.build(model)
    assert basis.dim > 64
    lanczos = ground_state(model, basis)
    dense = ground_state(model, basis, method="dense")
    assert lanczos.method == "lanczos" and dense.method == "dense"
    assert abs(lanczos.energy - dense.energy) < SPECTRUM_ATOL
    assert abs(abs(np.vdot(lanczos.psi, dense.psi)) - 1) < 1e-10
    assert lanczos.residual < 1e-8


def test_collinear_sector_holds_the_global_ground_state():
    model = PRXChain(n_sites=6, n_left=3, n_fm=2, n_conf=2, n_e=2, polarization="z")
    sector = ground_state(model, SectorBasis.build(model))
    everything = SectorBasis.build(dataclasses.replace(model.chain(), sector={"N": model.n_e}))
    assert everything.dim == comb(12, 2) * 4
    full = np.linalg.eigvalsh((hamiltonian(model, everything) + preparation_term(model, everything)).toarray())
    assert abs(sector.energy - full[0]) < SPECTRUM_ATOL
    assert full[1] - full[0] > 1.0  # non-degenerate: the state is well defined


@pytest.mark.parametrize("polarization", ["z", "x"])
def test_slater_start_is_the_ground_state_without_sd_coupling(polarization):
    """At J_sd = 0 the ground state of H + H_VB is the Slater determinant ⊗ |↓…↓⟩ (checks the JW signs
    of the hopping against determinants computed independently by numpy)."""
    model = PRXChain(n_sites=6, n_left=3, n_fm=2, n_conf=3, n_e=3, polarization=polarization, j_sd=0.0)
    basis = SectorBasis.build(model)
    gs = ground_state(model, basis, method="dense" if basis.dim < 2000 else "lanczos")
    assert abs(abs(np.vdot(slater_start(model, basis), gs.psi)) - 1) < 1e-10


def test_collinear_ground_state_is_polarized():
    """s^z_e = N_e and σ^z_i = −1 up to the sd admixture of spin flips, estimated perturbatively:
    a ↓ electron + ↑ spin costs 2B and couples with 2 J_sd √P_FM, so 1 − ⟨…⟩ ≲ 2 P_FM (J_sd/B)²."""
    model = PRXChain(n_sites=8, n_left=3, n_fm=3, n_conf=3, n_e=3, polarization="z")
    run = simulate_prx_exact(model, t_max=0.0, dt_out=1.0)
    p_fm = run.arrays["density"][0, model.n_left : model.n_left + model.n_fm].sum()
    bound = 10 * 2 * p_fm * (model.j_sd / model.field) ** 2 + 1e-12
    assert p_fm > 1e-6  # the well touches the FM region: the bound is not trivially tiny
    assert abs(run.arrays["electron_spin"][0, 2] - model.n_e) < bound
    assert np.max(np.abs(run.arrays["spin"][0, :, 2] + 1)) < bound


# ----------------------------------------------------------------------------- conservation


@st.composite
def small_chains(draw):
    n_sites = draw(st.integers(4, 8))
    n_fm = draw(st.integers(1, min(3, n_sites - 2)))
    n_e = draw(st.integers(1, min(3, n_sites - n_fm)))
    n_conf = draw(st.integers(n_e, n_sites - n_fm))
    n_left = draw(st.integers(n_conf, n_sites - n_fm))
    return PRXChain(
        n_sites=n_sites,
        n_left=n_left,
        n_fm=n_fm,
        n_conf=n_conf,
        n_e=n_e,
        polarization=draw(st.sampled_from(["z", "x"])),
        j_sd=draw(st.floats(-2.0, 2.0)),
        j_xy=draw(st.floats(0.0, 0.5)),
        j_z=draw(st.floats(0.0, 0.5)),
    )


@given(model=small_chains(), t_max=st.floats(0.5, 4.0))
def test_conservation_laws(model, t_max):
    run = simulate_prx_exact(model, t_max=t_max, dt_out=t_max / 4)
    drifts = run.meta["drifts"]
    assert set(drifts) == {"norm", "energy", "total_spin_z", "n_electrons"}
    for name, value in drifts.items():
        assert value < CONSERVATION_ATOL, (name, value)
    assert abs(run.arrays["norm"][0] - 1) < 1e-12
    assert np.allclose(run.arrays["n_electrons"], model.n_e, atol=CONSERVATION_ATOL)
    if model.collinear:  # 2S^z = N_e − N_FM exactly, and no transverse components (PRX Sec. IV)
        assert np.allclose(run.arrays["total_spin_z"], model.n_e - model.n_fm, atol=CONSERVATION_ATOL)
        assert np.max(np.abs(run.arrays["spin"][..., :2])) < 1e-14
        assert np.max(np.abs(run.arrays["electron_spin"][:, :2])) < 1e-14


def test_noncollinear_run_rotates_the_localized_spins():
    """With +x electrons the transverse spin components become nonzero (PRX Sec. V): the collinear
    zero above is a property of the geometry, not of the code."""
    model = PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2, polarization="x", j_sd=1.0)
    run = simulate_prx_exact(model, t_max=6.0, dt_out=1.0)
    assert np.max(np.abs(run.arrays["spin"][..., :2])) > 1e-3
    assert run.meta["drifts"]["total_spin_z"] < CONSERVATION_ATOL


# ----------------------------------------------------------------------------- input errors


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(model=PRXChain(**SMALL), t_max=-1.0, dt_out=0.5), "t_max"),
        (dict(model=PRXChain(**SMALL), t_max=1.0, dt_out=0.0), "dt_out"),
        (dict(model=PRXChain(**SMALL), t_max=float("nan"), dt_out=0.5), "t_max"),
        (dict(model=PRXChain(**SMALL), t_max=1.0, dt_out=0.5, cut=6), "cut"),
        (dict(model=PRXChain(**SMALL), t_max=1.0, dt_out=0.5, cut=0), "cut"),
    ],
)
def test_bad_input_raises_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_prx_exact(**kwargs)


def test_wrong_model_type_raises_type_error():
    with pytest.raises(TypeError, match="PRXChain"):
        simulate_prx_exact("prx", t_max=1.0, dt_out=0.5)


def test_more_than_64_fermion_modes():
    """The sector is stored as one digit per site, not as one 64-bit word of modes: N = 40 sites (80
    modes) with one electron runs, and conserves what it must."""
    model = PRXChain(n_sites=40, n_left=6, n_fm=2, n_conf=2, n_e=1)
    run = simulate_prx_exact(model, t_max=1.0, dt_out=0.5)
    assert run.meta["sector_dim"] == 40 * 1 + 40 * 2  # electron ↑ & spins ↓↓, or electron ↓ & one spin ↑
    assert max(run.meta["drifts"].values()) < CONSERVATION_ATOL

def test_sector_dimension_formula_matches_enumeration():
    for kwargs in (
        SMALL,
        dict(n_sites=7, n_left=3, n_fm=3, n_conf=3, n_e=3),
        dict(n_sites=5, n_left=2, n_fm=1, n_conf=2, n_e=0),
    ):
        for polarization in ("z", "x"):
            model = PRXChain(**kwargs, polarization=polarization)
            assert sector_dimension(model) == SectorBasis.build(model).dim
            if polarization == "x":  # every placement of N_e electrons in 2N modes, any localized spins
                assert sector_dimension(model) == comb(2 * model.n_sites, model.n_e) * 2**model.n_fm


def test_oversized_sector_is_refused_before_enumeration():
    model = PRXChain(n_sites=32, n_left=14, n_fm=5, n_conf=10, n_e=8)
    assert sector_dimension(model) > 10**9
    with pytest.raises(ValueError, match="dimension"):
        SectorBasis.build(model)


def test_polarized_pulse_must_fit_into_the_well():
    with pytest.raises(ValueError, match="n_e = 5 polarized electrons do not fit into n_conf = 3"):
        PRXChain(n_sites=4, n_left=3, n_fm=1, n_conf=3, n_e=5, polarization="z")


def test_output_grid():
    np.testing.assert_allclose(output_times(1.0, 0.25), [0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(output_times(0.3, 0.1), [0, 0.1, 0.2, 0.3])
    np.testing.assert_allclose(output_times(0.0, 0.1), [0.0])
