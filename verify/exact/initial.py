"""Initial states of the exact evolver from a model's recipe (:mod:`verify.models.initial`).

* :func:`product_vector` — ⊗_k v_k in the sector: the amplitude of a state is Π_k v_k[a_k];
* :func:`slater_vector` — Π_j b†_j |background⟩ with b†_j = Σ_i φ_j(i) Σ_s χ_s c†_{i,s}: a state with
  occupied modes m_1 < … < m_Ne (Jordan–Wigner order, site by site) has the amplitude
  det U[m_l, j] with U[(i, s), j] = φ_j(i) χ_s, because Π_j (Σ_m U_mj c†_m)|vac⟩ =
  Σ det(U[occ]) Π_{m ∈ occ} c†_m |vac⟩ with the creators in ascending mode order — the order of the
  product basis (:mod:`states.conventions`); times the background's amplitude of its bosonic factors;
* :func:`lowest_eigenstate` — the lowest eigenvector of H + H_prep by Lanczos (ARPACK) from the recipe's guess;
* :func:`user_sector_vector` — a user's initial state ``psi0`` (a sector vector, or a vector of the
  full product basis that lies in the sector) as a normalized sector vector.

A recipe with no weight in the sector raises ``ValueError``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from verify.exact.sector import SectorBasis
from verify.models import GroundState, InitialState, ProductState, SlaterDeterminant

__all__ = [
    "DENSE_LIMIT",
    "LANCZOS_TOL",
    "SECTOR_LEAK_TOL",
    "GroundStateSolution",
    "initial_vector",
    "lowest_eigenstate",
    "product_vector",
    "slater_vector",
    "user_sector_vector",
]

LANCZOS_TOL = 1e-12
"""Relative tolerance handed to ARPACK for the ground state; the residual ‖Hψ − Eψ‖ is recorded."""
DENSE_LIMIT = 16
"""Sectors up to this dimension are diagonalized densely (ARPACK needs dim > k + 1 = 2)."""
SECTOR_LEAK_TOL = 1e-10
"""Largest weight Σ|ψ_a|²/‖ψ‖² a product-basis ``psi0`` may have outside the model's sector: a state
built in the sector carries only round-off there (≲ 1e-30); anything above 1e-10 is another sector
(e.g. a spin tilted away from z in a model whose sector fixes 2S^z)."""


def _normalized(psi: np.ndarray, what: str) -> np.ndarray:
    norm = np.linalg.norm(psi)
    if not norm > 0:
        raise ValueError(f"the {what} has no weight in the model's sector")
    return psi / norm


def product_vector(basis: SectorBasis, state: ProductState) -> np.ndarray:
    """⊗_k v_k restricted to the sector, normalized."""
    if len(state.vectors) != basis.model.n_sites:
        raise ValueError(f"the product state has {len(state.vectors)} sites, the model {basis.model.n_sites}")
    psi = np.ones(basis.dim, dtype=complex)
    for k, vector in enumerate(state.vectors):  # loop over sites
        if vector.shape != (basis.model.dims[k],):
            raise ValueError(f"site {k}: local vector of length {vector.shape[0]}, d = {basis.model.dims[k]}")
        psi *= vector[basis.digits[k]]
    return _normalized(psi, "product state")


def _mode_table(basis: SectorBasis) -> tuple[list[np.ndarray], list[int], list[int]]:
    """Per site: occupation of each of its modes per digit (d_k, M_k); first global mode; bosonic dimension."""
    occupations, first_mode, boson_dims, mode = [], [], [], 0
    for site in basis.model.sites:
        ops = [site.op(name) for name in site.fermion_modes]
        occ = np.stack([np.diagonal(c.conj().T @ c).real for c in ops], axis=1) if ops else np.zeros((site.dim, 0))
        occupations.append(np.rint(occ).astype(np.int64))
        first_mode.append(mode)
        mode += len(ops)
        boson_dims.append(site.dim // (2 ** len(ops)))
    return occupations, first_mode, boson_dims


def slater_vector(basis: SectorBasis, state: SlaterDeterminant) -> np.ndarray:
    """Π_j b†_j |background⟩ in the sector (module docstring), normalized."""
    model = basis.model
    occupations, first_mode, boson_dims = _mode_table(basis)
    n_modes = first_mode[-1] + occupations[-1].shape[1]
    weight = np.ones(basis.dim, dtype=complex)
    for k, vector in enumerate(state.background.vectors):  # background amplitude of the bosonic factors
        weight *= vector[basis.digits[k].astype(np.int64) % boson_dims[k]]
    states = np.flatnonzero(weight)
    mode_orbitals = np.zeros((n_modes, state.n_particles), dtype=complex)
    for k, site in enumerate(model.sites):
        for s in range(len(site.fermion_modes)):
            mode_orbitals[first_mode[k] + s] = state.orbitals[k] * state.spinor[s]
    occupied = np.concatenate(
        [occupations[k][basis.digits[k][states]] for k in range(model.n_sites)], axis=1
    )  # (n_states, modes), site by site = ascending mode order
    count = occupied.sum(axis=1)
    states, occupied = states[count == state.n_particles], occupied[count == state.n_particles]
    psi = np.zeros(basis.dim, dtype=complex)
    if state.n_particles == 0:
        psi[states] = weight[states]
    elif states.size:
        positions = np.nonzero(occupied)[1].reshape(states.size, state.n_particles)
        psi[states] = weight[states] * np.linalg.det(mode_orbitals[positions])
    return _normalized(psi, "Slater determinant")


def initial_vector(basis: SectorBasis, recipe: InitialState) -> np.ndarray:
    """The vector of a product state or Slater determinant (for a ground state: its guess)."""
    if isinstance(recipe, GroundState):
        recipe = recipe.guess
    if isinstance(recipe, ProductState):
        return product_vector(basis, recipe)
    if isinstance(recipe, SlaterDeterminant):
        return slater_vector(basis, recipe)
    raise TypeError(f"unknown initial-state recipe {type(recipe).__name__}")


@dataclass(frozen=True)
class GroundStateSolution:
    """Ground state of H + H_prep.

    Attributes
    ----------
    energy : float
        Lowest eigenvalue.
    psi : ndarray of complex, shape (dim,)
        Normalized eigenvector, phase fixed so that its largest component is real positive.
    residual : float
        ‖(H + H_prep)ψ − Eψ‖.
    method : str
        ``"lanczos"`` (ARPACK, which='SA') or ``"dense"`` (``numpy.linalg.eigh``).
    """

    energy: float
    psi: np.ndarray
    residual: float
    method: str


def lowest_eigenstate(
    h_total: sp.csr_array, *, start: np.ndarray | None = None, method: str = "lanczos"
) -> GroundStateSolution:
    """Lowest eigenvector of ``h_total``.

    Parameters
    ----------
    h_total : sparse matrix
        Hermitian.
    start : ndarray, optional
        Lanczos start vector (e.g. :func:`initial_vector` of the guess). A little seeded noise is added
        so no eigenvector can be missed by symmetry.
    method : {"lanczos", "dense"}
        ``"lanczos"`` falls back to dense for dim <= :data:`DENSE_LIMIT`.

    Raises
    ------
    RuntimeError
        When ARPACK does not converge.
    """
    if method not in ("lanczos", "dense"):
        raise ValueError(f"unknown ground-state method {method!r}: use 'lanczos' or 'dense'")
    dim = h_total.shape[0]
    real = not np.iscomplexobj(h_total.data)
    if method == "dense" or dim <= DENSE_LIMIT:
        values, vectors = np.linalg.eigh(h_total.toarray())
        energy, psi, used = float(values[0]), vectors[:, 0], "dense"
    else:
        rng = np.random.default_rng(12345)
        v0 = np.zeros(dim) if start is None else (start.real if real else start)
        v0 = v0 + 1e-3 * rng.standard_normal(dim) / math.sqrt(dim)
        try:
            values, vectors = spla.eigsh(h_total, k=1, which="SA", v0=v0, tol=LANCZOS_TOL)
        except spla.ArpackNoConvergence as exc:
            raise RuntimeError(f"Lanczos ground state did not converge (dim {dim}): {exc}") from None
        energy, psi, used = float(values[0]), vectors[:, 0], "lanczos"
    psi = psi / np.linalg.norm(psi)
    largest = psi[np.argmax(np.abs(psi))]
    psi = psi * (abs(largest) / largest)
    residual = float(np.linalg.norm(h_total @ psi - energy * psi))
    return GroundStateSolution(energy, np.asarray(psi, dtype=complex), residual, used)


def user_sector_vector(basis: SectorBasis, psi0: object) -> tuple[np.ndarray, dict[str, Any]]:
    """A user's initial state as a normalized vector of the sector ``basis``.

    Parameters
    ----------
    basis : SectorBasis
    psi0 : array_like, 1-D
        Either a vector of the sector basis (length ``basis.dim``, :class:`SectorBasis` order) or a
        vector of the full product basis (length Π d_i, first site most significant, the site bases of
        :mod:`states.conventions`; the Jordan–Wigner Fock basis for fermion sites), whose weight outside
        the sector must not exceed :data:`SECTOR_LEAK_TOL`. A sector vector is tried first when both
        lengths agree (then the two bases coincide). Normalized here.

    Returns
    -------
    (ndarray, dict)
        The sector vector and what the run record stores about it: ``basis`` (``"sector"`` or
        ``"product"``), ``input_norm`` and, for a product-basis vector, ``outside_sector_weight``.

    Raises
    ------
    TypeError
        For a non-numeric ``psi0``.
    ValueError
        For a vector of another length, non-finite entries, a zero vector or weight outside the sector.
    """
    try:
        psi = np.asarray(psi0, dtype=complex)
    except (TypeError, ValueError):
        raise TypeError(f"psi0 must be a numeric vector, got {type(psi0).__name__}") from None
    if psi.ndim != 1:
        raise ValueError(f"psi0 must be a 1-D vector, got shape {psi.shape}")
    if not np.all(np.isfinite(psi)):
        raise ValueError("psi0 has non-finite entries")
    norm = float(np.linalg.norm(psi))
    if not norm > 0:
        raise ValueError("psi0 is the zero vector")
    info: dict[str, Any] = {"basis": "sector", "input_norm": norm}
    full = math.prod(basis.model.dims)
    if psi.size == basis.dim:
        return psi / norm, info
    if psi.size != full:
        raise ValueError(
            f"psi0 has length {psi.size}: expected the sector dimension {basis.dim} or the product-basis "
            f"dimension {full}"
        )
    inside = psi[basis.product_indices()]
    leak = max(0.0, 1.0 - float(np.vdot(inside, inside).real) / norm**2)
    if leak > SECTOR_LEAK_TOL:
        raise ValueError(
            f"psi0 has weight {leak:.3g} outside the model's sector {dict(basis.model.sector)} "
            f"(tolerance {SECTOR_LEAK_TOL:g}): the exact evolver works in that sector"
        )
    return inside / np.linalg.norm(inside), {**info, "basis": "product", "outside_sector_weight": leak}
