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

import contextvars
import io
import json
import math
import os
import platform
import textwrap
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
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
    source_digest,
    store_figure_data,
)
from paper_figs.style import style_context
from paper_figs.sweep import RunSpec, run_records
from paper_figs.variants import apply_overrides, size_note, variant_stem
from verify.records.run import atomic_write_bytes, package_version

__all__ = ["DEFAULT_OUT", "BuildResult", "build", "build_all", "figure_params", "prefetch_runs"]

DEFAULT_OUT = Path("figures_out")
"""Default output directory of the command line (git-ignored)."""
PNG_DPI = 200
NOTE_FONTSIZE = 6.5
"""Font size (pt) of the reduced-size / variant note at the bottom of a figure."""


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

    def __repr__(self) -> str:
        """One line: name, size, where the files are, cache use and times (no arrays)."""
        meta = self.meta
        stem = self.paths["pdf"].with_suffix("") if "pdf" in self.paths else "?"
        compute = meta.get("compute_wall_time_s")
        variant = meta.get("variant")
        return (f"BuildResult(name={self.name!r}, size={meta.get('size')!r}"
                + (f", variant={variant!r}" if variant else "")
                + f", files='{stem}.{{pdf,png,npz,json}}', cached={self.cached}, arrays={len(self.data)}, "
                f"runs={len(meta.get('runs', []))}, compute_s={compute if compute is None else round(compute, 2)}, "
                f"build_s={round(float(meta.get('build_wall_time_s', 0.0)), 2)})")


def figure_params(name: str, size: str = "quick", overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The compute parameters of figure ``name`` at ``size``, with ``overrides`` applied.

    Override keys are parameter names, or dotted names (``model.n_sites``) of keys of a nested dict.

    Raises
    ------
    ValueError
        For an unknown figure, size, or an override key the figure does not have.
    """
    spec = registry.get(name)
    if size not in registry.SIZES:
        raise ValueError(f"unknown size {size!r}: use one of {', '.join(registry.SIZES)}")
    params = json.loads(json.dumps(spec.load().params(size), default=json_default))  # canonical JSON types
    return apply_overrides(params, json.loads(json.dumps(dict(overrides or {}), default=json_default)), name)


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
        Parameter values replacing those of ``size`` (keys must exist; dotted keys reach into a nested
        dict). Any override makes a variant, written as ``NAME--key=value.*`` (or
        ``NAME-variant-<hash>.*``, :func:`paper_figs.variants.variant_stem`) so NAME.* is never overwritten.
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
    key = figure_key(name, params, spec.module)

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
    stem = variant_stem(name, overrides)
    paths = {ext: out / f"{stem}.{ext}" for ext in ("pdf", "png", "npz", "json")}
    note = size_note(size, params, figure_params(name, "full") if size != "full" else params, overrides)
    fig = _plot(module, data, params, paths, note)
    plot_wall = time.perf_counter() - t1
    buffer = io.BytesIO()
    np.savez(buffer, **data)
    atomic_write_bytes(paths["npz"], buffer.getvalue())

    meta = {
        "figure": name,
        "variant": dict(overrides) if overrides else None,
        "size_note": note,
        "paper": spec.paper,
        "description": spec.description,
        "size": size,
        "quick": size != "full",
        "params": params,
        "package_version": package_version(),
        "source_digest": source_digest(),
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


def _cost_estimate(run: RunSpec) -> float:
    """Rough relative cost of a run (state dimension × final time), only to start the longest runs first."""
    options = dict(run.options)
    t_max = float(options.get("t_max", 1.0))
    model = run.model
    if run.kind == "pair":
        if options.get("pair") == "single-down":
            return model.n_sites * t_max
        return model.n_sites**2 * t_max * (2.5 if options.get("pair") == "triplet-1" else 1.0)  # larger S^z sector
    # PRX: N_e electrons on N sites with spin, times the N_FM localized spins; +x conserves N_e only
    dim = math.comb(2 * model.n_sites, model.n_e) * 2**model.n_fm
    return dim * t_max * (1.0 if model.polarization == "z" else 4.0)


def _plot(module, data: FigureData, params: dict[str, Any], paths: dict[str, Path], note: str | None):
    """Plot in the package style, title the figure with ``note`` (reduced size / variant), write PDF and PNG."""
    with style_context():
        fig = module.plot(data, params)
        if note:
            width = fig.get_size_inches()[0]
            # at the bottom: figure legends (pair Fig. 3) take the top
            fig.supxlabel(textwrap.fill(note, width=int(22 * width)), fontsize=NOTE_FONTSIZE, color="0.3")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="pdf")
        atomic_write_bytes(paths["pdf"], buffer.getvalue())
        # The PDF draw laid the figure out (constrained layout); the PNG keeps those positions instead of
        # solving the layout again (40 % of a multi-panel figure's plot time). Same inches, same layout.
        fig.set_layout_engine("none")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=PNG_DPI)
        atomic_write_bytes(paths["png"], buffer.getvalue())
    return fig


def prefetch_runs(
    names: Sequence[str],
    *,
    size: str = "quick",
    cache_dir: str | os.PathLike,
    executor: Executor | None = None,
    log: Callable[[str], None] | None = None,
    refresh: bool = False,
    overrides: Mapping[str, Any] | None = None,
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
        params = figure_params(name, size, overrides)
        if not refresh and load_figure_data(cache_dir, figure_key(name, params, registry.get(name).module)) is not None:
            continue
        for run in module.run_specs(params):
            specs.setdefault(run.key(), run)
    if specs:
        runs_dir = Path(cache_dir) / "runs"
        missing = len(specs) if refresh else sum(not (runs_dir / f"{key}.npz").is_file() for key in specs)
        if log is not None:
            log(f"{len(specs)} evolver runs needed, {missing} not cached yet")
        start = time.perf_counter()
        # the long runs first (the build then ends close to max(longest run, total / J) on J workers),
        # the others in figure order, so that figures can be plotted while the long runs go on
        costs = {key: _cost_estimate(run) for key, run in specs.items()}
        long = sorted((key for key in specs if costs[key] >= max(costs.values()) / 4), key=costs.get, reverse=True)
        ordered = [specs[key] for key in long] + [run for key, run in specs.items() if key not in long]
        with run_cache(runs_dir, refresh=refresh):
            run_records(ordered, executor)
        if log is not None and missing:
            log(f"evolver runs done in {time.perf_counter() - start:.1f} s")
    return len(specs)


def _waiting_on(name: str, size: str, overrides: Mapping[str, Any] | None, cache: Path) -> list[Path] | None:
    """Files the build of ``name`` waits for: its run records (.npz and .json); [] when its data is cached;
    None when it has no run specs (it may submit its own tasks, so it is built after the runs)."""
    module = registry.get(name).load()
    try:
        params = figure_params(name, size, overrides)
        if load_figure_data(cache, figure_key(name, params, registry.get(name).module)) is not None:
            return []
        keys = {run.key() for run in module.run_specs(params)} if hasattr(module, "run_specs") else None
    except Exception:  # bad parameters: build() reports them after the batch
        return None
    if keys is None:
        return None
    return [cache / "runs" / f"{key}.{ext}" for key in sorted(keys) for ext in ("npz", "json")]


def _build_order(names: list[str], waits: dict[str, list[Path] | None], prefetch: threading.Thread) -> Iterator[str]:
    """Yield each name as soon as its run records exist (all of them once ``prefetch`` has ended)."""
    pending = list(names)
    while pending:
        done = not prefetch.is_alive()
        ready = [n for n in pending if waits[n] is not None and all(p.is_file() for p in waits[n])]
        if done:
            ready = ready + [n for n in pending if n not in ready]
        if not ready:
            time.sleep(0.2)
            continue
        pending.remove(ready[0])
        yield ready[0]


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
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, BuildResult | BaseException]:
    """Build several figures (default: the papers' figures, :func:`paper_figs.registry.default_names`), sharing
    evolver runs; a failing figure does not stop the rest.

    All evolver runs are done in one batch on ``executor``, longest first (:func:`prefetch_runs`).
    With an executor the batch runs from a background thread, and each figure is plotted in this
    process as soon as its runs are in the cache, while the workers go on with the other runs
    (figures without run specs, PRX Fig. 8, come after the batch). With ``refresh`` each run is redone
    once and every figure's data recomputed from the new records (then the batch is finished first).
    ``overrides`` (parameter values, see :func:`figure_params`) apply to every figure in ``names``;
    the outputs are then variants with their own names (:func:`paper_figs.variants.variant_stem`).

    Returns
    -------
    dict
        Figure name → :class:`BuildResult`, or the exception that stopped that figure (in ``names`` order).
    """
    names = list(registry.default_names() if names is None else names)
    for name in names:
        registry.get(name)  # fail early on a bad name
    out = Path(out)
    cache = Path(cache_dir) if cache_dir is not None else out / ".cache"
    results: dict[str, BuildResult | BaseException] = {}

    def _prefetch() -> None:
        try:
            prefetch_runs(names, size=size, cache_dir=cache, executor=executor, log=log, refresh=refresh,
                          overrides=overrides)
        except Exception:  # the runs that succeeded are cached; each figure reports its own failure below
            pass

    waits = {name: _waiting_on(name, size, overrides, cache) for name in names}
    context = contextvars.copy_context()  # the caller's sweep options apply in the thread too
    prefetch = threading.Thread(target=context.run, args=(_prefetch,), name="paper_figs-prefetch", daemon=True)
    prefetch.start()
    if executor is None or refresh:  # inline runs would compete with plotting for the GIL; refresh: stale files
        prefetch.join()
    for name in _build_order(names, waits, prefetch):
        try:
            result = build(name, size=size, out=out, cache_dir=cache, executor=executor, refresh=refresh,
                           refresh_runs=False, overrides=overrides)
        except Exception as exc:  # reported per figure
            results[name] = exc
            if on_done is not None:
                on_done(name, None, exc)
            continue
        results[name] = result
        if on_done is not None:
            on_done(name, result, None)
    prefetch.join()
    return {name: results[name] for name in names}
