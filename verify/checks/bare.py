"""The part of the checks' context that does not come from a schema: records without a model.

A bare record (arrays, a hand-written sidecar without a declaration) is read from what the metadata
and the array names tell (:func:`bare_context`): the PRX laws for PRX-like arrays, the pair-model law
for pair arrays, Σ_i ``spin_z`` for XXZ-like ones, with ``n_e``, ``n_fm``, ``entropy_dims`` … passed
by the caller; PRX-like entropy dimensions from ``n_sites``/``n_left``/``n_fm`` (and
``localized_spin``) through the PRX model's sites. A record that *names* a model kind the package does
not know (``meta.model.model``, e.g. ``"tenpy:TFIChain"``) but declares no conserved charges is not
guessed at: its kind is reported, no conservation law is assumed (those checks have status WARN and say
how to declare them: ``meta.conserved``, ``--conserved``), and its ``meta.site_dims`` give the
entropy bounds. Also here: the keyword overrides of :func:`verify.checks.check_run` (:class:`Overrides`)
and the helpers the schema route shares (:func:`entropy_dims`, :func:`law_total`, :func:`law_max_abs`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from states.conventions import spin_operators
from states.validation import is_integer, require_int
from verify.checks.load import legacy_model_name, meta_cut, meta_int
from verify.models import (
    MODEL_KINDS,
    PAIR_NO_NUMBER,
    SPIN_CONVENTIONS,
    ConservedLaw,
    LawPart,
    PRXChain,
    SpinBound,
    cut_log_dims,
    default_cut,
)

__all__ = [
    "COLLINEAR",
    "NO_CONVENTION",
    "UNDECLARED",
    "Overrides",
    "bare_context",
    "dims_pair",
    "entropy_dims",
    "law_max_abs",
    "law_total",
]

NO_CONVENTION = "no spin convention in the metadata (pass convention='pauli-half', 'pauli' or 'half')"
NO_DIMS = "dimensions unknown: pass entropy_dims=(d_left, d_right) or model parameters"
COLLINEAR = {True: "collinear", False: "noncollinear (<S^z> conserved, state not an eigenstate)"}
"""How a PRX 2S^z law reads by polarization (PRX Eq. 9: conserved in both geometries)."""


UNDECLARED = "the record names its model but declares no conserved charges: pass --conserved (meta.conserved)"
"""Why a record of an unknown, named model kind has no conservation law."""


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


def dims_pair(value: object, name: str) -> tuple[int, int] | None:
    """A pair of positive integers (d_A, d_B) (``entropy_dims``, ``mutual_info_dims``), or None for None.

    Raises
    ------
    TypeError
        For entries that are not integers.
    ValueError
        Unless ``value`` is a pair of integers >= 1.
    """
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:  # type: ignore[arg-type]
        raise ValueError(f"{name} must be a pair of positive integers (d_A, d_B), got {value!r}")
    d_a, d_b = value  # type: ignore[misc]
    return require_int(f"{name}[0]", d_a, minimum=1), require_int(f"{name}[1]", d_b, minimum=1)


def _whole(value: float) -> bool:
    return abs(value - round(value)) <= 1e-9 * max(1.0, abs(value))


def entropy_dims(site_dims: tuple[int, ...], cut: int) -> tuple[tuple[float, float], str]:
    """(ln d_left, ln d_right) (:func:`verify.models.cut_log_dims`) and the report text; dimensions that
    are powers of 2 print as log2 dims (PRX S = 1/2, XXZ)."""
    left, right = cut_log_dims(site_dims, cut)
    left2, right2 = left / math.log(2.0), right / math.log(2.0)
    if _whole(left2) and _whole(right2):
        return (left, right), f"cut after site {cut}: log2 dims ({round(left2)}, {round(right2)})"
    return (left, right), f"cut after site {cut}: ln dims ({left:.6g}, {right:.6g})"


def law_total(law: ConservedLaw, arrays: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """The total of a law from its parts, else its recorded key, else None."""
    if law.parts and all(part.key in arrays for part in law.parts):
        return sum(part.values(arrays) for part in law.parts)  # type: ignore[return-value]
    return arrays.get(law.key)


def law_max_abs(law: ConservedLaw, arrays: Mapping[str, np.ndarray]) -> float:
    total = law_total(law, arrays)
    return float(np.max(np.abs(total))) if total is not None else 0.0


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
    spins = float(n_spins) if is_integer(n_spins) else law_max_abs(law, arrays)
    return dataclasses.replace(law, norm=float(n_e or 2) + spins, spin_convention=True), skips


def _legacy_laws(params: Mapping[str, Any], arrays: Mapping[str, np.ndarray], model: str, n_e: int | None,
                 n_fm: int | None, collinear: bool | None, convention: str | None) -> dict[str, Any]:
    if model == "pair":
        law, skips = _legacy_pair_law(params, arrays, n_e, convention)
        return {"laws": {"2Sz": law}, "law_skips": skips}
    if model == "xxz":  # Σ_i ⟨σ^z_i⟩, |⟨σ^z_i⟩| ≤ 1 per site; the initial state is not known to be an eigenstate
        n_sites = arrays["spin_z"].shape[1] if "spin_z" in arrays else None
        law = ConservedLaw("2Sz", "total_spin_z", (LawPart("spin_z", per_site=True),), 0.0, eigenstate=False)
        norm = float(n_sites) if n_sites is not None else law_max_abs(law, arrays) + 1.0
        return {
            "laws": {"2Sz": dataclasses.replace(law, norm=norm)},
            "law_skips": {"N": "the xxz model conserves no particle number"},
            "law_notes": {"2Sz": "initial state unknown: truncation term for a non-eigenstate"},
        }
    spin = ConservedLaw("2Sz", "total_spin_z", (LawPart("spin_z_total"), LawPart("electron_spin", 2)), 0.0, False)
    spin_norm = float(n_e + n_fm) if n_e is not None and n_fm is not None else law_max_abs(spin, arrays) + 1.0
    number = ConservedLaw("N", "n_electrons", (LawPart("density", per_site=True),), 0.0, True, n_e)
    reference = law_total(number, arrays)
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
    log_dims, detail = entropy_dims(dims, cut)
    return {"entropy_log_dims": log_dims, "entropy_detail": detail, "site_dims": dims}


def _meta_site_dims(params: Mapping[str, Any], source: str) -> tuple[int, ...]:
    """``meta.site_dims`` (validated), or () when absent."""
    dims = params.get("site_dims")
    if dims is None:
        return ()
    if isinstance(dims, (str, bytes)) or not isinstance(dims, Sequence):
        raise TypeError(f"{source}: metadata 'site_dims' must be a list, got {dims!r}")
    return tuple(require_int(f"{source}: metadata 'site_dims[{i}]'", d, minimum=1) for i, d in enumerate(dims))


def _named_kind(params: Mapping[str, Any], arrays: Mapping[str, np.ndarray], source: str) -> dict[str, Any]:
    """The context of a record that names a model kind the package does not know and declares no charges
    (module docstring): no law assumed, the bounds by array name, entropy bounds from ``meta.site_dims``."""
    kind = params["model"]
    skips = dict.fromkeys(("2Sz", "N"), UNDECLARED)
    bounds = (SpinBound("spin", 1.0, "vector"), SpinBound("spin_purity", 1.0, "length"),
              SpinBound("spin_z", 1.0, "component"))
    fields: dict[str, Any] = {"model": kind, "n_e": meta_int(params, "n_e", source),
                              "n_fm": meta_int(params, "n_fm", source), "laws": {}, "law_skips": skips,
                              "spin_bounds": bounds, "undeclared": True}
    dims = _meta_site_dims(params, source)
    if len(dims) >= 2:
        fields["site_dims"] = dims
        if "entropy_cut" in arrays:
            cut = meta_cut(params, len(dims), source) or default_cut(len(dims))
            fields["entropy_log_dims"], fields["entropy_detail"] = entropy_dims(dims, cut)
    return fields


def bare_context(params: Mapping[str, Any], arrays: Mapping[str, np.ndarray], source: str,
                 overrides: Overrides) -> dict[str, Any]:
    """The context of a bare record, from the metadata key by key and the array names (module docstring)."""
    kind = params.get("model")
    if isinstance(kind, str) and kind and kind not in MODEL_KINDS and kind != "unknown":
        return _named_kind(params, arrays, source)
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


