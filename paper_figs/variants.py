"""Parameter overrides (``--set key=value``), the output names of variants and the size annotation.

A *variant* is a figure built with any override. It is written under its own stem so that it never
overwrites the published ``NAME.png``:

* ``NAME--key=value`` (several: ``NAME--k1=v1--k2=v2``, keys sorted) when every key and value is
  made of letters, digits and ``._+-,`` and the stem has at most :data:`MAX_STEM` characters;
* ``NAME-variant-<10 hex digits>`` (a hash of the overrides) otherwise, e.g. for a list value.

Keys are the names in ``NAME.json`` under ``params``; ``model.n_sites`` reaches into a nested dict
when that key is present at the chosen size. A value is typed by the default's type: ``int``,
``float`` (an integer is accepted), ``bool`` (``true``/``false``/``1``/``0``/``yes``/``no``),
``str``, or JSON for a list or dict (``d_values=[10,20]``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["MAX_STEM", "apply_overrides", "parse_overrides", "size_note", "variant_stem"]

MAX_STEM = 80
"""Longest readable variant stem; longer ones use the hashed form."""

_SAFE = re.compile(r"^[A-Za-z0-9._+,-]+$")
_BOOLS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _lookup(params: Mapping[str, Any], key: str) -> tuple[dict[str, Any], str]:
    """(dict holding ``key``, last part of ``key``) for a plain or dotted key; KeyError if absent."""
    parts = key.split(".")
    holder: Any = params
    for part in parts[:-1]:
        holder = holder[part]
        if not isinstance(holder, dict):
            raise KeyError(key)
    if parts[-1] not in holder:
        raise KeyError(key)
    return holder, parts[-1]


def _typed(key: str, text: str, default: Any) -> Any:
    """``text`` converted to the type of ``default`` (ValueError with a one-line message)."""
    try:
        if isinstance(default, bool):
            return _BOOLS[text.strip().lower()]
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
        if isinstance(default, str):
            return text
        value = json.loads(text)
    except (KeyError, ValueError):
        raise ValueError(f"bad value for {key}: expected {type(default).__name__}, got {text!r}") from None
    if type(value) is not type(default):
        raise ValueError(f"bad value for {key}: expected a JSON {type(default).__name__}, got {text!r}")
    return value


def parse_overrides(params: Mapping[str, Any], items: Sequence[str]) -> dict[str, Any]:
    """``["key=value", ...]`` → ``{key: typed value}`` against the default ``params`` of a figure.

    Raises
    ------
    ValueError
        For an item without ``=``, a key the parameters do not have (the message lists them) or a
        value that does not convert to the default's type.
    """
    overrides: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"--set expects key=value, got {item!r}")
        try:
            holder, last = _lookup(params, key)
        except (KeyError, TypeError):
            raise ValueError(f"unknown parameter {key!r}: use one of {', '.join(sorted(params))}") from None
        overrides[key] = _typed(key, text, holder[last])
    return overrides


def apply_overrides(params: dict[str, Any], overrides: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A copy of ``params`` with ``overrides`` (plain or dotted keys that must exist) applied.

    Raises
    ------
    ValueError
        For a key ``params`` does not have.
    """
    result = json.loads(json.dumps(params))  # deep copy of JSON-ready parameters
    for key, value in overrides.items():
        try:
            holder, last = _lookup(result, key)
        except (KeyError, TypeError):
            raise ValueError(f"{name} has no parameter {key!r}: it has {', '.join(sorted(result))}") from None
        holder[last] = value
    return result


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + ",".join(_text(item) for item in value) + "]"
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def variant_stem(name: str, overrides: Mapping[str, Any] | None) -> str:
    """Output stem of figure ``name`` built with ``overrides``: ``name`` itself when there are none.

    >>> variant_stem("pair-fig4", {"n_theta": 12})
    'pair-fig4--n_theta=12'
    """
    if not overrides:
        return name
    pairs = sorted((str(key), _text(value)) for key, value in overrides.items())
    stem = name + "".join(f"--{key}={value}" for key, value in pairs)
    if len(stem) <= MAX_STEM and all(_SAFE.match(key) and _SAFE.match(value) for key, value in pairs):
        return stem
    digest = hashlib.sha256(json.dumps(pairs).encode()).hexdigest()[:10]
    return f"{name}-variant-{digest}"


def size_note(size: str, params: Mapping[str, Any], full: Mapping[str, Any],
              overrides: Mapping[str, Any] | None = None) -> str | None:
    """One line for the figure's title saying that it is not the paper's size, or None.

    Lists the parameters (model fields flattened) that differ from the ``full`` (paper) ones.
    """
    parts = []
    if size != "full":
        flat = {**{k: v for k, v in params.items() if k != "model"}, **params.get("model", {})}
        paper = {**{k: v for k, v in full.items() if k != "model"}, **full.get("model", {})}
        changed = [f"{key} = {_text(value)}" for key, value in flat.items() if paper.get(key) != value]
        parts.append(f"reduced size ({size}, not the paper's): " + ", ".join(changed))
    if overrides:
        parts.append("variant: " + ", ".join(f"{key} = {_text(value)}" for key, value in sorted(overrides.items())))
    return "; ".join(parts) or None
