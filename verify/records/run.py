"""Run records: one ``.npz`` of named arrays plus a JSON sidecar of everything else.

A run record is what every evolver of the package returns and writes, and what ``verify.checks``
reads. The schema (keys per model) is documented in ``docs/run_records.md``.

Files are written atomically (temporary file in the same directory, then ``os.replace``), so a run
killed while saving never leaves a truncated record behind.
"""

from __future__ import annotations

import json
import math
import os
import platform
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from states.validation import require_real

__all__ = [
    "MAX_OUTPUT_TIMES",
    "RunResult",
    "atomic_write_bytes",
    "check_output_path",
    "json_default",
    "load_run",
    "output_times",
    "package_version",
    "sidecar_path",
]


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
    return path


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temporary file + fsync + rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates the file owner-only (0600); give it the permissions a plain open() would.
        os.chmod(tmp, 0o666 & ~_current_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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
        """Write ``path`` (.npz) and its JSON sidecar atomically; return the npz path."""
        path = Path(path)
        if path.suffix != ".npz":
            raise ValueError(f"run records are .npz files, got {str(path)!r}")
        import io

        buffer = io.BytesIO()
        np.savez(buffer, **self.arrays)
        meta = {"package_version": package_version(), "python": platform.python_version(), **self.meta}
        atomic_write_bytes(path, buffer.getvalue())
        atomic_write_bytes(
            sidecar_path(path),
            json.dumps(meta, indent=2, sort_keys=True, default=json_default).encode(),
        )
        return path


def load_run(path: str | os.PathLike) -> RunResult:
    """Read a run record written by :meth:`RunResult.save` (the sidecar is optional).

    Raises
    ------
    FileNotFoundError
        When ``path`` is not a file.
    ValueError
        When the file is not a readable npz, has no ``t`` array or a malformed sidecar; the message
        names the file (and the key).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such run record")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays: Mapping[str, np.ndarray] = {key: data[key] for key in data.files}
    except Exception as exc:  # zipfile, OSError, EOFError... all mean the same to a user
        raise ValueError(f"{path}: not a readable .npz run record ({exc})") from None
    if "t" not in arrays:
        raise ValueError(f"{path}: missing key 't' (the time grid)")
    meta: dict[str, Any] = {}
    sidecar = sidecar_path(path)
    if sidecar.is_file():
        try:
            meta = json.loads(sidecar.read_text())
        except json.JSONDecodeError as exc:
            raise ValueError(f"{sidecar}: malformed JSON sidecar ({exc})") from None
    return RunResult(dict(arrays), meta)
