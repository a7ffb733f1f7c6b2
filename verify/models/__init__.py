"""Chain models as data — the bottom layer of :mod:`verify`.

A model is a description, not code spread over engines: its sites (local Hilbert space, named
operators, charges), its on-site and bond terms written with those names, its conserved charges, an
optional preparation term, its initial-state recipe and its observables
(:class:`ChainModel`). Both evolvers, the run records and the checks read it.

* sites: :class:`Site`, :func:`fermion_site`, :func:`spin_site`, :func:`product_site`;
* terms: :class:`OnSite`, :class:`Bond` (Jordan–Wigner strings from the sites);
* :class:`ChainModel`, initial states (:class:`ProductState`, :class:`SlaterDeterminant`,
  :class:`GroundState`), :class:`Observables`, :class:`Measurement`;
* parameter classes with the papers' defaults: :class:`PRXChain` (PRX Eqs. 1–5), :class:`XXZChain`
  (TeNPy's XXZ chain), :class:`PairOnRing` (pair paper, first quantization, not a chain model);
* :data:`MODEL_KINDS`, :func:`model_from_dict`, :func:`as_chain`;
* :func:`record_schema` — what a model's run records hold and obey (:class:`RecordSchema`: shapes,
  :class:`ConservedLaw` of each declared charge, entropy and spin bounds, NaN by design), read by
  :mod:`verify.checks`; :func:`declared_record_schema` — the same from what a record of an
  unregistered chain model declares (charges, sector, site dimensions, cut); :func:`cut_log_dims`,
  :func:`bond_log_bounds` — the entropy bounds from the site dimensions.

This layer imports only :mod:`states` and :mod:`entanglement`.
"""

from verify.models.chain import HERMITICITY_ATOL, ChainModel
from verify.models.initial import GroundState, InitialState, ProductState, SlaterDeterminant, product_state_from_labels
from verify.models.observables import (
    CHARGE_RECORD_KEYS,
    MPS_RECORD_KEYS,
    RESERVED_RECORD_KEYS,
    Measurement,
    Observables,
    check_observables,
    default_cut,
    default_frame,
    validate_cut,
)
from verify.models.pair import PAIR_STATES, PAIR_UNITS, SD_TERMS, SPIN_CONVENTIONS, PairOnRing, packet_chain_intervals
from verify.models.prx import PRX_UNITS, PRXChain, single_particle_orbitals
from verify.models.prx_frame import BLOCH_EXCESS_ATOL, PRX_RECORD_KEYS, PRXFrame, frame_from_measurement, prx_frame
from verify.models.record_laws import (
    APPROXIMATE_RECORD_KEYS,
    ConservedLaw,
    LawPart,
    RecordSchema,
    SpinBound,
    bond_log_bounds,
    cut_log_dims,
)
from verify.models.registry import MODEL_KINDS, as_chain, model_from_dict
from verify.models.schema import PAIR_NO_NUMBER, declared_record_schema, record_schema
from verify.models.sites import Site, fermion_site, frozen_array, product_site, spin_site
from verify.models.terms import Bond, OnSite, bond_matrix, onsite_matrix
from verify.models.xxz import XXZ_INITIAL_STATES, XXZ_UNITS, XXZChain

__all__ = [
    "APPROXIMATE_RECORD_KEYS",
    "BLOCH_EXCESS_ATOL",
    "CHARGE_RECORD_KEYS",
    "HERMITICITY_ATOL",
    "MODEL_KINDS",
    "MPS_RECORD_KEYS",
    "PAIR_NO_NUMBER",
    "PAIR_STATES",
    "PAIR_UNITS",
    "PRX_RECORD_KEYS",
    "PRX_UNITS",
    "RESERVED_RECORD_KEYS",
    "SD_TERMS",
    "SPIN_CONVENTIONS",
    "XXZ_INITIAL_STATES",
    "XXZ_UNITS",
    "Bond",
    "ChainModel",
    "ConservedLaw",
    "GroundState",
    "InitialState",
    "LawPart",
    "Measurement",
    "Observables",
    "OnSite",
    "PRXChain",
    "PRXFrame",
    "PairOnRing",
    "ProductState",
    "RecordSchema",
    "Site",
    "SlaterDeterminant",
    "SpinBound",
    "XXZChain",
    "as_chain",
    "bond_log_bounds",
    "bond_matrix",
    "check_observables",
    "cut_log_dims",
    "declared_record_schema",
    "default_cut",
    "default_frame",
    "fermion_site",
    "frame_from_measurement",
    "frozen_array",
    "model_from_dict",
    "onsite_matrix",
    "packet_chain_intervals",
    "product_site",
    "product_state_from_labels",
    "prx_frame",
    "record_schema",
    "single_particle_orbitals",
    "spin_site",
    "validate_cut",
]
