"""The conservation laws: norm, the model's declared charges (2S^z, particle number and any other),
energy, and the bookkeeping of the truncation error that relaxes them for approximate records.

The charges come from the record's schema (:class:`verify.models.ConservedLaw` in the context, one per
declared charge): the recorded total must be constant, agree with the sum of its recorded parts and,
when the initial state is an eigenstate of known eigenvalue, equal it. ``sz_conservation`` checks
2S^z, ``particle_number`` N, ``charge_conservation`` every other declared charge (e.g. the N_↑ of a
Hubbard chain, recorded as ``total_Nu``) with the same logic as 2S^z. For approximate records the
tolerance grows with the accumulated truncation error ε(t) (:mod:`verify.checks`): ‖O‖ ε(t) for an
eigenstate, 2 ‖O‖ √ε(t) otherwise, with ‖O‖ = :attr:`~verify.models.ConservedLaw.norm`.

Required arrays: a record whose laws come from a schema (a registered model, or the charges its
metadata declares) must show every conserved charge — its recorded total or all the parts that add up
to it (:meth:`verify.models.RecordSchema.missing_required`). A law it does not show FAILS (:func:`required`)
instead of being skipped: a record of an S^z-conserving model without any S^z array has not been
checked. Records without a schema (bare arrays) skip such a law with status WARN.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np

from verify.checks.context import CheckContext
from verify.checks.report import CheckResult, skip, worse
from verify.checks.truncation import first_cut_index
from verify.models import ConservedLaw

__all__ = [
    "NAMED_CHARGES",
    "check_charges",
    "check_energy",
    "check_norm",
    "check_particle_number",
    "check_sz",
    "check_truncation",
    "required",
]

NAMED_CHARGES = ("2Sz", "N")
"""Charges with a check of their own (``sz_conservation``, ``particle_number``); ``charge_conservation``
covers every other declared charge."""


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def required(ctx: CheckContext, name: str, desc: str, laws: list[ConservedLaw]) -> CheckResult:
    """The failure of a check whose model requires arrays the record lacks (module docstring); for a
    record without a schema, a skip with status WARN."""
    missing = "; ".join(f"{law.charge}: no {law.requirement} array" for law in laws)
    if not ctx.from_model:
        return skip(name, desc, missing, warn=True)
    reason = f"required by the {ctx.model} model's conserved charges, not recorded ({missing})"
    return CheckResult(name=name, description=desc, passed=False, detail=reason)


def check_norm(ctx: CheckContext) -> CheckResult:
    """|norm − 1| ≤ ``norm`` (+ ε(t) for approximate records)."""
    name, desc = "norm", "|norm - 1|"
    if ctx.missing("norm"):
        return ctx.skip_missing(name, desc, "no 'norm' array", "norm")
    tolerance = ctx.tol.norm + ctx.trunc
    detail = "tolerance includes the accumulated truncation error" if ctx.approximate else ""
    return ctx.evaluate(name, desc, np.abs(ctx.arrays["norm"] - 1.0), tolerance, detail)


def _wording(ctx: CheckContext, law: ConservedLaw, scaled: bool) -> str:
    """How a law's initial state reads in the report: the spin convention of scaled parts, the
    context's note (PRX polarization, unknown for bare records), else from the schema."""
    if scaled:
        return f"convention {ctx.convention!r}"
    if law.charge in ctx.law_notes:
        return ctx.law_notes[law.charge]
    if law.eigenstate:
        return "initial state an eigenstate"
    quantity = "S^z" if law.charge == "2Sz" else law.charge
    return f"<{quantity}> conserved, initial state not an eigenstate"


def _conserved_total(
    ctx: CheckContext, name: str, desc: str, law: ConservedLaw, scaled: bool, prefix: str = ""
) -> CheckResult:
    """The total of ``law`` (its parts, else its recorded key) constant, equal to the recorded total and
    to the eigenvalue when known, within the truncation-aware tolerance."""
    wording = _wording(ctx, law, scaled)
    detail = _join(prefix, f"{wording}: {law.parts_text}" if scaled else wording)
    if ctx.missing(*(part.key for part in law.parts)) or not law.parts:
        total, detail = ctx.arrays[law.key], _join(detail, f"from the recorded {law.key} alone")
    else:
        total = sum(part.values(ctx.arrays) for part in law.parts)
    with np.errstate(invalid="ignore"):  # inf - inf in a corrupted record: NaN, which evaluate fails
        deviation = np.abs(total - total[0])
        if law.eigenstate and law.value is not None:
            deviation = np.maximum(deviation, np.abs(total - law.value))
            detail = _join(detail, f"{law.charge} = {law.value} (the initial eigenstate)")
        if law.key in ctx.arrays and total is not ctx.arrays[law.key]:  # the evolver's own total: must agree
            deviation = np.maximum(deviation, np.abs(ctx.arrays[law.key] - total))
            detail = _join(detail, f"includes the recorded {law.key}")
    if law.eigenstate:
        truncation_term, form = law.norm * ctx.trunc, f"{law.norm:g} x"
    else:
        truncation_term, form = 2.0 * law.norm * np.sqrt(ctx.trunc), f"2 x {law.norm:g} x sqrt of"
    if ctx.approximate:
        detail = _join(detail, f"tolerance includes {form} the truncation error")
    return ctx.evaluate(name, desc, deviation, ctx.tol.conservation + truncation_term, detail)


def check_sz(ctx: CheckContext) -> CheckResult:
    """The total 2S^z (Pauli units) is constant, equals its parts, and its eigenvalue when known."""
    name = "sz_conservation"
    law = ctx.laws.get("2Sz")
    if law is None:
        reason = ctx.law_skips.get("2Sz", f"model {ctx.model!r} conserves no S^z")
        return skip(name, "total S^z constant", reason, warn=ctx.undeclared)
    scaled = law.spin_convention or any(part.scale != 1.0 for part in law.parts)
    names = " + ".join(part.key if scaled else part.text for part in law.parts)
    desc = f"{names} (Pauli units) constant" if scaled else f"{names} constant (Pauli units)"
    if not law.recorded(ctx.arrays):
        return required(ctx, name, desc, [law])
    if "2Sz" in ctx.law_skips:  # recorded, but not checkable (e.g. no spin convention): WARN
        return skip(name, desc, ctx.law_skips["2Sz"], warn=True)
    return _conserved_total(ctx, name, desc, law, scaled)


def check_charges(ctx: CheckContext) -> CheckResult:
    """Every declared charge besides 2S^z and N: its recorded total (or the sum of its parts) constant,
    and equal to the sector's value when the initial state is an eigenstate of it."""
    name, desc = "charge_conservation", "total of every other declared charge constant"
    if not ctx.from_model:
        return skip(name, desc, "no model or declared charges in the metadata (meta.conserved): N and 2S^z only")
    laws = [law for charge, law in ctx.laws.items() if charge not in NAMED_CHARGES]
    if not laws:
        return skip(name, desc, f"the {ctx.model} model declares no charge besides N and 2S^z")
    absent = [law for law in laws if not law.recorded(ctx.arrays)]
    if absent:
        return required(ctx, name, desc, absent)
    results = [
        _conserved_total(ctx, name, desc, law, scaled=False, prefix=f"{law.charge} ({law.key})") for law in laws
    ]
    worst = results[0]
    for result in results[1:]:
        worst = worse(worst, result)
    return worst


def check_particle_number(ctx: CheckContext) -> CheckResult:
    """Σ_i density = N_e and the recorded ``n_electrons`` = N_e (else their initial value)."""
    name, desc = "particle_number", "sum_i density = N_e"
    law = ctx.laws.get("N")
    if law is None:
        reason = ctx.law_skips.get("N", f"model {ctx.model!r} conserves no particle number")
        return skip(name, desc, reason, warn=ctx.undeclared)
    have_parts = bool(law.parts) and not ctx.missing(*(part.key for part in law.parts))
    if not law.recorded(ctx.arrays):
        return required(ctx, name, desc, [law])
    numbers = []
    if have_parts:
        numbers.append(sum(part.values(ctx.arrays) for part in law.parts))
    if law.key in ctx.arrays:
        numbers.append(ctx.arrays[law.key])
    if law.value is not None:
        reference, detail = float(law.value), f"N_e = {law.value}"
    else:
        reference, detail = float(numbers[0][0]), "no N_e given: compared with the initial value"
    if law.key in ctx.arrays:
        detail += f"; includes the recorded {law.key}"
    deviation = np.maximum.reduce([np.abs(number - reference) for number in numbers])
    return ctx.evaluate(name, desc, deviation, ctx.tol.conservation + law.norm * ctx.trunc, detail)


def check_energy(ctx: CheckContext) -> CheckResult:
    """|E(t) − E(0)| / max(1, |E(0)|) ≤ ``energy`` (``energy_approximate`` for Trotter records)."""
    name, desc = "energy", "|E(t) - E(0)| / max(1, |E(0)|)"
    if not ctx.energy_conserved:
        return skip(name, desc, "the energy is not declared conserved (meta.energy_conserved, --conserved)")
    if ctx.missing("energy"):
        return ctx.skip_missing(name, desc, "no 'energy' array", "energy")
    energy = ctx.arrays["energy"]
    scale = max(1.0, abs(float(energy[0]))) if math.isfinite(energy[0]) else 1.0
    rtol = ctx.tol.energy_approximate if ctx.approximate else ctx.tol.energy
    detail = "Trotter tolerance (approximate record)" if ctx.approximate else ""
    deviation = np.abs(energy - energy[0]) / scale
    return _truncation_hint(ctx, ctx.evaluate(name, desc, deviation, rtol, detail), deviation, rtol)


def _truncation_hint(ctx: CheckContext, result: CheckResult, deviation: np.ndarray, tolerance: float) -> CheckResult:
    """A failed energy that held until χ_max stopped holding the requested truncation: say that the drift
    is truncation error and how to find the converged window (the verdict stays FAIL)."""
    limited = ctx.arrays.get("truncation_limited_steps")
    first = None if limited is None else first_cut_index(limited)
    if result.passed is not False or first is None:
        return result
    with np.errstate(invalid="ignore"):
        held = first > 0 and not np.any(deviation[:first] > tolerance) and np.all(np.isfinite(deviation[:first]))
    if not held:
        return result
    hint = (f"within tolerance until t = {float(ctx.t[first - 1]):g}, after which chi_max could not hold the requested "
            "truncation: the drift is truncation error (raise chi_max; verify compare gives the converged window)")
    return dataclasses.replace(result, detail=_join(result.detail, hint))


def check_truncation(ctx: CheckContext) -> CheckResult:
    """The accumulated truncation error is finite, ≥ 0 and non-decreasing; names where χ_max stopped
    holding the requested truncation."""
    name, desc = "truncation_error", "accumulated truncation error >= 0 and non-decreasing"
    if ctx.missing("truncation_error"):
        reason = "no 'truncation_error' array" + ("" if ctx.approximate else " (exact evolver)")
        return ctx.skip_missing(name, desc, reason, "truncation_error")
    error = ctx.arrays["truncation_error"]
    decrease = np.concatenate([[0.0], np.maximum(-np.diff(error), 0.0)])
    deviation = np.maximum(decrease, np.maximum(-error, 0.0))
    deviation = np.where(np.isfinite(error), deviation, np.nan)
    detail = "worst decrease (or negative value)"
    invalid, what = _invalid_bookkeeping(ctx)
    if invalid.any():
        deviation = np.where(invalid, np.nan, deviation)
        detail = f"{detail}; {what}"
    result = ctx.evaluate(name, desc, deviation, ctx.tol.truncation_monotone, detail)
    limited = ctx.arrays.get("truncation_limited_steps")
    first = None if limited is None else first_cut_index(limited)
    if first is not None and not invalid.any():
        t = ctx.t
        since = float(t[first - 1]) if first > 0 else float(t[0])
        note = (
            f"chi_max could not hold the requested truncation in {int(np.sum(limited))} steps, "
            f"the first between t = {since:g} and {float(t[first]):g} (not converged in chi_max after it)"
        )
        result = dataclasses.replace(result, detail=f"{result.detail}; {note}" if result.detail else note,
                                     warning=None if result.passed is False else note)
    return result


def _schmidt_rank_limit(site_dims: tuple[int, ...]) -> float:
    """The largest Schmidt rank any cut of a chain with these site dimensions allows (inf if unknown)."""
    if len(site_dims) < 2:
        return math.inf
    log_dims = np.log(np.asarray(site_dims, dtype=float))
    left = np.cumsum(log_dims)[:-1]
    smaller_side = np.minimum(left, log_dims.sum() - left)
    return float(np.exp(min(float(smaller_side.max()), 700.0)))  # exp(700) ~ 1e304: no overflow


def _invalid_bookkeeping(ctx: CheckContext) -> tuple[np.ndarray, str]:
    """Rows whose TEBD counters are impossible: ``truncation_limited_steps`` not a finite integer >= 0,
    ``max_bond_dimension`` not a finite integer >= 1, nor above ``meta.tebd.chi_max`` (when recorded) after
    the first row; the initial state is not truncated (the PRX well's ground state may exceed a small chi_max),
    so the first row is bounded by the largest Schmidt rank the site dimensions allow."""
    invalid = np.zeros(ctx.t.shape, dtype=bool)
    reasons = []
    tebd = ctx.params.get("tebd")
    chi_max = tebd.get("chi_max") if isinstance(tebd, Mapping) else None
    chi_max = float(chi_max) if isinstance(chi_max, (int, float)) and not isinstance(chi_max, bool) else math.inf
    for key, low, high in (("truncation_limited_steps", 0.0, math.inf), ("max_bond_dimension", 1.0, chi_max)):
        values = ctx.arrays.get(key)
        if values is None or values.shape != ctx.t.shape:
            continue
        bound = np.full(values.shape, high)
        bound[:1] = _schmidt_rank_limit(ctx.site_dims) if key == "max_bond_dimension" else high
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(values) | (values < low) | (values > bound) | (np.round(values) != values)
        if bad.any():
            invalid |= bad
            after = " after t[0]" if math.isfinite(high) else ""
            reasons.append(f"'{key}' must hold integers in {low:g}..{high:g}{after}")
    return invalid, "; ".join(reasons)
