"""The entry point: :func:`check_run` validates its arguments, loads the record, picks the tolerance
profile, builds the context from the model it names and runs every check in the order of
:data:`CHECK_NAMES`; checks that pass only under a tolerance wider than the ``exact`` profile's are
marked WARN (:func:`mark_relaxed`)."""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from states.validation import require_bool, require_choice, require_int, require_log_base
from verify.checks.bounds import (
    check_consistency,
    check_density_bounds,
    check_electron_length,
    check_entropy,
    check_finite,
    check_localized_length,
    check_meyer_wallach,
    check_mutual_information,
    check_pair_probabilities,
    check_required_arrays,
    check_time_grid,
)
from verify.checks.context import CheckContext, Overrides, build_context, dims_pair
from verify.checks.laws import (
    check_charges,
    check_energy,
    check_norm,
    check_particle_number,
    check_sz,
    check_truncation,
)
from verify.checks.load import ARRAY_SHAPES, load_record, model_params, parse_conserved
from verify.checks.report import CheckResult, Report
from verify.checks.tolerances import PROFILE_APPROXIMATE, PROFILES, Tolerances, resolve_profile
from verify.models import SPIN_CONVENTIONS
from verify.records.run import RunResult

__all__ = ["CHECKS", "CHECK_NAMES", "check_run", "mark_relaxed"]

CHECKS: tuple[tuple[str, Callable[[CheckContext], CheckResult]], ...] = (
    ("time_grid", check_time_grid),
    ("finite_values", check_finite),
    ("norm", check_norm),
    ("sz_conservation", check_sz),
    ("particle_number", check_particle_number),
    ("energy", check_energy),
    ("localized_spin_length", check_localized_length),
    ("electron_spin_length", check_electron_length),
    ("density_bounds", check_density_bounds),
    ("entropy_bounds", check_entropy),
    ("mutual_information_bounds", check_mutual_information),
    ("meyer_wallach_bounds", check_meyer_wallach),
    ("pair_probabilities", check_pair_probabilities),
    ("consistency", check_consistency),
    ("truncation_error", check_truncation),
    ("charge_conservation", check_charges),
    ("required_arrays", check_required_arrays),
)
"""Every check by name, in report order (``charge_conservation`` and ``required_arrays`` came last, after the
others were public)."""

CHECK_NAMES: tuple[str, ...] = tuple(name for name, _ in CHECKS)
"""Names of all checks, in the order they appear in a report."""


def _overrides(
    n_e: object, n_fm: object, collinear: object, convention: object, entropy_dims: object,
    mutual_info_dims: object, base: object,
) -> Overrides:
    """The validated keyword overrides (TypeError for wrong types, ValueError for bad values)."""
    return Overrides(
        n_e=None if n_e is None else require_int("n_e", n_e, minimum=0),
        n_fm=None if n_fm is None else require_int("n_fm", n_fm, minimum=0),
        collinear=None if collinear is None else require_bool("collinear", collinear),
        convention=None if convention is None else require_choice("convention", convention, tuple(SPIN_CONVENTIONS)),
        entropy_dims=dims_pair(entropy_dims, "entropy_dims"),
        mutual_info_dims=dims_pair(mutual_info_dims, "mutual_info_dims"),
        base=require_log_base(base),
    )


def _declared_meta(meta: object, conserved: object) -> dict[str, Any] | None:
    """``meta`` with the declaration of ``conserved`` (:func:`verify.checks.load.parse_conserved`) merged in."""
    if meta is not None and not isinstance(meta, Mapping):
        raise TypeError(f"meta must be a mapping (dict) or None, got {type(meta).__name__}")
    if conserved is None:
        return None if meta is None else dict(meta)
    charges, energy = parse_conserved(conserved)
    return {**dict(meta or {}), "conserved": list(charges), "energy_conserved": energy}


def mark_relaxed(
    results: Sequence[CheckResult], reference: Sequence[CheckResult], label: str
) -> tuple[CheckResult, ...]:
    """``results`` with status WARN where a check passed but its ``reference`` (the same check at the
    ``exact`` profile's tolerances) failed: it passes only because of a relaxed tolerance."""
    out = []
    for result, strict in zip(results, reference, strict=True):
        if result.passed and strict.passed is False:
            shown = "" if strict.tolerance is None else f" ({strict.tolerance:.3g})"
            note = f"passes only under the {label} tolerance; fails the exact profile's{shown}"
            result = dataclasses.replace(result, warning=f"{result.warning}; {note}" if result.warning else note)
        out.append(result)
    return tuple(out)


_STRUCTURAL_CHECKS = frozenset({"time_grid", "finite_values", "required_arrays", "truncation_error"})
"""Checks of the record's form and bookkeeping, not of its physics: passing only these checks nothing."""


def _require_coverage(results: tuple[CheckResult, ...], keys: Sequence[str]) -> tuple[CheckResult, ...]:
    """Fail ``required_arrays`` when no physics check ran: a record holding only ``t`` (or only arrays no
    check reads) must not pass as verified (issue #14, item 5)."""
    if any(r.passed is not None for r in results if r.name not in _STRUCTURAL_CHECKS):
        return results
    note = (f"no physics check could run on the arrays {list(keys)}: nothing was verified "
            "(record at least 'norm', a conserved total or an entropy)")
    return tuple(
        dataclasses.replace(r, passed=False, deviation=math.nan, tolerance=0.0, skip_reason=None, detail=note,
                            warning=None)
        if r.name == "required_arrays" else r
        for r in results
    )


def check_run(
    record: RunResult | str | os.PathLike | Mapping[str, Any] | None = None,
    *,
    meta: Mapping[str, Any] | None = None,
    tolerances: Tolerances | None = None,
    approximate: bool | None = None,
    profile: str | None = None,
    model: str | None = None,
    conserved: str | Sequence[str] | None = None,
    n_e: int | None = None,
    n_fm: int | None = None,
    collinear: bool | None = None,
    convention: str | None = None,
    entropy_dims: tuple[int, int] | None = None,
    mutual_info_dims: tuple[int, int] | None = None,
    base: float | None = None,
    source: str | None = None,
    **arrays: Any,
) -> Report:
    """Run every applicable check on a run record and return a :class:`Report`.

    The laws and bounds come from the model the record's metadata names (``meta.model``, through
    :func:`verify.models.record_schema`) or, for a chain model that is not registered, from what its
    record declares (``meta.conserved``, ``meta.sector``, ``meta.site_dims``, ``meta.cut``; through
    :func:`verify.models.declared_record_schema`); the keyword arguments override the model's fields
    of the same name and serve records without a model (bare arrays). A record that lacks the arrays
    showing one of its model's conserved charges fails (:mod:`verify.checks.laws`).

    Parameters
    ----------
    record : RunResult, path or mapping of arrays, optional
        The record. Omit it to pass the arrays as keyword arguments instead (names and shapes as
        in :data:`ARRAY_SHAPES`, e.g. ``t=..., norm=..., spin=...``); ``t`` is required.
    meta : mapping, optional
        Metadata overriding the record's own (model parameters such as ``n_e``, ``n_fm``,
        ``n_sites``, ``n_left``, ``polarization``, ``convention``, ``method``, ``cut``; a chain
        model's declaration ``conserved``, ``sector``, ``site_dims``; ``entropy_dims``).
    tolerances : Tolerances, optional
        Default: those of the profile (:meth:`Tolerances.profile`). Checks that pass only because a
        tolerance is wider than the ``exact`` profile's get status WARN.
    approximate : bool, optional
        Use the truncation-aware tolerances. Default: True for the ``trotter`` profile or when the
        record has a ``truncation_error`` array.
    profile : {"exact", "trotter", "ode"}, optional
        Tolerance profile (:mod:`verify.checks.tolerances`). Default: from ``meta.method``
        (:func:`verify.checks.tolerances.profile_for_method`), else ``"trotter"`` for a record with a
        ``truncation_error`` array, else ``"exact"``.
    model : str, optional
        The model kind, replacing ``meta.model.model`` (the record's other model parameters are kept):
        a registered kind is rebuilt from them; any other name is reported as the model and checked
        from the declaration (``conserved``, ``meta.site_dims``, ``meta.sector``).
    conserved : str or sequence of str, optional
        What the run conserves, e.g. ``"N,Sz,energy"`` (:func:`verify.checks.load.parse_conserved`): the
        charges become the record's declaration ``meta.conserved`` (each checked on its total, which
        the record must then hold); without ``energy`` the energy check does not apply.
    n_e, n_fm : int, optional
        Number of electrons / localized spins (override the metadata; ``n_e`` fixes the value of N).
    collinear : bool, optional
        Whether the PRX state is an eigenstate of the total S^z (polarization along z). Default from
        the metadata ``polarization``; it only selects the truncation term of the approximate S^z
        tolerance (linear in ε for an eigenstate, 2‖O‖√ε otherwise; unknown counts as otherwise).
    convention : {"pauli-half", "pauli", "half"}, optional
        Pair model: normalizations of (σ, S) used in ``sigma_z`` and ``S_z``.
    entropy_dims : (int, int), optional
        Dimensions of the two sides of the ``entropy_cut`` bipartition (default: ``meta.entropy_dims``,
        else from the model).
    mutual_info_dims : (int, int), optional
        Dimensions of the two subsystems of ``mutual_info_edges`` (default: from the model, else
        (2, 2): the edge spins).
    base : float, optional
        Logarithm base of the recorded entropies (default: the metadata's ``base``, else natural log).
    source : str, optional
        How the record is named in the report (default: its path, ``"RunResult"`` or ``"arrays"``).
    **arrays
        Arrays by name when ``record`` is omitted.

    Returns
    -------
    Report

    Raises
    ------
    FileNotFoundError
        For a path that is not a file.
    ValueError
        Malformed record (missing ``t``, non-numeric or mis-shaped arrays, unreadable file, a sidecar
        that does not follow ``docs/run_record.schema.json``) or invalid parameter values (e.g. a
        ``meta.cut`` outside 1..N−1); the message names the source and the key.
    TypeError
        Wrong argument types, unknown array names, or both ``record`` and arrays given.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0.0, 1.0, 11)
    >>> report = check_run(t=t, norm=np.ones(11), density=np.full((11, 4), 0.5), n_e=2)
    >>> report.passed, report["particle_number"].status
    (True, 'pass')
    """
    if record is not None and arrays:
        raise TypeError("pass either a record or arrays as keyword arguments, not both")
    if record is None:
        if not arrays:
            raise TypeError("no record given: pass a RunResult, a path, a mapping, or arrays such as t=...")
        unknown = sorted(set(arrays) - set(ARRAY_SHAPES))
        if unknown:
            raise TypeError(f"unknown array keyword(s) {unknown}; known: {sorted(ARRAY_SHAPES)}")
        record = arrays
    if tolerances is not None and not isinstance(tolerances, Tolerances):
        raise TypeError(f"tolerances must be a Tolerances instance, got {type(tolerances).__name__}")
    if approximate is not None:
        approximate = require_bool("approximate", approximate)
    if profile is not None:
        profile = require_choice("profile", profile, tuple(PROFILES))
    if model is not None and (not isinstance(model, str) or not model):
        raise TypeError(f"model must be a non-empty string (a model kind), got {model!r}")
    if source is not None and not isinstance(source, str):
        raise TypeError(f"source must be a string, got {source!r}")
    overrides = _overrides(n_e, n_fm, collinear, convention, entropy_dims, mutual_info_dims, base)
    data, merged_meta, loaded_source = load_record(record, _declared_meta(meta, conserved), kind=model)
    if model is not None or conserved is not None:
        # the caller declares the model: the record's writer did not, so its arrays need not be all the model's
        merged_meta.pop("run_id", None)
    profile, reason = resolve_profile(profile, model_params(merged_meta), data)
    if approximate is None:
        approximate = PROFILE_APPROXIMATE[profile] or "truncation_error" in data
    active = Tolerances.profile(profile) if tolerances is None else tolerances
    ctx = build_context(data, merged_meta, source or loaded_source, active, approximate, overrides)
    results = tuple(check(ctx) for _, check in CHECKS)
    reference = Tolerances.profile("exact")
    if active != reference:
        strict = dataclasses.replace(ctx, tol=reference)
        label = f"{profile} profile" if tolerances is None else "given"
        results = mark_relaxed(results, tuple(check(strict) for _, check in CHECKS), label)
    results = _require_coverage(results, sorted(data))
    return Report(checks=results, source=source or loaded_source, model=ctx.model, approximate=ctx.approximate,
                  tolerances=active, profile=profile, profile_reason=reason)
