"""The figure of ``python -m verify compare --plot FILE``: deviations from the reference against t.

One panel per compared run: Δ_k(t) = max over entries |x_k − x_k^ref| of every observable on a log scale
(exact zeros drawn on the floor :data:`FLOOR`), the tolerances as dashed lines and the run's horizon as
a dotted vertical line. As every figure of the package it comes with its data: FILE.png (and .pdf),
FILE.npz (the plotted arrays: ``t``, ``<run>/<key>`` deviations, ``tolerance/<key>``) and FILE.json (the
input records, the reference and why, the tolerances, the horizons, package and matplotlib versions).
matplotlib is imported here only (no pyplot: a ``Figure`` with the Agg canvas, safe without a display).
"""

from __future__ import annotations

import io
import json
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from verify.records import atomic_write_bytes, json_default, package_version

__all__ = ["FLOOR", "PNG_DPI", "horizon_figure_data", "write_horizon_figure"]

FLOOR = 1e-17
"""Deviations below this (exact agreement, 0 on a log axis) are drawn at it."""
PNG_DPI = 150
"""Resolution of the PNG."""


def horizon_figure_data(report: Any) -> dict[str, np.ndarray]:
    """The plotted arrays: ``t``, ``<label>/<key>`` (Δ_k on the common times), ``tolerance/<key>``."""
    data = {"t": np.asarray(report.times, dtype=float)}
    for run in report.runs:
        for key in report.keys:
            data[f"{run.label}/{key}"] = np.asarray(run.deviations[key], dtype=float)
    for key in report.keys:
        data[f"tolerance/{key}"] = np.array(report.tolerances[key])
    return data


def _figure(report: Any):
    from matplotlib.figure import Figure

    n = len(report.runs)
    fig = Figure(figsize=(6.4, 2.6 * n + 0.6), layout="constrained")
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    colors = {key: f"C{i % 10}" for i, key in enumerate(report.keys)}
    styles = ("-", "--", ":", "-.")
    for ax, run in zip(axes, report.runs, strict=True):
        for i, key in enumerate(report.keys):
            series = np.maximum(np.nan_to_num(run.deviations[key], posinf=1e300), FLOOR)
            ax.semilogy(report.times, series, styles[(i // 10) % 4], color=colors[key], lw=1.0, label=key)
        for tol in sorted(set(report.tolerances.values())):
            ax.axhline(max(tol, FLOOR), color="0.5", ls="--", lw=0.7)
        horizon = run.horizon
        if np.isfinite(horizon) and horizon < run.full_window:
            ax.axvline(horizon, color="k", ls=":", lw=1.0)
        state = "agrees over the window" if run.agrees else f"horizon t = {horizon:g}"
        ax.set_title(f"{run.label} vs {report.labels[report.reference]}: {state}", fontsize=8)
        ax.set_ylabel("max |run − reference|", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[-1].text(0.01, 0.03, f"at {FLOOR:.0e}: identical", transform=axes[-1].transAxes, fontsize=6, color="0.4")
    axes[-1].set_xlabel("t", fontsize=8)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", fontsize=6, frameon=False)
    return fig


def write_horizon_figure(
    report: Any, path: str | Path, *, inputs: Sequence[str] = (), reference: str | None = None
) -> dict[str, Path]:
    """Write FILE.png, FILE.pdf, FILE.npz and FILE.json for a :class:`verify.checks.ComparisonReport`.

    ``path``'s suffix is replaced (``horizon.png`` and ``horizon`` both give ``horizon.png`` …).
    Returns the written paths by extension.
    """
    import matplotlib

    stem = Path(path)
    stem = stem.with_suffix("") if stem.suffix in (".png", ".pdf", ".npz", ".json") else stem
    paths = {ext: stem.parent / f"{stem.name}.{ext}" for ext in ("png", "pdf", "npz", "json")}
    fig = _figure(report)
    for ext in ("png", "pdf"):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=ext, dpi=PNG_DPI)
        atomic_write_bytes(paths[ext], buffer.getvalue())
    buffer = io.BytesIO()
    np.savez(buffer, **horizon_figure_data(report))
    atomic_write_bytes(paths["npz"], buffer.getvalue())
    meta = {
        "figure": "verify compare: deviation from the reference against t", "inputs": list(inputs),
        "reference_argument": reference, **report.to_dict(), "package_version": package_version(),
        "python": platform.python_version(), "matplotlib": matplotlib.__version__,
        "outputs": {ext: p.name for ext, p in paths.items()},
    }
    atomic_write_bytes(paths["json"], json.dumps(meta, indent=2, sort_keys=True, default=json_default).encode())
    return paths
