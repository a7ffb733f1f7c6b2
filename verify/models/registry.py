"""Model kinds by name: from a run record's ``meta.model`` back to parameters, and to a chain model.

Run records store a model's parameters as ``meta.model = {"model": KIND, ...}``. :data:`MODEL_KINDS`
maps each kind to its parameter class, :func:`model_from_dict` rebuilds the parameters (validated as
on construction) and :func:`as_chain` turns parameters or a :class:`~verify.models.chain.ChainModel`
into the chain model the engines read. A new model is one module with a parameter class (fields,
``to_dict``, ``chain()``) and one line here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from verify.models.chain import ChainModel
from verify.models.pair import PairOnRing
from verify.models.prx import PRXChain
from verify.models.xxz import XXZChain

__all__ = ["MODEL_KINDS", "as_chain", "model_from_dict"]

MODEL_KINDS: dict[str, type] = {"prx": PRXChain, "xxz": XXZChain, "pair": PairOnRing}
"""Kind (``meta.model.model``) → parameter class."""


def model_from_dict(params: Mapping[str, Any]) -> Any:
    """The parameter object of a ``meta.model`` dict (``{"model": "prx", "n_sites": 12, ...}``).

    Keys the class does not have are refused, missing ones take their defaults.

    Raises
    ------
    TypeError
        When ``params`` is not a mapping or a parameter has the wrong type.
    ValueError
        For an unknown kind, unknown keys or invalid values (the parameter class's own checks).
    """
    if not isinstance(params, Mapping):
        raise TypeError(f"model parameters must be a mapping, got {type(params).__name__}")
    kind = params.get("model")
    cls = MODEL_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown model kind {kind!r}: known kinds are {sorted(MODEL_KINDS)}")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(params) - names - {"model"})
    if unknown:
        raise ValueError(f"model {kind!r} has no parameter(s) {unknown}; its parameters: {sorted(names)}")
    return cls(**{key: value for key, value in params.items() if key != "model"})


def as_chain(model: Any) -> ChainModel:
    """``model`` itself if it is a :class:`ChainModel`, else ``model.chain()``.

    Raises
    ------
    TypeError
        For anything else (e.g. :class:`PairOnRing`, which is not a chain model, or a string).
    """
    if isinstance(model, ChainModel):
        return model
    chain = getattr(model, "chain", None)
    if callable(chain):
        result = chain()
        if isinstance(result, ChainModel):
            return result
    raise TypeError(
        f"expected a chain model (ChainModel, PRXChain, XXZChain, ...), got {type(model).__name__}"
    )
