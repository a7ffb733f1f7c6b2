"""χ_max = 800 against χ_max = 400: the N_e = 8 user's run to t = 40, wall time and peak memory (issue 17, item 3).

Each run is the command a user types — ``python -m verify run prx --method tebd --n-e 8 --chi-max CHI
--dt-out 0.1`` (the default even–odd scheme, every observable at every output time) — in two parts,
as a long run is made in practice: to t = 20 with a checkpoint every 20 steps, then ``--resume`` to
t = 40. Every part runs in its own process under ``/usr/bin/time -v`` (or ``resource`` when that is
missing), which gives its wall time, CPU time and peak resident memory; the resume's peak is what the
issue's "including a resume" asks for. χ = 800 runs first, then χ = 400, one after the other on the
same cores (``--cores``, default 1 so that the machine's second core stays free for other work; both
runs get the same share, so the ratio is the one a user sees).

Run::

    python benchmarks/tebd_chi800.py                 # about 45 min on one core (χ = 800: ~38 min)
    python benchmarks/tebd_chi800.py --cores 2       # on both cores
    python benchmarks/tebd_chi800.py --t-split 2 --t-max 4 --chi 40 20   # a quick check of the script

Results: ``benchmarks/results/tebd_chi800.json`` and the table printed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parents[1]


def run_part(chi: int, t_max: float, resume: bool, work: Path, cores: int) -> dict:
    """One process of the run: wall, CPU, peak RSS (MB) and the CLI's last line."""
    command = [sys.executable, "-m", "verify", "run", "prx", "--method", "tebd", "--n-e", "8", "--chi-max", str(chi),
               "--dt-out", "0.1", "--t-max", f"{t_max:g}", "--checkpoint", str(work / f"chi{chi}.ckpt.npz"),
               "--checkpoint-every", "20", "--out", str(work / f"chi{chi}.npz"), *(["--resume"] if resume else [])]
    env = {**os.environ, "QSTT_CORES": str(cores), "OMP_NUM_THREADS": "1"}
    timer = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    report = work / f"time_chi{chi}_{int(resume)}.txt"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    prefix = [timer, "-v", "-o", str(report)] if timer else []
    proc = subprocess.run([*prefix, *command], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "no message"
        raise SystemExit(f"χ = {chi} part failed ({proc.returncode}): {last}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak_mb = None  # ru_maxrss of the children is the largest child so far, not this one: only time -v tells
    if timer and report.exists():
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report.read_text())
        peak_mb = int(match.group(1)) / 1024 if match else None
    return {"chi": chi, "t_max": t_max, "resume": resume, "wall_s": wall, "cpu_s": cpu, "peak_rss_mb": peak_mb,
            "last_line": proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""}


def main(argv: list[str] | None = None) -> int:
    """Both runs in two parts each, the table and the JSON."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--chi", type=int, nargs=2, default=[800, 400], metavar=("LARGE", "REFERENCE"))
    p.add_argument("--t-split", type=float, default=20.0, help="end of the first part (default 20)")
    p.add_argument("--t-max", type=float, default=40.0, help="end of the run (default 40)")
    p.add_argument("--cores", type=int, default=1, help="QSTT_CORES of both runs (default 1)")
    p.add_argument("--work", type=Path, default=None, help="directory for checkpoints and records (default: temp)")
    args = p.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="qstt_chi800_"))
    work.mkdir(parents=True, exist_ok=True)
    parts = []
    for chi in args.chi:
        for t_max, resume in ((args.t_split, False), (args.t_max, True)):
            parts.append(part := run_part(chi, t_max, resume, work, args.cores))
            peak = "?" if part["peak_rss_mb"] is None else f"{part['peak_rss_mb']:.0f}"
            print(f"χ = {chi:4d} to t = {t_max:g}{' (resumed)' if resume else ''}: {part['wall_s']:.0f} s wall, "
                  f"{part['cpu_s']:.0f} s CPU, peak {peak} MB", flush=True)
    total = {chi: {k: sum(q[k] for q in parts if q["chi"] == chi) for k in ("wall_s", "cpu_s")} for chi in args.chi}
    large, reference = args.chi
    summary = {
        "wall_ratio": total[large]["wall_s"] / total[reference]["wall_s"],
        "cpu_ratio": total[large]["cpu_s"] / total[reference]["cpu_s"],
        "peak_rss_mb": {chi: max((q["peak_rss_mb"] or 0.0) for q in parts if q["chi"] == chi) or None
                        for chi in args.chi},
    }
    print(f"χ = {large} / χ = {reference}: wall {summary['wall_ratio']:.2f}, CPU {summary['cpu_ratio']:.2f}; "
          f"peak RSS {summary['peak_rss_mb']}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "tebd_chi800.json").write_text(json.dumps(
        {"load": os.getloadavg(), "cores": args.cores, "parts": parts, "total": total, "summary": summary},
        indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
