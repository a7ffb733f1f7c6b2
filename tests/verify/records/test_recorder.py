"""verify.records.recorder: the one Recorder every run feeds, run_meta, drift_keys, conservation_drifts."""

from __future__ import annotations

import importlib
import time
import warnings

import numpy as np
import pytest

from verify.models import Measurement, PairOnRing, PRXChain, XXZChain
from verify.records import Recorder, RunResult, conservation_drifts, drift_keys, run_meta

XXZ = XXZChain(n_sites=4, initial="neel").chain()
PRX = PRXChain(n_sites=4, n_left=1, n_fm=2, n_conf=1, n_e=1).chain()
PAIR = PairOnRing(n_sites=12, n_spins=1, chain_start=6, x1=1.0, x2=4.0, sigma=1.0)


def xxz_measurement(t: float, *, norm: float = 1.0, energy: float = -0.5, two_sz: float = 0.0) -> Measurement:
    spin_z = np.array([1.0, -1.0, 1.0, -1.0])
    return Measurement(t=t, norm=norm, energy=energy, entropy_cut=0.1 * t, site={"spin_z": spin_z},
                       total={"total_spin_z": two_sz}, charges={"2Sz": two_sz})


# ----------------------------------------------------------------------------------------------- drift_keys
def test_drift_keys_name_the_norm_the_energy_and_every_conserved_total():
    assert drift_keys(XXZ) == {"norm": "norm", "energy": "energy", "total_spin_z": "total_spin_z"}
    assert drift_keys(PRX) == {"norm": "norm", "energy": "energy", "n_electrons": "n_electrons",
                               "total_spin_z": "total_spin_z"}
    assert drift_keys(PAIR) == {"norm": "norm", "energy": "energy", "sz_total": "sz_total"}


def test_conservation_drifts_need_the_keys_and_skip_absent_ones():
    arrays = {"t": np.arange(3.0), "norm": np.array([1.0, 1.0 + 2e-9, 1.0 - 3e-9]),
              "energy": np.array([2.0, 2.5, 1.0])}
    drifts = conservation_drifts(arrays, drift_keys(XXZ))
    assert drifts == pytest.approx({"norm": 3e-9, "energy": 1.0}, abs=1e-15)  # total_spin_z absent: skipped
    assert conservation_drifts({"t": np.zeros(0), "norm": np.zeros(0)}, {"norm": "norm"}) == {"norm": 0.0}
    with pytest.raises(TypeError):
        conservation_drifts(arrays)  # type: ignore[call-arg]  # the keys are required (no hand-written union)


def test_the_deprecated_prx_observables_shim_derives_its_conserved_keys():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        shim = importlib.import_module("verify.prx_observables")
    assert shim.CONSERVED == drift_keys(PRX)
    assert set(shim.CONSERVED) == {"norm", "energy", "total_spin_z", "n_electrons"}
    import verify.records as records

    assert not hasattr(records, "DEFAULT_DRIFT_KEYS")


# ----------------------------------------------------------------------------------------------- Recorder
def test_recorder_rows_from_measurements_and_extras():
    recorder = Recorder(XXZ)
    assert len(recorder) == 0
    with pytest.raises(ValueError, match="at least one row"):
        recorder.arrays()
    row = recorder.add_measurement(xxz_measurement(0.0), max_bond_dimension=1)
    assert row["t"] == 0.0 and list(row["spin_z"]) == [1.0, -1.0, 1.0, -1.0] and "max_bond_dimension" not in row
    recorder.add_measurement(xxz_measurement(0.5, energy=-0.25), max_bond_dimension=4)
    assert len(recorder) == 2
    arrays = recorder.arrays()
    assert arrays["t"].tolist() == [0.0, 0.5] and arrays["spin_z"].shape == (2, 4)
    assert arrays["max_bond_dimension"].tolist() == [1, 4] and arrays["energy"].tolist() == [-0.5, -0.25]
    with pytest.raises(ValueError, match="differ from the first row"):
        recorder.add_measurement(xxz_measurement(1.0))  # no max_bond_dimension this time
    with pytest.raises(ValueError, match="needs the time"):
        Recorder(XXZ).add({"norm": 1.0})
    with pytest.raises(TypeError, match="needs a ChainModel"):
        Recorder(PAIR).add_measurement(xxz_measurement(0.0))


def test_recorder_round_trips_through_stored_arrays():
    recorder = Recorder(PRX)
    for k in range(3):
        recorder.add({"t": 0.5 * k, "norm": 1.0, "energy": 0.1 * k, "density": np.full(4, 0.25 * k)}, chi=k + 1)
    arrays = recorder.arrays()
    restored = Recorder.from_arrays(PRX, arrays)
    assert len(restored) == 3 and restored.model is PRX
    again = restored.arrays()
    assert set(again) == set(arrays)
    for key, value in arrays.items():
        np.testing.assert_array_equal(again[key], value)
        assert again[key].dtype == value.dtype, key
    restored.add({"t": 1.5, "norm": 1.0, "energy": 0.3, "density": np.ones(4)}, chi=4)  # a resumed run goes on
    assert restored.arrays()["chi"].tolist() == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="lack the time grid"):
        Recorder.from_arrays(PRX, {"norm": np.ones(2)})
    with pytest.raises(ValueError, match="'norm' has"):
        Recorder.from_arrays(PRX, {"t": np.zeros(2), "norm": np.ones(3)})


def test_recorder_result_adds_the_model_drifts_and_the_wall_time():
    recorder = Recorder(XXZ)
    for t, norm, energy, two_sz in ((0.0, 1.0, -1.0, 0.0), (0.5, 1.0 + 1e-12, -1.0 + 2e-12, 1e-13)):
        recorder.add_measurement(xxz_measurement(t, norm=norm, energy=energy, two_sz=two_sz))
    start = time.perf_counter() - 0.25
    result = recorder.result({"method": "exact"}, wall_start=start)
    assert isinstance(result, RunResult) and result.meta["method"] == "exact"
    assert result.meta["drifts"] == pytest.approx({"norm": 1e-12, "energy": 2e-12, "total_spin_z": 1e-13}, rel=1e-3)
    assert 0.25 <= result.meta["wall_time_s"] < 60.0  # measured from wall_start: at least the 0.25 s offset
    assert "wall_time_s" not in recorder.result({}).meta  # no start, no wall time


# ----------------------------------------------------------------------------------------------- run_meta
def test_run_meta_of_a_chain_model():
    times = np.arange(5) * 0.25
    meta = run_meta(XXZ, method="tebd", times=times, t_max=1.0, dt_out=0.25, cut=2,
                    initial_state={"energy": -1.5}, tebd={"dt": 0.05})
    assert meta["model"] == XXZ.to_dict() and meta["method"] == "tebd" and meta["cut"] == 2
    assert (meta["t_max"], meta["dt_out"], meta["n_times"]) == (1.0, 0.25, 5)
    assert meta["conserved"] == ["2Sz"] and meta["sector"] == {"2Sz": 0} and meta["site_dims"] == [2, 2, 2, 2]
    assert meta["units"] == dict(XXZ.units) and meta["tebd"] == {"dt": 0.05}
    assert meta["initial_state"] == {"label": "neel", "energy": -1.5}  # one dict: recipe label + evolver fields
    exact = run_meta(XXZ, method="exact", times=times, t_max=1.0, dt_out=0.25)
    assert exact["initial_state"] == {"label": "neel"} and "cut" not in exact
    given = run_meta(XXZ, method="tebd", times=times, t_max=1.0, dt_out=0.25,
                     initial_state={"label": "psi0", "source": "psi0"})
    assert given["initial_state"] == {"label": "psi0", "source": "psi0"}


def test_run_meta_of_the_pair_model():
    meta = run_meta(PAIR, method="exact", times=[0.0, 0.5], t_max=0.5, dt_out=0.5,
                    initial_state={"label": "theta", "theta": 0.3}, pair="theta", units={"t": "fs"})
    assert meta["model"] == PAIR.to_dict() and meta["n_times"] == 2 and meta["pair"] == "theta"
    assert meta["initial_state"] == {"label": "theta", "theta": 0.3} and meta["units"] == {"t": "fs"}
    for key in ("conserved", "sector", "site_dims", "cut"):
        assert key not in meta  # a chain model's declaration only
    assert "initial_state" not in run_meta(PAIR, method="exact", times=[0.0], t_max=0.0, dt_out=0.5)
    with pytest.raises(ValueError, match="needs a 'label'"):
        run_meta(PAIR, method="exact", times=[0.0], t_max=0.0, dt_out=0.5, initial_state={"theta": 0.3})
