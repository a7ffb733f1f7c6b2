"""What a model asks its evolvers to measure, and the generic measurement they hand back.

Both evolvers (exact sector vectors and MPS) measure the same generic quantities of a state, declared
by the model in an :class:`Observables`:

* ``site`` — per-site expectation values ⟨O_i⟩ of a named operator on listed sites (e.g. the
  density ``N`` on every site);
* ``total`` — sums Σ_i ⟨O_i⟩ over listed sites (e.g. the electron spin s^x_e = Σ_i ⟨s^x_i⟩);
* ``rdms`` — reduced density matrices of a few tensor factors of a few sites (e.g. the localized
  spin of the first and last FM site, electrons traced out);
* the von Neumann entropy of sites 1..``cut``, the energy ⟨H⟩ and the norm;
* the totals of the model's conserved charges (``N``, ``2Sz``), always.

The result is a :class:`Measurement`. The model's ``frame`` function turns it into one row of its
run record (e.g. PRX Eqs. 9–14 from the RDMs, :mod:`verify.models.prx_frame`); without one,
:func:`default_frame` records the raw quantities. The record keys of the conserved charges are
:data:`CHARGE_RECORD_KEYS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from states.validation import require_int

if TYPE_CHECKING:
    from verify.models.chain import ChainModel

__all__ = ["CHARGE_RECORD_KEYS", "Measurement", "Observables", "default_cut", "default_frame", "validate_cut"]

CHARGE_RECORD_KEYS: Mapping[str, str] = MappingProxyType({"N": "n_electrons", "2Sz": "total_spin_z"})
"""Record key of the total of each conserved charge (2S^z in Pauli units, i.e. the integer charge)."""


def default_cut(n_sites: int) -> int:
    """(N + 1)//2: the PRX Eq. 12 subsystem, sites 1..38 of 75; the middle of any chain."""
    return (require_int("n_sites", n_sites, minimum=2) + 1) // 2


def validate_cut(cut: int | None, n_sites: int) -> int:
    """The entropy cut (last site of the left subsystem, 1-based), defaulting to :func:`default_cut`.

    Raises
    ------
    TypeError
        For a cut that is not an integer.
    ValueError
        Unless 1 <= cut <= n_sites − 1.
    """
    if cut is None:
        return default_cut(n_sites)
    if isinstance(cut, bool) or not isinstance(cut, (int, np.integer)):
        raise TypeError(f"cut must be an integer site 1..{n_sites - 1} (entropy of sites 1..cut), got {cut!r}")
    if not 1 <= cut <= n_sites - 1:
        raise ValueError(f"cut must be a site 1..{n_sites - 1} (entropy of sites 1..cut), got {cut!r}")
    return int(cut)


def _frozen_map(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Observables:
    """The quantities a model's runs record (module docstring).

    Attributes
    ----------
    site : mapping of str to (str, tuple of int)
        Record key → (operator expression, 0-based sites): per-site ⟨O_i⟩.
    total : mapping of str to (str, tuple of int)
        Key → (operator expression, sites): Σ_i ⟨O_i⟩.
    rdms : mapping of str to tuple of (int, str)
        Key → ((site, factor name), ...) in ascending site order: reduced density matrices of those
        factors, the rest traced out (not recorded; for ``frame``).
    frame : callable, optional
        ``frame(model, measurement) -> dict`` — one row of the record; :func:`default_frame` if None.
    keys : tuple of str
        The record keys ``frame`` produces (for schemas and checks), without ``t``.
    """

    site: Mapping[str, tuple[str, tuple[int, ...]]] = field(default_factory=dict)
    total: Mapping[str, tuple[str, tuple[int, ...]]] = field(default_factory=dict)
    rdms: Mapping[str, tuple[tuple[int, str], ...]] = field(default_factory=dict)
    frame: Callable[[ChainModel, Measurement], dict[str, Any]] | None = None
    keys: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("site", "total", "rdms"):
            object.__setattr__(self, name, _frozen_map(getattr(self, name)))


@dataclass
class Measurement:
    """The generic measurement of one normalized state (expectation values are of ψ/‖ψ‖).

    Attributes
    ----------
    t : float
        Time of the state.
    norm : float
        ‖ψ‖.
    energy : float
        ⟨H⟩ of the t ≥ 0 Hamiltonian.
    entropy_cut : float
        Von Neumann entropy (nats) of sites 1..cut.
    site : dict of str to ndarray
        Per-site expectation values, as requested by :attr:`Observables.site` (real parts).
    total : dict of str to float
        Sums over sites, as requested by :attr:`Observables.total` (real parts).
    rdms : dict of str to ndarray
        Reduced density matrices, as requested by :attr:`Observables.rdms`, trace 1.
    charges : dict of str to float
        ⟨Σ_i Q_i⟩ of every conserved charge of the model.
    bond_entropy : ndarray or None
        Entropy at every bond (MPS evolvers; None for the exact one).
    """

    t: float
    norm: float
    energy: float
    entropy_cut: float
    site: dict[str, np.ndarray] = field(default_factory=dict)
    total: dict[str, float] = field(default_factory=dict)
    rdms: dict[str, np.ndarray] = field(default_factory=dict)
    charges: dict[str, float] = field(default_factory=dict)
    bond_entropy: np.ndarray | None = None


def default_frame(model: ChainModel, measurement: Measurement) -> dict[str, Any]:
    """One record row of the raw quantities: t, norm, energy, entropy_cut, every site and total
    observable under its key, and the charge totals under :data:`CHARGE_RECORD_KEYS`."""
    row: dict[str, Any] = {
        "t": float(measurement.t),
        "norm": float(measurement.norm),
        "energy": float(measurement.energy),
        "entropy_cut": float(measurement.entropy_cut),
    }
    row.update({key: np.asarray(value, dtype=float) for key, value in measurement.site.items()})
    row.update({key: float(value) for key, value in measurement.total.items()})
    for charge, value in measurement.charges.items():
        row[CHARGE_RECORD_KEYS.get(charge, f"total_{charge}")] = float(value)
    return row
