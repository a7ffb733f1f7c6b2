"""Executors for the sweeps (local processes, dask, MPI) and each worker's share of the cores.

:func:`make_executor` gives the executor behind the command line's ``--jobs J`` (local processes),
``--scheduler ADDRESS`` (a ``dask.distributed`` scheduler: ``Client(ADDRESS).get_executor()``) and
``--mpi`` (``mpi4py.futures.MPIPoolExecutor`` under ``mpiexec -n N python -m mpi4py.futures -m
paper_figs ...``). dask and mpi4py are optional (the ``distributed`` extra) and imported only here,
only when asked for.

Worker processes never run more busy threads than their machine has cores: before its first task a
worker takes its share (:func:`worker_share`) of the cores it may use (:func:`verify.tensors.usable_cores`)
and sizes its TEBD gate threads and default BLAS threads from it (:func:`verify.tensors.set_core_share`):

* ``--jobs J``: ``cores // J`` (passed to the spawned workers in ``QSTT_CORES``);
* dask: ``cores // (task threads of all workers on the same host)``, asked from the scheduler;
* MPI: ``cores // (ranks on the same node)`` (``MPI_LOCALNRANKS``, ``OMPI_COMM_WORLD_LOCAL_SIZE``,
  else the world size), the idle manager rank included;

always at least 1. :func:`thread_report`, run as a task, reports what a worker uses. Local workers end
when the process that started them is gone, even when it was killed (no orphaned runs). dask workers
belong to their cluster: a task already running there finishes when its client is killed; under MPI,
``mpiexec`` ends the ranks.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from typing import Any

from states.validation import require_bool, require_int
from verify.tensors import (
    BLAS_THREAD_VARS,
    CORES_VAR,
    blas_backend,
    blas_thread_counts,
    core_share,
    set_core_share,
    svd_workers,
    usable_cores,
)

__all__ = ["enter_worker", "make_executor", "thread_report", "worker_share"]

_entered: list[int] = []  # this process's share, once applied


def _dask_slots_on_host() -> int | None:
    """Task threads of all dask workers on this worker's host; None outside a dask worker."""
    if "distributed" not in sys.modules:
        return None
    from distributed import get_client, get_worker

    try:
        worker = get_worker()
    except ValueError:  # not in a dask worker
        return None
    host = worker.address.rsplit(":", 1)[0]
    try:
        info = get_client().scheduler_info(n_workers=-1)
    except TypeError:  # older distributed: every worker is listed by default
        info = get_client().scheduler_info()
    slots = sum(int(w.get("nthreads", 1)) for addr, w in info["workers"].items() if addr.rsplit(":", 1)[0] == host)
    return max(slots, int(worker.state.nthreads))


def _mpi_ranks_on_node() -> int | None:
    """MPI ranks on this node (the manager included); None when MPI is not running in this process."""
    module = sys.modules.get("mpi4py.MPI")
    if module is None or not module.Is_initialized():
        return None
    for name in ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE", "MV2_COMM_WORLD_LOCAL_SIZE"):
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return int(module.COMM_WORLD.Get_size())  # unknown placement: as if every rank shared this node


def worker_share() -> int:
    """This process's share of its machine's cores, as a sweep worker (see the module docstring).

    ``QSTT_CORES`` when set (``--jobs J`` workers, or set by hand); else the usable cores divided
    among the dask task threads or MPI ranks on this host; else all usable cores (inline runs).
    """
    if CORES_VAR in os.environ:
        return core_share()
    cores = usable_cores()
    for sharers in (_dask_slots_on_host, _mpi_ranks_on_node):
        count = sharers()
        if count is not None:
            return max(1, cores // count)
    return cores


def enter_worker() -> int:
    """Apply :func:`worker_share` to this process once (gate threads and BLAS threads); return it.

    Called at the start of every sweep task; a no-op in a process that keeps all of its cores.
    """
    if not _entered:
        share = worker_share()
        if share < usable_cores() or CORES_VAR in os.environ:
            set_core_share(share)
        _entered.append(share)
    return _entered[0]


def thread_report(hold: float = 0.0) -> dict[str, Any]:
    """What the worker running this task may keep busy (run it as a sweep task, e.g. in ``map_tasks``).

    Parameters
    ----------
    hold : float
        Seconds to wait before answering (keeps the worker busy so that others take the next tasks).

    Returns
    -------
    dict
        ``pid``; ``cores`` (usable by the process); ``share`` (:func:`worker_share`); ``gate_threads``
        (:func:`verify.tensors.svd_workers`); ``blas_threads`` (each loaded BLAS's thread count);
        ``blas_backend``; ``busy_max`` — the most threads it runs at once: the gate threads run with one
        BLAS thread each, other work on the BLAS threads, so ``max(gate_threads, blas_threads)``.
    """
    share = enter_worker()
    time.sleep(max(0.0, float(hold)))
    blas = blas_thread_counts()
    gates = svd_workers()
    return {"pid": os.getpid(), "cores": usable_cores(), "share": share, "gate_threads": gates,
            "blas_threads": blas, "blas_backend": blas_backend(), "busy_max": max([gates, *blas])}


def _exit_with_parent() -> None:
    """Block until the process that started this worker is gone, then end the worker (a daemon thread).

    A ``ProcessPoolExecutor`` stops its workers when its process shuts the pool down, but not when that
    process is killed: the workers would go on with runs nobody collects, holding their checkpoint
    locks. ``os._exit`` skips every cleanup: the atomic checkpoint files stay whole, and a lock whose
    process is gone is taken over by the next run (:mod:`verify.records.checkpoint_lock`).
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    parent.join()
    os._exit(1)


def _start_local_worker() -> None:
    """Initializer of the local pool's workers: exit with the parent, then take the core share."""
    threading.Thread(target=_exit_with_parent, name="qstt-exit-with-parent", daemon=True).start()
    enter_worker()


@contextmanager
def _local_pool(jobs: int) -> Iterator[Executor]:
    share = str(max(1, usable_cores() // jobs))
    names = (CORES_VAR, *BLAS_THREAD_VARS)
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({name: share for name in names})  # read by the spawned workers as they start
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"),
                                 initializer=_start_local_worker) as pool:
            yield pool
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _dask_executor(address: str) -> Iterator[Executor]:
    try:
        from distributed import Client
    except ImportError:
        raise ValueError("--scheduler needs dask.distributed: pip install 'qstt[distributed]'") from None
    try:
        client = Client(address)  # connect timeout: dask's distributed.comm.timeouts.connect (30 s)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ValueError(f"cannot connect to the dask scheduler at {address!r}: {exc}") from None
    try:
        with client.get_executor() as executor:
            yield executor
    finally:
        client.close()


@contextmanager
def _mpi_executor() -> Iterator[Executor]:
    try:
        from mpi4py import MPI
        from mpi4py.futures import MPIPoolExecutor
    except ImportError:
        raise ValueError("--mpi needs mpi4py: pip install 'qstt[distributed]'") from None
    if MPI.COMM_WORLD.Get_size() < 2:
        raise ValueError("--mpi runs under mpiexec: mpiexec -n N python -m mpi4py.futures -m paper_figs ... --mpi")
    with MPIPoolExecutor() as pool:
        yield pool


@contextmanager
def make_executor(jobs: int = 1, *, scheduler: str | None = None, mpi: bool = False) -> Iterator[Executor | None]:
    """The sweep executor of the command line.

    Parameters
    ----------
    jobs : int
        Local worker processes (``--jobs``): 1 gives None (inline), more a spawn-based
        ``ProcessPoolExecutor`` whose workers each get ``cores // jobs`` cores (at least 1).
    scheduler : str, optional
        Address of a running dask scheduler (``--scheduler``, e.g. ``tcp://10.0.0.1:8786``): the
        executor is ``Client(scheduler).get_executor()``; the client is closed on exit.
    mpi : bool
        ``mpi4py.futures.MPIPoolExecutor()`` on the ranks of ``mpiexec -n N python -m mpi4py.futures``
        (``--mpi``).

    Raises
    ------
    TypeError, ValueError
        For a bad ``jobs``, more than one kind of executor, a missing optional package, an
        unreachable scheduler, or ``mpi`` outside ``mpiexec``.
    """
    jobs = require_int("jobs", jobs, minimum=1)
    mpi = require_bool("mpi", mpi)
    if scheduler is not None and not isinstance(scheduler, str):
        raise TypeError(f"scheduler must be an address string, got {type(scheduler).__name__}")
    if (jobs > 1) + (scheduler is not None) + mpi > 1:
        raise ValueError("choose one of --jobs J (J > 1), --scheduler ADDRESS and --mpi")
    if scheduler is not None:
        with _dask_executor(scheduler) as executor:
            yield executor
    elif mpi:
        with _mpi_executor() as executor:
            yield executor
    elif jobs > 1:
        with _local_pool(jobs) as executor:
            yield executor
    else:
        yield None
