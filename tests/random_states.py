"""Random states shared by the tests (Haar-like kets, Ginibre density matrices)."""

import numpy as np


def random_ket(dim: int, rng: np.random.Generator) -> np.ndarray:
    """Normalized complex Gaussian ket of dimension ``dim``."""
    ket = rng.normal(size=dim) + 1j * rng.normal(size=dim)
    return ket / np.linalg.norm(ket)


def random_density_matrix(dim: int, rng: np.random.Generator, rank: int | None = None) -> np.ndarray:
    """Ginibre density matrix G G†/Tr of the given rank (full rank when ``rank`` is None)."""
    rank = dim if rank is None else rank
    g = rng.normal(size=(dim, rank)) + 1j * rng.normal(size=(dim, rank))
    rho = g @ g.conj().T
    return rho / np.trace(rho).real


def random_state(dim: int, seed: int) -> np.ndarray:
    """Normalized random ket from a seed."""
    return random_ket(dim, np.random.default_rng(seed))
