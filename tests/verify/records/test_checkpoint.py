"""Checkpoints of TEBD runs: atomic files, parameter guard, bit-for-bit resume (also after SIGKILL), extension.

Bit-for-bit equality needs deterministic BLAS/LAPACK: the subprocess tests run with one thread
(``OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=MKL_NUM_THREADS=1``); the in-process tests compare runs of the
same process, i.e. with the same thread count.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from verify.models import PRXChain
from verify.records import Checkpoint, check_parameters, load_checkpoint, load_run, save_checkpoint, simulate_prx_tebd
from verify.tebd import initial_mps

MODEL = PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2, polarization="x")
OPTIONS = dict(dt_out=0.2, dt=0.05, chi_max=6, trunc=1e-10, order=2)  # χ_max = 6 truncates: a real test


def assert_same_record(a, b) -> None:
    assert sorted(a.arrays) == sorted(b.arrays)
    for key in a.arrays:
        assert np.array_equal(a.arrays[key], b.arrays[key], equal_nan=True), key


def test_save_load_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    tensors = [rng.normal(size=(1, 4, 3)) + 1j * rng.normal(size=(1, 4, 3)), rng.normal(size=(3, 8, 1)) + 0j]
    ckpt = Checkpoint({"model": MODEL.to_dict(), "dt": 0.1}, 17, 1 / 3 * 1e-7, tensors, 1,
                      {"t": np.arange(3) * 0.1, "spin": rng.normal(size=(3, 2, 3))}, {"note": "x"})
    path = save_checkpoint(tmp_path / "c.npz", ckpt)
    back = load_checkpoint(path)
    assert back.params == ckpt.params and back.steps == 17 and back.center == 1 and back.info == {"note": "x"}
    assert back.truncation_error == ckpt.truncation_error  # exact float round trip (hex)
    assert all(np.array_equal(x, y) for x, y in zip(back.tensors, tensors, strict=True))
    assert np.array_equal(back.record["spin"], ckpt.record["spin"])
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"]  # no temporary file left


def test_failed_write_keeps_the_previous_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.npz"
    first = Checkpoint({"a": 1}, 1, 0.0, [np.ones((1, 2, 1), dtype=complex)], 0)
    save_checkpoint(path, first)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, Checkpoint({"a": 1}, 2, 0.0, [np.zeros((1, 2, 1), dtype=complex)], 0))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"]


def test_parameter_guard() -> None:
    check_parameters({"dt": 0.1, "model": {"n_e": 2}}, {"model": {"n_e": 2}, "dt": 0.1})
    with pytest.raises(ValueError, match=r"dt: checkpoint 0\.1 vs requested 0\.05") as info:
        check_parameters({"dt": 0.1, "model": {"n_e": 2}}, {"dt": 0.05, "model": {"n_e": 3}})
    assert "model" in str(info.value)


def test_bad_checkpoint_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such checkpoint"):  # a missing file (was ValueError)
        load_checkpoint(tmp_path / "missing.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load_checkpoint(tmp_path / "junk.npz")
    np.savez(tmp_path / "other.npz", x=np.ones(2))
    with pytest.raises(ValueError, match="not a TEBD checkpoint"):
        load_checkpoint(tmp_path / "other.npz")
    with pytest.raises(ValueError, match=r"\.npz"):
        save_checkpoint(tmp_path / "c.dat", Checkpoint({}, 0, 0.0, [], 0))


@pytest.mark.parametrize("scheme", ["prx", "even-odd"])
def test_resume_and_extend_in_process(tmp_path: Path, scheme: str) -> None:
    """Checkpointing every 3 steps changes nothing; a finished run extended from t = 1 to t = 2 equals
    a direct run to t = 2; resuming a finished run returns its record; other parameters are refused.
    For even-odd the checkpoint holds the B form (no centre, Schmidt values of every bond)."""
    OPTIONS = {**globals()["OPTIONS"], "scheme": scheme}
    direct = simulate_prx_tebd(MODEL, t_max=2.0, **OPTIONS)
    assert direct.arrays["truncation_error"][-1] > 0
    path = tmp_path / "run.npz"
    first = simulate_prx_tebd(MODEL, t_max=1.0, checkpoint=str(path), checkpoint_every=3, **OPTIONS)
    stored = load_checkpoint(path)
    assert stored.steps == 20  # the final state is always written
    if scheme == "even-odd":
        assert stored.center is None and len(stored.bond_values) == MODEL.n_sites - 1
    else:
        assert stored.center is not None and stored.bond_values is None
    for key in first.arrays:
        assert np.array_equal(first.arrays[key], direct.arrays[key][: first.arrays["t"].size], equal_nan=True)
    extended = simulate_prx_tebd(MODEL, t_max=2.0, checkpoint=str(path), checkpoint_every=3, resume=True, **OPTIONS)
    assert_same_record(extended, direct)
    assert extended.meta["resumed_from_step"] == 20
    # the wall time covers both segments: the first one is carried in the checkpoint
    first_wall = stored.info["wall_time_s"]
    assert 0 < first_wall and extended.meta["wall_time_s"] >= first_wall + extended.meta["wall_time_segment_s"] - 1e-6
    again = simulate_prx_tebd(MODEL, t_max=2.0, checkpoint=str(path), resume=True, **OPTIONS)
    assert_same_record(again, direct)
    with pytest.raises(ValueError, match="exists"):
        simulate_prx_tebd(MODEL, t_max=2.0, checkpoint=str(path), **OPTIONS)
    with pytest.raises(ValueError, match="chi_max"):
        simulate_prx_tebd(MODEL, t_max=2.0, checkpoint=str(path), resume=True, **{**OPTIONS, "chi_max": 7})
    with pytest.raises(ValueError, match="beyond t_max"):
        simulate_prx_tebd(MODEL, t_max=1.0, checkpoint=str(path), resume=True, **OPTIONS)
    with pytest.raises(ValueError, match="psi0"):
        simulate_prx_tebd(MODEL, t_max=1.0, checkpoint=str(tmp_path / "p.npz"), psi0=initial_mps(MODEL)[0],
                          **OPTIONS)


def test_checkpoint_from_before_the_even_odd_default(tmp_path: Path) -> None:
    """A checkpoint written when the order-2 default was PRX Eq. 8 stores ``"scheme": null``: it resumes
    with ``scheme="prx"`` exactly as the uninterrupted Eq. 8 run, and the default (even–odd) is refused
    with a message naming the scheme instead of continuing a sweep-form state with another scheme."""
    options = {**OPTIONS, "scheme": "prx"}
    direct = simulate_prx_tebd(MODEL, t_max=2.0, **options)
    path = tmp_path / "old.npz"
    simulate_prx_tebd(MODEL, t_max=1.0, checkpoint=str(path), **options)
    stored = load_checkpoint(path)
    assert stored.params["scheme"] == "prx"  # written today: the resolved name
    stored.params["scheme"] = None  # as written before the change
    save_checkpoint(path, stored)
    with pytest.raises(ValueError, match="scheme: checkpoint 'prx' vs requested 'even-odd'"):
        simulate_prx_tebd(MODEL, t_max=2.0, checkpoint=str(path), resume=True, **OPTIONS)
    extended = simulate_prx_tebd(MODEL, t_max=2.0, checkpoint=str(path), resume=True, **options)
    assert_same_record(extended, direct)


def test_checkpoint_without_per_output_limited_counts_is_refused(tmp_path: Path) -> None:
    """A checkpoint whose record lacks ``truncation_limited_steps`` (written before the per-output counts,
    and before the flagged steps were stored) does not say where χ_max cut before it was written: resuming
    it is refused with the missing array named, never filled with zeros (``chi_exact_until`` would read
    them as "never cut" and call the run exact in χ_max)."""
    options = {**OPTIONS, "chi_max": 3}  # cuts from the first outputs on
    path = tmp_path / "old.npz"
    simulate_prx_tebd(MODEL, t_max=1.0, checkpoint=str(path), **options)
    stored = load_checkpoint(path)
    assert stored.record["truncation_limited_steps"].sum() > 0  # zeros would be wrong here
    del stored.record["truncation_limited_steps"]
    stored.info.pop("limited_steps", None)
    save_checkpoint(path, stored)
    with pytest.raises(ValueError, match=r"lacks \['truncation_limited_steps'\]: it cannot be resumed"):
        simulate_prx_tebd(MODEL, t_max=2.0, checkpoint=str(path), resume=True, **options)


def _cli(tmp_path: Path, out: str, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "verify", "run", "prx", "--method", "tebd",
        "--n-sites", "6", "--n-left", "2", "--n-fm", "2", "--n-conf", "2", "--n-e", "2", "--polarization", "x",
        "--t-max", "4", "--dt-out", "0.2", "--dt", "0.05", "--chi-max", "6", "--trunc", "1e-10", "--order", "2",
        "--out", str(tmp_path / out), *extra,
    ]


def test_resume_after_sigkill_is_bit_for_bit(tmp_path: Path) -> None:
    """Kill a CLI run with SIGKILL right after its first checkpoint, resume it, and compare every
    array with an uninterrupted run (np.array_equal). All three processes use one BLAS thread."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cwd = Path(__file__).resolve().parents[3]
    ckpt = tmp_path / "ckpt.npz"
    victim = subprocess.Popen(
        _cli(tmp_path, "killed.npz", "--checkpoint", str(ckpt), "--checkpoint-every", "4"),
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not ckpt.exists():
        assert victim.poll() is None, victim.communicate()
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.002)
    victim.send_signal(signal.SIGKILL)
    victim.communicate()
    assert victim.returncode == -signal.SIGKILL
    assert not (tmp_path / "killed.npz").exists()
    total_steps = 80
    assert load_checkpoint(ckpt).steps < total_steps  # it really was interrupted
    resumed = subprocess.run(
        _cli(tmp_path, "resumed.npz", "--checkpoint", str(ckpt), "--checkpoint-every", "4", "--resume"),
        env=env, cwd=cwd, capture_output=True, text=True, timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    plain = subprocess.run(_cli(tmp_path, "plain.npz"), env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert plain.returncode == 0, plain.stderr
    a, b = load_run(tmp_path / "resumed.npz"), load_run(tmp_path / "plain.npz")
    assert a.meta["resumed_from_step"] is not None and a.meta["resumed_from_step"] < total_steps
    assert_same_record(a, b)
    assert a.arrays["truncation_error"][-1] > 0


def test_a_stopped_run_is_the_prefix_of_the_full_run_and_continues_from_its_checkpoint(tmp_path: Path) -> None:
    """``stop`` ends the run after the first output where it answers True (asked after every output, with
    the record so far): the record is the full run's prefix bit for bit and a record of a run to that time
    (its grid, ``t_max`` and ``n_times`` agree, ``stopped`` names the asked t_max); the checkpoint written at
    the stop continues to the asked t_max bit for bit. A stop that is no callable, or answers no bool, is
    refused."""
    direct = simulate_prx_tebd(MODEL, t_max=2.0, **OPTIONS)
    asked: list[float] = []

    def stop(record) -> bool:
        asked.append(float(record.arrays["t"][-1]))
        assert record.meta["n_times"] == record.arrays["t"].size and record.meta["t_max"] == asked[-1]
        tebd = record.meta["tebd"]  # the counters of a run to this output, also when asked about stored ones
        assert tebd["steps"] == round(asked[-1] / OPTIONS["dt"])
        assert tebd["final_truncation_error"] == record.arrays["truncation_error"][-1]
        assert tebd["final_max_bond_dimension"] == record.arrays["max_bond_dimension"][-1]
        return asked[-1] >= 0.8 - 1e-9

    path = tmp_path / "run.npz"
    stopped = simulate_prx_tebd(MODEL, t_max=2.0, checkpoint=str(path), stop=stop, **OPTIONS)
    dt_out = OPTIONS["dt_out"]
    assert asked == pytest.approx(np.arange(1, round(0.8 / dt_out) + 1) * dt_out)  # after every output, t > 0
    assert stopped.meta["stopped"] == {"t": pytest.approx(0.8), "t_max_asked": 2.0}
    assert stopped.meta["t_max"] == pytest.approx(0.8) and stopped.meta["n_times"] == stopped.arrays["t"].size
    for key in direct.arrays:
        assert np.array_equal(stopped.arrays[key], direct.arrays[key][: stopped.arrays["t"].size], equal_nan=True)
    continued = simulate_prx_tebd(MODEL, t_max=2.0, checkpoint=str(path), resume=True, **OPTIONS)
    assert_same_record(continued, direct)
    assert "stopped" not in continued.meta and continued.meta["t_max"] == 2.0
    # a checkpoint beyond the stop (the finished run's): the stop is found in its outputs, nothing is stepped
    again = simulate_prx_tebd(MODEL, t_max=2.0, checkpoint=str(path), resume=True, stop=stop, **OPTIONS)
    assert_same_record(again, stopped)
    assert again.meta["stopped"] == stopped.meta["stopped"] and again.meta["resumed_from_step"] == 40
    at_stop = {**stopped.meta["tebd"], "peak_rss_mb": again.meta["tebd"]["peak_rss_mb"]}
    assert again.meta["tebd"] == at_stop  # the counters at t = 0.8, not at the checkpoint's t = 2
    odd = simulate_prx_tebd(MODEL, t_max=0.5, **OPTIONS)  # a run that is not stopped keeps the asked t_max
    assert odd.meta["t_max"] == 0.5 and odd.arrays["t"][-1] == pytest.approx(0.4)
    with pytest.raises(TypeError, match="stop"):
        simulate_prx_tebd(MODEL, t_max=0.4, stop=True, **OPTIONS)
    with pytest.raises(TypeError, match="bool"):
        simulate_prx_tebd(MODEL, t_max=0.4, stop=lambda record: None, **OPTIONS)
    numpy_bool = simulate_prx_tebd(MODEL, t_max=2.0, stop=lambda record: np.bool_(record.arrays["t"][-1] > 0.7),
                                   **OPTIONS)  # a numpy bool is a bool
    assert numpy_bool.meta["stopped"]["t"] == pytest.approx(0.8)


@pytest.mark.parametrize("scheme", ["even-odd", "prx"])
def test_engine_from_checkpoint_continues_the_run_as_the_driver_does(tmp_path: Path, scheme: str) -> None:
    """engine_from_checkpoint: the model, step count, truncation error and state of the checkpoint; stepped on
    to the direct run's end, its state is the direct run's, bit for bit (the driver resumes the same way)."""
    from verify.records import engine_from_checkpoint

    options = {**OPTIONS, "scheme": scheme}
    path = tmp_path / "run.npz"
    simulate_prx_tebd(MODEL, t_max=1.0, checkpoint=str(path), **options)
    direct_path = tmp_path / "direct.npz"
    simulate_prx_tebd(MODEL, t_max=2.0, checkpoint=str(direct_path), **options)
    stored, direct = load_checkpoint(path), load_checkpoint(direct_path)
    chain, engine = engine_from_checkpoint(stored)
    assert chain.to_dict() == MODEL.chain().to_dict() and engine.steps == stored.steps == 20
    assert engine.truncation_error == stored.truncation_error > 0 and engine.options.scheme_name == scheme
    n_sub = round(options["dt_out"] / options["dt"])
    while engine.steps < direct.steps:  # the driver's runs: one output each
        engine.run(n_sub)
    dense = [t.to_dense() if hasattr(t, "to_dense") else t for t in direct.tensors]  # format 2 stores blocks
    assert engine.truncation_error == direct.truncation_error
    assert all(np.array_equal(a, b) for a, b in zip(engine.resume_data().tensors, dense, strict=True))
