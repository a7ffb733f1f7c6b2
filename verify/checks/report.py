"""The outcome of the checks: one :class:`CheckResult` per check, gathered in a :class:`Report`.

:func:`evaluate` turns a deviation array (time first, optionally a site axis) and a tolerance into a
result that says whether it passed, the worst deviation, when and where; :func:`skip` records a check
that did not run and why; :func:`worse` picks the more severe of two results of one check.

Statuses
--------
``pass``
    The check ran and passed at the strict (``exact`` profile) tolerance or its own bound.
``WARN``
    The check passed or did not run, but something needs the reader's attention
    (:attr:`CheckResult.warning`): an array the record's model or profile expects is missing, so the
    check was skipped (the reason is listed); a recorded array could not be checked for lack of
    metadata (dimensions, spin convention); χ_max could not hold the requested truncation in some
    steps; or the check passes only under a relaxed tolerance (the ``ode`` profile, a ``--tol``
    override) and would fail at the ``exact`` profile's.
``skip``
    The check does not apply to this record (a law the model does not have, NaN by design, ...).
``FAIL``
    The check ran and failed, or an array the model requires is missing (:mod:`verify.checks.laws`).

:attr:`Report.passed` is False only when a check has status FAIL: warnings do not fail a record, and
``python -m verify check`` exits 0 with the WARN lines shown.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from verify.checks.tolerances import Tolerances

__all__ = ["CheckResult", "Report", "evaluate", "skip", "worse"]


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
        One of :data:`verify.checks.CHECK_NAMES`.
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
    warning : str or None
        Why the check has status WARN (module docstring), None otherwise.
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
    warning: str | None = None

    @property
    def skipped(self) -> bool:
        """True when the check did not run."""
        return self.passed is None

    @property
    def status(self) -> str:
        """``"pass"``, ``"WARN"``, ``"FAIL"`` or ``"skip"`` (module docstring)."""
        if self.passed is False:
            return "FAIL"
        if self.warning:
            return "WARN"
        return "skip" if self.passed is None else "pass"

    @property
    def warned(self) -> bool:
        """True when the status is WARN."""
        return self.status == "WARN"

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
        The model kind (``"prx"``, ``"xxz"``, ``"pair"``, an unregistered chain model's own kind from
        ``meta.model.model``) or ``"unknown"``.
    approximate : bool
        Whether the truncation-aware tolerances were used.
    tolerances : Tolerances
    profile : str
        The tolerance profile (``"exact"``, ``"trotter"``, ``"ode"``; :mod:`verify.checks.tolerances`).
    profile_reason : str
        How it was chosen (given, from ``meta.method``, from a ``truncation_error`` array, default).
    """

    checks: tuple[CheckResult, ...]
    source: str
    model: str
    approximate: bool
    tolerances: Tolerances = field(default_factory=Tolerances)
    profile: str = "exact"
    profile_reason: str = ""

    @property
    def passed(self) -> bool:
        """True when no check failed (skipped and WARN checks do not count)."""
        return all(check.passed is not False for check in self.checks)

    @property
    def warnings(self) -> tuple[CheckResult, ...]:
        """The checks with status WARN."""
        return tuple(check for check in self.checks if check.warned)

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
            "profile": self.profile,
            "profile_reason": self.profile_reason,
            "warnings": len(self.warnings),
            "tolerances": asdict(self.tolerances),
            "checks": [check.to_dict() for check in self.checks],
        }

    def to_json(self, **kwargs: Any) -> str:
        """``json.dumps`` of :meth:`to_dict` (keyword arguments are passed on)."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    def _rows(self) -> list[tuple[str, ...]]:
        rows = [("check", "status", "worst dev.", "tolerance", "where", "note")]
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
                    _note(check),
                )
            )
        return rows

    def to_table(self) -> str:
        """A readable fixed-width text table, one line per check, and a summary line."""
        rows = self._rows()
        widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]) - 1)]
        lines = []
        for index, row in enumerate(rows):
            cells = [row[k].ljust(widths[k]) for k in range(len(widths))] + [row[-1]]
            lines.append("  ".join(cells).rstrip())
            if index == 0:
                lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 4)
        n_fail, n_run, n_warn = len(self.failures), len(self.ran), len(self.warnings)
        verdict = "PASSED" if self.passed else "FAILED"
        kind = "approximate (truncation-aware tolerances)" if self.approximate else "exact"
        if self.profile != "exact":
            kind += f", profile {self.profile}"
        warned = f", {n_warn} warning{'s' if n_warn != 1 else ''}" if n_warn else ""
        lines.append("")
        lines.append(
            f"{verdict}: {n_run - n_fail}/{n_run} checks passed, {len(self.checks) - n_run} skipped{warned} "
            f"[{self.source}; model {self.model}; {kind}]"
        )
        return "\n".join(lines)


def _note(check: CheckResult) -> str:
    """The last column of a report row: the warning first, then the skip reason or the detail."""
    text = (check.skip_reason or "") if check.skipped else check.detail
    if check.warned and check.warning not in text:
        return f"{check.warning}; {text}" if text else check.warning  # type: ignore[return-value]
    return text


def skip(name: str, description: str, reason: str, *, warn: bool = False) -> CheckResult:
    """A skipped check with its reason; with ``warn`` its status is WARN (the reason is the warning)."""
    return CheckResult(name=name, description=description, passed=None, skip_reason=reason,
                       warning=reason if warn else None)


def evaluate(
    t: np.ndarray,
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

    Parameters
    ----------
    t : ndarray, shape (n_t,)
        The record's times (for the reported time).
    name, description : str
    deviation : ndarray, shape (n_t, ...)
    tolerance : float or ndarray, shape (n_t,)
        One tolerance, or one per time.
    detail : str
    site_axis : bool
        Report the index along axis 1 as the site.
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
        time=float(t[time_index]),
        site=site,
        detail=detail,
    )


def worse(first: CheckResult, second: CheckResult) -> CheckResult:
    """The more severe of two results of the same check (a failure, else the larger excess)."""

    def key(result: CheckResult) -> tuple[bool, float]:
        excess = (result.deviation or 0.0) - (result.tolerance or 0.0)
        return (result.passed is False, math.inf if math.isnan(excess) else excess)

    return first if key(first) >= key(second) else second
