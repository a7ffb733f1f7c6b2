"""Locks and temporary files of TEBD checkpoints (issue #14, item 2).

A run that writes a checkpoint holds ``<checkpoint>.lock`` (process id and host name) for its whole
duration, so two runs cannot share one checkpoint; a lock whose process is gone on this host is stale
and taken over atomically. :func:`remove_stale_temporaries` deletes the ``.<name>.*.tmp`` files that a
writer killed mid-write left next to the checkpoint (:func:`verify.records.save_checkpoint` writes
into such a file and renames it over the checkpoint).
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["checkpoint_lock", "lock_path", "remove_stale_temporaries", "temporary_prefix"]

_BEING_WRITTEN_S = 2.0  # an empty lock younger than this may still be being written (O_EXCL fallback)


def temporary_prefix(path: Path) -> str:
    """Name prefix of the temporary files :func:`verify.records.save_checkpoint` writes next to ``path``."""
    return f".{path.name}."


def lock_path(path: str | os.PathLike) -> Path:
    """The lock file of checkpoint ``path``: ``<path>.lock``."""
    path = Path(path)
    return path.with_name(path.name + ".lock")


def remove_stale_temporaries(path: str | os.PathLike) -> list[Path]:
    """Remove the temporary files killed writers of checkpoint ``path`` left (``.<name>.*.tmp``); only
    call it holding the lock (:func:`checkpoint_lock` does). Returns the removed paths."""
    path = Path(path)
    removed = []
    for tmp in path.parent.glob(f"{temporary_prefix(path)}*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
            removed.append(tmp)
    return removed


def _owner_alive(text: str) -> bool:
    """Whether the process named in a lock file (``pid host``) may still run (unknown: assume yes)."""
    parts = text.split()
    if len(parts) != 2 or not parts[0].isdigit():
        return False  # unreadable or empty (and not young, see _acquire): its writer is gone
    if parts[1] != socket.gethostname():
        return True  # another host: its processes cannot be checked from here
    try:
        os.kill(int(parts[0]), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _take_over_stale(lock: Path, seen: str) -> bool:
    """Remove a stale lock whose content was ``seen``; False if another process replaced it meanwhile."""
    aside = lock.with_name(f"{lock.name}.{os.getpid()}.stale")
    try:
        os.rename(lock, aside)  # atomic: of two processes taking over, one wins
    except FileNotFoundError:
        return True
    if aside.read_text(errors="replace") != seen:  # a fresh lock: put it back
        with contextlib.suppress(OSError):
            os.link(aside, lock)
        aside.unlink()
        return False
    aside.unlink()
    return True


def _create_lock(lock: Path, content: str) -> None:
    """Create ``lock`` holding ``content`` in one step: written to a private file, then hard-linked to
    the lock's name (FileExistsError if it exists). A lock is never seen empty while it is being
    written; where hard links are not supported, ``O_EXCL`` then a write (empty for a moment)."""
    private = lock.with_name(f"{lock.name}.{os.getpid()}.new")
    private.write_text(content)
    try:
        os.link(private, lock)
    except FileExistsError:
        raise
    except OSError:  # no hard links here (some network or FAT file systems)
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
    finally:
        with contextlib.suppress(OSError):
            private.unlink()


def _acquire(lock: Path, path: Path, content: str) -> None:
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"checkpoint {path}: cannot create its directory ({exc.strerror or exc})") from None
    deadline = time.monotonic() + _BEING_WRITTEN_S
    while True:
        try:
            _create_lock(lock, content)
            return
        except FileExistsError:
            try:
                seen = lock.read_text(errors="replace")
                age = time.time() - lock.stat().st_mtime
            except FileNotFoundError:
                continue
        except OSError as exc:
            raise ValueError(f"checkpoint {path}: cannot create the lock file {lock} ({exc.strerror or exc})") from None
        if not seen.strip() and age < _BEING_WRITTEN_S and time.monotonic() < deadline:
            time.sleep(0.05)  # an empty lock this young may be being filled (the O_EXCL fallback): wait
            continue
        if _owner_alive(seen):
            raise ValueError(
                f"checkpoint {path} is in use by process {' on '.join(seen.split()[:2])} (lock file {lock}); "
                "remove the lock file if that run is gone"
            ) from None
        if not _take_over_stale(lock, seen) and time.monotonic() > deadline:
            raise ValueError(f"checkpoint {path}: could not take the lock file {lock} (other runs keep replacing it)")


@contextlib.contextmanager
def checkpoint_lock(path: str | os.PathLike) -> Iterator[Path]:
    """Hold the lock of checkpoint ``path`` for a run (module docstring); yields the lock file.

    On entry stale temporary files are removed (:func:`remove_stale_temporaries`); on exit the lock
    is removed if it is still this process's.

    Raises
    ------
    ValueError
        When another live process holds the lock (naming it and the lock file), or the lock file
        cannot be created (the directory is not writable, a parent is a file).
    """
    path = Path(path)
    lock = lock_path(path)
    mine = f"{os.getpid()} {socket.gethostname()}"
    _acquire(lock, path, mine)
    try:
        remove_stale_temporaries(path)
        yield lock
    finally:
        with contextlib.suppress(OSError):
            if lock.read_text(errors="replace") == mine:
                lock.unlink()
