"""A chain model as data: sites, terms, conserved charges, preparation, initial state, observables.

:class:`ChainModel` is what every engine of :mod:`verify` reads. It holds no engine code; from it come

* the on-site and bond matrices (:meth:`ChainModel.onsite_matrices`, :meth:`ChainModel.bond_matrices`),
  from which the exact evolver builds its sector Hamiltonian and TEBD its gates
  (:meth:`ChainModel.bond_hamiltonians` folds the on-site terms into the bonds);
* the charges of every local basis state (:meth:`ChainModel.site_charges`), the block labels of the
  MPS tensors and the sector of the exact basis (:attr:`ChainModel.sector`);
* the initial-state recipe (:mod:`verify.models.initial`) and the observables
  (:mod:`verify.models.observables`);
* the run-record metadata: parameters, units, site dimensions, conserved charges.

Validation on construction: sites exist for every term, operators exist on their sites, fermion
parity is respected (:func:`verify.models.terms.bond_matrix`), every declared conserved charge
commutes with every term (a charge is a diagonal operator; a term may only connect basis states of
equal charge), H and H_prep are Hermitian, and the sector's charges are among the conserved ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np

from states.validation import require_int
from verify.models.initial import GroundState, InitialState, ProductState, SlaterDeterminant
from verify.models.observables import CHARGE_RECORD_KEYS, Observables, check_observables, validate_cut
from verify.models.sites import Site
from verify.models.terms import Bond, OnSite, bond_matrix, onsite_matrix

__all__ = ["HERMITICITY_ATOL", "ChainModel"]

HERMITICITY_ATOL = 1e-12
"""|h − h†| allowed for a bond or on-site matrix: they are sums of products of operators with entries
0, ±1, ±i and square roots, exact to a few ε; anything larger is a missing H.c. term."""

Term = OnSite | Bond


def _check_terms(sites: Sequence[Site], terms: Sequence[Term], what: str) -> None:
    n = len(sites)
    for term in terms:
        if not isinstance(term, (OnSite, Bond)):
            raise TypeError(f"{what} terms must be OnSite or Bond, got {type(term).__name__}")
        last = term.site + (1 if isinstance(term, Bond) else 0)
        if last >= n:
            raise ValueError(f"{what} term {term} reaches site {last}, the chain has sites 0..{n - 1}")


@dataclass(frozen=True, eq=False)
class ChainModel:
    """A nearest-neighbour chain model (module docstring).

    Attributes
    ----------
    kind : str
        Model name in run records (``"prx"``, ``"xxz"``; :mod:`verify.models.registry`).
    params : mapping
        The parameters that made it, JSON-ready (``kind`` under ``"model"``), recorded as ``meta.model``.
    sites : tuple of Site
    onsite, bonds : tuple of OnSite, tuple of Bond
        H for t ≥ 0.
    conserved : tuple of str
        Charges commuting with H (and H_prep), e.g. ``("N", "2Sz")``. Their totals are recorded and
        checked for conservation.
    sector : mapping of str to int
        Charges of which the initial state is an eigenstate, with their values (a subset of
        ``conserved``): the exact evolver's basis and the block labels of MPS tensors.
    initial : InitialState
    observables : Observables
    cut : int
        Entropy subsystem = sites 1..cut (1-based).
    preparation : tuple of OnSite or Bond
        H_prep added for t < 0 (PRX Eq. 5), if the initial state is a ground state.
    units : mapping of str to str
        Units of ``t``, ``energy``, ``spin``, ``entropy`` in the records.
    """

    kind: str
    params: Mapping[str, Any]
    sites: tuple[Site, ...]
    onsite: tuple[OnSite, ...]
    bonds: tuple[Bond, ...]
    conserved: tuple[str, ...]
    sector: Mapping[str, int]
    initial: InitialState
    observables: Observables
    cut: int
    preparation: tuple[Term, ...] = ()
    units: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        sites = tuple(self.sites)
        if len(sites) < 2 or not all(isinstance(s, Site) for s in sites):
            raise ValueError("a chain model needs at least two Site objects")
        object.__setattr__(self, "sites", sites)
        object.__setattr__(self, "onsite", tuple(self.onsite))
        object.__setattr__(self, "bonds", tuple(self.bonds))
        object.__setattr__(self, "preparation", tuple(self.preparation))
        object.__setattr__(self, "conserved", tuple(self.conserved))
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        sector = {name: require_int(f"sector charge {name!r}", value) for name, value in self.sector.items()}
        object.__setattr__(self, "sector", MappingProxyType(sector))
        object.__setattr__(self, "units", MappingProxyType(dict(self.units)))
        object.__setattr__(self, "cut", validate_cut(self.cut, len(sites)))
        _check_terms(sites, self.onsite + self.bonds, "Hamiltonian")
        _check_terms(sites, self.preparation, "preparation")
        unknown = set(self.sector) - set(self.conserved)
        if unknown:
            raise ValueError(f"sector charges {sorted(unknown)} are not among the conserved charges {self.conserved}")
        if not isinstance(self.initial, (ProductState, SlaterDeterminant, GroundState)):
            raise TypeError(f"initial must be an initial-state recipe, got {type(self.initial).__name__}")
        for name in self.conserved:
            if not any(np.any(site.charges.get(name, 0)) for site in sites):
                raise ValueError(f"conserved charge {name!r} is carried by no site (its total would be 0 forever)")
        check_observables(self.observables, sites, self.conserved)
        self._check_hermitian_and_conserving()

    # ------------------------------------------------------------------ sizes
    @property
    def n_sites(self) -> int:
        """Number of sites N."""
        return len(self.sites)

    @property
    def dims(self) -> tuple[int, ...]:
        """Local dimensions d_i."""
        return tuple(site.dim for site in self.sites)

    @property
    def fermionic(self) -> bool:
        """True when any site carries fermion modes."""
        return any(site.fermionic for site in self.sites)

    def to_dict(self) -> dict[str, Any]:
        """The parameters, JSON-ready (what run records store under ``meta.model``)."""
        return dict(self.params)

    @property
    def record_keys(self) -> tuple[str, ...]:
        """The keys of one record row besides ``t``: the custom frame's declared keys, or those
        :func:`~verify.models.observables.default_frame` writes (norm, energy, entropy_cut, every site
        and total observable, the total of every conserved charge)."""
        if self.observables.frame is not None:
            return self.observables.keys
        charges = tuple(CHARGE_RECORD_KEYS.get(name, f"total_{name}") for name in self.conserved)
        obs = self.observables
        return ("norm", "energy", "entropy_cut", *obs.site, *obs.total, *charges)

    # ------------------------------------------------------------------ matrices
    def _onsite(self, terms: Sequence[Term]) -> list[np.ndarray]:
        per_site: list[list[OnSite]] = [[] for _ in self.sites]
        for term in terms:
            if isinstance(term, OnSite):
                per_site[term.site].append(term)
        return [onsite_matrix(site, group) for site, group in zip(self.sites, per_site, strict=True)]

    def _bonds(self, terms: Sequence[Term]) -> list[np.ndarray]:
        out = [np.zeros((a.dim * b.dim,) * 2, dtype=complex) for a, b in zip(self.sites, self.sites[1:], strict=False)]
        for term in terms:
            if isinstance(term, Bond):
                out[term.site] += bond_matrix(self.sites[term.site], self.sites[term.site + 1], term)
        return out

    def _terms(self, preparation: bool) -> tuple[Term, ...]:
        return self.onsite + self.bonds + (self.preparation if preparation else ())

    def onsite_matrices(self, *, preparation: bool = False) -> list[np.ndarray]:
        """h_i (d_i × d_i) of every site: the on-site terms of H (+ H_prep with ``preparation``)."""
        return self._onsite(self._terms(preparation))

    def bond_matrices(self, *, preparation: bool = False) -> list[np.ndarray]:
        """The bond terms alone, one (d_b d_{b+1})² matrix per bond b = 0..N−2, ``np.kron`` order."""
        return self._bonds(self._terms(preparation))

    def bond_hamiltonians(self, *, preparation: bool = False) -> list[np.ndarray]:
        """h_b with Σ_b h_b = H (+ H_prep): bond terms plus the on-site terms folded in exactly once —
        half into each adjacent bond, all of it into the only bond of an end site (TEBD gates)."""
        onsite = self.onsite_matrices(preparation=preparation)
        bonds = self.bond_matrices(preparation=preparation)
        n = self.n_sites
        out = []
        for b, h in enumerate(bonds):
            left, right = self.sites[b], self.sites[b + 1]
            w_left = 1.0 if b == 0 else 0.5  # share of site b's on-site term carried by this bond
            w_right = 1.0 if b + 1 == n - 1 else 0.5
            id_left, id_right = left.operators["Id"], right.operators["Id"]
            # the two folded on-site parts are added first, then to the bond terms (the order of the
            # TEBD code before the models layer: its records are reproduced bit for bit)
            out.append(h + (w_left * np.kron(onsite[b], id_right) + w_right * np.kron(id_left, onsite[b + 1])))
        return out

    @cached_property
    def _charge_columns(self) -> dict[str, list[np.ndarray]]:
        return {name: [site.charges.get(name, np.zeros(site.dim, dtype=np.int64)) for site in self.sites]
                for name in self.conserved}

    def charge_totals(self, probabilities: Sequence[np.ndarray]) -> dict[str, float]:
        """⟨Σ_i Q_i⟩ of every conserved charge from the local occupation probabilities p_i(a) of a state
        (the diagonal of each site's reduced density matrix), e.g. N and 2S^z (PRX Eq. 9)."""
        return {
            name: float(sum(p @ column for p, column in zip(probabilities, columns, strict=True)))
            for name, columns in self._charge_columns.items()
        }

    def site_charges(self, names: Sequence[str] | None = None) -> list[np.ndarray]:
        """Charges of every local basis state, one int64 array (d_i, len(names)) per site.

        ``names`` defaults to the sector's charges (the block labels of an MPS of the initial state).
        """
        names = tuple(self.sector) if names is None else tuple(names)
        return [site.basis_charges(names) for site in self.sites]

    def _check_hermitian_and_conserving(self) -> None:
        """H must conserve every declared charge; H + H_prep (whose ground state is the initial state)
        at least the sector's charges."""
        for preparation, charges in ((False, self.conserved), (True, tuple(self.sector))):
            what = "H + H_prep" if preparation else "H"
            for i, h in enumerate(self.onsite_matrices(preparation=preparation)):
                self._check_matrix(h, [i], what, charges)
            for b, h in enumerate(self.bond_matrices(preparation=preparation)):
                self._check_matrix(h, [b, b + 1], what, charges)

    def _check_matrix(self, matrix: np.ndarray, sites: list[int], what: str, charges: tuple[str, ...]) -> None:
        where = "site" if len(sites) == 1 else "bond"
        if np.max(np.abs(matrix - matrix.conj().T), initial=0.0) > HERMITICITY_ATOL:
            raise ValueError(f"{what} is not Hermitian on {where} {sites} (a missing plus_hc or H.c. term?)")
        for name in charges:
            columns = self._charge_columns[name]
            total = columns[sites[0]]
            for s in sites[1:]:
                total = np.add.outer(total, columns[s]).ravel()
            connected = np.abs(matrix) > HERMITICITY_ATOL
            if np.any(connected & (total[:, None] != total[None, :])):
                raise ValueError(f"{what} does not conserve the charge {name!r} on {where} {sites}")
