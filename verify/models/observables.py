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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from states.validation import require_int

if TYPE_CHECKING:
    from verify.models.chain import ChainModel
    from verify.models.sites import Site

__all__ = [
    "CHARGE_RECORD_KEYS",
    "MPS_RECORD_KEYS",
    "RESERVED_RECORD_KEYS",
    "Measurement",
    "Observables",
    "check_observables",
    "default_cut",
    "default_frame",
    "validate_cut",
]

CHARGE_RECORD_KEYS: Mapping[str, str] = MappingProxyType({"N": "n_electrons", "2Sz": "total_spin_z"})
"""Record key of the total of each conserved charge (2S^z in Pauli units, i.e. the integer charge)."""


MPS_RECORD_KEYS: tuple[str, ...] = (
    "max_bond_dimension",
    "truncation_error",
    "bond_entropy",
    "truncation_limited_steps",
)
"""Keys an MPS (TEBD) run adds to a chain model's record (``docs/run_records.md``)."""

RESERVED_RECORD_KEYS: frozenset[str] = frozenset(
    {"t", "norm", "energy", "entropy_cut", *CHARGE_RECORD_KEYS.values(), *MPS_RECORD_KEYS}
)
"""Record keys every chain-model run writes itself; no observable may take one of these names."""


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
        The record keys a custom ``frame`` produces, without ``t`` (required with a frame; without one
        the keys follow from the observables, :attr:`verify.models.ChainModel.record_keys`).
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


def _check_sites(key: str, sites: Any, n_sites: int) -> tuple[int, ...]:
    if not isinstance(sites, (tuple, list, range)) or not sites:
        raise TypeError(f"observable {key!r}: sites must be a non-empty sequence of site indices, got {sites!r}")
    out = tuple(require_int(f"observable {key!r} site", k, minimum=0, maximum=n_sites - 1) for k in sites)
    if len(set(out)) != len(out):
        raise ValueError(f"observable {key!r}: repeated sites {list(out)}")
    return out


def _check_rdm(key: str, spec: Any, sites: Sequence[Site]) -> None:
    if not isinstance(spec, (tuple, list)) or not spec:
        raise TypeError(f"rdm {key!r}: expected a non-empty sequence of (site, factor) pairs, got {spec!r}")
    indices = _check_sites(key, [item[0] for item in spec], len(sites))
    if list(indices) != sorted(indices):
        raise ValueError(f"rdm {key!r}: sites must be ascending, got {list(indices)}")
    fermionic = []
    for k, (_, factor) in zip(indices, spec, strict=True):
        position = sites[k].factor_position(factor)  # ValueError for an unknown factor
        fermionic.append(sites[k].fermionic and position == 0)
    # Jordan–Wigner: the RDM of fermion modes on sites with others between them is not the fermionic one
    if any(fermionic) and indices[-1] - indices[0] + 1 != len(indices):
        raise ValueError(f"rdm {key!r}: fermion factors of non-adjacent sites {list(indices)} have no local RDM here")


def check_observables(observables: Observables, sites: Sequence[Site], conserved: Sequence[str]) -> None:
    """Validate a model's observables against its sites (called by :class:`~verify.models.ChainModel`).

    Raises
    ------
    TypeError
        For malformed entries.
    ValueError
        For sites out of range, operators or factors a site lacks, fermion factors of non-adjacent
        sites in one RDM, or a key that a run writes itself (:data:`RESERVED_RECORD_KEYS`).
    """
    if not isinstance(observables, Observables):
        raise TypeError(f"observables must be an Observables, got {type(observables).__name__}")
    if observables.frame is not None and not observables.keys:
        raise ValueError("observables with a custom frame must declare the record keys it writes (keys=...)")
    if observables.frame is None and observables.keys:
        raise ValueError("keys are derived from the observables when there is no custom frame; do not pass them")
    reserved = RESERVED_RECORD_KEYS | {f"total_{name}" for name in conserved}
    for kind in ("site", "total"):
        for key, (op, indices) in getattr(observables, kind).items():
            if key in reserved:
                raise ValueError(f"observable key {key!r} is written by every run; choose another name")
            for k in _check_sites(key, indices, len(sites)):
                sites[k].op(op)  # ValueError naming the operator and the site's operators
    for key, spec in observables.rdms.items():
        _check_rdm(key, spec, sites)


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
