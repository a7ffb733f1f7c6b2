"""One recorder that every evolver's run feeds, and one builder of run metadata.

* :class:`Recorder` collects one row per output time — the model's frame of a
  :class:`verify.models.Measurement` (:meth:`Recorder.add_measurement`) or a ready row
  (:meth:`Recorder.add`), plus per-time extras such as a TEBD run's bond dimension — and stacks
  them into a :class:`verify.records.run.RunResult` with the conservation drifts and the wall time.
  A resumed run restores it from the arrays stored in its checkpoint (:meth:`Recorder.from_arrays`).
* :func:`run_meta` writes the part of the metadata every record shares (parameters, method, time
  grid, units, the initial state as one dict ``{"label", ...}``; for a chain model also its conserved
  charges, sector, site dimensions and cut); evolvers add what is theirs under their own key.
* :func:`drift_keys` names the quantities a model's run conserves; :func:`conservation_drifts` gives
  max_t |x(t) − x(0)| of each.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from verify.models import CHARGE_RECORD_KEYS, ChainModel, Measurement, default_frame
from verify.records.run import RunResult

__all__ = ["Recorder", "conservation_drifts", "drift_keys", "run_meta"]


def drift_keys(model: Any) -> dict[str, str]:
    """Drift name → record key of the quantities a run conserves: the norm, the energy and the total
    of every conserved charge of a chain model (``total_spin_z``, ``n_electrons``); a pair record's
    conserved total is ``sz_total``."""
    keys = {"norm": "norm", "energy": "energy"}
    if isinstance(model, ChainModel):
        for charge in model.conserved:
            key = CHARGE_RECORD_KEYS.get(charge, f"total_{charge}")
            keys[key] = key
    else:
        keys["sz_total"] = "sz_total"
    return keys


def conservation_drifts(arrays: Mapping[str, np.ndarray], keys: Mapping[str, str]) -> dict[str, float]:
    """max_t |x(t) − x(0)| for each drift name → record key of ``keys`` present in ``arrays``
    (``keys``: :func:`drift_keys` of the run's model)."""
    drifts = {}
    for name, key in keys.items():
        if key in arrays:
            series = np.asarray(arrays[key], dtype=float)
            drifts[name] = float(np.max(np.abs(series - series[0]))) if series.size else 0.0
    return drifts


class Recorder:
    """Rows of a run record, one per output time (module docstring).

    Parameters
    ----------
    model : ChainModel or parameter object
        What the run evolves: its ``frame`` turns measurements into rows, its conserved charges
        name the drifts.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self._rows: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, row: Mapping[str, Any], **extra: Any) -> None:
        """Append one row (it must hold ``t``; every row must have the same keys)."""
        row = {**row, **extra}
        if "t" not in row:
            raise ValueError("a record row needs the time 't'")
        if self._rows and set(row) != set(self._rows[0]):
            raise ValueError(f"record row keys {sorted(row)} differ from the first row's {sorted(self._rows[0])}")
        self._rows.append(row)

    def add_measurement(self, measurement: Measurement, **extra: Any) -> dict[str, Any]:
        """Append the model's frame of ``measurement`` (plus ``extra``) and return it."""
        if not isinstance(self.model, ChainModel):
            raise TypeError("add_measurement needs a ChainModel; use add() for rows of other models")
        frame = self.model.observables.frame or default_frame
        row = frame(self.model, measurement)
        self.add(row, **extra)
        return row

    def arrays(self) -> dict[str, np.ndarray]:
        """Every key stacked along time (first axis)."""
        if not self._rows:
            raise ValueError("a run record needs at least one row")
        return {key: np.array([row[key] for row in self._rows]) for key in self._rows[0]}

    @classmethod
    def from_arrays(cls, model: Any, arrays: Mapping[str, np.ndarray]) -> Recorder:
        """A recorder holding the rows of stacked ``arrays`` (a checkpoint's record so far)."""
        if "t" not in arrays:
            raise ValueError("stored record arrays lack the time grid 't'")
        n_t = int(np.shape(arrays["t"])[0])
        for key, value in arrays.items():
            if np.shape(value)[:1] != (n_t,):
                raise ValueError(f"stored record array {key!r} has {np.shape(value)[:1]} rows, expected {n_t}")
        recorder = cls(model)
        for k in range(n_t):
            recorder.add({key: _scalar_or_array(np.asarray(value)[k]) for key, value in arrays.items()})
        return recorder

    def result(self, meta: Mapping[str, Any], *, wall_start: float | None = None) -> RunResult:
        """The run record: stacked rows, ``meta`` plus ``drifts`` and ``wall_time_s`` (from ``wall_start``,
        a ``time.perf_counter()`` reading)."""
        arrays = self.arrays()
        meta = dict(meta)
        meta["drifts"] = conservation_drifts(arrays, drift_keys(self.model))
        if wall_start is not None:
            meta["wall_time_s"] = time.perf_counter() - wall_start
        return RunResult(arrays, meta)


def _scalar_or_array(value: np.ndarray) -> Any:
    return value if value.ndim else value.item()


def run_meta(
    model: Any,
    *,
    method: str,
    times: Sequence[float] | np.ndarray,
    t_max: float,
    dt_out: float,
    cut: int | None = None,
    initial_state: Mapping[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The metadata every run record shares (``docs/run_records.md``), plus ``extra``.

    Parameters
    ----------
    model : ChainModel or parameter object
        ``to_dict()`` gives ``meta.model``; a chain model adds ``units``, ``conserved``, ``sector``,
        ``site_dims`` and the label of its initial-state recipe; other models give their ``units`` in
        ``extra``.
    method : str
        ``"exact"`` or ``"tebd"``.
    times : array
        The output grid.
    t_max, dt_out : float
        The requested grid.
    cut : int, optional
        The entropy cut (1-based last site of the left part).
    initial_state : mapping, optional
        The evolver's fields of ``meta.initial_state`` (e.g. the energy of the initial MPS), merged
        into ``{"label": <the recipe's label>}`` for a chain model; another model's ``initial_state``
        is this mapping alone (it must hold ``"label"``).

    Returns
    -------
    dict
        ``initial_state`` is always one dict ``{"label", ...}`` (for a chain model, or when given).
    """
    meta: dict[str, Any] = {
        "model": model.to_dict(),
        "method": method,
        "t_max": float(t_max),
        "dt_out": float(dt_out),
        "n_times": int(np.size(times)),
    }
    if cut is not None:
        meta["cut"] = int(cut)
    initial = dict(initial_state or {})
    if isinstance(model, ChainModel):
        meta.update(
            units=dict(model.units),
            conserved=list(model.conserved),
            sector=dict(model.sector),
            site_dims=list(model.dims),
        )
        initial = {"label": model.initial.label, **initial}
    if initial:
        if "label" not in initial:
            raise ValueError(f"initial_state needs a 'label', got {sorted(initial)}")
        meta["initial_state"] = initial
    meta.update(extra)
    return meta
