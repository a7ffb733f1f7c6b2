"""Sweeps on local processes, dask.distributed and MPI: the same figures as inline, and never more busy
threads than cores.

* ``--jobs 2`` and a dask ``LocalCluster`` (processes, 2 workers, 1 thread each): every worker reports,
  from inside, the threads it may keep busy — its gate threads (``verify.tensors.svd_workers``) and
  the thread count of each BLAS it loaded, read by threadpoolctl — and their sum over the workers must
  not exceed the cores (without the worker share each worker would take every core: 2 × 2 on two
  cores, and the test fails).
* dask: the command line with ``--scheduler ADDRESS`` builds two figures whose saved ``.npz`` arrays
  equal the inline build's, and prints one progress line per finished run on the client.
* MPI: ``mpiexec -n 3 python -m mpi4py.futures`` (MPICH wheel), under a hard timeout, runs the
  command line with ``--mpi`` (pair-fig3) and a script of the Python API (prx-fig8); same arrays as
  inline, same thread bound (from the probes and from each run record's ``meta['worker_threads']``).

The two figures are the cheapest that use each sweep route: ``prx-fig8`` (``map_tasks``: closed-form
and brute-force points) and ``pair-fig3`` (``run_records``: six pair evolver runs), at the ``tiny``
size (their ``quick`` size takes minutes). dask, distributed and mpi4py come with the
``distributed`` extra, which ``.ci/run`` installs: the importorskip calls are only a guard.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import Executor, Future
from pathlib import Path

import numpy as np
import pytest

import paper_figs
from paper_figs import sweep
from paper_figs.__main__ import main
from paper_figs.executors import thread_report
from verify.tensors import usable_cores

FIGURES = ("prx-fig8", "pair-fig3")
SIZE = "tiny"
PAIR_FIG3_RUNS = 6
MPI_TIMEOUT_S = 240  # hard limit per mpiexec call (seconds on an idle 2-core machine; loaded ones are slower)


def _assert_same_arrays(expected: Path, actual: Path, names: tuple[str, ...] = FIGURES) -> None:
    """The saved NAME.npz of both builds hold the same arrays.

    Same code on the same inputs; only the BLAS thread count may differ between the client and the
    workers, which can change a summation order: rounding of a few ulps, far below 1e-12.
    """
    for name in names:
        with np.load(expected / f"{name}.npz") as a, np.load(actual / f"{name}.npz") as b:
            assert sorted(a.files) == sorted(b.files)
            for key in a.files:
                np.testing.assert_allclose(b[key], a[key], rtol=1e-12, atol=1e-14, err_msg=f"{name}:{key}")


def _assert_within_cores(reports: list[dict], workers: int, *, all_report: bool = True) -> None:
    """At most max(1, cores // workers) busy threads per worker, so at most the cores in all (a worker
    needs one thread, so with more workers than cores the bound is one thread each)."""
    by_pid = {report["pid"]: report for report in reports}
    assert len(by_pid) == workers if all_report else 1 <= len(by_pid) <= workers, sorted(by_pid)
    cores = usable_cores()
    for report in by_pid.values():
        assert report["busy_max"] == max(report["gate_threads"], *report["blas_threads"])
        assert report["busy_max"] <= max(1, cores // workers), report
    assert sum(report["busy_max"] for report in by_pid.values()) <= max(cores, workers)


@pytest.fixture(scope="module")
def inline_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("inline")
    results = paper_figs.build_all(size=SIZE, out=out, names=FIGURES)
    assert all(isinstance(result, paper_figs.BuildResult) for result in results.values()), results
    return out


# --------------------------------------------------------------------------------------- --jobs J


def test_jobs_2_workers_never_run_more_busy_threads_than_cores():
    with sweep.make_executor(2) as pool:
        reports = sweep.map_tasks(thread_report, [0.5] * 4, pool)  # 0.5 s each: both workers take tasks
    _assert_within_cores(reports, 2)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")  # a zombie (exited, not yet reaped) counts as gone
    return not (status.is_file() and status.read_text().split(")")[-1].split()[0] == "Z")


def test_jobs_2_workers_end_when_their_parent_is_killed(tmp_path):
    """A killed build must not leave its workers running (holding checkpoint locks): each local worker
    watches its parent and exits when it is gone. Without the watchdog the two sleeping workers outlive
    the SIGKILLed parent (they never see their task queue close) and the test fails."""
    script = tmp_path / "pool.py"
    script.write_text(textwrap.dedent("""
        import multiprocessing, time
        from paper_figs.executors import make_executor
        if __name__ == "__main__":
            with make_executor(2) as pool:
                sleeping = [pool.submit(time.sleep, 60) for _ in range(2)]
                while len(multiprocessing.active_children()) < 2:  # the pool starts workers on demand
                    time.sleep(0.05)
                time.sleep(1.0)  # both have run their initializer
                print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
                time.sleep(60)
    """))
    workers: list[int] = []
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    try:
        ready, _, _ = select.select([parent.stdout], [], [], 60)
        assert ready, "the pool did not start"
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 15
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in workers), "orphaned workers outlived their parent"
    finally:
        parent.kill()
        parent.stdout.close()
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_make_executor_rejects_two_kinds_of_executor():
    with pytest.raises(ValueError, match="one of"), sweep.make_executor(2, mpi=True):
        pass
    with pytest.raises(TypeError, match="scheduler"), sweep.make_executor(1, scheduler=8786):  # type: ignore
        pass


def test_cli_mpi_outside_mpiexec_is_bad_input(tmp_path, capsys):
    pytest.importorskip("mpi4py")
    assert main(["prx-fig8", "--size", SIZE, "--out", str(tmp_path), "--mpi"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "mpiexec" in err[0]


# ------------------------------------------------------------------------------------------- dask


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        yield cluster


def test_dask_workers_never_run_more_busy_threads_than_cores(dask_cluster):
    from distributed import Client

    with Client(dask_cluster) as client:
        workers = list(client.scheduler_info(n_workers=-1)["workers"])
        assert len(workers) == 2
        reports = []
        for address in workers:  # one probe pinned to each worker
            with client.get_executor(workers=[address], allow_other_workers=False) as executor:
                reports += sweep.map_tasks(thread_report, [0.0], executor)
    _assert_within_cores(reports, 2)


def test_dask_cli_build_equals_inline_and_reports_each_run(dask_cluster, inline_build, tmp_path, capsys):
    out = tmp_path / "dask"
    for name in FIGURES:
        assert main([name, "--size", SIZE, "--out", str(out), "--scheduler", dask_cluster.scheduler_address]) == 0
    _assert_same_arrays(inline_build, out)
    runs = json.loads((out / "pair-fig3.json").read_text())["runs"]
    _assert_within_cores([run["meta"]["worker_threads"] for run in runs], 2, all_report=False)
    captured = capsys.readouterr()
    progress = [line for line in captured.err.splitlines() if line.strip().startswith("run ")]
    assert [line.split()[1] for line in progress] == [f"{k}/{PAIR_FIG3_RUNS}" for k in range(1, PAIR_FIG3_RUNS + 1)]
    assert all(" done in " in line and "pair-" in line for line in progress)


def test_cli_unreachable_scheduler_is_bad_input(tmp_path, capsys):
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
            assert main(["prx-fig8", "--size", SIZE, "--out", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "scheduler" in err[0]


# -------------------------------------------------------------------------------------------- MPI


def _mpiexec() -> str:
    pytest.importorskip("mpi4py")
    local = Path(sys.executable).with_name("mpiexec")  # the MPICH wheel's, next to the interpreter
    found = str(local) if local.is_file() else shutil.which("mpiexec")
    if found is None:
        pytest.skip("no mpiexec (pip install mpich)")
    return found


def _run_hard(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run ``args`` in its own process group; kill the whole group after MPI_TIMEOUT_S seconds."""
    env = {**os.environ, "MPIEXEC_TIMEOUT": str(MPI_TIMEOUT_S)}
    with subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=MPI_TIMEOUT_S + 10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            pytest.fail(f"mpiexec did not finish in {MPI_TIMEOUT_S} s: {' '.join(args)}")
    return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)


MPI_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from mpi4py.futures import MPIPoolExecutor
    import paper_figs
    from paper_figs import sweep
    from paper_figs.executors import thread_report

    if __name__ == "__main__":
        with MPIPoolExecutor() as pool:
            reports = sweep.map_tasks(thread_report, [0.5] * 4, pool)
            paper_figs.build(sys.argv[1], size=sys.argv[2], out=sys.argv[3], executor=pool)
        print(json.dumps(reports))
    """
)


def test_mpi_api_build_equals_inline_and_workers_stay_within_cores(inline_build, tmp_path):
    mpiexec = _mpiexec()
    script = tmp_path / "build_figs.py"
    script.write_text(MPI_SCRIPT)
    out = tmp_path / "api"
    done = _run_hard([mpiexec, "-n", "3", sys.executable, "-m", "mpi4py.futures", str(script), "prx-fig8", SIZE,
                      str(out)], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    _assert_within_cores(json.loads(done.stdout.strip().splitlines()[-1]), 2)  # 3 ranks: a manager, 2 workers
    _assert_same_arrays(inline_build, out, ("prx-fig8",))


def test_mpi_cli_builds_a_figure_equal_to_inline_with_progress(inline_build, tmp_path):
    mpiexec = _mpiexec()
    out = tmp_path / "cli"
    done = _run_hard([mpiexec, "-n", "3", sys.executable, "-m", "mpi4py.futures", "-m", "paper_figs", "pair-fig3",
                      "--size", SIZE, "--out", str(out), "--mpi"], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    _assert_same_arrays(inline_build, out, ("pair-fig3",))
    progress = [line for line in done.stderr.splitlines() if line.strip().startswith("run ")]
    assert len(progress) == PAIR_FIG3_RUNS and "pair-fig3" in done.stdout
    runs = json.loads((out / "pair-fig3.json").read_text())["runs"]  # threads of the workers that ran them
    assert len(runs) == PAIR_FIG3_RUNS
    _assert_within_cores([run["meta"]["worker_threads"] for run in runs], 2, all_report=False)


# ------------------------------------------------------------------------------ checkpoint directory


class _RecordingExecutor(Executor):
    """Runs each task at once in this process and records its arguments."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def submit(self, fn, /, *args, **kwargs):
        self.calls.append(args)
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_checkpoint_dir_option_sends_worker_checkpoints_there(tmp_path, monkeypatch):
    from paper_figs import _prx
    from paper_figs.cache import run_cache

    params = paper_figs.figure_params("prx-fig7", SIZE, {"method": "tebd"})
    spec = _prx.spec(params, _prx.n_e_roles(params)["small"], "z")
    assert spec.kind == "prx-tebd"
    monkeypatch.chdir(tmp_path)
    import importlib

    simulate_module = importlib.import_module("verify.records.simulate_tebd")  # the module, not the function
    written = []  # every checkpoint the run writes (the finished run's file is removed afterwards)
    save = simulate_module.save_checkpoint
    monkeypatch.setattr(simulate_module, "save_checkpoint",
                        lambda path, checkpoint, **kw: written.append(Path(path)) or save(path, checkpoint, **kw))
    executor = _RecordingExecutor()
    seen = []
    with run_cache(Path("cache")), sweep.sweep_options("shared", on_run_done=lambda *event: seen.append(event)):
        (record,) = sweep.run_records([spec], executor)
    shared = tmp_path / "shared"
    assert executor.calls == [(spec, str(shared))]  # made absolute on the client: workers have other cwds
    assert written and {p.resolve() for p in written} == {(shared / f"{spec.key()}.ckpt.npz").resolve()}
    assert list(shared.iterdir()) == []  # removed once the run finished: a later --refresh recomputes
    assert not list((tmp_path / "cache").glob("*.ckpt.npz"))
    assert seen == [(1, 1, spec, record, None)]
