"""Where the memory of a long TEBD run goes: live data against resident size, per output (issue 17, item 3).

Resumes a TEBD checkpoint (``python -m verify run prx --method tebd ... --checkpoint``) in this
process to ``--t-max`` and records, at every output time, the process's resident size and its peak
so far (``/proc/self``, Linux, read by ``checkpoint_memory.py``'s helpers) and, with ``--traced``, the
bytes that Python and numpy hold (``tracemalloc``: every numpy array is traced) and their peak since
the previous output. The state's own size (the sum of its blocks) is reported at the start and at the
end. ``--trim`` calls glibc's ``malloc_trim(0)`` after every output: the resident size then falls back
towards the live data between outputs, which shows how much of it is freed memory the allocator keeps.

Run::

    python benchmarks/tebd_memory.py CHECKPOINT --t-max 40 --json benchmarks/results/tebd_memory.json
    python benchmarks/tebd_memory.py CHECKPOINT --t-max 25.5 --traced      # tracing: ~1.5× slower

The checkpoint is copied first (it is never modified). Results: the JSON named by ``--json`` and a
summary line.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import math
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checkpoint_memory import hwm_mb, rss_mb  # noqa: E402 - the one reader of /proc's sizes

from verify.models import model_from_dict  # noqa: E402
from verify.records import Checkpoint, load_checkpoint, simulate_tebd  # noqa: E402
from verify.tebd import TEBDOptions  # noqa: E402

MB = 2.0**20  # the sizes are MiB (tracemalloc bytes / 2**20, /proc kB / 1024)


def blocks_mb(stored: Checkpoint) -> float:
    """The sum of the blocks (or dense arrays) of a checkpoint's tensors, MB."""
    return sum(sum(b.nbytes for b in t.blocks.values()) if hasattr(t, "blocks") else t.nbytes
               for t in stored.tensors) / MB


def malloc_trim() -> Callable[[int], int]:
    """glibc's malloc_trim (SystemExit 2 with a one-line message where there is none)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError, TypeError):
        raise SystemExit("tebd_memory: --trim needs glibc's malloc_trim (Linux)") from None


def resume_with_probe(stored: Checkpoint, path: Path, t_max: float, *, traced: bool,
                      trim: Callable[[int], int] | None) -> tuple[list[dict], float, float]:
    """Resume ``stored`` (a copy of ``path``) to ``t_max``; the per-output rows, the wall time and the
    state's size at the end (MB)."""
    params = stored.params
    model = model_from_dict(params["model"])
    options = TEBDOptions(chi_max=params["chi_max"], trunc=params["trunc"], scheme=params["scheme"],
                          order=params["order"], dt=params["dt"])
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / "resume.npz"
        shutil.copy(path, copy)
        if traced:
            tracemalloc.start()
        begin = time.perf_counter()

        def progress(fraction: float) -> None:
            """One row per output (the run calls this once per output time)."""
            if trim is not None:
                trim(0)
            row = {"t": round(fraction * t_max, 3), "wall_s": round(time.perf_counter() - begin, 2),
                   "rss_mb": _finite(rss_mb()), "peak_rss_mb": _finite(hwm_mb())}
            if traced:
                current, traced_peak = tracemalloc.get_traced_memory()
                row.update(traced_mb=round(current / MB, 1), traced_peak_mb=round(traced_peak / MB, 1))
                tracemalloc.reset_peak()
            rows.append(row)

        simulate_tebd(model, t_max=t_max, dt_out=params["dt_out"], options=options, cut=params["cut"],
                      checkpoint=str(copy), resume=True, progress=progress)
        wall = time.perf_counter() - begin
        if traced:
            tracemalloc.stop()
        end_mb = blocks_mb(load_checkpoint(copy))
    return rows, wall, end_mb


def _finite(value: float) -> float | None:
    """``value``, or None for NaN (no /proc here): JSON has no NaN."""
    return None if math.isnan(value) else value


def largest(rows: list[dict], key: str) -> float | None:
    """The largest value of ``key`` over the rows (None when there is none)."""
    values = [row[key] for row in rows if row.get(key) is not None]
    return max(values) if values else None


def main(argv: list[str] | None = None) -> int:
    """Command line (module docstring); 0 on success, 2 with a one-line message for bad input."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path, help="a TEBD checkpoint (.npz) to resume")
    parser.add_argument("--t-max", type=float, required=True, help="resume to this time")
    parser.add_argument("--traced", action="store_true", help="also record tracemalloc's live bytes and peaks")
    parser.add_argument("--trim", action="store_true", help="malloc_trim(0) after every output (glibc)")
    parser.add_argument("--json", type=Path, help="write the per-output rows and the summary here")
    args = parser.parse_args(argv)
    if not args.checkpoint.is_file():
        parser.exit(2, f"tebd_memory: no checkpoint at {args.checkpoint}\n")
    if args.json is not None and not args.json.parent.is_dir():
        parser.exit(2, f"tebd_memory: no directory {args.json.parent} for --json\n")
    trim = malloc_trim() if args.trim else None
    try:
        stored = load_checkpoint(args.checkpoint)
        start_mb = blocks_mb(stored)
        rows, wall, end_mb = resume_with_probe(stored, args.checkpoint, args.t_max, traced=args.traced, trim=trim)
    except (ValueError, TypeError, KeyError) as error:
        parser.exit(2, f"tebd_memory: {args.checkpoint}: {error}\n")
    summary = {
        "checkpoint": str(args.checkpoint), "t_max": args.t_max, "trim": args.trim, "traced": args.traced,
        "wall_s": round(wall, 1), "outputs": len(rows), "state_mb_start": round(start_mb, 1),
        "state_mb_end": round(end_mb, 1), "peak_rss_mb": largest(rows, "peak_rss_mb"),
        "traced_peak_mb": largest(rows, "traced_peak_mb"),
    }
    print(json.dumps(summary))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
