"""The JSON sidecar of a run record: its schema, defined once, and the validator that applies it on load.

:data:`SIDECAR_SCHEMA` is a JSON Schema (draft 2020-12) of the metadata a record's ``.json`` sidecar
holds (``docs/run_records.md``): the fields every record shares (``model``, ``method``, the time grid,
``units``, ``initial_state``, ``drifts``, ...), the declaration a chain model's record carries
(``conserved``, ``sector``, ``site_dims``, ``cut``) and what a record made elsewhere may add for the
checks (``entropy_dims``, ``energy_conserved``, ``n_e``, ...). Every other field is allowed: evolvers
add their own (``tebd``, ``propagator``, ...). The published file ``docs/run_record.schema.json`` is
:func:`schema_json` — regenerate it with::

    python -c "from verify.records.sidecar import schema_json; print(schema_json(), end='')" \
        > docs/run_record.schema.json

(a test checks that the committed file equals the generated one).

:func:`validate_sidecar` checks a metadata dict against the schema with a small validator for the
subset of JSON Schema the schema uses (``type``, ``properties``, ``additionalProperties``,
``required``, ``items``, ``minItems``, ``maxItems``, ``uniqueItems``, ``minimum``,
``exclusiveMinimum``, ``minLength``, ``enum``), so no ``jsonschema`` dependency is needed;
:func:`verify.records.load_run` and :func:`verify.checks.load_record` call it. Values that depend on
each other (a cut within 1..N − 1, sector charges among the conserved ones) are checked where they are
read (:mod:`verify.checks.load`).
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["SIDECAR_SCHEMA", "schema_json", "validate_sidecar"]

_INT0 = {"type": "integer", "minimum": 0}
_DIMS_PAIR = {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 2, "maxItems": 2}


def _described(schema: Mapping[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, **schema}


SIDECAR_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "run_record.schema.json",
    "title": "qstt run record sidecar",
    "description": (
        "Metadata of a run record (RUN.json next to RUN.npz; docs/run_records.md). Every field is optional; "
        "fields not listed here are allowed (evolvers add their own, e.g. tebd, propagator)."
    ),
    "type": "object",
    "properties": {
        "model": _described(
            {"type": ["object", "string"], "properties": {"model": {"type": "string", "minLength": 1}}},
            "The model: its parameters with the kind under 'model' (e.g. {'model': 'xxz', 'n_sites': 8, ...}); "
            "a registered kind is rebuilt from them. A plain string names the kind only.",
        ),
        "method": _described({"type": "string"}, "How the run was made: exact, tebd, ode, chebyshev, ..."),
        "cut": _described({"type": "integer"}, "Last site (1-based) of the entropy_cut subsystem, 1 <= cut <= N - 1."),
        "entropy_cut_site": _described({"type": "integer"}, "Older name of cut."),
        "t_max": _described(
            {"type": "number", "minimum": 0},
            "End time of the record's grid: the requested one, or for a run ended early by its stop rule the time "
            "of its last output (the requested one is then stopped.t_max_asked).",
        ),
        "stopped": _described(
            {"type": "object", "required": ["t", "t_max_asked"],
             "properties": {"t": {"type": "number", "minimum": 0}, "t_max_asked": {"type": "number", "minimum": 0}}},
            "Only for a run ended early by its stop callable (simulate_tebd(..., stop=...)): the time of its last "
            "output and the t_max it was asked for.",
        ),
        "dt_out": _described({"type": "number", "exclusiveMinimum": 0}, "Requested output interval."),
        "n_times": _described(_INT0, "Number of output times."),
        "units": _described(
            {"type": "object", "additionalProperties": {"type": "string"}}, "Units of t, energy, spin, entropy."
        ),
        "conserved": _described(
            {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True},
            "Conserved charges of a chain model (N, 2Sz, any other charge recorded as total_<name>).",
        ),
        "sector": _described(
            {"type": "object", "additionalProperties": {"type": "integer"}},
            "Charges of which the initial state is an eigenstate, with their values (a subset of conserved).",
        ),
        "site_dims": _described(
            {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 2},
            "Local dimension of every site (the entropy bounds).",
        ),
        "entropy_dims": _described(_DIMS_PAIR, "Dimensions (d_left, d_right) of the entropy_cut bipartition."),
        "mutual_info_dims": _described(_DIMS_PAIR, "Dimensions of the two subsystems of mutual_info_edges."),
        "energy_conserved": _described(
            {"type": "boolean"}, "False when H depends on time: the energy check does not apply."
        ),
        "n_e": _described(_INT0, "Number of electrons (particle number N)."),
        "n_fm": _described(_INT0, "Number of localized spins."),
        "n_sites": _described(_INT0, "Number of sites."),
        "n_left": _described(_INT0, "PRX: sites left of the localized spins."),
        "convention": _described({"type": "string"}, "Pair model: normalizations of (sigma, S)."),
        "pair": _described({"type": "string"}, "Pair model: the initial pair state."),
        "base": _described({"type": "number", "exclusiveMinimum": 0}, "Logarithm base of the entropies."),
        "entropy_base": _described({"type": "number", "exclusiveMinimum": 0}, "Older name of base."),
        "initial_state": _described(
            {"type": "object", "properties": {"label": {"type": "string"}}},
            "The initial state: its label (records of earlier releases lack it) and what the evolver adds.",
        ),
        "drifts": _described(
            {"type": "object", "additionalProperties": {"type": "number"}}, "max_t |x(t) - x(0)| per quantity."
        ),
        "wall_time_s": _described({"type": "number", "minimum": 0}, "Wall time of the run in seconds."),
        "package_version": _described({"type": "string"}, "qstt version that wrote the record."),
        "python": _described({"type": "string"}, "Python version that wrote the record."),
        "command": _described({"type": "string"}, "The command line that wrote the record."),
        "run_id": _described(
            {"type": "string", "minLength": 1},
            "Random id shared with the .npz (its zip comment qstt-run-id:<id>): a record and a sidecar of two runs "
            "are refused.",
        ),
        "source": _described(
            {"type": "object", "properties": {"format": {"type": "string"}}},
            "Where a record read from another library came from (format, file, library version).",
        ),
    },
    "additionalProperties": True,
}
"""The sidecar schema (module docstring): the one definition behind ``docs/run_record.schema.json`` and
:func:`validate_sidecar`."""


def schema_json() -> str:
    """``docs/run_record.schema.json``: :data:`SIDECAR_SCHEMA` as indented JSON with a final newline."""
    return json.dumps(SIDECAR_SCHEMA, indent=2, ensure_ascii=False) + "\n"


_TYPES: dict[str, tuple[str, Any]] = {
    "object": ("an object", lambda v: isinstance(v, Mapping)),
    "array": ("a list", lambda v: isinstance(v, (list, tuple, np.ndarray))),
    "string": ("a string", lambda v: isinstance(v, str)),
    "integer": ("an integer", lambda v: isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))),
    "number": ("a number", lambda v: isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))),
    "boolean": ("true or false", lambda v: isinstance(v, (bool, np.bool_))),
    "null": ("null", lambda v: v is None),
}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_type(value: Any, schema: Mapping[str, Any], where: str) -> None:
    kinds = schema.get("type")
    if kinds is None:
        return
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    if not any(_TYPES[kind][1](value) for kind in kinds):
        expected = " or ".join(_TYPES[kind][0] for kind in kinds)
        raise TypeError(f"'{where}' must be {expected}, got {_shown(value)} ({type(value).__name__})")


def _check_value(value: Any, schema: Mapping[str, Any], where: str) -> None:
    if "enum" in schema and value not in schema["enum"]:
        raise ValueError(f"'{where}' must be one of {schema['enum']}, got {_shown(value)}")
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        if "minimum" in schema and not value >= schema["minimum"]:
            raise ValueError(f"'{where}' must be >= {schema['minimum']}, got {_shown(value)}")
        if "exclusiveMinimum" in schema and not value > schema["exclusiveMinimum"]:
            raise ValueError(f"'{where}' must be > {schema['exclusiveMinimum']}, got {_shown(value)}")
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        raise ValueError(f"'{where}' must be a non-empty string, got {value!r}")


def _check_object(value: Mapping[str, Any], schema: Mapping[str, Any], where: str) -> None:
    for key in schema.get("required", ()):
        if key not in value:
            raise ValueError(f"'{where}' lacks the required field '{key}'")
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if not isinstance(key, str):
            raise TypeError(f"'{where or '.'}' has a non-string field name {key!r}")
        path = f"{where}.{key}" if where else key
        if key in properties:
            _validate(item, properties[key], path)
        elif extra is False:
            raise ValueError(f"'{where or '.'}' has an unknown field '{key}'")
        elif isinstance(extra, Mapping):
            _validate(item, extra, path)


def _check_array(value: Sequence[Any], schema: Mapping[str, Any], where: str) -> None:
    items = list(value)
    if len(items) < schema.get("minItems", 0):
        raise ValueError(f"'{where}' must have at least {schema['minItems']} entries, got {len(items)}")
    if "maxItems" in schema and len(items) > schema["maxItems"]:
        raise ValueError(f"'{where}' must have at most {schema['maxItems']} entries, got {len(items)}")
    distinct = {json.dumps(item, sort_keys=True, default=str) for item in items}
    if schema.get("uniqueItems") and len(distinct) < len(items):
        raise ValueError(f"'{where}' lists an entry twice: {_shown(items)}")
    if "items" in schema:
        for index, item in enumerate(items):
            _validate(item, schema["items"], f"{where}[{index}]")


def _validate(value: Any, schema: Mapping[str, Any], where: str) -> None:
    _check_type(value, schema, where)
    _check_value(value, schema, where)
    if isinstance(value, Mapping):
        _check_object(value, schema, where)
    elif isinstance(value, (list, tuple, np.ndarray)):
        _check_array(value, schema, where)


def validate_sidecar(meta: object, source: str = "sidecar") -> None:
    """Check run-record metadata against :data:`SIDECAR_SCHEMA`.

    Parameters
    ----------
    meta : mapping
        The sidecar's content (or a record's ``meta``).
    source : str
        How the metadata is named in messages (a file, ``"record: metadata"``).

    Raises
    ------
    TypeError
        For a field of the wrong JSON type (the message names the field, e.g. ``'site_dims'[1]``).
    ValueError
        For a value out of range, a missing required field or a repeated entry.

    Examples
    --------
    >>> validate_sidecar({"model": {"model": "xxz", "n_sites": 8}, "site_dims": [2] * 8})
    >>> validate_sidecar({"site_dims": "2222"}, "run.json")
    Traceback (most recent call last):
        ...
    TypeError: run.json 'site_dims' must be a list, got '2222' (str)
    """
    if not isinstance(meta, Mapping):
        raise TypeError(f"{source} must be a JSON object (a mapping), got {type(meta).__name__}")
    try:
        _check_object(meta, SIDECAR_SCHEMA, "")
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{source} {exc}") from None
