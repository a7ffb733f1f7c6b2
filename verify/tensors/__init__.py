"""Tensors of the MPS code: decompositions, the backend interface, charged block-sparse tensors, threads.

This layer knows no model: which charges are conserved (by name) and their values on a local basis
are handed in by the caller (:meth:`verify.models.ChainModel.site_charges`). It imports only numpy
and scipy (and threadpoolctl, when installed, for BLAS thread control).

* decompositions (:mod:`verify.tensors.decompositions`): :func:`svd` (gesdd, gesvd fallback),
  :func:`gram_svd` (density-matrix route), :func:`truncation_rank`, :func:`decomposition_route`,
  :class:`Split`, :data:`SVD_FLOOR`;
* the backend interface :class:`TensorBackend` and its dense case :class:`DenseBackend` /
  :data:`DENSE` (:mod:`verify.tensors.dense`);
* charged tensors :class:`Leg`, :class:`ChargedTensor`, :class:`ChargedGate`
  (:mod:`verify.tensors.charged`) and :class:`BlockSparseBackend` (:mod:`verify.tensors.blocksparse`,
  decompositions in :mod:`verify.tensors.blocksparse_split`, environments for measurements —
  :meth:`~TensorBackend.density`, :meth:`~TensorBackend.scaled_density`, :meth:`~TensorBackend.transfer`,
  :meth:`~TensorBackend.trace` — in
  :mod:`verify.tensors.blocksparse_env`, two-site stacks by total physical charge and observables measured on
  them — :func:`total_stacks`, :func:`weighted_expectation`, :func:`bond_observation`,
  :func:`add_row_expectations`, :func:`new_row_values`, :func:`weigh_rows`, :func:`bond_rows`,
  :func:`observation_from_rows`, :data:`Observable`, :data:`RowValues`, :data:`Layout` — in
  :mod:`verify.tensors.blocksparse_stacks`);
* threads (:mod:`verify.tensors.threads`): :func:`blas_threads`, :func:`threads_for`,
  :func:`svd_workers`, :func:`run_dataflow`, :func:`decompose_all`, :func:`serial_decompositions`; the
  process's share of the cores
  :func:`usable_cores`, :func:`core_share`, :func:`set_core_share`; :func:`blas_backend`,
  :func:`blas_thread_counts` (threadpoolctl when installed, the ``threads`` extra).
"""

from verify.tensors.blocksparse import CHARGE_RULES, BlockSparseBackend, charge_names
from verify.tensors.blocksparse_stacks import (
    Layout,
    Observable,
    RowValues,
    add_row_expectations,
    bond_observation,
    bond_rows,
    new_row_values,
    observation_from_rows,
    total_stacks,
    weigh_rows,
    weighted_expectation,
)
from verify.tensors.charged import NONZERO_TOL, Charge, ChargedGate, ChargedTensor, Key, Leg, RestrictedOperator
from verify.tensors.decompositions import (
    GRAM_MAX_ASPECT,
    GRAM_MIN_TRUNC,
    GRAM_OTHER_SIDE_MIN_DIM,
    SVD_FLOOR,
    Split,
    decomposition_route,
    gram_svd,
    isometry_by_projection,
    sector_decomposition,
    svd,
    thin_qr,
    truncation_rank,
)
from verify.tensors.dense import DENSE, DenseBackend, TensorBackend
from verify.tensors.threads import (
    BLAS_THREAD_VARS,
    CORES_VAR,
    PARALLEL_SVD_MIN_WORK,
    SINGLE_THREAD_MAX_DIM,
    blas_backend,
    blas_thread_counts,
    blas_threads,
    core_share,
    decompose_all,
    run_dataflow,
    serial_decompositions,
    set_core_share,
    svd_workers,
    threads_for,
    usable_cores,
)

__all__ = [
    "BLAS_THREAD_VARS",
    "CHARGE_RULES",
    "CORES_VAR",
    "DENSE",
    "GRAM_MAX_ASPECT",
    "GRAM_MIN_TRUNC",
    "GRAM_OTHER_SIDE_MIN_DIM",
    "NONZERO_TOL",
    "PARALLEL_SVD_MIN_WORK",
    "SINGLE_THREAD_MAX_DIM",
    "SVD_FLOOR",
    "BlockSparseBackend",
    "Charge",
    "ChargedGate",
    "ChargedTensor",
    "DenseBackend",
    "Key",
    "Layout",
    "Leg",
    "Observable",
    "RestrictedOperator",
    "RowValues",
    "Split",
    "TensorBackend",
    "add_row_expectations",
    "blas_backend",
    "blas_thread_counts",
    "blas_threads",
    "bond_observation",
    "bond_rows",
    "charge_names",
    "core_share",
    "decompose_all",
    "decomposition_route",
    "gram_svd",
    "isometry_by_projection",
    "new_row_values",
    "observation_from_rows",
    "run_dataflow",
    "sector_decomposition",
    "serial_decompositions",
    "set_core_share",
    "svd",
    "svd_workers",
    "thin_qr",
    "threads_for",
    "total_stacks",
    "truncation_rank",
    "usable_cores",
    "weigh_rows",
    "weighted_expectation",
]
