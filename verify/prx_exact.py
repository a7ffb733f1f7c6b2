"""Deprecated path: the PRX exact evolver is now the generic exact evolver of chain models.

Use :mod:`verify.exact` (basis, Hamiltonian, ground state) and :func:`verify.records.simulate_exact`
/ :func:`verify.simulate_prx_exact`. This module re-exports the old names for one release.
"""

import warnings
from typing import Any

from verify.exact import (
    DENSE_LIMIT,
    LANCZOS_TOL,
    MAX_SECTOR_DIM,
    PROPAGATION_TOL,
    propagate,
    sector_dimension,
    slater_vector,
)
from verify.exact import GroundStateSolution as GroundState
from verify.exact import SectorBasis as PRXBasis
from verify.exact import model_ground_state as ground_state
from verify.exact import model_hamiltonian as hamiltonian
from verify.exact import model_preparation_term as preparation_term
from verify.models import as_chain
from verify.records import output_times, simulate_prx_exact

__all__ = [
    "DENSE_LIMIT",
    "LANCZOS_TOL",
    "MAX_SECTOR_DIM",
    "PROPAGATION_TOL",
    "GroundState",
    "PRXBasis",
    "ground_state",
    "hamiltonian",
    "output_times",
    "preparation_term",
    "propagate",
    "sector_dimension",
    "sector_two_sz",
    "simulate_prx_exact",
    "slater_start",
]

warnings.warn(
    "verify.prx_exact is deprecated: use verify.exact and verify.records.simulate_exact", DeprecationWarning,
    stacklevel=2,
)


def sector_two_sz(model: Any) -> int | None:
    """The conserved 2S^z of the model's sector, or None when the sector does not fix it (noncollinear)."""
    return as_chain(model).sector.get("2Sz")


def slater_start(model: Any, basis: PRXBasis) -> Any:
    """The model's Slater-determinant guess in the sector (:func:`verify.exact.slater_vector`)."""
    return slater_vector(basis, model.slater_state())
