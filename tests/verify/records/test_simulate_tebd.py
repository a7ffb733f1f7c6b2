"""verify.records.simulate_tebd: what is refused before any work, the sector of the initial state, and
the run metadata (one shape for both evolvers)."""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import pytest

from verify.models import PRXChain, XXZChain
from verify.mps import MPS
from verify.records import MAX_TEBD_STEPS, check_sector, simulate_exact, simulate_prx_tebd, simulate_tebd
from verify.tebd import TEBDOptions

driver = importlib.import_module("verify.records.simulate_tebd")  # the package attribute is the function

XXZ = XXZChain(n_sites=4, j_z=0.5, initial="neel")
PRX = PRXChain(n_sites=4, n_left=1, n_fm=1, n_conf=1, n_e=1)


@pytest.fixture
def nothing_built(monkeypatch):
    """Fail the test if the driver gets as far as building the chain model or the run."""

    def refuse(*args, **kwargs):
        raise AssertionError("the driver started building before refusing its arguments")

    monkeypatch.setattr(driver, "as_chain", refuse)
    monkeypatch.setattr(driver, "_TEBDRun", refuse)


# ------------------------------------------------------------------------------------------- step-count guard
def test_a_run_of_too_many_trotter_steps_is_refused_before_anything_is_built(nothing_built):
    assert MAX_TEBD_STEPS == 10**6
    with pytest.raises(ValueError, match=r"1,000,000,000 Trotter steps.*max_steps = 1,000,000.*max_steps="):
        simulate_tebd(XXZ, t_max=1.0, dt_out=0.1, options=TEBDOptions(dt=1e-9))  # hung before the guard
    with pytest.raises(ValueError, match="max_steps = 1,000,000"):
        simulate_prx_tebd(PRX, t_max=1.0, dt_out=0.1, dt=1e-9)
    with pytest.raises(ValueError, match=r"20 Trotter steps.*max_steps = 19"):
        simulate_tebd(XXZ, t_max=1.0, dt_out=0.05, options=TEBDOptions(dt=0.05), max_steps=19)
    with pytest.raises(ValueError, match="not a finite number of Trotter steps"):  # dt_out/dt overflows
        simulate_tebd(XXZ, t_max=1.0, dt_out=1.0, options=TEBDOptions(dt=1e-320))
    with pytest.raises(TypeError, match="max_steps"):
        simulate_tebd(XXZ, t_max=1.0, dt_out=0.1, max_steps=True)
    with pytest.raises(ValueError, match="max_steps"):
        simulate_tebd(XXZ, t_max=1.0, dt_out=0.1, max_steps=-1)


def test_max_steps_can_be_raised_and_counts_every_step():
    run = simulate_tebd(XXZ, t_max=0.2, dt_out=0.1, options=TEBDOptions(dt=0.05), max_steps=4)  # exactly 4
    assert run.meta["tebd"]["steps"] == 4
    run = simulate_prx_tebd(PRX, t_max=0.2, dt_out=0.2, dt=0.1, max_steps=np.int64(2))
    assert run.meta["tebd"]["steps"] == 2


# ------------------------------------------------------------------------------------------- arguments first
@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"progress": True}, TypeError, "progress"),
        ({"progress": "bar"}, TypeError, "progress"),
        ({"t_max": "2"}, TypeError, "t_max"),
        ({"t_max": 1e300, "dt_out": 1e-300}, ValueError, "too many"),
        ({"checkpoint": "run.txt"}, ValueError, "checkpoint run.txt: .*npz"),
        ({"checkpoint": 3}, TypeError, "checkpoint must be a path"),
        ({"checkpoint_every": 2}, ValueError, "need a checkpoint path"),
        ({"resume": 1}, TypeError, "resume"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_built(nothing_built, kwargs, error, fragment):
    arguments = {"t_max": 0.2, "dt_out": 0.1, **kwargs}
    with pytest.raises(error, match=fragment):
        simulate_tebd(XXZ, **arguments)


def test_a_checkpoint_that_cannot_be_written_is_refused_before_any_work(nothing_built, tmp_path):
    (tmp_path / "blocker").write_text("a file, not a directory")
    (tmp_path / "adir.npz").mkdir()
    for target, fragment in (("blocker/run.ckpt.npz", "is not a directory"), ("adir.npz", "is a directory")):
        with pytest.raises(ValueError, match=fragment):
            simulate_tebd(XXZ, t_max=0.2, dt_out=0.1, checkpoint=tmp_path / target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir.npz", "blocker"]


def test_a_checkpoint_in_a_new_directory_is_written_at_the_end(tmp_path):
    path = tmp_path / "new" / "run.ckpt.npz"
    simulate_tebd(XXZ, t_max=0.2, dt_out=0.1, checkpoint=path)
    assert path.is_file()


# ------------------------------------------------------------------------------------------- sector
@pytest.mark.parametrize("backend", ["dense", "charges"])
def test_an_initial_state_outside_the_sector_is_refused_like_the_exact_evolver_does(backend):
    wrong = dataclasses.replace(XXZ.chain(), sector={"2Sz": 2})  # Néel has 2S^z = 0
    with pytest.raises(ValueError, match=r"not in the model's sector: <2Sz> = 0 .* 2Sz = 2"):
        simulate_tebd(wrong, t_max=0.2, dt_out=0.1, options=TEBDOptions(backend=backend))
    with pytest.raises(ValueError, match="sector"):
        simulate_exact(wrong, t_max=0.2, dt_out=0.1)
    all_up = MPS.product_state([np.array([1.0, 0.0])] * 4)  # 2S^z = 4
    with pytest.raises(ValueError, match=r"<2Sz> = 4 at t = 0"):
        simulate_tebd(XXZ, t_max=0.2, dt_out=0.1, options=TEBDOptions(backend=backend), psi0=all_up)
    prx = dataclasses.replace(PRX.chain(), sector={"N": 2, "2Sz": 1 - 1})  # one electron, not two
    with pytest.raises(ValueError, match=r"<N> = 1 .* N = 2"):
        simulate_tebd(prx, t_max=0.2, dt_out=0.1, options=TEBDOptions(backend=backend))


def test_check_sector_tolerance_scales_with_the_charge_norm():
    chain = XXZ.chain()  # ‖Σ_i σ^z_i‖ = 4: tolerance 4e-6
    check_sector(chain, {"2Sz": 3.9e-6})
    with pytest.raises(ValueError, match="not in the model's sector"):
        check_sector(chain, {"2Sz": 4.1e-6})
    with pytest.raises(ValueError, match="not in the model's sector"):
        check_sector(chain, {"2Sz": float("nan")})


# ------------------------------------------------------------------------------------------- metadata
def test_run_metadata_has_one_shape_for_both_evolvers():
    exact = simulate_exact(XXZ, t_max=0.2, dt_out=0.1)
    tebd = simulate_tebd(XXZ, t_max=0.2, dt_out=0.1, options=TEBDOptions(dt=0.05))
    for run in (exact, tebd):
        assert isinstance(run.meta["initial_state"], dict) and run.meta["initial_state"]["label"] == "neel"
    assert tebd.meta["initial_state"]["max_bond_dimension"] == 1 and "energy" in tebd.meta["initial_state"]
    assert tebd.meta["tebd"]["charges"] == ["2Sz"]  # the list of charge names, as for every model
    assert tebd.meta["tebd"]["scheme"] == "even-odd"  # resolved: order 2's default, not None
    assert set(exact.meta) - set(tebd.meta) >= {"sector_dim", "propagator"}
    shared = ("model", "method", "t_max", "dt_out", "n_times", "cut", "units", "conserved", "sector", "site_dims")
    for key in shared:
        assert key in exact.meta and key in tebd.meta, key
    dense = simulate_tebd(XXZ, t_max=0.2, dt_out=0.1, options=TEBDOptions(dt=0.05, order=4, backend="dense"))
    assert dense.meta["tebd"]["charges"] == [] and dense.meta["tebd"]["scheme"] == "forest-ruth"
    given = simulate_tebd(XXZ, t_max=0.1, dt_out=0.1, psi0=MPS.product_state(
        [np.array([1.0, 0.0]), np.array([0.0, 1.0])] * 2))
    assert given.meta["initial_state"] == {"label": "psi0", "source": "psi0"}


def test_prx_metadata_records_the_charge_names_and_the_ground_state_under_its_own_key():
    tebd = simulate_prx_tebd(PRX, t_max=0.2, dt_out=0.1)
    assert tebd.meta["tebd"]["charges"] == ["N", "2Sz"] and tebd.meta["tebd"]["scheme"] == "even-odd"
    noncollinear = simulate_prx_tebd(dataclasses.replace(PRX, polarization="x"), t_max=0.1, dt_out=0.1)
    assert noncollinear.meta["tebd"]["charges"] == ["N"]
    exact = simulate_exact(PRX, t_max=0.1, dt_out=0.1)
    label = PRX.chain().initial.label
    assert exact.meta["initial_state"] == {"label": label} and tebd.meta["initial_state"]["label"] == label
    assert set(exact.meta["ground_state"]) == {"energy", "residual", "method"}
