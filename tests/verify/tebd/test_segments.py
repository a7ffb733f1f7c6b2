"""verify.tebd.segments: the gates of an even–odd run on several processes give the serial run's bits.

Each pool starts worker processes with ``spawn`` (≈ 1–2 s each), so the tests share engines where they can.
"""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

import verify.tebd.segments as segments_module
from verify.models import PRXChain
from verify.mps import restricted_operator, to_charged_mps
from verify.tebd import TEBD, SegmentPool, gate_processes, initial_mps, tensor_backend
from verify.tebd.segments import PROCESSES_VAR

MODEL = PRXChain(n_sites=10, n_left=4, n_fm=2, n_conf=3, n_e=3, polarization="z")


def engine(monkeypatch: pytest.MonkeyPatch) -> TEBD:
    """An even–odd engine of MODEL with charged tensors; its gates on processes from the first run (:func:`run`)."""
    monkeypatch.setattr(segments_module, "PARALLEL_PROCESS_MIN_DIM", 1)
    mps, _ = initial_mps(MODEL)
    backend, charges = tensor_backend(MODEL, "charges")
    return TEBD(to_charged_mps(mps, backend, charges), MODEL.chain().bond_hamiltonians(), dt=0.1, chi_max=6,
                trunc=1e-10, scheme="even-odd")


def run(e: TEBD, n_steps: int, processes: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """``e.run(n_steps)`` with its gates on ``processes`` processes (1: one thread)."""
    monkeypatch.setenv(PROCESSES_VAR, str(processes))
    e.run(n_steps)


def observables(e: TEBD, power: int = 2) -> dict:
    """Observe requests on every leading bond: a power of the bond term (any Hermitian M will do; the same
    power gives the same operator objects, restricted_operator's cache) with random weights."""
    rng = np.random.default_rng(3)
    requests = {}
    for bond in e.leading_bonds():
        a, b = e.mps.tensors[bond], e.mps.tensors[bond + 1]
        h = MODEL.chain().bond_hamiltonians()[bond]
        requests[bond] = (restricted_operator(np.linalg.matrix_power(h, power), a.legs[1], b.legs[1]),
                          rng.random(a.legs[0].dim))
    return requests


def same_state(first: TEBD, second: TEBD) -> bool:
    blocks = all(
        a.blocks.keys() == b.blocks.keys() and all(np.array_equal(a.blocks[k], b.blocks[k]) for k in a.blocks)
        for a, b in zip(first.mps.tensors, second.mps.tensors, strict=True)
    )
    values = all(np.array_equal(x, y) for x, y in zip(first.bond_values, second.bond_values, strict=True))
    return blocks and values and first.truncation_error == second.truncation_error


def run_both(serial: TEBD, parallel: TEBD, processes: int, n_steps: int, then: int | None,
             monkeypatch: pytest.MonkeyPatch, power: int = 2) -> bool:
    """The same run of both engines, each observing on every leading bond (the bond term to ``power``);
    then their results compared. Returns whether some of the bonds were not observed."""
    for e, count in ((serial, 1), (parallel, processes)):
        e.observe(observables(e, power))
        monkeypatch.setenv(PROCESSES_VAR, str(count))
        e.run(n_steps, then=then)
    assert parallel._pool is not None and not parallel._pool.closed  # the process route ran
    assert serial._pool is None
    assert same_state(serial, parallel)
    assert serial.limited_steps == parallel.limited_steps
    # the workers' gates of a run they started early observed the operators of the run before (its
    # requests came later): where the requests name others, the measurement computes those bonds;
    # every value that was observed is the serial one
    assert parallel.observed and set(parallel.observed) <= set(serial.observed)
    assert all(serial.observed[b] == parallel.observed[b] for b in parallel.observed)
    return len(parallel.observed) < len(serial.observed)


@pytest.mark.parametrize("processes", [2, 3])
@pytest.mark.parametrize("rebalance", [False, True])
def test_gates_on_processes_give_the_serial_bits(monkeypatch, processes: int, rebalance: bool) -> None:
    """Streams of runs of 1 and 2 steps (the merged half steps), with the next run announced (the workers
    start it early, observing the operators of the run before) or not, ended by a run of other steps, by a
    changed state and, with ``rebalance``, by new cuts before every run, on 2 and 3 processes (3:
    hand-overs between two workers) against the same runs on one thread: the same bits in every tensor,
    Schmidt value, discarded weight, flagged step and observed value, with the state truncated (χ = 6);
    every bond observed except the workers' bonds of a run started early whose requests changed."""
    import verify.tebd.segments as segments

    if rebalance:  # a new stream at every run: what the workers ran ahead is dropped every time
        monkeypatch.setattr(segments, "MIN_STREAM_RUNS", 0)
        monkeypatch.setattr(segments, "REBALANCE_GAIN", -1.0)
    if processes == 3:  # the workers forget their operators at every grant: sent again, the same values
        monkeypatch.setattr(segments, "_MAX_OPERATORS", 1)
    serial, parallel = engine(monkeypatch), engine(monkeypatch)
    try:
        runs = ((1, 1, 2), (1, 1, 3), (1, 1, 3), (2, 2, 2), (2, 2, 3), (2, None, 3), (1, 1, 2), (1, 3, 3))
        missing = [run_both(serial, parallel, processes, n_steps, then, monkeypatch, power)
                   for n_steps, then, power in runs]
        # the workers start a run early when the stream goes on (not after a new stream: a run of other
        # steps, or with rebalance every run): runs 1, 2, 4, 5 and 7; of those, the runs whose requests
        # name other operators than the run before (1, 4 and 7) miss the workers' bonds
        expected = [False, True, False, False, True, False, False, True]
        assert missing == ([False] * len(expected) if rebalance else expected)
        assert parallel._pool._stale > 0
        assert serial.truncation_error > 0 and serial.limited_steps  # the truncation was at work
        # the state as a whole, independent of the bits above: the B form is normalized only up to the
        # weight its truncations discarded (each split renormalizes its kept values), so ‖ψ‖ − 1 is bounded by it
        assert abs(np.linalg.norm(parallel.canonical_mps().to_dense()) - 1) <= parallel.truncation_error
        # the state changed between runs, with the next run started early: the stream ends, the state is sent
        run_both(serial, parallel, processes, 1, 1, monkeypatch)
        for e in (serial, parallel):
            a = e.mps.tensors[3]  # a new object with the same numbers
            e.mps.tensors[3] = type(a)(a.legs, a.signs, {key: block.copy() for key, block in a.blocks.items()})
        run_both(serial, parallel, processes, 1, None, monkeypatch)
    finally:
        parallel.close()
    assert parallel._pool is None
    run_both(serial, parallel, processes, 1, None, monkeypatch)  # a closed engine starts its workers again
    parallel.close()


def test_cuts_anywhere_give_the_serial_bits(monkeypatch) -> None:
    """Cuts forced to change before every run (one-bond segments at either end, the middle, three processes
    with a one-bond middle segment), each a new stream started while the workers ran the next run early: the
    serial bits throughout, with the cuts asked for in use."""
    monkeypatch.setattr(SegmentPool, "_continues", lambda self, state, sequence: False)  # a new stream every run
    n_bonds = MODEL.n_sites - 1
    cuts = {2: [[1], [n_bonds - 1], [4], [2]], 3: [[1, 2], [3, 7], [n_bonds - 2, n_bonds - 1]]}
    for processes, choices in cuts.items():
        calls = iter(choices)

        def owners(self, sequence, bond_costs, extra=0.0, calls=calls):
            where = next(calls)
            return [int(np.searchsorted(where, b, side="right")) for b, _, _ in sequence]

        monkeypatch.setattr(SegmentPool, "owners", owners)
        serial, parallel = engine(monkeypatch), engine(monkeypatch)
        try:
            for where in choices:
                run_both(serial, parallel, processes, 1, 1, monkeypatch)
                stream = parallel._pool._stream  # the process of every gate of the stream the run made
                assert stream.owner == [int(np.searchsorted(where, b, side="right")) for b, _, _ in stream.sequence]
        finally:
            parallel.close()


def test_the_user_run_on_processes_records_the_serial_bits(monkeypatch, tmp_path) -> None:
    """simulate_prx_tebd (runs announced with then=, the leading bonds' energies deferred to the next run)
    with the gates on two processes and on one thread: the same record, bit for bit; the record says how
    many processes ran the gates, and the run stops its workers when it ends."""
    import multiprocessing

    from verify.records import simulate_prx_tebd

    monkeypatch.setattr(segments_module, "PARALLEL_PROCESS_MIN_DIM", 1)
    closed = []
    close = TEBD.close
    monkeypatch.setattr(TEBD, "close", lambda self: closed.append(self.processes) or close(self))
    records = {}
    for processes in (1, 2):
        monkeypatch.setenv(PROCESSES_VAR, str(processes))
        records[processes] = simulate_prx_tebd(MODEL, t_max=1.0, dt_out=0.1, dt=0.05, chi_max=6, trunc=1e-10)
        assert records[processes].meta["tebd"]["gate_processes"] == processes
        assert closed[-1] == processes  # the run closed its engine itself, its workers still running then
        assert not [p for p in multiprocessing.active_children() if p.name.startswith("qstt-gates")]
    one, two = records[1].arrays, records[2].arrays
    assert one.keys() == two.keys()
    assert all(np.array_equal(one[key], two[key], equal_nan=True) for key in one)
    assert records[1].meta["tebd"]["final_truncation_error"] > 0


@pytest.mark.parametrize("processes", [2, 3])
def test_a_failing_gate_in_a_worker_is_raised_by_the_run_and_the_pool_closes(monkeypatch, processes: int) -> None:
    """A gate that raises in a worker process raises the same error in the engine's run (no hang) — with
    three processes also when the other worker, cut off by it, ends first; the pool is closed, and the
    worker processes are gone."""
    e = engine(monkeypatch)
    try:
        run(e, 1, processes, monkeypatch)
        pool = e._pool
        bond = len(e.mps) - 2  # the last bond, a worker's; its first gate reads Λ of the bond left of it
        e._lam[bond - 1] = np.ones(len(e._lam[bond - 1]) + 1)  # of the wrong length: update_vidal refuses it
        before = list(e.mps.tensors), list(e._lam)
        with pytest.raises(ValueError, match="left_values has shape"):
            e.run(1)
        assert pool.closed and not any(worker.is_alive() for worker in pool._workers)
        # the state the run started from, not half of it updated (the run did not count)
        assert all(a is b for a, b in zip(before[0], e.mps.tensors, strict=True))
        assert all(a is b for a, b in zip(before[1], e._lam, strict=True)) and e.steps == 1
    finally:
        e.close()


@pytest.mark.parametrize("processes", [2, 3])
def test_a_worker_that_dies_is_reported_not_waited_for(monkeypatch, processes: int) -> None:
    """A worker killed between runs (SIGKILL: no report of its own) makes the next run raise, naming it —
    with three processes also when the other worker, cut off from it, ends first — and close() stops the
    rest."""
    e = engine(monkeypatch)
    try:
        run(e, 1, processes, monkeypatch)
        pool = e._pool
        worker = pool._workers[0]
        os.kill(worker.pid, signal.SIGKILL)
        worker.join(timeout=10)
        with pytest.raises(RuntimeError, match=r"gate process qstt-gates-1 .* stopped with exit code -9"):
            e.run(1)
        assert pool.closed and not any(other.is_alive() for other in pool._workers)
    finally:
        e.close()


def test_cuts_are_contiguous_balanced_and_leave_no_process_without_bonds() -> None:
    owners = SegmentPool.owners
    pool = object.__new__(SegmentPool)  # owners needs only the process count
    pool.processes = 3
    sequence = [(b, 0.5, 0) for b in range(9)]
    assert owners(pool, sequence, np.ones(9)) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    costs = np.array([1, 1, 1, 1, 1, 1, 1, 1, 100.0])
    got = owners(pool, sequence, costs)
    assert got == sorted(got) and set(got) == {0, 1, 2} and got[-1] == 2 and got[-2] == 1  # never empty
    pool.processes = 2
    assert owners(pool, [(b, 1.0, 0) for b in range(4)], np.array([3.0, 1, 1, 1])) == [0, 1, 1, 1]


def test_gate_processes_reads_its_variable(monkeypatch) -> None:
    monkeypatch.setenv(PROCESSES_VAR, "3")
    assert gate_processes() == 3
    for bad in ("0", "-1", "two", ""):
        monkeypatch.setenv(PROCESSES_VAR, bad)
        with pytest.raises(ValueError, match=PROCESSES_VAR):
            gate_processes()
    monkeypatch.delenv(PROCESSES_VAR)
    monkeypatch.setenv("QSTT_SVD_THREADS", "2")
    assert gate_processes() == 2


def test_a_pool_refuses_what_it_cannot_cut() -> None:
    with pytest.raises(ValueError, match="at least 2 processes"):
        SegmentPool(1, 10, None)
    with pytest.raises(ValueError, match="cannot be cut into 4 segments"):
        SegmentPool(4, 4, None)

