"""Exact (Trotter-free) evolution of any chain model in its charge sector.

:class:`ExactEvolver` reads a :class:`verify.models.ChainModel` and builds, once,

* the sector basis (:class:`verify.exact.sector.SectorBasis`: N = N_e and 2S^z for the collinear PRX
  chain, N alone for the noncollinear one, 2S^z for the XXZ chain);
* the sector Hamiltonian H for t ≥ 0 (:func:`verify.exact.lift.sector_hamiltonian`, real when possible);
* the measurements of the model's observables (:class:`verify.exact.measure.ExactMeasurer`).

:meth:`ExactEvolver.initial_state` prepares the model's initial state (a product state, a Slater
determinant, or the ground state of H + H_prep by Lanczos, e.g. PRX Eq. 5) and :meth:`ExactEvolver.run`
propagates it with the Chebyshev expansion of exp(−iHt) (:mod:`verify.exact.chebyshev`, accurate to
:data:`PROPAGATION_TOL` per window, no Trotter error), yielding one
:class:`verify.models.Measurement` per output time. Writing records is the job of
:mod:`verify.records` (``simulate_exact``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from verify.exact.chebyshev import ChebyshevStats, evolve
from verify.exact.initial import GroundStateSolution, initial_vector, lowest_eigenstate
from verify.exact.lift import preparation_hamiltonian, sector_hamiltonian
from verify.exact.measure import ExactMeasurer, real_matvec
from verify.exact.sector import MAX_SECTOR_DIM, SectorBasis
from verify.models import GroundState, Measurement, as_chain, validate_cut

__all__ = [
    "PROPAGATION_TOL",
    "ExactEvolver",
    "model_ground_state",
    "model_hamiltonian",
    "model_preparation_term",
    "propagate",
]

PROPAGATION_TOL = 1e-12
"""Chebyshev truncation tolerance per window (:func:`verify.exact.chebyshev.evolve`)."""


def propagate(
    h: sp.csr_array, psi0: np.ndarray, times: Sequence[float] | np.ndarray, *, stats: dict | None = None
) -> Iterator[tuple[float, np.ndarray]]:
    """Yield (t, exp(−iHt) ψ0) for each output time (ħ = 1), exactly up to :data:`PROPAGATION_TOL`.

    Spectral bounds come from the Chebyshev module's Lanczos estimate, checked at run time; ``stats``
    (a dict) receives its counters at the end.
    """
    counters = ChebyshevStats()
    # Memory: the Chebyshev block holds `block` state vectors; keep it under ~1 GB.
    block = int(min(24, max(4, 2**30 // (16 * max(np.size(psi0), 1)))))
    yield from evolve(lambda v: real_matvec(h, v), psi0, times, tol=PROPAGATION_TOL, block=block, stats=counters)
    if stats is not None:
        stats.update(counters.as_dict())


class ExactEvolver:
    """Exact evolution of a chain model (module docstring).

    Parameters
    ----------
    model : ChainModel or parameter object (PRXChain, XXZChain, ...)
    cut : int, optional
        Entropy subsystem = sites 1..cut (1-based); default the model's.
    max_dim : int
        Largest sector built (default :data:`verify.exact.sector.MAX_SECTOR_DIM`).

    Attributes
    ----------
    model : ChainModel
        With the requested cut.
    basis : SectorBasis
    hamiltonian : csr_array
    measurer : ExactMeasurer
    info : dict
        What the run record's metadata needs: sector dimension, ground state, propagator counters.
    """

    def __init__(self, model: Any, *, cut: int | None = None, max_dim: int = MAX_SECTOR_DIM) -> None:
        chain = as_chain(model)
        chain = dataclasses.replace(chain, cut=validate_cut(cut if cut is not None else chain.cut, chain.n_sites))
        self.model = chain
        self.basis = SectorBasis.build(chain, max_dim=max_dim)
        self.hamiltonian = sector_hamiltonian(self.basis)
        self.measurer = ExactMeasurer(self.basis, self.hamiltonian, chain.cut)
        self.info: dict[str, Any] = {"sector_dim": self.basis.dim, "sector": dict(chain.sector)}

    def ground_state(self, *, method: str = "lanczos") -> GroundStateSolution:
        """The ground state of H + H_prep from the recipe's guess (also recorded in :attr:`info`)."""
        recipe = self.model.initial
        guess = recipe.guess if isinstance(recipe, GroundState) else recipe
        start = initial_vector(self.basis, guess)
        h_total = self.hamiltonian + preparation_hamiltonian(self.basis)
        solution = lowest_eigenstate(h_total, start=start, method=method)
        self.info["ground_state"] = {
            "energy": solution.energy, "residual": solution.residual, "method": solution.method,
        }
        return solution

    def initial_state(self) -> np.ndarray:
        """The model's initial state as a sector vector (normalized)."""
        if isinstance(self.model.initial, GroundState):
            return self.ground_state().psi
        return initial_vector(self.basis, self.model.initial)

    def run(self, times: Sequence[float] | np.ndarray, psi0: np.ndarray | None = None) -> Iterator[Measurement]:
        """Yield the measurement at every output time, from ``psi0`` (default :meth:`initial_state`)."""
        psi = self.initial_state() if psi0 is None else np.asarray(psi0, dtype=complex)
        if psi.shape != (self.basis.dim,):
            raise ValueError(f"psi0 has shape {psi.shape}, the sector has dimension {self.basis.dim}")
        stats: dict = {}
        for t, state in propagate(self.hamiltonian, psi, times, stats=stats):
            yield self.measurer.measure(t, state)
        self.info["propagator"] = {"name": "chebyshev", "tol": PROPAGATION_TOL, **stats}


def _basis(model: Any, basis: SectorBasis | None) -> SectorBasis:
    return basis if basis is not None else SectorBasis.build(as_chain(model))


def model_hamiltonian(model: Any, basis: SectorBasis | None = None) -> sp.csr_array:
    """H for t ≥ 0 (PRX Eqs. 2–4 for the PRX chain) of a chain model in its sector (built if not given)."""
    return sector_hamiltonian(_basis(model, basis))


def model_preparation_term(model: Any, basis: SectorBasis | None = None) -> sp.csr_array:
    """H_prep of a chain model (PRX Eq. 5: the t < 0 confinement and polarizing fields) in its sector."""
    return preparation_hamiltonian(_basis(model, basis))


def model_ground_state(
    model: Any, basis: SectorBasis | None = None, *, method: str = "lanczos", h_total: sp.csr_array | None = None
) -> GroundStateSolution:
    """Ground state of H + H_prep (PRX Eqs. 1–5 at t < 0) in the sector, Lanczos from the model's guess.

    Parameters
    ----------
    model : ChainModel or parameter object
    basis : SectorBasis, optional
    method : {"lanczos", "dense"}
    h_total : csr_array, optional
        H + H_prep if already built.
    """
    basis = _basis(model, basis)
    chain = basis.model
    if h_total is None:
        h_total = sector_hamiltonian(basis) + preparation_hamiltonian(basis)
    recipe = chain.initial.guess if isinstance(chain.initial, GroundState) else chain.initial
    return lowest_eigenstate(h_total, start=initial_vector(basis, recipe), method=method)
