"""One process's share of a stream of TEBD runs: the gates of its bonds, each once its sites are here.

A *stream* is a sequence of equal runs of a layer scheme (``n`` steps each; the user's run makes one per
output) whose gates are shared out by bond among processes (:mod:`verify.tebd.segments`). Its plan
(:class:`StreamPlan`) is the schedule of one run, read cyclically: a site's next reader after its last
writer of a run is its first reader of the next run. :class:`Segment` runs one process's gates of every
run it is granted, each as soon as the gates that last wrote its two sites are done — here, or in
another process, which then hands the site over (its tensor and the Schmidt values left of it, which
change only with it) as soon as it has written it. So a process can start the next run's gates far from
the segment's ends while another still finishes this one, and the gates of every run see exactly the
inputs of the serial order: :func:`bond_update` on one BLAS thread gives the serial bits.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from verify.tensors import RestrictedOperator, RowValues, Split

__all__ = ["Bundle", "GateRun", "Segment", "StreamPlan", "bond_update", "place_sites", "site_bundle"]

Bundle = tuple[Any, "np.ndarray | None"]
"""A site as it travels: its tensor and Λ of the bond left of it (None for site 0)."""


def bond_update(
    backend: Any, tensors: Sequence[Any], lam: Sequence[np.ndarray], bond: int, gate: Any, *,
    chi_max: int, trunc: float, measure_rows: RestrictedOperator | None = None,
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
    measure_rows : (dict, dict), optional
        An operator M restricted by total charge, whose rows (:data:`verify.tensors.RowValues`) in
        B_b B_{b+1} are measured on the way (fused update only; :meth:`verify.tebd.TEBD.observe`).

    Returns
    -------
    Split
        B_b' (left), B_{b+1}' (right), the new Λ_b (``bond_values``) and the discarded weight.
    """
    left = lam[bond - 1] if bond > 0 else np.ones(1)
    fused = getattr(backend, "update_vidal", None)
    if fused is not None:  # the same three steps in one pass (block-sparse backend)
        return fused(tensors[bond], tensors[bond + 1], gate, left, chi_max=chi_max, trunc=trunc,
                     measure_rows=measure_rows)
    c = backend.apply_gate(gate, backend.two_site(tensors[bond], tensors[bond + 1]))
    return backend.split_vidal(c, left, chi_max=chi_max, trunc=trunc)


class GateRun:
    """One process's gates of one run (or, merged with :meth:`update`, all of them).

    Attributes
    ----------
    discarded : dict of int to float
        The discarded weight of every gate (keyed by its index in the run's sequence).
    kept : dict of int to int
        The number of values every gate kept.
    seconds : dict of int to float
        The time every gate took.
    observed : dict of int to RowValues
        The rows observed by every observing gate, by its bond (:meth:`verify.tebd.TEBD.observe`).
    sites : dict of int to tensor
        The sites whose last writer in the run these gates were: their tensors.
    values : dict of int to ndarray
        The bonds whose last gate in the run these were: their Schmidt values.
    """

    __slots__ = ("discarded", "kept", "observed", "seconds", "sites", "values")

    def __init__(self) -> None:
        self.discarded: dict[int, float] = {}
        self.kept: dict[int, int] = {}
        self.seconds: dict[int, float] = {}
        self.observed: dict[int, RowValues] = {}
        self.sites: dict[int, Any] = {}
        self.values: dict[int, np.ndarray] = {}

    def update(self, other: GateRun) -> None:
        """Take in another process's gates."""
        for name in self.__slots__:
            getattr(self, name).update(getattr(other, name))


class StreamPlan:
    """The gates of one run, who runs them, and who needs what each writes (in this run or the next).

    Parameters
    ----------
    sequence : list of (bond, weight, step)
        The run's gates in the serial order (:func:`verify.tebd.trotter.step_sequence`).
    owner : list of int
        The process of every gate.
    """

    def __init__(self, sequence: Sequence[tuple[int, float, int]], owner: Sequence[int]) -> None:
        self.sequence, self.owner = list(sequence), list(owner)
        if len(self.sequence) != len(self.owner):
            raise ValueError(f"{len(self.sequence)} gates but {len(self.owner)} owners")
        self.dependencies: list[list[int]] = []  # within the run
        self.last_writer: dict[int, int] = {}  # site → its last gate in the run
        self.first_reader: dict[int, int] = {}  # site → its first gate in the run
        self.last_on_bond: dict[int, int] = {}  # bond → its last gate in the run
        for k, (b, _, _) in enumerate(self.sequence):
            self.dependencies.append(sorted({self.last_writer[i] for i in (b, b + 1) if i in self.last_writer}))
            for i in (b, b + 1):
                self.first_reader.setdefault(i, k)
                self.last_writer[i] = k
            self.last_on_bond[b] = k
        # gate k → {process: [sites]}: who reads what it writes next (in this run or, after a site's last
        # writer, the next run), where that is another process
        self.handoffs: list[dict[int, list[int]]] = [{} for _ in self.sequence]
        following: dict[int, int] = {}
        for k in range(len(self.sequence) - 1, -1, -1):
            b = self.sequence[k][0]
            for i in (b, b + 1):
                nxt = following.get(i, self.first_reader[i])  # after the last writer: the next run's first
                if self.owner[nxt] != self.owner[k]:
                    self.handoffs[k].setdefault(self.owner[nxt], []).append(i)
                following[i] = k

    def gates_of(self, process: int) -> list[int]:
        """The process's gates, in the serial order."""
        return [k for k, who in enumerate(self.owner) if who == process]

    def reads(self, process: int) -> set[int]:
        """The sites whose tensors (and Schmidt values left of them) the process's gates read."""
        return {i for k in self.gates_of(process) for i in (self.sequence[k][0], self.sequence[k][0] + 1)}

    def waits_for(self, run: int, k: int, first_run: int) -> list[tuple[int, int]]:
        """(run, gate) of the gates that last wrote gate k's sites before it: in the same run, or for a
        site not written earlier in it, the previous run's last writer (none in the stream's first run)."""
        b = self.sequence[k][0]
        waits = [(run, j) for j in self.dependencies[k]]
        if run > first_run:
            waits += [(run - 1, self.last_writer[i]) for i in (b, b + 1) if self.first_reader[i] == k]
        return waits


def site_bundle(tensors: Sequence[Any], lam: Sequence[np.ndarray], site: int) -> Bundle:
    """A site as it travels (:data:`Bundle`)."""
    return tensors[site], lam[site - 1] if site > 0 else None


def place_sites(tensors: list[Any], lam: list[np.ndarray], sites: dict[int, Bundle]) -> None:
    """Put sites that travelled in place."""
    for site, (tensor, left) in sites.items():
        tensors[site] = tensor
        if site > 0:
            lam[site - 1] = left


class Segment:
    """One process's gates of a stream (module docstring).

    Parameters
    ----------
    process : int
        This process.
    plan : StreamPlan
    first_run : int
        The number of the stream's first run (runs are numbered on, one per run).
    state : dict
        ``backend``, ``tensors`` and ``lam`` (lists, updated in place), ``gates`` ((bond, weight) → gate),
        ``chi_max``, ``trunc``.
    send : callable
        ``send(process, message)``: posts a hand-over ``("sites", run, gate, {site: Bundle})``.
    finished : callable
        ``finished(run, GateRun)``, called when this process's last gate of a run is done.
    """

    def __init__(self, process: int, plan: StreamPlan, first_run: int, state: dict,
                 send: Callable[[int, tuple], None], finished: Callable[[int, GateRun], None]) -> None:
        self.process, self.plan, self.first_run, self.state = process, plan, first_run, state
        self.send, self.finished = send, finished
        self.mine = plan.gates_of(process)
        self.arrived: set[tuple[int, int]] = set()  # (run, gate) done here or handed over
        self.pending: list[tuple[int, int]] = []  # granted, not run, in the serial order
        self.left: dict[int, int] = {}  # run → own gates not yet run
        self.outcomes: dict[int, GateRun] = {}
        self.observe: dict[int, dict[int, RestrictedOperator]] = {}

    def grant(self, run: int, observe: dict[int, RestrictedOperator] | None = None) -> None:
        """Allow this process to run its gates of ``run``, measuring the rows of ``observe`` (gate → an
        operator restricted by total charge, :func:`bond_update`)."""
        if run in self.left or run < self.first_run:
            raise ValueError(f"run {run} was granted already or is before the stream's first run {self.first_run}")
        self.pending.extend((run, k) for k in self.mine)
        self.left[run], self.outcomes[run], self.observe[run] = len(self.mine), GateRun(), dict(observe or {})
        if not self.mine:
            self._finish(run)

    def take(self, message: tuple) -> None:
        """A hand-over ``("sites", run, gate, sites)``: the sites in place, the gate marked done."""
        _, run, k, sites = message
        place_sites(self.state["tensors"], self.state["lam"], sites)
        self.arrived.add((run, k))

    def step(self) -> bool:
        """Run the first granted gate whose inputs are here; False when none is ready."""
        for n, (run, k) in enumerate(self.pending):
            if all(wait in self.arrived for wait in self.plan.waits_for(run, k, self.first_run)):
                del self.pending[n]
                self._run_gate(run, k)
                return True
        return False

    def busy(self, run: int) -> bool:
        """Whether this process still has gates of ``run`` to do."""
        return run in self.left

    def _run_gate(self, run: int, k: int) -> None:
        state, plan = self.state, self.plan
        tensors, lam = state["tensors"], state["lam"]
        b, w, _ = plan.sequence[k]
        start = time.perf_counter()
        split = bond_update(state["backend"], tensors, lam, b, state["gates"][(b, w)], chi_max=state["chi_max"],
                            trunc=state["trunc"], measure_rows=self.observe[run].get(k))
        tensors[b], tensors[b + 1] = split.left, split.right
        lam[b] = split.bond_values
        outcome = self.outcomes[run]
        outcome.seconds[k] = time.perf_counter() - start
        outcome.discarded[k], outcome.kept[k] = split.discarded, len(split.singular_values)
        if split.observed is not None:
            outcome.observed[b] = split.observed
        for i in (b, b + 1):  # the run's last versions (a later run may overwrite them before it ends)
            if plan.last_writer[i] == k:
                outcome.sites[i] = tensors[i]
        if plan.last_on_bond[b] == k:
            outcome.values[b] = lam[b]
        self.arrived.add((run, k))
        for other, sites in plan.handoffs[k].items():
            self.send(other, ("sites", run, k, {i: site_bundle(tensors, lam, i) for i in sites}))
        self.left[run] -= 1
        if self.left[run] == 0:
            self._finish(run)

    def _finish(self, run: int) -> None:
        del self.left[run], self.observe[run]
        self.finished(run, self.outcomes.pop(run))
        # what later runs wait for from this run is kept; what is two runs old is not needed again
        self.arrived = {(r, k) for r, k in self.arrived if r >= run}
