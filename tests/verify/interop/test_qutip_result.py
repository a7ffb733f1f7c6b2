"""QuTiP solver results as run records: an XXZ ``sesolve`` run made by QuTiP itself round-trips through
``from_qutip_result`` and a saved record, agrees with the package's exact evolver and passes the checks
with the ``ode`` tolerance profile."""

from __future__ import annotations

import math

import numpy as np
import pytest

qutip = pytest.importorskip("qutip")

from verify.checks import check_run  # noqa: E402
from verify.exact import ExactEvolver, SectorBasis  # noqa: E402
from verify.interop import from_qutip_result, measure_state  # noqa: E402
from verify.models import PRXChain, XXZChain, as_chain, default_frame  # noqa: E402
from verify.records import load_run, simulate_exact  # noqa: E402

L, J_Z, H_Z = 8, 0.5, 0.2
MODEL = XXZChain(n_sites=L, j_xx=1.0, j_z=J_Z, h_z=H_Z, initial="neel")
TIMES = np.linspace(0.0, 10.0, 101)


def _op(matrix, i: int):
    return qutip.tensor([matrix if k == i else qutip.qeye(2) for k in range(L)])


def _xxz_hamiltonian():
    """H = Σ_i [J_xx/4 (σ^xσ^x + σ^yσ^y) + J_z/4 σ^zσ^z] − h_z/2 Σ_i σ^z_i, written with QuTiP alone."""
    x, y, z = qutip.sigmax(), qutip.sigmay(), qutip.sigmaz()
    bonds = sum(
        0.25 * (_op(x, i) * _op(x, i + 1) + _op(y, i) * _op(y, i + 1)) + 0.25 * J_Z * _op(z, i) * _op(z, i + 1)
        for i in range(L - 1)
    )
    return bonds - 0.5 * H_Z * sum(_op(z, i) for i in range(L))


def _neel():
    return qutip.tensor([qutip.basis(2, i % 2) for i in range(L)])  # basis(2, 0) = ↑, the package's order


@pytest.fixture(scope="module")
def states_result():
    return qutip.sesolve(_xxz_hamiltonian(), _neel(), TIMES, options={"store_states": True})


def test_stored_states_give_the_models_record_and_agree_with_the_exact_evolver(states_result) -> None:
    run = from_qutip_result(states_result, model=MODEL)
    exact = simulate_exact(MODEL, t_max=10.0, dt_out=0.1)
    assert set(run.arrays) == set(exact.arrays)
    assert run.meta["model"] == MODEL.to_dict() and run.meta["method"] == "qutip.sesolve"
    assert run.meta["integrator"]["method"] == "adams" and run.meta["integrator"]["rtol"] == 1e-6
    # QuTiP's default adams integrator (rtol 1e-6) against the Chebyshev propagator (1e-12): the ODE error
    # grows to 3.3e-5 in the energy and 1.1e-5 in <sigma^z_i> at t = 10 (measured); 1e-4 allows that with a
    # margin of 3, and a wrong term or basis order would differ by O(1)
    for key in ("spin_z", "energy", "entropy_cut", "norm"):
        np.testing.assert_allclose(run.arrays[key], exact.arrays[key], atol=1e-4, err_msg=key)
    np.testing.assert_allclose(run.arrays["total_spin_z"], 0.0, atol=1e-12)  # the Néel sector, exactly


def test_round_trip_through_a_saved_record_passes_with_the_ode_profile(states_result, tmp_path) -> None:
    run = from_qutip_result(states_result, model=MODEL)
    loaded = load_run(run.save(tmp_path / "qutip.npz"))
    assert set(loaded.arrays) == set(run.arrays)
    for key, array in run.arrays.items():
        np.testing.assert_array_equal(loaded.arrays[key], array)
    assert {key: loaded.meta[key] for key in run.meta} == run.meta
    report = check_run(loaded)
    assert report.passed and report.profile == "ode" and "sesolve" in report.profile_reason
    assert report["sz_conservation"].status == "pass"
    energy = report["energy"]
    # the ODE drift (3.3e-5) passes the ode profile's 1e-3 but not the exact 1e-8: WARN says so
    assert energy.status == "WARN" and "ode profile" in energy.warning and energy.deviation > 1e-8
    strict = check_run(loaded, profile="exact")
    assert not strict.passed and strict["energy"].status == "FAIL"


def test_expectation_values_of_a_dict_of_e_ops(tmp_path) -> None:
    e_ops = {"energy": _xxz_hamiltonian(), **{f"spin_z[{i}]": _op(qutip.sigmaz(), i) for i in range(L)}}
    result = qutip.sesolve(_xxz_hamiltonian(), _neel(), TIMES, e_ops=e_ops)
    run = from_qutip_result(result, model=MODEL)
    assert sorted(run.arrays) == ["energy", "spin_z", "t"] and run.arrays["spin_z"].shape == (TIMES.size, L)
    np.testing.assert_array_equal(run.arrays["spin_z"][0], [1, -1] * (L // 2))
    report = check_run(run)
    assert report.passed and report["sz_conservation"].status == "pass"  # Σ_i spin_z, the model's parts
    assert report["norm"].status == "WARN"  # no states, no norm: said
    bare = from_qutip_result(result)  # without a model: the arrays alone
    assert "model" not in bare.meta and bare.meta["method"] == "qutip.sesolve"


def test_a_list_of_e_ops_needs_names() -> None:
    z_total = sum(_op(qutip.sigmaz(), i) for i in range(L))
    result = qutip.sesolve(_xxz_hamiltonian(), _neel(), TIMES[:5], e_ops=[_xxz_hamiltonian(), z_total])
    with pytest.raises(ValueError, match="e_ops_keys"):
        from_qutip_result(result)
    run = from_qutip_result(result, e_ops_keys=["energy", "total_spin_z"], model=MODEL)
    assert sorted(run.arrays) == ["energy", "t", "total_spin_z"]
    only_energy = from_qutip_result(result, e_ops_keys=["energy", None])
    assert sorted(only_energy.arrays) == ["energy", "t"]
    by_mapping = from_qutip_result(result, e_ops_keys={"total_spin_z": 1})
    np.testing.assert_allclose(by_mapping.arrays["total_spin_z"], 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="2 e_ops"):
        from_qutip_result(result, e_ops_keys=["energy"])


def test_malformed_results_are_refused() -> None:
    with pytest.raises(TypeError, match=r"qutip\.solver\.Result"):
        from_qutip_result({"times": [0.0]})
    with pytest.raises(ValueError, match="complex expectation values"):
        from_qutip_result(qutip.sesolve(qutip.sigmax(), qutip.basis(2, 0), [0.0, 1.0], e_ops={"s": qutip.sigmap()}))
    no_data = qutip.sesolve(qutip.sigmax(), qutip.basis(2, 0), [0.0, 1.0], e_ops=[qutip.sigmaz()])
    no_data.e_data.clear()
    with pytest.raises(ValueError, match="neither expectation values nor states"):
        from_qutip_result(no_data)
    small = qutip.sesolve(qutip.sigmax(), qutip.basis(2, 0), [0.0, 1.0], options={"store_states": True})
    with pytest.raises(ValueError, match="states for 3 times"):
        from_qutip_result(small, times=[0.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="dimension 2; the model needs 256"):
        from_qutip_result(small, model=MODEL)
    with pytest.raises(TypeError):
        from_qutip_result(small, model="xxz")
    clash = qutip.sesolve(_xxz_hamiltonian(), _neel(), TIMES[:3], e_ops={"energy": _xxz_hamiltonian()},
                          options={"store_states": True})
    with pytest.raises(ValueError, match="both from e_ops and from the states"):
        from_qutip_result(clash, model=MODEL)
    gap = qutip.sesolve(_xxz_hamiltonian(), _neel(), TIMES[:3], e_ops={"spin_z[1]": _op(qutip.sigmaz(), 1)})
    with pytest.raises(ValueError, match="cover i"):
        from_qutip_result(gap)


def test_open_system_records_do_not_claim_energy_conservation() -> None:
    result = qutip.mesolve(qutip.sigmaz(), qutip.basis(2, 0), np.linspace(0, 1, 5), c_ops=[0.3 * qutip.sigmam()],
                           e_ops={"sigma_z": qutip.sigmaz()})
    run = from_qutip_result(result)
    assert run.meta["energy_conserved"] is False
    assert check_run(run)["energy"].status == "skip"


def test_measure_state_matches_the_exact_sector_measurement_of_a_fermion_chain() -> None:
    # PRX chain with electrons (Jordan-Wigner strings, factor RDMs, the PRX frame): the full-space
    # measurement of the lifted sector ground state equals the sector measurement of the exact evolver
    model = PRXChain(n_sites=5, n_left=2, n_fm=2, n_conf=2, n_e=2, polarization="z")
    chain = as_chain(model)
    evolver = ExactEvolver(model)
    psi = evolver.initial_state()
    basis = SectorBasis.build(model)
    full = np.zeros(math.prod(chain.dims), dtype=complex)
    full[basis.product_indices()] = psi
    sector = next(iter(evolver.run([0.0], psi)))
    dense = measure_state(model, full)
    frame = chain.observables.frame or default_frame
    expected, got = frame(chain, sector), frame(chain, dense)
    assert set(expected) == set(got)
    for key in expected:  # the same numbers by two routes: round-off only
        np.testing.assert_allclose(got[key], expected[key], atol=1e-10, err_msg=key)


def test_measure_state_of_a_density_matrix_equals_that_of_its_ket(states_result) -> None:
    ket = states_result.states[30]
    from_ket = measure_state(MODEL, ket, 3.0)
    from_rho = measure_state(MODEL, ket.proj(), 3.0)
    for name in ("norm", "energy", "entropy_cut"):
        assert getattr(from_rho, name) == pytest.approx(getattr(from_ket, name), abs=1e-10)
    np.testing.assert_allclose(from_rho.site["spin_z"], from_ket.site["spin_z"], atol=1e-10)
    assert from_rho.charges == pytest.approx(from_ket.charges, abs=1e-10)
