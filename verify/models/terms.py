"""Hamiltonian terms of a chain written with the sites' operator names, and their matrices.

* :class:`OnSite` — ``strength · O_i`` with O an operator expression of site i (``"N"``, ``"sx Sx"``);
* :class:`Bond` — ``strength · A_i B_{i+1}`` on the nearest-neighbour bond (i, i+1), optionally plus
  its Hermitian conjugate.

Jordan–Wigner strings
---------------------
With the modes ordered site by site (:mod:`states.conventions`), a fermion operator of site j carries
the string F_1 ⋯ F_{j−1} of the sites before it. For A_i B_{i+1} with both factors fermion-odd the
strings of sites 1..i−1 cancel and the one of site i remains between them:

    A_i B_{i+1} = (A F)_i ⊗ B_{i+1},

e.g. c†_{i,s} c_{i+1,s} = (C†_s F)_i ⊗ (C_s)_{i+1}. :func:`bond_matrix` applies this rule whenever
:meth:`verify.models.sites.Site.parity_of` says both operators are odd, and refuses a bond with one
odd and one even factor (it would not conserve fermion parity). Nothing else writes a string.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from states.validation import require_bool, require_int
from verify.models.sites import Site

__all__ = ["Bond", "OnSite", "bond_matrix", "onsite_matrix"]


def _strength(value: object) -> complex:
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        raise TypeError(f"a term strength must be a number, got {value!r}")
    number = complex(value)  # type: ignore[arg-type]
    if not (np.isfinite(number.real) and np.isfinite(number.imag)):
        raise ValueError(f"a term strength must be finite, got {value!r}")
    return number


@dataclass(frozen=True)
class OnSite:
    """``strength · op`` on ``site`` (0-based).

    Attributes
    ----------
    site : int
    op : str
        Operator expression of that site.
    strength : complex
    """

    site: int
    op: str
    strength: complex = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "site", require_int("site", self.site, minimum=0))
        object.__setattr__(self, "strength", _strength(self.strength))
        if not isinstance(self.op, str):
            raise TypeError(f"op must be an operator expression (str), got {self.op!r}")


@dataclass(frozen=True)
class Bond:
    """``strength · left_i right_{i+1}`` on the bond (``site``, ``site`` + 1), plus H.c. if ``plus_hc``.

    Attributes
    ----------
    site : int
        Left site i (0-based).
    left, right : str
        Operator expressions of sites i and i + 1.
    strength : complex
    plus_hc : bool
        Add the Hermitian conjugate of the (string-carrying) two-site matrix.
    """

    site: int
    left: str
    right: str
    strength: complex = 1.0
    plus_hc: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "site", require_int("site", self.site, minimum=0))
        object.__setattr__(self, "strength", _strength(self.strength))
        object.__setattr__(self, "plus_hc", require_bool("plus_hc", self.plus_hc))
        for name in ("left", "right"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be an operator expression (str), got {getattr(self, name)!r}")


def onsite_matrix(site: Site, terms: Sequence[OnSite]) -> np.ndarray:
    """Σ strength · op over ``terms`` (all on this site), a d × d matrix."""
    out = np.zeros((site.dim, site.dim), dtype=complex)
    for term in terms:
        out += term.strength * site.op(term.op)
    return out


def bond_matrix(left: Site, right: Site, term: Bond) -> np.ndarray:
    """The (d_i d_{i+1}) × (d_i d_{i+1}) matrix of one bond term, ``np.kron`` order, strings included.

    Raises
    ------
    ValueError
        When exactly one of the two operators is fermion-odd.
    """
    a, b = left.op(term.left), right.op(term.right)
    parities = (left.parity_of(term.left), right.parity_of(term.right))
    if parities == (-1, -1):
        a = a @ left.operators["F"]  # the Jordan–Wigner string of site i (module docstring)
    elif -1 in parities:
        raise ValueError(
            f"bond term {term.left!r} ⊗ {term.right!r} on sites {term.site}, {term.site + 1} pairs a fermion-odd "
            "with a fermion-even operator: it does not conserve fermion parity"
        )
    matrix = term.strength * np.kron(a, b)
    if term.plus_hc:
        matrix = matrix + matrix.conj().T
    return matrix
