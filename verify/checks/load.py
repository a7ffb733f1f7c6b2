"""Reading a record for the checks: the accepted forms, array validation, metadata and the model.

:func:`load_record` accepts a :class:`~verify.records.run.RunResult`, the path of a saved record or a
mapping of arrays, and validates the arrays the checks read (:data:`ARRAY_SHAPES`). Their sizes
(number of localized spins, sites, bonds) come from the model named in the metadata
(:func:`model_of_meta`, :func:`verify.models.record_schema`); a record without a known model falls
back to the metadata's ``n_fm``/``n_sites`` or, failing those, to the first array that has the axis.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from states.validation import is_integer, require_int
from verify.models import MODEL_KINDS, PairOnRing, RecordSchema, model_from_dict, record_schema
from verify.records.run import RunResult, load_run

__all__ = [
    "ARRAY_SHAPES",
    "legacy_model_name",
    "load_record",
    "meta_int",
    "model_of_meta",
    "model_params",
    "schema_of_meta",
]

# Expected shapes: symbols are "t" (number of times), "fm" (N_FM), "N" (sites), "bonds" (N − 1).
ARRAY_SHAPES: dict[str, tuple[str | int, ...]] = {
    "t": ("t",),
    "norm": ("t",),
    "energy": ("t",),
    "spin": ("t", "fm", 3),
    "spin_purity": ("t", "fm"),
    "spin_z_total": ("t",),
    "electron_spin": ("t", 3),
    "electron_spin_purity": ("t",),
    "density": ("t", "N"),
    "spin_density_z": ("t", "N"),
    "entropy_cut": ("t",),
    "mutual_info_edges": ("t",),
    "mutual_info_entropy_a": ("t",),
    "mutual_info_entropy_b": ("t",),
    "meyer_wallach": ("t",),
    "max_bond_dimension": ("t",),
    "truncation_error": ("t",),
    "truncation_limited_steps": ("t",),
    "sigma_z": ("t",),
    "S_z": ("t",),
    "spin_transfer": ("t",),
    "pair_probabilities": ("t", 4),
    "sz_total": ("t",),
    "total_spin_z": ("t",),
    "n_electrons": ("t",),
    "spin_z": ("t", "N"),
    "bond_entropy": ("t", "bonds"),
}
"""The arrays the checks read, with their expected shapes (other arrays of a record are ignored)."""

_PAIR_KEYS = frozenset({"sigma_z", "S_z", "spin_transfer", "pair_probabilities", "sz_total"})
_PRX_KEYS = frozenset({"spin", "spin_z_total", "electron_spin", "density", "entropy_cut", "meyer_wallach"})
_SYMBOL_NAMES = {"t": "n_t", "fm": "n_fm", "N": "n_sites", "bonds": "n_sites - 1"}


def model_params(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Model parameters from a sidecar, flattened.

    The package writes them nested, ``{"model": {"model": "prx", "n_e": 8, ...}, "cut": 38, ...}``;
    a ``params``/``parameters``/``model_params`` mapping is read the same way. Top-level keys
    override nested ones (so ``meta={"n_e": 3}`` passed to :func:`verify.checks.check_run` wins).
    """
    params: dict[str, Any] = {}
    for key in ("model", "params", "parameters", "model_params"):
        nested = meta.get(key)
        if isinstance(nested, Mapping):
            params.update(nested)
    params.update({key: value for key, value in meta.items() if not (key in params and isinstance(value, Mapping))})
    return params


def meta_int(params: Mapping[str, Any], key: str, source: str) -> int | None:
    """A nonnegative integer from the metadata, or None when absent.

    Raises
    ------
    TypeError
        When it is not an integer.
    ValueError
        When it is negative.
    """
    value = params.get(key)
    if value is None:
        return None
    return require_int(f"{source}: metadata '{key}'", value, minimum=0)


def model_of_meta(params: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> Any | None:
    """The model parameters the (flattened) metadata names, with ``overrides`` of their fields.

    Returns None when the metadata names no known model kind, or when its parameters do not make a
    valid model (a hand-written sidecar with a few keys): the checks then fall back to reading the
    metadata key by key, as for a bare record.
    """
    kind = params.get("model")
    cls = MODEL_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        return None
    names = {item.name for item in dataclasses.fields(cls)}
    values = {key: value for key, value in params.items() if key in names}
    values.update({key: value for key, value in (overrides or {}).items() if key in names and value is not None})
    try:
        return model_from_dict({"model": kind, **values})
    except (TypeError, ValueError):
        return None


def schema_of_meta(model: Any, params: Mapping[str, Any]) -> RecordSchema:
    """The record schema of ``model`` at the metadata's cut (``cut``) and, for the pair model, its
    initial state (``pair``).

    Raises
    ------
    TypeError, ValueError
        For an invalid cut or pair state in the metadata.
    """
    if isinstance(model, PairOnRing):
        return record_schema(model, pair=params.get("pair"))
    return record_schema(model, cut=params.get("cut", params.get("entropy_cut_site")))


def legacy_model_name(params: Mapping[str, Any], arrays: Mapping[str, Any]) -> str:
    """The model kind of a record without a usable model: the metadata's kind, else guessed from the
    array names (``"pair"``, ``"xxz"``, ``"prx"``), else ``"unknown"``."""
    model = params.get("model")
    if isinstance(model, str) and model in MODEL_KINDS:
        return model
    if _PAIR_KEYS & set(arrays):
        return "pair"
    if "spin_z" in arrays:
        return "xxz"
    if _PRX_KEYS & set(arrays):
        return "prx"
    return "unknown"


def load_record(
    record: RunResult | str | os.PathLike | Mapping[str, Any],
    meta: Mapping[str, Any] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, Any], str]:
    """Return ``(arrays, meta, source)`` for a record given in any accepted form.

    Arrays are converted to float64 and validated (numeric, real, shapes as in :data:`ARRAY_SHAPES`
    with the sizes of the model named in the metadata, a common time axis); ``meta`` overrides the
    record's own metadata key by key.

    Raises
    ------
    FileNotFoundError
        For a path that is not a file.
    ValueError
        For an unreadable file, a missing ``t``, a non-numeric or complex array, or a mis-shaped
        one; the message names the source and the key.
    TypeError
        When ``record`` is of none of the accepted types.
    """
    if meta is not None and not isinstance(meta, Mapping):
        raise TypeError(f"meta must be a mapping (dict) or None, got {type(meta).__name__}")
    if isinstance(record, RunResult):
        raw, own_meta, source = dict(record.arrays), dict(record.meta), "RunResult"
    elif isinstance(record, (str, os.PathLike)):
        if isinstance(record, str) and not record:
            raise ValueError("empty path given for the run record")
        run = load_run(record)  # FileNotFoundError / ValueError naming the file
        raw, own_meta, source = dict(run.arrays), dict(run.meta), str(Path(record))
    elif isinstance(record, Mapping):
        raw, own_meta, source = dict(record), {}, "arrays"
    else:
        raise TypeError(
            "record must be a RunResult, a path to a .npz run record or a mapping of arrays, "
            f"got {type(record).__name__}"
        )
    for key in raw:
        if not isinstance(key, str):
            raise TypeError(f"{source}: array names must be strings, got {key!r}")
    merged_meta = {**own_meta, **(dict(meta) if meta else {})}
    arrays = _validate_arrays(raw, merged_meta, source)
    return arrays, merged_meta, source


def _numeric_arrays(raw: Mapping[str, Any], source: str) -> dict[str, np.ndarray]:
    if "t" not in raw:
        raise ValueError(f"{source}: missing key 't' (the time grid)")
    arrays: dict[str, np.ndarray] = {}
    for key, value in raw.items():
        if key not in ARRAY_SHAPES:
            continue  # arrays the checks do not read are left alone
        try:
            array = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{source}: key '{key}' is not an array ({exc})") from None
        if array.dtype.kind == "c":
            raise ValueError(f"{source}: key '{key}' is complex; run records store real observables")
        if array.dtype.kind not in "iuf":
            raise ValueError(f"{source}: key '{key}' must be a numeric array, got dtype {array.dtype}")
        arrays[key] = array.astype(np.float64, copy=False)
    t = arrays["t"]
    if t.ndim != 1 or t.shape[0] == 0:
        raise ValueError(f"{source}: key 't' must be a non-empty 1-D array, got shape {t.shape}")
    return arrays


def _sizes(meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray], source: str) -> dict[str, int | None]:
    """The sizes of the shape symbols: from the model's schema, else from the metadata."""
    params = model_params(meta)
    sizes: dict[str, int | None] = {"t": arrays["t"].shape[0], "fm": None, "N": None, "bonds": None}
    model = model_of_meta(params)
    if model is not None:
        schema = schema_of_meta(model, params)
        for key, shape in schema.shapes.items():
            for symbol, length in zip(ARRAY_SHAPES.get(key, ("t",))[1:], shape, strict=False):
                if isinstance(symbol, str):
                    sizes[symbol] = length
        return sizes
    sizes["fm"] = meta_int(params, "n_fm", source)
    if legacy_model_name(params, arrays) in ("prx", "xxz"):
        sizes["N"] = meta_int(params, "n_sites", source)
        sizes["bonds"] = None if not sizes["N"] else sizes["N"] - 1
    return sizes


def _shape_text(expected: tuple[str | int, ...]) -> str:
    return "(" + ", ".join(_SYMBOL_NAMES.get(s, s) if isinstance(s, str) else str(s) for s in expected) + ")"


def _validate_arrays(raw: Mapping[str, Any], meta: Mapping[str, Any], source: str) -> dict[str, np.ndarray]:
    arrays = _numeric_arrays(raw, source)
    sizes = _sizes(meta, arrays, source)
    for key, array in arrays.items():
        expected = ARRAY_SHAPES[key]
        if array.ndim != len(expected):
            raise ValueError(
                f"{source}: key '{key}' has shape {array.shape}, expected {len(expected)}-D {_shape_text(expected)}"
            )
        for axis, (symbol, length) in enumerate(zip(expected, array.shape, strict=True)):
            want = symbol if is_integer(symbol) else sizes[str(symbol)]
            if want is None:
                if length == 0:
                    raise ValueError(f"{source}: key '{key}' has an empty axis {axis} (shape {array.shape})")
                sizes[str(symbol)] = length  # first array fixes N_FM / N / the bonds
            elif length != want:
                what = "n_t = len(t)" if symbol == "t" else _SYMBOL_NAMES.get(str(symbol), "length")
                raise ValueError(
                    f"{source}: key '{key}' has shape {array.shape}, expected {_shape_text(expected)} with "
                    f"{what} = {want} (axis {axis} has length {length})"
                )
    return arrays
