"""Reading a record for the checks: the accepted forms, array validation, metadata and the schema.

:func:`load_record` accepts a :class:`~verify.records.run.RunResult`, the path of a saved record or a
mapping of arrays. Every numeric array is kept (:func:`verify.checks.check_run` checks them all for
NaN and inf); the arrays the checks read are validated (:data:`ARRAY_SHAPES`, and the keys of the
record's schema). The schema comes from the metadata (:func:`schema_of_record`):

* a registered model kind (``meta.model.model`` in :data:`verify.models.MODEL_KINDS`) whose
  parameters rebuild the model: :func:`verify.models.record_schema` at the record's cut;
* any other chain model (a ``ChainModel`` built by hand and run through the package's drivers): the
  record's declaration — ``meta.conserved``, ``meta.sector``, ``meta.site_dims``, ``meta.cut``,
  ``meta.units`` as :func:`verify.records.run_meta` writes them — through
  :func:`verify.models.declared_record_schema`;
* none (bare arrays, a hand-written sidecar): the checks fall back to the metadata's ``n_fm`` /
  ``n_sites`` and the array names (:func:`legacy_model_name`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from states.validation import is_integer, require_int
from verify.models import (
    MODEL_KINDS,
    PairOnRing,
    RecordSchema,
    as_chain,
    declared_record_schema,
    model_from_dict,
    record_schema,
    validate_cut,
)
from verify.records.run import RunResult, load_run
from verify.records.sidecar import validate_sidecar

__all__ = [
    "ARRAY_SHAPES",
    "MAX_META_COUNT",
    "declared_schema_of_meta",
    "legacy_model_name",
    "load_record",
    "meta_cut",
    "meta_int",
    "model_of_meta",
    "model_params",
    "parse_conserved",
    "schema_of_meta",
    "schema_of_record",
    "validate_model_meta",
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
"""The arrays the checks read by name, with their expected shapes. A record's other numeric arrays are
validated against its schema's shapes when it declares them, and checked for NaN and inf in any case."""

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


CHARGE_ALIASES = {"N": "N", "n": "N", "Sz": "2Sz", "2Sz": "2Sz", "S^z": "2Sz", "sz": "2Sz", "SZ": "2Sz"}
"""Names of the two charges the checks know by name, as a user may write them (2S^z in Pauli units)."""


def parse_conserved(conserved: object) -> tuple[tuple[str, ...], bool]:
    """``(charges, energy)`` of a declaration such as ``"N,Sz,energy"`` or ``["N", "2Sz"]``.

    ``N`` (particle number) and ``Sz`` / ``2Sz`` / ``S^z`` (the total S^z, recorded as 2S^z in Pauli
    units) are the charges of :data:`verify.models.CHARGE_RECORD_KEYS`; any other name is a charge
    recorded as ``total_<name>``; ``energy`` says that H is time independent (the energy check applies);
    ``norm`` is accepted (the norm is always checked).

    Raises
    ------
    TypeError
        Unless a string or a sequence of strings.
    ValueError
        For an empty or repeated name, or a name that is not an identifier.

    Examples
    --------
    >>> parse_conserved("N,Sz,energy")
    (('N', '2Sz'), True)
    """
    if isinstance(conserved, str):
        names = [name.strip() for name in conserved.split(",")]
    elif isinstance(conserved, Sequence) and not isinstance(conserved, bytes):
        names = list(conserved)
    else:
        raise TypeError(f"conserved must be a comma-separated string or a list of names, got {conserved!r}")
    charges: list[str] = []
    energy = False
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"conserved names must be strings, got {name!r}")
        if name.lower() in ("energy", "h", "e"):
            energy = True
            continue
        if name.lower() == "norm":
            continue
        charge = CHARGE_ALIASES.get(name, name)
        if not charge or not (charge.isidentifier() or charge == "2Sz"):
            raise ValueError(f"conserved: {name!r} is not a charge name (e.g. N, Sz, Nu, energy)")
        if charge in charges:
            raise ValueError(f"conserved lists {name!r} twice")
        charges.append(charge)
    return tuple(charges), energy


MAX_META_COUNT = 10**9
"""Largest count (sites, electrons, spins) a record's metadata may state: beyond it no record fits in memory,
and ``float(n)`` of a 10**400 would overflow."""


def meta_int(params: Mapping[str, Any], key: str, source: str) -> int | None:
    """A nonnegative integer from the metadata (at most :data:`MAX_META_COUNT`), or None when absent.

    Raises
    ------
    TypeError
        When it is not an integer.
    ValueError
        When it is negative or above :data:`MAX_META_COUNT`.
    """
    value = params.get(key)
    if value is None:
        return None
    return require_int(f"{source}: metadata '{key}'", value, minimum=0, maximum=MAX_META_COUNT)


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


def meta_cut(params: Mapping[str, Any], n_sites: int, source: str) -> int | None:
    """The entropy cut of the metadata (``cut``, else ``entropy_cut_site``), or None when absent.

    Raises
    ------
    TypeError
        For a cut that is not an integer.
    ValueError
        Unless 1 <= cut <= n_sites − 1 (:func:`verify.models.validate_cut`); the message names the key.
    """
    key = "cut" if "cut" in params else "entropy_cut_site"
    value = params.get(key)
    if value is None:
        return None
    try:
        return validate_cut(value, n_sites)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{source}: metadata '{key}': {exc}") from None


def schema_of_meta(model: Any, params: Mapping[str, Any], source: str = "record") -> RecordSchema:
    """The record schema of ``model`` at the metadata's cut (:func:`meta_cut`) and, for the pair model,
    its initial state (``pair``).

    Raises
    ------
    TypeError, ValueError
        For an invalid cut or pair state in the metadata.
    """
    if isinstance(model, PairOnRing):
        return record_schema(model, pair=params.get("pair"))
    return record_schema(model, cut=meta_cut(params, as_chain(model).n_sites, source))


def _sequence(params: Mapping[str, Any], key: str, source: str) -> Sequence[Any]:
    value = params[key]
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{source}: metadata '{key}' must be a list, got {value!r}")
    return value


def declared_schema_of_meta(params: Mapping[str, Any], source: str = "record") -> RecordSchema | None:
    """The schema a record of an unregistered chain model declares, or None.

    Applies when ``meta.model.model`` is not a registered kind and the metadata holds ``conserved``
    (:func:`verify.records.run_meta` writes it, with ``site_dims``, ``sector``, ``cut`` and ``units``,
    for every chain model; ``python -m verify check --conserved`` declares it for any record):
    :func:`verify.models.declared_record_schema` of those — without ``site_dims``, a schema without
    entropy bounds; the report names the record's kind (``"unknown"`` when ``meta.model`` has none).

    Raises
    ------
    TypeError, ValueError
        For a declaration of the wrong type or value (the message names the key), e.g. a cut of 0 or N.
    """
    kind = params.get("model")
    if (isinstance(kind, str) and kind in MODEL_KINDS) or "conserved" not in params:
        return None
    conserved = _sequence(params, "conserved", source)
    dims = _sequence(params, "site_dims", source) if "site_dims" in params else None
    sector = params.get("sector") or {}
    units = params.get("units")
    try:
        cut = meta_cut(params, len(dims), source) if dims is not None and len(dims) >= 2 else None
        return declared_record_schema(
            kind if isinstance(kind, str) else "unknown", conserved=conserved, sector=sector, site_dims=dims,
            cut=cut, units=units if isinstance(units, Mapping) else None,
        )
    except (TypeError, ValueError) as exc:
        message = str(exc) if str(exc).startswith(f"{source}:") else f"{source}: metadata {exc}"
        raise type(exc)(message) from None


def schema_of_record(params: Mapping[str, Any], source: str = "record") -> RecordSchema | None:
    """The schema the (flattened) metadata gives: the registered model's (:func:`model_of_meta`,
    :func:`schema_of_meta`), else the declared one (:func:`declared_schema_of_meta`), else None."""
    model = model_of_meta(params)
    if model is not None:
        return schema_of_meta(model, params, source)
    return declared_schema_of_meta(params, source)


def legacy_model_name(params: Mapping[str, Any], arrays: Mapping[str, Any]) -> str:
    """The model kind of a record without a schema (:func:`schema_of_record` is None): the metadata's
    registered kind, else guessed from the array names (``"pair"``, ``"xxz"``, ``"prx"``), else
    ``"unknown"``. Only bare records are guessed at: a chain model's record declares its laws."""
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
    *,
    kind: str | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, Any], str]:
    """Return ``(arrays, meta, source)`` for a record given in any accepted form.

    Arrays are converted to float64; those the checks read are validated (numeric, real, shapes as in
    :data:`ARRAY_SHAPES` with the sizes of the record's schema, or the schema's own shapes, a common
    time axis). Other numeric arrays are kept as they are (complex ones as complex128) for the
    finite-value check; non-numeric ones are left out. ``meta`` overrides the record's own metadata
    key by key; ``kind`` replaces the model kind ``meta.model.model`` (keeping the model's other
    parameters). The merged metadata is validated against the sidecar schema
    (:func:`verify.records.validate_sidecar`, ``docs/run_record.schema.json``).

    Raises
    ------
    FileNotFoundError
        For a path that is not a file.
    ValueError
        For an unreadable file, a missing ``t``, a non-numeric or complex array the checks read, a
        mis-shaped one, or invalid metadata (e.g. a cut outside 1..N−1); the message names the source
        and the key.
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
    if kind is not None:
        own_model = merged_meta.get("model")
        merged_meta["model"] = {**own_model, "model": kind} if isinstance(own_model, Mapping) else {"model": kind}
    validate_sidecar(merged_meta, f"{source}: metadata")
    validate_model_meta(merged_meta, raw, source)
    arrays = _validate_arrays(raw, merged_meta, source)
    return arrays, merged_meta, source


_SITE_AXIS_KEYS = ("density", "spin_density_z", "spin_z")


def validate_model_meta(meta: Mapping[str, Any], arrays: Mapping[str, Any], source: str) -> None:
    """The model the metadata names, checked before it is built (a relabelled or corrupted sidecar).

    * ``meta.model`` a mapping of a registered kind with parameters: no key that is not a parameter of
      that kind (a record relabelled as another model), every given value of the right type and range,
      a size no larger than the record's site axis (``density``, ``spin_z`` ...: checked before the
      model, whose construction is O(N), is built), and all parameters together a valid model;
    * ``meta.model`` the bare name of a registered chain kind next to a chain model's declaration
      (``conserved``): refused, a chain model's record carries its parameters.

    Raises
    ------
    TypeError, ValueError
        Naming the source and the key.
    """
    model = meta.get("model")
    if isinstance(model, str):
        cls = MODEL_KINDS.get(model)
        if cls is not None and callable(getattr(cls, "chain", None)) and "conserved" in meta:
            raise ValueError(
                f"{source}: metadata 'model' is the bare kind {model!r}, but a {model} record carries its "
                "parameters ({'model': kind, ...})"
            )
        return
    if not isinstance(model, Mapping) or not set(model) - {"model"}:
        return
    kind = model.get("model")
    cls = MODEL_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        return
    names = {item.name for item in dataclasses.fields(cls)}
    unknown = sorted(str(key) for key in set(model) - names - {"model"})
    if unknown:
        raise ValueError(
            f"{source}: metadata 'model': {', '.join(unknown)} are not parameters of the {kind} model "
            "(a record relabelled as another model?)"
        )
    n_sites = model.get("n_sites")
    if is_integer(n_sites):
        for key in _SITE_AXIS_KEYS:
            shape = np.shape(arrays.get(key)) if key in arrays else ()
            if len(shape) == 2 and shape[1] != n_sites:
                raise ValueError(
                    f"{source}: key '{key}' has {shape[1]} sites, but the metadata's model has n_sites = {n_sites}"
                )
        if n_sites > MAX_META_COUNT:
            raise ValueError(f"{source}: metadata 'model.n_sites' = {n_sites} exceeds {MAX_META_COUNT:.0e}")
    if names <= set(model):  # a complete parameter set: it must make a valid model
        try:
            model_from_dict({name: model[name] for name in (*sorted(names), "model")})
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{source}: metadata 'model' is not a valid {kind} model: {exc}") from None


def _expected_shapes(schema: RecordSchema | None) -> dict[str, tuple[str | int, ...]]:
    """Expected shapes: :data:`ARRAY_SHAPES` (symbols), plus the schema's other keys (exact sizes)."""
    expected: dict[str, tuple[str | int, ...]] = dict(ARRAY_SHAPES)
    if schema is not None:
        expected.update({key: ("t", *shape) for key, shape in schema.shapes.items() if key not in ARRAY_SHAPES})
    return expected


def _numeric_arrays(raw: Mapping[str, Any], source: str, expected: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The arrays, float64: the expected keys must be real numeric arrays; any other key is kept when it
    is numeric (complex as complex128, for the finite check only) and left out otherwise."""
    if "t" not in raw:
        raise ValueError(f"{source}: missing key 't' (the time grid)")
    arrays: dict[str, np.ndarray] = {}
    for key, value in raw.items():
        strict = key in expected
        try:
            array = np.asarray(value)
        except (ValueError, TypeError) as exc:
            if strict:
                raise ValueError(f"{source}: key '{key}' is not an array ({exc})") from None
            continue
        if array.dtype.kind == "c":
            if strict:
                raise ValueError(f"{source}: key '{key}' is complex; run records store real observables")
            arrays[key] = array.astype(np.complex128, copy=False)
        elif array.dtype.kind in "iuf":
            arrays[key] = array.astype(np.float64, copy=False)
        elif strict:
            raise ValueError(f"{source}: key '{key}' must be a numeric array, got dtype {array.dtype}")
    t = arrays["t"]
    if t.ndim != 1 or t.shape[0] == 0:
        raise ValueError(f"{source}: key 't' must be a non-empty 1-D array, got shape {t.shape}")
    return arrays


def _sizes(params: Mapping[str, Any], schema: RecordSchema | None, arrays: Mapping[str, np.ndarray],
           source: str) -> dict[str, int | None]:
    """The sizes of the shape symbols: from the schema, else from the metadata (else the first array)."""
    sizes: dict[str, int | None] = {"t": arrays["t"].shape[0], "fm": None, "N": None, "bonds": None}
    if schema is not None:
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
    params = model_params(meta)
    schema = schema_of_record(params, source)
    expected_shapes = _expected_shapes(schema)
    arrays = _numeric_arrays(raw, source, expected_shapes)
    sizes = _sizes(params, schema, arrays, source)
    for key, array in arrays.items():
        expected = expected_shapes.get(key)
        if expected is None:
            continue  # a numeric array the checks do not read: only checked for NaN and inf
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
