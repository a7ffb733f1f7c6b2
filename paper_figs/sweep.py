"""Parameter sweeps on any :class:`concurrent.futures.Executor`, and the evolver runs they are made of.

A figure's sweep (pair states, packet distances d, phases θ, electron numbers N_e, chain lengths
N_FM) is a list of independent tasks. :func:`map_tasks` runs them

* inline when ``executor`` is None (``--jobs 1``), or
* with ``executor.submit`` and ``Future.result`` — the only two methods used — so any
  ``concurrent.futures.Executor`` works unchanged: the local ``ProcessPoolExecutor`` of
  :func:`make_executor` (``--jobs J``), ``dask.distributed.Client(...).get_executor()``, or
  ``mpi4py.futures.MPIPoolExecutor()``. Tasks are module-level functions with picklable arguments
  (frozen model dataclasses), so they can be shipped to other processes or machines.

Evolver runs are described by :class:`RunSpec` and executed by :func:`execute_run` in the worker.
:func:`run_records` looks every spec up in the active run cache (:func:`paper_figs.cache.run_cache`)
in the calling process first, so only missing runs are sent to the executor, and stores what comes
back. The evolvers are imported inside the worker function, only when a run is needed.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any, TypeVar

from paper_figs.cache import active_run_cache, json_default, params_hash
from verify.models import PairOnRing, PRXChain
from verify.records.run import RunResult, load_run

__all__ = ["RUN_KINDS", "RunSpec", "StderrProgress", "execute_run", "make_executor", "map_tasks", "run_records"]

T = TypeVar("T")
R = TypeVar("R")

RUN_KINDS = ("pair", "prx-exact", "prx-tebd")
"""Evolvers a :class:`RunSpec` can name: ``verify.records.simulate_pair``,
``verify.records.simulate_prx_exact``, ``verify.records.simulate_prx_tebd``."""

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


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


def execute_run(spec: RunSpec, checkpoint_dir: str | None = None) -> RunResult:
    """Run one evolver (called in the worker). The run's description is added to ``meta['run_spec']``.

    TEBD runs report progress on stderr and, when ``checkpoint_dir`` is given, write a checkpoint
    ``<checkpoint_dir>/<key>.ckpt.npz`` every :data:`TEBD_CHECKPOINT_EVERY` steps and resume from it,
    so an interrupted full-size build continues where it stopped.
    """
    options = dict(spec.options)
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
        if checkpoint_dir is not None:
            options.update(checkpoint=os.path.join(checkpoint_dir, f"{spec.key()}.ckpt.npz"), resume=True,
                           checkpoint_every=TEBD_CHECKPOINT_EVERY)
        result = simulate_prx_tebd(m, **options)
    result.meta.setdefault("wall_time_s", time.perf_counter() - start)
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
    futures = [executor.submit(fn, item) for item in items]
    return [future.result() for future in futures]


def run_records(specs: Sequence[RunSpec], executor: Executor | None = None) -> list[RunResult]:
    """Run records for ``specs`` (input order): cached ones are loaded, the others run on ``executor``.

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

    errors: list[BaseException] = []
    ckpt = None if cache_dir is None else str(cache_dir)
    if executor is None:
        for key, spec in todo.items():
            try:
                _store(key, execute_run(spec, ckpt))
            except Exception as exc:
                errors.append(exc)
    else:
        futures = {key: executor.submit(execute_run, spec, ckpt) for key, spec in todo.items()}
        for key, future in futures.items():
            try:
                _store(key, future.result())
            except Exception as exc:
                errors.append(exc)
    if errors:
        raise errors[0]
    return [results[spec.key()] for spec in specs]


@contextmanager
def make_executor(jobs: int) -> Iterator[Executor | None]:
    """A local executor for ``--jobs``: None (inline) for 1, else a spawn-based ProcessPoolExecutor.

    Worker processes are started with the BLAS/OpenMP thread count set to ``cpu_count // jobs``
    (at least 1) so that J workers do not oversubscribe the cores.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    if jobs == 1:
        yield None
        return
    threads = str(max(1, (os.cpu_count() or 1) // jobs))
    saved = {name: os.environ.get(name) for name in _THREAD_VARS}
    os.environ.update({name: threads for name in _THREAD_VARS})
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            yield pool
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
