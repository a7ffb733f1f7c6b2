"""Cache of computed figure data and of evolver run records, keyed by parameters and package version.

Two levels, both under one cache directory (default ``<out>/.cache``):

* **figure data** — ``<cache>/<figure>-<key>.npz`` + ``.json``: the arrays a figure's ``compute()``
  returned and their provenance. The key hashes the figure name, its compute parameters and the
  package version, so restyling a figure replots it without recomputing, while changing a parameter
  or the package version recomputes.
* **run records** — ``<cache>/runs/<kind>-<key>.npz`` + ``.json`` (:class:`verify.records.RunResult`
  files): one per evolver run, keyed by the run's model and options. Figures that plot the same run
  (PRX Figs. 3, 4, 6 and 7 share the collinear N_e = 8 run) compute it once.

Everything is written atomically (:func:`verify.records.atomic_write_bytes`).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import numpy as np

from verify.records.run import RunResult, atomic_write_bytes, json_default, package_version

__all__ = [
    "FigureData",
    "active_run_cache",
    "figure_key",
    "json_default",
    "load_figure_data",
    "params_hash",
    "run_cache",
    "store_figure_data",
]

_RUN_CACHE: ContextVar[tuple[Path | None, bool]] = ContextVar("paper_figs_run_cache", default=(None, False))


class FigureData(dict):
    """What a figure's ``compute()`` returns: a dict of named numpy arrays plus provenance.

    Attributes
    ----------
    records : dict of str to RunResult
        The evolver runs the arrays were taken from, by label (their metadata goes into the JSON).
    notes : dict
        JSON-ready facts about the data a reader needs (e.g. the time at which a final value was
        read and how converged it is).
    """

    def __init__(self, arrays: Mapping[str, Any] | None = None, *, records=None, notes=None) -> None:
        super().__init__({key: np.asarray(value) for key, value in (arrays or {}).items()})
        self.records: dict[str, RunResult] = dict(records or {})
        self.notes: dict[str, Any] = dict(notes or {})


def params_hash(payload: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the canonical JSON of ``payload`` (sorted keys) plus the package version."""
    text = json.dumps({"payload": payload, "version": package_version()}, sort_keys=True, default=json_default)
    return hashlib.sha256(text.encode()).hexdigest()


def figure_key(name: str, params: Mapping[str, Any]) -> str:
    """Cache key of a figure's data: hash of its name, compute parameters and the package version."""
    return f"{name}-{params_hash({'figure': name, 'params': dict(params)})[:20]}"


def _paths(cache_dir: Path, key: str) -> tuple[Path, Path]:
    return cache_dir / f"{key}.npz", cache_dir / f"{key}.json"


def store_figure_data(cache_dir: str | Path, key: str, data: FigureData, meta: Mapping[str, Any]) -> None:
    """Write ``data`` (arrays) and ``meta`` (JSON, with the provenance) under ``key``."""
    npz, sidecar = _paths(Path(cache_dir), key)
    buffer = io.BytesIO()
    np.savez(buffer, **data)
    atomic_write_bytes(npz, buffer.getvalue())
    payload = {**meta, "notes": data.notes}
    atomic_write_bytes(sidecar, json.dumps(payload, indent=2, sort_keys=True, default=json_default).encode())


def load_figure_data(cache_dir: str | Path, key: str) -> tuple[FigureData, dict[str, Any]] | None:
    """The cached data and metadata stored under ``key``, or None when there is no (readable) entry."""
    npz, sidecar = _paths(Path(cache_dir), key)
    if not (npz.is_file() and sidecar.is_file()):
        return None
    try:
        with np.load(npz, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        meta = json.loads(sidecar.read_text())
    except Exception:  # a damaged entry is a cache miss, never an error
        return None
    return FigureData(arrays, notes=meta.get("notes", {})), meta


@contextmanager
def run_cache(directory: str | Path | None, *, refresh: bool = False) -> Iterator[Path | None]:
    """Make ``directory`` the cache of run records for :func:`paper_figs.sweep.run_records` (None: no cache).

    With ``refresh=True`` cached records are not read (every run is recomputed) but new ones are written.
    """
    path = None if directory is None else Path(directory)
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
    token = _RUN_CACHE.set((path, bool(refresh)))
    try:
        yield path
    finally:
        _RUN_CACHE.reset(token)


def active_run_cache() -> tuple[Path | None, bool]:
    """The run-record cache directory set by :func:`run_cache` (or None) and its refresh flag."""
    return _RUN_CACHE.get()
