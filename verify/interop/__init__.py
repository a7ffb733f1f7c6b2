"""Conversions to and from TeNPy and QuTiP (optional libraries, imported only inside the functions).

* :func:`from_tenpy_mps` (:mod:`verify.interop.tenpy`) — a finite ``tenpy.networks.mps.MPS`` into
  this package's :class:`verify.mps.MPS`, so that every entanglement measure of :mod:`entanglement`
  applies to a TeNPy state (``labels`` reorders TeNPy's charge-sorted local bases);
* :func:`to_qutip` / :func:`from_qutip` (:mod:`verify.interop.qutip`) — kets and density matrices to
  and from ``qutip.Qobj`` with the tensor-product dims bookkeeping.

This layer imports only :mod:`verify.mps` (and :mod:`states` for validation).
"""

from verify.interop.qutip import from_qutip, to_qutip
from verify.interop.tenpy import from_tenpy_mps

__all__ = ["from_qutip", "from_tenpy_mps", "to_qutip"]
