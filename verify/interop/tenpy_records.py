"""TeNPy ``Simulation`` results (HDF5 from ``tenpy.tools.hdf5_io``) and saved MPS as run records.

:func:`read_tenpy_hdf5` reads a results file of ``tenpy.simulations`` (``RealTimeEvolution`` and the
like) with h5py alone (:mod:`verify.interop.hdf5`: nothing is unpickled or imported from the file) and
returns a :class:`verify.records.RunResult` that :func:`verify.checks.check_run` checks like any other
record. The ``measurements`` group becomes the record's arrays (:data:`TENPY_MEASUREMENTS`):

==========================  ======================  ===================================================
TeNPy measurement           record key              conversion
==========================  ======================  ===================================================
``evolved_time``            ``t``                   real part (imaginary time is refused)
``<Sz>``                    ``spin_z``              × 2: ⟨σ^z_i⟩ = 2⟨S^z_i⟩, Pauli units
``<Sigmaz>``                ``spin_z``              as is
``<N>``, ``<Ntot>``         ``density``             as is (particles per site)
``entropy``                 ``bond_entropy``        as is (von Neumann, nats, every bond)
``eps_error``               ``truncation_error``    as is (TeNPy's accumulated discarded weight ε)
``trunc_err_eps``           ``truncation_error``    as is (older name)
``bond_dimension``          ``max_bond_dimension``  maximum over the bonds
``energy_MPO``              ``energy``              as is
``bond_energies``           ``energy``              sum over the bonds, when there is no ``energy_MPO``
==========================  ======================  ===================================================

Every other numeric time series is kept as ``tenpy_<name>`` (checked for NaN and inf); what is not a
time series is listed in ``meta.tenpy.ignored``. The totals (``total_spin_z``) are not invented: the
checks sum ``spin_z`` themselves.

The model in the metadata
-------------------------
A file of TeNPy's ``XXZChain`` (``model_class`` ``XXZChain``, finite, scalar ``L``, ``Jxx``, ``Jz``,
``hz``) with a product initial state (``lat_product_state`` / ``mps_product_state`` of ``up``/``down``)
becomes this package's :class:`verify.models.XXZChain` with the same parameters: ``meta.model`` names
it, and the checks apply the XXZ laws (2S^z conserved and equal to #↑ − #↓, |⟨σ^z_i⟩| ≤ 1, the bond
entropies below ln 2^min(b, L − b)). Any other file, or a ``model`` passed here (a registered parameter
object or a :class:`verify.models.ChainModel`), is described by what is known: ``meta.model`` =
``{"model": "tenpy:<model_class>", ...parameters}``, ``meta.site_dims`` from the saved MPS; the
conserved charges come from ``model`` or, on the command line, from ``--model``, ``--conserved``,
``--n-e`` (:func:`verify.checks.check_run`).

:func:`read_tenpy_mps` reads a saved MPS (``hdf5_io.save(psi, "psi.h5")`` or the ``psi`` of a results
file) as a :class:`verify.mps.MPS`; :func:`mps_record` turns it into a one-row record (norm, bond
entropies, bond dimension) for ``python -m verify check psi.h5``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from entanglement import schmidt_entropies
from verify.interop.hdf5 import SKIPPED, mps_groups, open_hdf5, physical_dims, read_mps, read_node, site_labels
from verify.models import XXZChain, as_chain
from verify.mps import MPS
from verify.records import RunResult, run_meta

__all__ = ["TENPY_MEASUREMENTS", "mps_record", "read_tenpy_hdf5", "read_tenpy_mps", "tenpy_xxz_model"]

TENPY_MEASUREMENTS: dict[str, tuple[str, float]] = {
    "<Sz>": ("spin_z", 2.0),
    "<Sigmaz>": ("spin_z", 1.0),
    "<N>": ("density", 1.0),
    "<Ntot>": ("density", 1.0),
    "entropy": ("bond_entropy", 1.0),
    "eps_error": ("truncation_error", 1.0),
    "trunc_err_eps": ("truncation_error", 1.0),
    "energy_MPO": ("energy", 1.0),
}
"""TeNPy measurement name → (record key, factor) (module docstring); ``bond_dimension`` and
``bond_energies`` are reduced over the bonds."""

_UP, _DOWN = ("up", "↑", "u", "0.5"), ("down", "↓", "d", "-0.5")
_IMAGINARY_RTOL = 1e-10
"""A measured expectation value of a Hermitian operator has an imaginary part of round-off size only."""


def _real_series(name: str, value: np.ndarray, source: str) -> np.ndarray:
    if np.iscomplexobj(value):
        scale = max(1.0, float(np.max(np.abs(value.real), initial=0.0)))
        if float(np.max(np.abs(value.imag), initial=0.0)) > _IMAGINARY_RTOL * scale:
            raise ValueError(f"{source}: measurement '{name}' has an imaginary part (not a Hermitian observable)")
        value = value.real
    return np.asarray(value, dtype=float)


def _time_grid(measurements: Mapping[str, Any], source: str) -> np.ndarray:
    t = measurements.get("evolved_time")
    if not isinstance(t, np.ndarray) or t.ndim != 1 or t.size == 0 or t.dtype.kind not in "iufc":
        raise ValueError(
            f"{source}: no measurements/evolved_time array: not the results of a tenpy time evolution "
            "(RealTimeEvolution records it by default)"
        )
    if np.iscomplexobj(t) and np.any(t.imag != 0):
        raise ValueError(f"{source}: measurements/evolved_time is complex (an imaginary-time evolution, not a run)")
    return np.asarray(t.real, dtype=float)


def _safe_key(name: str) -> str:
    return "tenpy_" + ("".join(c if c.isalnum() or c == "_" else "_" for c in name).strip("_") or "value")


def _measurement_arrays(measurements: Mapping[str, Any], source: str) -> tuple[dict[str, np.ndarray], dict, dict]:
    """(record arrays, record key → TeNPy source, ignored name → reason). A measurement reduced over the
    bonds (``bond_dimension``, ``bond_energies``) is kept as it is as well, so that every value is checked."""
    t = _time_grid(measurements, source)
    arrays: dict[str, np.ndarray] = {"t": t}
    origin: dict[str, str] = {"t": "evolved_time"}
    ignored: dict[str, str] = {}
    for name, value in sorted(measurements.items()):
        if name == "evolved_time":
            continue
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "biufc" or value.ndim < 1 \
                or value.shape[0] != t.size:
            ignored[name] = "not a numeric time series"
            continue
        key, factor = TENPY_MEASUREMENTS.get(name, (None, 1.0))
        reduced = None
        if name == "bond_dimension" and value.ndim == 2:
            key, reduced, how = "max_bond_dimension", value.max(axis=1), "max over bonds of bond_dimension"
        if name == "bond_energies" and value.ndim == 2 and "energy_MPO" not in measurements:
            key, reduced, how = "energy", value.sum(axis=1), "sum over bonds of bond_energies"
        if reduced is not None:
            arrays[key], origin[key] = _real_series(name, reduced, source), how
        if key is None or key in arrays:
            arrays[_safe_key(name)] = value.astype(np.complex128 if np.iscomplexobj(value) else float)
            origin[_safe_key(name)] = name
            continue
        arrays[key] = factor * _real_series(name, value, source)
        origin[key] = name if factor == 1.0 else f"{factor:g} * {name}"
    return arrays, origin, ignored


def _product_labels(initial: Mapping[str, Any], n_sites: int, site_labels: Mapping[str, int] | None) -> str | None:
    """The initial product state as one ``u``/``d`` per site, or None when it is not one."""
    method, state = initial.get("method"), initial.get("product_state")
    if method not in ("lat_product_state", "mps_product_state") or not isinstance(state, list) or not state:
        return None
    if method == "lat_product_state":  # a chain: entries [label] per unit cell, tiled along the chain
        cells = [entry[0] if isinstance(entry, list) and len(entry) == 1 else entry for entry in state]
        if n_sites % len(cells) and not initial.get("allow_incommensurate"):
            return None
        state = [cells[i % len(cells)] for i in range(n_sites)]
    if len(state) != n_sites:
        return None
    by_index = {index: label for label, index in (site_labels or {}).items()}
    letters = []
    for entry in state:
        label = by_index.get(entry) if isinstance(entry, int) and not isinstance(entry, bool) else entry
        if label in _UP:
            letters.append("u")
        elif label in _DOWN:
            letters.append("d")
        else:
            return None
    return "".join(letters)


def tenpy_xxz_model(params: Mapping[str, Any], site_labels: Mapping[str, int] | None = None) -> XXZChain | None:
    """The :class:`verify.models.XXZChain` of a TeNPy ``XXZChain`` run's ``simulation_parameters``, or None.

    TeNPy's defaults fill missing parameters (``L`` = 2, ``Jxx`` = ``Jz`` = 1, ``hz`` = 0); couplings
    that vary along the chain, infinite boundary conditions or an initial state that is not an up/down
    product state give None.
    """
    model_class = params.get("model_class")
    if not isinstance(model_class, str) or model_class.rsplit(".", 1)[-1] != "XXZChain":
        return None
    model_params = params.get("model_params") or {}
    if not isinstance(model_params, Mapping) or model_params.get("bc_MPS", "finite") != "finite":
        return None
    values = {key: model_params.get(name, default) for key, name, default in
              (("j_xx", "Jxx", 1.0), ("j_z", "Jz", 1.0), ("h_z", "hz", 0.0))}
    n_sites = model_params.get("L", 2)
    if not isinstance(n_sites, int) or not all(isinstance(v, (int, float)) for v in values.values()):
        return None
    initial = params.get("initial_state_params") or {}
    labels = _product_labels(initial, n_sites, site_labels) if isinstance(initial, Mapping) else None
    if labels is None:
        return None
    try:
        return XXZChain(n_sites=n_sites, initial=labels, **values)
    except (TypeError, ValueError):
        return None


def _plain(value: Any) -> Any:
    """JSON-ready copy of a value read from the file (arrays as lists, skipped entries dropped)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if v is not SKIPPED}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value if v is not SKIPPED]
    if isinstance(value, np.ndarray):
        return value.tolist() if value.size <= 64 else f"array of shape {list(value.shape)}"
    if isinstance(value, complex):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _dt_out(t: np.ndarray, algorithm: Mapping[str, Any]) -> float:
    if t.size >= 2 and t[1] > t[0]:
        return float(t[1] - t[0])
    dt, steps = algorithm.get("dt", 1.0), algorithm.get("N_steps", 1)
    interval = dt * steps if isinstance(dt, (int, float)) and isinstance(steps, int) else 1.0
    return float(interval) if interval > 0 else 1.0


def _meta(model: Any, params: Mapping[str, Any], t: np.ndarray, site_dims: list[int] | None) -> dict[str, Any]:
    """The record's metadata (module docstring): the package's model, else what the file says."""
    algorithm = params.get("algorithm_params") if isinstance(params.get("algorithm_params"), Mapping) else {}
    method = f"tenpy.{params.get('algorithm_class', 'TEBDEngine')}"
    if model is not None:
        chain = as_chain(model)
        return run_meta(chain, method=method, times=t, t_max=float(t[-1]), dt_out=_dt_out(t, algorithm),
                        cut=chain.cut)
    model_class = params.get("model_class") if isinstance(params.get("model_class"), str) else "unknown"
    model_params = params.get("model_params") if isinstance(params.get("model_params"), Mapping) else {}
    meta: dict[str, Any] = {
        "model": {**_plain(model_params), "model": f"tenpy:{model_class}"},
        "method": method, "t_max": float(t[-1]), "dt_out": _dt_out(t, algorithm), "n_times": int(t.size),
    }
    if site_dims is not None and len(site_dims) >= 2:
        meta["site_dims"] = site_dims
    return meta


def _file_parts(handle: Any, source: str) -> tuple[dict, dict, Any]:
    if "measurements" not in handle:
        raise ValueError(f"{source}: no 'measurements' group: not a tenpy Simulation results file "
                         "(a saved MPS is read by read_tenpy_mps)")
    measurements = read_node(handle["measurements"])
    params = read_node(handle["simulation_parameters"]) if "simulation_parameters" in handle else {}
    if not isinstance(measurements, dict):
        raise ValueError(f"{source}: 'measurements' is not a group of measurement arrays")
    psi = mps_groups(handle).get("/psi")
    return measurements, params if isinstance(params, dict) else {}, psi


def read_tenpy_hdf5(path: str | os.PathLike, *, model: Any = None) -> RunResult:
    """A TeNPy ``Simulation`` results file as a run record (module docstring).

    Parameters
    ----------
    path : str or path-like
        The HDF5 file ``tenpy.tools.hdf5_io`` wrote (``output_filename`` of a simulation).
    model : XXZChain, PRXChain or ChainModel, optional
        The model the run evolved, in this package's terms (its ``meta.model``, conserved charges,
        sector and site dimensions go into the metadata). Default: read from the file for an
        ``XXZChain``, else none (the file's model class and parameters are recorded as they are).

    Returns
    -------
    RunResult
        ``meta.source`` names the file and the TeNPy version; ``meta.tenpy`` maps every record key to
        its measurement and lists the measurements not read.

    Raises
    ------
    FileNotFoundError
        When ``path`` is not a file.
    ValueError
        When it is not an HDF5 results file of a TeNPy time evolution (no ``measurements/evolved_time``),
        a mapped measurement is complex beyond round-off, or the model does not fit the arrays.
    ImportError
        When h5py is not installed.
    """
    source = str(path)
    if model is not None:
        as_chain(model)  # TypeError for anything that is not a chain model
    with open_hdf5(path) as handle:
        measurements, params, psi = _file_parts(handle, source)
        labels = site_labels(psi, 1)[0] if psi is not None else None
        site_dims = physical_dims(psi) if psi is not None else None
        version = read_node(handle["version_info"]) if "version_info" in handle else {}
    arrays, origin, ignored = _measurement_arrays(measurements, source)
    if model is None:
        model = tenpy_xxz_model(params, labels)
    meta = _meta(model, params, arrays["t"], site_dims)
    version = version if isinstance(version, dict) else {}
    meta["source"] = {"format": "tenpy-hdf5", "file": Path(path).name, "library": "tenpy",
                      "version": str(version.get("tenpy", "unknown")),
                      "simulation_class": str(version.get("simulation_class", "unknown"))}
    meta["tenpy"] = {"measurements": origin, "ignored": ignored,
                     "algorithm_params": _plain(params.get("algorithm_params", {}))}
    return RunResult(arrays, meta)


def read_tenpy_mps(path: str | os.PathLike, *, group: str | None = None,
                   labels: Sequence[str] | None = None) -> MPS:
    """A finite MPS saved by TeNPy's ``hdf5_io`` (the file's root, or its ``psi``) as a :class:`verify.mps.MPS`.

    Parameters
    ----------
    path : str or path-like
    group : str, optional
        Path of the MPS inside the file (``"/"``, ``"/psi"``); default the only one there.
    labels : sequence of str, optional
        Reorder every site's basis into this order of TeNPy state labels (``("up", "down")``: this
        package's order for spins 1/2; TeNPy sorts a charge-conserving site's basis by charge).

    Raises
    ------
    FileNotFoundError, ValueError, ImportError
        As for :func:`read_tenpy_hdf5`; ValueError also when the file holds no MPS or several and
        ``group`` does not say which, or when ``labels`` do not name each state of a site once.
    TypeError
        When ``group`` is not a str or ``labels`` not a sequence of str.
    """
    if group is not None and not isinstance(group, str):
        raise TypeError(f"group must be the path of an MPS group in the file (str), got {group!r}")
    with open_hdf5(path) as handle:
        found = mps_groups(handle)
        if group is not None:
            key = "/" + group.strip("/") if group.strip("/") else "/"
            if key not in found:
                raise ValueError(f"{path}: no TeNPy MPS at {group!r}; MPS groups: {sorted(found) or 'none'}")
        elif len(found) != 1:
            raise ValueError(f"{path}: {'no TeNPy MPS' if not found else 'several MPS: ' + str(sorted(found))}"
                             + ("; pass group=" if found else ""))
        else:
            key = next(iter(found))
        return read_mps(found[key], labels=labels)


def mps_record(psi: MPS, *, meta: Mapping[str, Any] | None = None) -> RunResult:
    """A one-row record of a single state (t = 0): its norm, the entropy at every bond (from its Schmidt
    values) and its largest bond dimension; ``meta.site_dims`` its local dimensions."""
    sweep = psi.sweep()
    norm_squared = float(sweep.norm_squared)
    entropies = schmidt_entropies(sweep.schmidt)
    arrays = {
        "t": np.zeros(1),
        "norm": np.array([math.sqrt(norm_squared)]),
        "bond_entropy": np.array([entropies]),
        "max_bond_dimension": np.array([float(psi.max_bond_dimension())]),
    }
    return RunResult(arrays, {"method": "state", "site_dims": list(psi.dims), "conserved": [],
                              "energy_conserved": False, **dict(meta or {})})

