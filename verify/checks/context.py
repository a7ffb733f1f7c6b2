"""What the checks know about a record: its arrays and the laws and bounds it must obey.

:func:`build_context` reads them from the record's schema (:func:`verify.checks.load.schema_of_record`):
the registered model the metadata names (:func:`verify.models.record_schema` of
``model_from_dict(meta["model"])`` at ``meta["cut"]``), or — for a chain model that is not registered —
what its record declares (``meta.conserved``, ``meta.sector``, ``meta.site_dims``, ``meta.cut``,
:func:`verify.models.declared_record_schema`). Either gives the conserved charges with their record
keys, parts, operator norms and eigenvalues, the site dimensions behind the entropy bounds, the
spin-length bounds and the keys that are NaN by design; the report's ``model`` is the schema's kind.

A bare record (arrays, a hand-written sidecar without a declaration) falls back to what the metadata
and the array names tell: the PRX laws for PRX-like arrays, the pair-model law for pair arrays, Σ_i
``spin_z`` for XXZ-like ones, with ``n_e``, ``n_fm``, ``entropy_dims`` … passed by the caller; PRX-like
entropy dimensions from ``n_sites``/``n_left``/``n_fm`` (and ``localized_spin``) through the PRX model's
sites. Keyword overrides of :func:`verify.checks.check_run` apply on every route: they replace the
model's fields of the same name (``n_e``, ``n_fm``, ``polarization`` from ``collinear``,
``convention``); for a declared schema ``n_e`` replaces the sector's N.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from states.validation import require_log_base
from verify.checks.bare import (
    COLLINEAR,
    Overrides,
    bare_context,
    dims_pair,
    entropy_dims,
    law_max_abs,
)
from verify.checks.load import (
    declared_schema_of_meta,
    model_of_meta,
    model_params,
    schema_of_meta,
)
from verify.checks.report import CheckResult, evaluate, skip
from verify.checks.tolerances import Tolerances
from verify.models import (
    ConservedLaw,
    LawPart,
    RecordSchema,
    SpinBound,
)

__all__ = ["CheckContext", "Overrides", "build_context", "dims_pair"]

NO_DIMS = "dimensions unknown: pass entropy_dims=(d_left, d_right) or model parameters"

@dataclass(frozen=True)
class CheckContext:
    """A validated record and everything the checks read besides it (module docstring).

    Attributes
    ----------
    arrays : mapping of str to ndarray
        The arrays, float64, validated.
    params : mapping
        The flattened metadata.
    tol : Tolerances
    approximate : bool
        Truncation-aware tolerances.
    model : str
        The schema's kind (``"prx"``, ``"xxz"``, ``"pair"`` or an unregistered chain model's own kind),
        for a bare record the kind guessed from the array names, or ``"unknown"``.
    trunc : ndarray, shape (n_t,)
        Accumulated truncation error (zeros for exact records; NaN and negative entries as 0).
    n_e, n_fm : int or None
        Electrons and localized spins.
    base : float or None
        Logarithm base of the recorded entropies (None: nats).
    collinear : bool or None
        PRX: electrons polarized along z.
    convention : str or None
        Pair model: normalizations of (σ, S).
    laws : mapping of str to ConservedLaw
        By charge (``"N"``, ``"2Sz"``, and any other declared charge).
    law_skips : mapping of str to str
        Why a charge's law cannot be checked.
    law_notes : mapping of str to str
        How a law's initial state reads in a report, where the schema alone does not say (PRX
        polarization; bare records: unknown).
    spin_bounds : tuple of SpinBound
    entropy_log_dims : (float, float) or None
        (ln d_left, ln d_right) of the ``entropy_cut`` bipartition (nats).
    entropy_detail : str
        How they were found.
    site_dims : tuple of int
        Local dimensions for the bond-entropy bounds (empty when unknown).
    mutual_info_dims : (int, int)
    nan_keys : mapping of str to str
        Keys NaN by design, with the reason.
    from_model : bool
        Whether all this was read from a :class:`~verify.models.RecordSchema` (the model's, or the one
        an unregistered chain model's record declares): the record's charges are known, and the arrays
        that show them are required.
    expected : frozenset of str
        Keys the record should hold: a check skipped for lack of one of them has status WARN
        (:meth:`skip_missing`). The schema's keys, ``norm`` and ``energy`` (unless the energy is declared
        not conserved), and ``truncation_error`` for approximate records.
    energy_conserved : bool
        False when the record declares its conserved quantities without the energy
        (``meta.energy_conserved``, ``--conserved`` without ``energy``): the energy check does not apply.
    undeclared : bool
        The record names a model kind the package does not know and declares no conserved charges: the
        charge checks have status WARN (:mod:`verify.checks.bare`).
    """

    arrays: Mapping[str, np.ndarray]
    params: Mapping[str, Any]
    tol: Tolerances
    approximate: bool
    model: str
    trunc: np.ndarray
    n_e: int | None = None
    n_fm: int | None = None
    base: float | None = None
    collinear: bool | None = None
    convention: str | None = None
    laws: Mapping[str, ConservedLaw] = field(default_factory=dict)
    law_skips: Mapping[str, str] = field(default_factory=dict)
    law_notes: Mapping[str, str] = field(default_factory=dict)
    spin_bounds: tuple[SpinBound, ...] = ()
    entropy_log_dims: tuple[float, float] | None = None
    entropy_detail: str = NO_DIMS
    site_dims: tuple[int, ...] = ()
    mutual_info_dims: tuple[int, int] = (2, 2)
    nan_keys: Mapping[str, str] = field(default_factory=dict)
    from_model: bool = False
    expected: frozenset[str] = frozenset()
    energy_conserved: bool = True
    undeclared: bool = False

    @property
    def t(self) -> np.ndarray:
        """The time grid."""
        return self.arrays["t"]

    def missing(self, *keys: str) -> list[str]:
        """The keys the record lacks."""
        return [key for key in keys if key not in self.arrays]

    def skip_missing(self, name: str, description: str, reason: str, *keys: str) -> CheckResult:
        """A check skipped because the record lacks ``keys``: status WARN when one of them is expected
        (:attr:`expected`), a plain skip (the check does not apply) otherwise."""
        return skip(name, description, reason, warn=any(key in self.expected for key in keys))

    def evaluate(
        self,
        name: str,
        description: str,
        deviation: np.ndarray,
        tolerance: float | np.ndarray,
        detail: str = "",
        site_axis: bool = False,
    ) -> CheckResult:
        """:func:`verify.checks.report.evaluate` on this record's times."""
        return evaluate(self.t, name, description, deviation, tolerance, detail, site_axis)

    def in_base(self, nats: float | np.ndarray) -> float | np.ndarray:
        """An entropy in nats in the record's logarithm base."""
        return nats / (1.0 if self.base is None else math.log(self.base))


# ------------------------------------------------------------------------------------------ shared


# ------------------------------------------------------------------------------------------ from a schema


_NAMED_PARTS: dict[str, tuple[tuple[LawPart, ...], ...]] = {
    "N": ((LawPart("density", per_site=True),),),
    "2Sz": ((LawPart("spin_z", per_site=True),), (LawPart("spin_z_total"), LawPart("electron_spin", 2))),
}
"""The arrays (names of ``docs/run_records.md``, Pauli units) that add up to N and 2S^z in any record: the
parts of a declared law, whose schema knows no site observables."""


def _declared_law(law: ConservedLaw, arrays: Mapping[str, np.ndarray]) -> ConservedLaw:
    """A declared law with the parts its record holds by name, and an operator norm estimated from the
    record (max_t |total| + 1) when the declaration had no site dimensions (norm 0)."""
    if not law.parts:
        for parts in _NAMED_PARTS.get(law.charge, ()):
            if all(part.key in arrays for part in parts):
                law = dataclasses.replace(law, parts=parts)
                break
    if law.norm == 0.0:
        law = dataclasses.replace(law, norm=law_max_abs(law, arrays) + 1.0)
    return law


def _from_schema(schema: RecordSchema, model: Any, overrides: Overrides,
                 arrays: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """The context of a record with a schema: the model's (``model`` given) or the declared one."""
    laws = {law.charge: law if model is not None else _declared_law(law, arrays) for law in schema.laws}
    n_e = overrides.n_e if overrides.n_e is not None else schema.n_electrons
    if model is None and overrides.n_e is not None and "N" in laws:  # a declared sector's N, overridden
        laws["N"] = dataclasses.replace(laws["N"], eigenstate=True, value=overrides.n_e)
    collinear = getattr(model, "collinear", None)
    fields: dict[str, Any] = {
        "model": schema.kind,
        "n_e": n_e,
        "n_fm": overrides.n_fm if overrides.n_fm is not None else schema.shapes.get("spin", (None,))[0],
        "collinear": collinear,
        "convention": getattr(model, "convention", None),
        "laws": laws,
        "law_skips": dict(schema.absent_laws),
        "law_notes": {} if collinear is None else {"2Sz": COLLINEAR[collinear]},
        "spin_bounds": schema.spin_bounds,
        "site_dims": schema.site_dims,
        "nan_keys": schema.nan_keys,
        "from_model": True,
        "expected": frozenset(schema.keys),
    }
    if schema.mutual_info_dims is not None:
        fields["mutual_info_dims"] = schema.mutual_info_dims
    if schema.cut is not None and schema.site_dims:
        fields["entropy_log_dims"], fields["entropy_detail"] = entropy_dims(schema.site_dims, schema.cut)
    return fields


# ------------------------------------------------------------------------------------------ entry


def _base(params: Mapping[str, Any], overrides: Overrides, source: str) -> float | None:
    if overrides.base is not None:
        return overrides.base
    meta_base = params.get("base", params.get("entropy_base"))
    try:
        return require_log_base(meta_base)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{source}: metadata {exc}") from None


def build_context(arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any], source: str, tol: Tolerances,
                  approximate: bool | None, overrides: Overrides) -> CheckContext:
    """The :class:`CheckContext` of a loaded record (module docstring).

    Raises
    ------
    TypeError, ValueError
        For metadata or overrides that contradict the arrays or have the wrong type or value.
    """
    params = model_params(meta)
    model = model_of_meta(params, overrides.model_fields())
    declared = None if model is not None else declared_schema_of_meta(params, source)
    if model is not None:
        fields = _from_schema(schema_of_meta(model, params, source), model, overrides, arrays)
    elif declared is not None:
        fields = _from_schema(declared, None, overrides, arrays)
    else:
        fields = bare_context(params, arrays, source, overrides)
    n_fm = fields["n_fm"]
    if n_fm is not None:
        for key in ("spin", "spin_purity"):
            if key in arrays and arrays[key].shape[1] != n_fm:
                raise ValueError(f"{source}: key '{key}' has {arrays[key].shape[1]} spins, but n_fm = {n_fm}")
    entropy_dims = overrides.entropy_dims or dims_pair(params.get("entropy_dims"), f"{source}: metadata 'entropy_dims'")
    if entropy_dims is not None:
        d_left, d_right = entropy_dims
        fields["entropy_log_dims"] = (math.log(d_left), math.log(d_right))
        fields["entropy_detail"] = f"dims ({d_left}, {d_right})"
    mutual_dims = overrides.mutual_info_dims or dims_pair(
        params.get("mutual_info_dims"), f"{source}: metadata 'mutual_info_dims'"
    )
    if mutual_dims is not None:
        fields["mutual_info_dims"] = mutual_dims
    if approximate is None:
        method = str(params.get("method", "")).lower()
        approximate = "truncation_error" in arrays or any(word in method for word in ("tebd", "mps", "dmrg"))
    energy_conserved = params.get("energy_conserved", True)
    if not isinstance(energy_conserved, bool):
        raise TypeError(f"{source}: metadata 'energy_conserved' must be true or false, got {energy_conserved!r}")
    expected = set(fields.pop("expected", ())) | {"norm"} | ({"energy"} if energy_conserved else set())
    if approximate:
        expected.add("truncation_error")
    if not energy_conserved:
        expected.discard("energy")
    trunc = np.zeros_like(arrays["t"])
    if approximate and "truncation_error" in arrays:
        error = arrays["truncation_error"]
        # a NaN or negative truncation error must not relax (or poison) other checks; its own check reports it
        trunc = np.where(np.isfinite(error), np.maximum(error, 0.0), 0.0)
    return CheckContext(arrays=arrays, params=params, tol=tol, approximate=approximate, trunc=trunc,
                        base=_base(params, overrides, source), expected=frozenset(expected),
                        energy_conserved=energy_conserved, **fields)
