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

A chain model that is not registered (:data:`~verify.models.registry.MODEL_KINDS`) cannot be rebuilt
from a record, but its run records declare what the checks need (``meta.conserved``, ``meta.sector``,
``meta.site_dims``, ``meta.cut``, ``meta.units``, written by :func:`verify.records.run_meta`):
:func:`declared_record_schema` turns those into a schema with one law per declared charge, checked on
its recorded total.

The data classes (:class:`RecordSchema`, :class:`ConservedLaw`, …) and the entropy bounds from the
site dimensions are in :mod:`verify.models.record_laws`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from states.conventions import spin_operators
from states.validation import require_choice, require_int
from verify.models.chain import ChainModel
from verify.models.observables import CHARGE_RECORD_KEYS, validate_cut
from verify.models.pair import PAIR_STATES, PAIR_UNITS, PairOnRing
from verify.models.prx_frame import frame_from_measurement
from verify.models.record_laws import (
    APPROXIMATE_RECORD_KEYS,
    ConservedLaw,
    LawPart,
    RecordSchema,
    SpinBound,
)
from verify.models.registry import as_chain

__all__ = ["PAIR_NO_NUMBER", "declared_record_schema", "record_schema"]

PAIR_NO_NUMBER = "pair records have no density array (two electrons by construction)"
"""Why the checks find no particle-number law in a pair record."""

_OPERATOR_ATOL = 1e-12
"""Site operators are built from 0, ±1 and square roots: a charge operator equals its diagonal to ε."""


def _charge_key(charge: str) -> str:
    """Record key of a charge's total (:data:`~verify.models.observables.CHARGE_RECORD_KEYS`, else
    ``total_<charge>`` as :func:`~verify.models.observables.default_frame` writes it)."""
    return CHARGE_RECORD_KEYS.get(charge, f"total_{charge}")


def _absent_laws(kind: str, conserved: Sequence[str]) -> dict[str, str]:
    """Why a record of ``kind`` has no law for N or 2S^z (the checks that know them by name skip)."""
    reasons = {"N": f"the {kind} model conserves no particle number", "2Sz": f"model {kind!r} conserves no S^z"}
    return {charge: reason for charge, reason in reasons.items() if charge not in conserved}


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


# ------------------------------------------------------------------ the PRX frame (PRX Eqs. 9–14)


def _prx_frame_extras(chain: ChainModel, schema: dict[str, Any]) -> None:
    """What a model recording the PRX frame (:func:`verify.models.prx_frame.frame_from_measurement`)
    adds: the frame's shapes, the 2S^z parts of PRX Eq. 9, the spin bounds (PRX Eq. 11: ⟨2S⟩ in Pauli
    units has length ≤ 2S, the purity |⟨2S⟩|/2S ≤ 1), the edge-spin dimensions (Eq. 14) and the keys NaN
    by design. Read from the model's data, not its parameters: N_FM and 2S from the sites' localized-spin
    factors (:attr:`Site.spin_factor`), N_e from the sector's ``N``."""
    spins = [site.spin_factor for site in chain.sites if site.spin_factor]
    n_fm, two_s, n_e = len(spins), max(spins, default=1), chain.sector.get("N")
    schema["shapes"].update({"spin": (n_fm, 3), "spin_purity": (n_fm,), "electron_spin": (3,)})
    schema["parts"]["2Sz"] = (LawPart("spin_z_total"), LawPart("electron_spin", 2))
    schema["spin_bounds"] = (SpinBound("spin", float(two_s), "vector"), SpinBound("spin_purity", 1.0, "length"))
    schema["mutual_info_dims"] = (two_s + 1, two_s + 1)
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
    shapes.update({_charge_key(c): () for c in chain.conserved})
    extras: dict[str, Any] = {
        "shapes": shapes,
        "parts": {c: _charge_parts(chain, c) for c in chain.conserved},
        "spin_bounds": _site_spin_bounds(chain),
        "mutual_info_dims": None,
        "n_electrons": chain.sector.get("N"),
        "nan_keys": {},
    }
    if obs.frame is frame_from_measurement:
        _prx_frame_extras(chain, extras)
    keys = ("t", *chain.record_keys)
    shapes = {key: shapes.get(key, ()) for key in keys}  # a frame key of unknown shape is a scalar series
    shapes.update({key: (n - 1,) if key == "bond_entropy" else () for key in APPROXIMATE_RECORD_KEYS})
    laws = tuple(
        ConservedLaw(
            charge=c,
            key=_charge_key(c),
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
        absent_laws=_absent_laws(chain.kind, chain.conserved),
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
        spin_convention=True,
    )
    keys = ("t", "sigma_z", "S_z", "spin_transfer", "pair_probabilities", "norm", "energy", "sz_total")
    shapes = {key: (4,) if key == "pair_probabilities" else () for key in keys}
    nan_keys = {"pair_probabilities": "one electron"} if pair == "single-down" else {}
    return RecordSchema(
        kind="pair", keys=keys, shapes=shapes, laws=(law,), nan_keys=nan_keys, n_electrons=n_e, units=PAIR_UNITS,
        absent_laws={"N": PAIR_NO_NUMBER},
    )


def _declared_charges(conserved: object, sector: object) -> tuple[tuple[str, ...], dict[str, int]]:
    if isinstance(conserved, (str, bytes)) or not isinstance(conserved, Sequence):
        raise TypeError(f"conserved must be a list of charge names, got {conserved!r}")
    for charge in conserved:
        if not isinstance(charge, str) or not charge:
            raise TypeError(f"conserved charges must be non-empty strings, got {charge!r}")
    if len(set(conserved)) != len(conserved):
        raise ValueError(f"conserved lists a charge twice: {list(conserved)}")
    if not isinstance(sector, Mapping):
        raise TypeError(f"sector must be a mapping of charge to value, got {sector!r}")
    values = {name: require_int(f"sector charge {name!r}", value) for name, value in sector.items()}
    unknown = sorted(set(values) - set(conserved))
    if unknown:
        raise ValueError(f"sector charges {unknown} are not among the conserved charges {list(conserved)}")
    return tuple(conserved), values


def declared_record_schema(
    kind: str,
    *,
    conserved: Sequence[str],
    sector: Mapping[str, int],
    site_dims: Sequence[int] | None,
    cut: int | None = None,
    units: Mapping[str, str] | None = None,
) -> RecordSchema:
    """The schema of a chain model's records from what the records declare (module docstring).

    Every declared charge gets a law on its recorded total (:data:`CHARGE_RECORD_KEYS`, else
    ``total_<charge>``): constant, and equal to the sector's value when the charge is in the sector
    (the initial state is an eigenstate). The recorded parts of a total and the sites' charges are not
    in the declaration, so the laws have no parts and the operator norm ‖Σ_i Q_i‖ of the truncation-aware
    tolerance is taken as Σ_i (d_i − 1): it bounds the norm whenever |q_i| ≤ d_i − 1 on every site, as
    for every site :mod:`verify.models.sites` builds (a charge counting occupied modes or 2m of a spin;
    for the fermion site max |N| = 2 ≤ 3). The entropy bounds follow from ``site_dims`` at ``cut``.

    Parameters
    ----------
    kind : str
        The model's kind (``ChainModel.kind``, ``meta.model.model``).
    conserved : sequence of str
        Declared charges (``meta.conserved``).
    sector : mapping of str to int
        Charges of which the initial state is an eigenstate (``meta.sector``), a subset of ``conserved``.
    site_dims : sequence of int or None
        Local dimensions d_i, at least two sites (``meta.site_dims``). None when a record declares its
        charges but not its sites (``python -m verify check --conserved`` on a bare record): the schema
        then has no entropy bounds and the laws' operator norms are 0 (unknown; the checks estimate
        them from the record).
    cut : int, optional
        Last site (1-based) of the ``entropy_cut`` subsystem, 1 ≤ cut ≤ N − 1; default (N + 1)//2.
        Ignored without ``site_dims``.
    units : mapping of str to str, optional

    Raises
    ------
    TypeError
        For entries of the wrong type.
    ValueError
        For a repeated charge, a sector charge that is not conserved, fewer than two sites, a dimension
        below 1 or a cut outside 1..N−1.

    Examples
    --------
    >>> schema = declared_record_schema("hubbard", conserved=["N", "Nu"], sector={"N": 2}, site_dims=[4] * 4)
    >>> [(law.key, law.eigenstate, law.value) for law in schema.laws], schema.cut
    ([('n_electrons', True, 2), ('total_Nu', False, None)], 2)
    """
    if not isinstance(kind, str):
        raise TypeError(f"kind must be a string, got {kind!r}")
    conserved, values = _declared_charges(conserved, sector)
    if site_dims is None:
        laws = tuple(ConservedLaw(c, _charge_key(c), (), 0.0, c in values, values.get(c)) for c in conserved)
        keys = ("t", "norm", "energy", *(law.key for law in laws))
        return RecordSchema(
            kind=kind, keys=keys, shapes=dict.fromkeys(keys, ()), laws=laws, n_electrons=values.get("N"),
            units=dict(units or {}), absent_laws=_absent_laws(kind, conserved),
        )
    if isinstance(site_dims, (str, bytes)) or not isinstance(site_dims, Sequence):
        raise TypeError(f"site_dims must be a list of local dimensions, got {site_dims!r}")
    dims = tuple(require_int(f"site_dims[{i}]", d, minimum=1) for i, d in enumerate(site_dims))
    if len(dims) < 2:
        raise ValueError(f"site_dims must list at least two sites, got {list(dims)}")
    cut = validate_cut(cut, len(dims))
    norm = float(sum(d - 1 for d in dims))
    laws = tuple(ConservedLaw(c, _charge_key(c), (), norm, c in values, values.get(c)) for c in conserved)
    keys = ("t", "norm", "energy", "entropy_cut", *(law.key for law in laws))
    shapes = dict.fromkeys(keys, ())
    shapes.update({key: (len(dims) - 1,) if key == "bond_entropy" else () for key in APPROXIMATE_RECORD_KEYS})
    return RecordSchema(
        kind=kind, keys=keys, shapes=shapes, laws=laws, site_dims=dims, cut=cut, n_electrons=values.get("N"),
        units=dict(units or {}), absent_laws=_absent_laws(kind, conserved),
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
