"""What a model's run records hold and obey: array shapes, conserved laws, bounds, NaN by design.

:func:`record_schema` reads a model (a :class:`~verify.models.chain.ChainModel`, the parameters of
one — :class:`~verify.models.prx.PRXChain`, :class:`~verify.models.xxz.XXZChain` — or a
:class:`~verify.models.pair.PairOnRing`) and returns a :class:`RecordSchema`: the record keys and the
shape of one time slice of each, the conserved laws (:class:`ConservedLaw`), the site dimensions from
which the entropy bounds follow, the bounds on spin lengths (:class:`SpinBound`), the dimensions of
the mutual-information subsystems and the keys that are NaN by design. :mod:`verify.checks` reads it;
nothing here looks at a record.

Conserved laws of a chain model are its declared charges (``ChainModel.conserved``): the total is
recorded under :data:`~verify.models.observables.CHARGE_RECORD_KEYS` (``n_electrons`` for ``N``,
``total_spin_z`` for ``2Sz``); the *parts* are recorded arrays that add up to it (a site observable
whose operator is the charge on every charged site, e.g. the XXZ ``spin_z``; for the PRX chain
``spin_z_total`` + ``electron_spin[:, 2]`` for 2S^z, PRX Eq. 9). The operator norm ‖Σ_i Q_i‖ that
scales the truncation-aware tolerance is Σ_i max |q_i| (the largest |charge| of each site, summed),
taken on the fixed particle number N_e when the model has one: every state of such a chain lies
there, so for the PRX chain ‖2S^z‖ = N_e + 2S N_FM and ‖N‖ = N_e. The initial state is an
eigenstate of a charge when the charge is in the model's sector, with that value.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from states.conventions import spin_operators
from states.validation import require_choice
from verify.models.chain import ChainModel
from verify.models.observables import CHARGE_RECORD_KEYS, validate_cut
from verify.models.pair import PAIR_STATES, PAIR_UNITS, PairOnRing
from verify.models.registry import as_chain

__all__ = [
    "APPROXIMATE_RECORD_KEYS",
    "ConservedLaw",
    "LawPart",
    "RecordSchema",
    "SpinBound",
    "cut_log_dims",
    "record_schema",
]

APPROXIMATE_RECORD_KEYS: tuple[str, ...] = (
    "max_bond_dimension",
    "truncation_error",
    "bond_entropy",
    "truncation_limited_steps",
)
"""Keys an MPS (TEBD) record adds to a chain model's keys: one number per time, ``bond_entropy`` one
per bond (shape (n_t, N − 1)); ``docs/run_records.md``."""

_OPERATOR_ATOL = 1e-12
"""Site operators are built from 0, ±1 and square roots: a charge operator equals its diagonal to ε."""


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
        ``"N"`` or ``"2Sz"`` (integer charges, 2S^z in Pauli units).
    key : str
        Record key of the recorded total (``n_electrons``, ``total_spin_z``, ``sz_total``).
    parts : tuple of LawPart
        Recorded arrays whose sum is the total (may be empty).
    norm : float
        ‖Σ_i Q_i‖ for the truncation-aware tolerance.
    eigenstate : bool
        Whether the initial state is an eigenstate of the total.
    value : int or None
        Its eigenvalue when known (the model's sector), else None.
    """

    charge: str
    key: str
    parts: tuple[LawPart, ...]
    norm: float
    eigenstate: bool
    value: int | None = None

    @property
    def parts_text(self) -> str:
        """``"spin_z_total + electron_spin_z"`` (:attr:`LawPart.text` of every part)."""
        return " + ".join(part.text for part in self.parts)


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
    """(ln d_left, ln d_right) of sites 1..cut and cut+1..N with local dimensions ``dims``."""
    logs = np.log(np.asarray(dims, dtype=float))
    return float(logs[:cut].sum()), float(logs[cut:].sum())


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "shapes", MappingProxyType(dict(self.shapes)))
        object.__setattr__(self, "nan_keys", MappingProxyType(dict(self.nan_keys)))
        object.__setattr__(self, "units", MappingProxyType(dict(self.units)))

    def law(self, charge: str) -> ConservedLaw | None:
        """The law of ``charge`` (``"N"``, ``"2Sz"``), or None when the model does not conserve it."""
        return next((law for law in self.laws if law.charge == charge), None)

    @property
    def entropy_log_dims(self) -> tuple[float, float] | None:
        """(ln d_left, ln d_right) at :attr:`cut`: the bound 0 ≤ S_cut ≤ ln min(d_left, d_right)."""
        if self.cut is None or not self.site_dims:
            return None
        return cut_log_dims(self.site_dims, self.cut)

    def bond_log_bounds(self) -> np.ndarray:
        """ln min(d_left, d_right) at every bond b = 1..N−1 (``bond_entropy`` columns), shape (N − 1,)."""
        logs = np.log(np.asarray(self.site_dims, dtype=float))
        left = np.cumsum(logs)[:-1]
        return np.minimum(left, logs.sum() - left)


def _charge_norm(chain: ChainModel, charge: str) -> float:
    """‖Σ_i Q_i‖ = max |Σ_i q_i| over product states, at the fixed particle number when the model has
    one (module docstring): a dynamic programme over sites on the accumulated particle number."""
    columns = [site.basis_charges((charge, "N")) for site in chain.sites]
    if "N" not in chain.sector:
        return float(sum(np.abs(column[:, 0]).max() for column in columns))
    n_total = chain.sector["N"]
    low = np.full(n_total + 1, np.inf)
    high = np.full(n_total + 1, -np.inf)
    low[0] = high[0] = 0.0
    for column in columns:  # sites × local states; the arrays run over particle numbers
        new_low, new_high = np.full_like(low, np.inf), np.full_like(high, -np.inf)
        for q, n in column:
            if n <= n_total:
                new_low[n:] = np.minimum(new_low[n:], low[: n_total + 1 - n] + q)
                new_high[n:] = np.maximum(new_high[n:], high[: n_total + 1 - n] + q)
        low, high = new_low, new_high
    return float(max(abs(low[n_total]), abs(high[n_total])))


def _charge_parts(chain: ChainModel, charge: str) -> tuple[LawPart, ...]:
    """A site observable whose operator is the charge on every site that carries it, if there is one."""
    charged = {i for i, site in enumerate(chain.sites) if np.any(site.charges.get(charge, 0))}
    for key, (expression, sites) in chain.observables.site.items():
        if set(sites) != charged:
            continue
        if all(
            np.allclose(chain.sites[i].op(expression), np.diag(chain.sites[i].charges[charge]), atol=_OPERATOR_ATOL)
            for i in sites
        ):
            return (LawPart(key, per_site=True),)
    return ()


def _site_spin_bounds(chain: ChainModel) -> tuple[SpinBound, ...]:
    """|⟨O_i⟩| ≤ ‖O_i‖ for the site observables on spin (non-fermion) sites, e.g. the XXZ ``spin_z``."""
    bounds = []
    for key, (expression, sites) in chain.observables.site.items():
        if sites and not any(chain.sites[i].fermionic for i in sites):
            norm = max(float(np.linalg.norm(chain.sites[i].op(expression), 2)) for i in sites)
            bounds.append(SpinBound(key, norm, "component"))
    return tuple(bounds)


def _spin_text(two_s: int) -> str:
    return str(Fraction(two_s, 2))


def _prx_extras(chain: ChainModel, schema: dict[str, Any]) -> None:
    """The PRX frame's keys (PRX Eqs. 9–14, :mod:`verify.models.prx_frame`): shapes, 2S^z parts,
    spin bounds, edge-spin dimensions and NaN by design."""
    n_fm, n_e = int(chain.params["n_fm"]), int(chain.params["n_e"])
    two_s = max(site.spin_factor or 0 for site in chain.sites)
    schema["shapes"].update({"spin": (n_fm, 3), "spin_purity": (n_fm,), "electron_spin": (3,)})
    schema["parts"]["2Sz"] = (LawPart("spin_z_total"), LawPart("electron_spin", 2))
    # PRX Eq. 11: the spin is <2S> in Pauli units, its length at most 2S; the purity is |<2S>|/2S
    schema["spin_bounds"] = (SpinBound("spin", float(two_s), "vector"), SpinBound("spin_purity", 1.0, "length"))
    schema["mutual_info_dims"] = (two_s + 1, two_s + 1)
    schema["n_electrons"] = n_e
    if n_fm == 1:
        edge_keys = ("mutual_info_edges", "mutual_info_entropy_a", "mutual_info_entropy_b")
        schema["nan_keys"].update(dict.fromkeys(edge_keys, "N_FM = 1"))
    if n_e == 0:
        schema["nan_keys"]["electron_spin_purity"] = "N_e = 0"
    if two_s > 1:  # PRX Eq. 13 is defined for qubits
        schema["nan_keys"]["meyer_wallach"] = f"localized spin S = {_spin_text(two_s)} > 1/2"


def _chain_schema(chain: ChainModel, cut: int | None) -> RecordSchema:
    n = chain.n_sites
    cut = chain.cut if cut is None else validate_cut(cut, n)
    obs = chain.observables
    shapes: dict[str, tuple[int, ...]] = {"t": (), "norm": (), "energy": (), "entropy_cut": ()}
    shapes.update({key: (len(sites),) for key, (_, sites) in obs.site.items()})
    shapes.update(dict.fromkeys(obs.total, ()))
    shapes.update({CHARGE_RECORD_KEYS.get(c, f"total_{c}"): () for c in chain.conserved})
    extras: dict[str, Any] = {
        "shapes": shapes,
        "parts": {c: _charge_parts(chain, c) for c in chain.conserved},
        "spin_bounds": _site_spin_bounds(chain),
        "mutual_info_dims": None,
        "n_electrons": chain.sector.get("N"),
        "nan_keys": {},
    }
    if chain.kind == "prx":
        _prx_extras(chain, extras)
    keys = ("t", *(obs.keys or [key for key in shapes if key != "t"]))
    shapes = {key: shapes.get(key, ()) for key in keys}  # a frame key of unknown shape is a scalar series
    shapes.update({key: (n - 1,) if key == "bond_entropy" else () for key in APPROXIMATE_RECORD_KEYS})
    laws = tuple(
        ConservedLaw(
            charge=c,
            key=CHARGE_RECORD_KEYS.get(c, f"total_{c}"),
            parts=extras["parts"][c],
            norm=_charge_norm(chain, c),
            eigenstate=c in chain.sector,
            value=chain.sector.get(c),
        )
        for c in chain.conserved
    )
    return RecordSchema(
        kind=chain.kind,
        keys=keys,
        shapes=shapes,
        laws=laws,
        site_dims=chain.dims,
        cut=cut,
        spin_bounds=extras["spin_bounds"],
        mutual_info_dims=extras["mutual_info_dims"],
        nan_keys=extras["nan_keys"],
        n_electrons=extras["n_electrons"],
        units=chain.units,
    )


def _pair_schema(model: PairOnRing, pair: str | None) -> RecordSchema:
    """Pair paper: σ_z + S_z (2S^z in Pauli units) conserved, ``sz_total`` its recorded total; every
    initial pair state is an S^z eigenstate (one S^z sector, :mod:`verify.exact.pair`)."""
    if pair is not None:
        require_choice("pair", pair, PAIR_STATES)
    n_e = 1 if pair == "single-down" else 2
    _, localized = model.normalizations
    scale = float(spin_operators(localized)[2][0, 0].real)  # S_z of one ↑ spin in the model's units
    law = ConservedLaw(
        charge="2Sz",
        key="sz_total",
        parts=(LawPart("sigma_z"), LawPart("S_z", scale=scale)),
        norm=float(n_e + model.n_spins),
        eigenstate=True,
    )
    keys = ("t", "sigma_z", "S_z", "spin_transfer", "pair_probabilities", "norm", "energy", "sz_total")
    shapes = {key: (4,) if key == "pair_probabilities" else () for key in keys}
    nan_keys = {"pair_probabilities": "one electron"} if pair == "single-down" else {}
    return RecordSchema(
        kind="pair", keys=keys, shapes=shapes, laws=(law,), nan_keys=nan_keys, n_electrons=n_e, units=PAIR_UNITS
    )


def record_schema(model: Any, cut: int | None = None, *, pair: str | None = None) -> RecordSchema:
    """The :class:`RecordSchema` of a model's run records.

    Parameters
    ----------
    model : ChainModel, PRXChain, XXZChain (anything :func:`~verify.models.registry.as_chain` takes) or PairOnRing
    cut : int, optional
        Last site (1-based) of the recorded ``entropy_cut`` subsystem (run records store it as
        ``meta.cut``); default the model's own. Unused for the pair model (no entropy recorded).
    pair : str, optional
        Pair model only: the initial state (:data:`~verify.models.pair.PAIR_STATES`); ``"single-down"``
        has one electron and NaN pair probabilities. Default: a pair of two electrons.

    Raises
    ------
    TypeError
        For a model that is neither a chain model nor a :class:`PairOnRing`, a non-integer cut, or
        ``pair`` given for a chain model.
    ValueError
        For a cut outside 1..N−1 or an unknown pair state.

    Examples
    --------
    >>> from verify.models import XXZChain, record_schema
    >>> schema = record_schema(XXZChain(n_sites=4, initial="uudd"), cut=2)
    >>> schema.shapes["spin_z"], schema.law("2Sz").value, schema.law("2Sz").norm
    ((4,), 0, 4.0)
    """
    if isinstance(model, PairOnRing):
        return _pair_schema(model, pair)
    if pair is not None:
        raise TypeError("pair is a parameter of the pair model's records only")
    try:
        hash((model, cut))
    except TypeError:  # e.g. a list as cut: validate_cut says what is wrong
        return _chain_schema(as_chain(model), cut)
    return _cached_chain_schema(model, cut)


@functools.lru_cache(maxsize=64)
def _cached_chain_schema(model: Any, cut: int | None) -> RecordSchema:
    """Parameter objects are frozen and compare by value: a record's model, rebuilt from its metadata
    by every check, builds its chain model (and schema) once."""
    return _chain_schema(as_chain(model), cut)
