"""Deprecated path: the PRX TEBD code is now generic over chain models (kept for one release).

Use :func:`verify.records.simulate_prx_tebd` / :func:`verify.records.simulate_tebd` (runs),
:func:`verify.tebd.initial_mps` (initial MPS of a model's recipe), :func:`verify.tebd.measure` (the
generic :class:`verify.models.Measurement`) and :func:`verify.models.single_particle_orbitals`.
:func:`measure` and :class:`PRXMeasurement` keep their old form here.
"""

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.models import PRXChain, PRXFrame, frame_from_measurement, single_particle_orbitals
from verify.mps import MPS
from verify.records import simulate_prx_tebd, step_ranges
from verify.tebd import compress, initial_state_report, slater_mps
from verify.tebd import initial_mps as initial_state
from verify.tebd import measure as _measure

__all__ = [
    "PRXMeasurement",
    "compress",
    "initial_state",
    "initial_state_report",
    "measure",
    "simulate_prx_tebd",
    "single_particle_orbitals",
    "slater_mps",
    "step_ranges",
]

warnings.warn(
    "verify.prx_tebd is deprecated: use verify.records (simulate_prx_tebd, simulate_tebd) and verify.tebd",
    DeprecationWarning,
    stacklevel=2,
)


@dataclass
class PRXMeasurement:
    """Observables of one MPS: the :class:`verify.models.PRXFrame` and the entropy at every bond."""

    frame: PRXFrame
    bond_entropy: np.ndarray


def measure(mps: MPS, model: PRXChain, *, cut: int, t: float, bonds: Any = None) -> PRXMeasurement:
    """The PRX observables of ``mps`` (PRX Eqs. 9–14) at time ``t``, entropy at sites 1..``cut``."""
    chain = model.chain()
    if cut != chain.cut:
        chain = dataclasses.replace(chain, cut=cut)
    m = _measure(mps, chain, t=t, bonds=bonds)
    return PRXMeasurement(PRXFrame(**frame_from_measurement(chain, m)), m.bond_entropy)
