"""Matrix-product states: the container, canonical forms, measurements, conversions, exact MPS.

* :class:`MPS` (+ :class:`SweepResult`, :data:`MAX_DENSE_DIM`) — finite MPS with site-dependent
  local dimension, canonical forms, one-sweep measurements and RDMs (:mod:`verify.mps.mps`);
  :func:`b_form_sweep`, the same measurements from Vidal's B form without a decomposition, with
  :func:`bond_expectation` and :func:`scale_left` (:mod:`verify.mps.sweep`);
* :func:`to_charged_mps`, :func:`restore_charged_mps` — to block-sparse tensors with the charges of a
  chain model's sites (:mod:`verify.mps.charges`);
* :func:`dicke_mps`, :func:`stt_mps` — PRX Eq. 15 as an exact MPS (:mod:`verify.mps.dicke`);
* :func:`entanglement_entropy`, :func:`mutual_information`, :func:`correlation_function`,
  :func:`expectation_value` — measures linear in N at fixed χ, TeNPy's conventions
  (:mod:`verify.mps.measures`); the sweep and span RDMs behind them in :mod:`verify.mps.sweep` and
  :mod:`verify.mps.reduced`.

This layer imports only :mod:`verify.tensors` (and :mod:`states` for conventions and validation,
:mod:`entanglement` for entropies).
"""

from verify.mps.charges import restore_charged_mps, to_charged_mps
from verify.mps.dicke import dicke_mps, stt_mps
from verify.mps.measures import (
    MAX_MI_DIM,
    correlation_function,
    entanglement_entropy,
    expectation_value,
    mutual_information,
)
from verify.mps.mps import MAX_DENSE_DIM, MPS
from verify.mps.reduced import span_rdm
from verify.mps.sweep import (
    SweepResult,
    b_form_sweep,
    bond_expectation,
    canonical_sweep,
    restricted_operator,
    scale_left,
)

__all__ = [
    "MAX_DENSE_DIM",
    "MAX_MI_DIM",
    "MPS",
    "SweepResult",
    "b_form_sweep",
    "bond_expectation",
    "canonical_sweep",
    "correlation_function",
    "dicke_mps",
    "entanglement_entropy",
    "expectation_value",
    "mutual_information",
    "restore_charged_mps",
    "restricted_operator",
    "scale_left",
    "span_rdm",
    "stt_mps",
    "to_charged_mps",
]
