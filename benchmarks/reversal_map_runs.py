"""Carry the full-size reversal map's finished runs from one machine to the next, in compact form.

The full map (``python -m paper_figs prx-reversal-map --jobs 2 --cache DIR``) takes several hours of its
two cores and resumes from its run cache. A machine that loses the cache between sessions loses its runs;
this script keeps the finished ones small enough to commit:

``save --cache DIR --out ARCHIVE``
    Copy every finished TEBD record (``prx-tebd-*``) of ``DIR/runs`` that ``ARCHIVE`` does not hold yet
    to it under its own file name (the run's cache key), keeping only the arrays the map reads
    (:data:`MAP_RUN_KEYS`: S^z of the localized spins, their total, the truncation bookkeeping) and the
    whole metadata, with
    ``meta.archived_keys`` naming what was kept — about 30 kB instead of 430 kB per run.
``restore --archive ARCHIVE --cache DIR``
    Copy them back into ``DIR/runs`` (never over a record already there); the build then loads them
    instead of running them.

A cache key holds the evolver source digest (:func:`paper_figs.cache.source_digest`): a restored run is
used only by the same evolver sources, so resume with the commit the runs were made with (the closing
notes name it) in a worktree, e.g. ``git worktree add /tmp/mapcode <commit>`` and
``PYTHONPATH=/tmp/mapcode python -m paper_figs prx-reversal-map ...``. The figure made from compact
records is the same (``tests/paper_figs/test_reversal_map.py``); its JSON lists each run's metadata.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from verify.records import RunResult, load_run

MAP_RUN_KEYS = ("t", "spin", "spin_z_total", "truncation_error", "truncation_limited_steps", "max_bond_dimension")
"""The arrays of a run that the reversal map reads (:mod:`paper_figs.reversal_analysis`)."""


def compact(record: RunResult) -> RunResult:
    """The record with only :data:`MAP_RUN_KEYS` (those it has) and ``meta.archived_keys`` saying so."""
    kept = [key for key in MAP_RUN_KEYS if key in record.arrays]
    return RunResult({key: record.arrays[key] for key in kept}, {**record.meta, "archived_keys": kept})


def save(cache: Path, out: Path) -> int:
    """Write the compact copy of every finished record in ``cache/runs`` to ``out`` that is not there yet
    (an archived run keeps its bytes: a new copy would differ in its ``run_id``); return how many."""
    runs = cache / "runs"
    if not runs.is_dir():
        raise FileNotFoundError(f"no run cache at {runs}")
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(runs.glob("prx-tebd-*.npz")):  # the map's runs; other figures' records stay out
        if path.name.endswith(".ckpt.npz") or (out / path.name).exists():
            continue  # a checkpoint of a run still going, or a run archived before
        record = load_run(path)
        if record.meta.get("run_spec", {}).get("kind") != "prx-tebd":
            continue
        compact(record).save(out / path.name)
        count += 1
    return count


def restore(archive: Path, cache: Path) -> int:
    """Copy the archived records (``.npz`` and ``.json``) into ``cache/runs``, never over a record already
    there (a full one stays full); return how many runs were copied."""
    if not archive.is_dir():
        raise FileNotFoundError(f"no archive at {archive}")
    runs = cache / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    copied = 0
    for path in sorted(archive.glob("*.npz")):
        if (runs / path.name).exists():
            continue
        for part in (path, path.with_suffix(".json")):
            shutil.copy2(part, runs / part.name)
        copied += 1
    return copied


def main(argv: list[str] | None = None) -> int:
    """The command line (module docstring); returns the exit code, 2 with a one-line message on bad input."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    saving = commands.add_parser("save", help="compact copies of the finished runs of a cache")
    saving.add_argument("--cache", type=Path, required=True)
    saving.add_argument("--out", type=Path, required=True)
    restoring = commands.add_parser("restore", help="put archived runs back into a cache")
    restoring.add_argument("--archive", type=Path, required=True)
    restoring.add_argument("--cache", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "save":
            print(f"saved {save(args.cache, args.out)} runs to {args.out}")
        else:
            print(f"restored {restore(args.archive, args.cache)} runs into {args.cache / 'runs'}")
    except (FileNotFoundError, ValueError) as exc:
        print(f"reversal_map_runs: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
