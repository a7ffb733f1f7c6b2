"""The data of a record schema: conserved laws and their recorded parts, spin bounds, entropy bounds.

:class:`RecordSchema` is what :func:`verify.models.record_schema` (a model) and
:func:`verify.models.declared_record_schema` (a record's declaration) return and :mod:`verify.checks`
reads: the record keys and their shapes, one :class:`ConservedLaw` per declared charge (its recorded
total, the :class:`LawPart` arrays that add up to it, the operator norm, the eigenvalue), the
:class:`SpinBound` of recorded spin expectation values, the site dimensions and the keys NaN by design.
The entropy bounds follow from the site dimensions alone, in one place: :func:`cut_log_dims` (the
``entropy_cut`` bipartition, PRX Eq. 12) and :func:`bond_log_bounds` (every bond).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import numpy as np

from verify.models.observables import MPS_RECORD_KEYS

__all__ = [
    "APPROXIMATE_RECORD_KEYS",
    "ConservedLaw",
    "LawPart",
    "RecordSchema",
    "SpinBound",
    "bond_log_bounds",
    "cut_log_dims",
]

APPROXIMATE_RECORD_KEYS: tuple[str, ...] = MPS_RECORD_KEYS
"""Keys an MPS (TEBD) record adds to a chain model's keys (one list: :data:`verify.models.MPS_RECORD_KEYS`)."""


@dataclass(frozen=True)
class LawPart:
    """One recorded array that contributes to a conserved total.

    Attributes
    ----------
    key : str
        Record key; every non-time axis is summed (sites).
    component : int or None
        Index of the last axis to take first (``2`` = the z component of a vector), if any.
    scale : float
        The recorded value of one unit of charge: the part contributes ``value / scale`` (pair model:
        ``S_z`` is in the model's S normalization, ½ per ↑ spin for ``"half"``, so scale 0.5).
    per_site : bool
        Whether the array has a site axis (it then reads ``sum_i key`` in a report).
    """

    key: str
    component: int | None = None
    scale: float = 1.0
    per_site: bool = False

    @property
    def text(self) -> str:
        """How the part reads in a report: ``electron_spin_z``, ``S_z/0.5``, ``sum_i spin_z``."""
        name = self.key + ("_" + "xyz"[self.component] if self.component is not None else "")
        if self.per_site:
            name = f"sum_i {name}"
        return f"{name}/{self.scale:g}" if self.scale != 1.0 else name

    def values(self, arrays: Mapping[str, np.ndarray]) -> np.ndarray:
        """The contribution at every time, shape (n_t,)."""
        array = np.asarray(arrays[self.key], dtype=float)
        if self.component is not None:
            array = array[..., self.component]
        return array.reshape(array.shape[0], -1).sum(axis=1) / self.scale


@dataclass(frozen=True)
class ConservedLaw:
    """A conserved charge of the model as its records show it (module docstring).

    Attributes
    ----------
    charge : str
        A declared charge: ``"N"``, ``"2Sz"`` (2S^z in Pauli units) or any other integer charge of the
        sites (e.g. ``"Nu"``).
    key : str
        Record key of the recorded total (``n_electrons``, ``total_spin_z``, ``sz_total``, ``total_<charge>``).
    parts : tuple of LawPart
        Recorded arrays whose sum is the total (may be empty).
    norm : float
        ‖Σ_i Q_i‖ for the truncation-aware tolerance (from the sites' charges; Σ_i (d_i − 1) when only
        the site dimensions are known, :func:`declared_record_schema`).
    eigenstate : bool
        Whether the initial state is an eigenstate of the total.
    value : int or None
        Its eigenvalue when known (the model's sector), else None.
    spin_convention : bool
        Whether parts are recorded in the spin convention the record names (the pair model's ``S_z``
        in its S normalization, converted by :attr:`LawPart.scale`); a report then names the convention.
    """

    charge: str
    key: str
    parts: tuple[LawPart, ...]
    norm: float
    eigenstate: bool
    value: int | None = None
    spin_convention: bool = False

    @property
    def parts_text(self) -> str:
        """``"spin_z_total + electron_spin_z"`` (:attr:`LawPart.text` of every part)."""
        return " + ".join(part.text for part in self.parts)

    def recorded(self, keys: Collection[str]) -> bool:
        """Whether a record with ``keys`` shows this law: its total, or every one of its parts."""
        return self.key in keys or (bool(self.parts) and all(part.key in keys for part in self.parts))

    @property
    def requirement(self) -> str:
        """What a record needs to show the law: ``"'total_spin_z' or 'spin_z'"``."""
        options = [f"'{self.key}'"]
        if self.parts:
            options.append(" + ".join(f"'{part.key}'" for part in self.parts))
        return " or ".join(options)


@dataclass(frozen=True)
class SpinBound:
    """A bound on recorded spin expectation values (the Bloch-vector length in Pauli units).

    Attributes
    ----------
    key : str
        Record key, time first, then one axis per spin (and the vector axis for ``"vector"``).
    maximum : float
        The bound: 2S for ⟨2S⟩, 1 for a purity or ⟨σ^z⟩.
    kind : {"vector", "component", "length"}
        ``"vector"``: Euclidean norm of the last axis ≤ maximum; ``"component"``: |value| ≤ maximum;
        ``"length"``: 0 ≤ value ≤ maximum (a purity).
    """

    key: str
    maximum: float
    kind: Literal["vector", "component", "length"]

    def excess(self, array: np.ndarray) -> np.ndarray:
        """Signed excess over the bound per time and spin (negative inside; NaN propagates)."""
        if self.kind == "vector":
            return np.linalg.norm(array, axis=-1) - self.maximum
        if self.kind == "component":
            return np.abs(array) - self.maximum
        return np.maximum(array - self.maximum, -array)


def cut_log_dims(dims: Sequence[int], cut: int) -> tuple[float, float]:
    """(ln d_left, ln d_right) of sites 1..cut and cut+1..N with local dimensions ``dims``: the entropy
    of sites 1..cut obeys 0 ≤ S ≤ ln min(d_left, d_right) (PRX Eq. 12)."""
    logs = np.log(np.asarray(dims, dtype=float))
    return float(logs[:cut].sum()), float(logs[cut:].sum())


def bond_log_bounds(dims: Sequence[int]) -> np.ndarray:
    """ln min(d_left, d_right) at every bond b = 1..N−1 of a chain with local dimensions ``dims``
    (:func:`cut_log_dims` at every cut; the ``bond_entropy`` columns), shape (N − 1,)."""
    logs = np.log(np.asarray(dims, dtype=float))
    left = np.cumsum(logs)[:-1]
    return np.minimum(left, logs.sum() - left)


@dataclass(frozen=True)
class RecordSchema:
    """What the records of one model hold and obey (module docstring).

    Attributes
    ----------
    kind : str
        ``"prx"``, ``"xxz"``, ``"pair"`` or a chain model's kind.
    keys : tuple of str
        The keys every record of the model holds, ``"t"`` first.
    shapes : mapping of str to tuple of int
        Shape of one time slice of each key (``()`` for a scalar series); a record's array has shape
        ``(n_t, *shape)``. Includes the keys of :data:`APPROXIMATE_RECORD_KEYS` for chain models.
    laws : tuple of ConservedLaw
    site_dims : tuple of int
        Local dimensions d_i (empty for the pair model).
    cut : int or None
        Last site (1-based) of the ``entropy_cut`` subsystem; None without one.
    spin_bounds : tuple of SpinBound
    mutual_info_dims : (int, int) or None
        Dimensions of the two subsystems of ``mutual_info_edges`` (PRX: the edge spins).
    nan_keys : mapping of str to str
        Keys recorded as NaN by design, with the reason.
    n_electrons : int or None
        Number of electrons (s̃_e = s_e / N_e), None for a model without them.
    units : mapping of str to str
    absent_laws : mapping of str to str
        The charges the checks know by name (``"N"``, ``"2Sz"``) that the model does not conserve, with
        the reason a report gives.
    """

    kind: str
    keys: tuple[str, ...]
    shapes: Mapping[str, tuple[int, ...]]
    laws: tuple[ConservedLaw, ...]
    site_dims: tuple[int, ...] = ()
    cut: int | None = None
    spin_bounds: tuple[SpinBound, ...] = ()
    mutual_info_dims: tuple[int, int] | None = None
    nan_keys: Mapping[str, str] = field(default_factory=dict)
    n_electrons: int | None = None
    units: Mapping[str, str] = field(default_factory=dict)
    absent_laws: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("shapes", "nan_keys", "units", "absent_laws"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def law(self, charge: str) -> ConservedLaw | None:
        """The law of ``charge`` (``"N"``, ``"2Sz"``), or None when the model does not conserve it."""
        return next((law for law in self.laws if law.charge == charge), None)

    def missing_required(self, keys: Collection[str]) -> dict[str, str]:
        """Charge → what is missing, for every conserved law a record with ``keys`` does not show.

        A record of a model must show each of the model's conserved charges — its recorded total or
        all the recorded parts that add up to it (:meth:`ConservedLaw.recorded`): these are the arrays
        the model *requires*, and :func:`verify.checks.check_run` fails a record without them instead
        of skipping the law.

        Examples
        --------
        >>> from verify.models import XXZChain, record_schema
        >>> record_schema(XXZChain(n_sites=4)).missing_required({"t", "norm"})
        {'2Sz': "no 'total_spin_z' or 'spin_z' array"}
        """
        return {law.charge: f"no {law.requirement} array" for law in self.laws if not law.recorded(keys)}

    @property
    def entropy_log_dims(self) -> tuple[float, float] | None:
        """(ln d_left, ln d_right) at :attr:`cut`: the bound 0 ≤ S_cut ≤ ln min(d_left, d_right)."""
        if self.cut is None or not self.site_dims:
            return None
        return cut_log_dims(self.site_dims, self.cut)

    def bond_log_bounds(self) -> np.ndarray:
        """ln min(d_left, d_right) at every bond b = 1..N−1 (``bond_entropy`` columns), shape (N − 1,):
        :func:`bond_log_bounds` of :attr:`site_dims`."""
        return bond_log_bounds(self.site_dims)
