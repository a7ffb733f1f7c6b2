"""The gates of a layer scheme on several processes, each owning a segment of the chain's bonds.

The B-form gates of an even–odd run are independent within a layer (:class:`verify.tebd.TEBD`), and
:func:`verify.tensors.run_dataflow` runs them on threads. But about half of a charged χ = 400 gate is
interpreter time (the block bookkeeping), which holds the GIL: two gate threads keep 1.5–1.8 cores busy
and take 1.1–1.2× the CPU time of one. Processes share no GIL. :class:`SegmentPool` cuts the chain's
bonds into contiguous segments, one per process (the calling process runs the first), and every process
runs the gates of its bonds as a dataflow of its own (:class:`verify.tebd.stream.Segment`): a gate waits
only for the gates that last wrote its two sites, and where one of those ran in another process, that
process hands the site over as soon as it is written — at the segment boundaries only.

Equal runs (the user's run makes one per output) form a *stream*: a run's last writer of a site hands
it straight to the next run's first reader, and when the caller says what it runs next
(``TEBD.run(n, then=n)``), the workers start that run at once, while the calling process measures the
state the run left (its own gates of the next run wait for its next call); their first gates on the
leading bonds measure the rows of the operators this run was asked to observe, which the measurement asks
for again (:meth:`verify.tebd.TEBD.observe`). At the end of every run the
workers send the calling process the sites and Schmidt values they wrote last in it, so the engine holds
the whole state between runs (measurements, checkpoints). A run that does not continue the stream (other
steps, a changed state, new cuts) ends it: the workers drop what they ran ahead, and the new stream
starts from the engine's state.

Every gate is :func:`verify.tebd.stream.bond_update` on the inputs of the serial order, on one BLAS
thread, so the results are the bits of a serial run whatever the number of processes, wherever the
segments are cut and however far the workers run ahead (``tests/verify/tebd/test_segments.py``). The
cuts follow the measured time of every bond's gates, with the calling process's time between runs (its
measurement) counted as its own work, so that every process has the same; they move when that would
shorten a run by more than :data:`REBALANCE_GAIN`.

The worker processes are started with the ``spawn`` method (the same on every platform; a script that
runs TEBD must guard its top level with ``if __name__ == "__main__":``, as for any ``multiprocessing``
code) when the widest bond first reaches :data:`PARALLEL_PROCESS_MIN_DIM`, and stopped by
:meth:`SegmentPool.close` (the engine's ``close``, when the engine is collected, or when a run fails).
They talk through one pipe per ordered pair of processes (:mod:`verify.tebd.links`), whose writing end
only the sender holds: a worker that ends — killed, even in the middle of a message — is seen at once
by the others, which raise (the engine's process) or stop (a worker) instead of waiting for it.
``QSTT_GATE_PROCESSES`` sets the number of processes (1: threads only).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from verify.tebd.links import Links, PeerGone, pipe_ends
from verify.tebd.stream import GateRun, Segment, StreamPlan, site_bundle
from verify.tebd.worker import segment_worker
from verify.tensors import (
    BlockSparseBackend,
    RestrictedOperator,
    blas_threads,
    serial_decompositions,
    svd_workers,
)

__all__ = [
    "MIN_STREAM_RUNS",
    "PARALLEL_PROCESS_MIN_DIM",
    "PROCESSES_VAR",
    "REBALANCE_GAIN",
    "SegmentPool",
    "gate_processes",
    "pool_for",
]

PARALLEL_PROCESS_MIN_DIM: int = 128
"""A layer scheme's gates of charged tensors run on :func:`gate_processes` processes once the widest
bond is at least this wide (below, on threads: :data:`verify.tebd.PARALLEL_BOND_MIN_DIM`). Every run
sends the calling process the workers' part of the state (≈ 15 MB in 30–50 ms at χ = 400), which
small bonds do not repay."""

PROCESSES_VAR = "QSTT_GATE_PROCESSES"
"""Environment variable: the number of processes for the gates of a layer scheme (1: threads only)."""

REBALANCE_GAIN: float = 0.1
"""New cuts start a new stream when the measured times say they shorten a run by more than this share
(a new stream sends every worker its whole segment, ≈ 0.1 s at χ = 400, and drops what it ran ahead;
the calling process's time between runs varies by ±20 % from one output to the next, so smaller gains
are mostly noise: at 0.05 measured blocks of the N_e = 8 user run moved their cuts back and forth)."""

MIN_STREAM_RUNS: int = 5
"""Runs of a stream before its cuts may move (the measured times of one run are noisy)."""

_STOP_SECONDS = 2.0  # how long close() waits for a worker to stop before it terminates it
_NEWEST = 0.25  # weight of the newest run in the averaged gate times and time between runs
_MAX_OPERATORS = 1024  # operators a worker keeps (a run reuses a handful: restricted_operator's cache)


class _Stream(NamedTuple):
    """The runs a stream repeats: their gates, the process of each, the truncation, its first run's number."""

    sequence: list
    owner: list[int]
    chi_max: int
    trunc: float
    first_run: int


def gate_processes() -> int:
    """Processes for the gates of a layer scheme: :data:`PROCESSES_VAR` if set, else
    :func:`verify.tensors.svd_workers` (the process's share of the cores); 1 inside a daemonic
    process, which may not start children.

    Raises
    ------
    ValueError
        When :data:`PROCESSES_VAR` is set to anything but a positive integer.
    """
    value = os.environ.get(PROCESSES_VAR)
    if value is not None:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"{PROCESSES_VAR} must be a positive integer, got {value!r}")
        wanted = int(value)
    else:
        wanted = svd_workers()
    return 1 if multiprocessing.current_process().daemon else wanted


def pool_for(backend: Any, n_sites: int, widest_bond: int) -> SegmentPool | None:
    """Gate processes for an engine, or None to run its gates on threads.

    Started for charged tensors (a :class:`verify.tensors.BlockSparseBackend` with charges) once the
    widest bond reaches :data:`PARALLEL_PROCESS_MIN_DIM`, when :func:`gate_processes` allows more than one
    process and the chain has a bond for each.

    Parameters
    ----------
    backend : TensorBackend
        The engine's backend.
    n_sites : int
        Sites of the chain.
    widest_bond : int
        The state's largest bond dimension.
    """
    if not isinstance(backend, BlockSparseBackend) or backend.n_q == 0 or widest_bond < PARALLEL_PROCESS_MIN_DIM:
        return None
    processes = gate_processes()
    if processes < 2 or n_sites < processes + 1:
        return None
    return SegmentPool(processes, n_sites, backend)


class SegmentPool:
    """Worker processes for the gates of a layer scheme, and the streams of runs they serve (module docstring).

    The calling process is process 0 and runs the first segment itself; processes 1.. are started here.
    A pool serves one engine; :meth:`run` is its way in.

    Parameters
    ----------
    processes : int
        Number of processes including the calling one (≥ 2).
    n_sites : int
        Sites of the chain (at least ``processes + 1``: one bond per process).
    backend : TensorBackend
        The tensors' backend (sent once).
    """

    def __init__(self, processes: int, n_sites: int, backend: Any) -> None:
        if processes < 2:
            raise ValueError(f"a segment pool needs at least 2 processes, got {processes}")
        if n_sites < processes + 1:
            raise ValueError(f"{n_sites} sites cannot be cut into {processes} segments of bonds")
        self.processes, self.n_sites = processes, n_sites
        context = multiprocessing.get_context("spawn")
        readers, writers = pipe_ends(context, processes)
        self._links = Links(readers[0], writers[0])
        self._workers = [
            context.Process(target=segment_worker, args=(p, readers[p], writers[p], os.getpid()), daemon=True,
                            name=f"qstt-gates-{p}")
            for p in range(1, processes)
        ]
        self.closed = False
        try:
            for worker in self._workers:
                worker.start()
        except BaseException:
            self.close()
            raise
        finally:  # the workers' ends are theirs alone: a worker that ends closes the last copy of its ends
            for p in range(1, processes):
                for end in (*readers[p].values(), *writers[p].values()):
                    end.close()
        setup = {"backend": backend, "tensors": [None] * n_sites, "lam": [None] * (n_sites - 1)}
        for p in range(1, processes):
            self._links.send(p, ("setup", setup))
        self._segment: Segment | None = None  # process 0's share of the current stream
        self._stream: _Stream | None = None
        self._gates_sent: list[set] = [set() for _ in range(processes)]
        self._next_run, self._granted, self._stale = 1, 0, 0
        self._done: dict[int, dict[int, GateRun]] = {}
        self._ahead: list[tuple] = []  # hand-overs for a run process 0 has not started
        self._left_as: tuple[tuple, tuple] | None = None  # the state a run left, to see whether it changed
        self._returned = float("nan")
        self._bond_seconds: np.ndarray | None = None
        self._between: float | None = None  # process 0's time between its runs, averaged
        self._mine: dict[int, GateRun] = {}
        self._granted_with: dict[int, dict[int, Any]] = {}  # run → worker gate → the operator it measures
        self._operators: dict[int, tuple[int, Any]] = {}  # id → (token, operator): sent to a worker once
        self._operators_sent: list[set[int]] = [set() for _ in range(processes)]

    def __repr__(self) -> str:
        return f"SegmentPool(processes={self.processes}, n_sites={self.n_sites}, closed={self.closed})"

    def close(self) -> None:
        """Stop the worker processes (at once; idempotent)."""
        if self.closed:
            return
        self.closed = True
        for p in range(1, self.processes):
            self._links.send(p, ("stop",))
        for worker in self._workers:
            if worker.pid is None:  # never started
                continue
            worker.join(timeout=_STOP_SECONDS)
            if worker.is_alive():
                worker.terminate()
                worker.join(timeout=_STOP_SECONDS)
        self._links.close()

    # ------------------------------------------------------------------ cuts
    def owners(
        self, sequence: Sequence[tuple[int, float, int]], bond_costs: np.ndarray, extra: float = 0.0
    ) -> list[int]:
        """The process of every gate: the bonds cut into contiguous segments, process 0 the leftmost, so
        that every process's summed cost is the same — process 0's with ``extra`` (its work between runs)
        added — and every process has at least one bond."""
        cumulative = np.cumsum(bond_costs, dtype=float)
        total = cumulative[-1] + extra
        targets = total * np.arange(1, self.processes) / self.processes - extra
        cuts = np.searchsorted(cumulative, targets, side="right")
        n_bonds = len(bond_costs)
        for j in range(len(cuts)):  # at least one bond each, cuts strictly increasing
            cuts[j] = min(max(cuts[j], (cuts[j - 1] if j else 0) + 1), n_bonds - (len(cuts) - j))
        bond_owner = np.searchsorted(cuts, np.arange(n_bonds), side="right")
        return [int(bond_owner[b]) for b, _, _ in sequence]

    def bond_costs(self, tensors: Sequence[Any], backend: Any) -> np.ndarray:
        """The time of every bond's gates in the last run, or before any run (D_l D_r)^{3/2} + 1, D_l and
        D_r the outer bond dimensions of the bond's two-site tensor."""
        if self._bond_seconds is not None and len(self._bond_seconds) == len(tensors) - 1:
            return self._bond_seconds
        shapes = [backend.shape(a) for a in tensors]
        return np.array([(float(shapes[b][0]) * shapes[b + 1][2]) ** 1.5 + 1.0 for b in range(len(tensors) - 1)])

    def _load(self, owner: Sequence[int], sequence: Sequence[tuple[int, float, int]], costs: np.ndarray) -> float:
        """The largest summed cost of a process under ``owner`` (process 0's time between runs included)."""
        loads = np.zeros(self.processes)
        loads[0] = self._between or 0.0
        done: set[int] = set()
        for (b, _, _), who in zip(sequence, owner, strict=True):
            if b not in done:
                loads[who] += costs[b]
                done.add(b)
        return float(loads.max())

    # ------------------------------------------------------------------ runs
    def run(self, state: dict, sequence: list[tuple[int, float, int]], observe: dict[int, RestrictedOperator],
            then: list[tuple[int, float, int]] | None = None) -> GateRun:
        """The gates of ``sequence`` on the pool; ``state`` (``backend``, ``tensors``, ``lam``, ``gates``
        with every gate of the sequence, ``chi_max``, ``trunc``) is updated in place as by the serial order,
        and the gates of ``observe`` (gate → an operator restricted by total charge) measure its rows
        (:func:`verify.tebd.stream.bond_update`).

        With ``then`` equal to ``sequence`` the workers start the next run at once (module docstring),
        measuring the rows of this run's operators on their gates of it: the next run's outcome has a
        worker's rows only where its ``observe`` names the same operator object.

        Raises
        ------
        RuntimeError
            When a worker process stopped; a gate's own error is raised as it was raised there. The pool
            is closed either way, and ``state`` is put back as the run found it.
        """
        if self.closed:
            raise RuntimeError("the segment pool is closed")
        tensors, lam = list(state["tensors"]), list(state["lam"])
        try:
            return self._run(state, sequence, observe, then)
        except BaseException:
            state["tensors"][:], state["lam"][:] = tensors, lam  # the state the run started from
            self.close()
            raise

    def _continues(self, state: dict, sequence: list) -> bool:
        """Whether this run continues the stream: the same gates, the state as the last run left it, and
        cuts that the measured times do not ask to move."""
        stream = self._stream
        if stream is None or stream.sequence != sequence or self._left_as is None:
            return False
        if (stream.chi_max, stream.trunc) != (state["chi_max"], state["trunc"]):
            return False
        tensors, lam = self._left_as
        if any(a is not b for a, b in zip(tensors, state["tensors"], strict=True)) or any(
                a is not b for a, b in zip(lam, state["lam"], strict=True)):
            return False
        if self._next_run - stream.first_run < MIN_STREAM_RUNS:
            return True
        costs = self.bond_costs(state["tensors"], state["backend"])
        now = self._load(stream.owner, sequence, costs)
        better = self._load(self.owners(sequence, costs, self._between or 0.0), sequence, costs)
        return better >= (1.0 - REBALANCE_GAIN) * now

    def _run(self, state: dict, sequence: list, observe: dict[int, RestrictedOperator], then: list | None) -> GateRun:
        started = time.perf_counter()
        if self._returned == self._returned:  # not NaN: the time since the last run is process 0's other work
            gap = started - self._returned
            self._between = gap if self._between is None else self._between + _NEWEST * (gap - self._between)
        if not self._continues(state, sequence):
            self._new_stream(state, sequence)
        owner = self._stream.owner
        self._segment.state = state  # the engine's lists (its Λ list may have been replaced) and gates
        run = self._next_run
        self._next_run += 1
        if self._granted < run:
            self._grant_workers(run, observe)
        if then is not None and then == sequence:
            self._grant_workers(run + 1, observe)  # its requests are not known yet: a user's run asks the same
        self._segment.grant(run, {k: o for k, o in observe.items() if owner[k] == 0})
        ahead, self._ahead = self._ahead, []
        for message in ahead:
            self._receive_sites(message, run)
        with serial_decompositions(), blas_threads(1):
            while self._segment.busy(run):
                if not self._segment.step():
                    self._handle(self._next_message(), run)
        while len(self._done.get(run, {})) < self.processes - 1:
            self._handle(self._next_message(), run)
        mine = self._mine.pop(run)
        for theirs in self._done.pop(run).values():
            for i, tensor in theirs.sites.items():
                state["tensors"][i] = tensor
            for b, values in theirs.values.items():
                state["lam"][b] = values
            mine.update(theirs)
        for k, operator in self._granted_with.pop(run, {}).items():
            if observe.get(k) is not operator:  # granted before this run's requests, which asked otherwise
                mine.observed.pop(sequence[k][0], None)
        seconds = np.zeros(len(state["tensors"]) - 1)
        for k, (b, _, _) in enumerate(sequence):
            seconds[b] += mine.seconds[k]
        last = self._bond_seconds
        # the cuts follow the times averaged over runs (one run's are noisy: a checkpoint, a slow spell)
        self._bond_seconds = (seconds if last is None or last.shape != seconds.shape
                              else last + _NEWEST * (seconds - last))
        self._left_as = (tuple(state["tensors"]), tuple(state["lam"]))
        self._returned = time.perf_counter()
        return mine

    def _new_stream(self, state: dict, sequence: list) -> None:
        """End the current stream, if any, and start one from the engine's state: new cuts, every worker
        sent the sites it reads and the gates it lacks."""
        if self._stream is not None:
            self._cancel()
        costs = self.bond_costs(state["tensors"], state["backend"])
        owner = self.owners(sequence, costs, self._between or 0.0)
        plan = StreamPlan(sequence, owner)
        first = self._next_run
        tensors, lam = state["tensors"], state["lam"]
        for p in range(1, self.processes):
            keys = {(b, w) for k, (b, w, _) in enumerate(sequence) if owner[k] == p} - self._gates_sent[p]
            self._gates_sent[p] |= keys
            sites = {i: site_bundle(tensors, lam, i) for i in sorted(plan.reads(p))}
            self._links.send(p, ("sync", sites, {key: state["gates"][key] for key in keys}))
            self._links.send(p, ("stream", first, sequence, owner, state["chi_max"], state["trunc"]))
        self._mine = {}
        self._segment = Segment(0, plan, first, state, self._send, self._finished)
        self._stream = _Stream(list(sequence), owner, state["chi_max"], state["trunc"], first)
        self._granted = first - 1

    def _cancel(self) -> None:
        """End the stream: the workers drop what they ran ahead; wait until every one has."""
        last = max(self._granted, self._next_run - 1)
        for p in range(1, self.processes):
            self._links.send(p, ("cancel", last))
        acknowledged = 0
        while acknowledged < self.processes - 1:
            message = self._next_message()
            if message[0] == "cancelled" and message[1] == last:
                acknowledged += 1
            elif message[0] == "error":
                raise message[2]
        self._stale, self._next_run = last, last + 1
        self._stream, self._segment, self._ahead, self._done = None, None, [], {}
        self._granted_with = {}

    def _grant_workers(self, run: int, observe: dict[int, RestrictedOperator]) -> None:
        """Let the workers run their gates of ``run``, measuring the rows of ``observe`` on theirs (every
        operator sent to a worker once, then named by a token)."""
        owner = self._stream.owner
        theirs = {k: operator for k, operator in observe.items() if owner[k] != 0}
        new = {id(operator) for operator in theirs.values()} - self._operators.keys()
        forget = len(self._operators) + len(new) > _MAX_OPERATORS  # operators that are not reused
        if forget:
            self._operators.clear()
            for sent in self._operators_sent:
                sent.clear()
        for operator in theirs.values():
            self._operators.setdefault(id(operator), (len(self._operators), operator))
        for p in range(1, self.processes):
            tokens = {k: self._operators[id(operator)][0] for k, operator in theirs.items() if owner[k] == p}
            unsent = {token: theirs[k] for k, token in tokens.items() if token not in self._operators_sent[p]}
            self._operators_sent[p].update(unsent)
            self._links.send(p, ("grant", run, tokens, unsent, forget))
        self._granted_with[run] = theirs
        self._granted = run

    def _send(self, process: int, message: tuple) -> None:
        self._links.send(process, message)

    def _finished(self, run: int, outcome: GateRun) -> None:
        self._mine[run] = outcome

    def _receive_sites(self, message: tuple, run: int) -> None:
        """A hand-over to process 0: taken now if it belongs to this run or the one before; kept for later
        if a worker ran ahead (the engine's state between runs must be the last run's)."""
        if message[1] <= self._stale:
            return
        if message[1] <= run:
            self._segment.take(message)
        else:
            self._ahead.append(message)

    def _handle(self, message: tuple, run: int) -> None:
        kind = message[0]
        if kind == "sites":
            self._receive_sites(message, run)
        elif kind == "done":
            if message[1] > self._stale:
                self._done.setdefault(message[1], {})[message[2]] = message[3]
        elif kind == "error":
            raise message[2]

    def _next_message(self) -> tuple:
        """The next message for process 0; raises when a worker has stopped: the error a worker reported
        (:meth:`_handle` raises it), else a RuntimeError naming the worker that ended first."""
        try:
            return self._links.receive(None)
        except PeerGone as gone:
            for worker in self._workers:
                worker.join(timeout=_STOP_SECONDS)  # every worker ends once one has: their exit codes
            while True:  # a failed worker's report may wait in its pipe behind the end another one reached
                try:
                    message = self._links.receive(0.0)
                except PeerGone:
                    continue
                if message is None:
                    break
                if message[0] == "error":
                    return message
            # the one that ended on its own: failed, or killed (a worker cut off from it ends with 0)
            failed = [worker for worker in self._workers if worker.exitcode not in (None, 0)]
            worker = failed[0] if failed else self._workers[gone.process - 1]
            raise RuntimeError(f"gate process {worker.name} (pid {worker.pid}) stopped with exit code "
                               f"{worker.exitcode}") from None
