"""Conversions to and from TeNPy and QuTiP, and readers of their files and results (optional libraries,
imported only inside the functions).

* :func:`from_tenpy_mps` (:mod:`verify.interop.tenpy`) — a finite ``tenpy.networks.mps.MPS`` into
  this package's :class:`verify.mps.MPS`, so that every entanglement measure of :mod:`entanglement`
  applies to a TeNPy state (``labels`` reorders TeNPy's charge-sorted local bases);
  :func:`tenpy_site_operators` — TeNPy's named site operators in the same basis, the ``local_sites`` of
  :mod:`verify.mps.measures`;
* :func:`to_qutip` / :func:`from_qutip` (:mod:`verify.interop.qutip`) — kets and density matrices to
  and from ``qutip.Qobj`` with the tensor-product dims bookkeeping;
* :func:`read_tenpy_hdf5`, :func:`read_tenpy_mps`, :func:`mps_record` (:mod:`verify.interop.tenpy_records`)
  — a TeNPy ``Simulation`` results file (HDF5 of ``tenpy.tools.hdf5_io``) as a run record, a saved MPS
  as an MPS or a one-row record; read with h5py alone (:mod:`verify.interop.hdf5`), nothing unpickled;
* :func:`from_qutip_result` (:mod:`verify.interop.qutip_records`) — a ``qutip.solver.Result`` (e_ops or
  stored states) as a run record; :func:`measure_state` (:mod:`verify.interop.dense`) — a chain
  model's observables on a dense state of its full space;
* :func:`read_run` (:mod:`verify.interop.readers`) — any run file by its format (``.npz`` record,
  TeNPy HDF5); pickles are refused. ``python -m verify check`` reads files with it.

This layer imports the layers to its left (models, mps, records, ...), never :mod:`verify.testing`.
"""

from verify.interop.dense import measure_state
from verify.interop.qutip import from_qutip, to_qutip
from verify.interop.qutip_records import from_qutip_result
from verify.interop.readers import read_run
from verify.interop.tenpy import TenpySiteOperators, from_tenpy_mps, tenpy_site_operators
from verify.interop.tenpy_records import mps_record, read_tenpy_hdf5, read_tenpy_mps

__all__ = [
    "TenpySiteOperators",
    "from_qutip",
    "from_qutip_result",
    "from_tenpy_mps",
    "measure_state",
    "mps_record",
    "read_run",
    "read_tenpy_hdf5",
    "read_tenpy_mps",
    "tenpy_site_operators",
    "to_qutip",
]
