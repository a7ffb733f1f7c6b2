"""TEBD for any chain model: options, Trotter schedules, the engine, initial MPS and measurements.

* :class:`TEBDOptions` — δt, χ_max, truncation, Trotter order and scheme, tensor backend; the
  paper's values (PRX Sec. III) as defaults, written once, with the even–odd scheme;
  :data:`PAPER_TEBD` — the same with the paper's scheme, PRX Eq. 8 (:mod:`verify.tebd.options`);
* Trotter–Suzuki schedules as pure data (:mod:`verify.tebd.trotter`; even–odd (the default at order
  2), PRX Eq. 8, fourth order);
* :class:`TEBD` — the engine: evolves an MPS under the bond Hamiltonians it is handed (a chain
  model's ``bond_hamiltonians()``), knows no model; :class:`TEBDResumeData` continues a run bit for
  bit (:mod:`verify.tebd.engine`); :class:`SegmentPool`, :func:`bond_update`, :func:`gate_processes` —
  the gates of a layer scheme on several processes, one segment of bonds each (:mod:`verify.tebd.segments`;
  :class:`Segment`, :class:`StreamPlan`, :class:`GateRun`: one process's share, :mod:`verify.tebd.stream`;
  :class:`Links`, :func:`pipe_ends`, :class:`PeerGone`: the pipes between the processes, :mod:`verify.tebd.links`;
  :func:`segment_worker`: a worker process's loop, :mod:`verify.tebd.worker`);
* :func:`initial_mps`, :func:`slater_mps`, :func:`compress`, :func:`initial_state_report` — the MPS of
  a model's initial-state recipe; :func:`tensor_backend` — dense or charged tensors of a run
  (:mod:`verify.tebd.initial`);
* :func:`measure` — the generic :class:`verify.models.Measurement` of an MPS, :func:`measure_engine` that
  of an engine's state by the cheapest exact route, :func:`begin_measurement` / :class:`PendingMeasurement`
  the same with the energies of the next run's first layer taken from that run (:mod:`verify.tebd.measure`).

Running a model and writing its record is :mod:`verify.records`' job (``simulate_tebd``,
``simulate_prx_tebd``). This layer imports :mod:`verify.models`, :mod:`verify.tensors` and
:mod:`verify.mps` only.

``prx_bond_hamiltonians``, ``prx_onsite_terms`` and ``prx_sites`` are deprecated: the PRX chain is a
chain model (``PRXChain().chain().bond_hamiltonians()``, ``.onsite_matrices()``, ``.sites``).
"""

import warnings
from typing import Any

import numpy as np

from verify.tebd.engine import PARALLEL_BOND_MIN_DIM, TEBD, GateSet, TEBDResumeData, blas_threads_for
from verify.tebd.initial import compress, initial_mps, initial_state_report, slater_mps, tensor_backend
from verify.tebd.links import Links, PeerGone, pipe_ends
from verify.tebd.measure import (
    DENSE_MEASURE_MAX_DIM,
    PARALLEL_MEASURE_MIN_DIM,
    PendingMeasurement,
    begin_measurement,
    measure,
    measure_engine,
    measurement_threads,
    site_groups,
)
from verify.tebd.options import BACKENDS, PAPER_TEBD, TEBDOptions
from verify.tebd.segments import (
    MIN_STREAM_RUNS,
    PARALLEL_PROCESS_MIN_DIM,
    PROCESSES_VAR,
    REBALANCE_GAIN,
    SegmentPool,
    gate_processes,
    pool_for,
)
from verify.tebd.stream import Bundle, GateRun, Segment, StreamPlan, bond_update, place_sites, site_bundle
from verify.tebd.trotter import (
    SCHEMES,
    Layer,
    Sweep,
    bond_sequence,
    even_odd,
    forest_ruth,
    schedule,
    second_order,
    step_sequence,
    suzuki4,
)
from verify.tebd.worker import segment_worker

__all__ = [
    "BACKENDS",
    "DENSE_MEASURE_MAX_DIM",
    "MIN_STREAM_RUNS",
    "PAPER_TEBD",
    "PARALLEL_BOND_MIN_DIM",
    "PARALLEL_MEASURE_MIN_DIM",
    "PARALLEL_PROCESS_MIN_DIM",
    "PROCESSES_VAR",
    "REBALANCE_GAIN",
    "SCHEMES",
    "TEBD",
    "Bundle",
    "GateRun",
    "GateSet",
    "Layer",
    "Links",
    "PeerGone",
    "PendingMeasurement",
    "Segment",
    "SegmentPool",
    "StreamPlan",
    "Sweep",
    "TEBDOptions",
    "TEBDResumeData",
    "begin_measurement",
    "blas_threads_for",
    "bond_sequence",
    "bond_update",
    "compress",
    "even_odd",
    "forest_ruth",
    "gate_processes",
    "initial_mps",
    "initial_state_report",
    "measure",
    "measure_engine",
    "measurement_threads",
    "pipe_ends",
    "place_sites",
    "pool_for",
    "schedule",
    "second_order",
    "segment_worker",
    "site_bundle",
    "site_groups",
    "slater_mps",
    "step_sequence",
    "suzuki4",
    "tensor_backend",
]


def _prx_bond_hamiltonians(model: Any, *, preparation: bool = False) -> list[np.ndarray]:
    """h_b of the PRX chain (PRX Eqs. 2–4, + Eq. 5 with ``preparation``): the chain model's."""
    return model.chain().bond_hamiltonians(preparation=preparation)


def _prx_onsite_terms(model: Any, *, preparation: bool = False) -> list[np.ndarray]:
    """On-site h_i of the PRX chain (Eq. 4, + Eq. 5 with ``preparation``): the chain model's."""
    return model.chain().onsite_matrices(preparation=preparation)


def _prx_sites(model: Any) -> list[Any]:
    """The sites of the PRX chain (:class:`verify.models.Site`: d = 8 on FM sites, 4 elsewhere)."""
    return list(model.chain().sites)


_DEPRECATED = {
    "prx_bond_hamiltonians": (_prx_bond_hamiltonians, "model.chain().bond_hamiltonians(preparation=...)"),
    "prx_onsite_terms": (_prx_onsite_terms, "model.chain().onsite_matrices(preparation=...)"),
    "prx_sites": (_prx_sites, "model.chain().sites"),
}


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED:
        function, replacement = _DEPRECATED[name]
        warnings.warn(f"verify.tebd.{name} is deprecated: use {replacement}", DeprecationWarning, stacklevel=2)
        return function
    raise AttributeError(f"module 'verify.tebd' has no attribute {name!r}")
