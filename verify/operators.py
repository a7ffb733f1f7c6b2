"""Deprecated path: the local operators of the PRX chain are the sites of :mod:`verify.models` (kept for
one release).

Use :func:`verify.models.fermion_site` (d = 4: ``Cu``, ``Cd``, ``N``, ``F``, ``sx``, ...),
:func:`verify.models.product_site` ``(fermion_site(), spin_site(1))`` for an FM site (d = 8, the
localized spin ``Sx``, ``Sy``, ``Sz``) and :func:`verify.models.bond_matrix` for bond terms (it inserts
the Jordan–Wigner strings). :class:`SiteOperators` here is a view of such a site with the old
attribute names.
"""

import warnings
from dataclasses import dataclass
from functools import cache

import numpy as np

from verify.models import Bond, Site, bond_matrix, product_site, spin_site
from verify.models import fermion_site as _fermion_site

__all__ = [
    "SiteOperators",
    "fermion_occupations",
    "fermion_site",
    "fm_site",
    "hopping_terms",
    "site_operators",
]

warnings.warn(
    "verify.operators is deprecated: use the sites of verify.models (fermion_site, product_site, bond_matrix)",
    DeprecationWarning,
    stacklevel=2,
)


def fermion_occupations() -> np.ndarray:
    """Occupations (n_↑, n_↓) of the four fermion-site basis states, shape (4, 2)."""
    site = _fermion_site()
    return np.stack([np.diagonal(site.op("Nu")).real, np.diagonal(site.op("Nd")).real], axis=1).astype(int)


@dataclass(frozen=True)
class SiteOperators:
    """The old view of one MPS site (fermion site, optionally ⊗ localized spin 1/2)."""

    dim: int
    has_spin: bool
    identity: np.ndarray
    parity: np.ndarray
    c_up: np.ndarray
    c_dn: np.ndarray
    n: np.ndarray
    s: tuple[np.ndarray, np.ndarray, np.ndarray]
    spin: tuple[np.ndarray, np.ndarray, np.ndarray] | None
    charge_n: np.ndarray
    charge_2sz: np.ndarray
    site: Site

    def c(self, spin: int) -> np.ndarray:
        """C_s for s = 0 (↑) or 1 (↓)."""
        if spin not in (0, 1):
            raise ValueError(f"spin index must be 0 (↑) or 1 (↓), got {spin!r}")
        return self.c_up if spin == 0 else self.c_dn


def _view(site: Site) -> SiteOperators:
    has_spin = site.spin_factor is not None
    return SiteOperators(
        dim=site.dim,
        has_spin=has_spin,
        identity=site.op("Id"),
        parity=site.op("F"),
        c_up=site.op("Cu"),
        c_dn=site.op("Cd"),
        n=site.op("N"),
        s=(site.op("sx"), site.op("sy"), site.op("sz")),
        spin=(site.op("Sx"), site.op("Sy"), site.op("Sz")) if has_spin else None,
        charge_n=site.charges["N"],
        charge_2sz=site.charges["2Sz"],
        site=site,
    )


@cache
def fermion_site() -> SiteOperators:
    """Operators of a lead site (d = 4)."""
    return _view(_fermion_site())


@cache
def fm_site() -> SiteOperators:
    """Operators of an FM site (d = 8) = fermion site ⊗ localized spin 1/2, electron factor first."""
    return _view(product_site(_fermion_site(), spin_site(1)))


def site_operators(has_spin: bool) -> SiteOperators:
    """:func:`fm_site` if ``has_spin`` else :func:`fermion_site`."""
    return fm_site() if has_spin else fermion_site()


def hopping_terms(left: SiteOperators, right: SiteOperators) -> np.ndarray:
    """Σ_s (c†_{i,s} c_{i+1,s} + H.c.) on the bond (i, i+1) (:func:`verify.models.bond_matrix`)."""
    terms = (Bond(0, "Cdu", "Cu", 1.0, plus_hc=True), Bond(0, "Cdd", "Cd", 1.0, plus_hc=True))
    return sum(bond_matrix(left.site, right.site, term) for term in terms)
