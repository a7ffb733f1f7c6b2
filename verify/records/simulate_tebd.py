"""TEBD runs of chain models written as run records, with progress, checkpoints and resuming.

* :func:`simulate_tebd` — any chain model (:class:`verify.models.ChainModel` or its parameters:
  :class:`~verify.models.PRXChain`, :class:`~verify.models.XXZChain`, …): the MPS of the model's
  initial-state recipe (:func:`verify.tebd.initial_mps`; for the PRX chain the Slater determinant that
  approximates the ground state of H + H_{V,B}, PRX Eq. 5), evolved with the model's H (PRX Eqs. 2–4)
  by :class:`verify.tebd.TEBD` with one :class:`verify.tebd.TEBDOptions` (PRX Sec. III and the even–odd
  scheme by default), measured on the output grid (:func:`verify.tebd.measure_engine`, PRX Eqs. 9–14; the B form
  of the even–odd scheme as stored, as TeNPy measures it, within the run's truncation error) into one
  :class:`verify.records.Recorder`; the energies of the even bonds of an output come from the first
  layer of the next output's run, which builds the same two-site stacks
  (:func:`verify.tebd.begin_measurement`: the same bits, so checkpoints, stops and resuming, which record
  at once, give the same record);
* :func:`simulate_prx_tebd` — the same for a :class:`~verify.models.PRXChain` with the TEBD options as
  keyword arguments (the signature the package has always had).

A record holds the model's keys (``docs/run_records.md``) plus ``max_bond_dimension``,
``truncation_error`` (accumulated), ``bond_entropy`` (n_t, N − 1) and ``truncation_limited_steps``
(:data:`verify.models.APPROXIMATE_RECORD_KEYS`); its metadata is :func:`verify.records.run_meta`'s plus
``tebd`` (the options and the run's counters), ``initial_state`` (energy, norm, bond dimension and
compression error of the initial MPS), ``resumed_from_step`` and the wall times.

Stopping early
--------------
``stop`` (a callable) is asked after every output after t = 0, with the record so far, whether the run
has told what it was run for — e.g. whether its convergence window against a run at a smaller χ_max can
no longer change (:func:`paper_figs.reversal_analysis.window_final`). When it answers True the run ends
there: the record holds the outputs up to that time and is a record of a run to that time (``meta.t_max``
and ``n_times`` say so; ``meta.stopped`` gives the time and the ``t_max`` asked for). Its outputs are
those of the run to the asked ``t_max``, bit for bit, and its checkpoint (written at the stop) lets a
later call with the same parameters continue it. A run resumed from a checkpoint asks ``stop`` first on
each output the checkpoint holds, so where a run stops does not depend on where an earlier segment ended
(``stop`` must answer True on every longer record once it has on a shorter one).

Threads, cost and determinism
-----------------------------
While the two-site matrices are small (χ d ≤ :data:`verify.tensors.SINGLE_THREAD_MAX_DIM`) every
step and measurement runs with one OpenBLAS thread (:func:`verify.tensors.blas_threads`): threaded
LAPACK on small matrices is up to 12× slower on the 2-core machine. Larger ones use the process
default (``OMP_NUM_THREADS``); on a shared machine ``OMP_NUM_THREADS=1`` was faster at every χ
measured (``benchmarks/tebd_step_time.py``). A run is a deterministic function of its parameters
for a fixed BLAS thread count, which is what bit-for-bit resuming from a checkpoint needs: run long
jobs (and their resumptions) with the same ``OMP_NUM_THREADS``, e.g. 1.

Backends
--------
``backend="charges"`` (the default) stores the tensors block-sparse
(:class:`verify.tensors.BlockSparseBackend`), conserving the charges of the model's initial-state
sector — (N, 2S^z) for a collinear PRX chain, N for a noncollinear one, 2S^z for the XXZ chain
(:func:`verify.tebd.tensor_backend`); ``backend="dense"`` is the same code with no charge (one dense
block per tensor). Both agree to 1e-10 at equal χ (``tests/verify/tensors/test_blocksparse.py``); with the charged
backend N_e and 2S^z stay at 1e-14 at paper scale (N = 75, N_e = 8, t = 20 measured). Without charges
the decompositions do not know the sectors, and under truncation round-off charge noise can grow: at
the paper's N = 75, N_e = 8, δt = 0.1, trunc = 1e-7, ⟨N_e⟩ and 2S^z stay within 1e-14 up to t ≈ 9.5
and then drift together to 3.5e-5 by t = 20 (accumulated truncation error 5.4e-4) — far below the
truncation error and within the tolerances of :mod:`verify.checks`. Checkpoints store the blocks of
the tensors, streamed and compressed (:mod:`verify.records.checkpoint`); a run resumes from them bit
for bit, and holds the checkpoint's lock for its whole duration.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from states.validation import require_bool, require_int
from verify.models import APPROXIMATE_RECORD_KEYS, ChainModel, Measurement, PRXChain, as_chain, validate_cut
from verify.mps import MPS, to_charged_mps
from verify.records import tebd_setup
from verify.records.checkpoint import (
    Checkpoint,
    check_parameters,
    checkpoint_lock,
    load_checkpoint,
    save_checkpoint,
)
from verify.records.recorder import Recorder, run_meta
from verify.records.run import RunResult, output_times
from verify.records.simulate_exact import Progress, check_progress
from verify.records.tebd_setup import MAX_TEBD_STEPS
from verify.tebd import (
    TEBD,
    PendingMeasurement,
    TEBDOptions,
    begin_measurement,
    initial_mps,
    initial_state_report,
    tensor_backend,
)
from verify.tensors import SVD_FLOOR, decomposition_route, svd_workers

__all__ = ["simulate_prx_tebd", "simulate_tebd"]  # the helpers it uses are verify.records.tebd_setup's

_PAPER = TEBDOptions()
"""Defaults of :func:`simulate_prx_tebd`: PRX Sec. III with the even–odd scheme (``PAPER_TEBD``: Eq. 8)."""


class _TEBDRun:
    """One :func:`simulate_tebd` call: the engine, the recorder it feeds and its checkpoints."""

    def __init__(self, chain: ChainModel, options: TEBDOptions, times: np.ndarray, dt_out: float, start: float,
                 checkpoint: str | None, checkpoint_every: int | None) -> None:
        self.chain, self.options, self.times, self.start = chain, options, times, start
        self.n_sub, self.dt_out = tebd_setup.steps_per_output(options.dt, dt_out), float(dt_out)
        self.total_steps = (times.size - 1) * self.n_sub
        self.checkpoint, self.checkpoint_every = checkpoint, checkpoint_every
        self.bonds = chain.bond_hamiltonians()
        self.backend, self.site_charges = tensor_backend(chain, options.backend)
        self.params = {  # what determines the trajectory (checkpoints; no t_max: a run can be extended)
            "model": chain.to_dict(), "dt": options.dt, "dt_out": float(dt_out), "chi_max": options.chi_max,
            "trunc": options.trunc, "order": options.order, "scheme": options.scheme_name, "cut": chain.cut,
        }
        self.recorder = Recorder(chain)
        self.info: dict[str, Any] = {}
        self.earlier_wall = 0.0  # wall time of the segments before a resumption (from the checkpoint)
        self.resumed_from: int | None = None
        self.stop: Callable[[RunResult], bool] | None = None
        self.stopped = False
        self.gate_processes = 1  # the most processes the engine's gates ran on (verify.tebd.segments)
        self.t_max_asked = float(times[-1])
        self.engine: TEBD
        self.pending: tuple[PendingMeasurement, dict] | None = None  # an output waiting for the next run

    # ------------------------------------------------------------------ start
    def begin(self, model: Any, psi0: MPS | None) -> None:
        """Start from the model's initial MPS (or ``psi0``) and record t = 0."""
        if psi0 is None:
            mps, discarded = initial_mps(self.chain)
            report = initial_state_report(model, mps)
            self.info = {"initial_state": {"label": self.chain.initial.label, **report,
                                           "compression_discarded_weight": discarded}}
        else:
            if not isinstance(psi0, MPS):
                raise TypeError(f"psi0 must be an MPS, got {type(psi0).__name__}")
            if tuple(psi0.dims) != self.chain.dims:
                raise ValueError(f"psi0 has local dimensions {tuple(psi0.dims)}, the model needs {self.chain.dims}")
            mps = psi0.copy()
            self.info = {"initial_state": {"label": "psi0", "source": "psi0"}}
        self.engine = TEBD(to_charged_mps(mps, self.backend, self.site_charges), self.bonds, self.options)
        tebd_setup.check_sector(self.chain, self.record().charges)

    def resume(self, stored: Checkpoint, t_max: float) -> None:
        """Continue from a checkpoint of the same parameters (``t_max`` may be later)."""
        check_parameters(tebd_setup.named_scheme(stored.params), self.params, path=self.checkpoint or "")
        record = dict(stored.record)
        missing = [key for key in ("t", *self.chain.record_keys, *APPROXIMATE_RECORD_KEYS) if key not in record]
        if missing:  # e.g. truncation_limited_steps (older checkpoints): zeros would claim χ_max never cut
            raise ValueError(f"{self.checkpoint}: checkpoint record lacks {missing}: it cannot be resumed, rerun it")
        n_t = len(record["t"])
        if stored.steps % self.n_sub or n_t != stored.steps // self.n_sub + 1:
            raise ValueError(
                f"{self.checkpoint}: checkpoint key 'steps' = {stored.steps} does not fit its record of {n_t} "
                f"output times ({self.n_sub} steps each)"
            )
        if stored.steps > self.total_steps:
            raise ValueError(
                f"checkpoint {self.checkpoint} is at t = {stored.steps * self.options.dt:g}, beyond t_max = "
                f"{t_max:g}: nothing to resume"
            )
        info = dict(stored.info)
        info.pop("limited_steps", None)  # the engine's (resume_data), not the record's info
        data = tebd_setup.resume_data(stored)
        try:
            self.engine = TEBD.from_resume_data(data, self.bonds, self.options, backend=self.backend,
                                                site_charges=self.site_charges)
            self.recorder = Recorder.from_arrays(self.chain, record)
        except ValueError as exc:  # tensors or record that do not fit the model
            raise ValueError(f"{self.checkpoint}: checkpoint does not fit the run: {exc}") from None
        self.earlier_wall = float(info.pop("wall_time_s", 0.0))
        self.info, self.resumed_from = info, stored.steps

    # ------------------------------------------------------------------ evolve
    def record(self, *, defer: bool = False) -> Measurement | None:
        """Measure the state at the next output time and feed the recorder; return the measurement.

        With ``defer`` the energies of the engine's leading bonds are left to its next run
        (:func:`verify.tebd.begin_measurement`; the same bits): the measurement is held, the engine asked to
        observe, and :meth:`finish` records it after that run; None is returned.
        """
        engine = self.engine
        previous = (len(self.recorder) - 1) * self.n_sub  # step count of the previous output
        pending = begin_measurement(engine, self.chain, t=float(self.times[len(self.recorder)]), bonds=self.bonds)
        row = {"max_bond_dimension": engine.mps.max_bond_dimension(), "truncation_error": engine.truncation_error,
               "truncation_limited_steps": sum(1 for k in engine.limited_steps if k > previous)}
        if defer:
            engine.observe(pending.requests())
            self.pending = (pending, row)
            return None
        return self._add(pending.complete(), row)

    def finish(self) -> None:
        """Record the held measurement (:meth:`record`) with what the engine's run since observed."""
        if self.pending is not None:
            (pending, row), self.pending = self.pending, None
            self._add(pending.complete(self.engine), row)

    def _add(self, m: Measurement, row: dict[str, Any]) -> Measurement:
        self.recorder.add_measurement(m, bond_entropy=m.bond_entropy, **row)
        return m

    def save(self) -> None:
        """Write the checkpoint atomically: the engine's resume data and the record so far."""
        data = self.engine.resume_data(dense=False)  # the blocks as they are: nothing densified
        info = {**self.info, "limited_steps": data.limited_steps,
                "wall_time_s": self.earlier_wall + time.perf_counter() - self.start}
        save_checkpoint(self.checkpoint, Checkpoint(
            self.params, data.steps, data.truncation_error, data.tensors, data.center, self.recorder.arrays(), info,
            bond_values=data.bond_values,
        ))

    def evolve(self, progress: Progress | None) -> None:
        """Run to the last output time, recording at every output time and checkpointing as asked.

        Each call of the engine runs up to the next output time, so steps merge at their boundaries
        (:func:`verify.tebd.trotter.step_sequence`); chunks end only at output times, so neither
        checkpointing nor resuming changes the trajectory.
        """
        engine = self.engine
        label = getattr(progress, "label", None) if progress is not None else None
        last_written = engine.steps if self.resumed_from is not None else -1
        while engine.steps < self.total_steps:
            n_steps = min(self.n_sub - engine.steps % self.n_sub, self.total_steps - engine.steps)
            after = engine.steps + n_steps  # the next run, for gate processes to start at once
            engine.run(n_steps, then=min(self.n_sub - after % self.n_sub, self.total_steps - after))
            self.gate_processes = max(self.gate_processes, engine.processes)
            self.finish()  # the previous output, with the energies this run observed
            every = self.checkpoint_every
            save_due = every is not None and engine.steps - max(last_written, 0) >= every
            if engine.steps % self.n_sub == 0:
                # defer the leading bonds' energies to the next run unless a checkpoint, a stop or the
                # end needs this output recorded now (the values are the same bits either way)
                self.record(defer=self.stop is None and not save_due and engine.steps < self.total_steps)
                self.stopped = self.stop is not None and self._stop_now()
            if save_due:
                self.save()
                last_written = engine.steps
            if progress is not None:
                if isinstance(label, str):
                    progress.label = (  # type: ignore[attr-defined]
                        f"{self.chain.kind} tebd t={engine.steps * self.options.dt:.2f}/{self.times[-1]:g} "
                        f"chi={engine.mps.max_bond_dimension()} trunc={engine.truncation_error:.1e}"
                    )
                progress(engine.steps / self.total_steps)
            if self.stopped:
                break
        if self.checkpoint is not None and last_written != engine.steps:
            self.save()
        if progress is not None and self.total_steps == 0:
            progress(1.0)

    def _stop_now(self, record: RunResult | None = None) -> bool:
        """Ask ``stop`` with ``record`` (default the record so far); a bool answer is required: a typo
        returning None must not silently run on or stop."""
        record = self.result(self.t_max_asked, self.dt_out) if record is None else record
        answer = self.stop(record)  # type: ignore[misc]
        if not isinstance(answer, (bool, np.bool_)):
            raise TypeError(f"stop must return a bool, got {type(answer).__name__}")
        return bool(answer)

    def stop_in_stored(self) -> None:
        """After resuming: ask ``stop`` on each output the checkpoint holds (after t = 0), in order, with the
        record a run to that output would have (its arrays, grid and ``tebd`` counters), and at the first
        True keep that record and stop without stepping."""
        if self.stop is None:
            return
        whole = self.recorder
        arrays = whole.arrays()
        try:
            for n in range(2, len(whole) + 1):
                self.recorder = Recorder.from_arrays(self.chain, {key: value[:n] for key, value in arrays.items()})
                if self._stop_now():
                    self.stopped = True
                    return
        finally:
            if not self.stopped:  # the whole record back, also when stop raised
                self.recorder = whole

    # ------------------------------------------------------------------ record
    def tebd_meta(self) -> dict[str, Any]:
        """The ``tebd`` entry of the metadata (``docs/run_records.md``)."""
        engine, options = self.engine, self.options
        # the record's last output: before the engine's for a resumed run stopped inside the stored outputs
        steps = (len(self.recorder) - 1) * self.n_sub
        limited = [k for k in engine.limited_steps if k <= steps]
        arrays = self.recorder.arrays()
        last = {key: arrays[key][-1] for key in ("truncation_error", "max_bond_dimension")}
        return {
            "dt": options.dt, "chi_max": options.chi_max, "trunc": options.trunc, "order": options.order,
            "scheme": options.scheme_name, "steps": steps, "svd_floor": SVD_FLOOR,
            "final_truncation_error": float(last["truncation_error"]),
            "final_max_bond_dimension": int(last["max_bond_dimension"]),
            "blas_threads": os.environ.get("OMP_NUM_THREADS") or os.environ.get("OPENBLAS_NUM_THREADS"),
            "backend": options.backend,
            "charges": list(self.backend.charges),  # names of the conserved block labels, [] for dense
            "svd_threads": svd_workers(),
            "gate_processes": self.gate_processes,
            "decomposition": decomposition_route(options.trunc),  # which route gave the Schmidt values
            "n_truncation_limited_steps": len(limited),
            "peak_rss_mb": tebd_setup.peak_rss_mb(),
            "truncation_limited_steps": tebd_setup.step_ranges(limited),
        }

    def result(self, t_max: float, dt_out: float) -> RunResult:
        """The run record so far, a record of a run to its last output (a stopped run's ``meta.stopped``
        names the ``t_max`` asked for); ``wall_time_s`` covers every segment of a resumed run."""
        n_done = len(self.recorder)
        times = self.times[:n_done]
        extra = {"stopped": {"t": float(times[-1]), "t_max_asked": float(t_max)}} if n_done < self.times.size else {}
        meta = run_meta(
            self.chain, method="tebd", times=times, t_max=float(times[-1]) if extra else t_max, dt_out=dt_out,
            cut=self.chain.cut,
            tebd=self.tebd_meta(), resumed_from_step=self.resumed_from, **self.info, **extra,
        )
        meta["wall_time_segment_s"] = time.perf_counter() - self.start
        return self.recorder.result(meta, wall_start=self.start - self.earlier_wall)


def simulate_tebd(
    model: Any,
    *,
    t_max: float,
    dt_out: float,
    options: TEBDOptions | None = None,
    cut: int | None = None,
    progress: Progress | None = None,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int | None = None,
    resume: bool = False,
    psi0: MPS | None = None,
    max_steps: int = MAX_TEBD_STEPS,
    stop: Callable[[RunResult], bool] | None = None,
) -> RunResult:
    """TEBD evolution of a chain model from its initial state, written as a run record (module docstring).

    Parameters
    ----------
    model : ChainModel or parameter object
        E.g. :class:`~verify.models.PRXChain`, :class:`~verify.models.XXZChain`.
    t_max, dt_out : float
        Final time and output spacing (the model's time unit, ħ/γ for the PRX chain); output grid as
        :func:`verify.records.output_times`; ``dt_out`` must be an integer multiple of ``options.dt``.
    options : TEBDOptions, optional
        δt, χ_max, truncation, Trotter order and scheme, backend (default ``TEBDOptions()``: the even–odd
        scheme, δt = 0.1, χ_max = 400, trunc = 1e-7, block-sparse tensors; ``verify.tebd.PAPER_TEBD``
        for the paper's PRX Eq. 8).
    cut : int, optional
        Entropy subsystem = sites 1..cut (1-based); default the model's ((N + 1)//2).
    progress : callable, optional
        Called as ``progress(fraction)`` after every step. If it has a writable ``label`` attribute
        (``verify.cli.TerminalProgress``), the label is set to the current time, χ and accumulated
        truncation error.
    checkpoint : path, optional
        Checkpoint file (.npz, :mod:`verify.records.checkpoint`), written atomically at the first
        output time after every ``checkpoint_every`` steps, and at the end. Without ``resume`` an
        existing file is refused (it would be overwritten). The path is checked before any work by
        :func:`verify.records.check_output_path` (the rule of the command line's ``--out``), and the
        run holds its lock (:func:`verify.records.checkpoint_lock`) throughout: a second run on the
        same checkpoint is refused while the first one lives.
    checkpoint_every : int, optional
        Steps between checkpoints (default: only at the end).
    resume : bool
        Continue from ``checkpoint`` (if it exists; otherwise start afresh). The parameters must
        equal the stored ones except ``t_max``, which may be later (extension), and ``backend``. The
        resumed record equals an uninterrupted run's bit for bit when BLAS is deterministic (one
        thread: ``OMP_NUM_THREADS=1``; ``tests/verify/records/test_checkpoint.py``) and the backend
        is the same; resuming with another backend is allowed (the state is re-decomposed into its
        blocks) and agrees to round-off only (measured 6e-15), and the meta names the new backend.
    psi0 : MPS, optional
        Initial state replacing the model's (tests: the exact initial state as an MPS). Not allowed
        together with ``checkpoint``. Like the model's, it must lie in the model's sector.
    max_steps : int
        Most Trotter steps the run may take (default :data:`MAX_TEBD_STEPS` = 10⁶), checked before
        anything is built; raise it for a longer run.
    stop : callable, optional
        ``stop(record)`` is called after every output after t = 0 with the record so far and must return
        a bool; True ends the run there (module docstring, *Stopping early*; a resumed run asks it on the
        checkpoint's outputs first).

    Returns
    -------
    RunResult

    Raises
    ------
    TypeError
        For a model that is not a chain model, options that are not a :class:`TEBDOptions`, a
        ``progress`` or ``stop`` neither None nor callable, a ``stop`` that returns no bool, or
        arguments of the wrong type.
    ValueError
        For a bad time grid or cut, ``dt_out`` not a multiple of δt, more than ``max_steps`` Trotter
        steps, inconsistent checkpoint options or a bad checkpoint path, a checkpoint of other
        parameters, a ``psi0`` of other local dimensions, or an initial state outside the model's
        sector (:func:`check_sector`).
    """
    start = time.perf_counter()
    options = TEBDOptions() if options is None else options
    if not isinstance(options, TEBDOptions):
        raise TypeError(f"options must be a TEBDOptions, got {type(options).__name__}")
    times = output_times(t_max, dt_out)
    tebd_setup.trotter_steps(times, options.dt, float(dt_out), require_int("max_steps", max_steps, minimum=0))
    progress = check_progress(progress)
    if stop is not None and not callable(stop):
        raise TypeError(f"stop must be None or a callable stop(record) -> bool, got {stop!r}")
    resume = require_bool("resume", resume)
    every = tebd_setup.checkpoint_every_option(checkpoint, checkpoint_every, resume, psi0)
    chain = as_chain(model)
    cut = validate_cut(chain.cut if cut is None else cut, chain.n_sites)
    if cut != chain.cut:
        chain = dataclasses.replace(chain, cut=cut)
    path = None if checkpoint is None else os.fspath(checkpoint)
    run = _TEBDRun(chain, options, times, dt_out, start, path, every)
    run.stop, run.t_max_asked = stop, float(t_max)
    with contextlib.nullcontext() if path is None else checkpoint_lock(path):  # one run per checkpoint
        if resume and path is not None and os.path.exists(path):
            run.resume(load_checkpoint(path), t_max)
            run.stop_in_stored()
        else:
            run.begin(model, psi0)
        if not run.stopped:
            try:
                run.evolve(progress)
            finally:
                run.engine.close()  # its gate processes, if any: at once, not when the engine is collected
    return run.result(t_max, dt_out)


def simulate_prx_tebd(
    model: PRXChain,
    *,
    t_max: float,
    dt_out: float,
    dt: float = _PAPER.dt,
    chi_max: int = _PAPER.chi_max,
    trunc: float = _PAPER.trunc,
    order: int = _PAPER.order,
    cut: int | None = None,
    progress: Progress | None = None,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int | None = None,
    resume: bool = False,
    scheme: str | None = _PAPER.scheme,
    psi0: MPS | None = None,
    backend: str = _PAPER.backend,
    max_steps: int = MAX_TEBD_STEPS,
    stop: Callable[[RunResult], bool] | None = None,
) -> RunResult:
    """TEBD evolution of the PRX chain (PRX Secs. II–III, VII) with the exact evolver's record keys.

    The initial state is the Slater-determinant MPS of :func:`verify.tebd.initial_mps` (the ground
    state of H + H_{V,B} of PRX Eq. 5 up to the well's tail on the FM region); for t ≥ 0 the state is
    evolved with H = H_e + H_spins + H_e-spins (Eqs. 2–4) by the Trotter schedule of ``order`` and
    ``scheme`` (even–odd or PRX Eq. 8 at order 2), truncating every SVD to discarded weight ``trunc``
    and at most ``chi_max`` states.
    :func:`simulate_tebd` with ``TEBDOptions(dt, chi_max, trunc, order, scheme, backend)``.

    Parameters
    ----------
    model : PRXChain
    t_max, dt_out : float
        Final time and output spacing (ħ/γ); ``dt_out`` must be an integer multiple of ``dt``.
    dt, chi_max, trunc, order, scheme, backend
        The fields of :class:`verify.tebd.TEBDOptions`, defaults the paper's (δt = 0.1, χ_max = 400,
        trunc = 1e-7, order 2; scheme ``"even-odd"`` (default) or ``"prx"`` (PRX Eq. 8) at order 2,
        ``"forest-ruth"``/``"suzuki"`` at order 4; block-sparse tensors conserving (N, 2S^z) for a
        collinear model and N for a noncollinear one).
    cut, progress, checkpoint, checkpoint_every, resume, psi0, max_steps, stop
        As in :func:`simulate_tebd`.

    Returns
    -------
    RunResult
        Keys of ``docs/run_records.md`` plus ``max_bond_dimension``, ``truncation_error``
        (accumulated), ``bond_entropy`` (n_t, N−1) and ``truncation_limited_steps``; meta adds the TEBD
        parameters, the initial state's energy and compression error, and ``resumed_from_step``.

    Raises
    ------
    TypeError
        Unless ``model`` is a :class:`~verify.models.PRXChain`; for parameters of the wrong type.
    """
    if not isinstance(model, PRXChain):
        raise TypeError(f"model must be a PRXChain, got {type(model).__name__}")
    options = TEBDOptions(dt=dt, chi_max=chi_max, trunc=trunc, order=order, scheme=scheme, backend=backend)
    return simulate_tebd(
        model, t_max=t_max, dt_out=dt_out, options=options, cut=cut, progress=progress, checkpoint=checkpoint,
        checkpoint_every=checkpoint_every, resume=resume, psi0=psi0, max_steps=max_steps, stop=stop,
    )
