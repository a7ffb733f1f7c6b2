"""Deprecated path: the PRX observables live in :mod:`verify.models` (frame) and :mod:`verify.exact` (measurer).

Kept for one release: :class:`ExactObservables` wraps :class:`verify.exact.ExactMeasurer` and
:func:`prx_record` stacks frames with :class:`verify.records.Recorder`.
"""

import dataclasses
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from verify.exact import ExactMeasurer, SectorBasis, model_hamiltonian
from verify.models import (
    BLOCH_EXCESS_ATOL,
    PRXChain,
    PRXFrame,
    default_cut,
    frame_from_measurement,
    prx_frame,
    validate_cut,
)
from verify.records import Recorder, RunResult, conservation_drifts, drift_keys

__all__ = [
    "BLOCH_EXCESS_ATOL",
    "CONSERVED",
    "ExactObservables",
    "PRXFrame",
    "conservation_drifts",
    "default_cut",
    "prx_frame",
    "prx_record",
    "validate_cut",
]

warnings.warn(
    "verify.prx_observables is deprecated: use verify.models (prx_frame) and verify.exact (ExactMeasurer)",
    DeprecationWarning,
    stacklevel=2,
)

CONSERVED = drift_keys(PRXChain().chain())
"""Drift name → record key of the quantities conserved by the PRX H for t ≥ 0: norm, energy,
``n_electrons`` and ``total_spin_z`` (:func:`verify.records.drift_keys` of the PRX chain)."""


class ExactObservables:
    """The PRX frame of a sector vector (old interface of :class:`verify.exact.ExactMeasurer`)."""

    def __init__(self, basis: SectorBasis, cut: int | None = None) -> None:
        self.basis = basis
        self.cut = validate_cut(cut, basis.model.n_sites)
        self._measurer: ExactMeasurer | None = None

    def set_hamiltonian(self, h: Any) -> None:
        """The Hamiltonian whose expectation value is recorded as ``energy``."""
        self._measurer = ExactMeasurer(self.basis, h, self.cut)

    def entropy_cut(self, psi: np.ndarray) -> float:
        """Von Neumann entropy of sites 1..cut (PRX Eq. 12)."""
        if self._measurer is None:
            self.set_hamiltonian(model_hamiltonian(self.basis.model, self.basis))
        return self._measurer.entropy_cut(np.asarray(psi, dtype=complex))

    def frame(self, t: float, psi: np.ndarray) -> PRXFrame:
        """All observables of :class:`PRXFrame` for the state ``psi`` at time ``t``."""
        if self._measurer is None:
            raise ValueError("set_hamiltonian() first: the energy needs the Hamiltonian")
        row = frame_from_measurement(self.basis.model, self._measurer.measure(t, psi))
        return PRXFrame(**row)


def prx_record(
    frames: Sequence[PRXFrame],
    meta: dict[str, Any],
    *,
    extra: dict[str, np.ndarray] | None = None,
    wall_start: float | None = None,
) -> RunResult:
    """Stack frames into a PRX run record with drifts and wall time (see :class:`verify.records.Recorder`)."""
    if not frames:
        raise ValueError("a run record needs at least one frame")
    for key, value in (extra or {}).items():
        if np.shape(value)[:1] != (len(frames),):
            raise ValueError(f"extra series {key!r} has {np.shape(value)[:1]} rows, expected {len(frames)}")
    recorder = Recorder(None)
    for k, frame in enumerate(frames):
        extras = {key: np.asarray(value)[k] for key, value in (extra or {}).items()}
        recorder.add(dataclasses.asdict(frame), **extras)
    result = recorder.result(meta, wall_start=wall_start)
    result.meta["drifts"] = conservation_drifts(result.arrays, CONSERVED)
    return result
