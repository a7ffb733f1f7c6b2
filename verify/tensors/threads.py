"""Thread control for the tensor operations: BLAS threads, the process's share of the cores, and a
pool for independent decompositions.

* :func:`blas_threads` / :func:`threads_for` — small matrices are decomposed with one BLAS thread
  (:data:`SINGLE_THREAD_MAX_DIM`): threaded LAPACK on them spends more time synchronizing than
  computing.
* :func:`decompose_all` — the sector SVDs and QRs of one decomposition, on :func:`svd_workers`
  threads when they are large (:data:`PARALLEL_SVD_MIN_WORK`), each on one BLAS thread.
* :func:`run_dataflow` — the gates of a TEBD layer scheme as a dataflow on the same threads;
  :func:`serial_decompositions` keeps :func:`decompose_all` serial in a block.
* :func:`usable_cores`, :func:`core_share`, :func:`set_core_share` — the cores this process may keep
  busy. A sweep worker (``paper_figs --jobs J``, a dask or MPI worker) is given its share of its
  machine's cores; the gate threads (:func:`svd_workers`) and the default BLAS thread count are sized
  from it, so J workers never run more busy threads than there are cores.

BLAS libraries are found and controlled through `threadpoolctl <https://github.com/joblib/threadpoolctl>`_
when it is installed (the optional ``threads`` extra: OpenBLAS, MKL and BLIS on Linux, macOS and
Windows). Without it the fallback route is used: the OpenBLAS builds listed in ``/proc/self/maps``
(numpy's and scipy's wheels on Linux); elsewhere (MKL, macOS, Windows without threadpoolctl) BLAS
threading is left alone and :func:`blas_threads` is a no-op. :func:`blas_backend` says which route
is active. The gate threads follow :func:`core_share` on either route.

Small decompositions (up to :data:`SINGLE_THREAD_MAX_DIM`) run on one BLAS thread whichever thread runs
them, and the sector decompositions run in parallel only single-threaded, so the gate-thread count does
not change results. The TEBD engine runs charged (block-sparse) tensors on one BLAS thread throughout
(``verify.tebd.blas_threads_for``), so their runs do not depend on the core share; large dense matrices
use the default BLAS thread count (the core share), so a dense run is bit-for-bit reproducible, and
resumes bit for bit, at the same core share (``QSTT_CORES``).
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = [
    "BLAS_THREAD_VARS",
    "CORES_VAR",
    "PARALLEL_SVD_MIN_WORK",
    "SINGLE_THREAD_MAX_DIM",
    "blas_backend",
    "blas_thread_counts",
    "blas_threads",
    "core_share",
    "decompose_all",
    "run_dataflow",
    "serial_decompositions",
    "set_core_share",
    "svd_workers",
    "threads_for",
    "usable_cores",
]

CORES_VAR = "QSTT_CORES"
"""Environment variable holding this process's share of the cores (:func:`core_share`); set in sweep
workers by :func:`set_core_share` (and inherited by the processes they start)."""

BLAS_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
"""Environment variables that set the BLAS thread count of a process as it starts (set with the core share)."""

SINGLE_THREAD_MAX_DIM: int = 512
"""Matrices up to this dimension are decomposed with one BLAS thread (:func:`threads_for`).

Below a few hundred rows a threaded LAPACK SVD/QR spends more time synchronizing than computing:
measured on the 2-core machine, a TEBD step at χ ≤ 20 took 8 ms with one OpenBLAS thread and
99 ms with two (12×; worse when the cores are shared). Large matrices keep the default threading."""

PARALLEL_SVD_MIN_WORK: float = 2e6
"""Σ m n min(m, n) over the sector matrices of one SVD or QR above which they are decomposed on
:func:`svd_workers` threads (one BLAS thread each). Below it the pool's hand-off (~50 µs per task)
costs more than it saves; each SVD is single-threaded either way, so results do not depend on it."""


@functools.cache
def _openblas_controls() -> tuple[tuple[Any, Any], ...]:
    """Fallback route: (get, set) thread-count functions of every OpenBLAS loaded in this process
    (numpy and scipy each bundle one), found through /proc/self/maps; empty where unavailable."""
    try:
        with open("/proc/self/maps") as handle:
            paths = sorted({line.split()[-1] for line in handle if "openblas" in line.lower() and "/" in line})
    except OSError:
        return ()
    controls = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    get.restype, put.argtypes = ctypes.c_int, [ctypes.c_int]
                    controls.append((get, put))
                    break
            else:
                continue
            break
    return tuple(controls)


@functools.cache
def _threadpoolctl_controls(n_modules: int) -> tuple[tuple[Any, Any], ...] | None:
    """(get, set) of every BLAS threadpoolctl finds (OpenBLAS, MKL, BLIS), None without threadpoolctl.

    Keyed by the number of imported modules: a module imported since may have loaded another BLAS.
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    selected = ThreadpoolController().select(user_api="blas")
    return tuple((lib.get_num_threads, lib.set_num_threads) for lib in selected.lib_controllers)


def _blas_controls() -> tuple[tuple[Any, Any], ...]:
    controls = _threadpoolctl_controls(len(sys.modules))
    return _openblas_controls() if controls is None else controls


def blas_backend() -> str:
    """``"threadpoolctl"`` when BLAS threads are controlled through threadpoolctl, ``"proc-maps"`` on the
    fallback route when it found an OpenBLAS, ``"none"`` when BLAS threading cannot be controlled."""
    if _threadpoolctl_controls(len(sys.modules)) is not None:
        return "threadpoolctl"
    return "proc-maps" if _openblas_controls() else "none"


def blas_thread_counts() -> list[int]:
    """Current thread count of every controllable BLAS library loaded in this process (empty if none)."""
    return [int(get()) for get, _ in _blas_controls()]


_BLAS_STATE_LOCK = threading.Lock()
_ACTIVE_REQUESTS: list[int] = []  # thread counts of the blas_threads blocks running now, in any thread
_SAVED: list[tuple[Any, int]] = []  # (control, count before the outermost block)


def _apply_requests() -> None:
    """Under the lock: the smallest active request, or the saved counts when no block is active."""
    if _ACTIVE_REQUESTS:
        for (_, put), _count in _SAVED:
            put(min(_ACTIVE_REQUESTS))
    else:
        for (_, put), count in _SAVED:
            put(count)
        _SAVED.clear()


@contextmanager
def blas_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` BLAS threads (``None``: leave the threading alone), then restore.

    BLAS threading is process-wide, so blocks that overlap in different threads share one setting:
    while any block runs, BLAS uses the smallest count requested by the running blocks, and the count
    from before the first of them is restored when the last one ends (a lock orders the changes). A
    one-thread decomposition therefore never runs threaded because another thread asked for more.

    Affects every BLAS threadpoolctl finds, or on the fallback route the OpenBLAS builds found in the
    process (see the module docstring); a no-op where neither applies.
    """
    if n is None:
        yield
        return
    n = int(n)
    with _BLAS_STATE_LOCK:
        if not _ACTIVE_REQUESTS:
            _SAVED[:] = [(control, int(control[0]())) for control in _blas_controls()]
        _ACTIVE_REQUESTS.append(n)
        _apply_requests()
    try:
        yield
    finally:
        with _BLAS_STATE_LOCK:
            _ACTIVE_REQUESTS.remove(n)
            _apply_requests()


def usable_cores() -> int:
    """Cores this process may run on: ``os.sched_getaffinity`` where available (Linux; respects
    ``taskset`` and container CPU sets), else ``os.cpu_count()``."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def core_share() -> int:
    """Cores this process may keep busy: :data:`CORES_VAR` if set (a sweep worker's share), else
    :func:`usable_cores`.

    Raises
    ------
    ValueError
        When :data:`CORES_VAR` is set to anything but a positive integer.
    """
    value = os.environ.get(CORES_VAR)
    if value is None:
        return usable_cores()
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{CORES_VAR} must be a positive integer, got {value!r}")
    return int(value)


def set_core_share(cores: int) -> None:
    """Give this process ``cores`` cores: the gate threads (:func:`svd_workers`) and the default BLAS
    thread count become ``cores``.

    Called in a sweep's worker processes with their share of the machine (``usable_cores // workers``),
    so that the workers together never run more busy threads than cores. Sets :data:`CORES_VAR` and
    the BLAS/OpenMP environment variables (for libraries loaded later and child processes) and the
    thread count of every BLAS already loaded (:func:`blas_threads`' route).

    Raises
    ------
    TypeError, ValueError
        Unless ``cores`` is a positive integer.
    """
    if isinstance(cores, bool) or not isinstance(cores, (int, np.integer)):  # this layer imports no `states`
        raise TypeError(f"cores must be an integer, got {type(cores).__name__}")
    if cores < 1:
        raise ValueError(f"cores must be an integer >= 1, got {cores}")
    cores = int(cores)
    os.environ[CORES_VAR] = str(cores)
    os.environ.update({name: str(cores) for name in BLAS_THREAD_VARS})
    for _, put in _blas_controls():
        put(cores)


def threads_for(dim: int) -> int | None:
    """1 for matrices of dimension ≤ :data:`SINGLE_THREAD_MAX_DIM`, else ``None`` (default threading)."""
    return 1 if dim <= SINGLE_THREAD_MAX_DIM else None


def _pool() -> ThreadPoolExecutor:
    return _pool_of(svd_workers())


@functools.cache
def _pool_of(workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qstt-svd")


def svd_workers() -> int:
    """Threads for the sector SVDs of a split and the TEBD gate dataflow: ``QSTT_SVD_THREADS`` if set,
    else the process's share of the cores (:func:`core_share`, at most 8)."""
    value = os.environ.get("QSTT_SVD_THREADS")
    if value is not None:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"QSTT_SVD_THREADS must be a positive integer, got {value!r}")
        return int(value)
    return max(1, min(core_share(), 8))


_worker = threading.local()


def run_dataflow(func: Callable[[int], Any], dependencies: Sequence[Sequence[int]]) -> list[Any]:
    """``[func(k) for k in range(n)]`` on the :func:`svd_workers` threads, task k starting as soon
    as every task in ``dependencies[k]`` (all < k) has finished (call with one BLAS thread).

    There is no barrier between layers of gates: a gate of the next layer starts once the two
    gates that wrote its sites are done, so a thread never waits for the slowest gate of a layer.
    Each task sees exactly the inputs it would see run serially in index order, so the results
    are the same bits. Inside, :func:`decompose_all` runs serially (the pool is never waited on
    from its own threads). The first exception is re-raised after every task has been accounted
    for; tasks not yet started when it happened are skipped.
    """
    n = len(dependencies)
    waiting = [len(set(deps)) for deps in dependencies]
    dependents: list[list[int]] = [[] for _ in range(n)]
    for k, deps in enumerate(dependencies):
        for j in set(deps):
            if not 0 <= j < k:
                raise ValueError(f"task {k} may only depend on earlier tasks, got {j}")
            dependents[j].append(k)
    if n == 0:  # before task exists: its self-reference is cleared only below
        return []
    results: list[Any] = [None] * n
    errors: list[BaseException] = []
    lock = threading.Lock()
    finished = threading.Event()
    unfinished = [n]
    pool = _pool()

    def task(k: int) -> None:
        if not errors:
            _worker.busy = True
            try:
                results[k] = func(k)
            except BaseException as error:  # handed to the caller below
                errors.append(error)
            finally:
                _worker.busy = False
        with lock:
            ready = []
            for j in dependents[k]:
                waiting[j] -= 1
                if waiting[j] == 0:
                    ready.append(j)
            unfinished[0] -= 1
            if unfinished[0] == 0:
                finished.set()
        for j in ready:
            pool.submit(task, j)

    try:
        for k in [k for k in range(n) if waiting[k] == 0]:  # listed first: running tasks lower the counts
            pool.submit(task, k)
        finished.wait()
    finally:
        # task refers to itself (it submits its dependents), a reference cycle that would keep ``func``
        # — and whatever it holds, e.g. a measured state — alive until the cyclic garbage collector
        # runs: at χ = 800 several states of 157 MB each (benchmarks/README.md, tebd_memory.py)
        task = None  # clears the closure's cell: the function is freed with the pool's last reference
    if errors:
        error = errors[0]
        errors.clear()
        try:
            raise error
        finally:  # no frame → error → traceback → frame cycle either
            del error
    return results


@contextmanager
def serial_decompositions() -> Iterator[None]:
    """Run the block with :func:`decompose_all` serial in this thread, as inside a gate thread of
    :func:`run_dataflow` (a process that runs gates beside other busy processes, e.g.
    :class:`verify.tebd.SegmentPool`, must not start more threads)."""
    before = getattr(_worker, "busy", False)
    _worker.busy = True
    try:
        yield
    finally:
        _worker.busy = before


def decompose_all(func: Callable[[np.ndarray], Any], matrices: list[np.ndarray]) -> list[Any]:
    """``func`` (an SVD or QR of one sector matrix) on every matrix; large batches on threads
    (LAPACK releases the GIL).

    Each decomposition runs on one BLAS thread, so the factors are bit-identical to the serial ones
    whatever the number of threads (checkpoint resumption relies on determinism).
    """
    work = sum(m.shape[0] * m.shape[1] * min(m.shape) for m in matrices)
    if len(matrices) < 2 or work < PARALLEL_SVD_MIN_WORK or svd_workers() == 1 or getattr(_worker, "busy", False):
        return [func(m) for m in matrices]
    order = sorted(range(len(matrices)), key=lambda k: -matrices[k].size)  # biggest first: balance
    with blas_threads(1):
        results = dict(zip(order, _pool().map(func, [matrices[k] for k in order]), strict=True))
    return [results[k] for k in range(len(matrices))]
