"""The gates of a layer scheme on several processes, each owning a segment of the chain's bonds.

The B-form gates of an even–odd run are independent within a layer (:class:`verify.tebd.TEBD`), and
:func:`verify.tensors.run_dataflow` runs them on threads. But about half of a charged χ = 400 gate is
interpreter time (the block bookkeeping), which holds the GIL: two gate threads keep 1.5–1.8 cores busy
and take 1.19× the CPU time of one. Processes have no shared GIL. :class:`SegmentPool` cuts the chain's
bonds into contiguous segments, one per process (the calling process runs the first), and every
process runs the gates of its bonds in the order of the schedule, as a dataflow of its own: a gate
waits only for the gates that last wrote its two sites. Where such a gate ran in another process, that
process hands the site over (its tensor and the Schmidt values left of it, which change only with it)
as soon as the gate is done — only at the segment boundaries. At the end of a run every process sends
the calling one the sites and Schmidt values it wrote last, so the engine holds the whole state
between runs (measurements, checkpoints); at the start of the next, each process is sent only the
sites it reads that changed elsewhere.

Every gate is :func:`bond_update` on the inputs of the serial order, on one BLAS thread, so the
results are the bits of a serial run whatever the number of processes and wherever the segments are
cut (``tests/verify/tebd/test_segments.py``). The cuts follow the measured time of every bond's gates in
the run before (the first run: a χ³ estimate), so that every process has the same work.

The worker processes are started with the ``spawn`` method (the same on every platform; a script
that runs TEBD must guard its top level with ``if __name__ == "__main__":``, as for any
``multiprocessing`` code) when the widest bond first reaches :data:`PARALLEL_PROCESS_MIN_DIM`, and
stopped by :meth:`SegmentPool.close` (the engine's ``close``, or when the engine is collected, or
when a run fails). ``QSTT_GATE_PROCESSES`` sets the number of processes (1: threads only, as before).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from verify.tensors import Observable, Split, blas_threads, serial_decompositions, set_core_share, svd_workers

__all__ = ["PARALLEL_PROCESS_MIN_DIM", "PROCESSES_VAR", "GateRun", "SegmentPool", "bond_update", "gate_processes"]

PARALLEL_PROCESS_MIN_DIM: int = 128
"""A layer scheme's gates of charged tensors run on :func:`gate_processes` processes once the widest
bond is at least this wide (below, on threads: :data:`verify.tebd.PARALLEL_BOND_MIN_DIM`). Each run
then sends about half the state between processes (≈ 15 MB in 30–50 ms at χ = 400), which small bonds
do not repay."""

PROCESSES_VAR = "QSTT_GATE_PROCESSES"
"""Environment variable: the number of processes for the gates of a layer scheme (1: threads only)."""

_POLL_SECONDS = 0.5  # how often a blocked process checks that the others are alive


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


def bond_update(
    backend: Any, tensors: Sequence[Any], lam: Sequence[np.ndarray], bond: int, gate: Any, *,
    chi_max: int, trunc: float, observable: Observable | None = None,
) -> Split:
    """One gate of a layer in Vidal's B form: C = U (B_b B_{b+1}), θ = Λ_{b−1} C, truncated split.

    Parameters
    ----------
    backend : TensorBackend
        The tensors' backend (its fused ``update_vidal`` when it has one).
    tensors, lam : sequence
        The site tensors B_i and the Schmidt values Λ_b of every bond.
    bond : int
        b: the gate acts on sites b and b+1.
    gate : object
        The gate in backend form.
    chi_max, trunc : int, float
        The truncation.
    observable : Observable, optional
        Measured in B_b B_{b+1} on the way (fused update only; :meth:`verify.tebd.TEBD.observe`).

    Returns
    -------
    Split
        B_b' (left), B_{b+1}' (right), the new Λ_b (``bond_values``) and the discarded weight.
    """
    left = lam[bond - 1] if bond > 0 else np.ones(1)
    fused = getattr(backend, "update_vidal", None)
    if fused is not None:  # the same three steps in one pass (block-sparse backend)
        return fused(tensors[bond], tensors[bond + 1], gate, left, chi_max=chi_max, trunc=trunc,
                     observable=observable)
    c = backend.apply_gate(gate, backend.two_site(tensors[bond], tensors[bond + 1]))
    return backend.split_vidal(c, left, chi_max=chi_max, trunc=trunc)


@dataclass
class GateRun:
    """The outcome of the gates of one run: per gate (index in the run's sequence) the discarded weight,
    the number of kept values and the seconds it took; per observed bond its values."""

    discarded: dict[int, float] = field(default_factory=dict)
    kept: dict[int, int] = field(default_factory=dict)
    seconds: dict[int, float] = field(default_factory=dict)
    observed: dict[int, tuple[complex, float]] = field(default_factory=dict)

    def update(self, other: GateRun) -> None:
        """Take in another process's gates."""
        for name in ("discarded", "kept", "seconds", "observed"):
            getattr(self, name).update(getattr(other, name))


@dataclass
class _Plan:
    """Who runs which gate, and who needs what a gate writes (one run)."""

    sequence: list[tuple[int, float, int]]
    owner: list[int]
    dependencies: list[list[int]] = field(init=False)
    handoffs: list[dict[int, list[int]]] = field(init=False)  # gate → {process: sites it needs next}
    last_writer: dict[int, int] = field(init=False)  # site → last gate writing it

    def __post_init__(self) -> None:
        self.dependencies, self.last_writer = [], {}
        for b, _, _ in self.sequence:
            self.dependencies.append(sorted({self.last_writer[i] for i in (b, b + 1) if i in self.last_writer}))
            k = len(self.dependencies) - 1
            self.last_writer[b] = self.last_writer[b + 1] = k
        self.handoffs = [{} for _ in self.sequence]
        following: dict[int, int] = {}  # site → the next gate touching it, scanning backwards
        for k in range(len(self.sequence) - 1, -1, -1):
            b = self.sequence[k][0]
            for i in (b, b + 1):
                nxt = following.get(i)
                if nxt is not None and self.owner[nxt] != self.owner[k]:
                    self.handoffs[k].setdefault(self.owner[nxt], []).append(i)
                following[i] = k

    def reads(self, process: int) -> set[int]:
        """The sites whose tensors (and Schmidt values left of them) the process's gates read."""
        return {i for (b, _, _), who in zip(self.sequence, self.owner, strict=True) if who == process
                for i in (b, b + 1)}


def _bundle(tensors: Sequence[Any], lam: Sequence[np.ndarray], site: int) -> tuple[Any, np.ndarray | None]:
    """A site as it travels: its tensor and Λ of the bond left of it (which changes only with it)."""
    return tensors[site], lam[site - 1] if site > 0 else None


def _take(tensors: list[Any], lam: list[np.ndarray], sites: dict[int, tuple[Any, np.ndarray | None]]) -> None:
    for site, (tensor, left) in sites.items():
        tensors[site] = tensor
        if site > 0:
            lam[site - 1] = left


def run_segment(
    process: int, plan: _Plan, state: dict, receive: Callable[[bool], tuple | None],
    send: Callable[[int, tuple], None], run_id: int,
) -> GateRun:
    """The gates of ``plan`` that ``process`` owns, each as soon as its inputs are here (module docstring).

    ``state`` holds ``backend``, ``tensors``, ``lam``, ``gates`` ((bond, weight) → gate), ``chi_max``,
    ``trunc`` and ``observe`` (gate → Observable); ``receive(block)`` returns the next message for this
    process (None when none is waiting and ``block`` is False) and handles the ones that are not
    hand-overs itself; ``send(process, message)`` posts one.
    """
    tensors, lam = state["tensors"], state["lam"]
    arrived: set[int] = set()
    outcome = GateRun()

    def take(message: tuple | None) -> bool:
        if message is None:
            return False
        _, rid, gate_index, sites = message
        if rid != run_id:
            raise RuntimeError(f"gate process {process}: a site of run {rid} arrived during run {run_id}")
        _take(tensors, lam, sites)
        arrived.add(gate_index)
        return True

    pending = [k for k, who in enumerate(plan.owner) if who == process]
    while pending:  # arrived: the gates done here, and those whose sites were handed over
        ready = next((n for n, k in enumerate(pending) if all(j in arrived for j in plan.dependencies[k])), None)
        if ready is None:
            take(receive(True))
            continue
        k = pending.pop(ready)
        b, w, _ = plan.sequence[k]
        start = time.perf_counter()
        split = bond_update(state["backend"], tensors, lam, b, state["gates"][(b, w)], chi_max=state["chi_max"],
                            trunc=state["trunc"], observable=state["observe"].get(k))
        tensors[b], tensors[b + 1] = split.left, split.right
        lam[b] = split.bond_values
        outcome.seconds[k] = time.perf_counter() - start
        outcome.discarded[k], outcome.kept[k] = split.discarded, len(split.singular_values)
        if split.observed is not None:
            outcome.observed[b] = split.observed
        arrived.add(k)
        for other, sites in plan.handoffs[k].items():
            send(other, ("sites", run_id, k, {i: _bundle(tensors, lam, i) for i in sites}))
        while take(receive(False)):
            pass
    return outcome


def _segment_worker(process: int, inboxes: list, parent_pid: int) -> None:
    """A worker process's loop: sync, run, report; stops on ``None`` or when its parent is gone."""
    set_core_share(1)  # one BLAS thread, serial decompositions: the gates' bits
    inbox = inboxes[process]
    state: dict = {"tensors": [], "lam": [], "gates": {}, "observe": {}}

    def receive(block: bool) -> tuple | None:
        while True:
            try:
                return inbox.get(block, _POLL_SECONDS) if block else inbox.get_nowait()
            except queue.Empty:
                if not block:
                    return None
                if os.getppid() != parent_pid:
                    raise SystemExit(0) from None  # the engine's process is gone

    while True:
        message = receive(True)
        if message is None:
            return
        kind, run_id = message[0], message[1]
        try:
            if kind == "setup":
                state.update(message[2])
                continue
            if kind == "sync":
                state["gates"].update(message[3])
                _take(state["tensors"], state["lam"], message[2])
                continue
            # ("run", run_id, sequence, owner, observe, chi_max, trunc)
            plan = _Plan(message[2], message[3])
            state["observe"], state["chi_max"], state["trunc"] = message[4], message[5], message[6]
            with blas_threads(1):
                outcome = run_segment(process, plan, state, receive, lambda p, m: inboxes[p].put(m), run_id)
            tensors, lam = state["tensors"], state["lam"]
            sites = {i: tensors[i] for i, k in plan.last_writer.items() if plan.owner[k] == process}
            written = {b: lam[b] for k, (b, _, _) in enumerate(plan.sequence) if plan.owner[k] == process}
            last_on_bond = {b: k for k, (b, _, _) in enumerate(plan.sequence)}
            values = {b: v for b, v in written.items() if plan.owner[last_on_bond[b]] == process}
            inboxes[0].put(("done", run_id, process, outcome, sites, values))
        except BaseException as error:  # reported to the engine, which raises it
            inboxes[0].put(("error", run_id, process, _portable(error)))


def _portable(error: BaseException) -> BaseException:
    """The error if it pickles, else a RuntimeError with its text (the traceback's last lines)."""
    import pickle

    try:
        pickle.dumps(error)
        return error
    except Exception:
        return RuntimeError("".join(traceback.format_exception_only(type(error), error)).strip())


class SegmentPool:
    """Worker processes for the gates of a layer scheme, and the bookkeeping of who holds which site.

    The calling process is process 0 and runs the first segment itself; processes 1.. are started here
    (module docstring). A pool serves one engine; :meth:`run` is its only way in.

    Parameters
    ----------
    processes : int
        Number of processes including the calling one (≥ 2).
    n_sites : int
        Sites of the chain.
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
        self._inboxes = [context.Queue() for _ in range(processes)]
        self._workers = [
            context.Process(target=_segment_worker, args=(p, self._inboxes, os.getpid()), daemon=True,
                            name=f"qstt-gates-{p}")
            for p in range(1, processes)
        ]
        for worker in self._workers:
            worker.start()
        setup = {"backend": backend, "tensors": [None] * n_sites, "lam": [None] * (n_sites - 1)}
        for p in range(1, processes):
            self._inboxes[p].put(("setup", 0, setup))
        self._held: list[dict[int, tuple[Any, Any]]] = [{} for _ in range(processes)]
        self._gates_sent: list[set] = [set() for _ in range(processes)]
        self._bond_seconds: np.ndarray | None = None
        self._run_id = 0
        self.closed = False

    def __repr__(self) -> str:
        return f"SegmentPool(processes={self.processes}, n_sites={self.n_sites}, closed={self.closed})"

    def close(self) -> None:
        """Stop the worker processes (at once; idempotent)."""
        if self.closed:
            return
        self.closed = True
        for p, worker in enumerate(self._workers, start=1):
            if worker.is_alive():
                try:
                    self._inboxes[p].put(None)
                except (OSError, ValueError):
                    pass
        for worker in self._workers:
            worker.join(timeout=2.0)
            if worker.is_alive():
                worker.terminate()
                worker.join(timeout=2.0)
        for inbox in self._inboxes:
            inbox.close()
            inbox.cancel_join_thread()  # nothing left to deliver: never block the caller's exit on it

    def owners(self, sequence: Sequence[tuple[int, float, int]], bond_costs: np.ndarray) -> list[int]:
        """The process of every gate: the bonds cut into contiguous segments of equal summed cost,
        process 0 the leftmost, every process at least one bond."""
        cumulative = np.cumsum(bond_costs, dtype=float)
        targets = cumulative[-1] * np.arange(1, self.processes) / self.processes
        cuts = np.searchsorted(cumulative, targets, side="right")
        n_bonds = len(bond_costs)
        for j in range(len(cuts)):  # at least one bond each, cuts strictly increasing
            cuts[j] = min(max(cuts[j], (cuts[j - 1] if j else 0) + 1), n_bonds - (len(cuts) - j))
        bond_owner = np.searchsorted(cuts, np.arange(n_bonds), side="right")
        return [int(bond_owner[b]) for b, _, _ in sequence]

    def bond_costs(self, tensors: Sequence[Any], backend: Any) -> np.ndarray:
        """The time of every bond's gates in the last run, or before any run (D_l D_r)^{3/2}, D_l and D_r
        the outer bond dimensions of the bond's two-site tensor."""
        if self._bond_seconds is not None and len(self._bond_seconds) == len(tensors) - 1:
            return self._bond_seconds
        shapes = [backend.shape(a) for a in tensors]
        return np.array([(float(shapes[b][0]) * shapes[b + 1][2]) ** 1.5 + 1.0 for b in range(len(tensors) - 1)])

    def run(self, state: dict, sequence: list[tuple[int, float, int]], observe: dict[int, Observable]) -> GateRun:
        """The gates of ``sequence`` on the pool; ``state`` (``backend``, ``tensors``, ``lam``, ``gates``
        with every gate of the sequence, ``chi_max``, ``trunc``) is updated in place as by the serial order.

        Raises
        ------
        RuntimeError
            When a worker process stopped; a gate's own error is raised as it was raised there. The pool
            is closed either way.
        """
        if self.closed:
            raise RuntimeError("the segment pool is closed")
        try:
            return self._run(state, sequence, observe)
        except BaseException:
            self.close()
            raise

    def _run(self, state: dict, sequence: list[tuple[int, float, int]], observe: dict[int, Observable]) -> GateRun:
        self._run_id += 1
        run_id = self._run_id
        tensors, lam = state["tensors"], state["lam"]
        plan = _Plan(list(sequence), self.owners(sequence, self.bond_costs(tensors, state["backend"])))
        for p in range(1, self.processes):
            self._start(p, plan, state, observe, run_id)
        done: dict[int, tuple] = {}
        receive = self._receiver(done, run_id)
        mine = dict(state, observe={k: o for k, o in observe.items() if plan.owner[k] == 0})
        with serial_decompositions(), blas_threads(1):
            outcome = run_segment(0, plan, mine, receive, lambda p, m: self._inboxes[p].put(m), run_id)
        while len(done) < self.processes - 1:
            receive(True)
        for p in sorted(done):
            theirs, sites, values = done[p]
            outcome.update(theirs)
            for i, tensor in sites.items():
                tensors[i] = tensor
            for b, values_b in values.items():
                lam[b] = values_b
        for p in range(1, self.processes):  # what each worker now holds as the engine does
            for i in plan.reads(p):
                if plan.owner[plan.last_writer[i]] == p:
                    self._held[p][i] = _bundle(tensors, lam, i)
                else:
                    self._held[p].pop(i, None)
        seconds = np.zeros(len(tensors) - 1)
        for k, (b, _, _) in enumerate(sequence):
            seconds[b] += outcome.seconds[k]
        self._bond_seconds = seconds
        return outcome

    def _start(self, p: int, plan: _Plan, state: dict, observe: dict[int, Observable], run_id: int) -> None:
        """Send worker p the sites it reads that it does not hold as they are, its new gates, and the run."""
        tensors, lam = state["tensors"], state["lam"]
        sites = {}
        for i in sorted(plan.reads(p)):
            current, held = _bundle(tensors, lam, i), self._held[p].get(i)
            if held is None or held[0] is not current[0] or held[1] is not current[1]:
                sites[i] = self._held[p][i] = current
        keys = {(b, w) for k, (b, w, _) in enumerate(plan.sequence) if plan.owner[k] == p} - self._gates_sent[p]
        self._gates_sent[p] |= keys
        self._inboxes[p].put(("sync", run_id, sites, {key: state["gates"][key] for key in keys}))
        theirs = {k: o for k, o in observe.items() if plan.owner[k] == p}
        self._inboxes[p].put(("run", run_id, plan.sequence, plan.owner, theirs, state["chi_max"], state["trunc"]))

    def _receiver(self, done: dict[int, tuple], run_id: int) -> Callable[[bool], tuple | None]:
        """receive(block) of process 0: hand-overs are returned, reports kept in ``done``, errors raised."""
        inbox = self._inboxes[0]

        def receive(block: bool) -> tuple | None:
            while True:
                try:
                    message = inbox.get(True, _POLL_SECONDS) if block else inbox.get_nowait()
                except queue.Empty:
                    if not block:
                        return None
                    self._check_workers()
                    continue
                kind = message[0]
                if message[1] != run_id:
                    raise RuntimeError(f"a message of run {message[1]} arrived during run {run_id}")
                if kind == "sites":
                    return message
                if kind == "done":
                    done[message[2]] = message[3:]
                    if not block:
                        continue
                    return None
                raise message[3]  # "error": the worker's exception

        return receive

    def _check_workers(self) -> None:
        for worker in self._workers:
            if not worker.is_alive():
                raise RuntimeError(f"gate process {worker.name} (pid {worker.pid}) stopped with exit code "
                                   f"{worker.exitcode}")
