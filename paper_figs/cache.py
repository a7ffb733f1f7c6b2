"""Cache of computed figure data and of evolver run records, keyed by parameters and package version.

Two levels, both under one cache directory (default ``<out>/.cache``):

* **figure data** — ``<cache>/<figure>-<key>.npz`` + ``.json``: the arrays a figure's ``compute()``
  returned and their provenance. The key hashes the figure name, its compute parameters, the
  package version, the evolver source digest and the source of the figure module (with the shared
  ``_pair``/``_prx``/``sweep`` modules), so restyling a figure in ``style.py`` replots it without
  recomputing, while changing a parameter or the code that produced the data recomputes.
* **run records** — ``<cache>/runs/<kind>-<key>.npz`` + ``.json`` (:class:`verify.records.RunResult`
  files): one per evolver run, keyed by the run's model and options, the package version and the
  evolver source digest. Figures that plot the same run (PRX Figs. 3, 4, 6 and 7 share the collinear
  N_e = 8 run) compute it once.

The **evolver source digest** (:func:`source_digest`) is the SHA-256 of every ``.py`` file of the
packages in :data:`SOURCE_PACKAGES` (models, exact, TEBD, tensors, MPS, records, and the ``states``
and ``entanglement`` packages that build initial states and entropies), by path relative to the
package and content. It is computed once per process. The package version alone (always the same
during development) would let an edited evolver silently reuse stale results.

Everything is written atomically (:func:`verify.records.atomic_write_bytes`).
"""

from __future__ import annotations

import hashlib
import importlib.util
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
    "clear_source_digests",
    "digest_files",
    "figure_key",
    "json_default",
    "load_figure_data",
    "module_files",
    "params_hash",
    "run_cache",
    "source_digest",
    "store_figure_data",
]

SOURCE_PACKAGES: tuple[str, ...] = (
    "verify.models",
    "verify.tensors",
    "verify.mps",
    "verify.exact",
    "verify.tebd",
    "verify.records",
    "states",
    "entanglement",
)
"""Packages whose source makes up the evolver digest in every cache key (:func:`source_digest`)."""

FIGURE_HELPERS: tuple[str, ...] = (
    "paper_figs._pair", "paper_figs._prx", "paper_figs.sweep", "paper_figs.reversal_analysis",
    "verify.checks.compare", "verify.checks.truncation",
)
"""Modules shared by the figure modules; their source is part of every figure-data key (the reversal map
reads its windows with the comparison of :mod:`verify.checks`, which is not part of the run digest)."""

_DIGESTS: dict[tuple[str, ...], str] = {}

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


def module_files(name: str) -> list[tuple[str, Path]]:
    """(name relative to the module or package, path) of every .py file of module or package ``name``."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ValueError(f"cannot find the source of {name!r}")
    if spec.submodule_search_locations:  # a package: every .py below it
        root = Path(spec.origin).parent
        return [(f"{name}/{p.relative_to(root).as_posix()}", p) for p in sorted(root.rglob("*.py"))]
    return [(name, Path(spec.origin))]


def digest_files(files: list[tuple[str, Path]]) -> str:
    """Hex SHA-256 of (name, content) pairs, in name order. Paths only locate the files: a copy of the
    same sources elsewhere has the same digest, an edited copy another one."""
    digest = hashlib.sha256()
    for name, path in sorted(files):
        digest.update(name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def source_digest(modules: tuple[str, ...] | None = None) -> str:
    """Digest of the source files of ``modules`` (default :data:`SOURCE_PACKAGES`), once per process.

    Part of every cache key, so an edited evolver or model misses the cache instead of returning
    results of the old code. :func:`clear_source_digests` forgets the computed digests (tests).
    """
    modules = SOURCE_PACKAGES if modules is None else tuple(modules)
    if modules not in _DIGESTS:
        _DIGESTS[modules] = digest_files([item for name in modules for item in module_files(name)])
    return _DIGESTS[modules]


def clear_source_digests() -> None:
    """Forget the digests computed so far (a new process would compute them again)."""
    _DIGESTS.clear()


def params_hash(payload: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the canonical JSON of ``payload`` (sorted keys), the package version and the
    evolver source digest (:func:`source_digest`)."""
    text = json.dumps({"payload": payload, "version": package_version(), "source": source_digest()},
                      sort_keys=True, default=json_default)
    return hashlib.sha256(text.encode()).hexdigest()


def figure_key(name: str, params: Mapping[str, Any], module: str | None = None) -> str:
    """Cache key of a figure's data: hash of its name, compute parameters, package version, evolver
    source digest and the source of the figure module ``module`` with :data:`FIGURE_HELPERS`."""
    code = source_digest(((module,) if module else ()) + FIGURE_HELPERS)
    return f"{name}-{params_hash({'figure': name, 'params': dict(params), 'figure_source': code})[:20]}"


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
