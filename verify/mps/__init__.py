"""Matrix-product states: the container, canonical forms, measurements, conversions, exact MPS.

* :class:`MPS` (+ :class:`SweepResult`, :data:`MAX_DENSE_DIM`) — finite MPS with site-dependent
  local dimension, canonical forms, one-sweep measurements and RDMs (:mod:`verify.mps.mps`);
* :func:`to_charged_mps`, :func:`restore_charged_mps` — to block-sparse tensors with the charges of a
  chain model's sites (:mod:`verify.mps.charges`);
* :func:`dicke_mps`, :func:`stt_mps` — PRX Eq. 15 as an exact MPS (:mod:`verify.mps.dicke`).

This layer imports only :mod:`verify.tensors` (and :mod:`states` for conventions and validation).
"""

from verify.mps.charges import restore_charged_mps, to_charged_mps
from verify.mps.dicke import dicke_mps, stt_mps
from verify.mps.mps import MAX_DENSE_DIM, MPS, SweepResult

__all__ = ["MAX_DENSE_DIM", "MPS", "SweepResult", "dicke_mps", "restore_charged_mps", "stt_mps", "to_charged_mps"]
