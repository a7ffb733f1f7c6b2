"""TeNPy HDF5 files made by TeNPy itself, read by verify.interop and checked by ``python -m verify check``.

The results file is a small XXZ TEBD ``RealTimeEvolution`` (L = 8, χ ≤ 32, to t = 2: ~2 s). The tests
edit it with h5py (break S^z, rename the model, remove measurements) to see the checks and the reader
react. TeNPy's own loader (``hdf5_io.load``) is used only as the reference for files the test made.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tenpy")
h5py = pytest.importorskip("h5py")

from verify.checks import check_run  # noqa: E402
from verify.cli import check as check_cli  # noqa: E402
from verify.interop import from_tenpy_mps, mps_record, read_run, read_tenpy_hdf5, read_tenpy_mps  # noqa: E402
from verify.models import XXZChain  # noqa: E402

L = 8


def _simulation_params(output: Path) -> dict:
    return {
        "model_class": "XXZChain",
        "model_params": {"L": L, "Jxx": 1.0, "Jz": 0.5, "hz": 0.1, "bc_MPS": "finite", "conserve": "Sz"},
        "initial_state_params": {"method": "lat_product_state", "product_state": [["up"], ["down"]]},
        "algorithm_class": "TEBDEngine",
        "algorithm_params": {"trunc_params": {"chi_max": 32, "svd_min": 1e-10}, "dt": 0.05, "N_steps": 4, "order": 2},
        "final_time": 2.0,
        "connect_measurements": [
            ("tenpy.simulations.measurement", "m_onsite_expectation_value", {"opname": "Sz"}),
            ("tenpy.simulations.measurement", "m_energy_MPO"),
        ],
        "output_filename": str(output),
        "log_params": {"to_stdout": None, "to_file": None},
    }


@pytest.fixture(scope="module")
def tenpy_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import tenpy

    path = tmp_path_factory.mktemp("tenpy") / "xxz.h5"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tenpy.run_simulation("RealTimeEvolution", **_simulation_params(path))
    return path


@pytest.fixture
def copy_of(tenpy_run: Path, tmp_path: Path):
    def make(name: str = "copy.h5") -> Path:
        target = tmp_path / name
        shutil.copy(tenpy_run, target)
        return target

    return make


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = check_cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# ---------------------------------------------------------------------------------------- the results file


def test_results_file_becomes_an_xxz_record(tenpy_run: Path) -> None:
    run = read_tenpy_hdf5(tenpy_run)
    model = XXZChain(n_sites=L, j_xx=1.0, j_z=0.5, h_z=0.1, initial="udududud")
    assert run.meta["model"] == model.to_dict()
    assert run.meta["conserved"] == ["2Sz"] and run.meta["sector"] == {"2Sz": 0} and run.meta["site_dims"] == [2] * L
    assert run.meta["method"] == "tenpy.TEBDEngine" and run.meta["source"]["format"] == "tenpy-hdf5"
    assert {"t", "spin_z", "bond_entropy", "truncation_error", "max_bond_dimension", "energy"} <= set(run.arrays)
    assert run.meta["tenpy"]["measurements"]["spin_z"] == "2 * <Sz>"
    np.testing.assert_allclose(run.arrays["t"], 0.2 * np.arange(11), atol=1e-12)
    # Pauli units: the Néel state at t = 0 has <sigma^z_i> = ±1 (TeNPy stores <S^z_i> = ±1/2)
    np.testing.assert_array_equal(run.arrays["spin_z"][0], [1, -1] * (L // 2))
    assert run.arrays["bond_entropy"].shape == (11, L - 1)


def test_results_file_passes_the_checks(tenpy_run: Path) -> None:
    report = check_run(read_run(tenpy_run))
    assert report.passed and report.model == "xxz" and report.profile == "trotter" and report.approximate
    for name in ("sz_conservation", "energy", "entropy_bounds", "localized_spin_length", "truncation_error"):
        assert report[name].status == "pass", report.to_table()
    assert "2Sz = 0" in report["sz_conservation"].detail  # the Néel sector, read from initial_state_params
    assert report["norm"].status == "WARN"  # TeNPy records no norm: said, not hidden


def test_cli_checks_the_hdf5_file(tenpy_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _cli(capsys, str(tenpy_run))
    assert status == 0 and err == ""
    assert "WARN" in out and "PASSED" in out.splitlines()[-1] and "model xxz" in out.splitlines()[-1]
    completed = subprocess.run(
        [sys.executable, "-m", "verify", "check", str(tenpy_run), "--json"], capture_output=True, text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


def test_broken_sz_fails(copy_of, capsys: pytest.CaptureFixture[str]) -> None:
    broken = copy_of("broken.h5")
    with h5py.File(broken, "r+") as handle:
        sz = handle["measurements/<Sz>"]
        values = sz[()]
        values[6, 2] += 1e-3  # one site at t = 1.2: the total 2S^z moves by 2e-3
        sz[...] = values
    report = check_run(read_run(broken))
    failure = report["sz_conservation"]
    assert not report.passed and failure.status == "FAIL" and failure.time_index == 6
    assert failure.deviation == pytest.approx(2e-3, rel=1e-6)
    status, out, _ = _cli(capsys, str(broken))
    assert status == 1 and "FAILED" in out.splitlines()[-1]


def test_bond_entropies_match_the_saved_final_state(tenpy_run: Path) -> None:
    run = read_tenpy_hdf5(tenpy_run)
    final = mps_record(read_tenpy_mps(tenpy_run))
    # the same Schmidt values: TeNPy's entropy measurement and ours from the stored MPS
    np.testing.assert_allclose(final.arrays["bond_entropy"][0], run.arrays["bond_entropy"][-1], atol=1e-10)
    assert final.arrays["norm"][0] == pytest.approx(1.0, abs=1e-10)


def test_other_models_are_described_and_declared_by_flags(copy_of, capsys: pytest.CaptureFixture[str]) -> None:
    other = copy_of("spin_chain.h5")
    with h5py.File(other, "r+") as handle:
        del handle["simulation_parameters/model_class"]
        handle["simulation_parameters/model_class"] = "SpinChain"
        handle["simulation_parameters/model_class"].attrs["type"] = "str"
    run = read_tenpy_hdf5(other)
    assert run.meta["model"]["model"] == "tenpy:SpinChain" and run.meta["site_dims"] == [2] * L
    assert "conserved" not in run.meta
    undeclared = check_run(run)
    assert undeclared["sz_conservation"].status == "WARN"  # nothing says S^z is conserved: not checked, said
    declared = check_run(run, model="spin-chain", conserved="Sz,energy")
    assert declared.passed and declared["sz_conservation"].status == "pass" and declared.model == "spin-chain"
    status, out, _ = _cli(capsys, str(other), "--model", "spin-chain", "--conserved", "Sz,energy")
    assert status == 0 and "spin-chain" in out.splitlines()[-1]
    without_energy = check_run(run, conserved="Sz")
    assert without_energy["energy"].status == "skip"


def test_a_record_without_the_required_arrays_fails(copy_of) -> None:
    stripped = copy_of("no_sz.h5")
    with h5py.File(stripped, "r+") as handle:
        del handle["measurements/<Sz>"]
    report = check_run(read_run(stripped))
    assert not report.passed and report["sz_conservation"].status == "FAIL"
    assert "required" in report["sz_conservation"].detail


def test_a_saved_mps_is_read_exactly(tenpy_run: Path, tmp_path: Path) -> None:
    from tenpy.tools import hdf5_io

    psi = hdf5_io.load(str(tenpy_run))["psi"]  # TeNPy's own loader, on the file this test made
    saved = tmp_path / "psi.h5"
    hdf5_io.save(psi, str(saved))
    for path in (saved, tenpy_run):
        ours = read_tenpy_mps(path)
        np.testing.assert_allclose(ours.to_dense(), from_tenpy_mps(psi).to_dense(), atol=1e-13)
        reordered = read_tenpy_mps(path, labels=("up", "down"))
        np.testing.assert_allclose(reordered.to_dense(), from_tenpy_mps(psi, labels=("up", "down")).to_dense(),
                                   atol=1e-13)
    record = read_run(saved)
    report = check_run(record)
    assert report.passed and report["entropy_bounds"].status == "pass" and record.arrays["t"].tolist() == [0.0]


def test_malformed_hdf5_files_are_refused(copy_of, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.h5"
    with h5py.File(empty, "w") as handle:
        handle["x"] = np.zeros(3)
    with pytest.raises(ValueError, match="neither TeNPy measurements nor a TeNPy MPS"):
        read_run(empty)
    no_time = copy_of("no_time.h5")
    with h5py.File(no_time, "r+") as handle:
        del handle["measurements/evolved_time"]
    with pytest.raises(ValueError, match="evolved_time"):
        read_run(no_time)
    complex_sz = copy_of("complex.h5")
    with h5py.File(complex_sz, "r+") as handle:
        values = handle["measurements/<Sz>"][()] + 0.1j
        del handle["measurements/<Sz>"]
        handle["measurements/<Sz>"] = values
        handle["measurements/<Sz>"].attrs["type"] = "array"
    with pytest.raises(ValueError, match="imaginary part"):
        read_run(complex_sz)
    fake = tmp_path / "fake.h5"
    fake.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)  # an HDF5 signature and nothing behind it
    status, _, err = _cli(capsys, str(fake))
    assert status == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1
    with pytest.raises(ValueError, match="no TeNPy MPS"):
        read_tenpy_mps(empty)


def test_h5py_is_imported_only_by_the_reader() -> None:
    code = "import sys, verify.interop, verify.checks, verify.cli; print('h5py' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "False"
