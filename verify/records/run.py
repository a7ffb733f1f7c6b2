"""Run records: one ``.npz`` of named arrays plus a JSON sidecar of everything else.

A run record is what every evolver of the package returns and writes, and what ``verify.checks``
reads. The schema (keys per model) is documented in ``docs/run_records.md``.

Files are written atomically (temporary file in the same directory, then ``os.replace``), so a run
killed while saving never leaves a truncated record behind. The ``.npz`` and its sidecar are one unit:
:meth:`RunResult.save` gives them a shared random run id (the sidecar's ``run_id`` and the comment
``qstt-run-id:<id>`` of the ``.npz`` zip archive, invisible to ``numpy.load``), writes both temporary
files before renaming either, and :func:`load_run` refuses a pair whose ids differ — an ``.npz`` next to
another run's sidecar, which a crash between the two renames or a copy of one file leaves behind.
"""

from __future__ import annotations

import json
import math
import os
import platform
import tempfile
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from states.validation import require_real
from verify.records.sidecar import validate_sidecar

__all__ = [
    "MAX_OUTPUT_TIMES",
    "RunResult",
    "atomic_write_bytes",
    "check_output_path",
    "file_format",
    "json_default",
    "load_run",
    "output_times",
    "package_version",
    "record_run_id",
    "sidecar_path",
]

RUN_ID_PREFIX = b"qstt-run-id:"
"""Start of the zip comment of a record's ``.npz`` that carries its run id (the sidecar's ``run_id``)."""


def package_version() -> str:
    """Installed version of qstt (``"unknown"`` when run from a source tree that is not installed)."""
    try:
        return metadata.version("qstt")
    except metadata.PackageNotFoundError:
        return "unknown"


def sidecar_path(path: str | os.PathLike) -> Path:
    """The JSON sidecar that belongs to ``path`` (``run.npz`` → ``run.json``)."""
    return Path(path).with_suffix(".json")


MAX_OUTPUT_TIMES = 1_000_000
"""Most output times a run may ask for (each one a measurement and a row of every record array)."""


def output_times(t_max: float, dt_out: float) -> np.ndarray:
    """The output grid of every evolver: 0, dt_out, 2 dt_out, … up to t_max (inclusive within 1e-9 dt_out).

    Raises
    ------
    TypeError
        Unless both are real numbers (numpy scalars accepted; bools and strings refused).
    ValueError
        Unless ``t_max`` >= 0 and ``dt_out`` > 0 are finite and the grid has at most
        :data:`MAX_OUTPUT_TIMES` + 1 times.
    """
    t_max = require_real("t_max", t_max, minimum=0.0)
    dt_out = require_real("dt_out", dt_out, positive=True)
    ratio = t_max / dt_out  # may overflow to inf (1e300 / 1e-300): compared, never converted to int
    if not ratio <= MAX_OUTPUT_TIMES:
        raise ValueError(
            f"t_max/dt_out = {ratio:.3g} output times is too many (limit {MAX_OUTPUT_TIMES:.0e}): "
            "raise dt_out or lower t_max"
        )
    n_steps = math.floor(ratio + 1e-9)
    return dt_out * np.arange(n_steps + 1)


def check_output_path(path: str | os.PathLike, *, what: str = "--out") -> Path:
    """Validate a path a run will write (record or checkpoint) before any work is done.

    The rule of the command line's ``--out`` and of :func:`verify.records.simulate_tebd`'s
    ``checkpoint``: a ``.npz`` path, neither it nor its JSON sidecar an existing directory, and its
    directory either existing or creatable (the nearest existing ancestor is a writable directory).

    Parameters
    ----------
    path : str or path-like
    what : str
        How the path is named in the messages (``"--out"``, ``"checkpoint"``).

    Returns
    -------
    Path

    Raises
    ------
    TypeError
        When ``path`` is not a string or path-like object.
    ValueError
        Naming the problem (suffix, an existing directory at the path, an ancestor that is a file or
        not writable).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{what} must be a path (str or os.PathLike), got {path!r} ({type(path).__name__})")
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"{what} {path}: run records and checkpoints are .npz files")
    try:  # is_dir/exists raise OSError for a name too long for the file system, a NUL byte, ...
        for target in (path, sidecar_path(path)):
            if target.is_dir():
                raise ValueError(f"{what} {path}: {target} is a directory")
        ancestor = path.absolute().parent
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise ValueError(f"{what} {path}: {ancestor} is not a directory")
        if not os.access(ancestor, os.W_OK | os.X_OK):
            raise ValueError(f"{what} {path}: directory {ancestor} is not writable")
        limit = os.pathconf(ancestor, "PC_NAME_MAX") if hasattr(os, "pathconf") else 255
    except OSError as exc:
        raise ValueError(f"{what} {str(path)[:80]!r}: not a usable path ({exc.strerror or exc})") from None
    # the temporary file of the atomic write is named .NAME.XXXXXXXX.tmp
    for part in (*path.parts, f".{path.name}.xxxxxxxx.tmp"):
        if len(os.fsencode(part)) > limit:
            raise ValueError(f"{what} {str(path)[:80]!r}...: a file or directory name longer than {limit} bytes")
    return path


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_temporary(path: Path, data: bytes) -> str:
    """``data`` in a fsynced temporary file next to ``path`` (the caller renames or removes it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates the file owner-only (0600); give it the permissions a plain open() would.
        os.chmod(tmp, 0o666 & ~_current_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return tmp


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temporary file + fsync + rename."""
    atomic_write_files({Path(path): data})


def atomic_write_files(files: Mapping[Path, bytes]) -> None:
    """Write several files as one unit: every temporary file written and fsynced first, then all renamed.

    A failure while writing leaves none of them changed; a crash between two renames leaves a mixed
    pair, which the run id of a record (:meth:`RunResult.save`) makes recognizable.
    """
    temporaries: dict[Path, str] = {}
    try:
        for path, data in files.items():
            temporaries[Path(path)] = _write_temporary(Path(path), data)
        for path, tmp in temporaries.items():
            os.replace(tmp, path)
    except BaseException:
        for tmp in temporaries.values():
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise


def record_run_id(path: str | os.PathLike) -> str | None:
    """The run id stored in the zip comment of a record's ``.npz`` (None for a record without one)."""
    try:
        with zipfile.ZipFile(path) as archive:
            comment = archive.comment
    except (OSError, zipfile.BadZipFile, ValueError):
        return None
    if not comment.startswith(RUN_ID_PREFIX):
        return None
    return comment[len(RUN_ID_PREFIX) :].decode("ascii", errors="replace")


def json_default(value: Any) -> Any:
    """``json.dumps`` fallback for numpy scalars/arrays and paths (run sidecars, figure JSON)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in JSON")


@dataclass
class RunResult:
    """The outcome of one run: named arrays (time series) and metadata.

    Attributes
    ----------
    arrays : dict of str to ndarray
        Time series keyed as in ``docs/run_records.md``; ``"t"`` is always present.
    meta : dict
        Parameters, method, package version, wall time, conservation drifts — JSON-serializable.
    """

    arrays: dict[str, np.ndarray]
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if "t" not in self.arrays:
            raise ValueError("a run record needs a time grid under the key 't'")
        self.arrays = {key: np.asarray(value) for key, value in self.arrays.items()}

    def save(self, path: str | os.PathLike) -> Path:
        """Write ``path`` (.npz) and its JSON sidecar as one unit with a fresh shared run id; return the npz path.

        The id (the sidecar's ``run_id``; ``self.meta`` is not changed) goes into the sidecar and the ``.npz``
        zip comment (module docstring); both temporary files are written before either is renamed.
        """
        path = Path(path)
        if path.suffix != ".npz":
            raise ValueError(f"run records are .npz files, got {str(path)!r}")
        import io

        run_id = uuid.uuid4().hex
        buffer = io.BytesIO()
        np.savez(buffer, **self.arrays)
        with zipfile.ZipFile(buffer, "a") as archive:
            archive.comment = RUN_ID_PREFIX + run_id.encode("ascii")
        meta = {"package_version": package_version(), "python": platform.python_version(), **self.meta}
        meta["run_id"] = run_id
        sidecar = json.dumps(meta, indent=2, sort_keys=True, default=json_default).encode()
        atomic_write_files({path: buffer.getvalue(), sidecar_path(path): sidecar})
        return path


_MAGIC = (
    (b"PK\x03\x04", "npz"),
    (b"PK\x05\x06", "npz"),  # an empty zip archive
    (b"\x89HDF\r\n\x1a\n", "hdf5"),
    (b"\x93NUMPY", "npy"),
)
_PICKLE_SUFFIXES = (".pkl", ".pickle", ".pck", ".p", ".dill", ".joblib")


def file_format(path: str | os.PathLike) -> str:
    """What a file is, from its first bytes: ``"npz"``, ``"hdf5"``, ``"npy"``, ``"pickle"`` or ``"unknown"``.

    A pickle is recognized by its protocol header (``0x80`` and a protocol number 2–5) or its suffix
    (``.pkl``, ``.pickle``, ...): run records are never unpickled (loading a pickle runs code of the
    file's choosing).

    Raises
    ------
    FileNotFoundError
        When ``path`` is not a file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such run record")
    with open(path, "rb") as handle:
        head = handle.read(8)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if (len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5) or path.suffix.lower() in _PICKLE_SUFFIXES:
        return "pickle"
    return "unknown"


def _refuse(path: Path, kind: str) -> None:
    if kind == "pickle":
        raise ValueError(
            f"{path}: a pickle file: refused, run records are never unpickled (it could run arbitrary code); "
            "save arrays with numpy.savez (RunResult.save) or HDF5"
        )
    if kind == "unknown":
        raise ValueError(f"{path}: not a readable .npz run record (not a zip archive; RunResult.save writes .npz)")
    if kind == "npy":
        raise ValueError(f"{path}: a single .npy array, not a .npz run record (RunResult.save writes .npz)")
    if kind == "hdf5":
        raise ValueError(
            f"{path}: an HDF5 file, not a .npz run record: read it with verify.interop.read_run "
            "(python -m verify check reads it)"
        )


def load_run(path: str | os.PathLike) -> RunResult:
    """Read a run record written by :meth:`RunResult.save` (the sidecar is optional).

    Nothing is unpickled: a pickle file, or an ``.npz`` holding object arrays (pickled Python objects),
    is refused. The sidecar is validated against the published schema
    (:func:`verify.records.validate_sidecar`, ``docs/run_record.schema.json``).

    Raises
    ------
    FileNotFoundError
        When ``path`` is not a file.
    ValueError
        When the file is not a readable npz (a pickle, an HDF5 file, object arrays, a truncated
        archive), has no ``t`` array or a malformed sidecar; the message names the file (and the key).
    TypeError
        For a sidecar field of the wrong JSON type.
    """
    path = Path(path)
    _refuse(path, file_format(path))
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays: Mapping[str, np.ndarray] = {key: data[key] for key in data.files}
    except ValueError as exc:
        if "Object arrays" in str(exc):
            raise ValueError(
                f"{path}: holds object arrays (pickled Python objects): refused, run records are never "
                "unpickled; store numeric arrays"
            ) from None
        raise ValueError(f"{path}: not a readable .npz run record ({exc})") from None
    except Exception as exc:  # zipfile, OSError, EOFError... all mean the same to a user
        raise ValueError(f"{path}: not a readable .npz run record ({exc})") from None
    if "t" not in arrays:
        raise ValueError(f"{path}: missing key 't' (the time grid)")
    meta: dict[str, Any] = {}
    sidecar = sidecar_path(path)
    if sidecar.is_file():
        try:
            meta = json.loads(sidecar.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{sidecar}: malformed JSON sidecar ({exc})") from None
        except RecursionError:
            raise ValueError(f"{sidecar}: malformed JSON sidecar (nested too deeply)") from None
        validate_sidecar(meta, str(sidecar))
        _same_run(path, sidecar, meta)
    return RunResult(dict(arrays), meta)


def _same_run(path: Path, sidecar: Path, meta: Mapping[str, Any]) -> None:
    """Refuse an ``.npz`` and a sidecar with different run ids (or an id on one side only)."""
    in_record, in_sidecar = record_run_id(path), meta.get("run_id")
    if in_record is None and in_sidecar is None:  # a record of an earlier release, or from elsewhere
        return
    if in_record != in_sidecar:
        raise ValueError(
            f"{path}: the .npz and its sidecar {sidecar.name} come from different runs (run id "
            f"{in_record or 'none'} in the .npz, {in_sidecar or 'none'} in the sidecar): a crash between "
            "their two writes or a copied file; rerun, or restore the matching pair"
        )
