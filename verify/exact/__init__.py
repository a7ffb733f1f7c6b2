"""Exact (Trotter-free) evolution — the reference every approximate run is checked against.

* chain models (any :class:`verify.models.ChainModel`): :class:`SectorBasis` (the charge sector,
  ranked combinatorially), :func:`sector_hamiltonian` (sector matrix from the model's terms),
  :class:`ExactMeasurer` (the model's observables from a sector vector), initial states and the
  Lanczos ground state, :class:`ExactEvolver` (Chebyshev propagation yielding measurements);
* the pair-on-a-ring model in first quantization (pair paper): :class:`PairHamiltonian`,
  :class:`PairObservables`;
* :func:`evolve` — the Chebyshev propagator of any Hermitian matvec (:mod:`verify.exact.chebyshev`);
* Fock bit strings of fermion modes (:mod:`verify.exact.fock`), an independent route to the
  Jordan–Wigner signs used by the tests.

Writing run records is :mod:`verify.records`' job (``simulate_exact``, ``simulate_pair``).
"""

from verify.exact.chebyshev import ChebyshevStats, bessel_order, chebyshev_coefficients, evolve, lanczos_bounds
from verify.exact.evolver import (
    PROPAGATION_TOL,
    ExactEvolver,
    model_ground_state,
    model_hamiltonian,
    model_preparation_term,
    propagate,
)
from verify.exact.fock import FermionSector
from verify.exact.initial import (
    DENSE_LIMIT,
    LANCZOS_TOL,
    SECTOR_LEAK_TOL,
    GroundStateSolution,
    initial_vector,
    lowest_eigenstate,
    product_vector,
    slater_vector,
    user_sector_vector,
)
from verify.exact.lift import lift_sum, local_operator, preparation_hamiltonian, sector_hamiltonian, total_operator
from verify.exact.measure import ExactMeasurer, expectation, real_matvec
from verify.exact.pair import (
    PairHamiltonian,
    SpinSector,
    embed_initial_state,
    pair_initial_state,
    spin_sector,
    two_sz_of_bits,
)
from verify.exact.pair_observables import PAIR_PROBABILITY_COLUMNS, PairObservables
from verify.exact.sector import MAX_SECTOR_DIM, ChargeGrid, SectorBasis, sector_dimension

__all__ = [
    "DENSE_LIMIT",
    "LANCZOS_TOL",
    "MAX_SECTOR_DIM",
    "PAIR_PROBABILITY_COLUMNS",
    "PROPAGATION_TOL",
    "SECTOR_LEAK_TOL",
    "ChargeGrid",
    "ChebyshevStats",
    "ExactEvolver",
    "ExactMeasurer",
    "FermionSector",
    "GroundStateSolution",
    "PairHamiltonian",
    "PairObservables",
    "SectorBasis",
    "SpinSector",
    "bessel_order",
    "chebyshev_coefficients",
    "embed_initial_state",
    "evolve",
    "expectation",
    "initial_vector",
    "lanczos_bounds",
    "lift_sum",
    "local_operator",
    "lowest_eigenstate",
    "model_ground_state",
    "model_hamiltonian",
    "model_preparation_term",
    "pair_initial_state",
    "preparation_hamiltonian",
    "product_vector",
    "propagate",
    "real_matvec",
    "sector_dimension",
    "sector_hamiltonian",
    "slater_vector",
    "spin_sector",
    "total_operator",
    "two_sz_of_bits",
    "user_sector_vector",
]
