"""One entry point for every run file: :func:`read_run` reads a file by what it is, not by its name.

==============================  =========================================================================
file (first bytes)              read as
==============================  =========================================================================
``.npz`` (zip)                  this package's run record, :func:`verify.records.load_run` (JSON sidecar
                                validated against ``docs/run_record.schema.json``)
HDF5 with ``measurements``      a TeNPy ``Simulation`` results file, :func:`verify.interop.read_tenpy_hdf5`
HDF5 with an MPS only           a saved TeNPy MPS, one row (norm, bond entropies), :func:`mps_record`
pickle (``.pkl``, protocol      refused: ``ValueError`` with one line saying why (unpickling runs code of
header), ``.npz`` with object   the file's choosing)
arrays
anything else                   refused: ``ValueError`` naming the formats that are read
==============================  =========================================================================

``python -m verify check FILE`` uses it, so the command line checks all of these; the records and
checks layers never import this module (it needs the optional libraries).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from verify.interop.hdf5 import mps_groups, open_hdf5
from verify.interop.tenpy_records import mps_record, read_tenpy_hdf5, read_tenpy_mps
from verify.records import RunResult, file_format, load_run

__all__ = ["read_run"]


def read_run(path: str | os.PathLike, *, model: Any = None) -> RunResult:
    """The run record in ``path``, whatever its format (module docstring).

    Parameters
    ----------
    path : str or path-like
    model : chain model or parameters, optional
        For a TeNPy file: the model the run evolved (:func:`verify.interop.read_tenpy_hdf5`).

    Raises
    ------
    TypeError
        When ``path`` is not a path, or ``model`` is given for a file that is not a TeNPy results file
        (or is not a chain model).
    FileNotFoundError
        When it is not a file.
    ValueError
        For a pickle (never unpickled), an unknown format or a file that is malformed for its format;
        one line naming the file.
    ImportError
        For an HDF5 file without h5py installed.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    kind = file_format(path)  # FileNotFoundError for a missing file
    if kind == "npz" or kind == "pickle":
        if model is not None:
            raise TypeError("model applies to TeNPy files; a .npz record names its model in its sidecar")
        return load_run(path)  # refuses a pickle, object arrays, a malformed sidecar
    if kind == "hdf5":
        with open_hdf5(path) as handle:
            is_results = "measurements" in handle
            has_mps = bool(mps_groups(handle))
        if is_results:
            return read_tenpy_hdf5(path, model=model)
        if has_mps and model is not None:
            raise TypeError("model applies to TeNPy Simulation results files; a saved MPS is checked as one state")
        if has_mps:
            return mps_record(read_tenpy_mps(path), meta={"source": {"format": "tenpy-hdf5-mps",
                                                                     "file": Path(path).name}})
        raise ValueError(f"{path}: an HDF5 file with neither TeNPy measurements nor a TeNPy MPS")
    raise ValueError(
        f"{path}: unknown file format ({kind}): read are .npz run records (RunResult.save) and TeNPy HDF5 "
        "files (Simulation results, saved MPS)"
    )
