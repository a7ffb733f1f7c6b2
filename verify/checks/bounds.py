"""Physical bounds and bookkeeping: time grid, finite values, spin lengths, densities, entropies,
mutual information, Meyer–Wallach, pair probabilities, the consistency of derived arrays, and the arrays a
model's record must hold (:func:`check_required_arrays`).

The bounds that depend on the model — spin lengths, the entropy bound ln min(d_left, d_right) from
the site dimensions (:func:`verify.models.cut_log_dims`, :func:`verify.models.bond_log_bounds`), the
dimensions of the mutual-information subsystems, the keys NaN by design — come from the context
(:mod:`verify.checks.context`), i.e. from the record's schema. The consistency relations between the
PRX frame's derived arrays (PRX Eqs. 9–11) and the pair paper's Δσ_z are written here by array name
(:func:`check_consistency`): they are the definitions of those recorded keys.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from verify.checks.context import CheckContext
from verify.checks.report import CheckResult, skip, worse
from verify.models import APPROXIMATE_RECORD_KEYS, bond_log_bounds
from verify.records.run import output_times

__all__ = [
    "check_consistency",
    "check_density_bounds",
    "check_electron_length",
    "check_entropy",
    "check_finite",
    "check_localized_length",
    "check_meyer_wallach",
    "check_mutual_information",
    "check_pair_probabilities",
    "check_required_arrays",
    "check_time_grid",
]


def check_time_grid(ctx: CheckContext) -> CheckResult:
    """``t`` finite, strictly increasing, evenly spaced within ``time_grid`` · Δt_0."""
    name, desc = "time_grid", "t finite, strictly increasing, evenly spaced"
    t = ctx.t
    if not np.isfinite(t).all():
        deviation = np.where(np.isfinite(t), 0.0, np.nan)
        return ctx.evaluate(name, desc, deviation, 0.0)
    if t.size < 2:
        return skip(name, desc, "a single time point: no spacing to check")
    step = np.diff(t)
    if step[0] <= 0:
        deviation = np.concatenate([[0.0], np.where(step <= 0, 1.0 + np.abs(step), 0.0)])
        return ctx.evaluate(name, desc, deviation, 0.0, "t is not increasing (first step <= 0)")
    relative = np.concatenate([[0.0], np.abs(step - step[0]) / step[0]])
    not_increasing = np.concatenate([[False], step <= 0])
    relative = np.where(not_increasing, np.maximum(relative, 1.0), relative)
    detail = f"relative spacing error; dt = {step[0]:.6g}"
    declared = _declared_grid(ctx)
    if declared is not None:
        expected, what = declared
        if expected.shape != t.shape:
            relative = relative.copy()
            relative[-1] = max(relative[-1], 1.0 + abs(expected.size - t.size))
            detail = f"{t.size} times, but {what} give {expected.size}"
        else:
            relative = np.maximum(relative, np.abs(t - expected) / float(ctx.params["dt_out"]))
            detail = f"{detail}; t against {what}"
    return ctx.evaluate(name, desc, relative, ctx.tol.time_grid, detail)


def _declared_grid(ctx: CheckContext) -> tuple[np.ndarray, str] | None:
    """The output grid the metadata declares (``dt_out`` with ``t_max`` and/or ``n_times``), or None."""
    dt_out, t_max, n_times = (ctx.params.get(key) for key in ("dt_out", "t_max", "n_times"))
    if not isinstance(dt_out, (int, float)) or isinstance(dt_out, bool) or not dt_out > 0:
        return None
    if isinstance(t_max, (int, float)) and not isinstance(t_max, bool):
        try:
            grid = output_times(t_max, dt_out)
        except (TypeError, ValueError):
            return np.full(0, np.nan), f"t_max = {t_max!r}, dt_out = {dt_out!r} (no valid grid)"
        if isinstance(n_times, int) and not isinstance(n_times, bool) and n_times != grid.size:
            return np.full(n_times, np.nan), f"n_times = {n_times} (t_max/dt_out give {grid.size})"
        return grid, f"t_max = {t_max:g}, dt_out = {dt_out:g}"
    if isinstance(n_times, int) and not isinstance(n_times, bool) and 0 < n_times <= ctx.t.size + 1:
        return dt_out * np.arange(n_times), f"n_times = {n_times}, dt_out = {dt_out:g}"
    if isinstance(n_times, int) and not isinstance(n_times, bool):
        return np.full(min(n_times, ctx.t.size + 2), np.nan), f"n_times = {n_times}"
    return None


def _first_nonfinite(ctx: CheckContext, key: str, array: np.ndarray) -> CheckResult:
    """The failure at the first non-finite entry of ``array``: its time and site (spin) for a time
    series, just the key otherwise."""
    name, desc = "finite_values", "no NaN or inf in any recorded array"
    series = array.ndim >= 1 and array.shape[0] == ctx.t.shape[0]
    row = site = time = None
    if series:
        row, column = (int(i) for i in np.argwhere(~np.isfinite(array.reshape(array.shape[0], -1)))[0])
        time = float(ctx.t[row]) if np.isfinite(ctx.t[row]) else None
        if array.ndim == 2:
            site = column
        elif array.ndim == 3:
            site = column // array.shape[2]
    detail = f"first non-finite value in '{key}'" + ("" if series else " (not a time series)")
    return CheckResult(name=name, description=desc, passed=False, deviation=math.nan, tolerance=0.0,
                       time_index=row, time=time, site=site, detail=detail)


def check_finite(ctx: CheckContext) -> CheckResult:
    """No NaN or inf in any numeric array of the record — those the checks read and any other — except
    the schema's NaN-by-design keys."""
    name, desc = "finite_values", "no NaN or inf in any recorded array"
    allowed = ctx.nan_keys
    checked = [key for key in ctx.arrays if key not in allowed]
    for key in checked:
        array = ctx.arrays[key]
        if not np.isfinite(array).all():
            return _first_nonfinite(ctx, key, array)
    note = f"{len(checked)} arrays"
    if allowed:
        note += "; NaN allowed by design in " + ", ".join(f"{key} ({why})" for key, why in sorted(allowed.items()))
    return CheckResult(name=name, description=desc, passed=True, deviation=0.0, tolerance=0.0, detail=note)


def check_density_bounds(ctx: CheckContext) -> CheckResult:
    """0 ≤ n_j ≤ 2 and |s^z_j| ≤ min(n_j, 2 − n_j) on spinful fermion sites."""
    name, desc = "density_bounds", "0 <= n_j <= 2 and |s^z_j| <= min(n_j, 2 - n_j)"
    if ctx.missing("density"):
        return ctx.skip_missing(name, desc, "no 'density' array", "density")
    density = ctx.arrays["density"]
    excess = np.maximum(-density, density - 2.0)
    detail = "occupation of a spinful site"
    if "spin_density_z" in ctx.arrays:
        # n_up, n_down in [0, 1]: |n_up - n_down| <= n_up + n_down and <= 2 - (n_up + n_down)
        spin = np.abs(ctx.arrays["spin_density_z"])
        excess = np.maximum(excess, spin - np.minimum(density, 2.0 - density))
        detail += " and its spin density"
    return ctx.evaluate(name, desc, excess, ctx.tol.bound, detail, site_axis=True)


def check_localized_length(ctx: CheckContext) -> CheckResult:
    """The model's spin bounds: |⟨2S_i⟩| ≤ 2S (|S_i| ≤ 1 for spins 1/2), purities in [0, 1],
    |⟨σ^z_i⟩| ≤ 1 (PRX Eqs. 10–11)."""
    largest = max((bound.maximum for bound in ctx.spin_bounds), default=1.0)
    name, desc = "localized_spin_length", f"0 <= |S_i| <= {largest:g}"
    present = [bound for bound in ctx.spin_bounds if bound.key in ctx.arrays]
    if not present:
        keys = [bound.key for bound in ctx.spin_bounds] or ["spin", "spin_purity"]
        return ctx.skip_missing(name, desc, "no " + " or ".join(f"'{key}'" for key in keys) + " array", *keys)
    deviation = np.maximum.reduce([bound.excess(ctx.arrays[bound.key]) for bound in present])  # NaN propagates
    detail = "distance outside the bound"
    if largest != 1.0:
        detail += "; " + ", ".join(f"{bound.key} <= {bound.maximum:g}" for bound in present)
    return ctx.evaluate(name, desc, deviation, ctx.tol.bound, detail, site_axis=True)


def check_electron_length(ctx: CheckContext) -> CheckResult:
    """|s̃_e| = |s_e| / N_e ≤ 1 (PRX Figs. 4–5), from the purity and from the vector."""
    name, desc = "electron_spin_length", "0 <= |s_e / N_e| <= 1"
    if len(ctx.missing("electron_spin", "electron_spin_purity")) == 2:
        reason = "no 'electron_spin' or 'electron_spin_purity' array"
        return ctx.skip_missing(name, desc, reason, "electron_spin", "electron_spin_purity")
    if ctx.n_e == 0:
        return skip(name, desc, "N_e = 0: no electron spin (purity recorded as NaN)")
    parts = []
    if "electron_spin_purity" in ctx.arrays:
        purity = ctx.arrays["electron_spin_purity"]
        parts.append(np.maximum(purity - 1.0, -purity))
    if "electron_spin" in ctx.arrays and ctx.n_e is not None:
        parts.append(np.linalg.norm(ctx.arrays["electron_spin"], axis=1) / ctx.n_e - 1.0)
    if not parts:  # electron_spin recorded but not checkable
        return skip(name, desc, "N_e unknown: pass n_e= to normalize electron_spin", warn=True)
    deviation = np.maximum.reduce(parts)  # np.maximum propagates NaN
    return ctx.evaluate(name, desc, deviation, ctx.tol.bound, "distance outside the bound")


def _spin_maximum(ctx: CheckContext) -> float:
    return next((bound.maximum for bound in ctx.spin_bounds if bound.key == "spin"), 1.0)


def _relations(ctx: CheckContext) -> list[tuple[str, np.ndarray, bool]]:
    """(label, |derived − recomputed|, site axis) for every derived array recorded with its source."""
    arrays, relations = ctx.arrays, []
    if not ctx.missing("spin", "spin_purity"):
        two_s = _spin_maximum(ctx)  # PRX Eq. 11: purity = |<2S>| / 2S
        label = "spin_purity = |spin|" if two_s == 1.0 else "spin_purity = |spin| / 2S"
        relations.append((label, np.abs(arrays["spin_purity"] - np.linalg.norm(arrays["spin"], axis=2) / two_s), True))
    if not ctx.missing("spin", "spin_z_total"):
        derived = arrays["spin"][:, :, 2].sum(axis=1)
        relations.append(("spin_z_total = sum_i spin_z", np.abs(arrays["spin_z_total"] - derived), False))
    if not ctx.missing("electron_spin", "electron_spin_purity") and ctx.n_e:
        derived = np.linalg.norm(arrays["electron_spin"], axis=1) / ctx.n_e
        label = "electron_spin_purity = |electron_spin| / N_e"
        relations.append((label, np.abs(arrays["electron_spin_purity"] - derived), False))
    if not ctx.missing("spin_density_z", "electron_spin"):
        derived = arrays["spin_density_z"].sum(axis=1) - arrays["electron_spin"][:, 2]
        relations.append(("sum_j spin_density_z = electron_spin_z", np.abs(derived), False))
    if not ctx.missing("spin_transfer", "sigma_z"):
        sigma = arrays["sigma_z"]
        derived = np.abs(sigma - sigma[0])
        relations.append(("spin_transfer = |sigma_z - sigma_z(0)|", np.abs(arrays["spin_transfer"] - derived), False))
    return relations


def check_consistency(ctx: CheckContext) -> CheckResult:
    """Derived arrays agree with their sources where both are recorded."""
    name, desc = "consistency", "derived arrays agree with the arrays they are derived from"
    relations = _relations(ctx)
    if not relations:
        return skip(name, desc, "no pair of primary and derived arrays in the record")
    results = [
        ctx.evaluate(name, desc, deviation, ctx.tol.consistency, label, site_axis)
        for label, deviation, site_axis in relations
    ]
    worst = results[0]
    for result in results[1:]:
        worst = worse(worst, result)
    return worst


def check_entropy(ctx: CheckContext) -> CheckResult:
    """0 ≤ S_cut ≤ log min(d_left, d_right) (PRX Eq. 12), and every recorded bond entropy within the
    same bound at its bond, from the model's site dimensions."""
    name, desc = "entropy_bounds", "0 <= S_cut <= log(min(d_left, d_right))"
    bonds = "bond_entropy" in ctx.arrays and len(ctx.site_dims) == ctx.arrays["bond_entropy"].shape[1] + 1
    if ctx.missing("entropy_cut") and not bonds:
        if "bond_entropy" in ctx.arrays:  # recorded, but its bonds do not match known site dimensions
            return skip(name, desc, "bond_entropy recorded, site dimensions unknown (meta.site_dims)", warn=True)
        return ctx.skip_missing(name, desc, "no 'entropy_cut' array", "entropy_cut")
    results = []
    if not ctx.missing("entropy_cut"):
        if ctx.entropy_log_dims is None:  # recorded, but not checkable: WARN
            return skip(name, desc, ctx.entropy_detail, warn=True)
        log_max = ctx.in_base(min(ctx.entropy_log_dims))
        entropy = ctx.arrays["entropy_cut"]
        deviation = np.maximum(-entropy, entropy - log_max)
        results.append(ctx.evaluate(name, desc, deviation, ctx.tol.bound, ctx.entropy_detail))
    if bonds:
        upper = ctx.in_base(bond_log_bounds(ctx.site_dims))
        entropy = ctx.arrays["bond_entropy"]
        deviation = np.maximum(-entropy, entropy - upper)
        results.append(ctx.evaluate(name, desc, deviation, ctx.tol.bound, "bond_entropy at every bond", True))
    worst = results[0]
    for result in results[1:]:
        worst = worse(worst, result)
    return worst


def check_mutual_information(ctx: CheckContext) -> CheckResult:
    """0 ≤ I ≤ 2 min(S_A, S_B) (Araki–Lieb), else I ≤ 2 log min(d_A, d_B) (PRX Eq. 14)."""
    name, desc = "mutual_information_bounds", "0 <= I <= 2 min(S_A, S_B)"
    if ctx.missing("mutual_info_edges"):
        return ctx.skip_missing(name, desc, "no 'mutual_info_edges' array", "mutual_info_edges")
    if "mutual_info_edges" in ctx.nan_keys:
        return skip(name, desc, f"{ctx.nan_keys['mutual_info_edges']}: no pair of edge spins (recorded as NaN)")
    info = ctx.arrays["mutual_info_edges"]
    d_a, d_b = ctx.mutual_info_dims
    upper = np.full(info.shape, 2.0 * ctx.in_base(math.log(min(d_a, d_b))))
    detail = f"I <= 2 log {min(d_a, d_b)}"
    entropy_excess = np.zeros(info.shape)
    if not ctx.missing("mutual_info_entropy_a", "mutual_info_entropy_b"):
        s_a, s_b = ctx.arrays["mutual_info_entropy_a"], ctx.arrays["mutual_info_entropy_b"]
        with np.errstate(over="ignore", invalid="ignore"):
            upper = np.minimum(upper, 2.0 * np.minimum(s_a, s_b))
            upper = np.where(np.isnan(s_a + s_b), np.nan, upper)
            # each entropy within 0 <= S_X <= log d_X (PRX Eq. 12): a qubit's is at most log 2
            log_a, log_b = ctx.in_base(math.log(d_a)), ctx.in_base(math.log(d_b))
            excess = np.maximum.reduce([-s_a, -s_b, s_a - log_a, s_b - log_b])
            # a non-finite entropy is the finite_values check's failure (a NaN already fails through ``upper``)
            entropy_excess = np.where(np.isfinite(s_a) & np.isfinite(s_b), excess, 0.0)
        detail = f"I <= 2 min(S_A, S_B) (Araki-Lieb), 0 <= S_A <= log {d_a}, 0 <= S_B <= log {d_b}"
    with np.errstate(over="ignore", invalid="ignore"):
        deviation = np.maximum(np.maximum(-info, info - upper), entropy_excess)
    return ctx.evaluate(name, desc, deviation, ctx.tol.bound, detail)


def check_required_arrays(ctx: CheckContext) -> CheckResult:
    """A record with a model (registered or declared) holds every array the model's records hold: the
    schema's keys, ``norm``, ``energy`` (when conserved), and for a record of the TEBD driver the MPS
    bookkeeping (:data:`verify.models.APPROXIMATE_RECORD_KEYS`).

    A record this package wrote (its sidecar has a ``run_id``, :meth:`verify.records.RunResult.save`) was
    written with all of them, so a missing one FAILS (an array deleted afterwards); for arrays assembled
    by hand (no run id) the check is a WARN skip naming them. A bare record has no such list: skipped."""
    name, desc = "required_arrays", "every array of the model's records present"
    if not ctx.from_model:
        return skip(name, desc, "no model schema: the record does not say which arrays it must hold")
    required = set(ctx.expected)
    method = str(ctx.params.get("method", "")).lower()
    if ctx.approximate and "tebd" in method and isinstance(ctx.params.get("tebd"), Mapping):  # the TEBD driver's
        required |= set(APPROXIMATE_RECORD_KEYS)
    missing = sorted(required - set(ctx.arrays))
    deviation = np.zeros(ctx.t.shape)
    detail = f"{len(required)} arrays of the {ctx.model} model"
    if missing:
        listed = ", ".join(repr(key) for key in missing)
        if "run_id" not in ctx.params:  # not a file this package wrote: arrays assembled by hand may omit some
            return skip(name, desc, f"missing {listed} (expected in a {ctx.model} record)", warn=True)
        deviation[0] = float(len(missing))
        detail = f"missing {listed} (required by the {ctx.model} model; the record was written with all of them)"
    return ctx.evaluate(name, desc, deviation, 0.0, detail)


def check_meyer_wallach(ctx: CheckContext) -> CheckResult:
    """0 ≤ Q_MW ≤ 1 (PRX Eq. 13); NaN by design when a subsystem is not a qubit."""
    name, desc = "meyer_wallach_bounds", "0 <= Q_MW <= 1"
    if ctx.missing("meyer_wallach"):
        return ctx.skip_missing(name, desc, "no 'meyer_wallach' array", "meyer_wallach")
    if "meyer_wallach" in ctx.nan_keys:
        return skip(name, desc, f"{ctx.nan_keys['meyer_wallach']}: Q_MW is defined for qubits (recorded as NaN)")
    q = ctx.arrays["meyer_wallach"]
    return ctx.evaluate(name, desc, np.maximum(-q, q - 1.0), ctx.tol.bound)


def check_pair_probabilities(ctx: CheckContext) -> CheckResult:
    """Every pair probability in [0, 1], every row summing to 1 (± the norm tolerance)."""
    name, desc = "pair_probabilities", "0 <= p_k <= 1 and sum_k p_k = 1"
    if ctx.missing("pair_probabilities"):
        return ctx.skip_missing(name, desc, "no 'pair_probabilities' array", "pair_probabilities")
    if "pair_probabilities" in ctx.nan_keys:
        return skip(name, desc, "single-electron run (pair 'single-down'): no pair probabilities")
    p = ctx.arrays["pair_probabilities"]
    bounds = ctx.evaluate(name, desc, np.maximum(-p, p - 1.0), ctx.tol.bound, "worst: a probability", True)
    total = ctx.evaluate(
        name, desc, np.abs(p.sum(axis=1) - 1.0), ctx.tol.probability_sum + ctx.trunc, "worst: a row sum"
    )
    return worse(bounds, total)
