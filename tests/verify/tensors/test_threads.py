"""Thread control of verify.tensors.threads: BLAS threads through threadpoolctl (and its /proc/self/maps
fallback), the process's share of the cores and the gate threads sized from it.

Every BLAS thread count is checked through an independent route: ``threadpoolctl.threadpool_info()``
reads the libraries' own getters, while the code under test sets them (through threadpoolctl's
controllers or, on the fallback route, through ctypes handles found in /proc/self/maps).
"""

from __future__ import annotations

import os
import sys

import pytest

from verify.tensors import threads

threadpoolctl = pytest.importorskip("threadpoolctl")  # the `threads` extra; installed by .ci/run


def _blas_counts_seen_by_threadpoolctl() -> list[int]:
    return [lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]


@pytest.fixture
def no_threadpoolctl(monkeypatch):
    """threadpoolctl made unimportable (as when the extra is not installed)."""
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)
    threads._threadpoolctl_controls.cache_clear()
    yield
    threads._threadpoolctl_controls.cache_clear()


@pytest.fixture
def restore_environment(monkeypatch):
    """Every variable set_core_share writes is restored after the test."""
    for name in (threads.CORES_VAR, "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                 "BLIS_NUM_THREADS", "QSTT_SVD_THREADS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_blas_threads_sets_and_restores_every_blas_through_threadpoolctl():
    assert threads.blas_backend() == "threadpoolctl"
    before = _blas_counts_seen_by_threadpoolctl()
    assert before, "numpy/scipy load at least one BLAS"
    assert threads.blas_thread_counts() == before
    target = 2 if max(before) == 1 else 1  # a count different from the current one, so a no-op fails
    with threads.blas_threads(target):
        assert _blas_counts_seen_by_threadpoolctl() == [target] * len(before)
        assert threads.blas_thread_counts() == [target] * len(before)
    assert _blas_counts_seen_by_threadpoolctl() == before
    with threads.blas_threads(None):  # None leaves the threading alone
        assert _blas_counts_seen_by_threadpoolctl() == before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fallback route reads /proc/self/maps")
def test_without_threadpoolctl_the_proc_maps_route_still_controls_openblas(no_threadpoolctl):
    with pytest.raises(ImportError):
        import threadpoolctl as _  # noqa: F401  (absent for the code under test)
    assert threads.blas_backend() == "proc-maps"  # numpy's and scipy's wheels bundle OpenBLAS
    before = _blas_counts_seen_by_threadpoolctl()  # the module object imported above still works
    target = 2 if max(before) == 1 else 1
    with threads.blas_threads(target):
        assert _blas_counts_seen_by_threadpoolctl() == [target] * len(before)
    assert _blas_counts_seen_by_threadpoolctl() == before


def test_usable_cores_is_the_affinity_mask():
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert threads.usable_cores() == expected >= 1


def test_core_share_and_gate_threads_follow_the_environment(restore_environment):
    monkeypatch = restore_environment
    assert threads.core_share() == threads.usable_cores()
    assert threads.svd_workers() == min(threads.usable_cores(), 8)
    monkeypatch.setenv(threads.CORES_VAR, "1")
    assert threads.core_share() == 1 and threads.svd_workers() == 1
    assert threads._pool()._max_workers == 1  # the dataflow pool has the share's size
    monkeypatch.setenv(threads.CORES_VAR, "3")
    assert threads.svd_workers() == 3 and threads._pool()._max_workers == 3
    monkeypatch.setenv("QSTT_SVD_THREADS", "2")  # an explicit gate-thread count wins
    assert threads.svd_workers() == 2
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(threads.CORES_VAR, bad)
        with pytest.raises(ValueError, match=threads.CORES_VAR):
            threads.core_share()


def test_set_core_share_sizes_gate_and_blas_threads(restore_environment):
    n_libs = len(_blas_counts_seen_by_threadpoolctl())
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):  # restores each library's count on exit
        threads.set_core_share(2)  # differs from the 1 just set, so a no-op fails
        assert _blas_counts_seen_by_threadpoolctl() == [2] * n_libs
        assert threads.core_share() == 2 == threads.svd_workers()
        assert os.environ["OPENBLAS_NUM_THREADS"] == "2" == os.environ[threads.CORES_VAR]
    with pytest.raises(TypeError, match="cores"):
        threads.set_core_share("2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cores"):
        threads.set_core_share(0)


def test_overlapping_blocks_in_two_threads_keep_one_thread_and_restore(monkeypatch) -> None:
    """Review finding: blas_threads blocks that overlap in two threads. While either runs, BLAS is on the
    smallest requested count; when the last ends, the count from before the first is restored (before the
    fix the first block's exit set BLAS back to 2 under the second block, and the second's exit left 1).
    BLAS is a recording fake here: the logic under test is the bookkeeping, and OpenBLAS builds differ in
    whether a count set from a non-main thread is visible process-wide."""
    import threading

    setting = {"count": 2}
    history: list[int] = []

    def put(n: int) -> None:
        setting["count"] = n
        history.append(n)

    monkeypatch.setattr(threads, "_blas_controls", lambda: ((lambda: setting["count"], put),))
    a_entered, a_exited, b_entered, seen_by_b = threading.Event(), threading.Event(), threading.Event(), []

    def block_a() -> None:
        with threads.blas_threads(1):
            a_entered.set()
            assert b_entered.wait(5)
        a_exited.set()

    def block_b() -> None:
        assert a_entered.wait(5)
        with threads.blas_threads(1):
            b_entered.set()
            assert a_exited.wait(5)
            seen_by_b.append(setting["count"])

    workers = [threading.Thread(target=block_a), threading.Thread(target=block_b)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    assert seen_by_b == [1]  # A's exit did not restore 2 under B
    assert setting["count"] == 2 and history[-1] == 2  # B's exit restored the count from before A
    with threads.blas_threads(3), threads.blas_threads(1):  # nested: the smaller request holds inside
        assert setting["count"] == 1
    assert setting["count"] == 2
