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

from states.conventions import spin_operators
from states.validation import is_integer, require_int, require_log_base
from verify.checks.load import (
    declared_schema_of_meta,
    legacy_model_name,
    meta_cut,
    meta_int,
    model_of_meta,
    model_params,
    schema_of_meta,
)
from verify.checks.report import CheckResult, evaluate
from verify.checks.tolerances import Tolerances
from verify.models import (
    PAIR_NO_NUMBER,
    SPIN_CONVENTIONS,
    ConservedLaw,
    LawPart,
    PRXChain,
    RecordSchema,
    SpinBound,
    cut_log_dims,
    default_cut,
)

__all__ = ["CheckContext", "Overrides", "build_context"]

NO_CONVENTION = "no spin convention in the metadata (pass convention='pauli-half', 'pauli' or 'half')"
NO_DIMS = "dimensions unknown: pass entropy_dims=(d_left, d_right) or model parameters"
COLLINEAR = {True: "collinear", False: "noncollinear (<S^z> conserved, state not an eigenstate)"}
"""How a PRX 2S^z law reads by polarization (PRX Eq. 9: conserved in both geometries)."""


@dataclass(frozen=True)
class Overrides:
    """Keyword arguments of :func:`verify.checks.check_run`, validated, that override the metadata."""

    n_e: int | None = None
    n_fm: int | None = None
    collinear: bool | None = None
    convention: str | None = None
    entropy_dims: tuple[int, int] | None = None
    mutual_info_dims: tuple[int, int] | None = None
    base: float | None = None

    def model_fields(self) -> dict[str, Any]:
        """The overrides as model fields (``collinear`` is the PRX ``polarization``)."""
        polarization = None if self.collinear is None else ("z" if self.collinear else "x")
        return {"n_e": self.n_e, "n_fm": self.n_fm, "polarization": polarization, "convention": self.convention}


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
        an unregistered chain model's record declares): the record's charges are known.
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

    @property
    def t(self) -> np.ndarray:
        """The time grid."""
        return self.arrays["t"]

    def missing(self, *keys: str) -> list[str]:
        """The keys the record lacks."""
        return [key for key in keys if key not in self.arrays]

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


def _whole(value: float) -> bool:
    return abs(value - round(value)) <= 1e-9 * max(1.0, abs(value))


def _entropy_dims(site_dims: tuple[int, ...], cut: int) -> tuple[tuple[float, float], str]:
    """(ln d_left, ln d_right) (:func:`verify.models.cut_log_dims`) and the report text; dimensions that
    are powers of 2 print as log2 dims (PRX S = 1/2, XXZ)."""
    left, right = cut_log_dims(site_dims, cut)
    left2, right2 = left / math.log(2.0), right / math.log(2.0)
    if _whole(left2) and _whole(right2):
        return (left, right), f"cut after site {cut}: log2 dims ({round(left2)}, {round(right2)})"
    return (left, right), f"cut after site {cut}: ln dims ({left:.6g}, {right:.6g})"


def _total(law: ConservedLaw, arrays: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """The total of a law from its parts, else its recorded key, else None."""
    if law.parts and all(part.key in arrays for part in law.parts):
        return sum(part.values(arrays) for part in law.parts)  # type: ignore[return-value]
    return arrays.get(law.key)


def _max_abs(law: ConservedLaw, arrays: Mapping[str, np.ndarray]) -> float:
    total = _total(law, arrays)
    return float(np.max(np.abs(total))) if total is not None else 0.0


# ------------------------------------------------------------------------------------------ from a schema


def _from_schema(schema: RecordSchema, model: Any, overrides: Overrides) -> dict[str, Any]:
    """The context of a record with a schema: the model's (``model`` given) or the declared one."""
    laws = {law.charge: law for law in schema.laws}
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
    }
    if schema.mutual_info_dims is not None:
        fields["mutual_info_dims"] = schema.mutual_info_dims
    if schema.cut is not None and schema.site_dims:
        fields["entropy_log_dims"], fields["entropy_detail"] = _entropy_dims(schema.site_dims, schema.cut)
    return fields


# ------------------------------------------------------------------------------------------ bare records


def _legacy_counts(params: Mapping[str, Any], arrays: Mapping[str, np.ndarray], model: str, source: str,
                   overrides: Overrides) -> tuple[int | None, int | None]:
    n_e = overrides.n_e if overrides.n_e is not None else meta_int(params, "n_e", source)
    if n_e is None and model == "pair":
        n_e = 1 if params.get("pair") == "single-down" else 2
    n_fm = overrides.n_fm if overrides.n_fm is not None else meta_int(params, "n_fm", source)
    for key in ("spin", "spin_purity"):
        if n_fm is None and key in arrays:
            n_fm = int(arrays[key].shape[1])
    return n_e, n_fm


def _legacy_pair_law(params: Mapping[str, Any], arrays: Mapping[str, np.ndarray], n_e: int | None,
                     convention: str | None) -> tuple[ConservedLaw, dict[str, str]]:
    skips = {"N": PAIR_NO_NUMBER}
    scale = 1.0
    if convention is None:
        skips["2Sz"] = NO_CONVENTION
    else:
        scale = float(spin_operators(SPIN_CONVENTIONS[convention][1])[2][0, 0].real)
    law = ConservedLaw("2Sz", "sz_total", (LawPart("sigma_z"), LawPart("S_z", scale=scale)), 0.0, True)
    n_spins = params.get("n_spins")
    spins = float(n_spins) if is_integer(n_spins) else _max_abs(law, arrays)
    return dataclasses.replace(law, norm=float(n_e or 2) + spins, spin_convention=True), skips


def _legacy_laws(params: Mapping[str, Any], arrays: Mapping[str, np.ndarray], model: str, n_e: int | None,
                 n_fm: int | None, collinear: bool | None, convention: str | None) -> dict[str, Any]:
    if model == "pair":
        law, skips = _legacy_pair_law(params, arrays, n_e, convention)
        return {"laws": {"2Sz": law}, "law_skips": skips}
    if model == "xxz":  # Σ_i ⟨σ^z_i⟩, |⟨σ^z_i⟩| ≤ 1 per site; the initial state is not known to be an eigenstate
        n_sites = arrays["spin_z"].shape[1] if "spin_z" in arrays else None
        law = ConservedLaw("2Sz", "total_spin_z", (LawPart("spin_z", per_site=True),), 0.0, eigenstate=False)
        norm = float(n_sites) if n_sites is not None else _max_abs(law, arrays) + 1.0
        return {
            "laws": {"2Sz": dataclasses.replace(law, norm=norm)},
            "law_skips": {"N": "the xxz model conserves no particle number"},
            "law_notes": {"2Sz": "initial state unknown: truncation term for a non-eigenstate"},
        }
    spin = ConservedLaw("2Sz", "total_spin_z", (LawPart("spin_z_total"), LawPart("electron_spin", 2)), 0.0, False)
    spin_norm = float(n_e + n_fm) if n_e is not None and n_fm is not None else _max_abs(spin, arrays) + 1.0
    number = ConservedLaw("N", "n_electrons", (LawPart("density", per_site=True),), 0.0, True, n_e)
    reference = _total(number, arrays)
    number_norm = float(n_e) if n_e is not None else (abs(float(reference[0])) if reference is not None else 0.0)
    polarization = "polarization unknown: truncation term for a non-eigenstate"
    return {
        "laws": {
            "N": dataclasses.replace(number, norm=number_norm),
            "2Sz": dataclasses.replace(spin, norm=spin_norm, eigenstate=collinear is True),
        },
        "law_skips": {},
        "law_notes": {"2Sz": polarization if collinear is None else COLLINEAR[collinear]},
    }


def _legacy_entropy(params: Mapping[str, Any], n_fm: int | None, source: str) -> dict[str, Any]:
    """PRX-like dimensions from the metadata's geometry (``n_sites``, ``n_left``, ``n_fm``,
    ``localized_spin``): the sites of the PRX model of that geometry (d = 4, and 4(2S + 1) on the FM
    sites), the cut validated as for every record (:func:`verify.checks.load.meta_cut`)."""
    n_sites, n_left = params.get("n_sites"), params.get("n_left")
    if not (is_integer(n_sites) and is_integer(n_left) and n_fm is not None):
        return {}
    n_sites = require_int(f"{source}: metadata 'n_sites'", n_sites, minimum=2)
    spin = params.get("localized_spin", 0.5)
    try:  # only the geometry matters: no well, no electrons
        geometry = PRXChain(n_sites=n_sites, n_left=n_left, n_fm=n_fm, n_conf=0, n_e=0, localized_spin=spin)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{source}: metadata n_sites/n_left/n_fm/localized_spin make no PRX chain: {exc}") from None
    dims = tuple(site.dim for site in geometry.sites())
    cut = meta_cut(params, n_sites, source) or default_cut(n_sites)
    log_dims, detail = _entropy_dims(dims, cut)
    return {"entropy_log_dims": log_dims, "entropy_detail": detail, "site_dims": dims}


def _legacy(params: Mapping[str, Any], arrays: Mapping[str, np.ndarray], source: str,
            overrides: Overrides) -> dict[str, Any]:
    """The context of a bare record, from the metadata key by key and the array names."""
    model = legacy_model_name(params, arrays)
    n_e, n_fm = _legacy_counts(params, arrays, model, source, overrides)
    collinear = overrides.collinear
    polarization = params.get("polarization")
    if collinear is None and polarization is not None:
        if polarization not in ("z", "x"):
            raise ValueError(f"{source}: metadata 'polarization' must be 'z' or 'x', got {polarization!r}")
        collinear = polarization == "z"
    convention = overrides.convention if overrides.convention is not None else params.get("convention")
    if convention is not None and convention not in SPIN_CONVENTIONS:
        raise ValueError(f"unknown spin convention {convention!r}: use one of {sorted(SPIN_CONVENTIONS)}")
    nan_keys = {}  # the NaN-by-design keys of the PRX frame and of the pair model (their schemas), by hand
    if model == "prx" and n_fm == 1:
        edge_keys = ("mutual_info_edges", "mutual_info_entropy_a", "mutual_info_entropy_b")
        nan_keys.update(dict.fromkeys(edge_keys, "N_FM = 1"))
    if n_e == 0:
        nan_keys["electron_spin_purity"] = "N_e = 0"
    if params.get("pair") == "single-down":
        nan_keys["pair_probabilities"] = "one electron"
    bounds = [SpinBound("spin", 1.0, "vector"), SpinBound("spin_purity", 1.0, "length")]
    if model == "xxz":
        bounds.append(SpinBound("spin_z", 1.0, "component"))
    fields = {"model": model, "n_e": n_e, "n_fm": n_fm, "collinear": collinear, "convention": convention,
              "spin_bounds": tuple(bounds), "nan_keys": nan_keys}
    fields.update(_legacy_laws(params, arrays, model, n_e, n_fm, collinear, convention))
    if "entropy_cut" in arrays and model in ("prx", "unknown"):
        fields.update(_legacy_entropy(params, n_fm, source))
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
        fields = _from_schema(schema_of_meta(model, params, source), model, overrides)
    elif declared is not None:
        fields = _from_schema(declared, None, overrides)
    else:
        fields = _legacy(params, arrays, source, overrides)
    n_fm = fields["n_fm"]
    if n_fm is not None:
        for key in ("spin", "spin_purity"):
            if key in arrays and arrays[key].shape[1] != n_fm:
                raise ValueError(f"{source}: key '{key}' has {arrays[key].shape[1]} spins, but n_fm = {n_fm}")
    if overrides.entropy_dims is not None:
        d_left, d_right = overrides.entropy_dims
        fields["entropy_log_dims"] = (math.log(d_left), math.log(d_right))
        fields["entropy_detail"] = f"dims ({d_left}, {d_right})"
    if overrides.mutual_info_dims is not None:
        fields["mutual_info_dims"] = overrides.mutual_info_dims
    if approximate is None:
        method = str(params.get("method", "")).lower()
        approximate = "truncation_error" in arrays or any(word in method for word in ("tebd", "mps", "dmrg"))
    trunc = np.zeros_like(arrays["t"])
    if approximate and "truncation_error" in arrays:
        error = arrays["truncation_error"]
        # a NaN or negative truncation error must not relax (or poison) other checks; its own check reports it
        trunc = np.where(np.isfinite(error), np.maximum(error, 0.0), 0.0)
    return CheckContext(arrays=arrays, params=params, tol=tol, approximate=approximate, trunc=trunc,
                        base=_base(params, overrides, source), **fields)
