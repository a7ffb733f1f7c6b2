"""Local Hilbert spaces of a chain: named operators, integer charges, tensor factors.

A :class:`Site` is data: its basis labels, its named operators (d × d matrices, read-only), its
integer charges per basis state and, for a fermion site, the names of its mode annihilators. Three
kinds cover the models of the package (the bases and signs are those of :mod:`states.conventions`):

* :func:`fermion_site` — a spinful fermion site, d = 4, basis (|0⟩, |↑⟩ = c†_↑|0⟩, |↓⟩ = c†_↓|0⟩,
  |↑↓⟩ = c†_↑ c†_↓|0⟩). Operators ``Cu``, ``Cd`` (on-site annihilators, the on-site Jordan–Wigner sign
  of the ↓ mode included), ``Cdu``, ``Cdd`` (creators), ``N``, ``Nu``, ``Nd``, ``F`` = (−1)^N (the
  Jordan–Wigner string of the whole site) and the electron spin ``sx``, ``sy``, ``sz``, ``sp``, ``sm``
  in Pauli units (s^α = Σ_σσ' c†_σ σ^α_σσ' c_σ', PRX Sec. II). Charges ``N`` and ``2Sz``.
* :func:`spin_site` — a localized spin S (d = 2S + 1, basis m = S, …, −S). Operators ``Sx``, ``Sy``,
  ``Sz``, ``Sp``, ``Sm`` in Pauli units: 2S^α, i.e. σ^α for S = 1/2. Charge ``2Sz`` = 2m.
* :func:`product_site` — the tensor product of two sites (first factor most significant, ``np.kron``
  order): the PRX FM site = fermion site ⊗ localized spin. Operator names of the two factors must
  differ (electron spin is lower case ``s``, localized spin upper case ``S``, as the PRX writes them);
  ``F`` is the fermion factor's parity (the spin is a bosonic factor and carries no string).

Every site has ``Id``. An operator *expression* is a product of names separated by spaces, applied
right to left like matrices: ``"Cdu F"`` = C†_↑ · F, ``"sx Sx"`` = s^x S^x.

Jordan–Wigner strings are never written by hand: :meth:`Site.parity_of` tells from ``F`` whether an
operator is fermion-odd (F O F = −O, e.g. ``Cu``) or even, and :mod:`verify.models.terms` inserts the
string of a bond term from that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType

import numpy as np

from states.conventions import (
    FERMION_SITE_CHARGE_2SZ,
    FERMION_SITE_CHARGE_N,
    FERMION_SITE_LABELS,
    spin_operators,
    spin_s_charges,
    spin_s_operators,
)
from states.validation import require_int

__all__ = ["Site", "fermion_site", "frozen_array", "product_site", "spin_site"]

_PARITY_ATOL = 1e-12
"""F O F = ±O is tested to this absolute tolerance (operators are built from 0, ±1 and square roots)."""


def frozen_array(array: object, dtype: type = complex) -> np.ndarray:
    """A read-only copy of ``array`` (model data is immutable once built)."""
    out = np.array(array, dtype=dtype)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class Site:
    """One local Hilbert space of a chain.

    Attributes
    ----------
    name : str
        Kind of site, e.g. ``"fermion"``, ``"spin-1/2"``, ``"fermion+spin-1/2"``.
    labels : tuple of str
        Basis labels, in basis order.
    operators : mapping of str to ndarray
        Named d × d operators (read-only complex arrays), ``Id`` always among them.
    charges : mapping of str to ndarray
        Integer charge of every basis state (``"N"``, ``"2Sz"``), read-only int64 arrays of length d.
    factors : tuple of (str, int)
        Tensor factors (name, dimension), first most significant; the product of dims is d. Reduced
        density matrices can keep a factor of a site (the localized spin of an FM site).
    fermion_modes : tuple of str
        Annihilators of the fermion modes of the site in Jordan–Wigner order (empty: bosonic site).
    spin_factor : int or None
        2S of the localized spin factor (the factor named ``"spin"``), if the site has one.
    """

    name: str
    labels: tuple[str, ...]
    operators: Mapping[str, np.ndarray]
    charges: Mapping[str, np.ndarray]
    factors: tuple[tuple[str, int], ...]
    fermion_modes: tuple[str, ...] = ()
    spin_factor: int | None = None
    _parity_cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        d = len(self.labels)
        ops = {key: frozen_array(value, complex) for key, value in self.operators.items()}
        for key, value in ops.items():
            if value.shape != (d, d):
                raise ValueError(f"site {self.name!r}: operator {key!r} has shape {value.shape}, expected {(d, d)}")
        ops.setdefault("Id", frozen_array(np.eye(d), complex))
        charges = {key: frozen_array(value, np.int64) for key, value in self.charges.items()}
        for key, value in charges.items():
            if value.shape != (d,):
                raise ValueError(f"site {self.name!r}: charge {key!r} has shape {value.shape}, expected ({d},)")
        if int(np.prod([dim for _, dim in self.factors])) != d:
            raise ValueError(f"site {self.name!r}: factor dimensions {self.factors} do not multiply to {d}")
        if self.fermion_modes and "F" not in ops:
            raise ValueError(f"site {self.name!r} has fermion modes but no parity operator 'F'")
        object.__setattr__(self, "operators", MappingProxyType(ops))
        object.__setattr__(self, "charges", MappingProxyType(charges))

    @property
    def dim(self) -> int:
        """Local dimension d."""
        return len(self.labels)

    @property
    def fermionic(self) -> bool:
        """True when the site carries fermion modes (its operators may need a Jordan–Wigner string)."""
        return bool(self.fermion_modes)

    def op(self, expression: str) -> np.ndarray:
        """The matrix of an operator expression: names separated by spaces, multiplied left to right.

        Raises
        ------
        TypeError
            Unless ``expression`` is a string.
        ValueError
            For an empty expression or a name the site does not have (the message lists them).
        """
        if not isinstance(expression, str):
            raise TypeError(f"an operator expression must be a string, got {expression!r}")
        names = expression.split()
        if not names:
            raise ValueError("empty operator expression")
        out = None
        for name in names:
            matrix = self.operators.get(name)
            if matrix is None:
                raise ValueError(
                    f"site {self.name!r} has no operator {name!r}; it has {', '.join(sorted(self.operators))}"
                )
            out = matrix if out is None else out @ matrix
        return out  # type: ignore[return-value]

    def parity_of(self, expression: str) -> int:
        """+1 for a fermion-even operator (F O F = O), −1 for an odd one (F O F = −O).

        Bosonic sites have only even operators. A sum of even and odd parts raises ``ValueError``: it
        changes the particle number by both an even and an odd amount, which no Hamiltonian term does.
        """
        if expression not in self._parity_cache:
            if not self.fermionic:
                self._parity_cache[expression] = 1
            else:
                matrix, parity = self.op(expression), self.operators["F"]
                conjugated = parity @ matrix @ parity
                if np.allclose(conjugated, matrix, atol=_PARITY_ATOL):
                    self._parity_cache[expression] = 1
                elif np.allclose(conjugated, -matrix, atol=_PARITY_ATOL):
                    self._parity_cache[expression] = -1
                else:
                    raise ValueError(f"operator {expression!r} on site {self.name!r} has no definite fermion parity")
        return self._parity_cache[expression]

    def index(self, label: str) -> int:
        """Position of a basis label (``"↓"``, ``"0"``…)."""
        try:
            return self.labels.index(label)
        except ValueError:
            raise ValueError(f"site {self.name!r} has no basis state {label!r}; labels: {self.labels}") from None

    def factor_dims(self) -> tuple[int, ...]:
        """Dimensions of the tensor factors."""
        return tuple(dim for _, dim in self.factors)

    def factor_position(self, factor: str) -> int:
        """Index of a named tensor factor."""
        names = [name for name, _ in self.factors]
        if factor not in names:
            raise ValueError(f"site {self.name!r} has no factor {factor!r}; factors: {names}")
        return names.index(factor)

    def basis_charges(self, names: tuple[str, ...]) -> np.ndarray:
        """Charges of every basis state, shape (d, len(names)); a charge the site lacks counts as 0."""
        columns = [self.charges.get(name, np.zeros(self.dim, dtype=np.int64)) for name in names]
        return np.stack(columns, axis=1) if columns else np.zeros((self.dim, 0), dtype=np.int64)


def _on_site_annihilators(n_up: np.ndarray, n_dn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(C_↑, C_↓) with the sign of the on-site mode order (↑ before ↓): removing mode m from
    (c†_↑)^{n_↑} (c†_↓)^{n_↓}|0⟩ costs (−1)^{occupied modes before m}."""
    occupation = np.stack([n_up, n_dn], axis=1).tolist()
    index = {tuple(row): k for k, row in enumerate(occupation)}
    ops = []
    for mode in range(2):
        op = np.zeros((len(occupation), len(occupation)), dtype=complex)
        for k, row in enumerate(occupation):  # 4 basis states: a loop over the local basis only
            if row[mode] == 1:
                target = list(row)
                target[mode] = 0
                op[index[tuple(target)], k] = (-1) ** sum(row[:mode])
        ops.append(op)
    return ops[0], ops[1]


@cache
def fermion_site() -> Site:
    """A spinful fermion site (d = 4) with the operators of the module docstring."""
    n_up = (FERMION_SITE_CHARGE_N + FERMION_SITE_CHARGE_2SZ) // 2
    n_dn = (FERMION_SITE_CHARGE_N - FERMION_SITE_CHARGE_2SZ) // 2
    c_up, c_dn = _on_site_annihilators(n_up, n_dn)
    c = (c_up, c_dn)
    spin = tuple(
        sum(c[a].conj().T @ c[b] * sigma[a, b] for a in range(2) for b in range(2)) for sigma in spin_operators("pauli")
    )
    ops = {
        "Cu": c_up, "Cd": c_dn, "Cdu": c_up.conj().T, "Cdd": c_dn.conj().T,
        "Nu": np.diag(n_up), "Nd": np.diag(n_dn), "N": np.diag(n_up + n_dn),
        "F": np.diag((-1.0) ** (n_up + n_dn)),
        "sx": spin[0], "sy": spin[1], "sz": spin[2], "sp": spin[0] + 1j * spin[1], "sm": spin[0] - 1j * spin[1],
    }
    return Site(
        name="fermion",
        labels=FERMION_SITE_LABELS,
        operators=ops,
        charges={"N": FERMION_SITE_CHARGE_N, "2Sz": FERMION_SITE_CHARGE_2SZ},
        factors=(("electron", 4),),
        fermion_modes=("Cu", "Cd"),
    )


def _spin_name(two_s: int) -> str:
    return f"spin-{two_s}/2" if two_s % 2 else f"spin-{two_s // 2}"


def _spin_label(two_m: int, two_s: int) -> str:
    if two_s == 1:
        return "↑" if two_m > 0 else "↓"
    return f"{two_m}/2" if two_m % 2 else str(two_m // 2)


@cache
def spin_site(two_s: int = 1) -> Site:
    """A localized spin S = ``two_s``/2 (d = 2S + 1) with Pauli-unit operators 2S^α (σ^α for S = 1/2).

    Labels: ``"↑"``, ``"↓"`` for S = 1/2; the value of m otherwise (``"1"``, ``"0"``, ``"-1"`` for S = 1;
    ``"3/2"``, ``"1/2"``, … for S = 3/2).
    """
    two_s = require_int("two_s", two_s, minimum=1)
    x, y, z = spin_s_operators(two_s, "pauli")
    two_m = spin_s_charges(two_s)
    return Site(
        name=_spin_name(two_s),
        labels=tuple(_spin_label(int(m), two_s) for m in two_m),
        operators={"Sx": x, "Sy": y, "Sz": z, "Sp": x + 1j * y, "Sm": x - 1j * y},
        charges={"2Sz": two_m},
        factors=(("spin", two_s + 1),),
        spin_factor=two_s,
    )


@cache
def product_site(first: Site, second: Site) -> Site:
    """The tensor product ``first ⊗ second`` (first factor most significant).

    Operators of each factor are extended by the identity of the other; charges add. Only the first
    factor may be fermionic (its parity ``F`` becomes the parity of the whole site).

    Raises
    ------
    ValueError
        When operator or factor names collide, or the second factor is fermionic.
    """
    if second.fermionic:
        raise ValueError("only the first factor of a product site may carry fermion modes")
    clash = (set(first.operators) & set(second.operators)) - {"Id"}
    if clash:
        raise ValueError(f"operator names {sorted(clash)} appear in both factors")
    names = [name for name, _ in first.factors + second.factors]
    if len(set(names)) != len(names):
        raise ValueError(f"factor names {names} are not distinct")
    id1, id2 = np.eye(first.dim), np.eye(second.dim)
    ops = {key: np.kron(value, id2) for key, value in first.operators.items() if key != "Id"}
    ops.update({key: np.kron(id1, value) for key, value in second.operators.items() if key != "Id"})
    charges = {}
    for key in set(first.charges) | set(second.charges):
        a = first.charges.get(key, np.zeros(first.dim, dtype=np.int64))
        b = second.charges.get(key, np.zeros(second.dim, dtype=np.int64))
        charges[key] = np.add.outer(a, b).ravel()
    return Site(
        name=f"{first.name}+{second.name}",
        labels=tuple(f"{a},{b}" for a in first.labels for b in second.labels),
        operators=ops,
        charges=charges,
        factors=first.factors + second.factors,
        fermion_modes=first.fermion_modes,
        spin_factor=second.spin_factor if second.spin_factor is not None else first.spin_factor,
    )
