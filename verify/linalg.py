"""Deprecated path: moved to :mod:`verify.tensors` (kept for one release).

Decompositions are in :mod:`verify.tensors.decompositions`, the backend interface and the dense
backend in :mod:`verify.tensors.dense`, thread control in :mod:`verify.tensors.threads`.
"""

import warnings

from verify.tensors.decompositions import (
    GRAM_MAX_ASPECT,
    GRAM_MIN_TRUNC,
    SVD_FLOOR,
    Split,
    decomposition_route,
    gram_svd,
    truncation_rank,
)
from verify.tensors.dense import DENSE, DenseBackend, TensorBackend
from verify.tensors.threads import SINGLE_THREAD_MAX_DIM, blas_threads, threads_for

__all__ = [
    "DENSE",
    "GRAM_MAX_ASPECT",
    "GRAM_MIN_TRUNC",
    "SINGLE_THREAD_MAX_DIM",
    "SVD_FLOOR",
    "DenseBackend",
    "Split",
    "TensorBackend",
    "blas_threads",
    "decomposition_route",
    "gram_svd",
    "threads_for",
    "truncation_rank",
]

warnings.warn("verify.linalg is deprecated: import from verify.tensors", DeprecationWarning, stacklevel=2)
