"""The spin-1/2 XXZ chain, with the parameters of TeNPy's ``XXZChain``: a model beyond the papers.

    H = Σ_i [J_xx (S^x_i S^x_{i+1} + S^y_i S^y_{i+1}) + J_z S^z_i S^z_{i+1}] − h_z Σ_i S^z_i,   S = σ/2,

on an open chain of L sites (TeNPy: ``L``, ``Jxx``, ``Jz``, ``hz``), so a TeNPy user's parameters carry
over unchanged. The site operators of the package are Pauli matrices, so the terms are written as
J_xx/4 (σσ), J_z/4 σ^zσ^z and −h_z/2 σ^z; records are in Pauli units as everywhere
(``spin_z`` = ⟨σ^z_i⟩ = 2⟨S^z_i⟩, ``total_spin_z`` = Σ_i ⟨σ^z_i⟩ = 2S^z, conserved).

Initial states (product states): ``"neel"`` (↑↓↑↓…), ``"domain-wall"`` (the first ⌈L/2⌉ spins ↑,
the rest ↓) or one letter ``u``/``d`` per site (``"uudd"``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

from states.validation import require_int, require_real
from verify.models.chain import ChainModel
from verify.models.initial import product_state_from_labels
from verify.models.observables import Observables, default_cut
from verify.models.sites import spin_site
from verify.models.terms import Bond, OnSite

__all__ = ["XXZ_INITIAL_STATES", "XXZ_UNITS", "XXZChain"]

XXZ_INITIAL_STATES = ("neel", "domain-wall")
"""Named initial states; any string of one ``u``/``d`` per site works as well."""

XXZ_UNITS = {"t": "hbar/[J]", "energy": "[J] (the unit of j_xx, j_z, h_z)", "spin": "pauli", "entropy": "nats"}
"""Units of the XXZ records."""



@dataclass(frozen=True)
class XXZChain:
    """Parameters of the spin-1/2 XXZ chain (module docstring; TeNPy's ``XXZChain`` names).

    Attributes
    ----------
    n_sites : int
        L >= 2.
    j_xx, j_z, h_z : float
        TeNPy's ``Jxx``, ``Jz``, ``hz`` (couplings of S = σ/2).
    initial : str
        ``"neel"``, ``"domain-wall"`` or one ``u``/``d`` per site.
    """

    n_sites: int = 16
    j_xx: float = 1.0
    j_z: float = 1.0
    h_z: float = 0.0
    initial: str = "neel"

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_sites", require_int("n_sites", self.n_sites, minimum=2))
        for name in ("j_xx", "j_z", "h_z"):
            object.__setattr__(self, name, require_real(name, getattr(self, name)))
        self.spin_labels()  # validates ``initial``

    def spin_labels(self) -> str:
        """The initial state as one ``u``/``d`` per site."""
        if not isinstance(self.initial, str):
            raise TypeError(f"initial must be a string, got {self.initial!r}")
        n = self.n_sites
        if self.initial == "neel":
            return "ud" * (n // 2) + "u" * (n % 2)
        if self.initial == "domain-wall":
            return "u" * ((n + 1) // 2) + "d" * (n // 2)
        if len(self.initial) != n or set(self.initial) - {"u", "d"}:
            raise ValueError(
                f"initial must be 'neel', 'domain-wall' or one 'u'/'d' per site ({n} letters), got {self.initial!r}"
            )
        return self.initial

    def to_dict(self) -> dict[str, Any]:
        """All parameters as a JSON-ready dict, with ``"model": "xxz"``."""
        return {"model": "xxz", **asdict(self)}

    def chain(self) -> ChainModel:
        """The chain model of these parameters (cached)."""
        return self._chain

    @cached_property
    def _chain(self) -> ChainModel:
        site = spin_site(1)
        sites = (site,) * self.n_sites
        labels = self.spin_labels()
        bonds = []
        for i in range(self.n_sites - 1):  # S^α S^α = σ^α σ^α / 4
            bonds += [Bond(i, "Sx", "Sx", self.j_xx / 4), Bond(i, "Sy", "Sy", self.j_xx / 4)]
            bonds.append(Bond(i, "Sz", "Sz", self.j_z / 4))
        field = tuple(OnSite(i, "Sz", -self.h_z / 2) for i in range(self.n_sites) if self.h_z != 0)
        two_sz = labels.count("u") - labels.count("d")
        return ChainModel(
            kind="xxz",
            params=self.to_dict(),
            sites=sites,
            onsite=field,
            bonds=tuple(bonds),
            conserved=("2Sz",),
            sector={"2Sz": two_sz},
            initial=product_state_from_labels(sites, ["↑" if c == "u" else "↓" for c in labels], self.initial),
            observables=Observables(site={"spin_z": ("Sz", tuple(range(self.n_sites)))}),
            cut=default_cut(self.n_sites),
            units=XXZ_UNITS,
        )
