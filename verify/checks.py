"""Checks of a run record: conservation laws, physical bounds and bookkeeping, with a structured report.

:func:`check_run` accepts a :class:`~verify.runs.RunResult`, the path of a run record written by this
package (``.npz`` + optional JSON sidecar, schema in ``docs/run_records.md``), a mapping of arrays, or
plain arrays passed as keyword arguments (``check_run(t=t, norm=norm, density=density, n_e=2)``). It
returns a :class:`Report` with one :class:`CheckResult` per check: whether it passed, the worst
deviation, when (time index and time) and where (site / spin index) it happened, the tolerance used,
or why it was skipped (the arrays it needs are absent, or the law does not apply).

The checks
----------
``time_grid``
    ``t`` is finite, strictly increasing and evenly spaced: max_i |Δt_i − Δt_0| ≤ ``time_grid`` · Δt_0.
``finite_values``
    No NaN or inf in any array the checks know, except where an evolver records NaN by design (the
    edge-spin mutual information for N_FM = 1, the electron purity for N_e = 0, pair probabilities of
    a single electron).
``norm``
    |norm − 1| ≤ ``norm`` (plus the accumulated truncation error for approximate runs, see below).
``sz_conservation``
    PRX: spin_z_total + electron_spin[:, 2] is constant (PRX Eq. 9, [H, s^z_e + Σ σ^z_i] = 0 for
    t ≥ 0). In the collinear geometry the state is an eigenstate of the total S^z; in the
    noncollinear one it is not, but its expectation value is conserved all the same. Pair model:
    sigma_z (recorded in Pauli units) + S_z converted to Pauli units with the record's spin convention
    is constant (pair paper, [σ_z + S_z, H] = 0), and so is the recorded total ``sz_total`` (which must
    equal that sum); likewise the PRX ``total_spin_z`` where recorded.
``particle_number``
    Σ_i density[t, i] = N_e and the recorded ``n_electrons`` = N_e (PRX); without N_e, compared with
    the initial value.
``energy``
    |E(t) − E(0)| ≤ ``energy`` · max(1, |E(0)|) (H is time independent for t ≥ 0).
``localized_spin_length``, ``electron_spin_length``
    |S_i| ≤ 1 for every localized spin and |s̃_e| = |s_e| / N_e ≤ 1 (Pauli units: the Bloch vector of a
    reduced density matrix, PRX Eqs. 10–11), from the purity arrays and from the spin vectors.
``density_bounds``
    0 ≤ n_j ≤ 2 for every site and |s^z_j| ≤ min(n_j, 2 − n_j) (n_j↑, n_j↓ ∈ [0, 1]).
``consistency``
    Derived arrays agree with their sources where both are recorded: spin_purity = |spin|,
    spin_z_total = Σ_i spin[:, i, z], electron_spin_purity = |electron_spin| / N_e,
    Σ_j spin_density_z = electron_spin[:, z] and spin_transfer = |sigma_z(t) − sigma_z(0)| (pair
    paper, definition of Δσ_z).
``entropy_bounds``
    0 ≤ S_cut ≤ log(min(d_left, d_right)); PRX dimensions: left = 4^cut · 2^(#FM sites among the first
    ``cut`` sites), right likewise (the cut of PRX Eq. 12 is after site (N+1)//2 unless the record says
    otherwise). Plain arrays: pass ``entropy_dims=(d_left, d_right)``.
``mutual_information_bounds``
    0 ≤ I ≤ 2 min(S_A, S_B) (Araki–Lieb) when the single-spin entropies are recorded
    (``mutual_info_entropy_a``/``_b``), else I ≤ 2 log 2 (the edge spins are qubits, PRX Eq. 14).
``meyer_wallach_bounds``
    0 ≤ Q_MW ≤ 1 (PRX Eq. 13: every subsystem is a qubit, purity in [1/2, 1]).
``pair_probabilities``
    Every probability in [0, 1] and every row summing to 1.
``truncation_error``
    The accumulated truncation error is finite, nonnegative and non-decreasing.

Approximate (TEBD) records
--------------------------
A record is approximate when it has a ``truncation_error`` array or its metadata names an MPS method.
Every truncation is an orthogonal projection that keeps a fraction 1 − ε_k of ⟨ψ|ψ⟩, so an MPS that is
not renormalized after truncation has 1 − ⟨ψ|ψ⟩ = 1 − Π_k(1 − ε_k) ≤ Σ_k ε_k = ε(t), the accumulated
truncation error; |‖ψ‖ − 1| ≤ |‖ψ‖² − 1| as well. The norm tolerance is therefore ``norm + ε(t)``
(a bound, not a fudge factor). The gates conserve S^z and N exactly, and truncating the Schmidt
decomposition of a state with a definite S^z (N) keeps it definite (unless a degenerate Schmidt
multiplet spanning two sectors is cut apart, an edge case), so the only effect on such a
conserved sum ⟨O⟩ is the same norm loss, |Δ⟨O⟩| ≤ ‖O‖ ε(t): the tolerance becomes
``conservation + ‖O‖ ε(t)`` with ‖O‖ = N_e + N_FM for S^z (Pauli units) and N_e for N. A state that
is not an S^z eigenstate (PRX noncollinear) can have Schmidt vectors that mix S^z sectors; then
|Δ⟨O⟩| ≤ 2‖O‖ √(1 − F) with F the fidelity to the untruncated state, and with the standard estimate
1 − F ≈ ε(t) the tolerance is ``conservation + 2‖O‖ √ε(t)``. The energy
of a second-order Trotter evolution is not conserved: exp(−iHδt) is replaced by exp(−iH_eff δt) with
H_eff = H + O(δt²), so ⟨H⟩ oscillates by O(δt²) without drifting; ``energy_approximate`` (relative to
max(1, |E(0)|)) replaces ``energy`` for such records.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from entanglement._validation import log_base_factor
from states.conventions import FERMION_SITE_DIM, spin_operators
from verify.models import SPIN_CONVENTIONS
from verify.records.run import RunResult, load_run

__all__ = [
    "ARRAY_SHAPES",
    "CHECK_NAMES",
    "CheckResult",
    "Report",
    "Tolerances",
    "check_run",
    "load_record",
]


@dataclass(frozen=True)
class Tolerances:
    """Tolerances of the checks, all absolute unless said otherwise; every field must be finite and ≥ 0.

    Attributes
    ----------
    norm : float
        |norm − 1| allowed for an exact evolver (default 1e-8). An exact (Krylov / dense) step
        preserves the norm to ~1e-13; over ~10^3–10^4 recorded steps that accumulates to ≲ 1e-9.
        1e-8 leaves a margin of 10 yet catches a non-unitary step, which is off by far more.
        Approximate records add the accumulated truncation error (module docstring).
    conservation : float
        Drift allowed for S^z and N (both integers in Pauli units / particles) for an exact evolver
        (default 1e-8): the conserved operators commute with every step, so only round-off of
        order (N_e + N_FM) · 1e-13 per step accumulates, as for the norm.
    energy : float
        Relative drift |E(t) − E(0)| / max(1, |E(0)|) for exact evolvers (default 1e-8, same reasoning).
    energy_approximate : float
        Relative drift for approximate (Trotter/TEBD) records (default 1e-2). Second-order Trotter
        changes ⟨H⟩ by O(δt²) times nested commutators of the bond terms divided by 12, bounded in
        time; measured on PRX chains with δt = 0.1 (the PRX step) it is ~1e-3 of max(1, |E(0)|)
        (``tests/test_checks.py``). 1e-2 passes such runs with a margin of 10 and catches a wrong gate
        or a sign error, which change E by O(1).
    bound : float
        Slack of the inequalities |S_i| ≤ 1, 0 ≤ S ≤ log d, 0 ≤ I ≤ 2 min(S_A, S_B), 0 ≤ Q_MW ≤ 1 and
        0 ≤ p ≤ 1 (default 1e-9): these quantities are computed from eigenvalues or expectation
        values of unit-scale matrices, whose round-off is ≲ 1e-12; a violated bound is a bug.
    consistency : float
        Allowed mismatch between a recorded derived array and its recomputation from the recorded
        primary array (purity vs |spin|, spin_transfer vs sigma_z) (default 1e-9: the same numbers
        recomputed in a different order differ by round-off only).
    probability_sum : float
        |Σ_k p_k − 1| allowed for the pair probabilities (default 1e-8: they sum to the norm², so the
        norm tolerance applies).
    time_grid : float
        Relative spacing error max |Δt_i − Δt_0| / Δt_0 (default 1e-6). A grid built as ``t += dt``
        over n steps carries a spacing error ≲ n² ε ≈ 2e-8 for n = 10^4; 1e-6 allows that for up to
        ~7·10^4 steps, while a skipped or duplicated record (spacing off by 100 %) fails.
    truncation_monotone : float
        Allowed decrease of the accumulated truncation error between records (default 0: it is a
        running sum of nonnegative numbers, so in floating point it never decreases).
    """

    norm: float = 1e-8
    conservation: float = 1e-8
    energy: float = 1e-8
    energy_approximate: float = 1e-2
    bound: float = 1e-9
    consistency: float = 1e-9
    probability_sum: float = 1e-8
    time_grid: float = 1e-6
    truncation_monotone: float = 0.0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"tolerance {item.name} must be a real number, got {value!r}")
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"tolerance {item.name} must be finite and >= 0, got {value!r}")

    def replace(self, **changes: float) -> Tolerances:
        """A copy with some tolerances changed (unknown names raise ``TypeError``)."""
        known = {item.name for item in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(f"unknown tolerance(s) {unknown}; known: {sorted(known)}")
        return Tolerances(**{**asdict(self), **changes})


CHECK_NAMES: tuple[str, ...] = (
    "time_grid",
    "finite_values",
    "norm",
    "sz_conservation",
    "particle_number",
    "energy",
    "localized_spin_length",
    "electron_spin_length",
    "density_bounds",
    "entropy_bounds",
    "mutual_information_bounds",
    "meyer_wallach_bounds",
    "pair_probabilities",
    "consistency",
    "truncation_error",
)
"""Names of all checks, in the order they appear in a report."""

# Expected shapes: symbols are "t" (number of times), "fm" (N_FM), "N" (sites), or fixed integers.
ARRAY_SHAPES: dict[str, tuple[str | int, ...]] = {
    "t": ("t",),
    "norm": ("t",),
    "energy": ("t",),
    "spin": ("t", "fm", 3),
    "spin_purity": ("t", "fm"),
    "spin_z_total": ("t",),
    "electron_spin": ("t", 3),
    "electron_spin_purity": ("t",),
    "density": ("t", "N"),
    "spin_density_z": ("t", "N"),
    "entropy_cut": ("t",),
    "mutual_info_edges": ("t",),
    "mutual_info_entropy_a": ("t",),
    "mutual_info_entropy_b": ("t",),
    "meyer_wallach": ("t",),
    "max_bond_dimension": ("t",),
    "truncation_error": ("t",),
    "truncation_limited_steps": ("t",),
    "sigma_z": ("t",),
    "S_z": ("t",),
    "spin_transfer": ("t",),
    "pair_probabilities": ("t", 4),
    "sz_total": ("t",),
    "total_spin_z": ("t",),
    "n_electrons": ("t",),
}
"""The arrays the checks read, with their expected shapes (other arrays of a record are ignored)."""

_PAIR_KEYS = frozenset({"sigma_z", "S_z", "spin_transfer", "pair_probabilities", "sz_total"})


# ----------------------------------------------------------------------------------------------------
# Report


def _finite_or_none(value: float | None) -> float | None:
    if value is None:
        return None
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    Attributes
    ----------
    name : str
        One of :data:`CHECK_NAMES`.
    description : str
        What was checked, in words.
    passed : bool or None
        ``None`` when the check was skipped.
    deviation : float or None
        The worst deviation found (NaN when the data contain NaN or inf); ``None`` when skipped.
        When the tolerance varies in time, the reported point is the worst *excess* over it.
    tolerance : float or None
        The tolerance at that point.
    time_index, time : int or float or None
        Where in time the worst deviation happened.
    site : int or None
        The site / spin / component index of the worst deviation, where meaningful (0-based).
    skip_reason : str or None
        Why the check was not run.
    detail : str
        Extra information (e.g. which quantity was compared to which).
    """

    name: str
    description: str
    passed: bool | None
    deviation: float | None = None
    tolerance: float | None = None
    time_index: int | None = None
    time: float | None = None
    site: int | None = None
    skip_reason: str | None = None
    detail: str = ""

    @property
    def skipped(self) -> bool:
        """True when the check did not run."""
        return self.passed is None

    @property
    def status(self) -> str:
        """``"pass"``, ``"FAIL"`` or ``"skip"``."""
        return "skip" if self.passed is None else ("pass" if self.passed else "FAIL")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; non-finite deviations become ``None`` with ``"deviation_nonfinite": true``."""
        out = asdict(self)
        out["status"] = self.status
        nonfinite = self.deviation is not None and not math.isfinite(self.deviation)
        out["deviation"] = _finite_or_none(self.deviation)
        out["deviation_nonfinite"] = nonfinite
        out["tolerance"] = _finite_or_none(self.tolerance)
        out["time"] = _finite_or_none(self.time)
        return out


@dataclass(frozen=True)
class Report:
    """All check results for one record.

    Attributes
    ----------
    checks : tuple of CheckResult
    source : str
        Where the record came from (a path, ``"RunResult"`` or ``"arrays"``).
    model : str
        ``"prx"``, ``"pair"`` or ``"unknown"``.
    approximate : bool
        Whether the truncation-aware tolerances were used.
    tolerances : Tolerances
    """

    checks: tuple[CheckResult, ...]
    source: str
    model: str
    approximate: bool
    tolerances: Tolerances = field(default_factory=Tolerances)

    @property
    def passed(self) -> bool:
        """True when no check failed (skipped checks do not count)."""
        return all(check.passed is not False for check in self.checks)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        """The checks that failed."""
        return tuple(check for check in self.checks if check.passed is False)

    @property
    def ran(self) -> tuple[CheckResult, ...]:
        """The checks that were not skipped."""
        return tuple(check for check in self.checks if check.passed is not None)

    def __getitem__(self, name: str) -> CheckResult:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(f"no check named {name!r}; checks: {[check.name for check in self.checks]}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``json.dumps(report.to_dict())`` works, no NaN)."""
        return {
            "source": self.source,
            "model": self.model,
            "approximate": self.approximate,
            "passed": self.passed,
            "tolerances": asdict(self.tolerances),
            "checks": [check.to_dict() for check in self.checks],
        }

    def to_json(self, **kwargs: Any) -> str:
        """``json.dumps`` of :meth:`to_dict` (keyword arguments are passed on)."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    def to_table(self) -> str:
        """A readable fixed-width text table, one line per check, and a summary line."""
        header = ("check", "status", "worst dev.", "tolerance", "where", "note")
        rows = [header]
        for check in self.checks:
            where = []
            trivial = check.passed and check.deviation == 0.0  # nothing approached the bound: no "where"
            if check.time_index is not None and not trivial:
                where.append(f"t[{check.time_index}]")
                if check.time is not None:
                    where.append(f"= {check.time:.6g}")
            if check.site is not None and not trivial:
                where.append(f"site {check.site}")
            rows.append(
                (
                    check.name,
                    check.status,
                    "" if check.deviation is None else f"{check.deviation:.3g}",
                    "" if check.tolerance is None else f"{check.tolerance:.3g}",
                    " ".join(where),
                    check.skip_reason if check.skipped else check.detail,
                )
            )
        widths = [max(len(row[k]) for row in rows) for k in range(len(header) - 1)]
        lines = []
        for index, row in enumerate(rows):
            cells = [row[k].ljust(widths[k]) for k in range(len(widths))] + [row[-1]]
            lines.append("  ".join(cells).rstrip())
            if index == 0:
                lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 4)
        n_fail, n_run = len(self.failures), len(self.ran)
        verdict = "PASSED" if self.passed else "FAILED"
        kind = "approximate (truncation-aware tolerances)" if self.approximate else "exact"
        lines.append("")
        lines.append(
            f"{verdict}: {n_run - n_fail}/{n_run} checks passed, {len(self.checks) - n_run} skipped "
            f"[{self.source}; model {self.model}; {kind}]"
        )
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------
# Reading and validating a record


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _model_params(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Model parameters from a sidecar, flattened.

    The package writes them nested, ``{"model": {"model": "prx", "n_e": 8, ...}, "cut": 38, ...}``;
    a ``params``/``parameters``/``model_params`` mapping is read the same way. Top-level keys
    override nested ones (so ``meta={"n_e": 3}`` passed to :func:`check_run` wins).
    """
    params: dict[str, Any] = {}
    for key in ("model", "params", "parameters", "model_params"):
        nested = meta.get(key)
        if isinstance(nested, Mapping):
            params.update(nested)
    params.update({key: value for key, value in meta.items() if not (key in params and isinstance(value, Mapping))})
    return params


def load_record(
    record: RunResult | str | os.PathLike | Mapping[str, Any],
    meta: Mapping[str, Any] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, Any], str]:
    """Return ``(arrays, meta, source)`` for a record given in any accepted form.

    Arrays are converted to float64 and validated (numeric, real, shapes as in :data:`ARRAY_SHAPES`,
    a common time axis); ``meta`` overrides the record's own metadata key by key.

    Raises
    ------
    ValueError
        For a missing or unreadable file, a missing ``t``, a non-numeric or complex array, or a
        mis-shaped one; the message names the source and the key.
    TypeError
        When ``record`` is of none of the accepted types.
    """
    if meta is not None and not isinstance(meta, Mapping):
        raise TypeError(f"meta must be a mapping (dict) or None, got {type(meta).__name__}")
    if isinstance(record, RunResult):
        raw, own_meta, source = dict(record.arrays), dict(record.meta), "RunResult"
    elif isinstance(record, (str, os.PathLike)):
        if isinstance(record, str) and not record:
            raise ValueError("empty path given for the run record")
        run = load_run(record)  # ValueError naming the file
        raw, own_meta, source = dict(run.arrays), dict(run.meta), str(Path(record))
    elif isinstance(record, Mapping):
        raw, own_meta, source = dict(record), {}, "arrays"
    else:
        raise TypeError(
            "record must be a RunResult, a path to a .npz run record or a mapping of arrays, "
            f"got {type(record).__name__}"
        )
    for key in raw:
        if not isinstance(key, str):
            raise TypeError(f"{source}: array names must be strings, got {key!r}")
    merged_meta = {**own_meta, **(dict(meta) if meta else {})}
    arrays = _validate_arrays(raw, merged_meta, source)
    return arrays, merged_meta, source


def _validate_arrays(raw: Mapping[str, Any], meta: Mapping[str, Any], source: str) -> dict[str, np.ndarray]:
    if "t" not in raw:
        raise ValueError(f"{source}: missing key 't' (the time grid)")
    arrays: dict[str, np.ndarray] = {}
    for key, value in raw.items():
        if key not in ARRAY_SHAPES:
            continue  # arrays the checks do not read are left alone
        try:
            array = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{source}: key '{key}' is not an array ({exc})") from None
        if array.dtype.kind == "c":
            raise ValueError(f"{source}: key '{key}' is complex; run records store real observables")
        if array.dtype.kind not in "iuf":
            raise ValueError(f"{source}: key '{key}' must be a numeric array, got dtype {array.dtype}")
        arrays[key] = array.astype(np.float64, copy=False)
    n_t = arrays["t"].shape[0] if arrays["t"].ndim == 1 else None
    if n_t is None or n_t == 0:
        raise ValueError(f"{source}: key 't' must be a non-empty 1-D array, got shape {arrays['t'].shape}")
    params = _model_params(meta)
    sizes: dict[str, int | None] = {"t": n_t, "fm": _meta_int(params, "n_fm", source), "N": None}
    sizes["N"] = _meta_int(params, "n_sites", source) if _model_name(params, arrays) == "prx" else None
    for key, array in arrays.items():
        expected = ARRAY_SHAPES[key]
        if array.ndim != len(expected):
            raise ValueError(
                f"{source}: key '{key}' has shape {array.shape}, expected {len(expected)}-D {_shape_text(expected)}"
            )
        for axis, (symbol, length) in enumerate(zip(expected, array.shape, strict=True)):
            want = symbol if isinstance(symbol, int) else sizes[symbol]
            if want is None:
                if length == 0:
                    raise ValueError(f"{source}: key '{key}' has an empty axis {axis} (shape {array.shape})")
                sizes[str(symbol)] = length  # first array fixes N_FM / N
            elif length != want:
                raise ValueError(
                    f"{source}: key '{key}' has shape {array.shape}, expected {_shape_text(expected)} with "
                    f"{_symbol_text(symbol)} = {want} (axis {axis} has length {length})"
                )
    return arrays


def _shape_text(expected: tuple[str | int, ...]) -> str:
    names = {"t": "n_t", "fm": "n_fm", "N": "n_sites"}
    return "(" + ", ".join(names.get(s, str(s)) if isinstance(s, str) else str(s) for s in expected) + ")"


def _symbol_text(symbol: str | int) -> str:
    return {"t": "n_t = len(t)", "fm": "n_fm", "N": "n_sites"}.get(str(symbol), "length")


def _meta_int(params: Mapping[str, Any], key: str, source: str) -> int | None:
    value = params.get(key)
    if value is None:
        return None
    if not _is_int(value) or value < 0:
        raise ValueError(f"{source}: metadata '{key}' must be a nonnegative integer, got {value!r}")
    return int(value)


def _model_name(params: Mapping[str, Any], arrays: Mapping[str, Any]) -> str:
    model = params.get("model")
    if isinstance(model, str) and model in ("prx", "pair"):
        return model
    if _PAIR_KEYS & set(arrays):
        return "pair"
    if {"spin", "spin_z_total", "electron_spin", "density", "entropy_cut", "meyer_wallach"} & set(arrays):
        return "prx"
    return "unknown"


# ----------------------------------------------------------------------------------------------------
# Check machinery


@dataclass(frozen=True)
class _Context:
    arrays: Mapping[str, np.ndarray]
    params: Mapping[str, Any]
    tol: Tolerances
    approximate: bool
    model: str
    trunc: np.ndarray  # accumulated truncation error per time (zeros for exact records)
    n_e: int | None
    n_fm: int | None
    base: float | None
    entropy_dims: tuple[int, int] | None
    mutual_info_dims: tuple[int, int]
    collinear: bool | None
    convention: str | None

    @property
    def t(self) -> np.ndarray:
        return self.arrays["t"]


def _skip(name: str, description: str, reason: str) -> CheckResult:
    return CheckResult(name=name, description=description, passed=None, skip_reason=reason)


def _missing(ctx: _Context, *keys: str) -> list[str]:
    return [key for key in keys if key not in ctx.arrays]


def _evaluate(
    ctx: _Context,
    name: str,
    description: str,
    deviation: np.ndarray,
    tolerance: float | np.ndarray,
    detail: str = "",
    site_axis: bool = False,
) -> CheckResult:
    """Turn a deviation array (time first, optional site axis) into a result.

    For the inequality checks ``deviation`` is the signed excess over the bound (negative inside);
    the report then points at the closest approach and shows max(excess, 0). Any NaN/inf in
    ``deviation`` fails the check and is reported at its first occurrence.
    """
    deviation = np.asarray(deviation, dtype=np.float64)
    tol = np.asarray(tolerance, dtype=np.float64)
    if tol.ndim == 1:  # one tolerance per time
        tol = tol.reshape((-1,) + (1,) * (deviation.ndim - 1))
    tol = np.broadcast_to(tol, deviation.shape)
    bad = ~np.isfinite(deviation)
    if bad.any():
        flat = int(np.flatnonzero(bad)[0])
        detail = (detail + "; " if detail else "") + "non-finite values"
    else:
        flat = int(np.argmax(deviation - tol))
    index = np.unravel_index(flat, deviation.shape)
    time_index = int(index[0])
    site = int(index[1]) if site_axis and deviation.ndim > 1 else None
    value = max(float(deviation.reshape(-1)[flat]), 0.0) + 0.0  # NaN stays NaN; + 0.0 turns -0.0 into 0.0
    tol_value = float(tol.reshape(-1)[flat])
    passed = bool(not bad.any() and np.all(deviation <= tol))
    return CheckResult(
        name=name,
        description=description,
        passed=passed,
        deviation=value,
        tolerance=tol_value,
        time_index=time_index,
        time=float(ctx.t[time_index]),
        site=site,
        detail=detail,
    )


def _worse(first: CheckResult, second: CheckResult) -> CheckResult:
    """The more severe of two results of the same check (a failure, else the larger excess)."""

    def key(result: CheckResult) -> tuple[bool, float]:
        excess = (result.deviation or 0.0) - (result.tolerance or 0.0)
        return (result.passed is False, math.inf if math.isnan(excess) else excess)

    return first if key(first) >= key(second) else second


def _check_time_grid(ctx: _Context) -> CheckResult:
    name, desc = "time_grid", "t finite, strictly increasing, evenly spaced"
    t = ctx.t
    if not np.isfinite(t).all():
        deviation = np.where(np.isfinite(t), 0.0, np.nan)
        return _evaluate(ctx, name, desc, deviation, 0.0)
    if t.size < 2:
        return _skip(name, desc, "a single time point: no spacing to check")
    step = np.diff(t)
    if step[0] <= 0:
        deviation = np.concatenate([[0.0], np.where(step <= 0, 1.0 + np.abs(step), 0.0)])
        return _evaluate(ctx, name, desc, deviation, 0.0, "t is not increasing (first step <= 0)")
    relative = np.concatenate([[0.0], np.abs(step - step[0]) / step[0]])
    not_increasing = np.concatenate([[False], step <= 0])
    relative = np.where(not_increasing, np.maximum(relative, 1.0), relative)
    return _evaluate(ctx, name, desc, relative, ctx.tol.time_grid, f"relative spacing error; dt = {step[0]:.6g}")


def _nan_by_design(ctx: _Context) -> dict[str, str]:
    """Arrays the evolvers fill with NaN on purpose (quantity undefined), with the reason."""
    allowed = {}
    if ctx.model == "prx" and ctx.n_fm == 1:
        for key in ("mutual_info_edges", "mutual_info_entropy_a", "mutual_info_entropy_b"):
            allowed[key] = "N_FM = 1"
    if ctx.n_e == 0:
        allowed["electron_spin_purity"] = "N_e = 0"
    if ctx.params.get("pair") == "single-down":
        allowed["pair_probabilities"] = "one electron"
    return allowed


def _check_finite(ctx: _Context) -> CheckResult:
    name, desc = "finite_values", "no NaN or inf in any recorded array"
    allowed = _nan_by_design(ctx)
    checked = [key for key in ctx.arrays if key not in allowed]
    for key in checked:
        array = ctx.arrays[key]
        bad = ~np.isfinite(array.reshape(array.shape[0], -1))
        if bad.any():
            row, column = (int(i) for i in np.argwhere(bad)[0])
            site = None
            if array.ndim == 2:
                site = column
            elif array.ndim == 3:
                site = column // array.shape[2]
            return CheckResult(
                name=name,
                description=desc,
                passed=False,
                deviation=math.nan,
                tolerance=0.0,
                time_index=row,
                time=float(ctx.t[row]) if np.isfinite(ctx.t[row]) else None,
                site=site,
                detail=f"first non-finite value in '{key}'",
            )
    note = f"{len(checked)} arrays"
    if allowed:
        note += "; NaN allowed by design in " + ", ".join(f"{key} ({why})" for key, why in sorted(allowed.items()))
    return CheckResult(name=name, description=desc, passed=True, deviation=0.0, tolerance=0.0, detail=note)


def _check_density_bounds(ctx: _Context) -> CheckResult:
    name, desc = "density_bounds", "0 <= n_j <= 2 and |s^z_j| <= min(n_j, 2 - n_j)"
    if _missing(ctx, "density"):
        return _skip(name, desc, "no 'density' array")
    density = ctx.arrays["density"]
    excess = np.maximum(-density, density - 2.0)
    detail = "occupation of a spinful site"
    if "spin_density_z" in ctx.arrays:
        # n_up, n_down in [0, 1]: |n_up - n_down| <= n_up + n_down and <= 2 - (n_up + n_down)
        spin = np.abs(ctx.arrays["spin_density_z"])
        excess = np.maximum(excess, spin - np.minimum(density, 2.0 - density))
        detail += " and its spin density"
    return _evaluate(ctx, name, desc, excess, ctx.tol.bound, detail, site_axis=True)


def _check_norm(ctx: _Context) -> CheckResult:
    name, desc = "norm", "|norm - 1|"
    if _missing(ctx, "norm"):
        return _skip(name, desc, "no 'norm' array")
    tolerance = ctx.tol.norm + ctx.trunc
    detail = "tolerance includes the accumulated truncation error" if ctx.approximate else ""
    return _evaluate(ctx, name, desc, np.abs(ctx.arrays["norm"] - 1.0), tolerance, detail)


def _localized_spin_scale(ctx: _Context) -> float | str:
    """Eigenvalue of S^z on |↑> in the record's localized-spin normalization (1 Pauli, 1/2 half)."""
    if ctx.convention is None:
        return "no spin convention in the metadata (pass convention='pauli-half', 'pauli' or 'half')"
    _, spin_normalization = SPIN_CONVENTIONS[ctx.convention]
    return float(spin_operators(spin_normalization)[2][0, 0].real)


def _check_sz(ctx: _Context) -> CheckResult:
    name = "sz_conservation"
    if ctx.model == "pair":
        desc = "sigma_z + S_z (Pauli units) constant"
        missing = _missing(ctx, "sigma_z", "S_z")
        if missing:
            return _skip(name, desc, f"no {missing} array(s)")
        spin_scale = _localized_spin_scale(ctx)
        if isinstance(spin_scale, str):
            return _skip(name, desc, spin_scale)
        # sigma_z is recorded in Pauli units whatever the convention (verify.pair); S_z in the model's S units
        total = ctx.arrays["sigma_z"] + ctx.arrays["S_z"] / spin_scale
        n_spins = ctx.params.get("n_spins")
        op_norm = float(ctx.n_e or 2) + (float(n_spins) if _is_int(n_spins) else float(np.max(np.abs(total))))
        detail = f"convention {ctx.convention!r}: sigma_z + S_z/{spin_scale:g}"
        recorded_key = "sz_total"
    else:
        desc = "spin_z_total + electron_spin_z constant (Pauli units)"
        missing = _missing(ctx, "spin_z_total", "electron_spin")
        if missing:
            return _skip(name, desc, f"no {missing} array(s)")
        total = ctx.arrays["spin_z_total"] + ctx.arrays["electron_spin"][:, 2]
        if ctx.n_e is not None and ctx.n_fm is not None:
            op_norm = float(ctx.n_e + ctx.n_fm)  # ||sum of N_e + N_FM Pauli z operators||
        else:
            op_norm = float(np.max(np.abs(total))) + 1.0
        if ctx.collinear is None:
            detail = "polarization unknown: truncation term for a non-eigenstate"
        else:
            detail = "collinear" if ctx.collinear else "noncollinear (<S^z> conserved, state not an eigenstate)"
        recorded_key = "total_spin_z"
    with np.errstate(invalid="ignore"):  # inf - inf in a corrupted record: NaN, which _evaluate fails
        deviation = np.abs(total - total[0])
    if recorded_key in ctx.arrays:  # the evolver's own total: must agree with the sum and be constant too
        deviation = np.maximum(deviation, np.abs(ctx.arrays[recorded_key] - total))
        detail = (detail + "; " if detail else "") + f"includes the recorded {recorded_key}"
    # truncation term (module docstring): linear in the truncation error for an S^z eigenstate
    # (collinear PRX, every pair state), 2 ||O|| sqrt(error) otherwise
    eigenstate = ctx.model == "pair" or ctx.collinear is True
    truncation_term = op_norm * ctx.trunc if eigenstate else 2.0 * op_norm * np.sqrt(ctx.trunc)
    if ctx.approximate:
        form = f"{op_norm:g} x" if eigenstate else f"2 x {op_norm:g} x sqrt of"
        detail = (detail + "; " if detail else "") + f"tolerance includes {form} the truncation error"
    return _evaluate(ctx, name, desc, deviation, ctx.tol.conservation + truncation_term, detail)


def _check_particle_number(ctx: _Context) -> CheckResult:
    name, desc = "particle_number", "sum_i density = N_e"
    if ctx.model == "pair":
        return _skip(name, desc, "pair records have no density array (two electrons by construction)")
    if _missing(ctx, "density") and _missing(ctx, "n_electrons"):
        return _skip(name, desc, "no 'density' (or 'n_electrons') array")
    numbers_recorded = []
    if "density" in ctx.arrays:
        numbers_recorded.append(ctx.arrays["density"].sum(axis=1))
    if "n_electrons" in ctx.arrays:
        numbers_recorded.append(ctx.arrays["n_electrons"])
    if ctx.n_e is not None:
        reference, detail = float(ctx.n_e), f"N_e = {ctx.n_e}"
    else:
        reference, detail = float(numbers_recorded[0][0]), "no N_e given: compared with the initial value"
    if "n_electrons" in ctx.arrays:
        detail += "; includes the recorded n_electrons"
    deviation = np.maximum.reduce([np.abs(number - reference) for number in numbers_recorded])
    op_norm = abs(reference)
    return _evaluate(ctx, name, desc, deviation, ctx.tol.conservation + op_norm * ctx.trunc, detail)


def _check_energy(ctx: _Context) -> CheckResult:
    name, desc = "energy", "|E(t) - E(0)| / max(1, |E(0)|)"
    if _missing(ctx, "energy"):
        return _skip(name, desc, "no 'energy' array")
    energy = ctx.arrays["energy"]
    scale = max(1.0, abs(float(energy[0]))) if math.isfinite(energy[0]) else 1.0
    rtol = ctx.tol.energy_approximate if ctx.approximate else ctx.tol.energy
    detail = "Trotter tolerance (approximate record)" if ctx.approximate else ""
    return _evaluate(ctx, name, desc, np.abs(energy - energy[0]) / scale, rtol, detail)


def _check_localized_length(ctx: _Context) -> CheckResult:
    name, desc = "localized_spin_length", "0 <= |S_i| <= 1"
    missing = _missing(ctx, "spin", "spin_purity")
    if len(missing) == 2:
        return _skip(name, desc, "no 'spin' or 'spin_purity' array")
    parts = []
    if "spin" in ctx.arrays:
        parts.append(np.linalg.norm(ctx.arrays["spin"], axis=2) - 1.0)
    if "spin_purity" in ctx.arrays:
        purity = ctx.arrays["spin_purity"]
        parts.append(np.maximum(purity - 1.0, -purity))
    deviation = np.maximum.reduce(parts)  # np.maximum propagates NaN
    return _evaluate(ctx, name, desc, deviation, ctx.tol.bound, "distance outside the bound", site_axis=True)


def _check_electron_length(ctx: _Context) -> CheckResult:
    name, desc = "electron_spin_length", "0 <= |s_e / N_e| <= 1"
    if len(_missing(ctx, "electron_spin", "electron_spin_purity")) == 2:
        return _skip(name, desc, "no 'electron_spin' or 'electron_spin_purity' array")
    if ctx.n_e == 0:
        return _skip(name, desc, "N_e = 0: no electron spin (purity recorded as NaN)")
    parts = []
    if "electron_spin_purity" in ctx.arrays:
        purity = ctx.arrays["electron_spin_purity"]
        parts.append(np.maximum(purity - 1.0, -purity))
    if "electron_spin" in ctx.arrays and ctx.n_e is not None:
        parts.append(np.linalg.norm(ctx.arrays["electron_spin"], axis=1) / ctx.n_e - 1.0)
    if not parts:
        return _skip(name, desc, "N_e unknown: pass n_e= to normalize electron_spin")
    deviation = np.maximum.reduce(parts)  # np.maximum propagates NaN
    return _evaluate(ctx, name, desc, deviation, ctx.tol.bound, "distance outside the bound")


def _check_consistency(ctx: _Context) -> CheckResult:
    name, desc = "consistency", "derived arrays agree with the arrays they are derived from"
    relations: list[tuple[str, np.ndarray, bool]] = []
    arrays = ctx.arrays
    if not _missing(ctx, "spin", "spin_purity"):
        relations.append(
            ("spin_purity = |spin|", np.abs(arrays["spin_purity"] - np.linalg.norm(arrays["spin"], axis=2)), True)
        )
    if not _missing(ctx, "spin", "spin_z_total"):
        relations.append(
            ("spin_z_total = sum_i spin_z", np.abs(arrays["spin_z_total"] - arrays["spin"][:, :, 2].sum(axis=1)), False)
        )
    if not _missing(ctx, "electron_spin", "electron_spin_purity") and ctx.n_e:
        derived = np.linalg.norm(arrays["electron_spin"], axis=1) / ctx.n_e
        relations.append(
            ("electron_spin_purity = |electron_spin| / N_e", np.abs(arrays["electron_spin_purity"] - derived), False)
        )
    if not _missing(ctx, "spin_density_z", "electron_spin"):
        relations.append(
            (
                "sum_j spin_density_z = electron_spin_z",
                np.abs(arrays["spin_density_z"].sum(axis=1) - arrays["electron_spin"][:, 2]),
                False,
            )
        )
    if not _missing(ctx, "spin_transfer", "sigma_z"):
        sigma = arrays["sigma_z"]
        relations.append(
            (
                "spin_transfer = |sigma_z - sigma_z(0)|",
                np.abs(arrays["spin_transfer"] - np.abs(sigma - sigma[0])),
                False,
            )
        )
    if not relations:
        return _skip(name, desc, "no pair of primary and derived arrays in the record")
    results = [
        _evaluate(ctx, name, desc, deviation, ctx.tol.consistency, label, site_axis)
        for label, deviation, site_axis in relations
    ]
    worst = results[0]
    for result in results[1:]:
        worst = _worse(worst, result)
    return worst


def _log(value: float, base: float | None) -> float:
    return math.log(value) / log_base_factor(base)


def _check_entropy(ctx: _Context) -> CheckResult:
    name, desc = "entropy_bounds", "0 <= S_cut <= log(min(d_left, d_right))"
    if _missing(ctx, "entropy_cut"):
        return _skip(name, desc, "no 'entropy_cut' array")
    if ctx.entropy_dims is not None:
        d_left, d_right = ctx.entropy_dims
        log_max = _log(min(d_left, d_right), ctx.base)
        detail = f"dims ({d_left}, {d_right})"
    else:
        params = ctx.params
        n_sites = params.get("n_sites")
        n_left = params.get("n_left")
        n_fm = ctx.n_fm
        if not (_is_int(n_sites) and _is_int(n_left) and n_fm is not None):
            return _skip(name, desc, "dimensions unknown: pass entropy_dims=(d_left, d_right) or model parameters")
        from verify.prx_observables import default_cut

        cut = params.get("cut", params.get("entropy_cut_site", default_cut(n_sites)))
        if not _is_int(cut) or not 0 <= cut <= n_sites:
            raise ValueError(f"metadata 'cut' must be an integer in 0..{n_sites}, got {cut!r}")
        fm_left = sum(1 for site in range(n_left, n_left + n_fm) if site < cut)
        # every site carries a fermion site; FM sites add a localized spin-1/2
        bits_per_site = int(math.log2(FERMION_SITE_DIM))
        log2_left = bits_per_site * cut + fm_left
        log2_right = bits_per_site * (n_sites - cut) + (n_fm - fm_left)
        log_max = min(log2_left, log2_right) * _log(2.0, ctx.base)
        detail = f"cut after site {cut}: log2 dims ({log2_left}, {log2_right})"
    entropy = ctx.arrays["entropy_cut"]
    deviation = np.maximum(-entropy, entropy - log_max)
    return _evaluate(ctx, name, desc, deviation, ctx.tol.bound, detail)


def _check_mutual_information(ctx: _Context) -> CheckResult:
    name, desc = "mutual_information_bounds", "0 <= I <= 2 min(S_A, S_B)"
    if _missing(ctx, "mutual_info_edges"):
        return _skip(name, desc, "no 'mutual_info_edges' array")
    if ctx.model == "prx" and ctx.n_fm == 1:
        return _skip(name, desc, "N_FM = 1: no pair of edge spins (recorded as NaN)")
    info = ctx.arrays["mutual_info_edges"]
    d_a, d_b = ctx.mutual_info_dims
    upper = np.full(info.shape, 2.0 * _log(min(d_a, d_b), ctx.base))
    detail = f"I <= 2 log {min(d_a, d_b)}"
    if not _missing(ctx, "mutual_info_entropy_a", "mutual_info_entropy_b"):
        s_a, s_b = ctx.arrays["mutual_info_entropy_a"], ctx.arrays["mutual_info_entropy_b"]
        upper = np.minimum(upper, 2.0 * np.minimum(s_a, s_b))
        detail = "I <= 2 min(S_A, S_B) (Araki-Lieb)"
        upper = np.where(np.isnan(s_a + s_b), np.nan, upper)
    deviation = np.maximum(-info, info - upper)
    return _evaluate(ctx, name, desc, deviation, ctx.tol.bound, detail)


def _check_meyer_wallach(ctx: _Context) -> CheckResult:
    name, desc = "meyer_wallach_bounds", "0 <= Q_MW <= 1"
    if _missing(ctx, "meyer_wallach"):
        return _skip(name, desc, "no 'meyer_wallach' array")
    q = ctx.arrays["meyer_wallach"]
    return _evaluate(ctx, name, desc, np.maximum(-q, q - 1.0), ctx.tol.bound)


def _check_pair_probabilities(ctx: _Context) -> CheckResult:
    name, desc = "pair_probabilities", "0 <= p_k <= 1 and sum_k p_k = 1"
    if _missing(ctx, "pair_probabilities"):
        return _skip(name, desc, "no 'pair_probabilities' array")
    if ctx.params.get("pair") == "single-down":
        return _skip(name, desc, "single-electron run (pair 'single-down'): no pair probabilities")
    p = ctx.arrays["pair_probabilities"]
    bounds = _evaluate(ctx, name, desc, np.maximum(-p, p - 1.0), ctx.tol.bound, "worst: a probability", True)
    total = _evaluate(
        ctx, name, desc, np.abs(p.sum(axis=1) - 1.0), ctx.tol.probability_sum + ctx.trunc, "worst: a row sum"
    )
    return _worse(bounds, total)


def _check_truncation(ctx: _Context) -> CheckResult:
    name, desc = "truncation_error", "accumulated truncation error >= 0 and non-decreasing"
    if _missing(ctx, "truncation_error"):
        return _skip(name, desc, "no 'truncation_error' array (exact evolver)")
    error = ctx.arrays["truncation_error"]
    decrease = np.concatenate([[0.0], np.maximum(-np.diff(error), 0.0)])
    deviation = np.maximum(decrease, np.maximum(-error, 0.0))
    deviation = np.where(np.isfinite(error), deviation, np.nan)
    result = _evaluate(ctx, name, desc, deviation, ctx.tol.truncation_monotone, "worst decrease (or negative value)")
    limited = ctx.arrays.get("truncation_limited_steps")
    if limited is not None and np.any(limited > 0):
        first = int(np.flatnonzero(limited > 0)[0])
        t = ctx.arrays["t"]
        since = float(t[first - 1]) if first > 0 else float(t[0])
        note = (
            f"chi_max could not hold the requested truncation in {int(np.sum(limited))} steps, "
            f"the first between t = {since:g} and {float(t[first]):g} (not converged in chi_max after it)"
        )
        result = dataclasses.replace(result, detail=f"{result.detail}; {note}" if result.detail else note)
    return result


_CHECKS: tuple[Callable[[_Context], CheckResult], ...] = (
    _check_time_grid,
    _check_finite,
    _check_norm,
    _check_sz,
    _check_particle_number,
    _check_energy,
    _check_localized_length,
    _check_electron_length,
    _check_density_bounds,
    _check_entropy,
    _check_mutual_information,
    _check_meyer_wallach,
    _check_pair_probabilities,
    _check_consistency,
    _check_truncation,
)


# ----------------------------------------------------------------------------------------------------
# Entry point


def _dims_pair(value: object, name: str) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:  # type: ignore[arg-type]
        raise ValueError(f"{name} must be a pair of positive integers (d_A, d_B), got {value!r}")
    d_a, d_b = value  # type: ignore[misc]
    if not (_is_int(d_a) and _is_int(d_b) and d_a >= 1 and d_b >= 1):
        raise ValueError(f"{name} must be a pair of positive integers (d_A, d_B), got {value!r}")
    return int(d_a), int(d_b)


def _optional_nonneg_int(value: object, name: str) -> int | None:
    if value is None:
        return None
    if not _is_int(value) or value < 0:
        raise ValueError(f"{name} must be a nonnegative integer, got {value!r}")
    return int(value)


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

    Parameters
    ----------
    record : RunResult, path or mapping of arrays, optional
        The record. Omit it to pass the arrays as keyword arguments instead (names and shapes as
        in :data:`ARRAY_SHAPES`, e.g. ``t=..., norm=..., spin=...``); ``t`` is required.
    meta : mapping, optional
        Metadata overriding the record's own (model parameters such as ``n_e``, ``n_fm``,
        ``n_sites``, ``n_left``, ``polarization``, ``convention``, ``method``).
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
        Dimensions of the two sides of the ``entropy_cut`` bipartition (default: from the PRX
        model parameters).
    mutual_info_dims : (int, int), optional
        Dimensions of the two subsystems of ``mutual_info_edges`` (default (2, 2): the edge spins).
    base : float, optional
        Logarithm base of the recorded entropies (default: the metadata's ``base``, else natural log).
    **arrays
        Arrays by name when ``record`` is omitted.

    Returns
    -------
    Report

    Raises
    ------
    ValueError
        Malformed record (missing ``t``, non-numeric or mis-shaped arrays, unreadable file) or
        invalid parameters; the message names the source and the key.
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
    if approximate is not None and not isinstance(approximate, bool):
        raise TypeError(f"approximate must be a bool or None, got {approximate!r}")
    if collinear is not None and not isinstance(collinear, bool):
        raise TypeError(f"collinear must be a bool or None, got {collinear!r}")
    if base is not None:
        if (
            isinstance(base, bool)
            or not isinstance(base, numbers.Real)
            or not (math.isfinite(base) and base > 0 and base != 1)
        ):
            raise ValueError(f"base must be a positive finite number other than 1, got {base!r}")

    data, merged_meta, source = load_record(record, meta)
    params = _model_params(merged_meta)
    model = _model_name(params, data)

    n_e_value = _optional_nonneg_int(n_e, "n_e")
    if n_e_value is None:
        n_e_value = _meta_int(params, "n_e", source)
    if n_e_value is None and model == "pair":
        n_e_value = 1 if params.get("pair") == "single-down" else 2
    n_fm_value = _optional_nonneg_int(n_fm, "n_fm")
    if n_fm_value is None:
        n_fm_value = _meta_int(params, "n_fm", source)
    if n_fm_value is None and "spin" in data:
        n_fm_value = int(data["spin"].shape[1])
    if n_fm_value is None and "spin_purity" in data:
        n_fm_value = int(data["spin_purity"].shape[1])
    if n_fm_value is not None:
        for key in ("spin", "spin_purity"):
            if key in data and data[key].shape[1] != n_fm_value:
                raise ValueError(f"{source}: key '{key}' has {data[key].shape[1]} spins, but n_fm = {n_fm_value}")

    if collinear is None:
        polarization = params.get("polarization")
        if polarization is not None:
            if polarization not in ("z", "x"):
                raise ValueError(f"{source}: metadata 'polarization' must be 'z' or 'x', got {polarization!r}")
            collinear = polarization == "z"

    if convention is None:
        convention = params.get("convention")
    if convention is not None and convention not in SPIN_CONVENTIONS:
        raise ValueError(f"unknown spin convention {convention!r}: use one of {sorted(SPIN_CONVENTIONS)}")

    if base is None:
        meta_base = params.get("base", params.get("entropy_base"))
        if meta_base is not None:
            if (
                isinstance(meta_base, bool)
                or not isinstance(meta_base, numbers.Real)
                or not (math.isfinite(meta_base) and meta_base > 0 and meta_base != 1)
            ):
                raise ValueError(f"{source}: metadata 'base' must be a positive number other than 1, got {meta_base!r}")
            base = float(meta_base)

    if approximate is None:
        method = str(params.get("method", "")).lower()
        approximate = "truncation_error" in data or any(word in method for word in ("tebd", "mps", "dmrg"))
    trunc = np.zeros_like(data["t"])
    if approximate and "truncation_error" in data:
        error = data["truncation_error"]
        # a NaN or negative truncation error must not relax (or poison) other checks; its own check reports it
        trunc = np.where(np.isfinite(error), np.maximum(error, 0.0), 0.0)

    ctx = _Context(
        arrays=data,
        params=params,
        tol=tolerances,
        approximate=approximate,
        model=model,
        trunc=trunc,
        n_e=n_e_value,
        n_fm=n_fm_value,
        base=base,
        entropy_dims=_dims_pair(entropy_dims, "entropy_dims"),
        mutual_info_dims=_dims_pair(mutual_info_dims, "mutual_info_dims") or (2, 2),
        collinear=collinear,
        convention=convention,
    )
    results = tuple(check(ctx) for check in _CHECKS)
    return Report(checks=results, source=source, model=model, approximate=approximate, tolerances=tolerances)
