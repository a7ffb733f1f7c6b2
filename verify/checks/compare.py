"""The convergence horizon: up to which time runs of one model at different settings agree.

:func:`compare_runs` takes run records of the same model (same parameters, initial state and entropy
cut) made with different χ_max, truncation, δt, Trotter order or method, picks the most accurate one as
the reference, and reports per observable the time up to which each other run agrees with it.

Reference
---------
From the records' metadata (``meta.method`` and ``meta.tebd``): an exact run (``method == "exact"``)
beats every TEBD run; among TEBD runs the reference must be at least as accurate as every other in
each setting — larger or equal χ_max, smaller or equal ``trunc``, smaller or equal δt, higher or equal
Trotter order — and strictly more accurate than each in one of them. When no run qualifies (two exact
runs, identical settings, or conflicting ones such as χ_max = 256 at δt = 0.1 against χ_max = 128 at
δt = 0.05, where the data cannot say which is better) or a record does not state its settings, the
comparison refuses and asks for an explicit ``reference``.

Observables and tolerances
--------------------------
Every record key all runs hold — from the model's record schema when ``meta.model`` names a
registered model (:func:`verify.models.record_schema`, plus the MPS ``bond_entropy``), else every
numeric time series — except the time and the MPS bookkeeping (:data:`BOOKKEEPING_KEYS`). A key with
more than one value per time (site arrays, vectors) is compared by the largest |difference| over its
entries. Records on different output grids are compared on their common times (equal within
:data:`TIME_MATCH_RTOL`). Tolerances (absolute): :data:`DEFAULT_COMPARE_TOLERANCE` = 1e-3 — a thousandth
of the O(1) range of spins (Pauli units), densities, purities, Q_MW and of entropies of a few nats,
about what a plot resolves — and for ``energy`` 1e-3 · max(1, |E_ref(0)|) (the energy is extensive);
``tolerances`` replaces any of them.

Horizon
-------
Δ_k(t) = max over the entries of |x_k(t) − x_k^ref(t)| (0 where both are NaN by design, ∞ where only
one is). The horizon of key k is the last common time t_h with Δ_k(t) ≤ tol_k at every common time up
to it (NaN when the runs already differ at the first common time), the whole window when they never
part. A run agrees when every key agrees over the whole window; :attr:`ComparisonReport.passed` when
every run does.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from verify.checks.truncation import chi_exact_until, load_record_object
from verify.models import APPROXIMATE_RECORD_KEYS, model_from_dict, record_schema
from verify.records import RunResult

__all__ = [
    "BOOKKEEPING_KEYS",
    "CUT_BEFORE_FIRST_OUTPUT",
    "DEFAULT_COMPARE_TOLERANCE",
    "TIME_MATCH_RTOL",
    "ComparisonReport",
    "RunHorizon",
    "compare_runs",
    "default_compare_tolerances",
    "deviation_series",
    "most_accurate",
    "run_settings",
]

DEFAULT_COMPARE_TOLERANCE = 1e-3
"""Absolute tolerance of every compared key but the energy (module docstring)."""

CUT_BEFORE_FIRST_OUTPUT = "before the first output"
"""How a run whose χ_max cut before its first output (``chi_exact`` NaN) is reported: in the JSON of
:meth:`ComparisonReport.to_dict` (where None means the record does not say) and in the command line's
summary."""

TIME_MATCH_RTOL = 1e-9
"""Two output times are the same when they differ by at most this times max(1, |t|) (grids are
k·dt_out, computed as products, so equal times agree to a few ulps)."""

BOOKKEEPING_KEYS: tuple[str, ...] = tuple(key for key in APPROXIMATE_RECORD_KEYS if key != "bond_entropy")
"""MPS keys that describe the run, not the state (χ, accumulated truncation error, flagged steps)."""

_CRITERIA = (("chi_max", max, "larger chi_max"), ("trunc", min, "smaller trunc"), ("dt", min, "smaller dt"),
             ("order", max, "higher order"))


@dataclass(frozen=True)
class RunHorizon:
    """One run compared with the reference (module docstring).

    Attributes
    ----------
    label : str
    horizons : dict of str to float
        Key → the last common time up to which it agrees (NaN: not even at the first common time).
    max_deviation : dict of str to float
        Key → max_t Δ_k(t).
    deviations : dict of str to ndarray
        Key → Δ_k on the common times.
    full_window : float
        The last common time.
    """

    label: str
    horizons: dict[str, float]
    max_deviation: dict[str, float]
    deviations: dict[str, np.ndarray]
    full_window: float

    @property
    def horizon(self) -> float:
        """The earliest horizon over the keys (NaN when a key differs at the first common time)."""
        values = list(self.horizons.values())
        return math.nan if any(math.isnan(v) for v in values) else min(values)

    @property
    def agrees(self) -> bool:
        """True when every key agrees over the whole common window."""
        return all(value == self.full_window for value in self.horizons.values())


@dataclass(frozen=True)
class ComparisonReport:
    """The outcome of :func:`compare_runs`.

    Attributes
    ----------
    labels : tuple of str
        Every run, in input order (the reference included).
    reference : int
        Index of the reference in ``labels``.
    reference_reason : str
        Why it is the reference (or ``"given"``).
    times : ndarray
        The common output times.
    keys : tuple of str
    tolerances : dict of str to float
    runs : tuple of RunHorizon
        Every run but the reference, in input order.
    settings : tuple of dict
        Per run: ``method`` and, for TEBD, ``chi_max``, ``trunc``, ``dt``, ``order`` (empty when unknown).
    model : dict or None
        The common ``meta.model``.
    chi_exact : tuple of (float or None)
        Per run (input order): :func:`chi_exact_until`, the last time before χ_max first cut (the whole
        window for an exact run or one that never hit χ_max; NaN when it cut before the first output);
        None when the record does not say. :meth:`to_dict` writes NaN as :data:`CUT_BEFORE_FIRST_OUTPUT`.
    """

    labels: tuple[str, ...]
    reference: int
    reference_reason: str
    times: np.ndarray
    keys: tuple[str, ...]
    tolerances: dict[str, float]
    runs: tuple[RunHorizon, ...]
    settings: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    model: dict[str, Any] | None = None
    chi_exact: tuple[float | None, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        """True when every run agrees with the reference over the whole common window."""
        return all(run.agrees for run in self.runs)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no deviation series)."""
        return {
            "labels": list(self.labels), "reference": self.labels[self.reference],
            "reference_reason": self.reference_reason, "window": [float(self.times[0]), float(self.times[-1])],
            "n_times": int(self.times.size), "keys": list(self.keys), "tolerances": dict(self.tolerances),
            "settings": [dict(s) for s in self.settings], "model": self.model, "passed": self.passed,
            "chi_exact_until": [_chi_exact_json(v) for v in self.chi_exact],
            "runs": [{"label": r.label, "horizon": _json_number(r.horizon), "agrees": r.agrees,
                      "horizons": {k: _json_number(v) for k, v in r.horizons.items()},
                      "max_deviation": {k: _json_number(v) for k, v in r.max_deviation.items()}} for r in self.runs],
        }


def _chi_exact_json(value: float | None) -> float | str | None:
    """A run's ``chi_exact`` in JSON: the time, None when the record does not say, and for NaN (χ_max cut
    before the first output) :data:`CUT_BEFORE_FIRST_OUTPUT` — not None, which means unknown."""
    if value is None:
        return None
    return CUT_BEFORE_FIRST_OUTPUT if math.isnan(value) else float(value)


def _json_number(value: float) -> float | None:
    """NaN and ±inf as None (JSON has no such numbers)."""
    return float(value) if math.isfinite(value) else None


# ---------------------------------------------------------------------------------- inputs
def run_settings(meta: Mapping[str, Any]) -> dict[str, Any]:
    """``{"method": "exact"}``, the TEBD settings ``{"method": "tebd", "chi_max", "trunc", "dt",
    "order"}`` from ``meta.tebd``, or ``{}`` when the metadata does not say."""
    method = meta.get("method")
    if method == "exact":
        return {"method": "exact"}
    tebd = meta.get("tebd")
    if method == "tebd" and isinstance(tebd, Mapping) and all(k in tebd for k in ("chi_max", "trunc", "dt", "order")):
        return {"method": "tebd", **{k: tebd[k] for k in ("chi_max", "trunc", "dt", "order")}}
    return {}


def _better(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[bool, list[str]]:
    """(a is at least as accurate as b in every TEBD setting, the settings where it is strictly more)."""
    strictly = []
    for name, best, text in _CRITERIA:
        if a[name] != b[name]:
            if best(a[name], b[name]) != a[name]:
                return False, []
            strictly.append(text)
    return True, strictly


def most_accurate(settings: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> tuple[int, str]:
    """Index of the reference and the reason (module docstring).

    Raises
    ------
    ValueError
        When no run is the most accurate (ties, conflicting settings, unknown settings).
    """
    exact = [i for i, s in enumerate(settings) if s.get("method") == "exact"]
    if len(exact) == 1:
        return exact[0], "exact evolution: no Trotter or truncation error"
    if len(exact) > 1:
        raise ValueError(f"{len(exact)} exact runs ({', '.join(labels[i] for i in exact)}) are equally accurate: "
                         "pass --reference")
    unknown = [labels[i] for i, s in enumerate(settings) if s.get("method") != "tebd"]
    if unknown:
        raise ValueError(f"{', '.join(unknown)}: no exact or TEBD settings in the metadata to rank the runs by: "
                         "pass --reference")
    for i, candidate in enumerate(settings):
        reasons: list[str] = []
        for j, other in enumerate(settings):
            ok, strictly = _better(candidate, other) if j != i else (True, ["self"])
            if not ok or not strictly:
                break
            reasons += [r for r in strictly if r != "self" and r not in reasons]
        else:
            return i, "TEBD with " + ", ".join(reasons)
    raise ValueError(
        "no run is at least as accurate as every other in each setting (larger chi_max, smaller trunc, smaller dt, "
        f"higher order): {'; '.join(f'{lab}: {_describe(s)}' for lab, s in zip(labels, settings, strict=True))}; "
        "pass --reference"
    )


def _describe(settings: Mapping[str, Any]) -> str:
    if settings.get("method") != "tebd":
        return str(settings.get("method", "unknown"))
    return f"chi_max={settings['chi_max']} trunc={settings['trunc']:g} dt={settings['dt']:g} order {settings['order']}"


def _canonical_model(meta: Mapping[str, Any]) -> dict[str, Any] | None:
    """``meta.model`` validated and with every default filled in (records written before a parameter
    existed compare equal to new ones); the raw dict for a kind that is not registered."""
    params = meta.get("model")
    if not isinstance(params, Mapping):
        return None
    try:
        return model_from_dict(params).to_dict()
    except (TypeError, ValueError):
        return dict(params)


def _check_same_problem(results: Sequence[RunResult], labels: Sequence[str]) -> dict[str, Any] | None:
    """The common model; ValueError naming the first run that differs in model, initial state or cut."""
    models = [_canonical_model(r.meta) for r in results]
    for name, values in (
        ("model", models),
        ("initial state", [{k: v for k, v in dict(r.meta.get("initial_state") or {}).items()
                            if k in ("label", "source", "theta")} for r in results]),
        ("entropy cut", [r.meta.get("cut") for r in results]),
    ):
        for label, value in zip(labels[1:], values[1:], strict=True):
            if value != values[0]:
                raise ValueError(f"{labels[0]} and {label} are runs of a different {name}: {values[0]} vs {value}")
    return models[0]


def _common_times(results: Sequence[RunResult], labels: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The times every run has, and each run's indices of them."""
    grids = [np.asarray(r.arrays["t"], dtype=float) for r in results]
    common = grids[0]
    for grid in grids[1:]:
        common = common[_matches(common, grid) >= 0]
    if common.size == 0:
        raise ValueError(f"the runs {', '.join(labels)} share no output time")
    return common, [_matches(common, grid) for grid in grids]


def _matches(times: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Index in ``grid`` of every entry of ``times`` (−1 where absent; ``grid`` increasing)."""
    position = np.clip(np.searchsorted(grid, times), 0, max(grid.size - 1, 0))
    best = position.copy()
    for candidate in (position - 1, position):
        candidate = np.clip(candidate, 0, max(grid.size - 1, 0))
        closer = np.abs(grid[candidate] - times) < np.abs(grid[best] - times)
        best = np.where(closer, candidate, best)
    found = np.abs(grid[best] - times) <= TIME_MATCH_RTOL * np.maximum(1.0, np.abs(times))
    return np.where(found, best, -1)


# ---------------------------------------------------------------------------------- keys and horizons
def _compared_keys(results: Sequence[RunResult], model: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Keys every run holds (module docstring), in the first record's order."""
    shared = [
        key for key, value in results[0].arrays.items()
        if key != "t" and key not in BOOKKEEPING_KEYS and np.issubdtype(np.asarray(value).dtype, np.number)
        and all(key in r.arrays and np.shape(r.arrays[key])[:1] == np.shape(r.arrays["t"]) for r in results)
    ]
    if model is not None:
        try:
            schema_keys = set(record_schema(model_from_dict(model), results[0].meta.get("cut")).keys)
        except (TypeError, ValueError):  # an unregistered kind, or the pair model's own schema call
            schema_keys = set(shared)
        shared = [key for key in shared if key in schema_keys or key == "bond_entropy"]
    if not shared:
        raise ValueError("the runs share no record key to compare")
    return tuple(shared)


def default_compare_tolerances(keys: Sequence[str], reference: RunResult) -> dict[str, float]:
    """:data:`DEFAULT_COMPARE_TOLERANCE` per key; ``energy``: 1e-3 max(1, |E_ref(0)|) (module docstring)."""
    out = dict.fromkeys(keys, DEFAULT_COMPARE_TOLERANCE)
    if "energy" in out:
        e0 = float(np.asarray(reference.arrays["energy"], dtype=float).reshape(-1)[0])
        scale = max(1.0, abs(e0)) if math.isfinite(e0) else 1.0
        out["energy"] = DEFAULT_COMPARE_TOLERANCE * scale
    return out


def _tolerances(keys: Sequence[str], reference: RunResult, given: Mapping[str, float] | None) -> dict[str, float]:
    out = default_compare_tolerances(keys, reference)
    for key, value in (given or {}).items():
        if key not in out:
            raise ValueError(f"tolerance for {key!r}, which the runs do not share; compared keys: {sorted(out)}")
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
            raise TypeError(f"tolerance of {key!r} must be a number, got {value!r}")
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"tolerance of {key!r} must be a finite number >= 0, got {value!r}")
        out[key] = float(value)
    return out


def deviation_series(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Δ(t) = max over the entries of |x(t) − x_ref(t)| (0 where both are NaN, ∞ where one is)."""
    a = np.asarray(values, dtype=float).reshape(len(values), -1)
    b = np.asarray(reference, dtype=float).reshape(len(reference), -1)
    if a.shape != b.shape:
        raise ValueError(f"entries per time differ: {a.shape[1:]} vs {b.shape[1:]}")
    diff = np.where(np.isnan(a) & np.isnan(b), 0.0, np.abs(a - b))
    diff = np.where(np.isnan(diff), np.inf, diff)
    return diff.max(axis=1) if diff.shape[1] else np.zeros(len(a))


def _horizon(times: np.ndarray, deviation: np.ndarray, tolerance: float) -> float:
    """The last common time up to which Δ ≤ tol throughout (NaN when not at the first)."""
    bad = np.flatnonzero(~(deviation <= tolerance))
    if bad.size == 0:
        return float(times[-1])
    return float(times[bad[0] - 1]) if bad[0] > 0 else math.nan


def _labels(paths: Sequence[str | None], given: Sequence[str] | None) -> list[str]:
    if given is not None:
        labels = [str(label) for label in given]
        if len(labels) != len(paths):
            raise ValueError(f"need one label per record ({len(paths)}), got {len(labels)}")
    else:
        labels = [Path(p).name if p is not None else f"run {i}" for i, p in enumerate(paths)]
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):  # two files of one name in different directories
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            labels[i] = f"{label} #{i}"
    return labels


def _reference_index(reference: object, records: list[object], loaded: list[tuple[RunResult, str | None]]) -> int:
    """The index of an explicit reference (an index, one of the records, or a record/path appended)."""
    if isinstance(reference, (int, np.integer)) and not isinstance(reference, bool):
        if not 0 <= int(reference) < len(records):
            raise ValueError(f"reference index {reference} is not among the {len(records)} records")
        return int(reference)
    for i, (record, (_, path)) in enumerate(zip(records, loaded, strict=True)):
        same_path = path is not None and isinstance(reference, (str, os.PathLike)) and (
            Path(path).resolve() == Path(reference).resolve())
        if record is reference or same_path:
            return i
    records.append(reference)
    loaded.append(load_record_object(reference))
    return len(records) - 1


def compare_runs(
    records: Sequence[Any],
    *,
    reference: Any = None,
    tolerances: Mapping[str, float] | None = None,
    labels: Sequence[str] | None = None,
) -> ComparisonReport:
    """The convergence horizon of runs of one model against the most accurate one (module docstring).

    Parameters
    ----------
    records : sequence of RunResult or paths
        At least two runs of the same model, initial state and entropy cut (with ``reference``).
    reference : int, RunResult or path, optional
        The reference: an index into ``records``, one of them, or another record (added to the
        comparison). Default: the most accurate by the metadata (module docstring).
    tolerances : mapping, optional
        Key → absolute tolerance replacing :func:`default_compare_tolerances`.
    labels : sequence of str, optional
        Names in the report (default the file names, ``"run i"`` for objects).

    Returns
    -------
    ComparisonReport

    Raises
    ------
    TypeError
        For records that are neither RunResult objects nor paths, or a non-numeric tolerance.
    ValueError
        For fewer than two runs, runs of different models, initial states or cuts, no common time or
        key, a tolerance of a key the runs do not share, or no most accurate run without ``reference``.
    FileNotFoundError
        For a missing record file.
    """
    if isinstance(records, (str, os.PathLike, RunResult)) or not isinstance(records, Sequence):
        raise TypeError("records must be a sequence of RunResult objects or paths")
    records = list(records)
    loaded = [load_record_object(record) for record in records]
    given = None if reference is None else _reference_index(reference, records, loaded)
    if len(loaded) < 2:
        raise ValueError(f"compare needs at least two runs, got {len(loaded)}")
    results = [result for result, _ in loaded]
    names = _labels([path for _, path in loaded], None if labels is None else [*labels, "reference"][: len(loaded)])
    model = _check_same_problem(results, names)
    settings = tuple(run_settings(r.meta) for r in results)
    ref, reason = (given, "given") if given is not None else most_accurate(settings, names)
    times, indices = _common_times(results, names)
    keys = _compared_keys(results, model)
    tols = _tolerances(keys, results[ref], tolerances)
    runs = []
    for i, result in enumerate(results):
        if i == ref:
            continue
        deviations = {key: deviation_series(result.arrays[key][indices[i]], results[ref].arrays[key][indices[ref]])
                      for key in keys}
        runs.append(RunHorizon(
            names[i], {key: _horizon(times, deviations[key], tols[key]) for key in keys},
            {key: float(np.max(deviations[key])) for key in keys}, deviations, float(times[-1]),
        ))
    chi_exact = tuple(_chi_exact_or_none(result) for result in results)
    return ComparisonReport(tuple(names), ref, reason, times, keys, tols, tuple(runs), settings, model, chi_exact)


def _chi_exact_or_none(result: RunResult) -> float | None:
    """:func:`chi_exact_until`, or None for a record that does not count its truncation-limited steps."""
    try:
        return chi_exact_until(result)
    except ValueError:
        return None
