"""Build a figure: parameters → (cached) compute → plot → NAME.pdf, NAME.png, NAME.npz, NAME.json.

:func:`build` is the Python entry point behind ``python -m paper_figs NAME``; :func:`build_all` is
behind ``python -m paper_figs all``. Both accept any :class:`concurrent.futures.Executor` for the
parameter sweeps (see :mod:`paper_figs.sweep`), e.g.::

    from dask.distributed import Client
    paper_figs.build("pair-fig4", size="full", executor=Client().get_executor())

    from mpi4py.futures import MPIPoolExecutor
    with MPIPoolExecutor() as pool:
        paper_figs.build_all(size="full", executor=pool)
"""

from __future__ import annotations

import io
import json
import os
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np

from paper_figs import registry
from paper_figs.cache import (
    FigureData,
    figure_key,
    json_default,
    load_figure_data,
    run_cache,
    store_figure_data,
)
from paper_figs.style import style_context
from paper_figs.sweep import RunSpec, run_records
from verify.records.run import atomic_write_bytes, package_version

__all__ = ["DEFAULT_OUT", "BuildResult", "build", "build_all", "figure_params", "prefetch_runs"]

DEFAULT_OUT = Path("figures_out")
"""Default output directory of the command line (git-ignored)."""
PNG_DPI = 200


@dataclass
class BuildResult:
    """What :func:`build` produced.

    Attributes
    ----------
    name : str
    paths : dict of str to Path
        ``pdf``, ``png``, ``npz``, ``json`` output files.
    data : FigureData
        The plotted arrays.
    meta : dict
        The contents of NAME.json.
    cached : bool
        True when the data came from the cache (compute() was not called).
    """

    name: str
    paths: dict[str, Path]
    data: FigureData
    meta: dict[str, Any]
    cached: bool = False
    figure: Any = field(default=None, repr=False)


def figure_params(name: str, size: str = "quick", overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The compute parameters of figure ``name`` at ``size``, with ``overrides`` applied.

    Raises
    ------
    ValueError
        For an unknown figure, size, or an override key the figure does not have.
    """
    spec = registry.get(name)
    if size not in registry.SIZES:
        raise ValueError(f"unknown size {size!r}: use one of {', '.join(registry.SIZES)}")
    params = dict(spec.load().params(size))
    for key, value in (overrides or {}).items():
        if key not in params:
            raise ValueError(f"{name} has no parameter {key!r}: it has {', '.join(sorted(params))}")
        params[key] = value
    return json.loads(json.dumps(params, default=json_default))  # canonical JSON types (tuples -> lists)


def _relative(path: str | os.PathLike, base: Path) -> str:
    try:
        return os.path.relpath(path, base)
    except ValueError:  # other drive (Windows)
        return str(path)


def _provenance(data: FigureData) -> list[dict[str, Any]]:
    """One entry per run record: label, key, absolute record path (made relative when NAME.json is written), meta."""
    runs = []
    for label, record in data.records.items():
        meta = dict(record.meta)
        path = meta.pop("record_path", None)
        runs.append(
            {
                "label": label,
                "run_key": meta.get("run_key"),
                "record": None if path is None else str(Path(path).resolve()),
                "meta": meta,
            }
        )
    return runs


def _relative_runs(runs: list[dict[str, Any]], out: Path) -> list[dict[str, Any]]:
    return [{**run, "record": None if run["record"] is None else _relative(run["record"], out.resolve())}
            for run in runs]


def build(
    name: str,
    *,
    size: str = "quick",
    out: str | os.PathLike = DEFAULT_OUT,
    cache_dir: str | os.PathLike | None = None,
    executor: Executor | None = None,
    overrides: Mapping[str, Any] | None = None,
    refresh: bool = False,
    refresh_runs: bool | None = None,
    keep_figure: bool = False,
) -> BuildResult:
    """Build figure ``name``: compute its data (or take it from the cache), plot, write four files.

    Parameters
    ----------
    name : str
        A name from :func:`paper_figs.registry.names`, e.g. ``"prx-fig8"``.
    size : {"quick", "full", "tiny"}
        ``"full"``: the paper's parameters; ``"quick"``: reduced sizes (``--quick``); ``"tiny"``:
        the test suite's sizes.
    out : path
        Output directory for NAME.pdf, NAME.png, NAME.npz (plotted data) and NAME.json (metadata).
    cache_dir : path, optional
        Cache of figure data and run records (default ``<out>/.cache``).
    executor : concurrent.futures.Executor, optional
        Runs the figure's parameter sweep (None: inline). Any Executor works: a local
        ``ProcessPoolExecutor``, ``dask.distributed.Client.get_executor()``, ``MPIPoolExecutor``.
    overrides : mapping, optional
        Parameter values replacing those of ``size`` (keys must exist).
    refresh : bool
        Ignore cached figure data and recompute it (the cache is then rewritten).
    refresh_runs : bool, optional
        Also rerun the evolver runs instead of reading cached run records (default: ``refresh``).
    keep_figure : bool
        Return the matplotlib Figure in ``BuildResult.figure`` (otherwise it is dropped).

    Returns
    -------
    BuildResult

    Raises
    ------
    ValueError
        For an unknown figure, size or parameter.
    """
    start = time.perf_counter()
    spec = registry.get(name)
    module = spec.load()
    params = figure_params(name, size, overrides)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(cache_dir) if cache_dir is not None else out / ".cache"
    key = figure_key(name, params)

    hit = None if refresh else load_figure_data(cache, key)
    if hit is not None:
        data, cached_meta = hit
        compute_wall = cached_meta.get("compute_wall_time_s")
        runs = cached_meta.get("runs", [])
        cached = True
    else:
        t0 = time.perf_counter()
        with run_cache(cache / "runs", refresh=refresh if refresh_runs is None else refresh_runs):
            data = module.compute(params, executor=executor)
        if not isinstance(data, FigureData):
            data = FigureData(data)
        compute_wall = time.perf_counter() - t0
        runs = _provenance(data)
        store_figure_data(cache, key, data, {"figure": name, "params": params, "compute_wall_time_s": compute_wall,
                                             "runs": runs, "package_version": package_version()})
        cached = False

    t1 = time.perf_counter()
    with style_context():
        fig = module.plot(data, params)
        paths = {ext: out / f"{name}.{ext}" for ext in ("pdf", "png", "npz", "json")}
        buffer = io.BytesIO()
        fig.savefig(buffer, format="pdf")
        atomic_write_bytes(paths["pdf"], buffer.getvalue())
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=PNG_DPI)
        atomic_write_bytes(paths["png"], buffer.getvalue())
    plot_wall = time.perf_counter() - t1
    buffer = io.BytesIO()
    np.savez(buffer, **data)
    atomic_write_bytes(paths["npz"], buffer.getvalue())

    meta = {
        "figure": name,
        "paper": spec.paper,
        "description": spec.description,
        "size": size,
        "quick": size != "full",
        "params": params,
        "package_version": package_version(),
        "python": platform.python_version(),
        "matplotlib": matplotlib.__version__,
        "cached": cached,
        "cache_key": key,
        "cache_dir": _relative(cache, out),
        "compute_wall_time_s": compute_wall,
        "runs_wall_time_s": float(sum(float(run["meta"].get("wall_time_s") or 0.0) for run in runs)),
        "plot_wall_time_s": plot_wall,
        "build_wall_time_s": time.perf_counter() - start,
        "arrays": {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in data.items()},
        "notes": data.notes,
        "runs": _relative_runs(runs, out),
        "outputs": {ext: p.name for ext, p in paths.items()},
    }
    atomic_write_bytes(paths["json"], json.dumps(meta, indent=2, sort_keys=True, default=json_default).encode())
    return BuildResult(name, paths, data, meta, cached, fig if keep_figure else None)


def prefetch_runs(
    names: Sequence[str],
    *,
    size: str = "quick",
    cache_dir: str | os.PathLike,
    executor: Executor | None = None,
    log: Callable[[str], None] | None = None,
    refresh: bool = False,
) -> int:
    """Run every evolver run the figures ``names`` need, in one batch on ``executor``, into the run cache.

    Figures then find their runs cached, so ``all --jobs J`` keeps J workers busy across figures.
    Figures whose data is already cached are skipped (unless ``refresh``: then every run is redone).
    Returns the number of distinct runs requested.
    """
    specs: dict[str, RunSpec] = {}
    for name in names:
        module = registry.get(name).load()
        if not hasattr(module, "run_specs"):
            continue
        params = figure_params(name, size)
        if not refresh and load_figure_data(cache_dir, figure_key(name, params)) is not None:
            continue
        for run in module.run_specs(params):
            specs.setdefault(run.key(), run)
    if specs:
        runs_dir = Path(cache_dir) / "runs"
        missing = len(specs) if refresh else sum(not (runs_dir / f"{key}.npz").is_file() for key in specs)
        if log is not None:
            log(f"{len(specs)} evolver runs needed, {missing} not cached yet")
        start = time.perf_counter()
        with run_cache(runs_dir, refresh=refresh):
            run_records(list(specs.values()), executor)
        if log is not None and missing:
            log(f"evolver runs done in {time.perf_counter() - start:.1f} s")
    return len(specs)


def build_all(
    *,
    size: str = "quick",
    out: str | os.PathLike = DEFAULT_OUT,
    cache_dir: str | os.PathLike | None = None,
    executor: Executor | None = None,
    names: Sequence[str] | None = None,
    on_done: Callable[[str, BuildResult | None, BaseException | None], None] | None = None,
    log: Callable[[str], None] | None = None,
    refresh: bool = False,
) -> dict[str, BuildResult | BaseException]:
    """Build several figures (default: all), sharing evolver runs; a failing figure does not stop the rest.

    All evolver runs are done first in one batch on ``executor`` (:func:`prefetch_runs`); with
    ``refresh`` each run is redone once and every figure's data recomputed from the new records.

    Returns
    -------
    dict
        Figure name → :class:`BuildResult`, or the exception that stopped that figure.
    """
    names = list(registry.names() if names is None else names)
    for name in names:
        registry.get(name)  # fail early on a bad name
    out = Path(out)
    cache = Path(cache_dir) if cache_dir is not None else out / ".cache"
    results: dict[str, BuildResult | BaseException] = {}
    try:
        prefetch_runs(names, size=size, cache_dir=cache, executor=executor, log=log, refresh=refresh)
    except Exception:  # the runs that succeeded are cached; each figure reports its own failure below
        pass
    for name in names:
        try:
            result = build(name, size=size, out=out, cache_dir=cache, executor=executor, refresh=refresh,
                           refresh_runs=False)
        except Exception as exc:  # reported per figure
            results[name] = exc
            if on_done is not None:
                on_done(name, None, exc)
            continue
        results[name] = result
        if on_done is not None:
            on_done(name, result, None)
    return results
