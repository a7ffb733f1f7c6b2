"""Initial-state recipes: how a model's t = 0 state is prepared, as data both evolvers read.

* :class:`ProductState` — ⊗_i v_i, one local vector per site (a Néel state, a domain wall, …);
* :class:`SlaterDeterminant` — Π_k b†_k on a bosonic background, b†_k = Σ_i φ_k(i) Σ_s χ_s c†_{i,s}:
  N_e fermions in orthonormal orbitals φ_k with a common spinor χ (PRX: the polarized pulse in the
  well), on a product state of everything else (``background``: the vacuum of every fermion factor
  and the localized spins);
* :class:`GroundState` — the ground state of H + H_prep (the model's preparation terms, PRX Eq. 5) in
  the model's sector. The exact evolver finds it by Lanczos from ``guess``; the MPS evolver starts
  from ``guess`` itself, an approximation the model documents (for the PRX chain it differs from the
  ground state only through the exponentially small tail of the well orbitals on the FM sites).

Every recipe has a ``label`` recorded in the run's metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from verify.models.sites import frozen_array

__all__ = ["GroundState", "InitialState", "ProductState", "SlaterDeterminant", "product_state_from_labels"]


@dataclass(frozen=True, eq=False)
class ProductState:
    """⊗_i v_i (normalized by the evolvers).

    Attributes
    ----------
    vectors : tuple of ndarray
        One local vector per site (length d_i).
    label : str
        Name recorded in the metadata, e.g. ``"neel"``.
    """

    vectors: tuple[np.ndarray, ...]
    label: str = "product"

    def __post_init__(self) -> None:
        vectors = tuple(frozen_array(v).ravel() for v in self.vectors)
        for i, v in enumerate(vectors):
            if not np.linalg.norm(v) > 0:
                raise ValueError(f"site {i}: the local vector of a product state must not vanish")
        object.__setattr__(self, "vectors", vectors)


@dataclass(frozen=True, eq=False)
class SlaterDeterminant:
    """Π_k b†_k |background⟩ (module docstring).

    Attributes
    ----------
    orbitals : ndarray, shape (N, N_e)
        Orthonormal orbitals φ_k as columns (over sites).
    spinor : ndarray, shape (2,)
        Normalized spin part χ = (χ_↑, χ_↓).
    background : ProductState
        The state the fermions are created on; on fermion sites its vectors must have no fermion in
        them (the vacuum, ⊗ the state of a localized spin).
    label : str
    """

    orbitals: np.ndarray
    spinor: np.ndarray
    background: ProductState
    label: str = "slater"

    def __post_init__(self) -> None:
        orbitals = np.array(self.orbitals, dtype=float)
        if orbitals.ndim != 2 or orbitals.shape[0] != len(self.background.vectors):
            raise ValueError(f"orbitals must have shape (n_sites, n_e) = ({len(self.background.vectors)}, n_e)")
        orbitals.setflags(write=False)
        object.__setattr__(self, "orbitals", orbitals)
        spinor = frozen_array(self.spinor)
        if spinor.shape != (2,) or not np.isclose(np.linalg.norm(spinor), 1.0):
            raise ValueError(f"spinor must be a normalized 2-vector, got {self.spinor!r}")
        object.__setattr__(self, "spinor", spinor)

    @property
    def n_particles(self) -> int:
        """N_e."""
        return int(self.orbitals.shape[1])


@dataclass(frozen=True, eq=False)
class GroundState:
    """The ground state of H + H_prep in the model's sector (module docstring).

    Attributes
    ----------
    guess : SlaterDeterminant or ProductState
        Lanczos start vector (exact evolver) and MPS initial state (MPS evolver).
    label : str
    """

    guess: SlaterDeterminant | ProductState
    label: str = "ground state of H + H_prep"


InitialState = ProductState | SlaterDeterminant | GroundState
"""Any recipe."""


def product_state_from_labels(sites: Sequence, labels: Sequence[str], label: str = "product") -> ProductState:
    """The product of basis states named by their site labels (``"↑"``, ``"0"``…)."""
    if len(labels) != len(sites):
        raise ValueError(f"need one basis label per site ({len(sites)}), got {len(labels)}")
    vectors = []
    for site, name in zip(sites, labels, strict=True):
        v = np.zeros(site.dim)
        v[site.index(name)] = 1.0
        vectors.append(v)
    return ProductState(tuple(vectors), label)
