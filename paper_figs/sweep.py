"""Parameter sweeps on any :class:`concurrent.futures.Executor`, and the evolver runs they are made of.

A figure's sweep (pair states, packet distances d, phases θ, electron numbers N_e, chain lengths
N_FM) is a list of independent tasks. :func:`map_tasks` runs them

* inline when ``executor`` is None (``--jobs 1``), or
* with ``executor.submit`` and ``Future.result`` — the only two methods used — so any
  ``concurrent.futures.Executor`` works unchanged: the local ``ProcessPoolExecutor`` of
  :func:`make_executor` (``--jobs J``), ``dask.distributed.Client(...).get_executor()``, or
  ``mpi4py.futures.MPIPoolExecutor()`` (:mod:`paper_figs.executors` makes these for the command line's
  ``--jobs``, ``--scheduler`` and ``--mpi``). Tasks are module-level functions with picklable arguments
  (frozen model dataclasses), so they can be shipped to other processes or machines; each task first
  takes its worker's share of the cores (:func:`paper_figs.executors.enter_worker`).

Evolver runs are described by :class:`RunSpec` and executed by :func:`execute_run` in the worker.
:func:`run_records` looks every spec up in the active run cache (:func:`paper_figs.cache.run_cache`)
in the calling process first, so only missing runs are sent to the executor, and stores what comes
back. The evolvers are imported inside the worker function, only when a run is needed.

:func:`sweep_options` sets, for the runs started inside it, the directory the workers write TEBD
checkpoints to (it must be visible to them: a shared file system for workers on other machines) and
a callback told on the client as each run finishes (:func:`print_run_done` prints one line).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, as_completed
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from paper_figs.cache import active_run_cache, json_default, params_hash
from paper_figs.executors import enter_worker, make_executor, thread_report
from verify.models import PairOnRing, PRXChain
from verify.records.run import RunResult, load_run

__all__ = [
    "RUN_KINDS",
    "STOP_OPTION",
    "RunSpec",
    "StderrProgress",
    "discard_checkpoints",
    "execute_run",
    "make_executor",
    "map_tasks",
    "print_run_done",
    "run_records",
    "stop_option",
    "stop_reference",
    "sweep_options",
]

T = TypeVar("T")
R = TypeVar("R")

RUN_KINDS = ("pair", "prx-exact", "prx-tebd")
"""Evolvers a :class:`RunSpec` can name: ``verify.records.simulate_pair``,
``verify.records.simulate_prx_exact``, ``verify.records.simulate_prx_tebd``."""

RunDone = Callable[[int, int, "RunSpec", "RunResult | None", "BaseException | None"], None]
"""Progress callback ``(done, total, spec, record, error)``, called on the client as each run finishes."""

_OPTIONS: ContextVar[tuple[str | None, RunDone | None]] = ContextVar("paper_figs_sweep_options", default=(None, None))


@dataclass(frozen=True)
class RunSpec:
    """One evolver run: which evolver, which model, which options.

    Attributes
    ----------
    kind : {"pair", "prx-exact", "prx-tebd"}
    model : PairOnRing or PRXChain
    options : tuple of (name, value) pairs
        Keyword arguments of the evolver (``pair``, ``theta``, ``t_max``, ``dt_out``, ``cut``, ``chi_max`` ...),
        stored as sorted pairs so that the spec is hashable and its key canonical.
    """

    kind: str
    model: PairOnRing | PRXChain
    options: tuple[tuple[str, Any], ...] = field(default=())

    def __post_init__(self) -> None:
        if self.kind not in RUN_KINDS:
            raise ValueError(f"unknown run kind {self.kind!r}: use one of {list(RUN_KINDS)}")
        expected = PairOnRing if self.kind == "pair" else PRXChain
        if not isinstance(self.model, expected):
            raise ValueError(f"a {self.kind!r} run needs a {expected.__name__}, got {type(self.model).__name__}")
        object.__setattr__(self, "options", tuple(sorted(self.options)))

    @classmethod
    def make(cls, kind: str, model: PairOnRing | PRXChain, **options: Any) -> RunSpec:
        """Build a spec from keyword options (None values are dropped: the evolver's default applies)."""
        return cls(kind, model, tuple((k, v) for k, v in options.items() if v is not None))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready description (kind, model parameters, options)."""
        return {"kind": self.kind, "model": self.model.to_dict(), "options": dict(self.options)}

    def key(self) -> str:
        """Cache key: ``<kind>-<hash of the description and the package version>``."""
        text = json.loads(json.dumps(self.as_dict(), default=json_default))
        return f"{self.kind}-{params_hash(text)[:20]}"

    def trajectory_key(self) -> str:
        """The key of the same run without :data:`STOP_OPTION` (:meth:`key` for a run without it).

        Runs that differ only in where they stop follow one trajectory and share its checkpoint, so a
        stopped run is continued by the run without the stop.
        """
        if STOP_OPTION not in dict(self.options):
            return self.key()
        return RunSpec(self.kind, self.model, tuple(o for o in self.options if o[0] != STOP_OPTION)).key()


class StderrProgress:
    """Picklable progress callback for long runs: one stderr line every ``step`` of the run (and at the end)."""

    def __init__(self, name: str, step: float = 0.05) -> None:
        self.name = name
        self.step = step
        self.label = ""
        self._next = step
        self._start = time.perf_counter()

    def __call__(self, fraction: float) -> None:
        if fraction + 1e-12 >= self._next or fraction >= 1.0:
            elapsed = time.perf_counter() - self._start
            print(f"  {self.name}: {100 * fraction:5.1f}% after {elapsed:7.0f} s {self.label}", file=sys.stderr,
                  flush=True)
            while self._next <= fraction + 1e-12:
                self._next += self.step


TEBD_CHECKPOINT_EVERY = 50
"""Trotter steps between TEBD checkpoints (5 ħ/γ at δt = 0.1)."""

STOP_OPTION = "stop_against"
"""TEBD run option, ``"<run key>@<rule digest>"`` (:func:`stop_option`): the run stops after the first
output at which its converged window against the run of that key (the same point at a smaller χ_max) is
final (:func:`paper_figs.reversal_analysis.window_final`); the record of that run goes with the spec
(``references`` of :func:`run_records`). The digest of the rule's sources makes the option, and so the
cache key, change with the rule."""


def stop_option(reference_key: str) -> str:
    """The :data:`STOP_OPTION` value of a run that stops against another.

    Parameters
    ----------
    reference_key : str
        :meth:`RunSpec.key` of the run at the smaller χ_max (the same point).

    Returns
    -------
    str
        ``"<reference_key>@<paper_figs.reversal_analysis.window_rule_digest()>"``.
    """
    from paper_figs.reversal_analysis import window_rule_digest

    return f"{reference_key}@{window_rule_digest()}"


def stop_reference(spec: RunSpec) -> str | None:
    """The key of the run that ``spec`` stops against.

    Parameters
    ----------
    spec : RunSpec

    Returns
    -------
    str or None
        The run key of its :data:`STOP_OPTION`, None for a run that does not stop early.
    """
    value = dict(spec.options).get(STOP_OPTION)
    return None if value is None else str(value).split("@")[0]


def execute_run(spec: RunSpec, checkpoint_dir: str | None = None, reference: RunResult | None = None) -> RunResult:
    """Run one evolver (called in the worker). The run's description is added to ``meta['run_spec']``,
    the threads the worker could keep busy (:func:`paper_figs.executors.thread_report`) to
    ``meta['worker_threads']``.

    TEBD runs report progress on stderr and, when ``checkpoint_dir`` is given, write a checkpoint
    ``<checkpoint_dir>/<trajectory key>.ckpt.npz`` every :data:`TEBD_CHECKPOINT_EVERY` steps and resume
    from it, so an interrupted full-size build continues where it stopped; the checkpoint of a finished
    run is removed (its record is cached by the client, and ``--refresh`` must recompute, not resume),
    that of a run stopped by :data:`STOP_OPTION` kept (the run without the stop continues it).

    Raises
    ------
    ValueError
        For a :data:`STOP_OPTION` on a run that is not TEBD, or whose ``reference`` is missing, another
        run, or a run that stopped early itself.
    """
    enter_worker()
    options = dict(spec.options)
    stop_against = stop_reference(spec)
    options.pop(STOP_OPTION, None)
    if stop_against is not None:
        if spec.kind != "prx-tebd":
            raise ValueError(f"{spec.key()}: only TEBD runs can stop early ({STOP_OPTION}), not {spec.kind!r} runs")
        if reference is None or reference.meta.get("run_key") != stop_against:
            raise ValueError(f"{spec.key()}: stops against run {stop_against}, but that record was not given")
        if "stopped" in reference.meta:  # its horizon would end where it stopped
            raise ValueError(f"{spec.key()}: cannot stop against run {stop_against}, which itself stopped early")
    start = time.perf_counter()
    if spec.kind == "pair":
        from verify.records import simulate_pair

        pair = options.pop("pair")
        result = simulate_pair(spec.model, pair, **options)
    elif spec.kind == "prx-exact":
        from verify.records import simulate_prx_exact

        result = simulate_prx_exact(spec.model, **options)
    else:
        from verify.records import simulate_prx_tebd

        m = spec.model
        options["progress"] = StderrProgress(f"TEBD N={m.n_sites} N_e={m.n_e} {m.polarization}")
        if stop_against is not None:
            from paper_figs.reversal_analysis import window_final

            options["stop"] = lambda record: window_final([reference, record])
        checkpoint = None
        if checkpoint_dir is not None:
            os.makedirs(checkpoint_dir, exist_ok=True)  # in the worker: the directory must be visible to it
            checkpoint = os.path.join(checkpoint_dir, f"{spec.trajectory_key()}.ckpt.npz")
            options.update(checkpoint=checkpoint, resume=True, checkpoint_every=TEBD_CHECKPOINT_EVERY)
        result = simulate_prx_tebd(m, **options)
        if checkpoint is not None and "stopped" not in result.meta:  # finished: a later --refresh must rerun
            with contextlib.suppress(FileNotFoundError):
                os.remove(checkpoint)
    result.meta.setdefault("wall_time_s", time.perf_counter() - start)
    result.meta["worker_threads"] = thread_report()  # the worker's pid, share of the cores, gate and BLAS threads
    result.meta["run_spec"] = spec.as_dict()
    result.meta["run_key"] = spec.key()
    return result


def map_tasks(fn: Callable[[T], R], items: Iterable[T], executor: Executor | None = None) -> list[R]:
    """``[fn(item) for item in items]``, on ``executor`` when given (results in input order).

    Only ``executor.submit`` and ``future.result()`` are used, so a dask ``ClientExecutor`` or an
    ``MPIPoolExecutor`` works as well as a ``ProcessPoolExecutor``.
    """
    items = list(items)
    if executor is None or len(items) == 0:
        return [fn(item) for item in items]
    futures = [executor.submit(_in_worker, fn, item) for item in items]
    return [future.result() for future in futures]


def _in_worker(fn: Callable[[T], R], item: T) -> R:
    """``fn(item)`` after taking the worker's share of the cores (a module-level task: picklable)."""
    enter_worker()
    return fn(item)


@contextmanager
def sweep_options(
    checkpoint_dir: str | os.PathLike | None = None, on_run_done: RunDone | None = None
) -> Iterator[None]:
    """Options of the evolver runs started inside the block (:func:`run_records`).

    Parameters
    ----------
    checkpoint_dir : path, optional
        Where workers write TEBD checkpoints (``--checkpoint-dir``); it must be visible to every
        worker. Default: the run cache directory, as an absolute path (fine for local workers).
    on_run_done : callable, optional
        ``on_run_done(done, total, spec, record, error)``, called in this process as each run
        finishes (in completion order when the executor's futures are ``concurrent.futures``
        futures, as those of process pools, dask's ``ClientExecutor`` and ``MPIPoolExecutor`` are).
    """
    path = None if checkpoint_dir is None else str(Path(checkpoint_dir).resolve())
    token = _OPTIONS.set((path, on_run_done))
    try:
        yield
    finally:
        _OPTIONS.reset(token)


def print_run_done(done: int, total: int, spec: RunSpec, record: RunResult | None,
                   error: BaseException | None) -> None:
    """One stderr line per finished run: ``run 3/9 done in 2.1 s: pair-1a2b... (pair N=...)``."""
    model = ", ".join(f"{k}={v}" for k, v in list(spec.model.to_dict().items())[:3])
    if error is not None:
        status = f"FAILED ({type(error).__name__}: {error})".splitlines()[0]
    else:
        wall = None if record is None else record.meta.get("wall_time_s")
        status = "done" if wall is None else f"done in {float(wall):.1f} s"
    print(f"  run {done}/{total} {status}: {spec.key()} ({model})", file=sys.stderr, flush=True)


def _finished(futures: Sequence[Any]) -> Iterator[Any]:
    """The futures as they finish (submission order for futures that are not ``concurrent.futures``)."""
    if all(isinstance(future, Future) for future in futures):
        return as_completed(futures)
    return iter(futures)


def _checkpoint_dir() -> str | None:
    """Where the workers' TEBD checkpoints go: ``sweep_options(checkpoint_dir=...)``, else the run cache."""
    ckpt = _OPTIONS.get()[0]
    cache_dir, _ = active_run_cache()
    if ckpt is None and cache_dir is not None:
        ckpt = str(cache_dir.resolve())
    return ckpt


def discard_checkpoints(specs: Iterable[RunSpec]) -> None:
    """Remove the checkpoints of the trajectories of ``specs`` from the checkpoint directory, if any.

    For the checkpoints a stopped run keeps, once no run will continue them. The client removes them, so
    with ``--checkpoint-dir`` on a file system only the workers see, they stay (harmless: a later run of
    the same trajectory resumes from them bit for bit).

    Parameters
    ----------
    specs : iterable of RunSpec
        Runs whose ``<trajectory key>.ckpt.npz`` (:meth:`RunSpec.trajectory_key`) goes.
    """
    ckpt = _checkpoint_dir()
    if ckpt is None:
        return
    for spec in specs:
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(ckpt, f"{spec.trajectory_key()}.ckpt.npz"))


def run_records(specs: Sequence[RunSpec], executor: Executor | None = None,
                references: Sequence[RunResult] = ()) -> list[RunResult]:
    """Run records for ``specs`` (input order): cached ones are loaded, the others run on ``executor``.

    ``references`` are the records that specs with :data:`STOP_OPTION` stop against (found by their
    ``meta['run_key']``; ValueError for a missing one, before anything runs).

    With an active run cache (:func:`paper_figs.cache.run_cache`), each new record is saved there as
    ``<key>.npz`` + ``<key>.json`` as soon as it arrives, and its path recorded in
    ``meta['record_path']``. Duplicate specs run once. When runs fail, the others are still
    completed and cached, then the first failure is raised.
    """
    cache_dir, refresh = active_run_cache()
    results: dict[str, RunResult] = {}
    todo: dict[str, RunSpec] = {}
    for spec in specs:
        key = spec.key()
        if key in results or key in todo:
            continue
        path = None if cache_dir is None else cache_dir / f"{key}.npz"
        if path is not None and not refresh and path.is_file():
            try:
                record = load_run(path)
            except ValueError:
                record = None  # a damaged record is recomputed
            if record is not None:
                record.meta["record_path"] = str(path)
                results[key] = record
                continue
        todo[key] = spec

    def _store(key: str, record: RunResult) -> None:
        if cache_dir is not None:
            record.meta["record_path"] = str(record.save(cache_dir / f"{key}.npz"))
        results[key] = record

    by_key = {record.meta.get("run_key"): record for record in references}
    wanted = {key: stop_reference(spec) for key, spec in todo.items()}
    missing = sorted({ref for ref in wanted.values() if ref is not None and ref not in by_key})
    if missing:
        raise ValueError(f"runs stop against {missing}, which are not among the references")

    def _reference(key: str) -> tuple[RunResult, ...]:  # sent only to the runs that stop against one
        return () if wanted[key] is None else (by_key[wanted[key]],)

    errors: list[BaseException] = []
    ckpt, on_done = _checkpoint_dir(), _OPTIONS.get()[1]

    finished = [0]

    def _finish(key: str, get: Callable[[], RunResult]) -> None:
        record, error = None, None
        try:
            record = get()
            _store(key, record)
        except Exception as exc:
            errors.append(error := exc)
        finished[0] += 1
        if on_done is not None:
            on_done(finished[0], len(todo), todo[key], record, error)

    if executor is None:
        for key, spec in todo.items():
            _finish(key, lambda spec=spec, key=key: execute_run(spec, ckpt, *_reference(key)))
    else:
        futures = {executor.submit(execute_run, spec, ckpt, *_reference(key)): key for key, spec in todo.items()}
        for future in _finished(list(futures)):
            _finish(futures[future], future.result)
    if errors:
        raise errors[0]
    return [results[spec.key()] for spec in specs]
