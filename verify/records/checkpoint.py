"""Atomic, streamed, validated checkpoints of a TEBD run, their lock, and the parameter guard.

A checkpoint is one ``.npz`` file — a zip archive of ``.npy`` members (layout in
:mod:`verify.records.checkpoint_format`; ``np.load`` opens it) — holding

* the MPS tensors as they are in memory: a block-sparse :class:`verify.tensors.ChargedTensor` as the
  charges of its legs and its blocks (never densified), a dense one as its array; complex128 bits
  preserved. With them the position of the orthogonality centre — or, for the B form of a layer
  scheme (``even-odd``), no centre and the Schmidt values of every bond (``lambda_0000``, ...);
* the integer step counter and the accumulated truncation error (as a hex float: exact);
* the record arrays measured so far (``record_<key>``);
* a JSON header (``meta_json``) with the run parameters (everything that determines the trajectory:
  model, δt, χ_max, truncation, Trotter order and scheme, output spacing, cut; not ``t_max``, so a
  finished run can be extended), the tensor layout, the record's keys with each array's dtype, and
  free-form ``info``.

Writing (:func:`save_checkpoint`) streams member by member into a compressed (``ZIP_DEFLATED``)
temporary file in the same directory, fsyncs it, renames it over the checkpoint and fsyncs the
directory: a killed run leaves the previous checkpoint or the new one, never a truncated file, and no
densified copy of the state is built (memory: the state plus buffers of about 1 MB).

Reading (:func:`load_checkpoint`) validates the header — every key present and of its type, step
count, centre and truncation error in range, ``meta_json`` an object — and every member's dtype and
shape before reading its data: a tensor cast to float32, a record array recast to another dtype or a
forged shape is refused; so is a damaged zip structure (any of :data:`ZIP_DAMAGE`). Every error is
a ``ValueError`` (``FileNotFoundError`` for a missing file) naming the file and the key or member;
the command line prints it as one line and exits with status 2.

Format versions: 2 (blocks, compressed) is written; 1 (tensors densified, uncompressed; written until
issue #15) is still read, so runs checkpointed before it resume — their next checkpoint is version 2.
Any other version is refused.

Integrity: the header holds a SHA-256 of every stored object (``content_digest`` in
``verify.records.checkpoint_format``), so a member edited or swapped for another of the same shape is
refused as well.

Concurrency (``verify.records.checkpoint_lock``): :func:`checkpoint_lock` holds ``<checkpoint>.lock``
(created with ``O_EXCL``, holding ``pid host``) for the whole run, so two runs cannot share a
checkpoint; a lock whose process is dead on this host is stale and is taken over, and stale temporary
files of killed writers are removed.
The engine's part of a checkpoint is its :class:`verify.tebd.TEBDResumeData`.
(This module was ``verify.checkpoint``; that path is a deprecated re-export.)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from verify.records.checkpoint_format import (
    COMPLEX,
    ZIP_DAMAGE,
    ArchiveWriter,
    check_digests,
    describe_tensor,
    read_member,
    read_tensor,
    stored_digests,
    tensor_entry,
    write_tensor,
)
from verify.records.checkpoint_lock import checkpoint_lock, lock_path, remove_stale_temporaries, temporary_prefix
from verify.tensors import ChargedTensor

__all__ = ["COMPRESS_LEVEL", "FORMAT_VERSION", "READ_VERSIONS", "Checkpoint", "check_parameters", "checkpoint_lock",
           "load_checkpoint", "lock_path", "remove_stale_temporaries", "save_checkpoint"]

FORMAT_VERSION = 2
"""Version of the checkpoint layout written (module docstring)."""
READ_VERSIONS = (1, 2)
"""Versions :func:`load_checkpoint` reads; any other is refused."""
COMPRESS_LEVEL = 1
"""zlib level of the members: complex128 blocks hardly compress (a few %), so the fastest level; the
dense tensors of format 1 were mostly zeros, which any level removes."""

_HEADER_BYTES = 1 << 28  # a meta_json member larger than this is refused unread
_RECORD_DTYPES = tuple(np.dtype(d) for d in ("<f8", "<i8", "<c16", "?"))
_LAMBDA = np.dtype("<f8")


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
    tensors : list of ndarray or ChargedTensor
        MPS site tensors (left bond, physical, right bond): block-sparse ones are stored as blocks.
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
    tensors: list[Any]
    center: int | None
    record: dict[str, np.ndarray] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    bond_values: list[np.ndarray] | None = None


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _trajectory_digest(params: Any, steps: int, truncation_error: float, center: int | None, info: Any) -> str:
    """SHA-256 of the header values a resume continues from (parameters, step count, accumulated truncation
    error, centre, truncation-limited steps): one edited to another valid value is refused on loading."""
    limited = info.get("limited_steps", []) if isinstance(info, dict) else []
    values = [params, int(steps), float(truncation_error).hex(), None if center is None else int(center), limited]
    return hashlib.sha256(_canonical_json(values).encode()).hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # e.g. Windows: directories cannot be opened
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _header(checkpoint: Checkpoint) -> dict[str, Any]:
    if not isinstance(checkpoint, Checkpoint):
        raise TypeError(f"checkpoint must be a Checkpoint, got {type(checkpoint).__name__}")
    bond_values = checkpoint.bond_values or []
    if (checkpoint.center is None) != bool(bond_values):  # the rule load_checkpoint applies (_validate_header)
        raise ValueError("a checkpoint holds bond values exactly when its centre is None (the B form of a layer "
                         f"scheme); got centre {checkpoint.center!r} with {len(bond_values)} bond-value vectors")
    for key, value in checkpoint.record.items():  # what load_checkpoint accepts: refuse it now, not on resume
        value = np.asarray(value)
        if not isinstance(key, str) or value.dtype not in _RECORD_DTYPES or value.ndim == 0:
            raise TypeError(f"checkpoint record {key!r}: a str key and an array of at least one axis of "
                            f"float64/int64/complex128/bool are stored, got {value.dtype} of shape {value.shape}")
    return {
        "format_version": FORMAT_VERSION,
        "params": checkpoint.params,
        "steps": int(checkpoint.steps),
        "truncation_error": float(checkpoint.truncation_error).hex(),  # exact round trip
        "center": None if checkpoint.center is None else int(checkpoint.center),
        "n_tensors": len(checkpoint.tensors),
        "n_bond_values": len(bond_values),
        "tensors": [describe_tensor(t) for t in checkpoint.tensors],
        "record_keys": sorted(checkpoint.record),
        # each array's own dtype: a member recast later (float64 -> int64 truncates) is refused on loading
        "record_dtypes": [np.asarray(checkpoint.record[key]).dtype.str for key in sorted(checkpoint.record)],
        "digests": stored_digests(checkpoint.tensors, [np.asarray(v, dtype=_LAMBDA) for v in bond_values],
                                  checkpoint.record)
        | {"header": _trajectory_digest(json.loads(_canonical_json(checkpoint.params)), int(checkpoint.steps),
                                        float(checkpoint.truncation_error), checkpoint.center, checkpoint.info)},
        "info": checkpoint.info,
    }


def save_checkpoint(path: str | os.PathLike, checkpoint: Checkpoint, *, compresslevel: int = COMPRESS_LEVEL) -> Path:
    """Write ``checkpoint`` to ``path`` atomically, streamed and compressed (module docstring).

    Returns
    -------
    Path

    Raises
    ------
    TypeError
        For a checkpoint holding something else than ndarrays / ChargedTensors as tensors, or record
        arrays of another dtype than float64, int64, complex128, bool (or with no time axis).
    ValueError
        Unless ``path`` ends in ``.npz``.
    OSError
        When the file cannot be written (the previous checkpoint, if any, is left as it was).
    """
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"checkpoint files are .npz files, got {str(path)!r}")
    header = _header(checkpoint)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temporary_prefix(path), suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it 0600: give it the permissions of open()
        with os.fdopen(fd, "wb") as handle:
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
                writer = ArchiveWriter(zf)
                writer.array("meta_json", np.array(_canonical_json(header)))
                for i, tensor in enumerate(checkpoint.tensors):
                    write_tensor(writer, f"tensor_{i:04d}", tensor)
                for i, values in enumerate(checkpoint.bond_values or []):
                    writer.array(f"lambda_{i:04d}", np.asarray(values, dtype=_LAMBDA))
                for key in header["record_keys"]:
                    writer.array(f"record_{key}", checkpoint.record[key])
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(path.parent)
    return path


# ---------------------------------------------------------------------- reading
def _require(header: dict[str, Any], key: str, kinds: Any, path: Path, what: str) -> Any:
    """``header[key]`` if present and an instance of ``kinds`` (bool is never an int here)."""
    if key not in header:
        raise ValueError(f"{path}: checkpoint header lacks key {key!r}")
    value = header[key]
    if not isinstance(value, kinds) or isinstance(value, bool):  # no header value is a boolean
        raise ValueError(f"{path}: checkpoint header key {key!r} must be {what}, got {value!r}"[:400])
    return value


def _count(header: dict[str, Any], key: str, path: Path, *, minimum: int = 0) -> int:
    value = _require(header, key, int, path, f"an integer >= {minimum}")
    if value < minimum:
        raise ValueError(f"{path}: checkpoint header key {key!r} must be an integer >= {minimum}, got {value}")
    return value


def _validate_header(header: Any, path: Path) -> dict[str, Any]:
    """The header's values after checking every key (module docstring); ValueError naming the key."""
    if not isinstance(header, dict):
        raise ValueError(f"{path}: checkpoint header meta_json must be a JSON object, got {type(header).__name__}")
    version = _require(header, "format_version", int, path, f"one of {READ_VERSIONS}")
    if version not in READ_VERSIONS:
        raise ValueError(f"{path}: checkpoint format {version} is not readable (this version reads {READ_VERSIONS})")
    if version == 1:  # written before these keys existed
        header = {"n_bond_values": 0, "info": {}, **header}
    _require(header, "params", dict, path, "an object")
    _require(header, "info", dict, path, "an object")
    steps = _count(header, "steps", path)
    n = _count(header, "n_tensors", path, minimum=1)
    center = _require(header, "center", (int, type(None)), path, f"null or an integer in [0, {n})")
    if center is not None and not 0 <= center < n:
        raise ValueError(f"{path}: checkpoint header key 'center' must be null or in [0, {n}), got {center}")
    n_bond = _count(header, "n_bond_values", path)
    if n_bond not in (0, n - 1) or (n_bond and center is not None):
        raise ValueError(f"{path}: checkpoint header key 'n_bond_values' must be 0, or {n - 1} with a null centre, "
                         f"got {n_bond}")
    if version >= 2 and center is None and not n_bond:  # a sweep scheme always saves its centre
        raise ValueError(f"{path}: checkpoint header key 'center' is null without bond values (the B form "
                         "needs them; a canonical MPS has an integer centre)")
    text = _require(header, "truncation_error", str, path, "a hex float string")
    try:
        error = float.fromhex(text)
    except (ValueError, OverflowError):
        error = math.nan
    if not (math.isfinite(error) and error >= 0):
        raise ValueError(f"{path}: checkpoint header key 'truncation_error' must be a finite hex float >= 0, "
                         f"got {text!r}"[:400])
    info = header["info"]
    limited = info.get("limited_steps", [])
    if not (isinstance(limited, list) and all(isinstance(k, int) and not isinstance(k, bool) and 0 < k <= steps
                                              for k in limited)):
        raise ValueError(f"{path}: checkpoint header key 'info.limited_steps' must list steps in [1, {steps}]")
    wall = info.get("wall_time_s", 0.0)
    if not (isinstance(wall, (int, float)) and not isinstance(wall, bool) and math.isfinite(wall) and wall >= 0):
        raise ValueError(f"{path}: checkpoint header key 'info.wall_time_s' must be a finite number >= 0")
    return {**header, "steps": steps, "truncation_error": error, "center": center, "n_tensors": n,
            "n_bond_values": n_bond}


def _read_header(archive: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    if "meta_json.npy" not in archive.namelist():
        raise ValueError(f"{path}: not a TEBD checkpoint (no meta_json)")
    raw = read_member(archive, "meta_json", shape=(), path=path, max_bytes=_HEADER_BYTES)
    if raw.dtype.kind != "U":
        raise ValueError(f"{path}: checkpoint member 'meta_json' has dtype {raw.dtype}, expected a string")
    try:
        header = json.loads(str(raw))
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"{path}: checkpoint header meta_json is not JSON ({exc})"[:400]) from None
    return _validate_header(header, path)


def _layout(header: dict[str, Any], archive: zipfile.ZipFile,
            path: Path) -> tuple[list[dict[str, Any]], dict[str, tuple[np.dtype, ...]]]:
    """Tensor entries and the record's keys with their accepted dtypes: from the header (format 2) or from
    the member names (format 1, any record dtype)."""
    n = header["n_tensors"]
    if header["format_version"] == 1:
        names = [name[: -len(".npy")] for name in archive.namelist() if name.endswith(".npy")]
        if n > len(names):  # before building a list of n entries
            raise ValueError(f"{path}: checkpoint header key 'n_tensors' = {n}, but the file has {len(names)} members")
        return [{"kind": "dense", "shape": None}] * n, {k[len("record_"):]: _RECORD_DTYPES for k in sorted(names)
                                                        if k.startswith("record_")}
    entries = _require(header, "tensors", list, path, f"a list of {n} tensor entries")
    if len(entries) != n:
        raise ValueError(f"{path}: checkpoint header key 'tensors' has {len(entries)} entries for n_tensors = {n}")
    keys = _require(header, "record_keys", list, path, "a list of distinct strings")
    if not all(isinstance(k, str) for k in keys) or len(set(keys)) != len(keys):
        raise ValueError(f"{path}: checkpoint header key 'record_keys' must be a list of distinct strings")
    dtypes = _require(header, "record_dtypes", list, path, f"a list of {len(keys)} dtype strings")
    allowed = {d.str: d for d in _RECORD_DTYPES}
    if len(dtypes) != len(keys) or not all(isinstance(d, str) and d in allowed for d in dtypes):
        raise ValueError(f"{path}: checkpoint header key 'record_dtypes' must list one of {sorted(allowed)} "
                         f"per record key ({len(keys)})")
    return ([tensor_entry(e, i, path) for i, e in enumerate(entries)],
            {key: (allowed[d],) for key, d in zip(keys, dtypes, strict=True)})


def _read_tensors(archive: zipfile.ZipFile, entries: list[dict[str, Any]], path: Path) -> list[Any]:
    tensors: list[Any] = []
    for i, entry in enumerate(entries):
        name = f"tensor_{i:04d}"
        if entry["shape"] is None:  # format 1: dense, shape from the member
            tensor = read_member(archive, name, dtype=COMPLEX, shape=(None, None, None), path=path)
        else:
            tensor = read_tensor(archive, name, entry, path)
        previous = tensors[-1] if tensors else None
        left = 1 if previous is None else previous.shape[2]
        if tensor.shape[0] != left or (i == len(entries) - 1 and tensor.shape[2] != 1):
            raise ValueError(f"{path}: checkpoint tensor {name!r} of shape {tuple(tensor.shape)} does not fit its "
                             f"neighbours (left bond {left}; the last right bond is 1)")
        if isinstance(tensor, ChargedTensor) and isinstance(previous, ChargedTensor):
            if not previous.legs[2].same(tensor.legs[0]):
                raise ValueError(f"{path}: checkpoint tensor {name!r}: left-leg charges differ from its neighbour's")
            tensor = ChargedTensor((previous.legs[2], *tensor.legs[1:]), tensor.signs, tensor.blocks)  # share the leg
        tensors.append(tensor)
    return tensors


def _read_record(archive: zipfile.ZipFile, dtypes: dict[str, tuple[np.dtype, ...]],
                 path: Path) -> dict[str, np.ndarray]:
    record = {key: read_member(archive, f"record_{key}", dtype=accepted, path=path) for key, accepted in dtypes.items()}
    rows = {key: value.shape[:1] for key, value in record.items()}
    if any(value.ndim == 0 for value in record.values()) or len(set(rows.values())) > 1:
        raise ValueError(f"{path}: checkpoint record arrays must share their first axis (time), got {rows}"[:400])
    return record


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read and validate a checkpoint written by :func:`save_checkpoint` (format 2) or an earlier
    version of it (format 1), member by member (module docstring).

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValueError
        Naming the file and the key or member: not a zip archive, no header, a header that is not a
        JSON object or lacks a key or holds a value of the wrong type or range, another format
        version, a missing member, a member of the wrong dtype (a tensor not complex128) or shape,
        tensors whose bonds do not match, blocks that break the charge rule, a corrupt member.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such checkpoint")
    try:
        archive = zipfile.ZipFile(path)
    except (*ZIP_DAMAGE, ValueError) as exc:
        raise ValueError(f"{path}: not a readable checkpoint ({exc})") from None
    with archive:
        header = _read_header(archive, path)
        entries, record_dtypes = _layout(header, archive, path)
        tensors = _read_tensors(archive, entries, path)
        bond_values = []
        for b in range(header["n_bond_values"]):
            dim = tensors[b].shape[2]
            bond_values.append(read_member(archive, f"lambda_{b:04d}", dtype=_LAMBDA, shape=(dim,), path=path))
        record = _read_record(archive, record_dtypes, path)
    if header["format_version"] >= 2:
        trajectory = _trajectory_digest(header["params"], header["steps"], header["truncation_error"],
                                        header["center"], header["info"])
        check_digests(header.get("digests"), stored_digests(tensors, bond_values, record) | {"header": trajectory},
                      path)
    return Checkpoint(
        params=header["params"], steps=header["steps"], truncation_error=header["truncation_error"],
        tensors=tensors, center=header["center"], record=record, info=header["info"],
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
