"""The entry point: :func:`check_run` validates its arguments, loads the record, builds the context
from the model it names and runs every check in the order of :data:`CHECK_NAMES`."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
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
    check_time_grid,
)
from verify.checks.context import CheckContext, Overrides, build_context
from verify.checks.laws import (
    check_charges,
    check_energy,
    check_norm,
    check_particle_number,
    check_sz,
    check_truncation,
)
from verify.checks.load import ARRAY_SHAPES, load_record
from verify.checks.report import CheckResult, Report
from verify.checks.tolerances import Tolerances
from verify.models import SPIN_CONVENTIONS
from verify.records.run import RunResult

__all__ = ["CHECKS", "CHECK_NAMES", "check_run"]

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
)
"""Every check by name, in report order (``charge_conservation`` came last, after the others were public)."""

CHECK_NAMES: tuple[str, ...] = tuple(name for name, _ in CHECKS)
"""Names of all checks, in the order they appear in a report."""


def _dims_pair(value: object, name: str) -> tuple[int, int] | None:
    """A pair of positive integers (d_A, d_B), or None."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:  # type: ignore[arg-type]
        raise ValueError(f"{name} must be a pair of positive integers (d_A, d_B), got {value!r}")
    d_a, d_b = value  # type: ignore[misc]
    return require_int(f"{name}[0]", d_a, minimum=1), require_int(f"{name}[1]", d_b, minimum=1)


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
        entropy_dims=_dims_pair(entropy_dims, "entropy_dims"),
        mutual_info_dims=_dims_pair(mutual_info_dims, "mutual_info_dims"),
        base=require_log_base(base),
    )


def check_run(
    record: RunResult | str | os.PathLike | Mapping[str, Any] | None = None,
    *,
    meta: Mapping[str, Any] | None = None,
    tolerances: Tolerances | None = None,
    approximate: bool | None = None,
    n_e: int | None = None,
    n_fm: int | None = None,
    collinear: bool | None = None,
    convention: str | None = None,
    entropy_dims: tuple[int, int] | None = None,
    mutual_info_dims: tuple[int, int] | None = None,
    base: float | None = None,
    **arrays: Any,
) -> Report:
    """Run every applicable check on a run record and return a :class:`Report`.

    The laws and bounds come from the model the record's metadata names (``meta.model``, through
    :func:`verify.models.record_schema`) or, for a chain model that is not registered, from what its
    record declares (``meta.conserved``, ``meta.sector``, ``meta.site_dims``, ``meta.cut``; through
    :func:`verify.models.declared_record_schema`); the keyword arguments override the model's fields
    of the same name and serve records without a model (bare arrays).

    Parameters
    ----------
    record : RunResult, path or mapping of arrays, optional
        The record. Omit it to pass the arrays as keyword arguments instead (names and shapes as
        in :data:`ARRAY_SHAPES`, e.g. ``t=..., norm=..., spin=...``); ``t`` is required.
    meta : mapping, optional
        Metadata overriding the record's own (model parameters such as ``n_e``, ``n_fm``,
        ``n_sites``, ``n_left``, ``polarization``, ``convention``, ``method``, ``cut``; a chain
        model's declaration ``conserved``, ``sector``, ``site_dims``).
    tolerances : Tolerances, optional
        Defaults documented on :class:`Tolerances`.
    approximate : bool, optional
        Use the truncation-aware tolerances. Default: True when the record has a
        ``truncation_error`` array or its metadata names an MPS/TEBD method.
    n_e, n_fm : int, optional
        Number of electrons / localized spins (override the metadata).
    collinear : bool, optional
        Whether the PRX state is an eigenstate of the total S^z (polarization along z). Default from
        the metadata ``polarization``; it only selects the truncation term of the approximate S^z
        tolerance (linear in ε for an eigenstate, 2‖O‖√ε otherwise; unknown counts as otherwise).
    convention : {"pauli-half", "pauli", "half"}, optional
        Pair model: normalizations of (σ, S) used in ``sigma_z`` and ``S_z``.
    entropy_dims : (int, int), optional
        Dimensions of the two sides of the ``entropy_cut`` bipartition (default: from the model).
    mutual_info_dims : (int, int), optional
        Dimensions of the two subsystems of ``mutual_info_edges`` (default: from the model, else
        (2, 2): the edge spins).
    base : float, optional
        Logarithm base of the recorded entropies (default: the metadata's ``base``, else natural log).
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
        Malformed record (missing ``t``, non-numeric or mis-shaped arrays, unreadable file) or
        invalid parameter values (e.g. a ``meta.cut`` outside 1..N−1); the message names the source
        and the key.
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
    if tolerances is None:
        tolerances = Tolerances()
    elif not isinstance(tolerances, Tolerances):
        raise TypeError(f"tolerances must be a Tolerances instance, got {type(tolerances).__name__}")
    if approximate is not None:
        approximate = require_bool("approximate", approximate)
    overrides = _overrides(n_e, n_fm, collinear, convention, entropy_dims, mutual_info_dims, base)
    data, merged_meta, source = load_record(record, meta)
    ctx = build_context(data, merged_meta, source, tolerances, approximate, overrides)
    results = tuple(check(ctx) for _, check in CHECKS)
    return Report(checks=results, source=source, model=ctx.model, approximate=ctx.approximate, tolerances=tolerances)

