"""Atomic checkpoints of a TEBD run, and the parameter check that guards resuming.

A checkpoint is one ``.npz`` file (so it is replaced atomically as a whole: temporary file in the
same directory, fsync, rename — :func:`verify.records.atomic_write_bytes`) holding

* the MPS tensors (``tensor_0000``, ...), exactly as in memory (complex128 bits preserved), and
  the position of the orthogonality centre — or, for the B form of a layer scheme (``even-odd``),
  no centre and the Schmidt values of every bond (``lambda_0000``, ...);
* the integer step counter and the accumulated truncation error;
* the record arrays measured so far (``record_<key>``);
* the run parameters as JSON (``meta_json``): everything that determines the trajectory (model,
  δt, χ_max, truncation, Trotter order and scheme, output spacing, cut). ``t_max`` is not part of
  it, so a finished run can be extended to a later time.

A killed run leaves either the previous checkpoint or the new one, never a truncated file.
Resuming with parameters that differ from the stored ones raises ``ValueError`` naming them. The
engine's part of a checkpoint is its :class:`verify.tebd.TEBDResumeData` (tensors, centre or Schmidt
values, step counter, truncation error; the flagged steps travel in ``info``).
(This module was ``verify.checkpoint``; that path is a deprecated re-export.)
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from verify.records.run import atomic_write_bytes

__all__ = ["FORMAT_VERSION", "Checkpoint", "check_parameters", "load_checkpoint", "save_checkpoint"]

FORMAT_VERSION = 1
"""Version of the checkpoint layout; a file of another version is refused."""


@dataclass
class Checkpoint:
    """State of a TEBD run after ``steps`` steps.

    Attributes
    ----------
    params : dict
        JSON-ready parameters that determine the trajectory (no ``t_max``).
    steps : int
        Completed Trotter steps.
    truncation_error : float
        Accumulated discarded weight.
    tensors : list of ndarray
        MPS site tensors (left bond, physical, right bond).
    center : int or None
        Orthogonality centre of the MPS (None: the B form of a layer scheme).
    record : dict of str to ndarray
        Record arrays of the output times reached so far (first axis = time).
    info : dict
        Free-form JSON-ready extras (e.g. initial-state report); not compared on resume.
    bond_values : list of ndarray, optional
        Schmidt values of every bond (B form of a layer scheme, :class:`verify.tebd.TEBD`).
    """

    params: dict[str, Any]
    steps: int
    truncation_error: float
    tensors: list[np.ndarray]
    center: int | None
    record: dict[str, np.ndarray] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    bond_values: list[np.ndarray] | None = None


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def save_checkpoint(path: str | os.PathLike, checkpoint: Checkpoint) -> Path:
    """Write ``checkpoint`` to ``path`` atomically (see module docstring); return the path."""
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"checkpoint files are .npz files, got {str(path)!r}")
    arrays: dict[str, np.ndarray] = {f"tensor_{i:04d}": np.asarray(t) for i, t in enumerate(checkpoint.tensors)}
    for key, value in checkpoint.record.items():
        arrays[f"record_{key}"] = np.asarray(value)
    for i, values in enumerate(checkpoint.bond_values or []):
        arrays[f"lambda_{i:04d}"] = np.asarray(values, dtype=float)
    header = {
        "format_version": FORMAT_VERSION,
        "params": checkpoint.params,
        "steps": int(checkpoint.steps),
        "truncation_error": float(checkpoint.truncation_error).hex(),  # exact round trip
        "center": None if checkpoint.center is None else int(checkpoint.center),
        "n_tensors": len(checkpoint.tensors),
        "n_bond_values": len(checkpoint.bond_values or []),
        "info": checkpoint.info,
    }
    arrays["meta_json"] = np.array(_canonical_json(header))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint`.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValueError
        When the file is unreadable, of another format version or incomplete.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such checkpoint")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except Exception as exc:  # zipfile/OSError/EOFError all mean "not a checkpoint"
        raise ValueError(f"{path}: not a readable checkpoint ({exc})") from None
    if "meta_json" not in arrays:
        raise ValueError(f"{path}: not a TEBD checkpoint (no meta_json)")
    header = json.loads(str(arrays.pop("meta_json")))
    if header.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: checkpoint format {header.get('format_version')} != {FORMAT_VERSION}")
    n = int(header["n_tensors"])
    try:
        tensors = [arrays[f"tensor_{i:04d}"] for i in range(n)]
        bond_values = [arrays[f"lambda_{i:04d}"] for i in range(int(header.get("n_bond_values", 0)))]
    except KeyError as exc:
        raise ValueError(f"{path}: checkpoint is missing {exc.args[0]}") from None
    record = {key[len("record_"):]: value for key, value in arrays.items() if key.startswith("record_")}
    return Checkpoint(
        params=header["params"],
        steps=int(header["steps"]),
        truncation_error=float.fromhex(header["truncation_error"]),
        tensors=tensors,
        center=None if header["center"] is None else int(header["center"]),
        record=record,
        info=header.get("info", {}),
        bond_values=bond_values or None,
    )


def check_parameters(stored: dict[str, Any], requested: dict[str, Any], *, path: str | os.PathLike = "") -> None:
    """Raise ``ValueError`` listing every parameter whose stored and requested values differ.

    Values are compared after a JSON round trip (so tuples and lists, ints and equal floats in JSON
    form compare as they are stored).
    """
    a = json.loads(_canonical_json(stored))
    b = json.loads(_canonical_json(requested))
    keys = sorted(set(a) | set(b))
    differ = [f"{k}: checkpoint {a.get(k)!r} vs requested {b.get(k)!r}" for k in keys if a.get(k) != b.get(k)]
    if differ:
        where = f"{path}: " if path else ""
        raise ValueError(f"{where}cannot resume with different parameters ({'; '.join(differ)})")
