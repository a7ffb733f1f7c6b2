"""Deprecated path: the pair model moved to :mod:`verify.exact` (Hamiltonian, observables),
:mod:`verify.models` (parameters, geometry) and :func:`verify.records.simulate_pair` (kept for one release)."""

import warnings

from verify.exact import (
    PAIR_PROBABILITY_COLUMNS,
    PairHamiltonian,
    PairObservables,
    SpinSector,
    embed_initial_state,
    spin_sector,
)
from verify.models import packet_chain_intervals
from verify.records import PAIR_TOL as DEFAULT_TOL
from verify.records import output_times, simulate_pair

__all__ = [
    "DEFAULT_TOL",
    "PAIR_PROBABILITY_COLUMNS",
    "PairHamiltonian",
    "PairObservables",
    "SpinSector",
    "embed_initial_state",
    "output_times",
    "packet_chain_intervals",
    "simulate_pair",
    "spin_sector",
]

warnings.warn(
    "verify.pair is deprecated: use verify.exact, verify.models and verify.records.simulate_pair",
    DeprecationWarning,
    stacklevel=2,
)
